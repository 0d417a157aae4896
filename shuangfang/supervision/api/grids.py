"""`/api/v1/supervision/grids/`: the grids of the caller's jurisdiction; the county regulator creates and adjusts
its own (with the version it read)."""

from django.db.models import Prefetch
from rest_framework import serializers

from shuangfang.accounts.models import User
from shuangfang.core.api.fields import ScopedPrimaryKeyRelatedField
from shuangfang.core.api.serializers import VersionedUpdateSerializer
from shuangfang.core.api.viewsets import ScopedModelViewSet
from shuangfang.orgs.models import Organization

from ..models import Grid
from ..services_grids import do_create_grid, do_update_grid


class GridSerializer(VersionedUpdateSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    units = ScopedPrimaryKeyRelatedField(queryset=Organization.objects.all(), many=True, required=False)
    inspectors = ScopedPrimaryKeyRelatedField(queryset=User.objects.all(), many=True, required=False)

    class Meta:
        model = Grid
        fields = ["id", "organization", "region", "name", "description", "units", "inspectors", "version", "created_at"]
        read_only_fields = ["created_at"]
        # The name's uniqueness and length are the service's to judge, with its own messages.
        extra_kwargs = {"name": {"validators": [], "max_length": 200}, "description": {"max_length": 1000}}
        validators: list = []


class GridViewSet(ScopedModelViewSet):
    """网格: read by the regulators whose jurisdiction covers them; created and changed by the county regulator that
    owns them (its administrator or leader).  A unit belongs to at most one grid of its county."""

    model = Grid
    serializer_class = GridSerializer

    def get_queryset(self):
        units = Organization.objects.only("pk")
        people = User.objects.only("pk")
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("units", queryset=units), Prefetch("inspectors", queryset=people))
            .order_by("region_id", "name", "pk")
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = do_create_grid(
            actor=self.request.user,
            name=data.get("name", ""),
            description=data.get("description", ""),
            units=data.get("units", []),
            inspectors=data.get("inspectors", []),
        )

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        serializer.instance = do_update_grid(
            actor=self.request.user, grid=serializer.instance, changes=changes, version=version
        )
