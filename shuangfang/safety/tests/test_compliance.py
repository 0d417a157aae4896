"""The compliance panel: gaps open when the unit's data shows them and close (the row kept) when a service changes the
data so that it no longer does — one kind after another; the operator rule registers one hazard per gap, not one a
day.

Unit A starts with one elevator in use (CastTestCase) and nothing else on file."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from itertools import count
from unittest import mock
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from shuangfang.core.models import Attachment, Event
from shuangfang.core.testing import CastTestCase, make_equipment, make_organization, make_user
from shuangfang.equipment.models import Equipment, OperatorCertificate
from shuangfang.hazards.models import Hazard
from shuangfang.notifications.models import Notification
from shuangfang.orgs.models import Organization
from shuangfang.safety import compliance, rules, services
from shuangfang.safety.choices import AppointmentRole, EmergencyPlanKind, GapKind, LicenceKind
from shuangfang.safety.models import Appointment, ComplianceGap, ExamAttempt, SafetyProfile, UnitLicence
from shuangfang.safety.tasks import KIND_DRILL_DUE, daily_compliance_refresh, daily_drill_reminders, remind_drills_due

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
_numbers = count(1)


def attachment_of(unit, user, name="file.pdf"):
    return Attachment.objects.create(
        organization=unit,
        region_id=unit.region_id,
        file=f"attachments/{name}",
        original_name=name,
        sha256="0" * 64,
        content_type="application/pdf",
        size=1,
        uploaded_by=user,
    )


def certificate_of(holder, item, expires_on=date(2029, 1, 1), unit=None):
    unit = unit or holder.organization
    number = next(_numbers)
    return OperatorCertificate.objects.create(
        organization=unit,
        region_id=unit.region_id,
        holder_name=holder.display_name,
        holder=holder,
        id_number=f"14052519900101{number:04d}",
        item_id=item,
        cert_no=f"TZ{item}{number:06d}",
        issued_on=date(2025, 1, 1),
        expires_on=expires_on,
    )


def equipment_code(n: int) -> str:
    return f"5110140525202600{n:03d}"


@time_machine.travel(NOW, tick=False)
class ComplianceTestCase(CastTestCase):
    def refresh(self, today=None):
        return compliance.refresh_unit(self.unit_a, today)

    def gap(self, key):
        """The open gap of unit A with this key, or None."""
        return ComplianceGap.objects.filter(organization=self.unit_a, key=key, closed_at__isnull=True).first()

    def rows(self, key):
        return list(ComplianceGap.objects.filter(organization=self.unit_a, key=key).order_by("pk"))

    def assertOpen(self, key, citation=None, kind=None):
        gap = self.gap(key)
        self.assertIsNotNone(gap, f"{key} should be open; open: {sorted(self.open_keys())}")
        if citation is not None:
            self.assertEqual(gap.citation, citation)
        if kind is not None:
            self.assertEqual(gap.kind, kind)
        return gap

    def assertClosed(self, key):
        self.assertIsNone(self.gap(key), f"{key} should be closed")
        rows = self.rows(key)
        self.assertTrue(rows, f"{key} never opened")
        self.assertTrue(all(row.closed_at is not None for row in rows))

    def open_keys(self):
        return set(
            ComplianceGap.objects.filter(organization=self.unit_a, closed_at__isnull=True).values_list("key", flat=True)
        )

    def appoint(self, person, role, categories=(), full_time=False, starts_on=TODAY - timedelta(days=30)):
        with self.captureOnCommitCallbacks(execute=True):
            return services.do_appoint(
                actor=self.principal,
                organization=self.unit_a,
                person=person,
                role=role,
                starts_on=starts_on,
                equipment_categories=categories,
                full_time=full_time,
            )

    def save_profile(self, **changes):
        profile = SafetyProfile.objects.filter(organization=self.unit_a).first()
        with self.captureOnCommitCallbacks(execute=True):
            return services.do_save_profile(
                actor=self.principal,
                organization=self.unit_a,
                changes=changes,
                version=profile.version if profile else 1,
            )


class StaffingGapTests(ComplianceTestCase):
    def test_a_unit_using_equipment_needs_a_safety_manager(self):
        self.refresh()
        gap = self.assertOpen("staffing:manager", compliance.TSG_08_MANAGER, GapKind.STAFFING)
        self.assertIn("安全管理负责人", gap.message)
        self.appoint(self.principal, AppointmentRole.SAFETY_MANAGER)
        self.assertClosed("staffing:manager")
        self.assertEqual(len(self.rows("staffing:manager")), 1)

    def test_the_body_follows_the_declared_facts_and_its_registration(self):
        self.refresh()
        self.assertIsNone(self.gap("staffing:body"))
        self.save_profile(power_station_boiler=True)
        body_rule = next(rule for rule in rules.STAFFING_RULES if rule.code == "body_power_boiler")
        gap = self.assertOpen("staffing:body", body_rule.citation)
        self.assertIn("使用电站锅炉", gap.message)
        # A body needs its full-time officer, cited by the body's own row.
        self.assertOpen("staffing:full_time_officer", body_rule.citation)
        self.save_profile(body_name="特种设备安全管理办公室", body_established_on=date(2026, 1, 5))
        self.assertClosed("staffing:body")
        self.assertIsNotNone(self.gap("staffing:full_time_officer"))
        self.save_profile(power_station_boiler=False)
        self.assertClosed("staffing:full_time_officer")

    def test_an_open_gap_follows_the_rule_that_holds_today(self):
        self.save_profile(power_station_boiler=True)
        boiler = next(rule for rule in rules.STAFFING_RULES if rule.code == "body_power_boiler")
        piping = next(rule for rule in rules.STAFFING_RULES if rule.code == "officer_piping")
        self.assertOpen("staffing:full_time_officer", boiler.citation)
        self.save_profile(power_station_boiler=False, industrial_piping_km=Decimal("12.5"))
        gap = self.assertOpen("staffing:full_time_officer", piping.citation)
        self.assertIn("10公里", gap.message)
        self.assertNotIn("电站锅炉", gap.message)
        self.assertEqual(len(self.rows("staffing:full_time_officer")), 1)

    def test_with_a_body_the_safety_manager_holds_an_a_certificate(self):
        self.save_profile(petrochemical_plant=True, body_name="安全管理部", body_established_on=date(2026, 1, 5))
        self.appoint(self.principal, AppointmentRole.SAFETY_MANAGER)
        self.assertOpen("staffing:manager_certificate", compliance.TSG_08_MANAGER)
        certificate_of(self.principal, "A", expires_on=TODAY - timedelta(days=1))  # expired: no better
        self.refresh()
        self.assertOpen("staffing:manager_certificate")
        certificate_of(self.principal, "A")
        self.refresh()
        self.assertClosed("staffing:manager_certificate")

    def test_twenty_elevators_need_a_full_time_a_certified_officer(self):
        for n in range(19):
            make_equipment(self.unit_a, f"311014052520260A{n:03d}")
        self.refresh()
        twenty = next(rule for rule in rules.STAFFING_RULES if rule.code == "officer_twenty_units")
        gap = self.assertOpen("staffing:full_time_officer", twenty.citation, GapKind.STAFFING)
        self.assertIn("20台以上", gap.message)
        # Neither a full-time officer without the certificate nor a part-time one with it will do.
        self.appoint(self.owner, AppointmentRole.SAFETY_OFFICER, full_time=True)
        part_timer = make_user("part_timer", self.unit_a, "operator")
        certificate_of(part_timer, "A")
        self.appoint(part_timer, AppointmentRole.SAFETY_OFFICER, full_time=False)
        self.assertOpen("staffing:full_time_officer")
        # A safety director is no officer, certificate or not.
        director = make_user("director", self.unit_a, "operator")
        certificate_of(director, "A")
        self.appoint(director, AppointmentRole.SAFETY_DIRECTOR, full_time=True)
        self.assertOpen("staffing:full_time_officer")

        officer = make_user("full_timer", self.unit_a, "operator")
        certificate = certificate_of(officer, "A")
        self.assertEqual((certificate.item_id, certificate.holder_id), ("A", officer.pk))
        self.appoint(officer, AppointmentRole.SAFETY_OFFICER, full_time=True)
        self.assertClosed("staffing:full_time_officer")

        # The certificate runs out: the gap comes back as a new one.
        self.refresh(certificate.expires_on + timedelta(days=1))
        self.assertOpen("staffing:full_time_officer")
        self.assertEqual(len(self.rows("staffing:full_time_officer")), 2)

    def test_an_equipment_out_of_use_does_not_count(self):
        lifts = [make_equipment(self.unit_a, f"311014052520260B{n:03d}") for n in range(19)]
        self.refresh()
        self.assertOpen("staffing:full_time_officer")
        Equipment.objects.filter(pk=lifts[0].pk).update(status="suspended")
        self.refresh()
        self.assertClosed("staffing:full_time_officer")


class LicenceGapTests(ComplianceTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.station = make_organization("丁气体充装站", "filling_station", cls.ZEZHOU, seed=4)
        cls.station_manager = make_user("station_manager", cls.station, "safety_officer")
        cls.rule = rules.LICENCE_RULES_BY_CODE["filling"]

    def station_gap(self):
        return ComplianceGap.objects.filter(organization=self.station, key="licence:filling", closed_at__isnull=True)

    def record(self, kind=LicenceKind.FILLING, number="TS4214052-2026", issued_on=date(2026, 1, 10), **extra):
        values = {"expires_on": date(2030, 1, 9)}
        values.update(extra)
        with self.captureOnCommitCallbacks(execute=True):
            return services.do_record_licence(
                actor=self.station_manager,
                organization=self.station,
                kind=kind,
                number=number,
                issued_on=issued_on,
                issued_by="山西省市场监督管理局",
                scope="液化石油气（LPG）钢瓶充装",
                **values,
            )

    def test_a_filling_station_holds_a_current_unexpired_filling_licence(self):
        compliance.refresh_unit(self.station)
        gap = self.station_gap().get()
        self.assertEqual((gap.kind, gap.citation), (GapKind.LICENCE, "《特种设备安全法》第四十九条"))
        self.assertEqual(gap.message, "缺少有效的充装许可证。")
        # Another licence is no filling licence.
        self.record(kind=LicenceKind.OTHER, number="燃气经营许可证 晋2026001")
        self.assertTrue(self.station_gap().exists())
        licence = self.record()
        self.assertFalse(self.station_gap().exists())
        self.assertEqual(ComplianceGap.objects.filter(organization=self.station, key="licence:filling").count(), 1)

        # In force on its last day; the day after it has expired: the gap opens again, saying since when.
        compliance.refresh_unit(self.station, licence.expires_on)
        self.assertFalse(self.station_gap().exists())
        compliance.refresh_unit(self.station, licence.expires_on + timedelta(days=1))
        self.assertEqual(self.station_gap().get().message, "充装许可证已于 2030-01-09 过期。")

        # The renewed licence supersedes the old one and closes the gap.
        with time_machine.travel(datetime(2030, 1, 12, 9, 0, tzinfo=SHANGHAI), tick=False):
            renewed = self.record(number="TS4214052-2030", issued_on=date(2030, 1, 11), expires_on=date(2034, 1, 10))
        self.assertFalse(self.station_gap().exists())
        licence.refresh_from_db()
        self.assertEqual((licence.is_current, renewed.is_current), (False, True))
        self.assertEqual(ComplianceGap.objects.filter(organization=self.station, key="licence:filling").count(), 2)

    def test_a_superseded_licence_does_not_count(self):
        self.record()
        UnitLicence.objects.filter(organization=self.station).update(is_current=False)
        compliance.refresh_unit(self.station)
        self.assertEqual(self.station_gap().get().message, "缺少有效的充装许可证。")

    def test_the_licence_comes_after_staffing_in_the_panel(self):
        self.assertEqual(
            [(finding.kind, finding.key) for finding in compliance.findings(self.station, TODAY)],
            [(GapKind.STAFFING, "staffing:full_time_officer"), (GapKind.LICENCE, "licence:filling")],
        )
        self.assertEqual(GapKind.values.index(GapKind.LICENCE), GapKind.values.index(GapKind.STAFFING) + 1)

    def test_a_use_unit_needs_no_licence(self):
        self.refresh()
        self.assertFalse(any(key.startswith("licence") for key in self.open_keys()))


class AppointmentGapTests(ComplianceTestCase):
    def test_the_principal_director_and_officer_of_each_category(self):
        self.refresh()
        self.assertOpen("appointment:principal", rules.ORDER_74 + "第六十九条（各章同）", GapKind.APPOINTMENT)
        citation = rules.appointment_citation("3000")
        director_gap = self.assertOpen("appointment:safety_director:3000", citation)
        self.assertIn("电梯安全总监", director_gap.message)
        self.assertOpen("appointment:safety_officer:3000", citation)
        self.assertIsNone(self.gap("appointment:safety_director:4000"))  # no crane in use

        self.appoint(self.principal, AppointmentRole.PRINCIPAL)
        self.assertClosed("appointment:principal")
        # A director for cranes does not cover the elevators.
        crane_director = make_user("crane_director", self.unit_a, "operator")
        self.appoint(crane_director, AppointmentRole.SAFETY_DIRECTOR, ["4000"])
        self.assertOpen("appointment:safety_director:3000")
        director = make_user("director", self.unit_a, "operator")
        appointment = self.appoint(director, AppointmentRole.SAFETY_DIRECTOR, ["3000"])
        self.assertClosed("appointment:safety_director:3000")
        # An officer appointed with no categories covers all of them.
        self.appoint(self.owner, AppointmentRole.SAFETY_OFFICER)
        self.assertClosed("appointment:safety_officer:3000")

        # A crane in use asks for its own officer, which the all-category one already is, and its own director.
        make_equipment(self.unit_a, "41101405252026A0001", category="4110")
        self.refresh()
        self.assertIsNone(self.gap("appointment:safety_officer:4000"))
        self.assertIsNone(self.gap("appointment:safety_director:4000"))

        # The director leaves: in force through the day of leaving, then the gap is back as a new row.
        with self.captureOnCommitCallbacks(execute=True):
            services.do_end_appointment(
                actor=self.principal, appointment=appointment, ends_on=TODAY, reason="调离", version=1
            )
        self.assertIsNone(self.gap("appointment:safety_director:3000"))
        self.refresh(TODAY + timedelta(days=1))
        self.assertOpen("appointment:safety_director:3000")
        self.assertEqual(len(self.rows("appointment:safety_director:3000")), 2)

    def test_an_appointment_starting_later_is_not_yet_in_force(self):
        self.appoint(self.principal, AppointmentRole.PRINCIPAL, starts_on=TODAY + timedelta(days=10))
        self.assertOpen("appointment:principal")
        self.refresh(TODAY + timedelta(days=10))
        self.assertClosed("appointment:principal")

    def test_a_unit_without_equipment_in_use_owes_no_appointments(self):
        Equipment.objects.filter(pk=self.equipment_a.pk).update(status="scrapped")
        self.refresh()
        self.assertEqual(self.open_keys(), set())


class SpotCheckGapTests(ComplianceTestCase):
    def spot_check(self, title):
        exam = services.do_create_exam(
            actor=self.county_inspector,
            title=title,
            roles=["safety_officer"],
            question_count=5,
            opens_on=TODAY,
            closes_on=TODAY + timedelta(days=7),
            seed=7,
        )
        return exam, ExamAttempt.objects.get(exam=exam, candidate=self.owner)

    def sit(self, attempt, right: bool):
        questions = list(attempt.exam.questions.all())
        answers = {
            str(q.pk): list(q.answer) if right else [next(i for i in range(len(q.options)) if i not in q.answer)]
            for q in questions
        }
        with self.captureOnCommitCallbacks(execute=True):
            return services.do_submit_attempt(actor=self.owner, attempt=attempt, answers=answers)

    def test_a_failed_spot_check_is_a_gap_until_the_appointment_ends(self):
        appointment = self.appoint(self.owner, AppointmentRole.SAFETY_OFFICER, ["3000"])
        _exam, attempt = self.spot_check("2026年泽州县安全员抽查考核")
        attempt = self.sit(attempt, right=False)
        self.assertFalse(attempt.passed)
        key = f"training:spot_check_failed:{self.owner.pk}"
        gap = self.assertOpen(key, compliance.ORDER_74_TRAINING, GapKind.TRAINING)
        self.assertEqual(gap.person_id, self.owner.pk)
        self.assertIn("不合格（0 分）", gap.message)
        with self.captureOnCommitCallbacks(execute=True):
            services.do_end_appointment(
                actor=self.principal,
                appointment=appointment,
                ends_on=TODAY - timedelta(days=1),
                reason="抽查考核不合格，调整岗位",
                version=appointment.version,
            )
        self.assertClosed(key)

    def test_a_later_pass_clears_the_failure(self):
        self.appoint(self.owner, AppointmentRole.SAFETY_OFFICER)
        _exam, attempt = self.spot_check("第一次抽查")
        self.sit(attempt, right=False)
        key = f"training:spot_check_failed:{self.owner.pk}"
        self.assertOpen(key)
        with time_machine.travel(NOW + timedelta(days=1), tick=False):
            _exam, again = self.spot_check("补考")
            self.assertTrue(self.sit(again, right=True).passed)
            self.refresh()
        self.assertClosed(key)

    def test_a_failed_person_without_a_director_or_officer_appointment_is_no_gap(self):
        _exam, attempt = self.spot_check("抽查")
        self.sit(attempt, right=False)
        self.assertEqual([key for key in self.open_keys() if key.startswith("training:spot")], [])


class DocumentGapTests(ComplianceTestCase):
    def upload(self, rule, effective_on=date(2026, 1, 1)):
        with self.captureOnCommitCallbacks(execute=True):
            return services.do_upload_document(
                actor=self.principal,
                organization=self.unit_a,
                kind=rule.code,
                title=f"{rule.name}（2026版）",
                effective_on=effective_on,
                attachment=attachment_of(self.unit_a, self.principal),
                equipment_category="3000" if rule.scope == rules.PER_CATEGORY else "",
            )

    def test_each_required_document_is_a_gap_until_uploaded(self):
        self.refresh()
        for rule in rules.DOCUMENT_RULES:
            key = f"document:{rule.code}:{'3000' if rule.scope == rules.PER_CATEGORY else 'unit'}"
            with self.subTest(rule=rule.code):
                gap = self.assertOpen(key, rule.citation, GapKind.DOCUMENT)
                self.assertIn("缺少《", gap.message)
                self.upload(rule)
                self.assertClosed(key)
        self.assertEqual([key for key in self.open_keys() if key.startswith("document:")], [])

    def test_a_per_category_document_is_owed_for_each_category_in_use(self):
        make_equipment(self.unit_a, "41101405252026A0002", category="4110")
        self.refresh()
        self.assertOpen("document:operating_procedures:3000")
        self.assertOpen("document:operating_procedures:4000")
        self.upload(rules.DOCUMENT_RULES_BY_CODE["operating_procedures"])  # the elevators' only
        self.assertClosed("document:operating_procedures:3000")
        self.assertOpen("document:operating_procedures:4000")

    def test_an_order_74_document_older_than_the_order_is_to_be_reissued(self):
        rule = rules.DOCUMENT_RULES_BY_CODE["director_duties"]
        key = "document:director_duties:3000"
        self.refresh()
        self.upload(rule, effective_on=date(2023, 5, 4))
        gap = self.assertOpen(key, rule.citation)
        self.assertIn("早于要求它的规定施行之日", gap.message)
        self.assertEqual(len(self.rows(key)), 1)  # the same gap, its message brought up to date
        document = self.upload(rule, effective_on=rules.ORDER_74_EFFECTIVE)
        self.assertEqual(document.version_no, 2)
        self.assertClosed(key)


class OperatorGapTests(ComplianceTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.forklift = make_equipment(cls.unit_a, equipment_code(1), category="5110")
        cls.forklift_rule = next(rule for rule in rules.CERTIFICATE_RULES if rule.code == "forklift")
        cls.key = f"operator:{cls.forklift.pk}:forklift"

    def assign(self, certificate, equipment=None):
        with self.captureOnCommitCallbacks(execute=True):
            return services.do_assign_operator(
                actor=self.principal, equipment=equipment or self.forklift, certificate=certificate, assigned_on=TODAY
            )

    def system_hazards(self):
        return Hazard.objects.filter(organization=self.unit_a, source="system", equipment=self.forklift)

    def test_a_device_without_a_certified_operator_registers_one_hazard_not_one_a_day(self):
        self.refresh()
        gap = self.assertOpen(self.key, self.forklift_rule.citation, GapKind.OPERATOR)
        self.assertEqual(gap.equipment_id, self.forklift.pk)
        self.assertIn("N1", gap.message)
        self.assertEqual(self.system_hazards().count(), 1)
        hazard = self.system_hazards().get()
        self.assertEqual(gap.hazard_id, hazard.pk)
        self.assertIn(self.forklift_rule.citation, hazard.description)
        self.assertTrue(
            Event.objects.filter(type="hazard.reported", object_id=str(hazard.pk), data__compliance_gap=gap.pk).exists()
        )

        # Again today, and on the following days: the same gap, the same hazard.
        self.assertEqual(self.refresh(), {"opened": 0, "closed": 0})
        self.refresh(TODAY + timedelta(days=1))
        with time_machine.travel(NOW + timedelta(days=2), tick=False):
            self.refresh()
        self.assertEqual(self.system_hazards().count(), 1)
        self.assertEqual(len(self.rows(self.key)), 1)

        # A certified operator closes the gap; the row keeps its hazard.
        assignment = self.assign(certificate_of(self.member, "N1"))
        self.assertClosed(self.key)
        self.assertEqual(self.rows(self.key)[0].hazard_id, hazard.pk)
        self.refresh(TODAY + timedelta(days=3))
        self.assertEqual(self.system_hazards().count(), 1)

        # The operator leaves: a new gap, and with it a new hazard.
        with self.captureOnCommitCallbacks(execute=True):
            services.do_end_assignment(actor=self.principal, assignment=assignment, ended_on=TODAY, version=1)
        reopened = self.assertOpen(self.key)
        self.assertEqual(len(self.rows(self.key)), 2)
        self.assertEqual(self.system_hazards().count(), 2)
        self.assertNotEqual(reopened.hazard_id, hazard.pk)
        self.refresh(TODAY + timedelta(days=5))
        self.assertEqual(self.system_hazards().count(), 2)

    def test_an_expired_certificate_opens_the_gap_with_the_expired_message(self):
        certificate = certificate_of(self.member, "N1", expires_on=date(2026, 7, 1))
        self.assign(certificate)
        self.assertIsNone(self.gap(self.key))
        self.refresh(date(2026, 7, 1))  # valid through its last day
        self.assertIsNone(self.gap(self.key))
        self.refresh(date(2026, 7, 2))
        gap = self.assertOpen(self.key, self.forklift_rule.citation)
        self.assertIn("已过期", gap.message)
        self.assertIn(f"{certificate.holder_name} 2026-07-01", gap.message)
        self.assertEqual(self.system_hazards().count(), 1)
        self.refresh(date(2026, 7, 3))
        self.assertEqual(self.system_hazards().count(), 1)

    def test_a_long_message_is_stored_cut_to_its_column_and_not_rewritten_each_run(self):
        for n in range(30):
            holder = make_user(f"driver{n}", self.unit_a, "operator")
            self.assign(certificate_of(holder, "N1", expires_on=date(2026, 7, 1)))
        self.refresh(date(2026, 7, 2))
        gap = self.assertOpen(self.key)
        self.assertEqual(len(gap.message), 500)
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.refresh(date(2026, 7, 3)), {"opened": 0, "closed": 0})
        self.assertFalse([q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")])

    def test_a_signalled_crane_needs_both_its_driver_and_its_signaller(self):
        crane = make_equipment(self.unit_a, "41101405252026A0003", category="4110", signaller_required=True)
        self.refresh()
        self.assertOpen(f"operator:{crane.pk}:crane_driver")
        self.assertOpen(f"operator:{crane.pk}:crane_signaller")
        self.assign(certificate_of(self.member, "Q2"), crane)
        self.assertClosed(f"operator:{crane.pk}:crane_driver")
        self.assertOpen(f"operator:{crane.pk}:crane_signaller")
        self.assign(certificate_of(self.member, "Q1"), crane)
        self.assertClosed(f"operator:{crane.pk}:crane_signaller")

    def test_equipment_taken_out_of_use_closes_its_gap(self):
        self.refresh()
        self.assertOpen(self.key)
        Equipment.objects.filter(pk=self.forklift.pk).update(status="suspended")
        self.refresh()
        self.assertClosed(self.key)
        self.assertEqual(self.system_hazards().count(), 1)


class EmergencyGapTests(ComplianceTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # An elevator in a crowded place: the unit drills it at least yearly.
        Equipment.objects.filter(pk=cls.equipment_a.pk).update(crowded_place=True)
        cls.rule = next(rule for rule in rules.DRILL_RULES if rule.code == "crowded_elevators_yearly")

    def test_a_special_plan_and_a_yearly_drill(self):
        self.refresh()
        self.assertOpen("emergency_plan:3000", self.rule.citation, GapKind.EMERGENCY_PLAN)
        drill_gap = self.assertOpen("drill:3000", self.rule.citation, GapKind.DRILL)
        self.assertIn("没有电梯应急演练记录", drill_gap.message)

        # A comprehensive plan is no special plan for the elevators.
        with self.captureOnCommitCallbacks(execute=True):
            services.do_record_emergency_plan(
                actor=self.principal,
                organization=self.unit_a,
                title="综合应急预案",
                approved_on=TODAY - timedelta(days=10),
                kind=EmergencyPlanKind.COMPREHENSIVE,
            )
        self.assertOpen("emergency_plan:3000")
        with self.captureOnCommitCallbacks(execute=True):
            plan = services.do_record_emergency_plan(
                actor=self.principal,
                organization=self.unit_a,
                title="电梯困人事故应急专项预案",
                approved_on=TODAY - timedelta(days=10),
                kind=EmergencyPlanKind.SPECIAL,
                equipment_category="3000",
            )
        self.assertClosed("emergency_plan:3000")
        self.assertEqual(plan.review_by, date(2029, 6, 5))

        with self.captureOnCommitCallbacks(execute=True):
            services.do_record_drill(
                actor=self.principal,
                organization=self.unit_a,
                held_on=TODAY,
                scenario="电梯困人救援",
                plan=plan,
                participant_count=8,
            )
        self.assertClosed("drill:3000")

        # A year on the drill is due; a day later it is overdue, a new gap.
        self.refresh(date(2027, 6, 15))
        self.assertEqual(len(self.rows("drill:3000")), 1)
        self.refresh(date(2027, 6, 16))
        overdue = self.assertOpen("drill:3000", self.rule.citation)
        self.assertIn("应急演练已逾期：上次 2026-06-15，应在 2027-06-15 前再次演练", overdue.message)
        self.assertEqual(len(self.rows("drill:3000")), 2)

        # The plan's review date passes: a review gap, cited by the emergency-plan rules.
        self.refresh(plan.review_by)
        self.assertIsNone(self.gap("emergency_plan_review:3000"))
        self.refresh(plan.review_by + timedelta(days=1))
        review = self.assertOpen("emergency_plan_review:3000", kind=GapKind.EMERGENCY_PLAN)
        self.assertIn("应急管理部令第2号", review.citation)
        self.assertIn("2029-06-05", review.message)

    def test_a_unit_wide_plan_and_drill_cover_every_category(self):
        self.refresh()
        with self.captureOnCommitCallbacks(execute=True):
            services.do_record_emergency_plan(
                actor=self.principal,
                organization=self.unit_a,
                title="特种设备事故应急专项预案",
                approved_on=TODAY,
                kind=EmergencyPlanKind.SPECIAL,
            )
            services.do_record_drill(actor=self.principal, organization=self.unit_a, held_on=TODAY, scenario="综合演练")
        self.assertClosed("emergency_plan:3000")
        self.assertClosed("drill:3000")

    def test_no_drill_is_owed_without_a_rule(self):
        Equipment.objects.filter(pk=self.equipment_a.pk).update(crowded_place=False)
        self.refresh()
        self.assertEqual([key for key in self.open_keys() if key.startswith(("drill", "emergency"))], [])


class TrainingGapTests(ComplianceTestCase):
    def test_a_unit_trains_at_least_once_a_year(self):
        self.refresh()
        self.assertOpen("training:none", compliance.ORDER_74_TRAINING, GapKind.TRAINING)
        with self.captureOnCommitCallbacks(execute=True):
            services.do_record_training(
                actor=self.principal,
                organization=self.unit_a,
                topic="总局令第74号解读",
                held_on=TODAY,
                hours=2,
                trainer="县局讲师",
                attendees=[self.owner, self.principal],
            )
        self.assertClosed("training:none")
        self.refresh(TODAY + timedelta(days=compliance.TRAINING_INTERVAL_DAYS - 1))
        self.assertIsNone(self.gap("training:none"))
        self.refresh(TODAY + timedelta(days=compliance.TRAINING_INTERVAL_DAYS))
        self.assertOpen("training:none")


class MonitoringGapTests(ComplianceTestCase):
    def test_a_reading_out_of_bounds_is_a_gap_until_one_is_back_in_bounds(self):
        with self.captureOnCommitCallbacks(execute=True):
            source = services.do_create_hazard_source(
                actor=self.principal, organization=self.unit_a, name="液氨储罐区", grade="3"
            )
            point = services.do_add_monitoring_point(
                actor=self.principal,
                source=source,
                name="1号罐压力",
                quantity="压力",
                unit_of_measure="MPa",
                high="1.6",
            )
        key = f"monitoring:{point.pk}"
        self.assertIsNone(self.gap(key))
        with self.captureOnCommitCallbacks(execute=True):
            services.do_record_reading(actor=self.member, point=point, value="1.85")
        gap = self.assertOpen(key, "《安全生产法》第四十条", GapKind.MONITORING)
        self.assertIn("1.850MPa", gap.message)
        with self.captureOnCommitCallbacks(execute=True):
            services.do_record_reading(actor=self.member, point=point, value="1.2")
        self.assertClosed(key)


class RefreshTests(ComplianceTestCase):
    def test_a_refresh_records_what_opened_and_closed_and_a_quiet_one_records_nothing(self):
        counts = self.refresh()
        self.assertEqual(counts["closed"], 0)
        self.assertEqual(counts["opened"], len(self.open_keys()))
        event = Event.objects.filter(type="compliance.refreshed", organization=self.unit_a).latest("seq")
        self.assertEqual(event.data["opened"], sorted(self.open_keys()))
        before = Event.objects.count()
        self.assertEqual(self.refresh(), {"opened": 0, "closed": 0})
        self.assertEqual(Event.objects.count(), before)

    def test_messages_are_stored_in_the_platform_language(self):
        with translation.override("en"):
            self.refresh()
        self.assertIn("未登记主要负责人的任职", self.gap("appointment:principal").message)

    def test_the_unit_starts_with_the_gaps_of_an_empty_file_and_others_are_untouched(self):
        self.refresh()
        expected = {
            "staffing:manager",
            "appointment:principal",
            "appointment:safety_director:3000",
            "appointment:safety_officer:3000",
            "training:none",
            *(
                f"document:{rule.code}:{'3000' if rule.scope == rules.PER_CATEGORY else 'unit'}"
                for rule in rules.DOCUMENT_RULES
            ),
        }
        self.assertEqual(self.open_keys(), expected)
        self.assertFalse(ComplianceGap.objects.exclude(organization=self.unit_a).exists())

    def test_gap_counts_name_every_kind(self):
        self.refresh()
        counts = compliance.gap_counts(ComplianceGap.objects.all())
        self.assertEqual(set(counts), set(GapKind.values))
        self.assertEqual(counts[GapKind.DOCUMENT], len(rules.DOCUMENT_RULES))
        self.assertEqual(counts[GapKind.OPERATOR], 0)
        self.assertEqual(
            compliance.gap_counts(ComplianceGap.objects.filter(region_id=self.YANGCHENG))[GapKind.DOCUMENT], 0
        )

    def test_appointments_of_people_who_left_do_not_count(self):
        self.refresh()
        self.appoint(self.principal, AppointmentRole.PRINCIPAL)
        self.assertClosed("appointment:principal")
        type(self.principal).objects.filter(pk=self.principal.pk).update(is_active=False)
        self.refresh()
        self.assertOpen("appointment:principal")
        self.assertTrue(Appointment.objects.filter(person=self.principal, ends_on__isnull=True).exists())


class DailyJobTests(ComplianceTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.director = make_user("director", cls.unit_a, "safety_director")
        # Elevators in crowded places are drilled yearly (DRILL_RULES): unit A last drilled on 2025-07-01.
        Equipment.objects.filter(pk__in=[cls.equipment_a.pk, cls.equipment_c.pk]).update(crowded_place=True)
        services.do_record_drill(
            actor=cls.principal,
            organization=cls.unit_a,
            held_on=date(2025, 7, 1),
            scenario="困人救援",
            equipment_category="3000",
        )

    def drill_notifications(self):
        return Notification.objects.filter(kind=KIND_DRILL_DUE).order_by("user_id")

    def test_the_jobs_are_scheduled_before_the_morning_reminders(self):
        from huey.contrib.djhuey import HUEY

        periodic = {task.name for task in HUEY._registry.periodic_tasks}
        for job, utc_hour, utc_minute in ((daily_compliance_refresh, 22, 30), (daily_drill_reminders, 22, 45)):
            with self.subTest(job=job.name):
                self.assertIn(job.task_class.__name__, periodic)
                task = job.task_class()
                # Huey's clock is UTC: 22:30 UTC is 06:30 in Shanghai, before the 07:00 reminders.
                self.assertTrue(task.validate_datetime(datetime(2026, 6, 14, utc_hour, utc_minute)))
                self.assertFalse(task.validate_datetime(datetime(2026, 6, 15, utc_hour, utc_minute + 1)))
                self.assertFalse(task.validate_datetime(datetime(2026, 6, 15, 7, 0)))

    def test_refresh_all_counts_every_unit_and_what_opened_and_closed(self):
        inactive = Organization.objects.create(
            name="已注销单位",
            uscc=self.unit_a.uscc[:-3] + "XYZ",
            kind="use_unit",
            region_id=self.ZEZHOU,
            is_active=False,
        )
        counts = compliance.refresh_all()
        self.assertEqual(counts["units"], 3)  # units A, B, C: not the regulators, agencies or the inactive unit
        self.assertEqual(counts["opened"], ComplianceGap.objects.count())
        self.assertEqual(counts["closed"], 0)
        self.assertEqual(
            set(ComplianceGap.objects.values_list("organization_id", flat=True)),
            {self.unit_a.pk, self.unit_b.pk, self.unit_c.pk},
        )
        self.assertFalse(ComplianceGap.objects.filter(organization=inactive).exists())
        self.assertEqual(daily_compliance_refresh.call_local(), {"opened": 0, "closed": 0, "units": 3})
        with self.captureOnCommitCallbacks(execute=True):
            services.do_appoint(
                actor=self.principal,
                organization=self.unit_a,
                person=self.principal,
                role=AppointmentRole.PRINCIPAL,
                starts_on=TODAY,
            )
        self.assertIsNone(self.gap("appointment:principal"))
        # Unit A's drill falls overdue after 2026-07-01: the next run opens that gap and nothing else.
        self.assertEqual(compliance.refresh_all(date(2026, 7, 1)), {"opened": 0, "closed": 0, "units": 3})
        self.assertEqual(compliance.refresh_all(date(2026, 7, 2)), {"opened": 1, "closed": 0, "units": 3})
        self.assertIn("应急演练已逾期", self.gap("drill:3000").message)

    def test_a_drill_falling_due_is_announced_once_to_the_principal_and_the_directors(self):
        self.assertEqual(
            compliance.drills_due(self.unit_a, TODAY, rules.DRILL_REMINDER_DAYS), [("3000", date(2026, 7, 1))]
        )
        self.assertEqual(remind_drills_due(TODAY), 2)
        sent = list(self.drill_notifications())
        self.assertEqual([n.user for n in sent], [self.principal, self.director])
        self.assertEqual({n.key for n in sent}, {f"drill:{self.unit_a.pk}:3000:2026-07-01"})
        self.assertIn("电梯应急演练还有 16 天到期", sent[0].title)
        self.assertIn("2026-07-01 前举行", sent[0].body)
        # Again today, tomorrow and through the periodic job: nothing new.
        self.assertEqual(remind_drills_due(TODAY), 0)
        self.assertEqual(remind_drills_due(TODAY + timedelta(days=1)), 0)
        with time_machine.travel(NOW + timedelta(days=2), tick=False):
            self.assertEqual(daily_drill_reminders.call_local(), 0)
        self.assertEqual(self.drill_notifications().count(), 2)

    def test_no_reminder_too_early_or_once_overdue(self):
        c_principal = make_user("c_principal", self.unit_c, "principal")
        # Unit C drilled on 2025-08-01: due 2026-08-01, 47 days off today.
        services.do_record_drill(
            actor=self.other_unit_user, organization=self.unit_c, held_on=date(2025, 8, 1), scenario="困人救援"
        )
        self.assertEqual(compliance.drills_due(self.unit_c, TODAY, rules.DRILL_REMINDER_DAYS), [])
        self.assertEqual(remind_drills_due(date(2026, 5, 31)), 0)  # A's drill is 31 days off
        # On 2026-07-02 A's drill is overdue (a gap, no reminder) and C's is 30 days off: C's principal hears of it.
        self.assertEqual(remind_drills_due(date(2026, 7, 2)), 1)
        self.assertEqual(
            [(n.user, n.key) for n in self.drill_notifications()],
            [(c_principal, f"drill:{self.unit_c.pk}:3000:2026-08-01")],
        )

    def test_a_drill_held_moves_the_due_date_and_reminds_again_next_year(self):
        remind_drills_due(TODAY)
        services.do_record_drill(actor=self.principal, organization=self.unit_a, held_on=TODAY, scenario="困人救援")
        self.assertEqual(remind_drills_due(date(2027, 6, 1)), 2)
        self.assertEqual(
            set(self.drill_notifications().values_list("key", flat=True)),
            {f"drill:{self.unit_a.pk}:3000:2026-07-01", f"drill:{self.unit_a.pk}:3000:2027-06-15"},
        )

    def test_the_command_refreshes_one_unit_or_all(self):
        out = StringIO()
        call_command("refresh_compliance", "--unit", str(self.unit_a.pk), stdout=out)
        opened = ComplianceGap.objects.filter(organization=self.unit_a).count()
        self.assertEqual(
            out.getvalue().strip(), f"已刷新 1 个单位：新增缺项 {opened} 条，消除 0 条，现有未消除缺项 {opened} 条。"
        )
        self.assertFalse(ComplianceGap.objects.exclude(organization=self.unit_a).exists())
        out = StringIO()
        call_command("refresh_compliance", "--today", "2026-06-16", stdout=out)
        self.assertIn("已刷新 3 个单位", out.getvalue())
        with self.assertRaisesMessage(CommandError, "没有 id 为 999999 的单位。"):
            call_command("refresh_compliance", "--unit", "999999")
        with self.assertRaisesMessage(CommandError, "不是使用特种设备的单位"):
            call_command("refresh_compliance", "--unit", str(self.county.pk))


class BatchedRefreshTests(ComplianceTestCase):
    """The daily run writes the changed units of a batch together (compliance._write_changes, hazards'
    register_system_hazards): the same rows as refresh_unit one unit at a time, in a fixed number of queries."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for unit, tag in ((cls.unit_a, "a"), (cls.unit_b, "b")):
            make_user(f"officer_{tag}", unit, "safety_officer")
            make_user(f"director_{tag}", unit, "safety_director")
        cls.next_code = count(100)

    def add_forklifts(self, *units):
        for unit in units:
            make_equipment(unit, equipment_code(next(self.next_code)), category="5110")

    def written(self) -> dict:
        """What a refresh wrote, without ids or times: hazards by (unit, device, description), gaps by (unit, key)."""
        hazards = {
            hazard.pk: (hazard.organization_id, hazard.equipment_id, hazard.description)
            for hazard in Hazard.objects.filter(source="system")
        }
        gaps = {gap.pk: (gap.organization_id, gap.key) for gap in ComplianceGap.objects.all()}
        excluded = {"id", "created_at", "updated_at", "found_at"}
        hazard_rows = sorted(
            tuple(
                (f.name, repr(f.value_from_object(hazard)))
                for f in Hazard._meta.concrete_fields
                if f.name not in excluded
            )
            for hazard in Hazard.objects.filter(source="system")
        )
        events = []
        for event in Event.objects.filter(type__in=["hazard.reported", "compliance.refreshed"]):
            data = dict(event.data)
            if "compliance_gap" in data:
                data["compliance_gap"] = gaps[data["compliance_gap"]]
            subject = hazards.get(int(event.object_id)) if event.object_id else None
            events.append(
                repr(
                    (
                        event.type,
                        event.outcome,
                        event.actor_id,
                        event.organization_id,
                        event.region_code,
                        event.object_type,
                        subject,
                        event.object_repr,
                        sorted(data.items()),
                    )
                )
            )
        notifications = []
        for notification in Notification.objects.filter(key__startswith="hazard:"):
            hazard_pk = int(notification.key.split(":")[1])
            notifications.append(
                repr(
                    (
                        notification.user_id,
                        notification.kind,
                        notification.key.replace(str(hazard_pk), "", 1),
                        notification.title,
                        notification.body,
                        notification.link.replace(str(hazard_pk), "", 1),
                        hazards[hazard_pk],
                    )
                )
            )
        gap_rows = sorted(
            (
                gap.organization_id,
                gap.region_id,
                gap.kind,
                gap.key,
                gap.message,
                gap.citation,
                gap.equipment_id,
                gap.person_id,
                hazards.get(gap.hazard_id),
                gap.closed_at is None,
            )
            for gap in ComplianceGap.objects.all()
        )
        counts = dict(Equipment.objects.values_list("pk", "open_hazards"))
        return {
            "hazards": hazard_rows,
            "events": sorted(events),
            "notifications": sorted(notifications),
            "gaps": gap_rows,
            "equipment_counts": counts,
        }

    def one_by_one(self) -> dict:
        """What refresh_unit writes unit by unit, rolled back afterwards."""
        with transaction.atomic():
            for unit in Organization.objects.filter(pk__in=[self.unit_a.pk, self.unit_b.pk, self.unit_c.pk]):
                compliance.refresh_unit(unit)
            written = self.written()
            transaction.set_rollback(True)
        return written

    def test_the_batch_writes_what_refreshing_unit_by_unit_writes(self):
        self.add_forklifts(self.unit_a, self.unit_a, self.unit_a, self.unit_b, self.unit_b)
        expected = self.one_by_one()
        self.assertEqual(len(expected["hazards"]), 5)
        self.assertGreaterEqual(len(expected["notifications"]), 10)  # at least the officer and director of each unit
        compliance.refresh_all()
        self.assertEqual(self.written(), expected)
        self.assertEqual(
            sorted(Equipment.objects.filter(open_hazards__gt=0).values_list("open_hazards", flat=True)), [1] * 5
        )

    def test_closing_and_reopening_in_a_batch_matches_too(self):
        self.add_forklifts(self.unit_a, self.unit_b)
        compliance.refresh_all()
        # A device leaves use (its gap closes), a new one arrives (a new gap and hazard).
        Equipment.objects.filter(organization=self.unit_a, category_id="5110").update(status="suspended")
        self.add_forklifts(self.unit_a)
        expected = self.one_by_one()
        compliance.refresh_all()
        self.assertEqual(self.written(), expected)

    def test_a_second_run_creates_nothing(self):
        self.add_forklifts(self.unit_a, self.unit_b, self.unit_b)
        compliance.refresh_all()
        before = (Hazard.objects.count(), Event.objects.count(), Notification.objects.count())
        gaps = ComplianceGap.objects.count()
        self.assertEqual(compliance.refresh_all(), {"opened": 0, "closed": 0, "units": 3})
        self.assertEqual(compliance.refresh_unit(self.unit_a), {"opened": 0, "closed": 0})
        self.assertEqual((Hazard.objects.count(), Event.objects.count(), Notification.objects.count()), before)
        self.assertEqual(ComplianceGap.objects.count(), gaps)
        self.assertEqual(Hazard.objects.filter(source="system").count(), 3)

    def queries_for(self, per_unit: int) -> int:
        with transaction.atomic():
            self.add_forklifts(*[self.unit_a] * per_unit, *[self.unit_b] * per_unit)
            with CaptureQueriesContext(connection) as queries:
                compliance.refresh_all()
            self.assertEqual(Hazard.objects.filter(source="system").count(), 2 * per_unit)
            transaction.set_rollback(True)
        return len(queries)

    def test_the_queries_of_a_batch_do_not_grow_with_its_gaps(self):
        self.assertEqual(self.queries_for(1), self.queries_for(5))


class LargeUnitRefreshTests(ComplianceTestCase):
    """A change to a unit of more than REFRESH_INLINE_MAX_EQUIPMENT devices queues the refresh as a background job
    instead of running it in the request; a smaller unit's refresh runs at the commit.  (Tests run Huey in immediate
    mode, so the queued job runs at once; what is checked is which path was taken and that the gaps end up the same.)"""

    def setUp(self):
        super().setUp()
        self.queued = []
        original = compliance.refresh_in_background

        def record(unit_id):
            self.queued.append(unit_id)
            original(unit_id)

        patcher = mock.patch.object(compliance, "refresh_in_background", side_effect=record)
        patcher.start()
        self.addCleanup(patcher.stop)

    def save_with_refresh(self):
        self.save_profile(power_station_boiler=True)

    def test_a_small_unit_is_refreshed_in_the_request(self):
        self.save_with_refresh()
        self.assertEqual(self.queued, [])
        self.assertOpen("staffing:manager")

    def test_a_large_unit_is_refreshed_by_a_background_job(self):
        make_equipment(self.unit_a, code=equipment_code(901))
        with mock.patch.object(compliance, "REFRESH_INLINE_MAX_EQUIPMENT", 1):
            self.save_with_refresh()
        self.assertEqual(self.queued, [self.unit_a.pk])
        self.assertOpen("staffing:manager")

    def test_a_deleted_device_does_not_count_towards_the_limit(self):
        device = make_equipment(self.unit_a, code=equipment_code(902))
        Equipment.objects.filter(pk=device.pk).update(deleted_at=NOW)
        with mock.patch.object(compliance, "REFRESH_INLINE_MAX_EQUIPMENT", 1):
            self.save_with_refresh()
        self.assertEqual(self.queued, [])
