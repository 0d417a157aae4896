"""Periodic inspections through the API: who records them and how they move the equipment's dates."""

from datetime import date

from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment.models import Equipment, PeriodicInspection

INSPECTIONS = "/api/v1/periodic-inspections/"


class RecordInspectionTests(CastTestCase):
    def record(self, user, equipment=None, **body):
        body.setdefault("inspected_on", "2026-01-05")
        body.setdefault("conclusion", "pass")
        body["equipment"] = (equipment or self.equipment_a).pk
        return self.api(user).post(INSPECTIONS, body, format="json")

    def equipment_view(self, equipment=None, user=None):
        equipment = equipment or self.equipment_a
        return self.api(user or self.owner).get(f"/api/v1/equipment/{equipment.pk}/").json()

    def test_agency_records_for_engaged_equipment_and_the_dates_move(self):
        before = Event.objects.count()
        response = self.record(self.agency_user, next_due_on="2027-01-05", report_no="JC-2026-0001", findings="无")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["agency"], self.agency.pk)
        self.assertEqual(body["kind"], "periodic")
        self.assertEqual(body["next_due_on"], "2027-01-05")
        self.assertEqual(body["report_no"], "JC-2026-0001")
        equipment = self.equipment_view()
        self.assertEqual(equipment["last_inspected_on"], "2026-01-05")
        self.assertEqual(equipment["inspection_due_on"], "2027-01-05")
        self.assertEqual(equipment["version"], 2)
        self.assertEqual(Event.objects.count(), before + 1)
        event = Event.objects.latest("seq")
        self.assertEqual(event.type, "periodic_inspection.recorded")
        self.assertEqual(event.organization, self.unit_a)
        self.assertEqual(event.region_code, "140525")
        self.assertEqual(event.data["equipment"], self.equipment_a.pk)

    def test_agency_cannot_name_another_agency(self):
        response = self.record(self.agency_user, agency=self.other_agency.pk)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["agency"], self.agency.pk)

    def test_forklift_due_date_is_computed_from_the_rules(self):
        forklift = make_equipment(self.unit_a, "51101405252020A0009", category="5110", agency=self.agency)
        response = self.record(self.agency_user, forklift, inspected_on="2026-01-05")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["next_due_on"], "2028-01-05")
        self.assertIn("TSG 81-2022", response.json()["next_due_rule"])
        self.assertEqual(self.equipment_view(forklift)["inspection_due_on"], "2028-01-05")

    def test_elevator_due_date_follows_the_tsg_t7001_2023_schedule(self):
        # Commissioned 2020-05-01: periodic inspections in years 1, 4, 7, 9, 11, 13, 15, then yearly.
        response = self.record(self.agency_user, inspected_on="2026-01-05")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["next_due_on"], "2027-05-01")
        self.assertIn("TSG T7001-2023", response.json()["next_due_rule"])
        self.assertEqual(self.equipment_view()["inspection_due_on"], "2027-05-01")

    def test_no_rule_and_no_date_is_400(self):
        vessel = make_equipment(self.unit_a, "20001405252020A0009", category="2000", agency=self.agency)
        response = self.record(self.agency_user, vessel)
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("next_due_on", response.json())
        self.assertFalse(PeriodicInspection.objects.exists())

    def test_a_passing_vessel_without_its_safety_grade_needs_the_report_date(self):
        # TSG 21-2016: the fixed-vessel interval depends on the safety grade; without it there is no rule.
        vessel = make_equipment(self.unit_a, "21501405252020A0009", category="2150", agency=self.agency)
        response = self.record(self.agency_user, vessel)
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("安全状况等级", response.json()["next_due_on"][0])
        self.assertFalse(PeriodicInspection.objects.exists())
        response = self.record(self.agency_user, vessel, safety_grade=2)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["next_due_on"], "2032-01-05")

    def test_the_agency_sees_the_event_of_its_own_inspection_in_the_feed(self):
        self.record(self.agency_user)
        types = [row["type"] for row in self.api(self.agency_user).get("/api/v1/events/").json()["results"]]
        self.assertIn("periodic_inspection.recorded", types)
        other = [row["type"] for row in self.api(self.other_agency_user).get("/api/v1/events/").json()["results"]]
        self.assertNotIn("periodic_inspection.recorded", other)

    def test_fail_clears_the_due_date_and_makes_it_overdue(self):
        response = self.record(self.agency_user, conclusion="fail", findings="制动器失效")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertIsNone(response.json()["next_due_on"])
        equipment = self.equipment_view()
        self.assertIsNone(equipment["inspection_due_on"])
        self.assertEqual(equipment["last_inspected_on"], "2026-01-05")
        self.assertEqual(equipment["inspection_state"], "overdue")
        overdue = self.api(self.owner).get("/api/v1/equipment/?inspection_state=overdue").json()["results"]
        self.assertEqual([row["id"] for row in overdue], [self.equipment_a.pk])

    def test_a_failing_report_with_a_due_date_is_refused(self):
        for conclusion in ("fail", "retest_fail"):
            with self.subTest(conclusion=conclusion):
                response = self.record(self.agency_user, conclusion=conclusion, next_due_on="2027-01-05")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn("next_due_on", response.json())
        self.assertEqual(self.equipment_view()["inspection_state"], "valid")

    def test_an_older_report_does_not_move_the_dates_back(self):
        self.assertEqual(self.record(self.agency_user, next_due_on="2027-01-05").status_code, 201)
        response = self.record(self.agency_user, inspected_on="2024-05-01", next_due_on="2025-05-01")
        self.assertEqual(response.status_code, 201, response.content)
        equipment = self.equipment_view()
        self.assertEqual(equipment["last_inspected_on"], "2026-01-05")
        self.assertEqual(equipment["inspection_due_on"], "2027-01-05")
        self.assertEqual(PeriodicInspection.objects.filter(equipment=self.equipment_a).count(), 2)

    def test_the_unit_may_enter_a_report(self):
        response = self.record(self.owner, agency=self.agency.pk, next_due_on="2027-01-05")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["agency"], self.agency.pk)
        self.assertEqual(self.equipment_view()["inspection_due_on"], "2027-01-05")

    def test_the_unit_must_name_an_inspection_agency(self):
        response = self.record(self.owner, agency=self.county.pk)
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("agency", response.json())

    def test_an_operator_or_a_regulator_may_not(self):
        before = Event.objects.exclude(outcome="failure").count()
        for user in (self.member, self.county_inspector, self.province_leader):
            with self.subTest(user=user.username):
                response = self.record(user, agency=self.agency.pk)
                self.assertEqual(response.status_code, 403, response.content)
        self.assertFalse(PeriodicInspection.objects.exists())
        self.assertEqual(Event.objects.exclude(outcome="failure").count(), before)
        self.assertEqual(Equipment.objects.get(pk=self.equipment_a.pk).version, 1)

    def test_agency_gets_404_for_equipment_it_was_not_engaged_for(self):
        response = self.record(self.agency_user, self.equipment_c)
        self.assertEqual(response.status_code, 404, response.content)
        response = self.record(self.other_agency_user)
        self.assertEqual(response.status_code, 404, response.content)

    def test_dates_are_checked(self):
        cases = [
            ({"inspected_on": "2999-01-01"}, "inspected_on"),
            ({"next_due_on": "2025-12-31"}, "next_due_on"),
            ({"next_due_on": "2026-01-05"}, "next_due_on"),
            ({"conclusion": "excellent"}, "conclusion"),
            ({"safety_grade": 6}, "safety_grade"),
        ]
        for change, field in cases:
            with self.subTest(change=change):
                response = self.record(self.agency_user, **change)
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn(field, response.json())
        self.assertFalse(PeriodicInspection.objects.exists())

    def test_records_are_never_edited(self):
        response = self.record(self.agency_user, next_due_on="2027-01-05")
        url = f"{INSPECTIONS}{response.json()['id']}/"
        self.assertEqual(self.api(self.agency_user).patch(url, {"findings": "x"}, format="json").status_code, 405)
        self.assertEqual(self.api(self.agency_user).delete(url).status_code, 405)


class InspectionScopeTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()

        def inspection(equipment, agency, recorded_by, inspected_on):
            return PeriodicInspection.objects.create(
                equipment=equipment,
                organization=equipment.organization,
                region_id=equipment.region_id,
                agency=agency,
                inspected_on=inspected_on,
                conclusion="pass",
                next_due_on=date(2027, 1, 1),
                recorded_by=recorded_by,
            )

        cls.inspection_a = inspection(cls.equipment_a, cls.agency, cls.agency_user, date(2025, 5, 1))
        cls.inspection_b = inspection(cls.equipment_b, cls.other_agency, cls.other_agency_user, date(2025, 6, 1))
        cls.inspection_c = inspection(cls.equipment_c, None, cls.other_unit_user, date(2025, 7, 1))

    def ids(self, user, query=""):
        response = self.api(user).get(INSPECTIONS + query)
        self.assertEqual(response.status_code, 200, response.content)
        return {row["id"] for row in response.json()["results"]}

    def test_lists_are_scoped(self):
        a, b, c = self.inspection_a.pk, self.inspection_b.pk, self.inspection_c.pk
        self.assertEqual(self.ids(self.owner), {a})
        self.assertEqual(self.ids(self.member), {a})
        self.assertEqual(self.ids(self.other_unit_user), {c})
        self.assertEqual(self.ids(self.agency_user), {a})
        self.assertEqual(self.ids(self.other_agency_user), {b})
        self.assertEqual(self.ids(self.county_inspector), {a, c})
        self.assertEqual(self.ids(self.sibling_inspector), {b})
        self.assertEqual(self.ids(self.city_inspector), {a, b, c})
        self.assertEqual(self.ids(self.other_city_inspector), set())

    def test_newest_first_and_filters(self):
        rows = self.api(self.city_inspector).get(INSPECTIONS).json()["results"]
        self.assertEqual(
            [row["id"] for row in rows], [self.inspection_c.pk, self.inspection_b.pk, self.inspection_a.pk]
        )
        self.assertEqual(self.ids(self.city_inspector, f"?equipment={self.equipment_b.pk}"), {self.inspection_b.pk})
        self.assertEqual(self.ids(self.city_inspector, f"?agency={self.agency.pk}"), {self.inspection_a.pk})
        self.assertEqual(self.ids(self.city_inspector, "?region=140522"), {self.inspection_b.pk})
        self.assertEqual(
            self.ids(self.city_inspector, "?region=140500"),
            {self.inspection_a.pk, self.inspection_b.pk, self.inspection_c.pk},
        )

    def test_outsiders_get_404(self):
        self.assertEqual(self.api(self.owner).get(f"{INSPECTIONS}{self.inspection_a.pk}/").status_code, 200)
        self.assertNotFoundForOutsiders("get", f"{INSPECTIONS}{self.inspection_a.pk}/")
