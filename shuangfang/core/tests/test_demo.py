import hashlib
import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import date
from io import StringIO
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import TestCase

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core.demo import (
    DEMO_PASSWORD,
    DEMO_USERS,
    PROVINCE,
    SMALL,
    organization_code_check,
    serial_text,
    sizes_for_scale,
)
from shuangfang.core.models import Event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.equipment import rules
from shuangfang.equipment.choices import EquipmentStatus, InspectionState
from shuangfang.equipment.models import Equipment, OperatorCertificate, PeriodicInspection
from shuangfang.hazards.models import Hazard, InvestigationTask
from shuangfang.notifications.models import Notification
from shuangfang.orgs.models import Organization, Region
from shuangfang.orgs.uscc import is_valid_uscc
from shuangfang.safety.compliance import refresh_all
from shuangfang.safety.models import (
    Appointment,
    ComplianceGap,
    Drill,
    Exam,
    ExamAttempt,
    MajorHazardSource,
    OperatorAssignment,
    Reading,
    SafetyDocument,
    SafetyProfile,
    TrainingSession,
)
from shuangfang.safety.rules import ORDER_74_CATEGORIES, ORDER_74_EFFECTIVE
from shuangfang.safety.selectors import current_appointments
from shuangfang.supervision.models import (
    Accident,
    BlacklistEntry,
    EnforcementInspection,
    EnforcementOrder,
    Evaluation,
    Grid,
    RandomInspectionPlan,
    RegionalAssessment,
    UnitClass,
)
from shuangfang.supervision.random_plans import items_as_drawn, redraw
from shuangfang.supervision.tracing import build_report

TODAY = date(2026, 11, 15)


def run_demo(*extra: str, seed: int | None = None) -> str:
    out = StringIO()
    arguments = ["--scale=0.05", f"--today={TODAY}", *extra]
    if seed is not None:
        arguments.append(f"--seed={seed}")
    call_command("demo", *arguments, stdout=out)
    return out.getvalue()


def digest_of_database() -> str:
    """What must not change between two runs: codes, dates and USCCs (ids and tokens may)."""
    digest = hashlib.sha256()
    equipment = Equipment.objects.order_by("code").values_list(
        "code", "registration_no", "manufactured_on", "commissioned_on", "last_inspected_on", "inspection_due_on",
        "status", "region_id", "organization__uscc", "inspection_agency__uscc",
    )  # fmt: skip
    inspections = PeriodicInspection.objects.order_by("equipment__code", "inspected_on").values_list(
        "equipment__code", "inspected_on", "conclusion", "next_due_on", "report_no"
    )
    organizations = Organization.objects.order_by("uscc").values_list("uscc", "name", "region_id", "kind")
    certificates = OperatorCertificate.objects.order_by("cert_no").values_list(
        "cert_no", "id_number", "item_id", "issued_on", "expires_on", "organization__uscc"
    )
    # The units' safety files and the compliance gaps they leave (rows made through the services, in a fixed order).
    appointments = Appointment.objects.order_by(
        "organization__uscc", "role", "starts_on", "person__username"
    ).values_list("organization__uscc", "person__username", "role", "equipment_categories", "starts_on", "ends_on")
    documents = SafetyDocument.objects.order_by("organization__uscc", "kind", "equipment_category", "version_no")
    documents = documents.values_list("organization__uscc", "kind", "equipment_category", "version_no", "effective_on")
    assignments = OperatorAssignment.objects.order_by("equipment__code", "certificate__cert_no").values_list(
        "equipment__code", "certificate__cert_no", "assigned_on"
    )
    readings = Reading.objects.order_by("point__name", "measured_at").values_list(
        "point__name", "value", "out_of_bounds"
    )
    attempts = ExamAttempt.objects.order_by("exam__title", "candidate__username").values_list(
        "exam__title", "candidate__username", "status", "score"
    )
    gaps = ComplianceGap.objects.filter(closed_at__isnull=True).order_by("organization__uscc", "kind", "message")
    gaps = gaps.values_list("organization__uscc", "kind", "message", "equipment__code", "hazard__description")
    safety_files = (appointments, documents, assignments, readings, attempts, gaps)
    # The regulators' side: grids, the accident and its listing, evaluations, orders, classes, the plan, the assessment.
    grids = [
        (grid.name, sorted(grid.units.values_list("uscc", flat=True)), sorted(grid.inspectors.values_list("username")))
        for grid in Grid.objects.order_by("name")
    ]
    accidents = Accident.objects.order_by("equipment__code").values_list(
        "organization__uscc", "equipment__code", "occurred_at", "accident_type", "description"
    )
    entries = BlacklistEntry.objects.order_by("organization__uscc", "reason").values_list(
        "organization__uscc", "reason", "listed_on", "until", "status", "accident__equipment__code"
    )
    evaluations = Evaluation.objects.order_by("organization__uscc", "kind").values_list(
        "organization__uscc", "kind", "year", "score", "vetoes"
    )
    orders = EnforcementOrder.objects.order_by("unit__uscc", "deadline").values_list(
        "unit__uscc", "content", "deadline", "stop_use"
    )
    classes = UnitClass.objects.order_by("organization__uscc").values_list(
        "organization__uscc", "supervision_class", "score"
    )
    plans = [
        (plan.title, plan.seed, sorted(plan.items.values_list("unit__uscc", "supervision_class")))
        for plan in RandomInspectionPlan.objects.order_by("title")
    ]
    assessments = RegionalAssessment.objects.order_by("region_id").values_list("region_id", "score", "rank")
    supervision = (grids, accidents, entries, evaluations, orders, classes, plans, assessments)
    for rows in (equipment, inspections, organizations, certificates, *safety_files, *supervision):
        for row in rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()


class Rollback(Exception):
    pass


class DemoDeterminismTests(TestCase):
    def generate_and_digest(self, seed: int | None = None) -> str:
        """Generate on the empty test database, take the digest, and roll everything back."""
        try:
            with transaction.atomic():
                run_demo(seed=seed)
                digest = digest_of_database()
                raise Rollback
        except Rollback:
            pass
        self.assertFalse(Organization.objects.exists())
        return digest

    def test_two_runs_on_empty_databases_give_the_same_rows(self):
        first = self.generate_and_digest()
        second = self.generate_and_digest()
        self.assertEqual(first, second)
        self.assertNotEqual(first, self.generate_and_digest(seed=7), "another seed must give other rows")


class DemoProvinceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = run_demo()
        cls.unit = Organization.objects.get(users__username="unit_admin")

    def test_sizes_and_counts(self):
        shanxi_counties = Region.objects.filter(code__startswith="14", level="county").count()
        self.assertEqual(shanxi_counties, 117)
        self.assertEqual(Organization.objects.filter(kind="regulator").count(), 1 + 11 + shanxi_counties)
        self.assertEqual(Organization.objects.filter(kind="use_unit").count(), 10)
        self.assertEqual(Organization.objects.filter(kind="inspection_agency").count(), 2)
        self.assertEqual(Organization.objects.filter(kind="maintenance_unit").count(), 1)
        self.assertEqual(Equipment.objects.count(), 100)
        self.assertTrue(150 <= PeriodicInspection.objects.count() <= 250, PeriodicInspection.objects.count())
        self.assertTrue(30 <= OperatorCertificate.objects.count() <= 200, OperatorCertificate.objects.count())
        self.assertIn("county_zezhou", self.output)
        self.assertIn(DEMO_PASSWORD, self.output)

    def test_regulator_tree_follows_the_region_table(self):
        province = Organization.objects.get(jurisdiction_id="140000")
        self.assertEqual(province.name, "山西省市场监督管理局")
        cities = Organization.objects.filter(kind="regulator", jurisdiction__level="city")
        self.assertEqual(
            sorted(cities.values_list("jurisdiction_id", flat=True)),
            sorted(Region.objects.filter(code__startswith="14", level="city").values_list("code", flat=True)),
        )
        self.assertEqual(Organization.objects.get(jurisdiction_id="140525").name, "泽州县市场监督管理局")

    def test_every_uscc_is_valid_and_unique(self):
        codes = list(Organization.objects.values_list("uscc", flat=True))
        self.assertEqual(len(codes), len(set(codes)))
        self.assertEqual([code for code in codes if not is_valid_uscc(code)], [])
        for code in codes:
            self.assertEqual(organization_code_check(code[8:16]), code[16], code)

    def test_equipment_sits_in_a_shanxi_county_of_its_unit(self):
        for equipment in Equipment.objects.select_related("region", "organization__region", "inspection_agency"):
            self.assertEqual(equipment.region.level, "county")
            self.assertTrue(equipment.region_id.startswith("14"))
            self.assertTrue(equipment.region_id.startswith(equipment.organization.region.prefix))
            self.assertEqual(equipment.organization.kind, "use_unit")
            self.assertEqual(equipment.inspection_agency.kind, "inspection_agency")
            self.assertEqual(len(equipment.code), 18)
            self.assertTrue(equipment.code.startswith(equipment.category_id))
            self.assertIn("晋", equipment.registration_no)
            self.assertLess(equipment.manufactured_on, equipment.commissioned_on)
            self.assertLessEqual(equipment.commissioned_on, TODAY)

    def test_equipment_dates_follow_the_latest_inspection_and_the_rules(self):
        for equipment in Equipment.objects.prefetch_related("inspections"):
            inspections = sorted(equipment.inspections.all(), key=lambda inspection: inspection.inspected_on)
            if not inspections:
                self.assertIsNone(equipment.last_inspected_on)
                self.assertIsNone(equipment.inspection_due_on)
                continue
            if equipment.status == EquipmentStatus.IN_USE:
                self.assertLessEqual(len(inspections), 3)
            latest = inspections[-1]
            self.assertEqual(equipment.last_inspected_on, latest.inspected_on)
            self.assertEqual(equipment.inspection_due_on, latest.next_due_on)
            for inspection in inspections:
                self.assertLessEqual(inspection.inspected_on, TODAY)
                self.assertGreaterEqual(inspection.inspected_on, equipment.commissioned_on)
                self.assertEqual(inspection.agency_id, equipment.inspection_agency_id)
                self.assertEqual(inspection.region_id, equipment.region_id)
                expected = rules.compute_next_due(
                    category=equipment.category_id,
                    inspected_on=inspection.inspected_on,
                    commissioned_on=equipment.commissioned_on,
                    conclusion=inspection.conclusion,
                    safety_grade=inspection.safety_grade,
                    region_code=equipment.region_id,
                    overrides=settings.INSPECTION_INTERVAL_OVERRIDES,
                )
                self.assertEqual(inspection.next_due_on, expected.due_on, equipment.code)
                if inspection.conclusion in rules.FAILED_CONCLUSIONS:
                    self.assertIsNone(inspection.next_due_on)
                    self.assertTrue(inspection.findings)

    def test_inspection_states_are_spread(self):
        in_use = Equipment.objects.filter(status=EquipmentStatus.IN_USE)
        for state in (InspectionState.OVERDUE, InspectionState.DUE_SOON, InspectionState.VALID):
            self.assertTrue(in_use.in_inspection_state(state, today=TODAY).exists(), state)
        valid = in_use.in_inspection_state(InspectionState.VALID, today=TODAY).count()
        self.assertGreater(valid, in_use.count() * 0.6)
        failed = PeriodicInspection.objects.filter(conclusion__in=rules.FAILED_CONCLUSIONS, next_due_on=None)
        self.assertTrue(failed.exists())

    def test_demo_accounts_have_their_roles_and_scopes(self):
        for username, role, _where in DEMO_USERS:
            user = User.objects.get(username=username)
            self.assertEqual(user.roles, [role], username)
        self.assertTrue(User.objects.get(username="unit_officer").check_password(DEMO_PASSWORD))
        expected_regulators = {"province": "14", "city_jincheng": "1405", "county_zezhou": "140525"}
        for username, prefix in expected_regulators.items():
            for suffix in ("", "_admin", "_leader"):
                scope = scope_of(User.objects.get(username=username + suffix))
                self.assertEqual((scope.kind, scope.region_prefix), (ScopeKind.REGULATOR, prefix), username + suffix)
        self.assertEqual(self.unit.region_id, "140525")
        for username in ("unit_principal", "unit_director", "unit_officer", "unit_officer2", "unit_operator",
                         "unit_admin"):  # fmt: skip
            scope = scope_of(User.objects.get(username=username))
            self.assertEqual((scope.kind, scope.organization_id), (ScopeKind.UNIT, self.unit.pk))
        agency_user = User.objects.get(username="agency")
        self.assertEqual(scope_of(agency_user).kind, ScopeKind.AGENCY)
        self.assertEqual(agency_user.roles, [Role.AGENCY_INSPECTOR])
        self.assertTrue(agency_user.organization.region_id.startswith("1405"))
        # The Jincheng branch is engaged for every equipment of the city, and for nothing else.
        jincheng = Equipment.objects.filter(region__code__startswith="1405")
        self.assertEqual(set(Equipment.objects.visible_to(agency_user)), set(jincheng))
        for username in ("sysadmin", "secadmin", "auditadmin"):
            self.assertEqual(scope_of(User.objects.get(username=username)).kind, ScopeKind.PLATFORM)

    def test_every_other_unit_has_an_administrator(self):
        for organization in Organization.objects.filter(kind__in=["use_unit", "maintenance_unit"]):
            roles = [user.roles for user in User.objects.filter(organization=organization)]
            self.assertEqual(sum(1 for user_roles in roles if Role.ORG_ADMIN in user_roles), 1, organization.name)

    def test_demo_unit_shows_every_inspection_state_and_linked_certificates(self):
        equipment = Equipment.objects.filter(organization=self.unit)
        self.assertGreaterEqual(equipment.count(), 5)
        for state in (InspectionState.OVERDUE, InspectionState.DUE_SOON, InspectionState.VALID):
            self.assertTrue(equipment.in_inspection_state(state, today=TODAY).exists(), state)
        holders = OperatorCertificate.objects.filter(organization=self.unit, holder__isnull=False)
        self.assertEqual(
            sorted(holders.values_list("holder__username", flat=True)),
            ["unit_director", "unit_officer", "unit_operator"],
        )

    def test_certificates_match_the_units_equipment(self):
        categories_by_unit = {}
        for organization_id, category in Equipment.objects.values_list("organization_id", "category_id"):
            categories_by_unit.setdefault(organization_id, set()).add(category[0])
        for certificate in OperatorCertificate.objects.select_related("item", "organization"):
            self.assertEqual(certificate.region_id, certificate.organization.region_id)
            self.assertEqual(certificate.expires_on.year - certificate.issued_on.year, 4)
            if certificate.item_id in ("A", "T"):
                continue
            owned = categories_by_unit.get(certificate.organization_id, set())
            self.assertIn(certificate.item.equipment_category[0], owned, certificate.item_id)
        self.assertTrue(OperatorCertificate.objects.filter(expires_on__lt=TODAY).exists())

    def test_one_event_summarises_the_generation_after_the_demo_unit_identifies_its_risks_and_hazards(self):
        events = list(Event.objects.all())
        types = [event.type for event in events]
        self.assertEqual(types[0], "risk.templates_applied")
        self.assertEqual(types[-1], "demo.generated")
        self.assertEqual(types.count("demo.generated"), 1)
        summary = events[-1].data["counts"]
        self.assertEqual(summary["equipment"], 100)
        self.assertEqual(summary["risks"], len(events[0].data["risks"]))
        self.assertGreater(summary["risks"], 0)
        # The hazards were made through the services: each has its events, and the summary counts them.
        self.assertEqual(summary["hazards"], Hazard.objects.count())
        self.assertEqual(types.count("hazard.reported"), Hazard.objects.count())
        for step in ("hazard.confirmed", "hazard.rectification_submitted", "hazard.closed", "listing.created"):
            self.assertIn(step, types)
        self.assertEqual(summary["compliance_gaps"], ComplianceGap.objects.filter(closed_at__isnull=True).count())
        self.assertEqual(summary["hazards_system"], Hazard.objects.filter(source="system").count())
        self.assertGreater(summary["safety_records"], 50)
        self.assertEqual(types.count("safety.appointed"), Appointment.objects.count())

    def test_the_demo_unit_has_a_hazard_at_every_step_and_a_listed_major_one(self):
        statuses = set(Hazard.objects.filter(organization=self.unit).values_list("status", flat=True))
        self.assertEqual(statuses, {"reported", "rectifying", "awaiting_acceptance", "closed"})
        major = Hazard.objects.get(organization=self.unit, grade="major", source="report")
        self.assertTrue(major.listings.filter(status="listed").exists())
        self.assertIsNotNone(major.reported_to_regulator_at)
        self.assertEqual(major.equipment.open_major_hazards, 1)
        self.assertTrue(InvestigationTask.objects.filter(organization=self.unit, kind="daily").exists())

    def test_the_demo_unit_keeps_its_safety_management_file(self):
        profile = SafetyProfile.objects.get(organization=self.unit)
        self.assertTrue(profile.has_body)
        self.assertIsNotNone(profile.body_document_id)
        in_use = Equipment.objects.filter(organization=self.unit, status=EquipmentStatus.IN_USE)
        categories = {code[0] + "000" for code in in_use.values_list("category_id", flat=True)}
        categories &= set(ORDER_74_CATEGORIES)
        self.assertGreaterEqual(len(categories), 4)
        # Appointed before today, each with its letter; the officers' split left an ended appointment on record.
        current = list(current_appointments(self.unit.pk, None, TODAY).select_related("person"))
        held = {(appointment.person.username, appointment.role) for appointment in current}
        for expected in (("unit_principal", "principal"), ("unit_director", "safety_director"),
                         ("unit_director", "safety_manager")):  # fmt: skip
            self.assertIn(expected, held)
        for category in categories:
            for role in ("safety_director", "safety_officer"):
                self.assertTrue(any(a.role == role and a.covers(category) for a in current), (role, category))
        for appointment in Appointment.objects.filter(organization=self.unit):
            self.assertLess(appointment.starts_on, TODAY)
            self.assertIsNotNone(appointment.document_id)
        self.assertTrue(Appointment.objects.filter(organization=self.unit, ends_on__isnull=False).exists())
        self.assertEqual(User.objects.get(username="unit_officer2").roles, ["safety_officer"])
        # Versioned documents, one older than Order 74.
        documents = SafetyDocument.objects.filter(organization=self.unit)
        self.assertEqual(documents.filter(kind="management_rules").count(), 2)
        self.assertTrue(documents.filter(kind="director_duties", effective_on__lt=ORDER_74_EFFECTIVE).exists())
        # Training with its attendees, drills with photos.
        sessions = TrainingSession.objects.filter(organization=self.unit)
        self.assertEqual(sessions.count(), 3)
        for session in sessions:
            self.assertTrue(session.attendees.exists())
            self.assertEqual(set(session.attendees.values_list("organization_id", flat=True)), {self.unit.pk})
        self.assertTrue(Drill.objects.filter(organization=self.unit, photos__isnull=False).exists())
        # Operators on the devices that need them; one forklift left without.
        self.assertGreater(OperatorAssignment.objects.filter(organization=self.unit, ended_on__isnull=True).count(), 5)
        # A major hazard source: two points, a week of readings, one out of bounds raising an investigation and a hazard.
        source = MajorHazardSource.objects.get(organization=self.unit)
        self.assertEqual(source.points.count(), 2)
        readings = Reading.objects.filter(point__source=source)
        self.assertEqual(readings.count(), 2 * 7 * 2)
        excursion = readings.get(out_of_bounds=True)
        self.assertEqual(excursion.hazard.source, "system")
        self.assertEqual(excursion.task.kind, "control_failure")
        self.assertEqual(readings.filter(hazard__isnull=False).count(), 1)
        self.assertLess(excursion.measured_at.date(), TODAY)

    def test_the_gaps_are_computed_and_of_several_kinds(self):
        def open_kinds(organization):
            gaps = ComplianceGap.objects.filter(organization=organization, closed_at__isnull=True)
            return set(gaps.values_list("kind", flat=True))

        self.assertLessEqual({"document", "emergency_plan", "drill", "operator"}, open_kinds(self.unit))
        small = Organization.objects.get(users__username="small_principal")
        self.assertLessEqual({"appointment", "staffing", "document", "training"}, open_kinds(small))
        gaps = ComplianceGap.objects.filter(organization=self.unit, closed_at__isnull=True)
        self.assertTrue(gaps.filter(kind="document", message__contains="早于").exists())
        self.assertTrue(gaps.filter(kind="drill", message__contains="逾期").exists())
        # The demo unit meets its staffing and appointment rules; every other unit, with no file yet, does not.
        self.assertFalse(gaps.filter(kind__in=["staffing", "appointment"]).exists())
        others = ComplianceGap.objects.exclude(organization__in=[self.unit, small]).filter(closed_at__isnull=True)
        self.assertTrue(others.filter(kind="appointment", key="appointment:principal").exists())

    def test_one_system_hazard_per_operator_gap_and_none_more_on_the_next_run(self):
        gaps = list(ComplianceGap.objects.filter(kind="operator", closed_at__isnull=True).select_related("hazard"))
        self.assertTrue(any(gap.organization_id == self.unit.pk for gap in gaps))
        for gap in gaps:
            self.assertEqual(gap.hazard.source, "system", gap.key)
            self.assertEqual(gap.hazard.equipment_id, gap.equipment_id)
            self.assertEqual(gap.hazard.organization_id, gap.organization_id)
        self.assertEqual(len({gap.hazard_id for gap in gaps}), len(gaps))
        registered = [
            event.data["compliance_gap"]
            for event in Event.objects.filter(type="hazard.reported")
            if "compliance_gap" in event.data
        ]
        self.assertEqual(sorted(registered), sorted(gap.pk for gap in gaps))
        hazards = Hazard.objects.count()
        self.assertEqual(refresh_all(TODAY).get("opened", 0), 0)
        self.assertEqual(Hazard.objects.count(), hazards)

    def test_a_small_micro_unit_signs_in(self):
        small = Organization.objects.get(users__username="small_principal")
        self.assertTrue(small.small_micro)
        self.assertEqual((small.kind, small.region_id), ("use_unit", "140525"))
        self.assertFalse(self.unit.small_micro)
        self.assertTrue(Equipment.objects.filter(organization=small, status=EquipmentStatus.IN_USE).exists())
        for username in ("small_principal", "small_officer"):
            self.assertIn(username, self.output)
            scope = scope_of(User.objects.get(username=username))
            self.assertEqual((scope.kind, scope.organization_id), (ScopeKind.UNIT, small.pk))
        held = {
            (a.person.username, a.role) for a in current_appointments(small.pk, None, TODAY).select_related("person")
        }
        self.assertEqual(held, {("small_principal", "principal"), ("small_officer", "safety_officer")})
        self.assertTrue(SafetyProfile.objects.filter(organization=small).exists())

    def test_the_county_spot_check_flags_the_failed_officer_to_the_unit(self):
        exam = Exam.objects.select_related("organization").get(kind="spot_check")
        self.assertEqual(exam.organization.jurisdiction_id, "140525")
        attempts = {attempt.candidate.username: attempt for attempt in exam.attempts.select_related("candidate")}
        self.assertTrue(attempts["unit_director"].passed)
        self.assertFalse(attempts["small_officer"].passed)
        self.assertEqual(attempts["unit_officer"].status, "assigned")  # still to sit, for the demo
        self.assertTrue(Notification.objects.filter(user__username="small_principal", kind="exam.failed").exists())
        self.assertTrue(
            ComplianceGap.objects.filter(
                kind="training", person__username="small_officer", closed_at__isnull=True
            ).exists()
        )
        unit_exam = Exam.objects.get(kind="unit", organization=self.unit)
        results = list(unit_exam.attempts.values_list("status", "passed"))
        self.assertEqual({status for status, _passed in results}, {"submitted"})
        self.assertIn(False, [passed for _status, passed in results])

    # -- the regulators' side ----------------------------------------------------------------------------------------

    def test_the_county_divides_its_units_into_two_grids_with_its_inspector(self):
        grids = list(Grid.objects.filter(region_id="140525").prefetch_related("units", "inspectors"))
        self.assertEqual(len(grids), 2)
        county_units = set(
            Organization.objects.filter(kind="use_unit", region_id="140525").values_list("pk", flat=True)
        )
        held = [{unit.pk for unit in grid.units.all()} for grid in grids]
        self.assertEqual(held[0] | held[1], county_units)
        self.assertFalse(held[0] & held[1])
        small = Organization.objects.get(users__username="small_principal")
        self.assertEqual({self.unit.pk in units for units in held}, {True, False})
        self.assertEqual({small.pk in units for units in held}, {True, False})
        for grid in grids:
            self.assertEqual(grid.organization.jurisdiction_id, "140525")
            self.assertEqual([person.username for person in grid.inspectors.all()], ["county_zezhou"])

    def test_an_accident_of_a_generated_unit_is_traced_and_puts_the_unit_on_the_public_blacklist(self):
        accident = Accident.objects.select_related("organization", "equipment", "recorded_by_organization").get()
        small = Organization.objects.get(users__username="small_principal")
        unit = accident.organization
        self.assertNotIn(unit.pk, (self.unit.pk, small.pk))
        self.assertEqual(accident.equipment.organization_id, unit.pk)
        self.assertEqual(accident.equipment.status, EquipmentStatus.IN_USE)
        self.assertTrue(unit.region_id.startswith(accident.recorded_by_organization.jurisdiction.prefix))
        days_ago = (TODAY - accident.occurred_at.date()).days
        self.assertTrue(60 <= days_ago <= 120, days_ago)
        # The reverse tracing builds over the twelve months before it, and finds what a unit without a file lacks.
        report = build_report(accident)
        self.assertEqual(report["accident"]["equipment_code"], accident.equipment.code)
        self.assertEqual(report["period"]["months"], 12)
        self.assertTrue(report["findings"])
        # Listed for it, linked, in force, and on the public list (no sign-in).
        entry = BlacklistEntry.objects.get(organization=unit)
        self.assertEqual((entry.reason, entry.status, entry.accident_id), ("accident", "active", accident.pk))
        self.assertGreater(entry.listed_on, accident.occurred_at.date())
        response = self.client.get("/api/v1/public/blacklist/")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        rows = body["results"] if isinstance(body, dict) else body
        self.assertEqual([(row["uscc"], row["reason"]) for row in rows], [(unit.uscc, "accident")])
        types = list(Event.objects.values_list("type", flat=True))
        self.assertEqual((types.count("accident.recorded"), types.count("blacklist.listed")), (1, 1))

    def test_the_demo_unit_is_evaluated_by_the_county_and_by_itself(self):
        evaluations = {evaluation.kind: evaluation for evaluation in Evaluation.objects.filter(organization=self.unit)}
        self.assertEqual(set(evaluations), {"self", "regulator"})
        county = evaluations["regulator"]
        self.assertEqual(county.evaluated_by.username, "county_zezhou")
        self.assertEqual(county.year, TODAY.year)
        self.assertGreaterEqual(county.score, 60)
        self.assertLess(county.score, evaluations["self"].score)
        # The records' veto items are kept with it: the listed major hazard, the overdue inspection.
        self.assertIn("unrectified_major_hazard", county.vetoes)
        self.assertEqual(Evaluation.objects.count(), 2)

    def test_an_enforcement_inspection_of_a_generated_unit_gives_ordinary_orders(self):
        inspection = EnforcementInspection.objects.select_related("unit").get()
        small = Organization.objects.get(users__username="small_principal")
        self.assertNotIn(inspection.unit_id, (self.unit.pk, small.pk))
        self.assertIn("finding", inspection.results.values())
        self.assertNotIn("finding", [inspection.results[code] for code in ("R2", "R3", "R4")])
        orders = list(inspection.orders.all())
        self.assertEqual(len(orders), 2)
        for order in orders:
            self.assertEqual(
                (order.status, order.stop_use, order.hazard_id, order.listing_id), ("issued", False, None, None)
            )
        self.assertEqual(
            set(inspection.inspectors.values_list("organization_id", flat=True)), {inspection.organization_id}
        )
        self.assertFalse(Hazard.objects.filter(source="regulator").exists())

    def test_every_unit_has_its_supervision_class(self):
        units = Organization.objects.filter(kind="use_unit")
        self.assertEqual(UnitClass.objects.count(), units.count())
        accident_unit = Accident.objects.get().organization
        facts = [fact["rule"] for fact in UnitClass.objects.get(organization=accident_unit).facts]
        self.assertTrue({"accident_12m", "blacklisted"} <= set(facts), facts)
        self.assertEqual(UnitClass.objects.get(organization=accident_unit).supervision_class, "D")
        summary = Event.objects.get(type="demo.generated").data["counts"]
        self.assertEqual(summary["unit_classes"], units.count())
        self.assertEqual(sum(summary[f"unit_classes_{klass}"] for klass in "ABCD"), units.count())

    def test_the_county_publishes_next_months_random_plan_drawn_from_the_seed(self):
        plan = RandomInspectionPlan.objects.get()
        self.assertEqual((plan.region_id, plan.organization.jurisdiction_id), ("140525", "140525"))
        self.assertEqual((plan.period_start, plan.period_end), (date(2026, 12, 1), date(2026, 12, 31)))
        self.assertIsNotNone(plan.published_at)
        self.assertEqual(plan.seed, 20260501)
        items = list(plan.items.select_related("unit"))
        self.assertTrue(items)
        self.assertEqual({item.unit.region_id for item in items}, {"140525"})
        self.assertEqual(redraw(plan), items_as_drawn(plan))
        classes = dict(UnitClass.objects.values_list("organization_id", "supervision_class"))
        for item in items:
            self.assertEqual(item.supervision_class, classes[item.unit_id])
            self.assertEqual(list(item.inspectors.values_list("username", flat=True)), ["county_zezhou"])

    def test_the_city_assesses_its_counties_for_the_year(self):
        rows = list(RegionalAssessment.objects.filter(year=TODAY.year).select_related("organization", "region"))
        self.assertTrue(rows)
        for row in rows:
            self.assertEqual(row.organization.jurisdiction_id, "140500")
            self.assertEqual(row.region.parent_id, "140500")
            self.assertEqual(set(row.indicators), {
                "coverage", "on_time_rectification", "overdue_inspection", "listing_closure", "daily_checks",
                "accidents",
            })  # fmt: skip
        self.assertEqual(min(row.rank for row in rows), 1)
        accident_region = Accident.objects.get().region_id
        by_region = {row.region_id: row for row in rows}
        if accident_region in by_region:
            self.assertEqual(by_region[accident_region].indicators["accidents"]["numerator"], 1)
        summary = Event.objects.get(type="demo.generated").data["counts"]
        self.assertEqual(summary["regional_assessments"], len(rows))

    def test_if_empty_on_a_filled_database_changes_nothing(self):
        before = (Organization.objects.count(), Equipment.objects.count(), User.objects.count(), Event.objects.count())
        output = run_demo("--if-empty")
        self.assertIn("已有单位数据", output)
        # make run prints the demo accounts on every start, not only the first.
        self.assertIn("county_zezhou", output)
        self.assertIn("Demo-2026-shuangfang", output)
        after = (Organization.objects.count(), Equipment.objects.count(), User.objects.count(), Event.objects.count())
        self.assertEqual(before, after)

    def test_without_if_empty_a_filled_database_is_refused(self):
        with self.assertRaisesMessage(CommandError, "已有单位数据"):
            run_demo()


class DemoLargeProvinceTests(TestCase):
    def test_beyond_the_service_size_failed_inspections_register_through_the_service_in_the_demo_county(self):
        with mock.patch("shuangfang.core.demo.SERVICE_HAZARDS_MAX_UNITS", 5):
            run_demo()
        failed = Hazard.objects.filter(inspection__isnull=False)
        self.assertTrue(failed.exists())
        self.assertEqual(set(failed.values_list("region_id", flat=True)), {"140525"})
        # Every unit's compliance gaps are computed whatever the size.
        gaps = ComplianceGap.objects.filter(closed_at__isnull=True)
        self.assertGreater(len(set(gaps.values_list("organization__region_id", flat=True))), 1)


class DemoCodesTests(TestCase):
    def test_scales(self):
        self.assertEqual(sizes_for_scale("small"), SMALL)
        self.assertEqual(sizes_for_scale("1"), SMALL)
        self.assertEqual(sizes_for_scale("province"), PROVINCE)
        tenth = sizes_for_scale("0.1")
        self.assertEqual((tenth.use_units, tenth.equipment, tenth.agencies), (20, 200, 2))
        self.assertEqual(sizes_for_scale("500").equipment, 1_000_000)
        for bad in ("0", "-1", "nan", "big"):
            with self.assertRaises(ValueError):
                sizes_for_scale(bad)

    def test_organization_code_check_character(self):
        # GB 11714 check characters of two published USCCs (positions 9–17).
        self.assertEqual(organization_code_check("70846113"), "6")  # 91440300708461136T
        self.assertEqual(organization_code_check("19220382"), "1")  # 914403001922038216

    def test_serials_switch_to_letters_after_99999(self):
        self.assertEqual(serial_text(7), "00007")
        self.assertEqual(serial_text(99_999), "99999")
        self.assertEqual(serial_text(100_000), "A0000")
        self.assertEqual(serial_text(110_001), "B0001")


class DemoOnAnUnmigratedDatabaseTests(TestCase):
    def test_the_command_says_to_migrate_first_and_writes_nothing(self):
        # A real run of the console command on a database file that has never been migrated.
        with tempfile.TemporaryDirectory() as scratch:
            database = Path(scratch) / "empty.sqlite3"
            environment = {
                **os.environ,
                "DATABASE_URL": f"sqlite:///{database}",
                "SHUANGFANG_VAR_DIR": scratch,
            }
            environment.pop("REDIS_URL", None)
            finished = subprocess.run(  # noqa: S603 — this interpreter, the project's own command
                [sys.executable, "-m", "shuangfang", "demo", "--scale", "0.01"],
                env=environment,
                capture_output=True,
                text=True,
                timeout=120,
            )
            self.assertEqual(finished.returncode, 1, finished.stderr)
            self.assertIn("数据库尚未迁移到当前版本：请先运行 shuangfang migrate", finished.stderr)
            self.assertNotIn("Traceback", finished.stderr)
            tables = sqlite3.connect(database).execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            self.assertNotIn(("orgs_organization",), tables)
