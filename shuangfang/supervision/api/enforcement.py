"""Enforcement in the API: `/api/v1/supervision/enforcement-inspections/` (scoped; list, create — the one-action rule
applies on create — and `checklist/`, the checklist as data) and `/api/v1/supervision/orders/` (scoped; list and the
`comply` action of the regulator's follow-up).  A unit reads its own inspections and orders.  The public list of
published orders, `/api/v1/public/orders/`, needs no sign-in."""

import re

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from shuangfang.accounts.models import User
from shuangfang.core.access import public
from shuangfang.core.api.fields import ScopedPrimaryKeyRelatedField
from shuangfang.core.api.viewsets import ScopedViewSetMixin
from shuangfang.equipment.models import Equipment
from shuangfang.orgs.filtersets import filter_region_prefix, region_prefix_of
from shuangfang.orgs.models import Organization

from .. import rules_enforcement as rules
from .. import services_enforcement as services
from ..choices import OrderStatus
from ..models import EnforcementInspection, EnforcementOrder


class EnforcementOrderSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = EnforcementOrder
        fields = [
            "id",
            "inspection",
            "organization",
            "region",
            "unit",
            "unit_name",
            "content",
            "stop_use",
            "deadline",
            "status",
            "status_display",
            "hazard",
            "listing",
            "published",
            "follow_up",
            "closed_at",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class OrderInputSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=4000, allow_blank=True)
    deadline = serializers.DateField()
    stop_use = serializers.BooleanField(required=False, default=False)


class EnforcementInspectionSerializer(serializers.ModelSerializer):
    unit = ScopedPrimaryKeyRelatedField(queryset=Organization.objects.all())
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    inspected_on = serializers.DateField(required=False, help_text=_("默认今天"))
    inspectors = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.all(), many=True, required=False, help_text=_("本部门的监察人员；默认为本人")
    )
    results = serializers.DictField(
        child=serializers.CharField(), help_text=_("检查项代码 → ok（符合）/ finding（发现问题）/ na（不适用）")
    )
    notes = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=500),
        required=False,
        write_only=True,
        help_text=_("检查项代码 → 说明"),
    )
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    orders = serializers.SerializerMethodField()
    new_orders = OrderInputSerializer(many=True, required=False, write_only=True, help_text=_("下达的监察指令"))
    equipment = ScopedPrimaryKeyRelatedField(
        queryset=Equipment.objects.all(), required=False, allow_null=True, write_only=True
    )
    one_action_deadline = serializers.DateField(
        required=False, allow_null=True, write_only=True, help_text=_("“一律”情形的督办和整改期限，默认 30 天")
    )

    class Meta:
        model = EnforcementInspection
        fields = [
            "id",
            "organization",
            "region",
            "unit",
            "unit_name",
            "inspected_on",
            "inspectors",
            "results",
            "notes",
            "findings",
            "orders",
            "new_orders",
            "equipment",
            "one_action_deadline",
            "created_by",
            "created_at",
            "version",
        ]
        read_only_fields = ["organization", "created_by", "created_at", "version"]

    def get_orders(self, inspection) -> list[dict]:
        return EnforcementOrderSerializer(inspection.orders.all(), many=True).data


class EnforcementFilterSet(django_filters.FilterSet):
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("被检查单位"))
    region = django_filters.CharFilter(method=filter_region_prefix, label=_("地区"))
    inspected_after = django_filters.DateFilter(field_name="inspected_on", lookup_expr="gte", label=_("检查日期自"))
    inspected_before = django_filters.DateFilter(field_name="inspected_on", lookup_expr="lte", label=_("检查日期至"))

    class Meta:
        model = EnforcementInspection
        fields = ["unit"]


class EnforcementInspectionViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """双重预防体系执法检查: recorded by a regulator's inspector or administrator whose jurisdiction covers the unit.
    A `finding` on a one-action item (see `checklist/`) makes a major hazard, lists it for supervision at the
    regulator's level and records a published stop-and-rectify order, in the same transaction."""

    model = EnforcementInspection
    serializer_class = EnforcementInspectionSerializer
    filterset_class = EnforcementFilterSet

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("unit")
            .prefetch_related("inspectors", "orders__unit")
            .order_by("-inspected_on", "-pk")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        inspection = services.do_record_inspection(
            actor=request.user,
            unit=data["unit"],
            inspected_on=data.get("inspected_on"),
            results=data["results"],
            notes=data.get("notes"),
            findings=data.get("findings", ""),
            orders=data.get("new_orders", []),
            inspectors=data.get("inspectors") or None,
            equipment=data.get("equipment"),
            one_action_deadline=data.get("one_action_deadline"),
        )
        inspection = self.get_queryset().get(pk=inspection.pk)
        return Response(self.get_serializer(inspection).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses=inline_serializer(
            "EnforcementChecklistItem",
            {
                "code": serializers.CharField(),
                "area": serializers.CharField(),
                "text": serializers.CharField(),
                "citation": serializers.CharField(),
                "effective_from": serializers.DateField(),
                "one_action": serializers.BooleanField(),
                "one_action_kind": serializers.CharField(),
                "one_action_label": serializers.CharField(),
            },
            many=True,
        )
    )
    @action(detail=False, methods=["get"], filterset_class=None)  # the whole checklist: the list's filters do not apply
    def checklist(self, request):
        """The checklist as data: each item's code, area, text, citation and whether the one-action rule applies."""
        return Response(
            [
                {
                    "code": item.code,
                    "area": str(item.area),
                    "text": str(item.text),
                    "citation": item.citation,
                    "effective_from": item.effective_from,
                    "one_action": item.one_action,
                    "one_action_kind": item.one_action_kind,
                    "one_action_label": item.one_action_label,
                }
                for item in rules.ENFORCEMENT_CHECKLIST
            ]
        )


class ComplySerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False)
    follow_up = serializers.CharField(max_length=4000, allow_blank=True, required=False, default="")


class OrderFilterSet(django_filters.FilterSet):
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("单位"))
    inspection = django_filters.NumberFilter(field_name="inspection_id", label=_("执法检查"))
    region = django_filters.CharFilter(method=filter_region_prefix, label=_("地区"))
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, label=_("状态"))

    class Meta:
        model = EnforcementOrder
        fields = ["unit", "inspection", "status", "stop_use", "published"]


class EnforcementOrderViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """监察指令: issued by enforcement inspections; `comply` records the regulator's follow-up finding it complied
    with; past the deadline without compliance the daily job records the closure recommendation."""

    model = EnforcementOrder
    serializer_class = EnforcementOrderSerializer
    filterset_class = OrderFilterSet

    def get_queryset(self):
        return super().get_queryset().select_related("unit").order_by("deadline", "pk")

    @extend_schema(request=ComplySerializer, responses={200: EnforcementOrderSerializer})
    @action(detail=True, methods=["post"])
    def comply(self, request, pk=None):
        """整改完成: `follow_up` required, `version` as read."""
        order = self.get_object()
        body = ComplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = services.do_record_compliance(
            actor=request.user,
            order=order,
            follow_up=body.validated_data["follow_up"],
            expected_version=body.validated_data.get("version"),
        )
        return Response(self.get_serializer(order).data)


# The public list --------------------------------------------------------------------------------------------------

REGION_CODE = re.compile(r"^\d{2,6}$")


class PublicOrderSerializer(serializers.ModelSerializer):
    """What the public list shows of a published order: the unit's name and USCC, the region, the order itself, its
    status, the listing level, the issuing regulator and the dates — no people and no ids."""

    unit_name = serializers.CharField(source="unit.name")
    uscc = serializers.CharField(source="unit.uscc")
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    # A plain string here: the same choices as the signed-in orders' `status` (an enum there).
    status = serializers.CharField(help_text="issued / complied / closure_recommended")
    status_display = serializers.CharField(source="get_status_display")
    listing_level = serializers.CharField(source="listing.level", allow_null=True, default=None)
    listing_level_display = serializers.CharField(source="listing.get_level_display", allow_null=True, default=None)
    authority = serializers.CharField(source="organization.name")
    issued_on = serializers.DateField(source="inspection.inspected_on")
    closed_on = serializers.SerializerMethodField()

    class Meta:
        model = EnforcementOrder
        fields = [
            "unit_name",
            "uscc",
            "region",
            "region_name",
            "content",
            "stop_use",
            "deadline",
            "status",
            "status_display",
            "listing_level",
            "listing_level_display",
            "authority",
            "issued_on",
            "closed_on",
        ]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_closed_on(self, order):
        """整改完成或提出关闭建议的日期."""
        return timezone.localdate(order.closed_at) if order.closed_at else None


class PublicOrderFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(method="filter_region", label=_("地区代码（含下级地区）"))
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, label=_("状态"))

    class Meta:
        model = EnforcementOrder
        fields = ["status"]

    def filter_region(self, queryset, name, value):
        value = value.strip()
        if not REGION_CODE.match(value):
            raise ValidationError({"region": _("地区代码须为 2 至 6 位数字，如 1405（晋城市）或 140525（泽州县）。")})
        return queryset.filter(region__code__startswith=region_prefix_of(value))


@public
class PublicOrderListView(generics.ListAPIView):
    """The public list of published enforcement orders (一公开, the stop-and-rectify orders of the one-action rule),
    without sign-in; the latest first, filtered by `region` (a code or prefix, with the regions below it) and
    `status`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = PublicOrderSerializer
    filterset_class = PublicOrderFilterSet

    def get_queryset(self):
        return services.published_orders()
