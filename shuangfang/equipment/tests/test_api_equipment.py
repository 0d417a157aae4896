"""The equipment registry through the API: reads, writes, status actions, filters, scope, versions."""

from datetime import date, timedelta

import time_machine
from django.utils import timezone

from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment.models import Equipment, PeriodicInspection

EQUIPMENT = "/api/v1/equipment/"


def detail(equipment):
    return f"{EQUIPMENT}{equipment.pk}/"


def new_equipment(**extra):
    body = {
        "code": "31101405252026A0100",
        "category": "3110",
        "name": "1 号客梯",
        "manufactured_on": "2024-01-10",
        "commissioned_on": "2024-03-01",
        "site": "主楼",
    }
    body.update(extra)
    return body


class EquipmentReadTests(CastTestCase):
    def test_detail_has_the_contract_fields(self):
        response = self.api(self.owner).get(detail(self.equipment_a))
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        contract_fields = (
            "id organization code registration_no category name model serial_no manufacturer manufactured_on "
            "commissioned_on design_life_years region site crowded_place status inspection_due_on last_inspected_on "
            "inspection_state risk_level open_hazards open_major_hazards version"
        )
        for field in contract_fields.split(" "):
            self.assertIn(field, body)
        self.assertEqual(body["organization"], self.unit_a.pk)
        self.assertEqual(body["category"], "3110")
        self.assertEqual(body["region"], "140525")
        self.assertEqual(body["status"], "in_use")
        self.assertEqual(body["version"], 1)

    def test_insiders_read(self):
        for user in [*self.insiders_of_unit_a(), self.agency_user, self.system_admin]:
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).get(detail(self.equipment_a)).status_code, 200)

    def test_operator_reads_but_may_not_write(self):
        client = self.api(self.member)
        self.assertEqual(client.get(EQUIPMENT).status_code, 200)
        self.assertEqual(client.get(detail(self.equipment_a)).status_code, 200)
        before = Event.objects.exclude(outcome="failure").count()
        self.assertEqual(client.post(EQUIPMENT, new_equipment(), format="json").status_code, 403)
        response = client.patch(detail(self.equipment_a), {"name": "x", "version": 1}, format="json")
        self.assertEqual(response.status_code, 403)
        for action in ("suspend", "scrap"):
            response = client.post(f"{detail(self.equipment_a)}{action}/", {"reason": "x", "version": 1}, format="json")
            self.assertEqual(response.status_code, 403, action)
        self.assertEqual(Event.objects.exclude(outcome="failure").count(), before)
        self.equipment_a.refresh_from_db()
        self.assertEqual(
            (self.equipment_a.name, self.equipment_a.status, self.equipment_a.version),
            ("设备 31101401012020A0001", "in_use", 1),
        )

    def test_outsiders_get_404_everywhere(self):
        url = detail(self.equipment_a)
        self.assertNotFoundForOutsiders("get", url)
        self.assertNotFoundForOutsiders("patch", url, {"name": "x", "version": 1})
        self.assertNotFoundForOutsiders("put", url, new_equipment(version=1))
        for action in ("suspend", "resume", "scrap"):
            self.assertNotFoundForOutsiders("post", f"{url}{action}/", {"reason": "x", "version": 1})
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.version, 1)

    def test_unit_a_equipment_in_a_body_is_404_to_outsiders(self):
        body = {"equipment": self.equipment_a.pk, "inspected_on": "2026-01-05", "conclusion": "pass"}
        self.assertNotFoundForOutsiders("post", "/api/v1/periodic-inspections/", body)
        self.assertFalse(PeriodicInspection.objects.exists())

    def test_unit_a_in_a_body_is_404_to_outsiders(self):
        outsiders = [self.other_unit_user, self.sibling_inspector, self.other_city_inspector]
        self.assertNotFoundForOutsiders("post", EQUIPMENT, new_equipment(organization=self.unit_a.pk), outsiders)
        self.assertFalse(Equipment.objects.filter(code="31101405252026A0100").exists())

    def test_agency_sees_engaged_and_inspected_equipment_only(self):
        def codes(user):
            return {row["code"] for row in self.api(user).get(EQUIPMENT).json()["results"]}

        self.assertEqual(codes(self.agency_user), {self.equipment_a.code})
        self.assertEqual(codes(self.other_agency_user), set())
        self.assertEqual(self.api(self.agency_user).get(detail(self.equipment_c)).status_code, 404)
        # Once it has inspected a unit's equipment, the agency keeps seeing it after the engagement ends.
        PeriodicInspection.objects.create(
            equipment=self.equipment_c,
            organization=self.unit_c,
            region_id=self.unit_c.region_id,
            agency=self.other_agency,
            inspected_on=date(2025, 5, 1),
            conclusion="pass",
            recorded_by=self.other_agency_user,
        )
        self.assertEqual(codes(self.other_agency_user), {self.equipment_c.code})
        self.assertEqual(self.api(self.other_agency_user).get(detail(self.equipment_c)).status_code, 200)


class EquipmentWriteTests(CastTestCase):
    def test_owner_registers_equipment_with_one_event(self):
        before = Event.objects.count()
        response = self.api(self.owner).post(EQUIPMENT, new_equipment(), format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["organization"], self.unit_a.pk)
        self.assertEqual(body["region"], "140525", "region defaults to the organization's")
        self.assertEqual(body["inspection_state"], "never_inspected")
        self.assertEqual(body["status"], "in_use")
        self.assertEqual(Event.objects.count(), before + 1)
        event = Event.objects.latest("seq")
        self.assertEqual(
            (event.type, event.object_id, event.organization_id),
            ("equipment.registered", str(body["id"]), self.unit_a.pk),
        )

    def test_code_is_normalised(self):
        response = self.api(self.owner).post(EQUIPMENT, new_equipment(code=" 3110 1405252026a0100 "), format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["code"], "31101405252026A0100")

    def test_regulator_registers_for_a_unit_of_its_jurisdiction(self):
        response = self.api(self.county_inspector).post(
            EQUIPMENT, new_equipment(organization=self.unit_a.pk), format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["organization"], self.unit_a.pk)
        response = self.api(self.county_inspector).post(EQUIPMENT, new_equipment(code="X1"), format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("organization", response.json())

    def test_a_unit_cannot_register_for_another_organization(self):
        response = self.api(self.owner).post(EQUIPMENT, new_equipment(organization=self.county.pk), format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("organization", response.json())

    def test_validation(self):
        cases = [
            ({"category": "9999"}, "category"),
            ({"category": "7110"}, "category"),  # a pressure-piping component: not registrable
            ({"category": "F000"}, "category"),
            ({"code": self.equipment_c.code}, "code"),
            ({"code": self.equipment_c.code.lower()}, "code"),
            ({"code": "设备一号"}, "code"),
            ({"manufactured_on": "2024-05-01", "commissioned_on": "2024-01-01"}, "commissioned_on"),
            ({"commissioned_on": (timezone.localdate() + timedelta(days=3)).isoformat()}, "commissioned_on"),
            ({"last_inspected_on": "2025-06-01", "inspection_due_on": "2025-05-01"}, "inspection_due_on"),
            ({"region": "140522"}, "region"),
            ({"region": "140500"}, "region"),
            ({"design_life_years": 0}, "design_life_years"),
            ({"name": ""}, "name"),
            ({"inspection_agency": self.county.pk}, "inspection_agency"),
        ]
        for change, field in cases:
            with self.subTest(change=change):
                response = self.api(self.owner).post(EQUIPMENT, new_equipment(**change), format="json")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn(field, response.json())
        self.assertEqual(Equipment.objects.count(), 3)

    def test_update_with_version_and_one_event(self):
        before = Event.objects.count()
        response = self.api(self.owner).patch(
            detail(self.equipment_a), {"name": "东区客梯", "site": "东区", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["version"], 2)
        self.assertEqual(response.json()["name"], "东区客梯")
        self.assertEqual(Event.objects.count(), before + 1)
        event = Event.objects.latest("seq")
        self.assertEqual(event.type, "equipment.updated")
        self.assertEqual(event.data["changes"]["site"], ["", "东区"])

    def test_stale_version_is_409_and_the_first_writer_wins(self):
        first = self.api(self.owner).patch(detail(self.equipment_a), {"name": "第一位", "version": 1}, format="json")
        self.assertEqual(first.status_code, 200, first.content)
        before = Event.objects.count()
        second = self.api(self.county_inspector).patch(
            detail(self.equipment_a), {"name": "第二位", "site": "别处", "version": 1}, format="json"
        )
        self.assertEqual(second.status_code, 409, second.content)
        self.assertIn("版本", second.json()["detail"])
        self.equipment_a.refresh_from_db()
        self.assertEqual((self.equipment_a.name, self.equipment_a.site, self.equipment_a.version), ("第一位", "", 2))
        self.assertEqual(Event.objects.count(), before)
        stale_action = self.api(self.owner).post(
            f"{detail(self.equipment_a)}suspend/", {"reason": "检修", "version": 1}, format="json"
        )
        self.assertEqual(stale_action.status_code, 409)
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.status, "in_use")

    def test_update_needs_a_version(self):
        response = self.api(self.owner).patch(detail(self.equipment_a), {"name": "x"}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("version", response.json())

    def test_invalid_update_changes_nothing(self):
        response = self.api(self.owner).patch(
            detail(self.equipment_a), {"code": self.equipment_c.code, "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.equipment_a.refresh_from_db()
        self.assertEqual((self.equipment_a.code, self.equipment_a.version), ("31101401012020A0001", 1))

    def test_status_cannot_be_patched(self):
        response = self.api(self.owner).patch(
            detail(self.equipment_a), {"status": "scrapped", "version": 1}, format="json"
        )
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.status, "in_use")
        self.assertIn(response.status_code, (200, 400))

    def test_delete_is_soft_and_needs_a_version_and_a_reason(self):
        # Deleting moves the record to the recycle bin (core.deletion; core/tests/test_soft_delete.py).
        self.assertEqual(self.api(self.owner).delete(detail(self.equipment_a)).status_code, 400)
        self.assertEqual(Equipment.all_objects.filter(pk=self.equipment_a.pk, deleted_at__isnull=True).count(), 1)


class EquipmentStatusTests(CastTestCase):
    def act(self, action, version, reason="年度检修", user=None):
        body = {"version": version}
        if reason is not None:
            body["reason"] = reason
        return self.api(user or self.owner).post(f"{detail(self.equipment_a)}{action}/", body, format="json")

    def test_suspend_resume_scrap_each_with_an_event(self):
        for action, version, status, event_type in [
            ("suspend", 1, "suspended", "equipment.suspended"),
            ("resume", 2, "in_use", "equipment.resumed"),
            ("suspend", 3, "suspended", "equipment.suspended"),
            ("scrap", 4, "scrapped", "equipment.scrapped"),
        ]:
            with self.subTest(action=action, version=version):
                before = Event.objects.count()
                response = self.act(action, version, reason=f"原因 {version}")
                self.assertEqual(response.status_code, 200, response.content)
                self.assertEqual(response.json()["status"], status)
                self.assertEqual(response.json()["version"], version + 1)
                self.assertEqual(Event.objects.count(), before + 1)
                event = Event.objects.latest("seq")
                self.assertEqual(event.type, event_type)
                self.assertEqual(event.data["reason"], f"原因 {version}")
                self.assertEqual(event.object_id, str(self.equipment_a.pk))

    def test_reason_is_required(self):
        for reason in (None, "", "   "):
            with self.subTest(reason=reason):
                response = self.act("suspend", 1, reason=reason)
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn("reason", response.json())
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.status, "in_use")

    def test_version_is_required(self):
        response = self.api(self.owner).post(f"{detail(self.equipment_a)}suspend/", {"reason": "x"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("version", response.json())

    def test_an_action_not_allowed_in_the_state_is_409_naming_it(self):
        response = self.act("resume", 1)
        self.assertEqual(response.status_code, 409, response.content)
        self.assertIn("在用", response.json()["detail"])
        self.assertEqual(self.act("scrap", 1).status_code, 200)
        before = Event.objects.count()
        for action in ("suspend", "resume", "scrap"):
            with self.subTest(action=action):
                response = self.act(action, 2)
                self.assertEqual(response.status_code, 409, response.content)
                self.assertIn("报废", response.json()["detail"])
        self.assertEqual(Event.objects.count(), before)

    def test_regulator_in_jurisdiction_may_change_status(self):
        self.assertEqual(self.act("suspend", 1, user=self.county_inspector).status_code, 200)

    def test_agency_may_read_but_not_change_status(self):
        self.assertEqual(self.act("suspend", 1, user=self.agency_user).status_code, 403)


class EquipmentFilterTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = timezone.localdate()
        cls.forklift = make_equipment(
            cls.unit_c,
            "51101405252020C0002",
            category="5110",
            last_inspected_on=today - timedelta(days=700),
            inspection_due_on=today + timedelta(days=10),
            site="仓库",
        )
        cls.escalator = make_equipment(
            cls.unit_b,
            "33101405222020B0002",
            category="3310",
            crowded_place=True,
            last_inspected_on=today - timedelta(days=400),
            inspection_due_on=today - timedelta(days=1),
        )
        cls.new_crane = make_equipment(
            cls.unit_a,
            "41101405252020A0002",
            category="4110",
            last_inspected_on=None,
            inspection_due_on=None,
            status="suspended",
            risk_level="major",
            name="行车",
        )
        cls.failed = make_equipment(
            cls.unit_a,
            "31201405252020A0003",
            category="3120",
            last_inspected_on=today - timedelta(days=3),
            inspection_due_on=None,
        )
        cls.taiyuan_unit_equipment = None

    def codes(self, query, user=None):
        response = self.api(user or self.city_inspector).get(EQUIPMENT + query)
        self.assertEqual(response.status_code, 200, response.content)
        return {row["code"] for row in response.json()["results"]}

    def test_organization(self):
        self.assertEqual(
            self.codes(f"?organization={self.unit_a.pk}"),
            {self.equipment_a.code, self.new_crane.code, self.failed.code},
        )
        # A filter never widens scope.
        self.assertEqual(self.codes(f"?organization={self.unit_b.pk}", self.county_inspector), set())

    def test_region_prefix(self):
        zezhou = {
            self.equipment_a.code,
            self.equipment_c.code,
            self.forklift.code,
            self.new_crane.code,
            self.failed.code,
        }
        yangcheng = {self.equipment_b.code, self.escalator.code}
        self.assertEqual(self.codes("?region=140525"), zezhou)
        self.assertEqual(self.codes("?region=140522"), yangcheng)
        self.assertEqual(self.codes("?region=140500"), zezhou | yangcheng)
        self.assertEqual(self.codes("?region=140000"), zezhou | yangcheng)
        self.assertEqual(self.codes("?region=140100"), set())
        self.assertEqual(self.codes("?region=1405"), zezhou | yangcheng)
        self.assertEqual(self.codes("?region=140000", self.county_inspector), zezhou)

    def test_category_prefix(self):
        elevators = {
            self.equipment_a.code,
            self.equipment_b.code,
            self.equipment_c.code,
            self.escalator.code,
            self.failed.code,
        }
        self.assertEqual(self.codes("?category=3000"), elevators)
        self.assertEqual(self.codes("?category=3100"), elevators - {self.escalator.code})
        self.assertEqual(
            self.codes("?category=3110"), {self.equipment_a.code, self.equipment_b.code, self.equipment_c.code}
        )
        self.assertEqual(self.codes("?category=5110"), {self.forklift.code})
        self.assertEqual(self.codes("?category=4000"), {self.new_crane.code})

    def test_status(self):
        self.assertEqual(self.codes("?status=suspended"), {self.new_crane.code})
        self.assertEqual(len(self.codes("?status=in_use")), 6)
        self.assertEqual(self.api(self.city_inspector).get(EQUIPMENT + "?status=lost").status_code, 400)

    def test_inspection_state(self):
        self.assertEqual(self.codes("?inspection_state=due_soon"), {self.forklift.code})
        self.assertEqual(self.codes("?inspection_state=overdue"), {self.escalator.code, self.failed.code})
        self.assertEqual(self.codes("?inspection_state=never_inspected"), {self.new_crane.code})
        self.assertEqual(
            self.codes("?inspection_state=valid"), {self.equipment_a.code, self.equipment_b.code, self.equipment_c.code}
        )

    def test_inspection_state_in_rows_matches_the_filter(self):
        rows = self.api(self.city_inspector).get(EQUIPMENT + "?page_size=100").json()["results"]
        for state in ("valid", "due_soon", "overdue", "never_inspected"):
            with self.subTest(state=state):
                self.assertEqual(
                    {row["code"] for row in rows if row["inspection_state"] == state},
                    self.codes(f"?inspection_state={state}"),
                )

    def test_inspection_state_moves_with_the_calendar(self):
        due = self.equipment_a.inspection_due_on
        for moment, state in [
            (due - timedelta(days=31), "valid"),
            (due - timedelta(days=30), "due_soon"),
            (due, "due_soon"),
            (due + timedelta(days=1), "overdue"),
        ]:
            with self.subTest(moment=moment), time_machine.travel(moment.isoformat() + " 12:00 +0800", tick=False):
                response = self.api(self.owner).get(detail(self.equipment_a))
                self.assertEqual(response.json()["inspection_state"], state)
                self.assertIn(self.equipment_a.code, self.codes(f"?inspection_state={state}", self.owner))

    def test_risk_level_and_crowded_place(self):
        self.assertEqual(self.codes("?risk_level=major"), {self.new_crane.code})
        self.assertEqual(self.codes("?crowded_place=true"), {self.escalator.code})
        self.assertEqual(len(self.codes("?crowded_place=false")), 6)

    def test_q(self):
        self.assertEqual(self.codes("?q=5110"), {self.forklift.code})
        self.assertEqual(self.codes("?q=行车"), {self.new_crane.code})
        self.assertEqual(self.codes("?q=仓库"), {self.forklift.code})
        self.assertEqual(self.codes("?q=31101401012020a"), {self.equipment_a.code})

    def test_filters_combine(self):
        self.assertEqual(self.codes("?region=140525&category=3000&inspection_state=overdue"), {self.failed.code})

    def test_pagination(self):
        response = self.api(self.city_inspector).get(EQUIPMENT + "?page_size=2")
        body = response.json()
        self.assertEqual(body["count"], 7)
        self.assertEqual(len(body["results"]), 2)
        self.assertIsNotNone(body["next"])
        self.assertIsNone(body["previous"])
        self.assertEqual(self.api(self.city_inspector).get(EQUIPMENT + "?page_size=1000").json()["count"], 7)
