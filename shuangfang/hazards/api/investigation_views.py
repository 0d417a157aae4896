"""API of hidden-hazard investigation: plans, tasks (their checklists and execution) and the unit's own check items.

Reads go through the caller's scope (a unit its own, a regulator its region); writes through the services of
hazards.investigation, which decide who may do what.
"""

import django_filters
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shuangfang.core.api.viewsets import ScopedModelViewSet, ScopedViewSetMixin
from shuangfang.hazards import checklists
from shuangfang.hazards.choices import Cycle, InvestigationKind, TaskStatus
from shuangfang.hazards.investigation import (
    checklist_for_task,
    do_add_check_item,
    do_create_plan,
    do_execute_task,
    do_update_check_item,
    do_update_plan,
)
from shuangfang.hazards.models import CheckItem, CheckResult, InvestigationPlan, InvestigationTask
from shuangfang.orgs.filtersets import filter_region_prefix

from .investigation_serializers import (
    CheckItemSerializer,
    ChecklistItemSerializer,
    ExecuteSerializer,
    InvestigationPlanSerializer,
    InvestigationTaskDetailSerializer,
    InvestigationTaskSerializer,
    LibraryItemSerializer,
)


class InvestigationPlanFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=gettext_lazy("使用单位"))
    region = django_filters.CharFilter(method=filter_region_prefix, label=gettext_lazy("地区（代码前缀）"))
    kind = django_filters.ChoiceFilter(choices=InvestigationKind.choices, label=gettext_lazy("排查类型"))
    cycle = django_filters.ChoiceFilter(choices=Cycle.choices, label=gettext_lazy("周期"))
    is_active = django_filters.BooleanFilter(label=gettext_lazy("有效"))

    class Meta:
        model = InvestigationPlan
        fields = ["organization", "kind", "cycle", "is_active"]


class InvestigationTaskFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=gettext_lazy("使用单位"))
    region = django_filters.CharFilter(method=filter_region_prefix, label=gettext_lazy("地区（代码前缀）"))
    plan = django_filters.NumberFilter(field_name="plan_id", label=gettext_lazy("排查计划"))
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label=gettext_lazy("状态"))
    kind = django_filters.ChoiceFilter(choices=InvestigationKind.choices, label=gettext_lazy("排查类型"))
    equipment = django_filters.NumberFilter(field_name="equipment_id", label=gettext_lazy("设备"))
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label=gettext_lazy("期限不早于"))
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label=gettext_lazy("期限不晚于"))
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=gettext_lazy("我的任务：指派给我的，或未指派而属于我的角色的")
    )

    class Meta:
        model = InvestigationTask
        fields = ["organization", "plan", "status", "kind", "equipment"]

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        user = self.request.user
        mine = Q(assignee_id=user.pk) | Q(assignee__isnull=True, assignee_role__in=list(user.roles))
        return queryset.filter(mine) if value else queryset.exclude(mine)


class CheckItemFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=gettext_lazy("使用单位"))
    equipment = django_filters.NumberFilter(field_name="equipment_id", label=gettext_lazy("设备"))
    catalog_prefix = django_filters.CharFilter(label=gettext_lazy("设备类别"))
    is_active = django_filters.BooleanFilter(label=gettext_lazy("有效"))

    class Meta:
        model = CheckItem
        fields = ["organization", "equipment", "catalog_prefix", "is_active"]


class InvestigationPlanViewSet(ScopedModelViewSet):
    """排查计划: a unit's Order 74 daily check, weekly sweep and monthly meeting (made by the platform for every unit
    using equipment) and the other investigation types on a cycle, before each holiday or once. The unit's principal,
    safety director, safety officers and administrator keep them; changes name the `version` they read."""

    model = InvestigationPlan
    serializer_class = InvestigationPlanSerializer
    filterset_class = InvestigationPlanFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        data.pop("is_active", None)  # a plan starts in force
        serializer.instance = do_create_plan(actor=self.request.user, data=data)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        serializer.instance = do_update_plan(
            actor=self.request.user, plan=serializer.instance, changes=changes, expected_version=version
        )


class InvestigationTaskViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """排查任务: one execution of a plan — a day's check of one equipment, a week's sweep, a month's meeting, a
    quarter's or a holiday's investigation. Made by the scheduler; overdue once past `due_on`; done when executed."""

    model = InvestigationTask
    filterset_class = InvestigationTaskFilterSet

    def get_queryset(self):
        queryset = super().get_queryset().select_related("equipment")
        if self.action in ("retrieve", "execute"):
            results = CheckResult.objects.select_related("hazard").prefetch_related("photos")
            queryset = queryset.prefetch_related(Prefetch("results", queryset=results))
        return queryset

    def get_serializer_class(self):
        if self.action in ("retrieve", "execute"):
            return InvestigationTaskDetailSerializer
        if self.action == "checklist":
            return ChecklistItemSerializer
        return InvestigationTaskSerializer

    @extend_schema(responses={200: ChecklistItemSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def checklist(self, request, pk=None):
        """What the task asks to check: library items, the check measures of the equipment's risks and the unit's own
        items for a daily check; the unit's basic-management items for a weekly sweep; nothing for a monthly meeting
        (its record is the decisions and attendees)."""
        task = self.get_object()
        return Response(ChecklistItemSerializer(checklist_for_task(task), many=True).data)

    @extend_schema(request=ExecuteSerializer, responses={200: InvestigationTaskDetailSerializer})
    @action(detail=True, methods=["post"])
    def execute(self, request, pk=None):
        """Record the check: every checklist item answered once — `ok`, `not_ok` (with a `note` of what was found;
        each becomes a hidden hazard) or `na` — with photos uploaded to /attachments/ first. The monthly meeting gives
        `decisions` and `attendees`. By the assignee, a holder of the task's role, or the principal or safety
        director; `version` is the one read."""
        task = self.get_object()  # first: a task outside scope is 404 whatever the body says
        body = ExecuteSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        do_execute_task(
            actor=request.user,
            task=task,
            results=[dict(result) for result in data["results"]],
            note=data["note"],
            decisions=data["decisions"],
            attendees=data["attendees"],
            expected_version=data["version"],
        )
        return Response(InvestigationTaskDetailSerializer(self.get_queryset().get(pk=task.pk)).data)


class CheckItemViewSet(ScopedModelViewSet):
    """自定检查项: the unit's own additions to its checklist, beside the shipped library and its risks' check
    measures. An item for an equipment or a catalog prefix is checked daily at each such equipment; an item for
    neither in the weekly sweep. Items are retired (`is_active` false), never removed."""

    model = CheckItem
    serializer_class = CheckItemSerializer
    filterset_class = CheckItemFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        data.pop("is_active", None)  # an item starts in force
        serializer.instance = do_add_check_item(actor=self.request.user, data=data)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        item = serializer.instance
        for fixed in ("equipment", "catalog_prefix"):
            if fixed in changes and changes[fixed] != getattr(item, fixed):
                raise serializers.ValidationError({fixed: [_("检查项适用的设备和类别不能修改；请新增检查项。")]})
            changes.pop(fixed, None)
        serializer.instance = do_update_check_item(
            actor=self.request.user, item=item, changes=changes, expected_version=version
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, description=gettext_lazy("目录代码：只列适用于该类设备的检查项")),
            OpenApiParameter(
                "family",
                str,
                enum=list(checklists.FAMILIES),
                description=gettext_lazy("basic 基础管理类 / onsite 使用现场类"),
            ),
        ],
        responses={200: LibraryItemSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def library(self, request):
        """The shipped checklist library (隐患排查清单, after DB37/T 3452), each item with the GB 45067-2024 clause a
        failure of it meets where there is one."""
        category = request.query_params.get("category")
        items = checklists.checklist_for(category) if category else list(checklists.CHECKLIST_LIBRARY)
        family = request.query_params.get("family")
        if family is not None and family not in checklists.FAMILIES:
            raise serializers.ValidationError({"family": [_("请选择 basic 或 onsite。")]})
        if family:
            items = [item for item in items if item.family == family]
        return Response(LibraryItemSerializer(items, many=True).data)
