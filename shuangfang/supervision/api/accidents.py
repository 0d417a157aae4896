"""Accidents in the API (`/api/v1/supervision/accidents/`): recorded by a regulator whose jurisdiction covers the unit;
`tracing/` answers the reverse-tracing report of one accident as JSON."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shuangfang.core.api.fields import ScopedPrimaryKeyRelatedField
from shuangfang.core.api.viewsets import ScopedViewSetMixin
from shuangfang.equipment.models import Equipment
from shuangfang.orgs.models import Organization

from .. import services_accidents, tracing
from ..models import Accident


class AccidentSerializer(serializers.ModelSerializer):
    organization = ScopedPrimaryKeyRelatedField(queryset=Organization.objects.all())
    equipment = ScopedPrimaryKeyRelatedField(queryset=Equipment.objects.all(), required=False, allow_null=True)
    region = serializers.CharField(source="region_id", read_only=True)
    accident_type = serializers.CharField(max_length=32)
    accident_type_label = serializers.SerializerMethodField()
    severity = serializers.CharField(max_length=16)
    deaths = serializers.IntegerField(required=False, default=0)
    serious_injuries = serializers.IntegerField(required=False, default=0)
    minor_injuries = serializers.IntegerField(required=False, default=0)
    direct_loss = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)
    recorded_by = serializers.PrimaryKeyRelatedField(read_only=True)
    recorded_by_organization = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Accident
        fields = [
            "id",
            "organization",
            "region",
            "equipment",
            "occurred_at",
            "accident_type",
            "accident_type_label",
            "severity",
            "deaths",
            "serious_injuries",
            "minor_injuries",
            "direct_loss",
            "description",
            "recorded_by",
            "recorded_by_organization",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at", "version"]

    def get_accident_type_label(self, accident) -> str:
        return services_accidents.accident_type_label(accident.accident_type)


class AccidentViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """特种设备事故: recorded by a regulator's inspector or administrator (a unit reads its own); recording flags the
    equipment's risks for reassessment."""

    model = Accident
    serializer_class = AccidentSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("organization", "equipment")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        accident = services_accidents.do_record_accident(
            actor=request.user,
            organization=data["organization"],
            equipment=data.get("equipment"),
            occurred_at=data["occurred_at"],
            accident_type=data["accident_type"],
            severity=data["severity"],
            description=data["description"],
            deaths=data.get("deaths", 0),
            serious_injuries=data.get("serious_injuries", 0),
            minor_injuries=data.get("minor_injuries", 0),
            direct_loss=data.get("direct_loss", 0),
        )
        return Response(self.get_serializer(accident).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("months", int, description=gettext_lazy("倒查期间：事故前的月数，默认 12，最多 60"))
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"])
    def tracing(self, request, pk=None):
        """The reverse-tracing report (倒查) of the accident."""
        accident = self.get_object()
        months = parse_months(request.query_params.get("months"))
        return Response(tracing.build_report(accident, months=months))


def parse_months(raw) -> int:
    if raw in (None, ""):
        return tracing.DEFAULT_MONTHS
    if not str(raw).isdigit() or not 1 <= int(raw) <= tracing.MAX_MONTHS:
        raise serializers.ValidationError(
            {"months": [_("倒查期间须为 1 到 %(max)d 个月。") % {"max": tracing.MAX_MONTHS}]}
        )
    return int(raw)
