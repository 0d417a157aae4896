"""Hazard services called directly: public reports from the equipment's QR page with their rate limits, hazards
from failed check items and inspection findings, and what each person is offered to do."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import ValidationError

from shuangfang.core.context import request_context
from shuangfang.core.models import Event
from shuangfang.core.services import PermissionDenied
from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.equipment.models import Equipment, PeriodicInspection
from shuangfang.hazards import services
from shuangfang.hazards.models import CheckResult, Hazard, HazardAttachment, InvestigationTask
from shuangfang.notifications.models import Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


class ServiceTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.director = make_user("director", cls.unit_a, "safety_director")
        cls.lifts = [make_equipment(cls.unit_a, f"31101405252020A01{n:02d}") for n in range(4)]

    def setUp(self):
        traveller = time_machine.travel(NOW, tick=False)
        self.clock = traveller.start()
        self.addCleanup(traveller.stop)

    def public(self, equipment=None, ip="198.51.100.7", **extra):
        return services.do_public_report(
            equipment=equipment or self.equipment_a,
            description=extra.pop("description", "电梯运行时有异响，门关不严"),
            reporter_name=extra.pop("reporter_name", "李女士"),
            reporter_contact=extra.pop("reporter_contact", "13800000000"),
            client_ip=ip,
        )

    def assertRateLimited(self, call):
        before = (Hazard.objects.count(), Event.objects.count(), Notification.objects.count())
        with self.assertRaises(services.RateLimited) as refused:
            call()
        self.assertEqual(refused.exception.status_code, 429)
        self.assertEqual(refused.exception.message, "提交过于频繁，请稍后再试。紧急情况请拨打 12315 或 96333（电梯）。")
        self.assertEqual((Hazard.objects.count(), Event.objects.count(), Notification.objects.count()), before)


class PublicReportTests(ServiceTestCase):
    def test_a_public_report_is_to_be_confirmed_within_three_days(self):
        hazard = self.public()
        self.assertEqual((hazard.source, hazard.status, hazard.grade), ("public", "reported", "general"))
        self.assertEqual(hazard.confirm_by, date(2026, 3, 5))
        self.assertEqual(hazard.confirm_by, TODAY + timedelta(days=services.PUBLIC_CONFIRM_DAYS))
        self.assertIsNone(hazard.reported_by)
        self.assertEqual((hazard.reporter_name, hazard.reporter_contact), ("李女士", "13800000000"))
        self.assertEqual((hazard.organization_id, hazard.region_id), (self.unit_a.pk, "140525"))
        self.assertTrue(Notification.objects.filter(user=self.owner, kind="hazard.reported").exists())
        event = Event.objects.latest("seq")
        self.assertEqual((event.type, event.actor_id, event.data["source"]), ("hazard.reported", None, "public"))
        self.assertEqual(Equipment.objects.get(pk=self.equipment_a.pk).open_hazards, 1)
        # Unlike a finding of a regulator, an agency or the platform, the unit may dismiss it.
        rejected = services.do_reject_hazard(
            actor=self.director, hazard=hazard, reason="系正常运行声音", expected_version=1
        )
        self.assertEqual(rejected.status, "rejected")

    def test_reports_of_one_equipment_are_limited_per_hour(self):
        for n in range(services.PUBLIC_LIMIT_PER_EQUIPMENT_HOUR):
            self.public(ip=f"198.51.100.{n + 1}")
        self.assertRateLimited(lambda: self.public(ip="198.51.100.99"))
        # Another equipment is not held back, and an hour later this one takes reports again.
        self.public(self.lifts[0], ip="198.51.100.99")
        self.clock.shift(timedelta(minutes=61))
        self.assertEqual(self.public(ip="198.51.100.99").source, "public")

    def test_reports_from_one_address_are_limited_per_hour(self):
        for equipment in self.lifts[: services.PUBLIC_LIMIT_PER_ADDRESS_HOUR]:
            self.public(equipment, ip="203.0.113.5")
        self.assertRateLimited(lambda: self.public(self.lifts[3], ip="203.0.113.5"))
        self.public(self.lifts[3], ip="203.0.113.6")
        self.clock.shift(timedelta(minutes=61))
        self.public(self.lifts[3], ip="203.0.113.5")

    def test_reports_from_one_address_are_limited_per_hour_within_a_request(self):
        # The web view calls the service inside the request's context, which carries the same address.
        with request_context("r1", "203.0.113.5"):
            for equipment in self.lifts[: services.PUBLIC_LIMIT_PER_ADDRESS_HOUR]:
                self.public(equipment, ip="203.0.113.5")
            self.assertRateLimited(lambda: self.public(self.lifts[3], ip="203.0.113.5"))

    def test_reports_from_one_address_are_limited_per_day(self):
        ip = "203.0.113.9"
        lifts = [self.equipment_a, *self.lifts]
        with request_context("r2", ip):
            for n in range(services.PUBLIC_LIMIT_PER_ADDRESS_DAY):
                if n and n % services.PUBLIC_LIMIT_PER_ADDRESS_HOUR == 0:
                    self.clock.shift(timedelta(minutes=61))
                self.public(lifts[n % len(lifts)], ip=ip)
            self.clock.shift(timedelta(minutes=61))
            self.assertRateLimited(lambda: self.public(ip=ip))
            self.clock.shift(timedelta(hours=24))
            self.public(ip=ip)

    def test_scrapped_equipment_and_an_empty_description_are_refused(self):
        scrapped = make_equipment(self.unit_a, "31101405252020A0199", status="scrapped")
        with self.assertRaises(ValidationError) as refused:
            self.public(scrapped)
        self.assertEqual(refused.exception.message_dict, {"description": ["该设备已报废注销。"]})
        with self.assertRaises(ValidationError) as refused:
            self.public(description="   ")
        self.assertEqual(refused.exception.message_dict, {"description": ["请描述隐患。"]})
        self.assertFalse(Hazard.objects.exists())

    def test_reporter_fields_are_cut_to_their_columns(self):
        hazard = self.public(reporter_name="  王" * 40, reporter_contact="1" * 80)
        self.assertEqual((len(hazard.reporter_name), len(hazard.reporter_contact)), (50, 50))


class FindingTests(ServiceTestCase):
    def inspection(self, equipment=None, conclusion="pass"):
        equipment = equipment or self.equipment_a
        return PeriodicInspection.objects.create(
            equipment=equipment,
            organization=equipment.organization,
            region_id=equipment.region_id,
            agency=self.agency,
            inspected_on=TODAY,
            conclusion=conclusion,
            recorded_by=self.agency_user,
        )

    def test_a_failed_check_item_linked_to_a_clause_is_a_major_hazard(self):
        task = InvestigationTask.objects.create(
            organization=self.unit_a,
            region_id="140525",
            kind="daily",
            title="日管控",
            equipment=self.equipment_a,
            period_start=TODAY,
            due_on=TODAY,
            assignee_role="safety_officer",
        )
        result = CheckResult.objects.create(
            task=task,
            equipment=self.equipment_a,
            item_source="library",
            item_code="EL-07",
            text="门锁安全回路未被短接",
            gb45067_clause="4.6b",
            outcome="not_ok",
            note="发现短接线",
            checked_by=self.owner,
        )
        hazard = services.hazard_from_check_result(result=result, actor=self.owner)
        self.assertEqual((hazard.source, hazard.grade, hazard.major_criteria), ("check", "major", ["4.6b"]))
        self.assertEqual((hazard.investigation_kind, hazard.check_result_id), ("daily", result.pk))
        self.assertEqual(hazard.description, "检查项不符合：门锁安全回路未被短接。发现短接线")
        self.assertIsNotNone(hazard.reported_to_regulator_at)
        self.assertEqual(Equipment.objects.get(pk=self.equipment_a.pk).open_major_hazards, 1)

    def test_a_clause_of_another_family_does_not_make_a_check_item_major(self):
        task = InvestigationTask.objects.create(
            organization=self.unit_a,
            region_id="140525",
            kind="daily",
            title="日管控",
            equipment=self.equipment_a,
            period_start=TODAY,
            due_on=TODAY,
            assignee_role="safety_officer",
        )
        result = CheckResult.objects.create(
            task=task,
            equipment=self.equipment_a,
            item_source="unit",
            item_code="U-1",
            text="安全阀",
            gb45067_clause="4.2c",
            outcome="not_ok",
            checked_by=self.owner,
        )
        hazard = services.hazard_from_check_result(result=result, actor=self.owner)
        self.assertEqual((hazard.grade, hazard.major_criteria), ("general", []))

    def test_only_the_inspecting_agency_or_the_unit_records_findings(self):
        inspection = self.inspection()
        findings = [{"description": "轿厢照明不足"}]
        for user in (self.other_agency_user, self.county_inspector, self.other_unit_user):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                services.do_record_findings(actor=user, inspection=inspection, findings=findings)
        self.assertFalse(Hazard.objects.exists())
        hazards = services.do_record_findings(actor=self.owner, inspection=inspection, findings=findings)
        self.assertEqual([h.source for h in hazards], ["inspection_agency"])

    def test_a_bad_clause_in_a_finding_names_the_finding_and_registers_none(self):
        inspection = self.inspection()
        findings = [{"description": "照明", "major_criteria": []}, {"description": "门锁", "major_criteria": ["4.9b"]}]
        with self.assertRaises(ValidationError) as refused:
            services.do_record_findings(actor=self.agency_user, inspection=inspection, findings=findings)
        self.assertEqual(list(refused.exception.message_dict), ["findings[1]"])
        self.assertFalse(Hazard.objects.exists())

    def test_a_finding_naming_a_clause_is_major_and_reported_once(self):
        inspection = self.inspection()
        [hazard] = services.do_record_findings(
            actor=self.agency_user,
            inspection=inspection,
            findings=[{"description": "限速器—安全钳联动试验不合格", "major_criteria": ["4.6c"], "serious": True}],
        )
        self.assertEqual((hazard.grade, hazard.major_criteria), ("major", ["4.6c"]))
        self.assertEqual(Event.objects.filter(type="hazard.reported_to_regulator", object_id=str(hazard.pk)).count(), 1)
        self.assertFalse(Notification.objects.filter(kind="hazard.serious_finding").exists())
        self.assertEqual(Notification.objects.filter(user=self.county_inspector, kind="hazard.major").count(), 1)


class AllowedActionTests(ServiceTestCase):
    def test_what_each_person_is_offered(self):
        report = services.do_report_hazard(actor=self.member, equipment=self.equipment_a, description="层门")
        self.assertEqual(services.allowed_actions(report, self.member), [])
        self.assertEqual(services.allowed_actions(report, self.director), ["confirm", "confirm_immediate", "reject"])
        for user in (self.county_inspector, self.other_unit_user, self.agency_user):
            with self.subTest(user=user.username):
                self.assertEqual(services.allowed_actions(report, user), [])
        finding = services.do_regulator_finding(
            actor=self.county_inspector, organization=self.unit_a, equipment=self.equipment_a, description="层门"
        )
        self.assertEqual(services.allowed_actions(finding, self.director), ["confirm", "confirm_immediate"])
        major = services.do_report_hazard(
            actor=self.member, equipment=self.equipment_a, description="短接", clauses=["4.6b"]
        )
        self.assertEqual(services.allowed_actions(major, self.director), ["confirm", "reject"])
        self.assertFalse(services.may_verify_as_regulator(major, self.county_inspector))

    def test_equipment_counts_follow_the_open_hazards(self):
        services.do_report_hazard(actor=self.member, equipment=self.equipment_a, description="层门")
        major = services.do_report_hazard(
            actor=self.member, equipment=self.equipment_a, description="短接", clauses=["4.6b"]
        )
        Equipment.objects.filter(pk=self.equipment_a.pk).update(open_hazards=9, open_major_hazards=9)
        services.refresh_equipment_hazard_counts([self.equipment_a.pk, None])
        stored = Equipment.objects.get(pk=self.equipment_a.pk)
        self.assertEqual((stored.open_hazards, stored.open_major_hazards), (2, 1))
        self.assertEqual(HazardAttachment.objects.filter(hazard=major).count(), 0)
