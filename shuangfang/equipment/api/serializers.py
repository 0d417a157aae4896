from django.utils.translation import gettext_lazy
from rest_framework import serializers

from shuangfang.core import pii
from shuangfang.core.api.fields import CatalogCodeField, CodeRelatedField, ScopedPrimaryKeyRelatedField
from shuangfang.core.api.serializers import VersionedUpdateSerializer
from shuangfang.equipment.choices import InspectionState
from shuangfang.equipment.models import (
    CatalogEntry,
    CertificateItem,
    Equipment,
    OperatorCertificate,
    PeriodicInspection,
)
from shuangfang.orgs.models import Organization, Region


class CatalogEntrySerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)

    class Meta:
        model = CatalogEntry
        fields = ["code", "name", "level", "parent", "registrable"]


class CertificateItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = CertificateItem
        fields = ["code", "name", "equipment_category"]


class EquipmentSerializer(VersionedUpdateSerializer):
    organization = ScopedPrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False)
    category = CatalogCodeField(queryset=CatalogEntry.objects.all())
    region = CodeRelatedField(queryset=Region.objects.all(), required=False)
    inspection_agency = ScopedPrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    modification = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="本次修改所对应的设备改造或重大修理（填写后，该设备的风险标记为需重新评价）",
    )
    inspection_state = serializers.ChoiceField(choices=InspectionState.choices, read_only=True)

    class Meta:
        model = Equipment
        fields = [
            "id",
            "organization",
            "code",
            "registration_no",
            "category",
            "name",
            "model",
            "serial_no",
            "manufacturer",
            "manufactured_on",
            "commissioned_on",
            "design_life_years",
            "region",
            "site",
            "crowded_place",
            "quick_opening",
            "signaller_required",
            "status",
            "inspection_due_on",
            "last_inspected_on",
            "inspection_agency",
            "inspection_state",
            "risk_level",
            "open_hazards",
            "open_major_hazards",
            "modification",
            "version",
        ]
        read_only_fields = ["status", "risk_level", "open_hazards", "open_major_hazards"]
        extra_kwargs = {"code": {"validators": []}}


class StatusActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=500)


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=False)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField(help_text=gettext_lazy("已登记且内容相同、未改动的设备数"))
    dry_run = serializers.BooleanField()


class InspectionFindingSerializer(serializers.Serializer):
    """One problem the inspection found (检验意见): it becomes a hazard of the unit; `serious` also reports it to
    the regulator (特种设备安全法 art 53)."""

    description = serializers.CharField(max_length=2000)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    major_criteria = serializers.ListField(child=serializers.CharField(max_length=8), required=False, default=list)
    serious = serializers.BooleanField(required=False, default=False)


class PeriodicInspectionSerializer(serializers.ModelSerializer):
    equipment = ScopedPrimaryKeyRelatedField(queryset=Equipment.objects.all())
    agency = ScopedPrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False, allow_null=True)
    safety_grade = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    hazard_findings = InspectionFindingSerializer(many=True, required=False, write_only=True)
    hazards = serializers.SerializerMethodField()

    def get_hazards(self, inspection) -> list[int]:
        """The hazards registered from this inspection (a failed conclusion and each finding)."""
        return sorted(hazard.pk for hazard in inspection.hazards.all())

    class Meta:
        model = PeriodicInspection
        fields = [
            "id",
            "equipment",
            "agency",
            "kind",
            "inspected_on",
            "conclusion",
            "safety_grade",
            "next_due_on",
            "next_due_rule",
            "report_no",
            "findings",
            "hazard_findings",
            "hazards",
            "recorded_at",
        ]
        read_only_fields = ["next_due_rule", "recorded_at"]


class CertificateSerializer(VersionedUpdateSerializer):
    item = CodeRelatedField(queryset=CertificateItem.objects.all())
    # Written whole, read masked (core.pii); POST .../unmask/ gives it whole to whom the rule allows.
    id_number = serializers.CharField(max_length=32)
    holder = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # null: not a user of the platform
    state = serializers.CharField(read_only=True)

    class Meta:
        model = OperatorCertificate
        fields = [
            "id",
            "organization",
            "holder_name",
            "holder",
            "id_number",
            "item",
            "cert_no",
            "issued_on",
            "expires_on",
            "state",
            "version",
        ]
        read_only_fields = ["organization"]
        # The service checks (item, cert_no) uniqueness with a message that names the field.
        validators = []

    def validate_id_number(self, value):
        # A client that sends back what it read (the masked value) leaves the number as it is.
        if self.instance is not None and value and value == pii.shown(self.instance, "id_number"):
            return self.instance.id_number
        return value

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["id_number"] = pii.shown(instance, "id_number")
        return data


class CertificateUnmaskedSerializer(serializers.Serializer):
    id_number = serializers.CharField()
