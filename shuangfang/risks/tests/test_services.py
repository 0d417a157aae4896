"""The risk services and selectors called directly, as the pages, the API and the scheduler call them: roles,
validation, one event per change, the equipment's level kept current, and reads that cost a fixed number of queries."""

from datetime import date
from decimal import Decimal

import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuangfang.core.models import Attachment, Event
from shuangfang.core.services import InvalidTransition, PermissionDenied, VersionConflict
from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.equipment.models import Equipment
from shuangfang.risks import library, rules, selectors
from shuangfang.risks.models import Risk, RiskAssessment, RiskPoint
from shuangfang.risks.services import (
    do_add_site_plan,
    do_apply_templates,
    do_create_risk,
    do_create_risk_point,
    do_place_risk_point,
    do_retire_risk,
    do_update_risk,
    flag_for_reassessment,
    point_for_equipment,
    refresh_equipment_risk_levels,
)

TODAY = date(2026, 3, 2)


def risk_data(**extra) -> dict:
    data = {
        "title": "钢丝绳断丝",
        "hazard_source": "曳引钢丝绳断丝、磨损超标",
        "method": "ls",
        "factors": {"L": 2, "S": 3},
        "control_level": "post",
        "measures": [{"kind": "management", "text": "每月检查钢丝绳", "check": True}],
    }
    data.update(extra)
    return data


def attachment(organization, uploaded_by, content_type="image/png") -> Attachment:
    return Attachment.objects.create(
        organization=organization,
        region_id=organization.region_id,
        file="attachments/plan.png",
        sha256="0" * 64,
        content_type=content_type,
        size=1,
        uploaded_by=uploaded_by,
    )


class ServiceTestCase(CastTestCase):
    def setUp(self):
        traveller = time_machine.travel(TODAY, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def create(self, actor=None, equipment=None, **extra) -> Risk:
        return do_create_risk(
            actor=actor or self.owner, equipment=equipment or self.equipment_a, data=risk_data(**extra)
        )

    def major(self, **extra) -> dict:
        return {"factors": {"L": 4, "S": 5}, "control_level": "company", "owner": self.principal, **extra}

    def level_of(self, equipment) -> str | None:
        return Equipment.objects.get(pk=equipment.pk).risk_level


class CreateRiskTests(ServiceTestCase):
    def test_a_risk_is_graded_kept_in_the_history_and_logged_once(self):
        before = Event.objects.count()
        risk = self.create(**self.major())
        self.assertEqual((risk.score, risk.level, risk.color), (Decimal("20.00"), "major", "red"))
        self.assertEqual((risk.reviewed_on, risk.next_review_on), (TODAY, date(2026, 6, 2)))
        self.assertEqual(
            (risk.organization_id, risk.region_id, risk.equipment_id), (self.unit_a.pk, "140525", self.equipment_a.pk)
        )
        self.assertEqual(risk.risk_point, RiskPoint.objects.get(equipment=self.equipment_a))
        assessment = risk.assessments.get()
        self.assertEqual(
            (assessment.level, assessment.assessed_by, assessment.score), ("major", self.owner, risk.score)
        )
        self.assertTrue(assessment.reason)
        self.assertEqual(Event.objects.count(), before + 1)
        self.assertEqual(self.level_of(self.equipment_a), "major")

    def test_every_method_grades_by_the_profile_bands(self):
        cases = [
            ("ls", {"L": 3, "S": 5}, "department", Decimal("15.00"), "significant"),
            ("lec", {"L": 3, "E": 6, "C": 15}, "department", Decimal("270.00"), "significant"),
            ("lec", {"L": "0.5", "E": 6, "C": 7}, "post", Decimal("21.00"), "low"),
            ("mes", {"M": 3, "E": 6, "S": 4}, "workshop", Decimal("72.00"), "general"),
            ("mes", {"M": 5, "E": 6, "S": 8}, "company", Decimal("240.00"), "major"),
        ]
        for method, factors, control_level, score, level in cases:
            with self.subTest(method=method, factors=factors):
                risk = self.create(method=method, factors=factors, control_level=control_level, owner=self.principal)
                self.assertEqual((risk.score, risk.level), (score, level))
                self.assertEqual(risk.level, rules.assess(method, factors).level)
        # Table values are stored as JSON numbers, 0.5 as 0.5.
        self.assertEqual(Risk.objects.get(method="lec", level="low").factors, {"L": 0.5, "E": 6, "C": 7})

    def test_all_problems_are_reported_at_once(self):
        with self.assertRaises(ValidationError) as raised:
            self.create(
                title=" ",
                hazard_source="",
                accident_type="99",
                owner=self.other_unit_user,
                factors={"L": 4, "S": 5},
                control_level="team",
            )
        self.assertEqual(
            set(raised.exception.message_dict), {"title", "hazard_source", "accident_type", "owner", "control_level"}
        )
        self.assertFalse(Risk.objects.exists())
        self.assertFalse(RiskPoint.objects.exists())

    def test_roles_and_units(self):
        for actor in (self.member, self.county_inspector, self.agency_user, self.system_admin):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                self.create(actor)
        with self.assertRaises(PermissionDenied):
            self.create(self.other_unit_user)
        point = do_create_risk_point(actor=self.owner, data={"kind": "site", "name": "锅炉房"})
        with self.assertRaises(PermissionDenied):
            do_create_risk(actor=self.other_unit_user, point=point, data=risk_data())
        self.assertFalse(Risk.objects.exists())
        self.assertEqual(list(RiskPoint.objects.all()), [point])

    def test_a_point_or_an_equipment_but_not_both(self):
        point = point_for_equipment(self.equipment_a)
        with self.assertRaises(TypeError):
            do_create_risk(actor=self.owner, point=point, equipment=self.equipment_a, data=risk_data())
        with self.assertRaises(TypeError):
            do_create_risk(actor=self.owner, data=risk_data())

    def test_measures_are_checked_and_cleaned(self):
        for measures in (
            [],
            "注意安全",
            [{"kind": "engineering", "text": " "}],
            [{"kind": "luck", "text": "x"}],
            ["x"],
        ):
            with self.subTest(measures=measures), self.assertRaises(ValidationError) as raised:
                self.create(measures=measures)
            self.assertIn("measures", raised.exception.message_dict)
        risk = self.create(measures=[{"kind": "ppe", "text": "  安全带  ", "extra": "dropped"}])
        self.assertEqual(risk.measures, [{"kind": "ppe", "text": "安全带", "check": False}])
        self.assertEqual(risk.check_measures, [])


class UpdateRiskTests(ServiceTestCase):
    def test_only_method_factors_or_control_level_make_a_reassessment(self):
        risk = self.create()
        risk = do_update_risk(actor=self.owner, risk=risk, changes={"title": "新名称"}, expected_version=1)
        self.assertEqual((risk.version, risk.assessments.count()), (2, 1))
        self.assertEqual(Event.objects.latest("seq").type, "risk.updated")
        risk = do_update_risk(
            actor=self.owner, risk=risk, changes={"control_level": "team"}, expected_version=2, reason="提级管控"
        )
        self.assertEqual((risk.version, risk.assessments.count()), (3, 2))
        self.assertEqual(Event.objects.latest("seq").type, "risk.reassessed")
        self.assertEqual(risk.assessments.first().reason, "提级管控")

    def test_a_reassessment_on_another_day_restarts_the_review_period(self):
        risk = self.create()
        with time_machine.travel(date(2026, 7, 1), tick=False):
            risk = do_update_risk(
                actor=self.owner,
                risk=risk,
                changes={"factors": {"L": 3, "S": 5}, "control_level": "department"},
                expected_version=1,
                reason="复评",
            )
        self.assertEqual((risk.reviewed_on, risk.next_review_on), (date(2026, 7, 1), date(2027, 1, 1)))
        risk = do_update_risk(actor=self.owner, risk=risk, changes={"title": "x"}, expected_version=2)
        self.assertEqual(risk.reviewed_on, date(2026, 7, 1))

    def test_fields_that_are_not_the_risk_are_refused(self):
        risk = self.create()
        for changes in ({"level": "low"}, {"score": 1}, {"organization": self.unit_c}, {"is_active": False}):
            with self.subTest(changes=changes), self.assertRaises(ValidationError):
                do_update_risk(actor=self.owner, risk=risk, changes=changes, expected_version=1)
        self.assertEqual(Risk.objects.get(pk=risk.pk).version, 1)

    def test_versions_and_roles(self):
        risk = self.create()
        with self.assertRaises(VersionConflict):
            do_update_risk(actor=self.owner, risk=risk, changes={"title": "x"}, expected_version=2)
        with self.assertRaises(ValidationError):
            do_update_risk(actor=self.owner, risk=risk, changes={"title": "x"}, expected_version=None)
        with self.assertRaises(PermissionDenied):
            do_update_risk(actor=self.member, risk=risk, changes={"title": "x"}, expected_version=1)
        self.assertEqual(Risk.objects.get(pk=risk.pk).title, "钢丝绳断丝")

    def test_a_failed_change_changes_nothing(self):
        risk = self.create()
        events = Event.objects.count()
        with self.assertRaises(ValidationError):
            do_update_risk(
                actor=self.owner, risk=risk, changes={"factors": {"L": 5, "S": 5}}, expected_version=1, reason="复评"
            )
        stored = Risk.objects.get(pk=risk.pk)
        self.assertEqual((stored.level, stored.version, stored.factors), ("low", 1, {"L": 2, "S": 3}))
        self.assertEqual((Event.objects.count(), stored.assessments.count()), (events, 1))
        self.assertEqual(self.level_of(self.equipment_a), "low")


class RetireRiskTests(ServiceTestCase):
    def test_retire_needs_a_reason_and_happens_once(self):
        risk = self.create(**self.major())
        with self.assertRaises(ValidationError):
            do_retire_risk(actor=self.owner, risk=risk, reason=" ", expected_version=1)
        with self.assertRaises(PermissionDenied):
            do_retire_risk(actor=self.county_inspector, risk=risk, reason="x", expected_version=1)
        retired = do_retire_risk(actor=self.owner, risk=risk, reason="设备已报废", expected_version=1)
        self.assertEqual((retired.is_active, retired.version), (False, 2))
        self.assertEqual(Event.objects.latest("seq").data, {"reason": "设备已报废"})
        self.assertIsNone(self.level_of(self.equipment_a))
        events = Event.objects.count()
        with self.assertRaises(InvalidTransition):
            do_retire_risk(actor=self.owner, risk=retired, reason="再次", expected_version=2)
        with self.assertRaises(InvalidTransition):
            do_update_risk(actor=self.owner, risk=retired, changes={"title": "x"}, expected_version=2)
        self.assertEqual(Event.objects.count(), events)
        self.assertEqual(retired.assessments.count(), 1)


class EquipmentLevelTests(ServiceTestCase):
    def test_refresh_sets_many_equipment_in_one_statement(self):
        elevators = [make_equipment(self.unit_a, f"31101405252020A01{n:02d}") for n in range(5)]
        for elevator, factors in zip(elevators, ({"L": 4, "S": 5}, {"L": 3, "S": 5}, {"L": 3, "S": 3}), strict=False):
            level = rules.assess("ls", factors).level
            point = point_for_equipment(elevator)
            Risk.objects.create(
                organization=self.unit_a,
                region_id="140525",
                risk_point=point,
                equipment=elevator,
                title="x",
                hazard_source="x",
                method="ls",
                factors=factors,
                score=Decimal(factors["L"] * factors["S"]),
                level=level,
                control_level="company",
                reviewed_on=TODAY,
                next_review_on=TODAY,
            )
        with CaptureQueriesContext(connection) as captured:
            refresh_equipment_risk_levels([*(item.pk for item in elevators), None])
        self.assertEqual(len(captured), 1)
        self.assertEqual([self.level_of(item) for item in elevators], ["major", "significant", "general", None, None])
        with CaptureQueriesContext(connection) as captured:
            refresh_equipment_risk_levels([None])
        self.assertEqual(len(captured), 0)

    def test_a_risk_of_a_site_touches_no_equipment(self):
        point = do_create_risk_point(actor=self.owner, data={"kind": "activity", "name": "吊装作业"})
        risk = do_create_risk(actor=self.owner, point=point, data=risk_data(**self.major()))
        self.assertIsNone(risk.equipment_id)
        self.assertIsNone(self.level_of(self.equipment_a))


class ReassessmentFlagTests(ServiceTestCase):
    def test_only_the_active_risks_of_the_equipment_are_flagged(self):
        flagged = self.create()
        retired = do_retire_risk(actor=self.owner, risk=self.create(), reason="x", expected_version=1)
        other = self.create(self.other_unit_user, self.equipment_c)
        count = flag_for_reassessment(equipment_id=self.equipment_a.pk, reason="发生事故" * 100)
        self.assertEqual(count, 1)
        flagged.refresh_from_db()
        self.assertTrue(flagged.needs_reassessment)
        self.assertEqual(len(flagged.reassessment_reason), 200)
        self.assertFalse(Risk.objects.get(pk=retired.pk).needs_reassessment)
        self.assertFalse(Risk.objects.get(pk=other.pk).needs_reassessment)

    def test_a_flagged_risk_needs_a_reason_for_any_change(self):
        risk = self.create()
        flag_for_reassessment(equipment_id=self.equipment_a.pk, reason="定期检验不合格")
        with self.assertRaises(ValidationError) as raised:
            do_update_risk(actor=self.owner, risk=risk, changes={"title": "x"}, expected_version=1)
        self.assertIn("定期检验不合格", raised.exception.message_dict["reason"][0])
        risk = do_update_risk(
            actor=self.owner, risk=risk, changes={}, expected_version=1, reason="现场核查，维持原评价"
        )
        self.assertFalse(risk.needs_reassessment)
        self.assertEqual(risk.assessments.first().reason, "现场核查，维持原评价")
        self.assertEqual(Event.objects.latest("seq").type, "risk.reassessed")


class TemplateServiceTests(ServiceTestCase):
    def test_owners_control_levels_and_minimums_come_from_the_rules(self):
        director = make_user("director", self.unit_a, "safety_director")
        risks = do_apply_templates(actor=self.owner, equipment=[self.equipment_a])
        self.assertEqual(len(risks), len(library.templates_for("3110")))
        wanted_owner = {"major": self.principal, "significant": director, "general": self.owner, "low": self.owner}
        for risk in Risk.objects.select_related("owner"):
            template = library.template_by_code(risk.template_code)
            with self.subTest(template=template.code):
                self.assertEqual(risk.level, rules.assess(template.method, template.factors).level)
                self.assertEqual(risk.owner, wanted_owner[risk.level])
                self.assertEqual(risk.control_level, rules.minimum_control_level(risk.level))
                self.assertEqual(risk.minimum_level, template.minimum_level or "")
                self.assertEqual(risk.next_review_on, rules.next_review_on(risk.level, TODAY))
                self.assertEqual(len(risk.measures), len(template.measures))
                self.assertEqual(risk.assessments.get().assessed_by, self.owner)

    def test_hand_made_risks_do_not_block_templates_and_refusals_write_nothing(self):
        self.create()
        for actor in (self.member, self.county_inspector):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                do_apply_templates(actor=actor, equipment=[self.equipment_a])
        with self.assertRaises(PermissionDenied):
            do_apply_templates(actor=self.owner, equipment=[self.equipment_a, self.equipment_c])
        with self.assertRaises(ValidationError):
            do_apply_templates(actor=self.owner, equipment=[])
        with self.assertRaises(ValidationError) as raised:
            do_apply_templates(actor=self.owner, equipment=[self.equipment_a], template_codes=["ELV-DOOR-LOCK", "NOPE"])
        self.assertIn("NOPE", raised.exception.message_dict["templates"][0])
        self.assertEqual(Risk.objects.count(), 1)
        risks = do_apply_templates(actor=self.owner, equipment=[self.equipment_a], template_codes=["ELV-DOOR-LOCK"])
        self.assertEqual([risk.template_code for risk in risks], ["ELV-DOOR-LOCK"])
        self.assertEqual(RiskPoint.objects.count(), 1)

    def test_an_equipment_named_twice_is_identified_once(self):
        risks = do_apply_templates(actor=self.owner, equipment=[self.equipment_a, self.equipment_a])
        self.assertEqual(len(risks), len(library.templates_for("3110")))
        self.assertEqual(Risk.objects.count(), len(risks))
        self.assertEqual(Event.objects.latest("seq").data["equipment"], [self.equipment_a.pk])

    def test_a_category_without_templates_creates_nothing_but_is_logged(self):
        vessel = make_equipment(self.unit_a, "20001405252020A0001", category="2000")
        self.assertEqual(library.templates_for("2000"), [])
        self.assertEqual(do_apply_templates(actor=self.owner, equipment=[vessel]), [])
        self.assertEqual(Event.objects.latest("seq").type, "risk.templates_applied")


class RiskPointServiceTests(ServiceTestCase):
    def test_an_equipment_is_one_risk_point(self):
        point = point_for_equipment(self.equipment_a)
        self.assertEqual(point_for_equipment(self.equipment_a), point)
        self.assertEqual((point.kind, point.name), ("equipment", f"{self.equipment_a.name}（{self.equipment_a.code}）"))
        self.assertEqual(RiskPoint.objects.count(), 1)

    def test_site_and_activity_points(self):
        point = do_create_risk_point(
            actor=self.owner, data={"kind": "activity", "name": " 吊装作业 ", "location": "一号车间"}
        )
        self.assertEqual((point.name, point.organization, point.region_id), ("吊装作业", self.unit_a, "140525"))
        self.assertEqual(Event.objects.latest("seq").type, "risk_point.created")
        with self.assertRaises(ValidationError) as raised:
            do_create_risk_point(actor=self.owner, data={"kind": "equipment", "name": ""})
        self.assertEqual(set(raised.exception.message_dict), {"kind", "name"})
        with self.assertRaises(PermissionDenied):
            do_create_risk_point(actor=self.county_inspector, data={"kind": "site", "name": "x"})

    def test_placing_on_a_site_plan(self):
        plan = do_add_site_plan(actor=self.owner, name="厂区", image=attachment(self.unit_a, self.owner))
        point = do_create_risk_point(actor=self.owner, data={"kind": "site", "name": "锅炉房"})
        point = do_place_risk_point(
            actor=self.owner, point=point, site_plan=plan, x=Decimal("0.123456"), y=1, expected_version=1
        )
        self.assertEqual((point.site_plan, point.plan_x, point.plan_y, point.version), (plan, 0.12346, 1.0, 2))
        for x, y in ((None, 0.5), (-0.01, 0.5), (0.5, 1.01)):
            with self.subTest(x=x, y=y), self.assertRaises(ValidationError):
                do_place_risk_point(actor=self.owner, point=point, site_plan=plan, x=x, y=y, expected_version=2)
        other_plan = do_add_site_plan(
            actor=self.other_unit_user, name="丙厂区", image=attachment(self.unit_c, self.other_unit_user)
        )
        with self.assertRaises(ValidationError) as raised:
            do_place_risk_point(actor=self.owner, point=point, site_plan=other_plan, x=0.5, y=0.5, expected_version=2)
        self.assertIn("site_plan", raised.exception.message_dict)
        point = do_place_risk_point(actor=self.owner, point=point, site_plan=None, x=None, y=None, expected_version=2)
        self.assertEqual((point.site_plan, point.plan_x, point.plan_y), (None, None, None))

    def test_a_site_plan_is_an_image_of_the_unit(self):
        with self.assertRaises(ValidationError) as raised:
            do_add_site_plan(actor=self.owner, name=" ", image=attachment(self.unit_a, self.owner, "application/pdf"))
        self.assertEqual(set(raised.exception.message_dict), {"name", "image"})
        with self.assertRaises(ValidationError):
            do_add_site_plan(actor=self.owner, name="厂区", image=attachment(self.unit_c, self.other_unit_user))
        with self.assertRaises(PermissionDenied):
            do_add_site_plan(actor=self.member, name="厂区", image=attachment(self.unit_a, self.owner))


class SelectorTests(ServiceTestCase):
    def test_level_counts_has_every_level_and_ignores_ordering_and_retired_risks(self):
        self.create(**self.major())
        self.create()
        self.create()
        do_retire_risk(actor=self.owner, risk=self.create(), reason="x", expected_version=1)
        expected = {"major": 1, "significant": 0, "general": 0, "low": 2}
        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(selectors.level_counts(Risk.objects.all()), expected)
        self.assertEqual(len(captured), 1)
        self.assertEqual(selectors.level_counts(Risk.objects.order_by("-id")), expected)
        self.assertEqual(selectors.level_counts(Risk.objects.none()), dict.fromkeys(rules.LEVELS, 0))

    def test_units_without_identified_risks(self):
        make_equipment(self.unit_c, "31101405252020C0002")
        make_equipment(self.unit_a, "31101405252020A0002", status="scrapped")
        units = selectors.units_without_identified_risks(self.county_inspector)
        self.assertEqual({unit.pk: unit.unidentified for unit in units}, {self.unit_a.pk: 1, self.unit_c.pk: 2})
        self.create()
        units = selectors.units_without_identified_risks(self.county_inspector)
        self.assertEqual({unit.pk: unit.unidentified for unit in units}, {self.unit_c.pk: 2})
        self.assertEqual(list(selectors.units_without_identified_risks(self.owner)), [])
        self.assertEqual(
            [unit.pk for unit in selectors.units_without_identified_risks(self.other_unit_user)], [self.unit_c.pk]
        )
        self.assertEqual(
            [unit.pk for unit in selectors.units_without_identified_risks(self.sibling_inspector)], [self.unit_b.pk]
        )
        self.assertEqual(RiskAssessment.objects.count(), 1)
