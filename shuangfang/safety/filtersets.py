"""Filters of the unit's safety management file: one FilterSet per list, shared by the API and the pages."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuangfang.orgs.filtersets import filter_region_prefix

from . import rules
from .choices import (
    AppointmentRole,
    AttemptStatus,
    EmergencyPlanKind,
    ExamKind,
    GapKind,
    HazardSourceGrade,
    LicenceKind,
    QuestionKind,
    QuestionTopic,
)
from .models import (
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

DOCUMENT_KIND_CHOICES = [(rule.code, _(rule.name)) for rule in rules.DOCUMENT_RULES]


class _UnitFilterSet(django_filters.FilterSet):
    """Every list of the file: by unit and by region (code prefix), for the regulators' views."""

    organization = django_filters.NumberFilter(field_name="organization_id", label=_("使用单位"))
    region = django_filters.CharFilter(method=filter_region_prefix, label=_("地区（代码前缀）"))


class SafetyProfileFilterSet(_UnitFilterSet):
    class Meta:
        model = SafetyProfile
        fields = ["organization"]


class LicenceFilterSet(_UnitFilterSet):
    kind = django_filters.ChoiceFilter(choices=LicenceKind.choices, label=_("许可类型"))
    is_current = django_filters.BooleanFilter(label=_("现行有效"))
    expires_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lte", label=_("有效期至不晚于"))

    class Meta:
        model = UnitLicence
        fields = ["organization", "kind", "is_current"]


class AppointmentFilterSet(_UnitFilterSet):
    role = django_filters.ChoiceFilter(choices=AppointmentRole.choices, label=_("岗位"))
    person = django_filters.NumberFilter(field_name="person_id", label=_("人员"))
    active = django_filters.BooleanFilter(method="filter_active", label=_("今日在任"))

    class Meta:
        model = Appointment
        fields = ["organization", "role", "person"]

    def filter_active(self, queryset, name, value):
        today = timezone.localdate()
        in_force = Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        return queryset.filter(in_force) if value else queryset.exclude(in_force)


class SafetyDocumentFilterSet(_UnitFilterSet):
    kind = django_filters.ChoiceFilter(choices=DOCUMENT_KIND_CHOICES, label=_("制度类型"))
    equipment_category = django_filters.CharFilter(label=_("设备种类"))
    current = django_filters.BooleanFilter(method="filter_current", label=_("只列现行版本（每类最新一版）"))

    class Meta:
        model = SafetyDocument
        fields = ["organization", "kind", "equipment_category"]

    def filter_current(self, queryset, name, value):
        newer = SafetyDocument.objects.filter(
            organization_id=OuterRef("organization_id"),
            kind=OuterRef("kind"),
            equipment_category=OuterRef("equipment_category"),
            version_no__gt=OuterRef("version_no"),
        )
        return queryset.filter(~Exists(newer)) if value else queryset.filter(Exists(newer))


class TrainingPlanFilterSet(_UnitFilterSet):
    year = django_filters.NumberFilter(label=_("年度"))

    class Meta:
        model = TrainingPlan
        fields = ["organization", "year"]


class TrainingSessionFilterSet(_UnitFilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id", label=_("培训计划"))
    attendee = django_filters.NumberFilter(field_name="attendees", label=_("参训人员"), distinct=True)
    held_after = django_filters.DateFilter(field_name="held_on", lookup_expr="gte", label=_("培训日期起"))
    held_before = django_filters.DateFilter(field_name="held_on", lookup_expr="lte", label=_("培训日期止"))

    class Meta:
        model = TrainingSession
        fields = ["organization", "plan"]


class QuestionFilterSet(django_filters.FilterSet):
    topic = django_filters.ChoiceFilter(choices=QuestionTopic.choices, label=_("题目类别"))
    kind = django_filters.ChoiceFilter(choices=QuestionKind.choices, label=_("题型"))
    equipment_category = django_filters.CharFilter(label=_("设备种类"))
    own = django_filters.BooleanFilter(method="filter_own", label=_("本单位自编题目（否：平台题库）"))
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = Question
        fields = ["topic", "kind", "equipment_category", "is_active"]

    def filter_own(self, queryset, name, value):
        return queryset.filter(organization__isnull=not value)


class ExamFilterSet(_UnitFilterSet):
    kind = django_filters.ChoiceFilter(choices=ExamKind.choices, label=_("考试类型"))

    class Meta:
        model = Exam
        fields = ["organization", "kind"]


class ExamAttemptFilterSet(_UnitFilterSet):
    exam = django_filters.NumberFilter(field_name="exam_id", label=_("考试"))
    candidate = django_filters.NumberFilter(field_name="candidate_id", label=_("考生"))
    status = django_filters.ChoiceFilter(choices=AttemptStatus.choices, label=_("状态"))
    passed = django_filters.BooleanFilter(label=_("合格"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("我的考试"))

    class Meta:
        model = ExamAttempt
        fields = ["organization", "exam", "candidate", "status", "passed"]

    def filter_mine(self, queryset, name, value):
        mine = Q(candidate_id=self.request.user.pk)
        return queryset.filter(mine) if value else queryset.exclude(mine)


class OperatorAssignmentFilterSet(_UnitFilterSet):
    equipment = django_filters.NumberFilter(field_name="equipment_id", label=_("设备"))
    certificate = django_filters.NumberFilter(field_name="certificate_id", label=_("作业人员证"))
    active = django_filters.BooleanFilter(method="filter_active", label=_("在岗"))

    class Meta:
        model = OperatorAssignment
        fields = ["organization", "equipment", "certificate"]

    def filter_active(self, queryset, name, value):
        today = timezone.localdate()
        on_duty = Q(ended_on__isnull=True) | Q(ended_on__gte=today)
        return queryset.filter(on_duty) if value else queryset.exclude(on_duty)


class EmergencyPlanFilterSet(_UnitFilterSet):
    kind = django_filters.ChoiceFilter(choices=EmergencyPlanKind.choices, label=_("预案类型"))
    equipment_category = django_filters.CharFilter(label=_("设备种类"))
    is_current = django_filters.BooleanFilter(label=_("现行有效"))

    class Meta:
        model = EmergencyPlan
        fields = ["organization", "kind", "equipment_category", "is_current"]


class DrillFilterSet(_UnitFilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id", label=_("应急预案"))
    equipment_category = django_filters.CharFilter(label=_("设备种类"))
    held_after = django_filters.DateFilter(field_name="held_on", lookup_expr="gte", label=_("演练日期起"))
    held_before = django_filters.DateFilter(field_name="held_on", lookup_expr="lte", label=_("演练日期止"))

    class Meta:
        model = Drill
        fields = ["organization", "plan", "equipment_category"]


class HazardSourceFilterSet(_UnitFilterSet):
    grade = django_filters.ChoiceFilter(choices=HazardSourceGrade.choices, label=_("级别"))
    equipment = django_filters.NumberFilter(field_name="equipment_id", label=_("关联设备"))
    is_active = django_filters.BooleanFilter(label=_("在用"))

    class Meta:
        model = MajorHazardSource
        fields = ["organization", "grade", "equipment", "is_active"]


class MonitoringPointFilterSet(_UnitFilterSet):
    source = django_filters.NumberFilter(field_name="source_id", label=_("重大危险源"))
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = MonitoringPoint
        fields = ["organization", "source", "is_active"]


class ReadingFilterSet(_UnitFilterSet):
    point = django_filters.NumberFilter(field_name="point_id", label=_("监测点"))
    out_of_bounds = django_filters.BooleanFilter(label=_("超限"))
    measured_after = django_filters.IsoDateTimeFilter(
        field_name="measured_at", lookup_expr="gte", label=_("测量时间起")
    )
    measured_before = django_filters.IsoDateTimeFilter(
        field_name="measured_at", lookup_expr="lte", label=_("测量时间止")
    )

    class Meta:
        model = Reading
        fields = ["organization", "point", "out_of_bounds"]


class ComplianceGapFilterSet(_UnitFilterSet):
    kind = django_filters.ChoiceFilter(choices=GapKind.choices, label=_("类别"))
    equipment = django_filters.NumberFilter(field_name="equipment_id", label=_("设备"))
    open = django_filters.BooleanFilter(
        field_name="closed_at", lookup_expr="isnull", label=_("未消除（默认只列未消除的）")
    )

    class Meta:
        model = ComplianceGap
        fields = ["organization", "kind", "equipment"]
