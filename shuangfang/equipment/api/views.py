from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from shuangfang.core import pii
from shuangfang.core.api.deletion import SoftDeleteMixin
from shuangfang.core.api.schema import TOO_MANY, XLSX, file_responses
from shuangfang.core.api.viewsets import ScopedModelViewSet, ScopedViewSetMixin
from shuangfang.core.exports import begin_export
from shuangfang.equipment import ledger
from shuangfang.equipment.filtersets import (
    CatalogFilterSet,
    CertificateFilterSet,
    EquipmentFilterSet,
    PeriodicInspectionFilterSet,
)
from shuangfang.equipment.models import (
    CatalogEntry,
    CertificateItem,
    Equipment,
    OperatorCertificate,
    PeriodicInspection,
)
from shuangfang.equipment.services import (
    do_add_certificate,
    do_change_equipment_status,
    do_record_inspection,
    do_register_equipment,
    do_update_certificate,
    do_update_equipment,
)

from .serializers import (
    CatalogEntrySerializer,
    CertificateItemSerializer,
    CertificateSerializer,
    CertificateUnmaskedSerializer,
    EquipmentSerializer,
    ImportRequestSerializer,
    ImportResultSerializer,
    PeriodicInspectionSerializer,
    StatusActionSerializer,
)


class CatalogViewSet(viewsets.ReadOnlyModelViewSet):
    """The 2014 special-equipment catalog (特种设备目录)."""

    queryset = CatalogEntry.objects.all()
    serializer_class = CatalogEntrySerializer
    filterset_class = CatalogFilterSet
    permission_classes = [IsAuthenticated]


class CertificateItemViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = CertificateItem.objects.all()
    serializer_class = CertificateItemSerializer


def _split_version(serializer) -> tuple[dict, int | None]:
    changes = dict(serializer.validated_data)
    return changes, changes.pop("version", None)


class EquipmentViewSet(SoftDeleteMixin, ScopedModelViewSet):
    """一设备一档: the equipment registry."""

    model = Equipment
    serializer_class = EquipmentSerializer
    filterset_class = EquipmentFilterSet

    def get_queryset(self):
        return super().get_queryset().with_inspection_state(timezone.localdate())

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("modification", None)
        serializer.instance = do_register_equipment(actor=self.request.user, data=data)

    def perform_update(self, serializer):
        changes, version = _split_version(serializer)
        if changes.get("organization") == serializer.instance.organization:
            changes.pop("organization")
        modification = changes.pop("modification", "")
        serializer.instance = do_update_equipment(
            actor=self.request.user,
            equipment=serializer.instance,
            changes=changes,
            expected_version=version,
            modification=modification,
        )

    def _status_action(self, request, name):
        equipment = self.get_object()
        body = StatusActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        equipment = do_change_equipment_status(
            actor=request.user,
            equipment=equipment,
            action=name,
            reason=body.validated_data["reason"],
            expected_version=body.validated_data["version"],
        )
        equipment = self.get_queryset().get(pk=equipment.pk)
        return Response(self.get_serializer(equipment).data)

    @extend_schema(request=StatusActionSerializer, responses={200: EquipmentSerializer})
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        """停用 (TSG 08: notify the registration authority within 30 days)."""
        return self._status_action(request, "suspend")

    @extend_schema(request=StatusActionSerializer, responses={200: EquipmentSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """恢复使用."""
        return self._status_action(request, "resume")

    @extend_schema(request=StatusActionSerializer, responses={200: EquipmentSerializer})
    @action(detail=True, methods=["post"])
    def scrap(self, request, pk=None):
        """报废 (特种设备安全法 art 48)."""
        return self._status_action(request, "scrap")

    @extend_schema(request={"multipart/form-data": ImportRequestSerializer}, responses={200: ImportResultSerializer})
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_ledger(self, request):
        """Import an equipment ledger (.xlsx in the template's columns); any row error imports nothing."""
        body = ImportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = ledger.import_ledger(
            actor=request.user, uploaded=body.validated_data["file"], dry_run=body.validated_data["dry_run"]
        )
        if result.errors:
            return Response(
                {"errors": [error.as_dict() for error in result.errors]}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(
            {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "dry_run": result.dry_run,
            }
        )

    @extend_schema(responses=file_responses(XLSX))
    @action(detail=False, methods=["get"], url_path="import-template")
    def import_template(self, request):
        """The ledger template: Chinese headers, drop-downs for catalog codes and status."""
        return FileResponse(
            ledger.template_file(actor=request.user), as_attachment=True, filename=ledger.TEMPLATE_FILENAME
        )

    @extend_schema(responses={**file_responses(XLSX), 429: TOO_MANY})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered list as .xlsx."""
        queryset = self.filter_queryset(self.get_queryset())
        begin_export(request, "equipment", queryset)
        return FileResponse(
            ledger.export_file(queryset, actor=request.user), as_attachment=True, filename=ledger.export_filename()
        )


class PeriodicInspectionViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """定期检验 records: kept as recorded, never edited."""

    model = PeriodicInspection
    serializer_class = PeriodicInspectionSerializer
    filterset_class = PeriodicInspectionFilterSet

    def get_queryset(self):
        return super().get_queryset().prefetch_related("hazards")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        equipment = data.pop("equipment")
        serializer.instance = do_record_inspection(actor=self.request.user, equipment=equipment, data=data)


class CertificateViewSet(SoftDeleteMixin, ScopedModelViewSet):
    """作业人员证 of the unit's people."""

    model = OperatorCertificate
    serializer_class = CertificateSerializer
    filterset_class = CertificateFilterSet

    def perform_create(self, serializer):
        serializer.instance = do_add_certificate(actor=self.request.user, data=dict(serializer.validated_data))

    def perform_update(self, serializer):
        changes, version = _split_version(serializer)
        serializer.instance = do_update_certificate(
            actor=self.request.user, certificate=serializer.instance, changes=changes, expected_version=version
        )

    @extend_schema(request=None, responses={200: CertificateUnmaskedSerializer})
    @action(detail=True, methods=["post"])
    def unmask(self, request, pk=None):
        """The holder's ID number whole, for the holder and the unit's principal and administrator; each request
        is recorded (`pii.unmasked`).  Anyone else: 404."""
        certificate = self.get_object()
        return Response({"id_number": pii.unmask(request.user, certificate, "id_number", request)})
