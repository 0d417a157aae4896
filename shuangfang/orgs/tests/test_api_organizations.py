"""Organizations through the API: who registers which kind, USCC and region checks, scope, versions."""

from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase
from shuangfang.orgs.models import Organization
from shuangfang.orgs.uscc import make_uscc

ORGANIZATIONS = "/api/v1/organizations/"


def new_unit(uscc_body="911405250000000A1", **extra):
    body = {"name": "新单位有限公司", "uscc": make_uscc(uscc_body), "kind": "use_unit", "region": "140525"}
    body.update(extra)
    return body


class CreateOrganizationTests(CastTestCase):
    def test_county_regulator_creates_a_use_unit_in_its_county(self):
        before = Event.objects.count()
        response = self.api(self.county_inspector).post(
            ORGANIZATIONS, new_unit(industry="C", address="泽州县某路 1 号", small_micro=True), format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["kind"], "use_unit")
        self.assertEqual(body["region"], "140525")
        self.assertIsNone(body["jurisdiction"])
        self.assertEqual(body["industry"], "C")
        self.assertTrue(body["small_micro"])
        self.assertEqual(body["version"], 1)
        self.assertEqual(Event.objects.count(), before + 1)
        self.assertEqual(Event.objects.latest("seq").type, "organization.created")
        # The new unit is in the county regulator's scope, and not in the sibling county's.
        url = f"{ORGANIZATIONS}{body['id']}/"
        self.assertEqual(self.api(self.county_inspector).get(url).status_code, 200)
        self.assertEqual(self.api(self.city_inspector).get(url).status_code, 200)
        self.assertEqual(self.api(self.sibling_inspector).get(url).status_code, 404)

    def test_kind_defaults_to_use_unit(self):
        body = new_unit()
        del body["kind"]
        response = self.api(self.county_inspector).post(ORGANIZATIONS, body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["kind"], "use_unit")

    def test_uscc_checksum_is_validated(self):
        good = make_uscc("911405250000000A1")
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        response = self.api(self.county_inspector).post(ORGANIZATIONS, new_unit() | {"uscc": bad}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("校验码", response.json()["uscc"][0])

    def test_codes_starting_with_a_n_y_are_accepted(self):
        for number, body in enumerate(["A1140525MA0000001", "N2140525MA0000002", "Y1140525MA0000003"]):
            with self.subTest(body=body):
                response = self.api(self.county_inspector).post(
                    ORGANIZATIONS, new_unit(body, name=f"村集体经济组织 {number}"), format="json"
                )
                self.assertEqual(response.status_code, 201, response.content)
                self.assertEqual(response.json()["uscc"], make_uscc(body))

    def test_uscc_is_normalised(self):
        code = make_uscc("911405250000000A1")
        response = self.api(self.county_inspector).post(
            ORGANIZATIONS, new_unit() | {"uscc": f" {code.lower()[:9]} {code.lower()[9:]} "}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["uscc"], code)

    def test_duplicate_uscc_is_400(self):
        response = self.api(self.county_inspector).post(
            ORGANIZATIONS, new_unit() | {"uscc": self.unit_a.uscc}, format="json"
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("uscc", response.json())

    def test_region_must_be_a_county_inside_the_jurisdiction(self):
        cases = [
            (self.city_inspector, "140500", "县级"),
            (self.county_inspector, "140522", "辖区"),
            (self.county_inspector, "140105", "辖区"),
        ]
        for actor, region, fragment in cases:
            with self.subTest(actor=actor.username, region=region):
                response = self.api(actor).post(ORGANIZATIONS, new_unit(region=region), format="json")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn(fragment, response.json()["region"][0])
        response = self.api(self.county_inspector).post(ORGANIZATIONS, new_unit(region="999999"), format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("region", response.json())

    def test_city_regulator_creates_units_in_any_of_its_counties(self):
        response = self.api(self.city_inspector).post(ORGANIZATIONS, new_unit(region="140522"), format="json")
        self.assertEqual(response.status_code, 201, response.content)

    def test_creating_a_regulator_or_agency_needs_the_system_admin(self):
        regulator = new_unit(
            "111405250000000B1", name="新监管所", kind="regulator", region="140525", jurisdiction="140525"
        )
        agency = new_unit("121405250000000B2", name="新检验所", kind="inspection_agency")
        for actor in (self.county_inspector, self.county_admin, self.province_leader, self.unit_admin, self.owner):
            for body in (regulator, agency):
                with self.subTest(actor=actor.username, kind=body["kind"]):
                    response = self.api(actor).post(ORGANIZATIONS, body, format="json")
                    self.assertEqual(response.status_code, 403, response.content)
        self.assertEqual(self.api(self.system_admin).post(ORGANIZATIONS, regulator, format="json").status_code, 201)
        self.assertEqual(self.api(self.system_admin).post(ORGANIZATIONS, agency, format="json").status_code, 201)

    def test_regulator_needs_a_jurisdiction_that_contains_its_region(self):
        body = new_unit("111405250000000B1", name="新监管所", kind="regulator", region="140525")
        response = self.api(self.system_admin).post(ORGANIZATIONS, body, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("jurisdiction", response.json())
        response = self.api(self.system_admin).post(ORGANIZATIONS, body | {"jurisdiction": "140100"}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("region", response.json())

    def test_only_regulators_have_a_jurisdiction(self):
        response = self.api(self.county_inspector).post(ORGANIZATIONS, new_unit(jurisdiction="140525"), format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("jurisdiction", response.json())

    def test_units_and_agencies_do_not_create_units(self):
        for actor in (self.unit_admin, self.principal, self.agency_user, self.audit_admin):
            with self.subTest(actor=actor.username):
                response = self.api(actor).post(ORGANIZATIONS, new_unit(), format="json")
                self.assertEqual(response.status_code, 403, response.content)
        self.assertFalse(Organization.objects.filter(name="新单位有限公司").exists())


class OrganizationScopeTests(CastTestCase):
    def names(self, actor, query=""):
        response = self.api(actor).get(ORGANIZATIONS + query)
        self.assertEqual(response.status_code, 200, response.content)
        return {row["name"] for row in response.json()["results"]}

    def public_bodies(self):
        return set(
            Organization.objects.filter(kind__in=["regulator", "inspection_agency"]).values_list("name", flat=True)
        )

    def test_a_unit_sees_itself_regulators_and_agencies_only(self):
        self.assertEqual(self.names(self.owner), self.public_bodies() | {self.unit_a.name})
        self.assertEqual(self.names(self.unit_b_user), self.public_bodies() | {self.unit_b.name})

    def test_a_regulator_sees_the_units_of_its_jurisdiction(self):
        self.assertEqual(self.names(self.county_inspector), self.public_bodies() | {self.unit_a.name, self.unit_c.name})
        self.assertEqual(self.names(self.sibling_inspector), self.public_bodies() | {self.unit_b.name})
        self.assertEqual(
            self.names(self.city_inspector),
            self.public_bodies() | {self.unit_a.name, self.unit_b.name, self.unit_c.name},
        )
        self.assertEqual(self.names(self.other_city_inspector), self.public_bodies())

    def test_an_agency_sees_the_units_it_was_engaged_by(self):
        self.assertEqual(self.names(self.agency_user), self.public_bodies() | {self.unit_a.name})
        self.assertEqual(self.names(self.other_agency_user), self.public_bodies())

    def test_platform_admins_see_all(self):
        self.assertEqual(len(self.names(self.system_admin)), Organization.objects.count())

    def test_filters(self):
        self.assertEqual(self.names(self.city_inspector, "?kind=use_unit"), {"甲单位", "乙单位", "丙单位"})
        self.assertEqual(self.names(self.city_inspector, "?kind=use_unit&region=140525"), {"甲单位", "丙单位"})
        self.assertEqual(
            self.names(self.city_inspector, "?kind=use_unit&region=140500"), {"甲单位", "乙单位", "丙单位"}
        )
        self.assertEqual(
            self.names(self.city_inspector, "?kind=use_unit&region=140000"), {"甲单位", "乙单位", "丙单位"}
        )
        self.assertEqual(self.names(self.city_inspector, "?q=甲"), {"甲单位"})
        self.assertEqual(self.names(self.city_inspector, f"?q={self.unit_b.uscc}"), {"乙单位"})

    def test_sibling_county_gets_404_on_unit_a(self):
        url = f"{ORGANIZATIONS}{self.unit_a.pk}/"
        self.assertEqual(self.api(self.county_inspector).get(url).status_code, 200)
        self.assertNotFoundForOutsiders("get", url)
        self.assertNotFoundForOutsiders("patch", url, {"address": "x", "version": 1})


class UpdateOrganizationTests(CastTestCase):
    def url(self, organization):
        return f"{ORGANIZATIONS}{organization.pk}/"

    def test_own_admin_updates_with_version_and_stale_is_409(self):
        before = Event.objects.count()
        response = self.api(self.unit_admin).patch(
            self.url(self.unit_a), {"address": "新地址", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["version"], 2)
        self.assertEqual(Event.objects.count(), before + 1)
        stale = self.api(self.county_inspector).patch(
            self.url(self.unit_a), {"address": "旧版本的地址", "version": 1}, format="json"
        )
        self.assertEqual(stale.status_code, 409, stale.content)
        self.assertIn("detail", stale.json())
        self.unit_a.refresh_from_db()
        self.assertEqual(self.unit_a.address, "新地址")
        self.assertEqual(Event.objects.count(), before + 1)

    def test_regulator_edits_a_unit_of_its_jurisdiction(self):
        response = self.api(self.county_inspector).patch(
            self.url(self.unit_a), {"contact_phone": "0356-1234567", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_reference_fields_change_by_code(self):
        response = self.api(self.county_inspector).patch(
            self.url(self.unit_a), {"industry": "C", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["industry"], "C")
        event = Event.objects.latest("seq")
        self.assertEqual(event.data, {"changes": {"industry": [None, "C"]}})
        self.unit_a.refresh_from_db()
        self.assertEqual(self.unit_a.industry_id, "C")

    def test_regulator_cannot_move_a_unit_out_of_its_jurisdiction(self):
        response = self.api(self.county_inspector).patch(
            self.url(self.unit_a), {"region": "140522", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.unit_a.refresh_from_db()
        self.assertEqual(self.unit_a.region_id, "140525")

    def test_a_unit_cannot_move_itself_out_of_its_regulators_sight(self):
        response = self.api(self.unit_admin).patch(
            self.url(self.unit_a), {"region": "140522", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 403, response.content)
        self.unit_a.refresh_from_db()
        self.assertEqual(self.unit_a.region_id, "140525")
        # The city regulator, whose jurisdiction holds both counties, may move it.
        response = self.api(self.city_inspector).patch(
            self.url(self.unit_a), {"region": "140522", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(self.api(self.county_inspector).get(self.url(self.unit_a)).status_code, 404)
        self.assertEqual(self.api(self.sibling_inspector).get(self.url(self.unit_a)).status_code, 200)

    def test_read_only_people_get_403(self):
        for actor in (self.member, self.owner):
            with self.subTest(actor=actor.username):
                response = self.api(actor).patch(self.url(self.unit_a), {"address": "x", "version": 1}, format="json")
                self.assertEqual(response.status_code, 403, response.content)

    def test_a_unit_cannot_edit_its_regulator(self):
        response = self.api(self.unit_admin).patch(self.url(self.county), {"address": "x", "version": 1}, format="json")
        self.assertEqual(response.status_code, 403, response.content)

    def test_a_regulator_cannot_widen_its_own_jurisdiction(self):
        for jurisdiction in ("140000", "140500"):
            with self.subTest(jurisdiction=jurisdiction):
                response = self.api(self.county_admin).patch(
                    self.url(self.county), {"jurisdiction": jurisdiction, "version": 1}, format="json"
                )
                self.assertIn(response.status_code, (400, 403), response.content)
        self.county.refresh_from_db()
        self.assertEqual(self.county.jurisdiction_id, "140525")

    def test_regulator_admin_keeps_its_own_facts(self):
        response = self.api(self.county_admin).patch(
            self.url(self.county), {"contact_phone": "0356-7654321", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_kind_cannot_change(self):
        response = self.api(self.county_inspector).patch(
            self.url(self.unit_a), {"kind": "filling_station", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.unit_a.refresh_from_db()
        self.assertEqual(self.unit_a.kind, "use_unit")

    def test_duplicate_uscc_on_update_is_400(self):
        response = self.api(self.county_inspector).patch(
            self.url(self.unit_a), {"uscc": self.unit_c.uscc, "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("uscc", response.json())
