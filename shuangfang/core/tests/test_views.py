"""The home page of each side, the regulator's drill-down, the audit page, and the menu in both languages."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shuangfang.core.events import record_event
from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment, make_organization, make_user
from shuangfang.equipment.models import CertificateItem, OperatorCertificate

# Every figure below is counted against this day; the cast's own equipment is due 2026-12-31 (valid).
TODAY = date(2026, 6, 1)
FROZEN = time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo(settings.TIME_ZONE)), tick=False)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@FROZEN
class UnitHomeTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.overdue = make_equipment(cls.unit_a, "31101401012020A0002", inspection_due_on=days(-5))
        cls.due_soon = make_equipment(cls.unit_a, "31101401012020A0003", inspection_due_on=days(10))
        cls.never = make_equipment(cls.unit_a, "31101401012020A0004", inspection_due_on=None, last_inspected_on=None)
        # Failed its inspection: no next date, may not be used until re-inspected.
        cls.failed = make_equipment(cls.unit_a, "31101401012020A0005", inspection_due_on=None)
        # Suspended equipment needs no inspection while it stands still: counted by status only.
        cls.suspended = make_equipment(
            cls.unit_a, "31101401012020A0006", inspection_due_on=days(-100), status="suspended"
        )
        # Another unit's urgent equipment must not leak into unit A's figures.
        make_equipment(cls.unit_c, "31101401012020C0002", inspection_due_on=days(-1))
        item = CertificateItem.objects.first()
        for number, expires in (("E1", days(-3)), ("E2", days(60)), ("E3", days(400))):
            OperatorCertificate.objects.create(
                organization=cls.unit_a,
                region_id=cls.unit_a.region_id,
                holder_name=f"持证人{number}",
                id_number="140525199001011234",
                item=item,
                cert_no=number,
                issued_on=days(-1000),
                expires_on=expires,
            )

    def test_figures_by_inspection_state_and_status(self):
        response = self.web(self.owner).get("/")
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "core/home_unit.html")
        summary = response.context["summary"]
        self.assertEqual(
            {state: summary.count(state) for state in ("overdue", "due_soon", "never_inspected", "valid")},
            {"overdue": 2, "due_soon": 1, "never_inspected": 1, "valid": 1},
        )
        self.assertEqual((summary.total, summary.in_use), (6, 5))
        self.assertEqual([figure.value for figure in summary.statuses], [5, 1, 0])

    def test_due_list_is_most_urgent_first_and_links_to_equipment(self):
        response = self.web(self.owner).get("/")
        due = response.context["due"]
        self.assertEqual([row.pk for row in due], [self.failed.pk, self.overdue.pk, self.due_soon.pk])
        self.assertContains(response, f'href="/equipment/{self.overdue.pk}/"')
        self.assertNotContains(response, "31101401012020C0002")

    def test_figures_link_to_the_filtered_equipment_list(self):
        response = self.web(self.owner).get("/")
        self.assertContains(response, 'href="/equipment/?status=in_use&amp;inspection_state=overdue"')

    def test_certificates_expired_or_expiring(self):
        response = self.web(self.owner).get("/")
        certificates = response.context["certificates"]
        self.assertEqual([figure.value for figure in certificates.figures], [1, 1])
        self.assertEqual([row.cert_no for row in certificates.rows], ["E1", "E2"])

    def test_agency_sees_engaged_equipment_to_inspect_next(self):
        make_equipment(self.unit_b, "31101401012020B0002", inspection_due_on=days(7), agency=self.agency)
        make_equipment(self.unit_b, "31101401012020B0003", inspection_due_on=days(7))
        response = self.web(self.agency_user).get("/")
        self.assertTemplateUsed(response, "core/home_agency.html")
        self.assertEqual(response.context["summary"].total, 2, "equipment_a and the engaged B0002")
        self.assertEqual([row.code for row in response.context["due"]], ["31101401012020B0002"])

    def test_platform_administrators_see_organizations_and_users(self):
        response = self.web(self.system_admin).get("/")
        self.assertTemplateUsed(response, "core/home_platform.html")
        by_kind = {figure.label: figure.value for figure in response.context["organizations"]}
        self.assertEqual(by_kind["使用单位"], 3)
        self.assertEqual(by_kind["监管部门"], 5)
        self.assertEqual(by_kind["检验机构"], 2)
        self.assertEqual(response.context["user_figures"][0].value, 17)
        self.assertContains(response, reverse("orgs:create"))
        audit_home = self.web(self.audit_admin).get("/")
        self.assertContains(audit_home, reverse("core:audit"))
        self.assertNotContains(audit_home, reverse("orgs:create"))

    def test_anonymous_visitor_is_sent_to_sign_in(self):
        response = self.client.get("/")
        self.assertRedirects(response, "/accounts/login/?next=/", fetch_redirect_response=False)


@FROZEN
class RegulatorHomeTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_equipment(cls.unit_a, "31101401012020A0002", inspection_due_on=days(-5))
        make_equipment(cls.unit_c, "31101401012020C0002", inspection_due_on=days(3))
        make_equipment(cls.unit_b, "31101401012020B0002", inspection_due_on=None, last_inspected_on=None)
        cls.taiyuan_unit = make_organization("丁单位", "use_unit", cls.XIAODIAN, seed=4)
        make_equipment(cls.taiyuan_unit, "31101401012020D0001", inspection_due_on=days(-30))

    def rows(self, response):
        return {row.name: row for row in response.context["children"]}

    def test_province_sees_its_cities(self):
        response = self.web(self.province_leader).get("/")
        self.assertTemplateUsed(response, "core/home_regulator.html")
        rows = self.rows(response)
        self.assertEqual(len(rows), 11, "Shanxi has eleven cities")
        jincheng, taiyuan, datong = rows["晋城市"], rows["太原市"], rows["大同市"]
        self.assertEqual(
            (jincheng.units, jincheng.equipment, jincheng.overdue, jincheng.due_soon, jincheng.never_inspected),
            (3, 6, 1, 1, 1),
        )
        self.assertEqual((taiyuan.units, taiyuan.equipment, taiyuan.overdue), (1, 1, 1))
        self.assertEqual((datong.units, datong.equipment), (0, 0))
        summary = response.context["summary"]
        self.assertEqual((summary.total, summary.count("overdue")), (7, 2))
        self.assertContains(response, 'href="/?region=140500"')
        self.assertContains(response, 'href="/equipment/?status=in_use&amp;inspection_state=overdue&amp;region=140500"')
        self.assertContains(response, 'id="children-chart-data"')
        self.assertContains(response, "vendor/echarts.min.js")

    def test_drill_down_to_a_city_and_a_county(self):
        client = self.web(self.province_leader)
        city = client.get("/?region=140500")
        self.assertEqual(city.status_code, 200)
        rows = self.rows(city)
        self.assertEqual((rows["泽州县"].units, rows["泽州县"].equipment, rows["泽州县"].overdue), (2, 4, 1))
        self.assertEqual((rows["阳城县"].units, rows["阳城县"].never_inspected), (1, 1))
        self.assertEqual([crumb.name for crumb in city.context["trail"]], ["山西省", "晋城市"])
        county = client.get("/?region=140525")
        self.assertEqual(county.context["child_kind"], "units")
        units = self.rows(county)
        self.assertEqual(list(units), ["甲单位", "丙单位"], "the unit with overdue equipment first")
        self.assertEqual((units["甲单位"].equipment, units["甲单位"].overdue), (2, 1))
        self.assertContains(county, f'href="/organizations/{self.unit_a.pk}/"')
        self.assertContains(
            county, f'href="/equipment/?status=in_use&amp;inspection_state=overdue&amp;organization={self.unit_a.pk}"'
        )

    def test_region_outside_the_jurisdiction_is_not_found(self):
        client = self.web(self.county_inspector)
        self.assertEqual(client.get("/?region=140525").status_code, 200)
        self.assertEqual(client.get("/?region=140522").status_code, 404, "the sibling county")
        self.assertEqual(client.get("/?region=140500").status_code, 404, "the city above it")
        self.assertEqual(client.get("/?region=999999").status_code, 404, "no such region")
        self.assertEqual(self.web(self.city_inspector).get("/?region=140105").status_code, 404, "another city's county")

    def test_county_regulator_sees_only_its_own_units(self):
        response = self.web(self.county_inspector).get("/")
        self.assertEqual(set(self.rows(response)), {"甲单位", "丙单位"})
        self.assertEqual(response.context["summary"].total, 4)

    def test_counties_a_province_runs_directly_are_children_of_their_own(self):
        hubei = make_organization("湖北省市场监督管理局", "regulator", "420000", jurisdiction="420000", seed=40)
        leader = make_user("hubei_leader", hubei, "regulator_leader")
        xiantao = make_organization("仙桃单位", "use_unit", "429004", seed=41)
        wuhan = make_organization("武汉单位", "use_unit", "420102", seed=42)
        make_equipment(xiantao, "31101401012020H0001", inspection_due_on=days(-1))
        make_equipment(wuhan, "31101401012020H0002", inspection_due_on=days(5))
        rows = self.rows(self.web(leader).get("/"))
        self.assertEqual((rows["仙桃市"].units, rows["仙桃市"].equipment, rows["仙桃市"].overdue), (1, 1, 1))
        self.assertEqual((rows["武汉市"].units, rows["武汉市"].equipment, rows["武汉市"].due_soon), (1, 1, 1))
        self.assertEqual(rows["仙桃市"].url, "/?region=429004")

    def test_query_count_does_not_grow_with_units_and_equipment(self):
        client = self.web(self.province_leader)
        client.get("/")  # warm the session and caches

        def queries(url):
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(client.get(url).status_code, 200)
            return len(captured)

        before = {url: queries(url) for url in ("/", "/?region=140500", "/?region=140525")}
        for seed, county in enumerate(("140522", "140525", "140105", "140212", "140525", "141002"), start=30):
            unit = make_organization(f"新单位{seed}", "use_unit", county, seed=seed)
            for n in range(4):
                make_equipment(unit, f"3110140101202{seed}X{n:03d}", inspection_due_on=days(n * 20 - 30))
        after = {url: queries(url) for url in before}
        self.assertEqual(after, before)


class AuditPageTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        record_event(
            "equipment.updated", actor=cls.owner, obj=cls.equipment_a, data={"changes": {"name": ["旧", "新"]}}
        )
        record_event("equipment.updated", actor=cls.other_unit_user, obj=cls.equipment_c, data={"changes": {}})

    def test_audit_admin_sees_every_organization(self):
        response = self.web(self.audit_admin).get("/audit/")
        self.assertEqual(response.status_code, 200)
        organizations = {event.organization_id for event in response.context["events"]}
        self.assertTrue({self.unit_a.pk, self.unit_c.pk, self.unit_b.pk} <= organizations)

    def test_unit_principal_sees_only_its_own_organization(self):
        response = self.web(self.principal).get("/audit/")
        self.assertEqual(response.status_code, 200)
        events = response.context["events"]
        self.assertTrue(events)
        self.assertEqual({event.organization_id for event in events}, {self.unit_a.pk})
        self.assertContains(response, "<details")
        self.assertContains(response, "&quot;新&quot;")

    def test_regulator_leader_sees_its_jurisdiction(self):
        response = self.web(self.province_leader).get("/audit/")
        regions = {event.region_code for event in response.context["events"]}
        self.assertTrue(regions and all(region.startswith("14") for region in regions))

    def test_platform_system_and_security_administrators_are_refused(self):
        for user in (self.system_admin, self.security_admin, self.owner, self.county_inspector):
            self.assertEqual(self.web(user).get("/audit/").status_code, 403, user.username)

    def test_filters_by_type_actor_and_date(self):
        client = self.web(self.audit_admin)
        by_type = client.get("/audit/", {"type": "equipment."}).context["events"]
        self.assertEqual({event.type for event in by_type}, {"equipment.updated"})
        by_actor = client.get("/audit/", {"actor": "owner"}).context["events"]
        self.assertEqual([event.object_id for event in by_actor], [str(self.equipment_a.pk)])
        today = Event.objects.latest("seq").at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
        self.assertTrue(client.get("/audit/", {"date_from": today, "date_to": today}).context["events"])
        self.assertFalse(client.get("/audit/", {"date_to": today - timedelta(days=1)}).context["events"])

    def test_keyset_pages_newest_first(self):
        for n in range(60):
            record_event("test.paged", actor=self.audit_admin, data={"n": n})
        client = self.web(self.audit_admin)
        first = client.get("/audit/", {"type": "test.paged"})
        numbers = [event.data["n"] for event in first.context["events"]]
        self.assertEqual(numbers, list(range(59, 9, -1)))
        self.assertEqual(first.context["newer_url"], "")
        second = client.get("/audit/" + first.context["older_url"])
        self.assertEqual([event.data["n"] for event in second.context["events"]], list(range(9, -1, -1)))
        self.assertEqual(second.context["older_url"], "")
        back = client.get("/audit/" + second.context["newer_url"])
        self.assertEqual([event.data["n"] for event in back.context["events"]], list(range(59, 9, -1)))

    def test_htmx_request_gets_only_the_rows(self):
        response = self.web(self.audit_admin).get("/audit/", HTTP_HX_REQUEST="true")
        self.assertTemplateUsed(response, "core/_audit_rows.html")
        self.assertTemplateNotUsed(response, "base.html")
        self.assertIn("HX-Request", response["Vary"])


class MenuTests(CastTestCase):
    def menu(self, user, **headers):
        response = self.web(user).get("/", **headers)
        return [entry.label for entry in response.context["nav_items"]]

    def test_entries_follow_side_and_role(self):
        self.assertIn("操作记录", self.menu(self.principal))
        self.assertNotIn("操作记录", self.menu(self.owner))
        self.assertIn("用户", self.menu(self.unit_admin))
        self.assertNotIn("用户", self.menu(self.member))
        self.assertIn("单位", self.menu(self.county_inspector))
        self.assertNotIn("单位", self.menu(self.owner))
        self.assertNotIn("操作记录", self.menu(self.system_admin))

    def test_current_section_is_marked(self):
        response = self.web(self.unit_admin).get("/organizations/mine/")
        current = [entry.label for entry in response.context["nav_items"] if entry.current]
        self.assertEqual(current, ["本单位"])
        self.assertContains(response, 'aria-current="page"')

    def test_menu_in_english_by_accept_language_and_by_cookie(self):
        self.assertIn("Home", self.menu(self.principal, HTTP_ACCEPT_LANGUAGE="en"))
        client = self.web(self.principal)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get("/")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "Audit log")
        self.assertContains(response, "Sign out")

    def test_language_switch_sets_the_cookie_without_script(self):
        client = self.web(self.owner)
        response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertEqual(client.cookies[settings.LANGUAGE_COOKIE_NAME].value, "en")
        page = client.get("/")
        self.assertContains(page, "data-autosubmit")
        self.assertNotContains(page, "onchange")
        self.assertNotContains(page, "<script>")
        self.assertNotContains(page, " style=")


class ErrorPageTests(CastTestCase):
    def test_not_found_and_forbidden_pages_are_in_chinese(self):
        missing = self.web(self.owner).get("/organizations/999999/")
        self.assertEqual(missing.status_code, 404)
        self.assertContains(missing, "页面不存在", status_code=404)
        refused = self.web(self.owner).get("/audit/")
        self.assertContains(refused, "您的角色不能查阅操作记录。", status_code=403)
