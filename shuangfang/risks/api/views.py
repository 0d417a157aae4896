from django.conf import settings
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from shuangfang.core.api.deletion import SoftDeleteMixin
from shuangfang.core.api.schema import TOO_MANY, XLSX, file_responses
from shuangfang.core.api.viewsets import IdempotentMixin, ScopedModelViewSet, ScopedViewSetMixin
from shuangfang.core.exports import begin_export
from shuangfang.risks import exports, library, rules, selectors
from shuangfang.risks.filtersets import RiskFilterSet, RiskPointFilterSet
from shuangfang.risks.models import Risk, RiskPoint, SitePlan
from shuangfang.risks.services import (
    do_add_site_plan,
    do_apply_templates,
    do_create_risk,
    do_create_risk_point,
    do_place_risk_point,
    do_retire_risk,
    do_update_risk,
)

from .serializers import (
    ApplyTemplatesSerializer,
    PlaceSerializer,
    RetireSerializer,
    RiskAssessmentSerializer,
    RiskPointSerializer,
    RiskSerializer,
    RiskTemplateSerializer,
    SitePlanSerializer,
)


def level_rank_expression(field: str = "level"):
    return Case(
        *(When(**{field: level}, then=Value(rules.level_rank(level))) for level in rules.LEVELS),
        output_field=IntegerField(),
    )


class RiskViewSet(SoftDeleteMixin, ScopedModelViewSet):
    """安全风险: identification, assessment (LEC / LS / MES), grading and control."""

    model = Risk
    serializer_class = RiskSerializer
    filterset_class = RiskFilterSet

    def get_queryset(self):
        queryset = super().get_queryset().select_related("risk_point")
        # The list, its export and its summary hold the current risks unless `is_active` asks otherwise; a retired
        # risk is still found by its id, with its history.
        if self.action in ("list", "export", "summary") and "is_active" not in self.request.query_params:
            queryset = queryset.filter(is_active=True)
        return queryset

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        data.pop("reason", None)
        point = data.pop("risk_point", None)
        equipment = data.pop("equipment", None)
        if point is None and equipment is None:
            raise serializers.ValidationError(
                {"risk_point_id": [_("请指定风险点（risk_point_id）或设备（equipment）。")]}
            )
        serializer.instance = do_create_risk(
            actor=self.request.user, point=point, equipment=None if point is not None else equipment, data=data
        )

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        reason = changes.pop("reason", "")
        for fixed in ("risk_point", "equipment"):
            if fixed in changes and changes[fixed] != getattr(serializer.instance, fixed):
                raise serializers.ValidationError({fixed: [_("风险所属的风险点和设备不能修改。")]})
            changes.pop(fixed, None)
        if "measures" in changes:
            changes["measures"] = [dict(measure) for measure in changes["measures"]]
        serializer.instance = do_update_risk(
            actor=self.request.user, risk=serializer.instance, changes=changes, expected_version=version, reason=reason
        )

    @extend_schema(request=RetireSerializer, responses={200: RiskSerializer})
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        """A risk that no longer exists: kept in the history, gone from the list."""
        risk = self.get_object()  # first: a risk outside scope is 404 whatever the body says
        body = RetireSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        risk = do_retire_risk(
            actor=request.user,
            risk=risk,
            reason=body.validated_data["reason"],
            expected_version=body.validated_data["version"],
        )
        return Response(self.get_serializer(risk).data)

    @extend_schema(responses={200: RiskAssessmentSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """Every grading of the risk: who graded what, when, and why."""
        risk = self.get_object()
        return Response(RiskAssessmentSerializer(risk.assessments.select_related("assessed_by"), many=True).data)

    @extend_schema(responses={**file_responses(XLSX), 429: TOO_MANY})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The 风险分级管控清单 of the filtered risks as .xlsx."""
        queryset = self.filter_queryset(self.get_queryset())
        begin_export(request, "risks", queryset)
        return FileResponse(
            exports.risk_control_list_file(queryset), as_attachment=True, filename=exports.risk_control_list_filename()
        )

    @extend_schema(
        responses=inline_serializer(
            "RiskLevelCounts", {"levels": serializers.DictField(child=serializers.IntegerField())}
        )
    )
    @action(detail=False, methods=["get"])
    def summary(self, request):
        """Active risks by level (the four-colour distribution) for the filtered scope."""
        return Response({"levels": selectors.level_counts(self.filter_queryset(self.get_queryset()))})


class RiskPointViewSet(ScopedModelViewSet):
    """风险点: equipment (created with their risks), sites and operations."""

    model = RiskPoint
    serializer_class = RiskPointSerializer
    filterset_class = RiskPointFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        highest = (
            Risk.objects.filter(risk_point_id=OuterRef("pk"), is_active=True)
            .annotate(rank=level_rank_expression())
            .order_by("-rank")
            .values("level")[:1]
        )
        return super().get_queryset().annotate(highest_level=Subquery(highest))

    def perform_create(self, serializer):
        serializer.instance = do_create_risk_point(actor=self.request.user, data=dict(serializer.validated_data))

    @extend_schema(request=PlaceSerializer, responses={200: RiskPointSerializer})
    @action(detail=True, methods=["post"])
    def place(self, request, pk=None):
        """Put the point on a site plan (fractions 0–1 of its width and height), or take it off (site_plan null)."""
        point = self.get_object()  # first: a point outside scope is 404 whatever the body says
        body = PlaceSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        point = do_place_risk_point(
            actor=request.user,
            point=point,
            site_plan=body.validated_data["site_plan"],
            x=body.validated_data.get("plan_x"),
            y=body.validated_data.get("plan_y"),
            expected_version=body.validated_data["version"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=point.pk)).data)


class SitePlanViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The unit's site plans, on which the four-colour risk map is drawn."""

    model = SitePlan
    serializer_class = SitePlanSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = do_add_site_plan(actor=self.request.user, name=data["name"], image=data["image"])


@extend_schema(
    parameters=[OpenApiParameter("category", str, description=gettext_lazy("目录代码：只列适用于该类设备的模板"))]
)
class RiskTemplateViewSet(IdempotentMixin, viewsets.ViewSet):
    """The shipped library of typical risks by catalog code (危险源、后果、管控措施、最低等级); `apply` creates risks,
    so a retry under the same Idempotency-Key creates them once."""

    lookup_value_regex = "[A-Za-z0-9-]+"
    serializer_class = RiskTemplateSerializer

    def list(self, request):
        category = request.query_params.get("category")
        templates = library.templates_for(category) if category else list(library.RISK_TEMPLATES)
        return Response(RiskTemplateSerializer(templates, many=True).data)

    def retrieve(self, request, pk=None):
        try:
            template = library.template_by_code(pk)
        except LookupError as missing:
            raise NotFound() from missing
        return Response(RiskTemplateSerializer(template).data)

    @extend_schema(request=ApplyTemplatesSerializer, responses={201: RiskSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def apply(self, request):
        """Identify the risks of many equipment at once from their catalog code's templates."""
        body = ApplyTemplatesSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        risks = do_apply_templates(
            actor=request.user,
            equipment=body.validated_data["equipment"],
            template_codes=body.validated_data.get("templates"),
        )
        return Response({"created": len(risks), "risks": [risk.pk for risk in risks]}, status=201)


class RiskMethodView(APIView):
    """The assessment tables of the platform's province profile: factor values with their criteria, and the bands."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        profile = rules.profile(settings.PROVINCE_PROFILE)
        return Response(
            {
                "profile": profile.code,
                "methods": {
                    method: {
                        "factors": {
                            name: [
                                {"value": float(option.value), "label": str(option.label)}
                                for option in rules.factor_options(method, name, profile)
                            ]
                            for name in rules.FACTOR_NAMES[method]
                        },
                        "bands": [{"level": band.level, "lower": float(band.lower)} for band in profile.bands[method]],
                    }
                    for method in rules.METHODS
                },
                "minimum_control_level": dict(profile.minimum_control_level),
                "review_months": dict(profile.review_months),
            }
        )
