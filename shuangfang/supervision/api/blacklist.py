"""The blacklist API: `/api/v1/supervision/blacklist/` (scoped; list, create, `lift`) and the public
`/api/v1/public/blacklist/` (no sign-in; entries in force only)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from shuangfang.core.access import public
from shuangfang.core.api.fields import ScopedPrimaryKeyRelatedField
from shuangfang.core.api.viewsets import ScopedViewSetMixin
from shuangfang.hazards.models import Hazard
from shuangfang.orgs.filtersets import filter_region_prefix
from shuangfang.orgs.models import Organization
from shuangfang.supervision import services_blacklist as services
from shuangfang.supervision.choices import BlacklistReason, BlacklistStatus
from shuangfang.supervision.models import Accident, BlacklistEntry


class BlacklistEntrySerializer(serializers.ModelSerializer):
    organization = ScopedPrimaryKeyRelatedField(queryset=Organization.objects.all())
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    reason = serializers.ChoiceField(choices=BlacklistReason.choices)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    listed_on = serializers.DateField(required=False, help_text=_("默认今天"))
    until = serializers.DateField(required=False, help_text=_("默认按列入事由的期限（settings.BLACKLIST_TERM_YEARS）"))
    accident = ScopedPrimaryKeyRelatedField(queryset=Accident.objects.all(), required=False, allow_null=True)
    hazard = ScopedPrimaryKeyRelatedField(queryset=Hazard.objects.all(), required=False, allow_null=True)
    listed_by = serializers.PrimaryKeyRelatedField(read_only=True)
    listed_by_organization = serializers.PrimaryKeyRelatedField(read_only=True)
    lifted_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = BlacklistEntry
        fields = [
            "id",
            "organization",
            "organization_name",
            "region",
            "reason",
            "reason_display",
            "detail",
            "listed_on",
            "until",
            "status",
            "accident",
            "hazard",
            "listed_by",
            "listed_by_organization",
            "lifted_on",
            "lift_reason",
            "lifted_by",
            "version",
        ]
        read_only_fields = ["region", "status", "lifted_on", "lift_reason", "version"]
        # "One active entry per unit and reason" is the service's rule (409), not a uniqueness error of the body.
        validators = []


class LiftSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False)
    reason = serializers.CharField(max_length=4000, allow_blank=True, required=False, default="")


class BlacklistFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("单位"))
    region = django_filters.CharFilter(method=filter_region_prefix, label=_("地区"))
    status = django_filters.ChoiceFilter(choices=BlacklistStatus.choices, label=_("状态"))
    reason = django_filters.ChoiceFilter(choices=BlacklistReason.choices, label=_("列入事由"))

    class Meta:
        model = BlacklistEntry
        fields = ["organization", "status", "reason"]


class BlacklistViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """黑名单: entries listed by a regulator whose jurisdiction covers the unit (inspectors and administrators), lifted
    by the same (`lift`, 信用修复) or by the daily job when the term ends.  Units read their own."""

    model = BlacklistEntry
    serializer_class = BlacklistEntrySerializer
    filterset_class = BlacklistFilterSet

    def get_queryset(self):
        return super().get_queryset().select_related("organization")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = services.do_list_unit(
            actor=request.user,
            organization=data["organization"],
            reason=data["reason"],
            detail=data.get("detail", ""),
            listed_on=data.get("listed_on"),
            until=data.get("until"),
            accident=data.get("accident"),
            hazard=data.get("hazard"),
        )
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LiftSerializer, responses={200: BlacklistEntrySerializer})
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        """移出 (信用修复 or revoked): `reason` required, `version` as read."""
        entry = self.get_object()
        body = LiftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.do_lift_entry(
            actor=request.user,
            entry=entry,
            reason=body.validated_data["reason"],
            expected_version=body.validated_data.get("version"),
        )
        return Response(self.get_serializer(entry).data)


class PublicBlacklistEntrySerializer(serializers.ModelSerializer):
    """What the public list shows: the unit's name and USCC, the reason, the dates and the listing authority."""

    organization_name = serializers.CharField(source="organization.name")
    uscc = serializers.CharField(source="organization.uscc")
    reason_display = serializers.CharField(source="get_reason_display")
    authority = serializers.CharField(source="listed_by_organization.name")

    class Meta:
        model = BlacklistEntry
        fields = ["organization_name", "uscc", "reason", "reason_display", "listed_on", "until", "authority"]


@public
class PublicBlacklistView(generics.ListAPIView):
    """The public blacklist (一公开): the entries in force today, without sign-in."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = PublicBlacklistEntrySerializer

    def get_queryset(self):
        return services.active_public_entries()
