"""Differentiated supervision API: `/api/v1/supervision/classes/` (read-only: each unit's class A–D with the facts that
produced it) and `/api/v1/supervision/random-plans/` (双随机 plans: list, create, `publish`)."""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shuangfang.accounts.models import User
from shuangfang.core.api.viewsets import ScopedViewSetMixin
from shuangfang.orgs.filtersets import filter_region_prefix
from shuangfang.orgs.models import Region
from shuangfang.supervision import random_plans as services
from shuangfang.supervision.choices import SupervisionClass
from shuangfang.supervision.models import RandomInspectionItem, RandomInspectionPlan, UnitClass


class FactSerializer(serializers.Serializer):
    rule = serializers.CharField()
    description = serializers.CharField()
    value = serializers.IntegerField()
    points = serializers.IntegerField()
    floor = serializers.CharField(allow_blank=True)
    citation = serializers.CharField()
    proposal = serializers.BooleanField()


class UnitClassSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    uscc = serializers.CharField(source="organization.uscc", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    supervision_class_display = serializers.CharField(source="get_supervision_class_display", read_only=True)
    facts = FactSerializer(many=True, read_only=True)

    class Meta:
        model = UnitClass
        fields = [
            "id",
            "organization",
            "organization_name",
            "uscc",
            "region",
            "supervision_class",
            "supervision_class_display",
            "score",
            "facts",
            "computed_at",
            "version",
        ]
        read_only_fields = fields


class UnitClassFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("单位"))
    region = django_filters.CharFilter(method=filter_region_prefix, label=_("地区"))
    supervision_class = django_filters.ChoiceFilter(choices=SupervisionClass.choices, label=_("监管类别"))

    class Meta:
        model = UnitClass
        fields = ["organization", "supervision_class"]


class UnitClassViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """监管类别 (分类监管): computed daily from the records by the rules as data; regulators read their jurisdiction's,
    a unit its own."""

    model = UnitClass
    serializer_class = UnitClassSerializer
    filterset_class = UnitClassFilterSet

    def get_queryset(self):
        return super().get_queryset().select_related("organization").order_by("organization_id")


class RandomItemSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    inspectors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = RandomInspectionItem
        fields = ["id", "unit", "unit_name", "supervision_class", "inspectors"]
        read_only_fields = fields


class RatiosField(serializers.DictField):
    """Class → per cent, e.g. {"A": 5, "B": 20, "C": 60, "D": 100}."""

    child = serializers.JSONField()


class RandomPlanSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, help_text=_("默认本辖区")
    )
    ratios = RatiosField(required=False, help_text=_("各类抽查比例（%），默认各类范围的上限"))
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, help_text=_("留空时随机生成"))
    inspectors_per_unit = serializers.IntegerField(required=False, default=2)
    items = RandomItemSerializer(many=True, read_only=True)
    created_by = serializers.PrimaryKeyRelatedField(read_only=True)
    title = serializers.CharField(max_length=1000, allow_blank=True, required=False, default="")
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = RandomInspectionPlan
        fields = [
            "id",
            "organization",
            "region",
            "title",
            "period_start",
            "period_end",
            "ratios",
            "inspectors_per_unit",
            "seed",
            "published_at",
            "created_by",
            "created_at",
            "items",
            "version",
        ]
        read_only_fields = ["published_at", "created_at", "version"]
        validators: list = []


class PublishSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False)


class RandomPlanFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(method=filter_region_prefix, label=_("地区"))
    published = django_filters.BooleanFilter(field_name="published_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = RandomInspectionPlan
        fields = ["region", "published"]


class RandomPlanViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """双随机抽查计划: drawn by a regulator's inspectors or administrators for a region of the jurisdiction, per class
    with the class's ratio, reproducible from the recorded `seed`; `publish` puts the units on the public page."""

    model = RandomInspectionPlan
    serializer_class = RandomPlanSerializer
    filterset_class = RandomPlanFilterSet

    def get_queryset(self):
        items = RandomInspectionItem.objects.select_related("unit").prefetch_related(
            Prefetch("inspectors", queryset=User.objects.only("pk"))
        )
        return (
            super()
            .get_queryset()
            .select_related("region")
            .prefetch_related(
                Prefetch("items", queryset=items.only("pk", "plan_id", "unit_id", "unit__name", "supervision_class"))
            )
            .order_by("-period_start", "-pk")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plan = services.do_create_random_plan(
            actor=request.user,
            title=data.get("title", ""),
            period_start=data.get("period_start"),
            period_end=data.get("period_end"),
            region=data.get("region"),
            ratios=data.get("ratios"),
            inspectors_per_unit=data.get("inspectors_per_unit", 2),
            seed=data.get("seed"),
        )
        plan = self.get_queryset().get(pk=plan.pk)
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PublishSerializer, responses={200: RandomPlanSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """一公开: `version` as read."""
        plan = self.get_object()
        body = PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.do_publish_random_plan(
            actor=request.user, plan=plan, expected_version=body.validated_data.get("version")
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data)
