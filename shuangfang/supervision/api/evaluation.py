"""Evaluations of units' dual prevention systems (`/api/v1/supervision/evaluations/`, with the scoring table at
`…/table/`), demonstration enterprises (`/api/v1/supervision/demonstration-enterprises/`, with `revoke`) and the public
list of demonstration enterprises (`/api/v1/public/demonstration-enterprises/`, no sign-in)."""

import django_filters
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from shuangfang.core.access import public
from shuangfang.core.api.fields import ScopedPrimaryKeyRelatedField
from shuangfang.core.api.viewsets import ScopedViewSetMixin
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.orgs.filtersets import filter_region_prefix
from shuangfang.orgs.models import Organization

from .. import rules_evaluation as rules
from .. import services_evaluation as services
from ..choices import EvaluationKind
from ..models import DemonstrationEnterprise, Evaluation


class EvaluationSerializer(serializers.ModelSerializer):
    organization = ScopedPrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, help_text=gettext_lazy("自评时可省略（本单位）")
    )
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    kind = serializers.CharField(read_only=True, help_text=gettext_lazy("self（单位自评）或 regulator，由评价人决定"))
    year = serializers.IntegerField(required=False, help_text=gettext_lazy("默认今年"))
    scores = serializers.JSONField(
        help_text=gettext_lazy("评分项代码 → 得分（0 到该项分值，最多一位小数）；可标为不适用的项给 null")
    )
    vetoes = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list)
    score = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True)
    passed = serializers.SerializerMethodField()
    evaluated_by = serializers.PrimaryKeyRelatedField(read_only=True)
    evaluator_organization = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "organization",
            "organization_name",
            "region",
            "kind",
            "year",
            "scores",
            "vetoes",
            "score",
            "passed",
            "evaluated_by",
            "evaluator_organization",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at", "version"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_passed(self, obj) -> bool:
        return rules.passes(obj.score)


class EvaluationFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=gettext_lazy("单位"))
    region = django_filters.CharFilter(method=filter_region_prefix, label=gettext_lazy("地区"))
    kind = django_filters.ChoiceFilter(choices=EvaluationKind.choices, label=gettext_lazy("评价类型"))
    year = django_filters.NumberFilter(field_name="year", label=gettext_lazy("年度"))

    class Meta:
        model = Evaluation
        fields = ["organization", "kind", "year"]


def scoring_table() -> dict:
    return {
        "items": [
            {
                "code": item.code,
                "number": item.number,
                "element": _(item.element),
                "points": item.points,
                "checks": _(item.checks),
                "may_be_na": item.may_be_na,
                "na_when": _(item.na_when) if item.na_when else "",
                "citation": item.citation,
                "source": item.source,
            }
            for item in rules.EVALUATION_ITEMS
        ],
        "raw_total": rules.RAW_TOTAL,
        "vetoes": [
            {"code": veto.code, "description": _(veto.description), "citation": veto.citation, "source": veto.source}
            for veto in rules.VETO_ITEMS
        ],
        "pass_mark": str(rules.PASS_MARK_UNIT),
        "demonstration_mark": str(rules.PASS_MARK_DEMONSTRATION),
        "pass_mark_source": rules.PASS_MARK_SOURCE,
        "demonstrations_per_category_per_city": rules.DEMONSTRATIONS_PER_CATEGORY_PER_CITY,
        "demonstration_criteria": [
            {"code": c.code, "description": _(c.description), "enforced": c.enforced, "source": c.source}
            for c in rules.DEMONSTRATION_CRITERIA
        ],
    }


class EvaluationViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """双重预防机制评价: a unit's managers evaluate their own unit (self); a regulator's inspectors and administrators
    the units of its jurisdiction (regulator).  Regulators read their jurisdiction's evaluations, a unit its own."""

    model = Evaluation
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilterSet

    def get_queryset(self):
        return super().get_queryset().select_related("organization")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = data.get("organization")
        if organization is None:
            if scope_of(request.user).kind != ScopeKind.UNIT:
                raise ValidationError({"organization": _("请指定被评价的单位。")})
            organization = request.user.organization
        evaluation = services.do_evaluate(
            actor=request.user,
            organization=organization,
            year=data.get("year"),
            scores=data["scores"],
            vetoes=data.get("vetoes") or [],
        )
        return Response(self.get_serializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def table(self, request):
        """The scoring table as data: items with points and applicability, veto items, pass marks, and the
        demonstration criteria (each with its source; PROPOSAL rows marked)."""
        return Response(scoring_table())


class DemonstrationEnterpriseSerializer(serializers.ModelSerializer):
    organization = ScopedPrimaryKeyRelatedField(queryset=Organization.objects.all())
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    city = serializers.CharField(source="city_id", read_only=True)
    equipment_category = serializers.CharField(max_length=4, help_text=gettext_lazy("设备种类代码，如 3000（电梯）"))
    year = serializers.IntegerField(required=False, help_text=gettext_lazy("默认今年"))
    evaluation = serializers.PrimaryKeyRelatedField(read_only=True)
    score = serializers.DecimalField(source="evaluation.score", max_digits=5, decimal_places=1, read_only=True)
    status = serializers.SerializerMethodField()
    nominated_by = serializers.PrimaryKeyRelatedField(read_only=True)
    nominated_by_organization = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = DemonstrationEnterprise
        fields = [
            "id",
            "organization",
            "organization_name",
            "region",
            "city",
            "equipment_category",
            "year",
            "evaluation",
            "score",
            "status",
            "nominated_by",
            "nominated_by_organization",
            "revoked_at",
            "revoke_reason",
            "created_at",
            "version",
        ]
        read_only_fields = ["revoked_at", "revoke_reason", "created_at", "version"]
        # "One per unit, category and year" is the service's rule (409), not a uniqueness error of the body.
        validators = []

    @extend_schema_field(serializers.ChoiceField(choices=["active", "revoked"]))
    def get_status(self, obj) -> str:
        return "revoked" if obj.revoked_at else "active"


class RevokeSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False)
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class DemonstrationFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=gettext_lazy("单位"))
    region = django_filters.CharFilter(method=filter_region_prefix, label=gettext_lazy("地区"))
    year = django_filters.NumberFilter(field_name="year", label=gettext_lazy("年度"))
    equipment_category = django_filters.CharFilter(field_name="equipment_category", label=gettext_lazy("设备种类"))
    revoked = django_filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", exclude=True, label=gettext_lazy("已撤销")
    )

    class Meta:
        model = DemonstrationEnterprise
        fields = ["organization", "year", "equipment_category"]


class DemonstrationEnterpriseViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """示范企业: nominated by the city regulator (inspectors and administrators) — latest regulator evaluation of the
    year ≥ 80, no veto, at most 2 per equipment category per city and year — and revoked by it."""

    model = DemonstrationEnterprise
    serializer_class = DemonstrationEnterpriseSerializer
    filterset_class = DemonstrationFilterSet

    def get_queryset(self):
        return super().get_queryset().select_related("organization", "evaluation")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        demonstration = services.do_nominate_demonstration(
            actor=request.user,
            organization=data["organization"],
            equipment_category=data["equipment_category"],
            year=data.get("year"),
        )
        return Response(self.get_serializer(demonstration).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevokeSerializer, responses={200: DemonstrationEnterpriseSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """撤销: `reason` required, `version` as read."""
        demonstration = self.get_object()
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        demonstration = services.do_revoke_demonstration(
            actor=request.user,
            demonstration=demonstration,
            reason=body.validated_data["reason"],
            expected_version=body.validated_data.get("version"),
        )
        return Response(self.get_serializer(demonstration).data)


class PublicDemonstrationSerializer(serializers.ModelSerializer):
    """What the public list shows: the unit's name and USCC, the city, the category, the year, the authority."""

    organization_name = serializers.CharField(source="organization.name")
    uscc = serializers.CharField(source="organization.uscc")
    city = serializers.CharField(source="city_id")
    city_name = serializers.CharField(source="city.name")
    equipment_category_name = serializers.SerializerMethodField()
    authority = serializers.CharField(source="nominated_by_organization.name")

    class Meta:
        model = DemonstrationEnterprise
        fields = [
            "organization_name",
            "uscc",
            "city",
            "city_name",
            "equipment_category",
            "equipment_category_name",
            "year",
            "authority",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_equipment_category_name(self, obj) -> str:
        return self.context.get("category_names", {}).get(obj.equipment_category, "")


@extend_schema(parameters=[OpenApiParameter("year", int, description="年度，默认今年")])
@public
class PublicDemonstrationView(generics.ListAPIView):
    """The public list of demonstration enterprises (示范企业): those of the year not revoked, without sign-in."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = PublicDemonstrationSerializer

    def year(self) -> int:
        value = str(self.request.query_params.get("year", "")).strip()
        if not value:
            return timezone.localdate().year
        if not value.isdigit() or not 2018 <= int(value) <= 9999:
            raise ValidationError({"year": _("年度须为四位数字。")})
        return int(value)

    def get_queryset(self):
        return services.public_demonstrations(self.year())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["category_names"] = services.category_names(rules_categories())
        return context


def rules_categories() -> list[str]:
    """Every top-level category code (a handful): their names are read once per request."""
    return [f"{digit}000" for digit in "123456789ABCDEF"]
