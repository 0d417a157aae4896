from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from shuangfang.core.api.viewsets import ScopedModelViewSet
from shuangfang.orgs.filtersets import IndustryFilterSet, OrganizationFilterSet, RegionFilterSet
from shuangfang.orgs.models import Industry, Organization, Region
from shuangfang.orgs.services import do_create_organization, do_update_organization

from .serializers import IndustrySerializer, OrganizationSerializer, RegionSerializer


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 2260 regions of all China to county level."""

    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    permission_classes = [IsAuthenticated]


class IndustryViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 4754-2017 sections and divisions."""

    queryset = Industry.objects.all()
    serializer_class = IndustrySerializer
    filterset_class = IndustryFilterSet


class OrganizationViewSet(ScopedModelViewSet):
    model = Organization
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet

    def get_queryset(self):
        return super().get_queryset().select_related("region", "jurisdiction", "industry")

    def perform_create(self, serializer):
        serializer.instance = do_create_organization(actor=self.request.user, data=dict(serializer.validated_data))

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        serializer.instance = do_update_organization(
            actor=self.request.user, organization=serializer.instance, changes=changes, expected_version=version
        )
