"""The scope matrix: every route of the API router, for every member of the cast.

Each router registration has an entry below saying what it serves (reference data, unit A's
scoped rows, or the change feed) and which of unit A's objects to probe.  The meta-test fails
when a registration is added without an entry, so no resource escapes these checks.  The same
file guards the list endpoints against queries per row, and the OpenAPI schema and docs.
"""

import os
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.drainage import reset_generator_stats
from rest_framework.test import APIClient

from shuangfang.accounts.models import User
from shuangfang.api_urls import router
from shuangfang.core.events import record_event
from shuangfang.core.models import Attachment, Event
from shuangfang.core.testing import CastTestCase, make_equipment, make_organization, make_user
from shuangfang.equipment.models import Equipment, OperatorCertificate, PeriodicInspection
from shuangfang.hazards import services as hazard_services
from shuangfang.hazards.models import CheckItem, Hazard, InvestigationPlan, InvestigationTask, Listing
from shuangfang.notifications.models import Notification
from shuangfang.orgs.models import Organization
from shuangfang.risks.models import Risk, RiskPoint, SitePlan
from shuangfang.risks.services import do_add_site_plan, do_create_risk, do_create_risk_point, point_for_equipment
from shuangfang.safety import services as safety_services
from shuangfang.safety.models import (
    Appointment,
    ComplianceGap,
    Drill,
    EmergencyPlan,
    Exam,
    ExamAttempt,
    MajorHazardSource,
    MonitoringPoint,
    OperatorAssignment,
    Question,
    Reading,
    SafetyDocument,
    SafetyProfile,
    TrainingPlan,
    TrainingSession,
    UnitLicence,
)
from shuangfang.supervision.assessment import do_run_assessment
from shuangfang.supervision.classes import compute_classes
from shuangfang.supervision.models import (
    Accident,
    BlacklistEntry,
    DemonstrationEnterprise,
    EnforcementInspection,
    EnforcementOrder,
    Evaluation,
    Grid,
    RandomInspectionPlan,
    RegionalAssessment,
    UnitClass,
)
from shuangfang.supervision.random_plans import do_create_random_plan
from shuangfang.supervision.services_accidents import do_record_accident
from shuangfang.supervision.services_blacklist import do_list_unit
from shuangfang.supervision.services_enforcement import do_record_inspection
from shuangfang.supervision.services_evaluation import do_evaluate
from shuangfang.supervision.services_grids import do_create_grid

# PERSONAL: rows of one user alone (the inbox), whatever the scope of anyone else.
# REGULATORY: the regulators' own working rows (grids): read by the regulators whose jurisdiction covers unit A, never by
# the unit itself.
REFERENCE, SCOPED, FEED, PERSONAL, REGULATORY = "reference", "scoped", "feed", "personal", "regulatory"
MISSING_PK = 987654321


@dataclass(frozen=True)
class Entry:
    kind: str
    model: type | None = None
    # Names of the cast's attributes holding unit A's objects served by this route.
    unit_a_objects: tuple[str, ...] = field(default_factory=tuple)


MATRIX = {
    "regions": Entry(REFERENCE),
    "catalog": Entry(REFERENCE),
    "industries": Entry(REFERENCE),
    "certificate-items": Entry(REFERENCE),
    "organizations": Entry(SCOPED, Organization, ("unit_a",)),
    "users": Entry(SCOPED, User, ("owner", "unit_admin", "principal", "member")),
    "equipment": Entry(SCOPED, Equipment, ("equipment_a",)),
    "periodic-inspections": Entry(SCOPED, PeriodicInspection, ("inspection_a",)),
    "certificates": Entry(SCOPED, OperatorCertificate, ("certificate_a",)),
    "attachments": Entry(SCOPED, Attachment, ("attachment_a",)),
    "risks": Entry(SCOPED, Risk, ("risk_a", "site_risk_a")),
    "risk-points": Entry(SCOPED, RiskPoint, ("risk_point_a", "site_point_a")),
    "site-plans": Entry(SCOPED, SitePlan, ("site_plan_a",)),
    # The template library is the same for everyone: reference data (its apply action is scoped by its body).
    "risk-templates": Entry(REFERENCE),
    "hazards": Entry(SCOPED, Hazard, ("hazard_a", "major_hazard_a")),
    "supervision/listings": Entry(SCOPED, Listing, ("listing_a",)),
    "investigation-plans": Entry(SCOPED, InvestigationPlan, ("plan_a",)),
    "investigation-tasks": Entry(SCOPED, InvestigationTask, ("task_a",)),
    "check-items": Entry(SCOPED, CheckItem, ("check_item_a",)),
    "events": Entry(FEED, Event),
    # The owner's own message: everyone else, unit A's people included, gets 404.
    "notifications": Entry(PERSONAL, Notification, ("notification_a",)),
    # The unit's safety management file (一企一档).
    "safety-profiles": Entry(SCOPED, SafetyProfile, ("safety_profile_a",)),
    "licences": Entry(SCOPED, UnitLicence, ("licence_a",)),
    "appointments": Entry(SCOPED, Appointment, ("appointment_a",)),
    "safety-documents": Entry(SCOPED, SafetyDocument, ("safety_document_a",)),
    "training-plans": Entry(SCOPED, TrainingPlan, ("training_plan_a",)),
    "training-sessions": Entry(SCOPED, TrainingSession, ("training_session_a",)),
    # Unit A's own question; the platform's questions are everyone's.
    "questions": Entry(SCOPED, Question, ("question_a",)),
    "exams": Entry(SCOPED, Exam, ("exam_a",)),
    "exam-attempts": Entry(SCOPED, ExamAttempt, ("attempt_a",)),
    "operator-assignments": Entry(SCOPED, OperatorAssignment, ("operator_assignment_a",)),
    "emergency-plans": Entry(SCOPED, EmergencyPlan, ("emergency_plan_a",)),
    "drills": Entry(SCOPED, Drill, ("drill_a",)),
    "hazard-sources": Entry(SCOPED, MajorHazardSource, ("hazard_source_a",)),
    "monitoring-points": Entry(SCOPED, MonitoringPoint, ("monitoring_point_a",)),
    "readings": Entry(SCOPED, Reading, ("reading_a",)),
    "compliance-gaps": Entry(SCOPED, ComplianceGap, ("compliance_gap_a",)),
    # An accident of unit A: its regulators and the unit itself read it and its reverse-tracing report.
    "supervision/accidents": Entry(SCOPED, Accident, ("accident_a",)),
    # Unit A on the blacklist: its regulators and the unit itself read the entry (the public list is outside the router).
    "supervision/blacklist": Entry(SCOPED, BlacklistEntry, ("blacklist_entry_a",)),
    # The grid of unit A's county holding unit A.
    "supervision/grids": Entry(REGULATORY, Grid, ("grid_a",)),
    # An enforcement inspection of unit A and its order: its regulators and the unit itself read them.
    "supervision/enforcement-inspections": Entry(SCOPED, EnforcementInspection, ("enforcement_inspection_a",)),
    "supervision/orders": Entry(SCOPED, EnforcementOrder, ("enforcement_order_a",)),
    # The city's annual assessment of unit A's county (考核): read by the regulators covering that county, never by units.
    "supervision/assessments": Entry(REGULATORY, RegionalAssessment, ("assessment_a",)),
    # The county's evaluation of unit A and unit A as a demonstration enterprise: its regulators and the unit read them.
    "supervision/evaluations": Entry(SCOPED, Evaluation, ("evaluation_a",)),
    "supervision/demonstration-enterprises": Entry(SCOPED, DemonstrationEnterprise, ("demonstration_a",)),
    # Unit A's supervision class (分类监管): its regulators and the unit itself read it.
    "supervision/classes": Entry(SCOPED, UnitClass, ("unit_class_a",)),
    # The county's random inspection plan (双随机) drawing unit A: the regulators' own, never read by units.
    "supervision/random-plans": Entry(REGULATORY, RandomInspectionPlan, ("random_plan_a",)),
}


def registrations():
    return [(prefix, viewset, basename) for prefix, viewset, basename in router.registry]


def serves(viewset, method_name: str) -> bool:
    return hasattr(viewset, method_name)


def patchable(viewset) -> bool:
    return serves(viewset, "partial_update") and "patch" in viewset.http_method_names


def detail_actions(viewset):
    return [action for action in viewset.get_extra_actions() if action.detail]


def list_actions(viewset):
    return [action for action in viewset.get_extra_actions() if not action.detail]


class UnitAObjectsMixin:
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.inspection_a = PeriodicInspection.objects.create(
            equipment=cls.equipment_a,
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            agency=cls.agency,
            inspected_on=date(2025, 5, 1),
            conclusion="pass",
            next_due_on=date(2026, 12, 31),
            recorded_by=cls.agency_user,
        )
        cls.certificate_a = OperatorCertificate.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            holder_name="张三",
            id_number="140525199001011234",
            item_id="N1",
            cert_no="N1-A-1",
            issued_on=date(2024, 1, 1),
            expires_on=date(2028, 1, 1),
        )
        # The row alone: the matrix reads its detail, never its file.
        cls.attachment_a = Attachment.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            file="attachments/matrix.png",
            sha256="0" * 64,
            content_type="image/png",
            size=1,
            uploaded_by=cls.owner,
        )
        cls.site_plan_a = do_add_site_plan(actor=cls.owner, name="一号厂区", image=cls.attachment_a)
        cls.risk_point_a = point_for_equipment(cls.equipment_a)
        cls.site_point_a = do_create_risk_point(actor=cls.owner, data={"kind": "site", "name": "叉车作业区"})
        low_risk = {
            "title": "层门",
            "hazard_source": "层门门锁失效",
            "method": "ls",
            "factors": {"L": 2, "S": 3},
            "control_level": "post",
            "owner": cls.owner,
            "measures": [{"kind": "management", "text": "每日巡查层门", "check": True}],
        }
        cls.risk_a = do_create_risk(actor=cls.owner, point=cls.risk_point_a, data=low_risk)
        cls.site_risk_a = do_create_risk(
            actor=cls.owner, point=cls.site_point_a, data={**low_risk, "title": "车辆伤害"}
        )
        cls.equipment_a.refresh_from_db()
        record_event("test.unit_a", actor=cls.owner, obj=cls.equipment_a)
        cls.hazard_a = hazard_services.do_report_hazard(
            actor=cls.member, equipment=cls.equipment_a, description="层门关闭后可被扒开"
        )
        cls.major_hazard_a = hazard_services.do_report_hazard(
            actor=cls.member, equipment=cls.equipment_a, description="门锁安全回路被短接", clauses=["4.6b"]
        )
        cls.listing_a = hazard_services.do_list_hazard(
            actor=cls.county_inspector,
            hazard=cls.major_hazard_a,
            level="county",
            deadline=timezone.localdate() + timedelta(days=30),
        )
        cls.plan_a = InvestigationPlan.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            kind="comprehensive",
            title="综合性排查",
            cycle="once",
            assignee_role="safety_officer",
            starts_on=date(2026, 1, 1),
            due_on=date(2026, 1, 31),
            created_by=cls.owner,
        )
        cls.task_a = InvestigationTask.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            plan=cls.plan_a,
            kind="comprehensive",
            title="综合性排查 2026-01",
            period_start=date(2026, 1, 1),
            due_on=date(2026, 1, 31),
            assignee_role="safety_officer",
        )
        cls.check_item_a = CheckItem.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            catalog_prefix="3100",
            text="轿厢应急照明有效",
            created_by=cls.owner,
        )
        cls.notification_a = Notification.objects.create(user=cls.owner, kind="test", key="matrix", title="矩阵")
        cls.add_safety_file_of_unit_a()
        cls.accident_a = cls.record_accident_of_unit_a()
        cls.blacklist_entry_a = do_list_unit(
            actor=cls.county_inspector,
            organization=cls.unit_a,
            reason="accident",
            detail="层门坠落",
            accident=cls.accident_a,
        )
        cls.grid_a = do_create_grid(
            actor=cls.county_admin, name="城区网格", units=[cls.unit_a], inspectors=[cls.county_inspector]
        )
        cls.enforcement_inspection_a = cls.inspect_unit_a()
        cls.enforcement_order_a = cls.enforcement_inspection_a.orders.get()
        do_run_assessment(actor=make_user("city_leader", cls.city, "regulator_leader"), year=timezone.localdate().year)
        cls.assessment_a = RegionalAssessment.objects.get(region_id=cls.unit_a.region_id)
        cls.evaluation_a = cls.evaluate_unit_a()
        # Unit A's open major hazard vetoes a nomination by the service: the row is written directly.
        cls.demonstration_a = DemonstrationEnterprise.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            city_id="140500",
            equipment_category="3000",
            year=cls.evaluation_a.year,
            evaluation=cls.evaluation_a,
            nominated_by=cls.city_inspector,
            nominated_by_organization=cls.city,
        )
        compute_classes()
        cls.unit_class_a = UnitClass.objects.get(organization=cls.unit_a)
        cls.random_plan_a = do_create_random_plan(
            actor=cls.county_inspector,
            title="双随机抽查计划",
            period_start=date(2026, 7, 1),
            period_end=date(2026, 9, 30),
            ratios={"A": 5, "B": 20, "C": 60, "D": 100},
            seed=1,
        )

    @classmethod
    def evaluate_unit_a(cls):
        from shuangfang.supervision.rules_evaluation import EVALUATION_ITEMS

        return do_evaluate(
            actor=cls.county_inspector,
            organization=cls.unit_a,
            year=None,
            scores={item.code: item.points for item in EVALUATION_ITEMS},
        )

    @classmethod
    def inspect_unit_a(cls, content="补齐周排查报告"):
        """An enforcement inspection of unit A with one plain order (no finding under the one-action rule)."""
        from shuangfang.supervision.rules_enforcement import ENFORCEMENT_CHECKLIST

        return do_record_inspection(
            actor=cls.county_inspector,
            unit=cls.unit_a,
            inspected_on=None,
            results={item.code: "ok" for item in ENFORCEMENT_CHECKLIST},
            orders=[{"content": content, "deadline": timezone.localdate() + timedelta(days=30)}],
        )

    @classmethod
    def record_accident_of_unit_a(cls, description="层门坠落"):
        return do_record_accident(
            actor=cls.county_inspector,
            organization=cls.unit_a,
            equipment=cls.equipment_a,
            occurred_at=timezone.now() - timedelta(days=1),
            accident_type="04",
            severity="general",
            description=description,
        )

    @classmethod
    def add_safety_file_of_unit_a(cls):
        """One row of each kind of unit A's safety management file, made by its services."""
        unit, owner, today = cls.unit_a, cls.owner, timezone.localdate()
        cls.safety_profile_a = safety_services.do_save_profile(
            actor=owner,
            organization=unit,
            changes={"body_name": "安全管理科", "body_established_on": date(2024, 1, 1)},
            version=1,
        )
        cls.licence_a = safety_services.do_record_licence(
            actor=owner,
            organization=unit,
            kind="other",
            number="JY14052500001",
            issued_on=date(2024, 1, 1),
            expires_on=date(2029, 1, 1),
        )
        cls.appointment_a = safety_services.do_appoint(
            actor=owner, organization=unit, person=cls.principal, role="principal", starts_on=date(2025, 1, 1)
        )
        cls.safety_document_a = safety_services.do_upload_document(
            actor=owner,
            organization=unit,
            kind="management_rules",
            title="特种设备安全管理制度",
            effective_on=date(2025, 1, 1),
            attachment=cls.attachment_a,
        )
        cls.training_plan_a = safety_services.do_create_training_plan(
            actor=owner, organization=unit, year=2026, title="年度培训计划"
        )
        cls.training_session_a = safety_services.do_record_training(
            actor=owner,
            organization=unit,
            topic="电梯安全操作",
            held_on=today - timedelta(days=7),
            hours=2,
            trainer="张工",
            attendees=[cls.member],
            plan=cls.training_plan_a,
        )
        cls.question_a = safety_services.do_add_question(
            actor=owner,
            organization=unit,
            kind="single",
            text="层门打不开时应当？",
            options=["停梯报修", "扒门"],
            answer=[0],
        )
        cls.exam_a = safety_services.do_create_exam(
            actor=owner,
            title="作业人员考试",
            roles=["operator"],
            question_count=1,
            opens_on=today,
            closes_on=today + timedelta(days=7),
            seed=1,
        )
        cls.attempt_a = cls.exam_a.attempts.get()
        cls.operator_assignment_a = safety_services.do_assign_operator(
            actor=owner, equipment=cls.equipment_a, certificate=cls.certificate_a, assigned_on=date(2025, 1, 1)
        )
        cls.emergency_plan_a = safety_services.do_record_emergency_plan(
            actor=owner, organization=unit, title="电梯困人应急专项预案", approved_on=date(2025, 1, 1), kind="special"
        )
        cls.drill_a = safety_services.do_record_drill(
            actor=owner, organization=unit, held_on=today - timedelta(days=30), scenario="电梯困人救援"
        )
        cls.hazard_source_a = safety_services.do_create_hazard_source(
            actor=owner, organization=unit, name="液氨储罐区", grade="3"
        )
        cls.monitoring_point_a = safety_services.do_add_monitoring_point(
            actor=owner,
            source=cls.hazard_source_a,
            name="1 号罐压力",
            quantity="压力",
            unit_of_measure="MPa",
            high=Decimal("1.6"),
        )
        cls.reading_a = safety_services.do_record_reading(actor=owner, point=cls.monitoring_point_a, value="1.2")
        cls.compliance_gap_a = ComplianceGap.objects.create(
            organization=unit,
            region_id=unit.region_id,
            kind="document",
            key="document:post_responsibilities:unit",
            message="缺少《岗位责任制度》。",
            citation="《特种设备安全法》第三十四条",
            opened_at=timezone.now(),
        )


class RouterCoverageTests(CastTestCase):
    def test_every_router_registration_has_a_matrix_entry(self):
        registered = {prefix for prefix, _, _ in registrations()}
        self.assertEqual(
            registered - set(MATRIX), set(), "router registrations with no scope-matrix entry: add them to MATRIX"
        )
        self.assertEqual(set(MATRIX) - registered, set(), "matrix entries for routes that no longer exist")

    def test_scoped_entries_name_their_model_and_objects(self):
        for prefix, viewset, _ in registrations():
            entry = MATRIX[prefix]
            with self.subTest(prefix=prefix):
                if entry.kind in (SCOPED, PERSONAL, REGULATORY):
                    self.assertTrue(entry.unit_a_objects)
                    self.assertEqual(getattr(viewset, "model", None), entry.model)
                if entry.kind == REFERENCE:
                    self.assertFalse(serves(viewset, "create") or serves(viewset, "partial_update"))


class ScopeMatrixTests(UnitAObjectsMixin, CastTestCase):
    def objects_of(self, entry):
        return [getattr(self, name) for name in entry.unit_a_objects]

    def scoped(self):
        for prefix, viewset, basename in registrations():
            entry = MATRIX[prefix]
            if entry.kind in (SCOPED, REGULATORY):
                yield prefix, viewset, basename, entry

    def insiders_of(self, entry):
        """Who reads unit A's rows of this route: for the regulators' own rows, the regulators among the insiders."""
        insiders = self.insiders_of_unit_a()
        if entry.kind == REGULATORY:
            return [user for user in insiders if user.organization.kind == "regulator"]
        return insiders

    def test_outsiders_get_404_on_every_detail_url_of_unit_a(self):
        for _prefix, viewset, basename, entry in self.scoped():
            for obj in self.objects_of(entry):
                url = reverse(f"{basename}-detail", kwargs={"pk": obj.pk})
                missing = reverse(f"{basename}-detail", kwargs={"pk": MISSING_PK})
                for user in self.outsiders_of_unit_a():
                    client = self.api(user)
                    with self.subTest(url=url, user=user.username, method="GET"):
                        self.assertEqual(client.get(url).status_code, 404)
                    with self.subTest(url=url, user=user.username, method="PATCH"):
                        response = client.patch(url, {"version": obj.version}, format="json")
                        if patchable(viewset):
                            self.assertEqual(response.status_code, 404)
                        else:
                            # No PATCH on this resource at all: the same answer as for an id that does not exist.
                            self.assertEqual(response.status_code, 405)
                            self.assertEqual(client.patch(missing, {}, format="json").status_code, 405)
                    for action in detail_actions(viewset):
                        action_url = reverse(f"{basename}-{action.url_name}", kwargs={"pk": obj.pk})
                        for method in action.mapping:
                            with self.subTest(url=action_url, user=user.username, method=method):
                                response = getattr(client, method)(
                                    action_url, {"version": 1, "reason": "x"}, format="json"
                                )
                                self.assertEqual(response.status_code, 404)
        self.equipment_a.refresh_from_db()
        self.assertEqual((self.equipment_a.status, self.equipment_a.version), ("in_use", 1))

    def test_personal_rows_are_their_addressees_alone(self):
        everyone = [
            *self.insiders_of_unit_a(),
            *self.outsiders_of_unit_a(),
            self.unit_admin,
            self.principal,
            self.agency_user,
            self.system_admin,
            self.security_admin,
            self.audit_admin,
        ]
        for prefix, viewset, basename in registrations():
            entry = MATRIX[prefix]
            if entry.kind != PERSONAL:
                continue
            for obj in self.objects_of(entry):
                url = reverse(f"{basename}-detail", kwargs={"pk": obj.pk})
                self.assertEqual(self.api(obj.user).get(url).status_code, 200)
                for user in everyone:
                    if user.pk == obj.user_id:
                        continue
                    client = self.api(user)
                    with self.subTest(url=url, user=user.username):
                        self.assertEqual(client.get(url).status_code, 404)
                    for action in detail_actions(viewset):
                        action_url = reverse(f"{basename}-{action.url_name}", kwargs={"pk": obj.pk})
                        for method in action.mapping:
                            with self.subTest(url=action_url, user=user.username, method=method):
                                self.assertEqual(
                                    getattr(client, method)(action_url, {}, format="json").status_code, 404
                                )
                obj.refresh_from_db()
                self.assertIsNone(obj.read_at)

    def test_insiders_read_every_detail_url_of_unit_a(self):
        for _prefix, _viewset, basename, entry in self.scoped():
            for obj in self.objects_of(entry):
                url = reverse(f"{basename}-detail", kwargs={"pk": obj.pk})
                for user in self.insiders_of(entry):
                    with self.subTest(url=url, user=user.username):
                        self.assertEqual(self.api(user).get(url).status_code, 200)

    def test_unit_a_ids_in_request_bodies_are_404_to_outsiders(self):
        bodies = [
            (
                "/api/v1/periodic-inspections/",
                {"equipment": self.equipment_a.pk, "inspected_on": "2026-01-05", "conclusion": "pass"},
            ),
            ("/api/v1/equipment/", {"organization": self.unit_a.pk, "code": "X0001", "category": "3110", "name": "x"}),
            ("/api/v1/risks/", {**self.risk_body(), "equipment": self.equipment_a.pk}),
            ("/api/v1/risks/", {**self.risk_body(), "risk_point_id": self.site_point_a.pk}),
            ("/api/v1/risk-templates/apply/", {"equipment": [self.equipment_a.pk]}),
            ("/api/v1/site-plans/", {"name": "平面图", "image": self.attachment_a.pk}),
            ("/api/v1/hazards/", {"equipment": self.equipment_a.pk, "description": "层门"}),
            ("/api/v1/hazards/", {"organization": self.unit_a.pk, "description": "层门"}),
            ("/api/v1/hazards/", {"description": "层门", "photos": [self.attachment_a.pk]}),
            (
                "/api/v1/supervision/listings/",
                {"hazard": self.major_hazard_a.pk, "level": "county", "deadline": "2099-01-01"},
            ),
            ("/api/v1/supervision/grids/", {"name": "越界网格", "units": [self.unit_a.pk]}),
            ("/api/v1/supervision/blacklist/", {"organization": self.unit_a.pk, "reason": "other", "detail": "x"}),
            ("/api/v1/supervision/evaluations/", {"organization": self.unit_a.pk, "scores": {}}),
            (
                "/api/v1/supervision/demonstration-enterprises/",
                {"organization": self.unit_a.pk, "equipment_category": "3000"},
            ),
            ("/api/v1/supervision/enforcement-inspections/", {"unit": self.unit_a.pk, "results": {"R1": "ok"}}),
            (
                "/api/v1/supervision/enforcement-inspections/",
                {"unit": self.unit_b.pk, "results": {"R1": "ok"}, "equipment": self.equipment_a.pk},
            ),
            (
                "/api/v1/supervision/accidents/",
                {
                    "organization": self.unit_a.pk,
                    "occurred_at": "2026-01-05T10:00:00+08:00",
                    "accident_type": "04",
                    "severity": "general",
                    "description": "层门坠落",
                },
            ),
            (
                "/api/v1/supervision/accidents/",
                {
                    "organization": self.unit_b.pk,
                    "equipment": self.equipment_a.pk,
                    "occurred_at": "2026-01-05T10:00:00+08:00",
                    "accident_type": "04",
                    "severity": "general",
                    "description": "层门坠落",
                },
            ),
            (
                "/api/v1/users/",
                {
                    "organization": self.unit_a.pk,
                    "username": "x_user",
                    "roles": ["operator"],
                    "password": "Kx7#mPq2vLw",
                },
            ),
        ]
        for url, body in bodies:
            for user in self.outsiders_of_unit_a():
                with self.subTest(url=url, user=user.username):
                    self.assertEqual(self.api(user).post(url, body, format="json").status_code, 404)

    def risk_body(self):
        return {
            "title": "层门",
            "hazard_source": "层门门锁失效",
            "method": "ls",
            "factors": {"L": 2, "S": 3},
            "control_level": "post",
            "measures": [{"kind": "management", "text": "每日巡查层门", "check": True}],
        }

    def anonymous_urls(self):
        """(method, url) for every route of the API: lists, details, their actions, and the plain views."""
        urls = [("get", "/api/v1/"), ("get", reverse("api-me"))]
        for prefix, viewset, basename in registrations():
            entry = MATRIX[prefix]
            pk = getattr(self, entry.unit_a_objects[0]).pk if entry.unit_a_objects else "140525"
            if serves(viewset, "list") or serves(viewset, "create"):
                urls += [("get", reverse(f"{basename}-list")), ("post", reverse(f"{basename}-list"))]
            if serves(viewset, "retrieve"):
                detail = reverse(f"{basename}-detail", kwargs={"pk": pk})
                urls += [(method, detail) for method in ("get", "patch", "put", "delete")]
            for action in detail_actions(viewset):
                urls += [
                    (method, reverse(f"{basename}-{action.url_name}", kwargs={"pk": pk})) for method in action.mapping
                ]
            for action in list_actions(viewset):
                urls += [(method, reverse(f"{basename}-{action.url_name}")) for method in action.mapping]
        return urls

    def test_anonymous_is_refused_everywhere_but_the_token_endpoint(self):
        anonymous = APIClient()
        for method, url in self.anonymous_urls():
            with self.subTest(method=method, url=url):
                self.assertIn(getattr(anonymous, method)(url, {}, format="json").status_code, (401, 403))
        token = anonymous.post(reverse("api-token"), {"username": "owner", "password": "wrong-password"}, format="json")
        self.assertNotIn(token.status_code, (401, 403, 404, 405))

    def test_every_list_holds_only_what_the_scope_allows(self):
        cast = [
            *self.insiders_of_unit_a(),
            *self.outsiders_of_unit_a(),
            self.agency_user,
            self.unit_admin,
            self.system_admin,
            self.security_admin,
            self.audit_admin,
        ]
        for prefix, viewset, basename in registrations():
            entry = MATRIX[prefix]
            if not serves(viewset, "list") or entry.kind == REFERENCE:
                continue
            url = reverse(f"{basename}-list")
            for user in cast:
                with self.subTest(url=url, user=user.username):
                    response = self.api(user).get(url, {"page_size": 500, "limit": 5000})
                    self.assertEqual(response.status_code, 200)
                    rows = response.json()["results"]
                    key = "seq" if entry.kind == FEED else "id"
                    ids = [row[key] for row in rows]
                    self.assertEqual(len(ids), len(set(ids)), "a row listed twice")
                    visible = set(entry.model.objects.visible_to(user).values_list("pk", flat=True))
                    self.assertEqual(set(ids), visible)
                    if entry.kind == FEED:
                        unit_a_rows = {row["seq"] for row in rows if row["organization"] == self.unit_a.pk}
                        if user in self.outsiders_of_unit_a():
                            self.assertEqual(unit_a_rows, set())
                        elif user in self.insiders_of_unit_a():
                            self.assertTrue(unit_a_rows)
                        continue
                    unit_a_ids = {obj.pk for obj in self.objects_of(entry)}
                    if entry.kind == PERSONAL:
                        addressed = {obj.pk for obj in self.objects_of(entry) if obj.user_id == user.pk}
                        self.assertEqual(set(ids) & unit_a_ids, addressed)
                    elif user in self.outsiders_of_unit_a():
                        self.assertEqual(set(ids) & unit_a_ids, set())
                    elif user in self.insiders_of(entry):
                        self.assertEqual(set(ids) & unit_a_ids, unit_a_ids)
                    elif user in self.insiders_of_unit_a():
                        # The regulators' own rows: unit A's people do not read them.
                        self.assertEqual(set(ids) & unit_a_ids, set())

    def test_regulators_lists_stay_in_their_jurisdiction(self):
        for user, prefix in [
            (self.county_inspector, "140525"),
            (self.sibling_inspector, "140522"),
            (self.other_city_inspector, "1401"),
        ]:
            for url in ("/api/v1/equipment/", "/api/v1/certificates/", "/api/v1/periodic-inspections/"):
                with self.subTest(user=user.username, url=url):
                    model = {"/api/v1/equipment/": Equipment, "/api/v1/certificates/": OperatorCertificate}.get(
                        url, PeriodicInspection
                    )
                    for row in self.api(user).get(url).json()["results"]:
                        self.assertTrue(model.objects.get(pk=row["id"]).region_id.startswith(prefix))
            with self.subTest(user=user.username, url="events"):
                for row in self.api(user).get("/api/v1/events/").json()["results"]:
                    self.assertTrue(row["region"].startswith(prefix))


class ListQueryCountTests(CastTestCase):
    """A list costs the same number of queries for 3 rows as for 33: no query per row."""

    counter = 0

    def next_number(self):
        type(self).counter += 1
        return type(self).counter

    def add_rows(self, kind, count):
        for _ in range(count):
            number = self.next_number()
            if kind == "equipment":
                make_equipment(
                    self.unit_a, f"Q{number:05d}", category=["3110", "5110", "4110"][number % 3], agency=self.agency
                )
            elif kind == "organizations":
                make_organization(f"单位 {number}", "use_unit", "140525", seed=1000 + number)
            elif kind == "users":
                make_user(f"person_{number}", self.unit_a, "operator", "safety_officer")
            elif kind == "certificates":
                OperatorCertificate.objects.create(
                    organization=self.unit_a,
                    region_id="140525",
                    holder_name=f"持证人 {number}",
                    id_number=f"1405251990{number:08d}",
                    item_id=["N1", "A", "Q2"][number % 3],
                    cert_no=f"C-{number}",
                    issued_on=date(2024, 1, 1),
                    expires_on=date(2024, 1, 1) + timedelta(days=number * 30),
                )
            elif kind == "periodic-inspections":
                PeriodicInspection.objects.create(
                    equipment=self.equipment_a,
                    organization=self.unit_a,
                    region_id="140525",
                    agency=self.agency,
                    inspected_on=date(2020, 1, 1) + timedelta(days=number),
                    conclusion="pass",
                    recorded_by=self.agency_user,
                )
            elif kind == "events":
                record_event("test.row", actor=self.owner, obj=self.equipment_a, data={"n": number})
            elif kind == "hazards":
                hazard_services.do_report_hazard(
                    actor=self.member, equipment=self.equipment_a, description=f"隐患 {number}", location=f"{number} 层"
                )
            elif kind == "grids":
                unit = make_organization(f"网格单位 {number}", "use_unit", "140525", seed=2000 + number)
                do_create_grid(
                    actor=self.county_admin, name=f"网格 {number}", units=[unit], inspectors=[self.county_inspector]
                )
            elif kind == "accidents":
                do_record_accident(
                    actor=self.county_inspector,
                    organization=self.unit_a,
                    equipment=self.equipment_a,
                    occurred_at=timezone.now() - timedelta(days=number),
                    accident_type="04",
                    severity="general",
                    description=f"事故 {number}",
                )
            elif kind == "evaluations":
                UnitAObjectsMixin.evaluate_unit_a.__func__(type(self))
            elif kind == "enforcement":
                UnitAObjectsMixin.inspect_unit_a.__func__(type(self), content=f"指令 {number}")
            elif kind == "listings":
                hazard = hazard_services.do_report_hazard(
                    actor=self.member, equipment=self.equipment_a, description=f"短接 {number}", clauses=["4.6b"]
                )
                hazard_services.do_list_hazard(
                    actor=self.county_inspector,
                    hazard=hazard,
                    level="county",
                    deadline=timezone.localdate() + timedelta(days=number),
                )

    def queries_for(self, user, url):
        # A fresh user object each time: the scope computed once per user object must not make the first call dearer.
        user = User.objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as captured:
            response = self.api(user).get(url, {"page_size": 500})
        self.assertEqual(response.status_code, 200, response.content)
        return len(captured), response

    def test_lists_do_not_grow_with_rows(self):
        cases = [
            ("equipment", "/api/v1/equipment/", [self.owner, self.city_inspector, self.agency_user]),
            (
                "organizations",
                "/api/v1/organizations/",
                [self.county_inspector, self.city_inspector, self.system_admin],
            ),
            ("users", "/api/v1/users/", [self.unit_admin, self.county_inspector, self.system_admin]),
            ("certificates", "/api/v1/certificates/", [self.unit_admin, self.owner, self.city_inspector]),
            (
                "periodic-inspections",
                "/api/v1/periodic-inspections/",
                [self.owner, self.agency_user, self.city_inspector],
            ),
            ("events", "/api/v1/events/", [self.owner, self.county_inspector, self.audit_admin]),
            ("hazards", "/api/v1/hazards/", [self.owner, self.county_inspector, self.city_inspector]),
            ("listings", "/api/v1/supervision/listings/", [self.owner, self.county_inspector, self.province_leader]),
            ("accidents", "/api/v1/supervision/accidents/", [self.owner, self.county_inspector, self.province_leader]),
            ("grids", "/api/v1/supervision/grids/", [self.county_inspector, self.city_inspector, self.province_leader]),
            (
                "enforcement",
                "/api/v1/supervision/enforcement-inspections/",
                [self.owner, self.county_inspector, self.province_leader],
            ),
            ("enforcement", "/api/v1/supervision/orders/", [self.owner, self.county_inspector, self.province_leader]),
            (
                "evaluations",
                "/api/v1/supervision/evaluations/",
                [self.owner, self.county_inspector, self.province_leader],
            ),
        ]
        for kind, url, users in cases:
            self.add_rows(kind, 3)
            few = {user.username: self.queries_for(user, url)[0] for user in users}
            self.add_rows(kind, 30)
            for user in users:
                with self.subTest(kind=kind, user=user.username):
                    many, response = self.queries_for(user, url)
                    self.assertGreaterEqual(len(response.json()["results"]), 30)
                    self.assertEqual(many, few[user.username], f"{url} costs more queries with more rows")


class OpenApiTests(CastTestCase):
    CONTRACT = {
        "/api/v1/auth/token/": {"post"},
        "/api/v1/me/": {"get"},
        "/api/v1/regions/": {"get"},
        "/api/v1/regions/{}/": {"get"},
        "/api/v1/catalog/": {"get"},
        "/api/v1/catalog/{}/": {"get"},
        "/api/v1/industries/": {"get"},
        "/api/v1/organizations/": {"get", "post"},
        "/api/v1/organizations/{}/": {"get", "patch", "put"},
        "/api/v1/users/": {"get", "post"},
        "/api/v1/users/{}/": {"get", "patch", "put"},
        "/api/v1/equipment/": {"get", "post"},
        "/api/v1/equipment/{}/": {"get", "patch", "put"},
        "/api/v1/equipment/{}/suspend/": {"post"},
        "/api/v1/equipment/{}/resume/": {"post"},
        "/api/v1/equipment/{}/scrap/": {"post"},
        "/api/v1/equipment/import/": {"post"},
        "/api/v1/equipment/import-template/": {"get"},
        "/api/v1/equipment/export/": {"get"},
        "/api/v1/periodic-inspections/": {"get", "post"},
        "/api/v1/periodic-inspections/{}/": {"get"},
        "/api/v1/certificates/": {"get", "post"},
        "/api/v1/certificates/{}/": {"get", "patch", "put"},
        "/api/v1/attachments/": {"post"},
        "/api/v1/attachments/{}/": {"get"},
        "/api/v1/events/": {"get"},
        "/api/v1/risks/": {"get", "post"},
        "/api/v1/risks/{}/": {"get", "patch", "put"},
        "/api/v1/risks/export/": {"get"},
        "/api/v1/hazards/": {"get", "post"},
        "/api/v1/hazards/{}/": {"get"},
        "/api/v1/hazards/{}/confirm/": {"post"},
        "/api/v1/hazards/{}/reject/": {"post"},
        "/api/v1/hazards/{}/submit-rectification/": {"post"},
        "/api/v1/hazards/{}/accept/": {"post"},
        "/api/v1/hazards/{}/extend/": {"post"},
        "/api/v1/supervision/listings/": {"get", "post"},
        "/api/v1/supervision/listings/{}/": {"get"},
        "/api/v1/supervision/listings/{}/report-completion/": {"post"},
        "/api/v1/supervision/listings/{}/verify/": {"post"},
        "/api/v1/supervision/listings/{}/delist/": {"post"},
        "/api/v1/supervision/blacklist/": {"get", "post"},
        "/api/v1/supervision/blacklist/{}/": {"get"},
        "/api/v1/supervision/blacklist/{}/lift/": {"post"},
        "/api/v1/public/blacklist/": {"get"},
    }

    def test_schema_has_every_path_of_the_contract(self):
        response = self.api(self.owner).get("/api/schema/", {"format": "json"})
        self.assertEqual(response.status_code, 200)
        schema = response.json()
        paths = {re.sub(r"\{[^}]+\}", "{}", path): set(operations) for path, operations in schema["paths"].items()}
        for path, methods in self.CONTRACT.items():
            with self.subTest(path=path):
                self.assertIn(path, paths)
                self.assertLessEqual(methods, paths[path])
        # DELETE is soft (core.deletion): the record moves to the recycle bin and its restore action brings it back.
        self.assertIn("delete", paths["/api/v1/equipment/{}/"])
        self.assertIn("/api/v1/equipment/{}/restore/", paths)
        self.assertNotIn("delete", paths["/api/v1/periodic-inspections/{}/"])
        for prefix, _, _ in registrations():
            self.assertIn(f"/api/v1/{prefix}/", paths)

    def test_schema_describes_the_contract_fields(self):
        schema = self.api(self.owner).get("/api/schema/", {"format": "json"}).json()
        equipment = schema["components"]["schemas"]["Equipment"]["properties"]
        for name in ("inspection_state", "risk_level", "open_hazards", "open_major_hazards", "version", "region"):
            self.assertIn(name, equipment)
        risk = schema["components"]["schemas"]["Risk"]["properties"]
        contract_fields = (
            "id organization equipment risk_point hazard_source accident_type method factors score level color "
            "control_level owner measures reviewed_on next_review_on version"
        )
        for name in contract_fields.split():
            self.assertIn(name, risk)
        self.assertEqual(
            set(schema["components"]["schemas"]["InspectionStateEnum"]["enum"]),
            {"valid", "due_soon", "overdue", "never_inspected"},
        )

    def test_schema_generates_without_warnings(self):
        # drf-spectacular's own check: every view typed, the result a valid OpenAPI 3 document.
        reset_generator_stats()
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)

    def test_docs_are_served_without_a_cdn(self):
        response = self.web(self.owner).get("/api/docs/")  # signed in: the docs are not public in production
        self.assertEqual(response.status_code, 200)
        html = response.content.decode().lower()
        for word in ("cdn", "unpkg", "jsdelivr"):
            self.assertNotIn(word, html)
        self.assertIn("swagger", html)
        for src in re.findall(r'(?:src|href)="([^"]+)"', html):
            self.assertFalse(src.startswith(("http://", "https://", "//")), src)
