"""API of the unit's safety management file (一企一档).

Reads go through the caller's scope (a unit its own file, a regulator its jurisdiction's); every write calls a
service of shuangfang.safety.services, which decides who may do what.  An id outside the caller's scope, in the URL
or in a body, is 404.
"""

from collections import Counter

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from shuangfang.core.api.deletion import SoftDeleteMixin
from shuangfang.core.api.filters import validate_filters
from shuangfang.core.api.viewsets import ScopedViewSetMixin
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import PermissionDenied, check_version
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.safety import services
from shuangfang.safety.choices import ReadingSource
from shuangfang.safety.filtersets import (
    AppointmentFilterSet,
    ComplianceGapFilterSet,
    DrillFilterSet,
    EmergencyPlanFilterSet,
    ExamAttemptFilterSet,
    ExamFilterSet,
    HazardSourceFilterSet,
    LicenceFilterSet,
    MonitoringPointFilterSet,
    OperatorAssignmentFilterSet,
    QuestionFilterSet,
    ReadingFilterSet,
    SafetyDocumentFilterSet,
    SafetyProfileFilterSet,
    TrainingPlanFilterSet,
    TrainingSessionFilterSet,
)
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

from . import summaries
from .serializers import (
    AppointmentSerializer,
    ComplianceGapSerializer,
    DrillSerializer,
    EmergencyPlanSerializer,
    EndAppointmentSerializer,
    EndAssignmentSerializer,
    ExamAttemptDetailSerializer,
    ExamAttemptSerializer,
    ExamResultsSerializer,
    ExamSerializer,
    GapSummarySerializer,
    HazardSourceSerializer,
    LicenceSerializer,
    MonitoringPointSerializer,
    OperatorAssignmentSerializer,
    QuestionSerializer,
    ReadingSerializer,
    SafetyDocumentSerializer,
    SafetyProfileSerializer,
    SubmitAttemptSerializer,
    TrainingPlanSerializer,
    TrainingSessionSerializer,
    UnitFileSerializer,
)


def own_unit(user):
    """The caller's own organization, which every write of the file is about.  A user of no organization (the
    platform's administrators) keeps no file."""
    if user.organization is None:
        raise PermissionDenied(_("安全管理档案属于使用特种设备的单位。"))
    return user.organization


class _CreateOnlyViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Records that are added and read, never edited: each create calls its service."""

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _respond(self, obj):
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data)


# -- the profile ----------------------------------------------------------------------------------------------------


class SafetyProfileViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """安全管理机构 and the facts the staffing rules read.  A unit that has never saved its profile finds none in the
    list: `mine/` answers its blank profile (version 1), and a PATCH there with version 1 creates it."""

    model = SafetyProfile
    serializer_class = SafetyProfileSerializer
    filterset_class = SafetyProfileFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().order_by("organization_id")

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        serializer.instance = services.do_save_profile(
            actor=self.request.user, organization=serializer.instance.organization, changes=changes, version=version
        )

    def _my_unit(self):
        organization = self.request.user.organization
        if organization is None or organization.kind not in EQUIPMENT_OWNING_KINDS:
            raise NotFound(_("只有使用特种设备的单位有安全管理档案。"))
        return organization

    @extend_schema(methods=["get"], responses={200: SafetyProfileSerializer})
    @extend_schema(methods=["patch"], request=SafetyProfileSerializer, responses={200: SafetyProfileSerializer})
    @action(detail=False, methods=["get", "patch"])
    def mine(self, request):
        """The caller's own unit's profile, blank (`id` null, `version` 1) until first saved."""
        organization = self._my_unit()
        profile = services.profile_of(organization)
        if request.method == "GET":
            return Response(self.get_serializer(profile).data)
        serializer = self.get_serializer(profile, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        profile = services.do_save_profile(
            actor=request.user, organization=organization, changes=changes, version=version
        )
        return Response(self.get_serializer(profile).data)


# -- licences -------------------------------------------------------------------------------------------------------


class LicenceViewSet(_CreateOnlyViewSet):
    """许可证 the unit holds (the filling licence of 特种设备安全法 art 49, and others); a new licence of a kind
    supersedes the current one of that kind, which stays on record."""

    model = UnitLicence
    serializer_class = LicenceSerializer
    filterset_class = LicenceFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.do_record_licence(
            actor=self.request.user,
            organization=own_unit(self.request.user),
            kind=data["kind"],
            number=data.get("number", ""),
            issued_by=data.get("issued_by", ""),
            issued_on=data.get("issued_on"),
            expires_on=data.get("expires_on"),
            scope=data.get("scope", ""),
            attachment=data.get("attachment"),
        )


# -- appointments ---------------------------------------------------------------------------------------------------


class AppointmentViewSet(_CreateOnlyViewSet):
    """岗位任命 (Order 74; TSG 08 安全管理负责人): appointed, later ended (免职) — never edited or deleted."""

    model = Appointment
    serializer_class = AppointmentSerializer
    filterset_class = AppointmentFilterSet

    def get_queryset(self):
        return super().get_queryset().select_related("person")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.do_appoint(
            actor=self.request.user,
            organization=own_unit(self.request.user),
            person=data["person"],
            role=data["role"],
            starts_on=data["starts_on"],
            equipment_categories=data.get("equipment_categories") or [],
            full_time=data.get("full_time", False),
            document=data.get("document"),
            note=data.get("note", ""),
        )

    @extend_schema(request=EndAppointmentSerializer, responses={200: AppointmentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """免职: the appointment ends on `ends_on` for `reason`, and stays on record."""
        appointment = self.get_object()  # first: an appointment outside scope is 404 whatever the body says
        data = self._body(EndAppointmentSerializer)
        appointment = services.do_end_appointment(
            actor=request.user,
            appointment=appointment,
            ends_on=data["ends_on"],
            reason=data["reason"],
            version=data["version"],
        )
        return self._respond(appointment)


# -- documents ------------------------------------------------------------------------------------------------------


class SafetyDocumentViewSet(_CreateOnlyViewSet):
    """管理制度: each upload is a new version of its kind (and equipment category); `current=true` lists only the
    latest version of each."""

    model = SafetyDocument
    serializer_class = SafetyDocumentSerializer
    filterset_class = SafetyDocumentFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.do_upload_document(
            actor=self.request.user,
            organization=own_unit(self.request.user),
            kind=data["kind"],
            title=data.get("title", ""),
            effective_on=data["effective_on"],
            attachment=data["attachment"],
            equipment_category=data.get("equipment_category", ""),
        )


# -- training -------------------------------------------------------------------------------------------------------


class TrainingPlanViewSet(_CreateOnlyViewSet):
    """The unit's yearly training plans."""

    model = TrainingPlan
    serializer_class = TrainingPlanSerializer
    filterset_class = TrainingPlanFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.do_create_training_plan(
            actor=self.request.user,
            organization=own_unit(self.request.user),
            year=data["year"],
            title=data.get("title", ""),
            content=data.get("content", ""),
            attachment=data.get("attachment"),
        )


class TrainingSessionViewSet(SoftDeleteMixin, _CreateOnlyViewSet):
    """Trainings held, with their attendees (each person's training history)."""

    model = TrainingSession
    serializer_class = TrainingSessionSerializer
    filterset_class = TrainingSessionFilterSet

    def get_queryset(self):
        return super().get_queryset().prefetch_related("attendees")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.do_record_training(
            actor=self.request.user,
            organization=own_unit(self.request.user),
            topic=data.get("topic", ""),
            held_on=data["held_on"],
            hours=data["hours"],
            trainer=data.get("trainer", ""),
            attendees=data["attendees"],
            location=data.get("location", ""),
            plan=data.get("plan"),
            materials=data.get("materials"),
            sign_in_photo=data.get("sign_in_photo"),
        )


# -- the question bank and exams ------------------------------------------------------------------------------------


class QuestionViewSet(_CreateOnlyViewSet):
    """The question bank: the platform's questions and the caller's unit's own.  The answer key of a question is
    shown only to the managers of the unit that wrote it."""

    model = Question
    serializer_class = QuestionSerializer
    filterset_class = QuestionFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.do_add_question(
            actor=self.request.user,
            organization=own_unit(self.request.user),
            kind=data["kind"],
            text=data.get("text", ""),
            options=data.get("options") or [],
            answer=data.get("answer") or [],
            roles=data.get("roles") or [],
            equipment_category=data.get("equipment_category", ""),
            citation=data.get("citation", ""),
        )


class ExamViewSet(_CreateOnlyViewSet):
    """Exams: a unit's exam of its own people, or a regulator's spot-check (抽查考核) of the safety directors and
    officers in its jurisdiction.  Creating one draws the questions and gives every candidate an attempt."""

    model = Exam
    serializer_class = ExamSerializer
    filterset_class = ExamFilterSet

    def get_queryset(self):
        # Grouped by the count, the query keeps no default order: name it, for stable pages.
        return super().get_queryset().annotate(n_questions=Count("questions")).order_by("-opens_on", "-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        exam = services.do_create_exam(
            actor=self.request.user,
            title=data.get("title", ""),
            roles=data["roles"],
            question_count=data["n_questions"],
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
            equipment_category=data.get("equipment_category", ""),
            pass_score=data["pass_score"],
            region=data.get("region"),
        )
        serializer.instance = self.get_queryset().get(pk=exam.pk)

    @extend_schema(responses={200: ExamResultsSerializer})
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """The attempts the caller may see, by unit, with counts: the organiser sees every unit of its scope, a
        unit its own people."""
        exam = self.get_object()
        attempts = (
            ExamAttempt.objects.visible_to(request.user)
            .filter(exam=exam)
            .select_related("candidate", "organization")
            .order_by("organization_id", "candidate_id")
        )
        units: dict[int, dict] = {}
        totals: Counter = Counter()
        for attempt in attempts:
            unit = units.setdefault(
                attempt.organization_id,
                {
                    "organization": attempt.organization_id,
                    "organization_name": attempt.organization.name,
                    "candidates": 0,
                    "submitted": 0,
                    "passed": 0,
                    "failed": 0,
                    "attempts": [],
                },
            )
            unit["attempts"].append(attempt)
            counts = {
                "candidates": 1,
                "submitted": int(attempt.submitted_at is not None),
                "passed": int(attempt.passed is True),
                "failed": int(attempt.passed is False),
            }
            for name, n in counts.items():
                unit[name] += n
                totals[name] += n
        body = {
            "exam": exam.pk,
            "pass_score": exam.pass_score,
            **{name: totals[name] for name in ("candidates", "submitted", "passed", "failed")},
            "organizations": list(units.values()),
        }
        return Response(ExamResultsSerializer(body).data)


class ExamAttemptViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """One person's sitting of an exam.  The paper (`retrieve`) shows the questions without the key while the
    attempt is assigned; after submission the candidate's answers and marks; after the exam closes the key."""

    model = ExamAttempt
    serializer_class = ExamAttemptSerializer
    filterset_class = ExamAttemptFilterSet

    def get_queryset(self):
        queryset = super().get_queryset().select_related("exam", "candidate")
        if self.action != "list":
            queryset = queryset.prefetch_related(Prefetch("exam__questions", queryset=Question.objects.all()))
        return queryset

    def get_serializer_class(self):
        return ExamAttemptSerializer if self.action == "list" else ExamAttemptDetailSerializer

    @extend_schema(request=SubmitAttemptSerializer, responses={200: ExamAttemptDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """交卷 by the candidate alone: `answers` {question id: [option indexes]}; scored at once."""
        attempt = self.get_object()
        body = SubmitAttemptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data.get("version") is not None:
            check_version(attempt, body.validated_data["version"])
        answers = body.validated_data["answers"]
        attempt = services.do_submit_attempt(actor=request.user, attempt=attempt, answers=answers)
        return Response(ExamAttemptDetailSerializer(self.get_queryset().get(pk=attempt.pk)).data)


# -- certified operators --------------------------------------------------------------------------------------------


class OperatorAssignmentViewSet(_CreateOnlyViewSet):
    """持证上岗: an operator put on a device by the certificate they hold; ended (离岗), never deleted."""

    model = OperatorAssignment
    serializer_class = OperatorAssignmentSerializer
    filterset_class = OperatorAssignmentFilterSet

    def get_queryset(self):
        return super().get_queryset().select_related("certificate")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.do_assign_operator(
            actor=self.request.user,
            equipment=data["equipment"],
            certificate=data["certificate"],
            assigned_on=data["assigned_on"],
        )

    @extend_schema(request=EndAssignmentSerializer, responses={200: OperatorAssignmentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """离岗 on `ended_on`."""
        assignment = self.get_object()
        data = self._body(EndAssignmentSerializer)
        assignment = services.do_end_assignment(
            actor=request.user, assignment=assignment, ended_on=data["ended_on"], version=data["version"]
        )
        return self._respond(assignment)


# -- emergency ------------------------------------------------------------------------------------------------------


class EmergencyPlanViewSet(_CreateOnlyViewSet):
    """应急预案 per equipment category; a new plan replaces the current one of its kind and category."""

    model = EmergencyPlan
    serializer_class = EmergencyPlanSerializer
    filterset_class = EmergencyPlanFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.do_record_emergency_plan(
            actor=self.request.user,
            organization=own_unit(self.request.user),
            title=data.get("title", ""),
            approved_on=data["approved_on"],
            kind=data["kind"],
            equipment_category=data.get("equipment_category", ""),
            review_by=data.get("review_by"),
            attachment=data.get("attachment"),
        )


class DrillViewSet(SoftDeleteMixin, _CreateOnlyViewSet):
    """应急演练 held, with participants, evaluation and photos (attachment ids)."""

    model = Drill
    serializer_class = DrillSerializer
    filterset_class = DrillFilterSet

    def get_queryset(self):
        return super().get_queryset().prefetch_related("photos")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.do_record_drill(
            actor=self.request.user,
            organization=own_unit(self.request.user),
            held_on=data["held_on"],
            scenario=data.get("scenario", ""),
            equipment_category=data.get("equipment_category", ""),
            plan=data.get("plan"),
            participants=data.get("participants", ""),
            participant_count=data.get("participant_count", 0),
            evaluation=data.get("evaluation", ""),
            photos=data.get("photos") or [],
        )


# -- major hazard sources and monitoring ----------------------------------------------------------------------------


class HazardSourceViewSet(_CreateOnlyViewSet):
    """重大危险源 of the unit."""

    model = MajorHazardSource
    serializer_class = HazardSourceSerializer
    filterset_class = HazardSourceFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.do_create_hazard_source(
            actor=self.request.user,
            organization=own_unit(self.request.user),
            name=data.get("name", ""),
            grade=data["grade"],
            equipment=data.get("equipment"),
            location=data.get("location", ""),
            description=data.get("description", ""),
        )


class MonitoringPointViewSet(_CreateOnlyViewSet):
    """The measured quantities of a major hazard source, with their safe bounds."""

    model = MonitoringPoint
    serializer_class = MonitoringPointSerializer
    filterset_class = MonitoringPointFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.do_add_monitoring_point(
            actor=self.request.user,
            source=data["source"],
            name=data["name"],
            quantity=data["quantity"],
            unit_of_measure=data.get("unit_of_measure", ""),
            low=data.get("low"),
            high=data.get("high"),
        )


class ReadingViewSet(_CreateOnlyViewSet):
    """Monitoring readings, posted by the unit's monitoring system (send an `Idempotency-Key`: a retry records
    nothing twice) or entered by hand.  Out of bounds, a reading raises a control-failure investigation task and a
    hazard, both named in the answer."""

    model = Reading
    serializer_class = ReadingSerializer
    filterset_class = ReadingFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.do_record_reading(
            actor=self.request.user,
            point=data["point"],
            value=data["value"],
            measured_at=data.get("measured_at"),
            source=ReadingSource.API,
        )


# -- compliance -----------------------------------------------------------------------------------------------------


class ComplianceGapViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """合规缺项: what each unit owes by the rule tables and lacks, with the rule's citation.  Kept current by the
    platform; the list holds the open gaps unless `open=false` (closed ones) is asked for."""

    model = ComplianceGap
    serializer_class = ComplianceGapSerializer
    filterset_class = ComplianceGapFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list" and "open" not in self.request.query_params:
            queryset = queryset.filter(closed_at__isnull=True)
        return queryset

    @extend_schema(
        responses={200: GapSummarySerializer},
        parameters=[
            OpenApiParameter("organization", int, description=gettext_lazy("使用单位")),
            OpenApiParameter("region", str, description=gettext_lazy("地区（代码前缀）")),
        ],
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def summary(self, request):
        """Open gaps by kind over the caller's scope (narrowed by `organization`, `region`); for a regulator also
        `by_region`: the same counts for each next-level region of its jurisdiction."""
        params = {k: v for k, v in request.query_params.items() if k in ("organization", "region")}
        filterset = ComplianceGapFilterSet(params, queryset=super().get_queryset(), request=request)
        validate_filters(filterset, params)  # as on every list: an invalid filter is refused, not ignored
        queryset = filterset.qs
        body = summaries.gap_summary(queryset)
        user = request.user
        if scope_of(user).kind == ScopeKind.REGULATOR:
            body["by_region"] = summaries.gaps_by_child_region(queryset, user.organization.jurisdiction)
        return Response(GapSummarySerializer(body).data)


# -- one unit's file ------------------------------------------------------------------------------------------------


class UnitFileView(APIView):
    """一企一档 at a glance: a unit's profile, current appointments, the state of each required document, counts of
    its records and its open gaps by kind.  For the unit itself and the regulators of its region; 404 otherwise."""

    @extend_schema(responses={200: UnitFileSerializer})
    def get(self, request, organization_id: int):
        unit = summaries.units_with_visible_file(request.user).filter(pk=organization_id).first()
        if unit is None:
            raise NotFound()
        return Response(UnitFileSerializer(summaries.unit_file(unit), context={"request": request}).data)
