"""`/api/v1/supervision/assessments/`: the annual assessments of regions (考核) the caller may read — a regulator reads
those of its jurisdiction's regions (its own assessments of the regions below, and those of its own region by the
level above); `run/` assesses every child region of the caller's jurisdiction for a year."""

from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shuangfang.core.api.viewsets import ScopedViewSetMixin

from .. import assessment as assessments
from ..models import RegionalAssessment


class RegionalAssessmentSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    notice_kind_label = serializers.CharField(source="get_notice_kind_display", read_only=True)

    class Meta:
        model = RegionalAssessment
        fields = [
            "id",
            "organization",
            "organization_name",
            "region",
            "region_name",
            "year",
            "indicators",
            "weights",
            "score",
            "rank",
            "notice_kind",
            "notice_kind_label",
            "notice_text",
            "computed_at",
            "computed_by",
            "version",
        ]
        read_only_fields = fields


class RunAssessmentSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=gettext_lazy("考核年度"))


class RegionalAssessmentViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """地区考核: read within the jurisdiction; run by a city or provincial regulator's leader or administrator for the
    regions directly below it (a county has none: 403)."""

    model = RegionalAssessment
    serializer_class = RegionalAssessmentSerializer

    def get_queryset(self):
        queryset = super().get_queryset().select_related("organization", "region")
        year = self.request.query_params.get("year")
        if year is not None:
            if not (year.isascii() and year.isdigit()):
                raise serializers.ValidationError({"year": [gettext("年度须为整数。")]})
            queryset = queryset.filter(year=int(year))
        return queryset.order_by("-year", "organization_id", "rank", "region_id")

    @extend_schema(parameters=[OpenApiParameter("year", int, description=gettext_lazy("只列出该年度的考核"))])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RunAssessmentSerializer, responses={200: RegionalAssessmentSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def run(self, request):
        """Assess the child regions of the caller's jurisdiction for the year, replacing an earlier run of it."""
        serializer = RunAssessmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = assessments.do_run_assessment(actor=request.user, year=serializer.validated_data["year"])
        return Response(self.get_serializer(rows, many=True).data)
