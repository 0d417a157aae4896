"""The cast every scope test uses, built once per test class (setUpTestData).

Jincheng city (140500) has two counties in play: Zezhou (140525), where units A and C sit, and
Yangcheng (140522), where unit B sits; Taiyuan (140100) is another city.  Each side has a user
inside scope and one outside it, so that "another unit gets 404" and "a regulator of another
region gets 404" are one line each.
"""

from datetime import date

from django.test import TestCase
from rest_framework.test import APIClient

from shuangfang.accounts.services import do_create_user
from shuangfang.core.demo import tiny_png  # noqa: F401  (re-exported for tests)
from shuangfang.equipment.models import CatalogEntry, Equipment
from shuangfang.orgs.models import Organization, Region
from shuangfang.orgs.uscc import make_uscc

PASSWORD = "Shuangfang-2026!"


def make_organization(name: str, kind: str, region: str, *, jurisdiction: str | None = None, seed: int) -> Organization:
    body = f"91{region}{seed:09d}"[:17]
    return Organization.objects.create(
        name=name,
        uscc=make_uscc(body),
        kind=kind,
        region_id=region,
        jurisdiction_id=jurisdiction,
    )


def make_user(username: str, organization: Organization | None, *roles: str):
    return do_create_user(
        actor=None,
        username=username,
        password=PASSWORD,
        organization=organization,
        roles=list(roles),
        full_name=username,
    )


def make_equipment(organization: Organization, code: str, *, category: str = "3110", agency=None, **extra) -> Equipment:
    values = {
        "name": f"设备 {code}",
        "commissioned_on": date(2020, 5, 1),
        "manufactured_on": date(2019, 12, 1),
        "last_inspected_on": date(2025, 5, 1),
        "inspection_due_on": date(2026, 12, 31),
    }
    values.update(extra)
    return Equipment.objects.create(
        organization=organization,
        region_id=organization.region_id,
        code=code,
        category=CatalogEntry.objects.get(code=category),
        inspection_agency=agency,
        **values,
    )


class CastTestCase(TestCase):
    """Organizations, users on every side, and one equipment per unit."""

    ZEZHOU, YANGCHENG, JINCHENG, SHANXI, TAIYUAN, XIAODIAN = "140525", "140522", "140500", "140000", "140100", "140105"

    @classmethod
    def setUpTestData(cls):
        assert Region.objects.filter(code=cls.ZEZHOU).exists(), "reference data must be loaded by migrate"
        cls.unit_a = make_organization("甲单位", "use_unit", cls.ZEZHOU, seed=1)
        cls.unit_c = make_organization("丙单位", "use_unit", cls.ZEZHOU, seed=3)
        cls.unit_b = make_organization("乙单位", "use_unit", cls.YANGCHENG, seed=2)
        cls.province = make_organization(
            "山西省市场监督管理局", "regulator", cls.SHANXI, jurisdiction=cls.SHANXI, seed=10
        )
        cls.city = make_organization(
            "晋城市市场监督管理局", "regulator", cls.JINCHENG, jurisdiction=cls.JINCHENG, seed=11
        )
        cls.county = make_organization(
            "泽州县市场监督管理局", "regulator", cls.ZEZHOU, jurisdiction=cls.ZEZHOU, seed=12
        )
        cls.sibling_county = make_organization(
            "阳城县市场监督管理局", "regulator", cls.YANGCHENG, jurisdiction=cls.YANGCHENG, seed=13
        )
        cls.other_city = make_organization(
            "太原市市场监督管理局", "regulator", cls.TAIYUAN, jurisdiction=cls.TAIYUAN, seed=14
        )
        cls.agency = make_organization("晋城市特种设备检验所", "inspection_agency", cls.ZEZHOU, seed=20)
        cls.other_agency = make_organization("太原市特种设备检验所", "inspection_agency", cls.XIAODIAN, seed=21)

        cls.owner = make_user("owner", cls.unit_a, "safety_officer")
        cls.unit_admin = make_user("unit_admin", cls.unit_a, "org_admin")
        cls.principal = make_user("principal", cls.unit_a, "principal")
        cls.member = make_user("member", cls.unit_a, "operator")
        cls.other_unit_user = make_user("other_unit", cls.unit_c, "safety_officer", "org_admin")
        cls.unit_b_user = make_user("unit_b_user", cls.unit_b, "safety_officer")
        cls.county_inspector = make_user("county_inspector", cls.county, "inspector")
        cls.county_admin = make_user("county_admin", cls.county, "regulator_admin")
        cls.sibling_inspector = make_user("sibling_inspector", cls.sibling_county, "inspector")
        cls.city_inspector = make_user("city_inspector", cls.city, "inspector")
        cls.province_leader = make_user("province_leader", cls.province, "regulator_leader")
        cls.other_city_inspector = make_user("other_city_inspector", cls.other_city, "inspector")
        cls.agency_user = make_user("agency_user", cls.agency, "agency_inspector")
        cls.other_agency_user = make_user("other_agency_user", cls.other_agency, "agency_inspector")
        cls.system_admin = make_user("sysadmin", None, "system_admin")
        cls.security_admin = make_user("secadmin", None, "security_admin")
        cls.audit_admin = make_user("auditadmin", None, "audit_admin")

        cls.equipment_a = make_equipment(cls.unit_a, "31101401012020A0001", agency=cls.agency)
        cls.equipment_c = make_equipment(cls.unit_c, "31101401012020C0001")
        cls.equipment_b = make_equipment(cls.unit_b, "31101401012020B0001")

    # Who may see unit A's rows, and who may not.
    def insiders_of_unit_a(self):
        return [self.owner, self.member, self.county_inspector, self.city_inspector, self.province_leader]

    def outsiders_of_unit_a(self):
        return [
            self.other_unit_user,
            self.unit_b_user,
            self.sibling_inspector,
            self.other_city_inspector,
            self.other_agency_user,
        ]

    def api(self, user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    def web(self, user=None):
        client = self.client_class()
        if user is not None:
            client.force_login(user)
        return client

    def assertNotFoundForOutsiders(self, method: str, url: str, data=None, outsiders=None):
        for user in outsiders if outsiders is not None else self.outsiders_of_unit_a():
            response = getattr(self.api(user), method)(url, data, format="json")
            self.assertEqual(
                response.status_code, 404, f"{user.username} {method.upper()} {url}: {response.status_code}"
            )
