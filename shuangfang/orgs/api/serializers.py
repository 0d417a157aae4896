from rest_framework import serializers

from shuangfang.core.api.fields import CodeRelatedField
from shuangfang.core.api.serializers import VersionedUpdateSerializer
from shuangfang.orgs.models import Industry, Organization, Region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class IndustrySerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)

    class Meta:
        model = Industry
        fields = ["code", "name", "parent"]


class OrganizationSerializer(VersionedUpdateSerializer):
    region = CodeRelatedField(queryset=Region.objects.all())
    jurisdiction = CodeRelatedField(queryset=Region.objects.all(), required=False, allow_null=True)
    industry = CodeRelatedField(queryset=Industry.objects.all(), required=False, allow_null=True)
    # Stored encrypted, shown whole: the unit's business line (core.pii).
    contact_phone = serializers.CharField(max_length=32, allow_blank=True, required=False)

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "uscc",
            "kind",
            "region",
            "jurisdiction",
            "industry",
            "address",
            "contact_phone",
            "small_micro",
            "is_active",
            "version",
        ]
        read_only_fields = ["is_active"]
        # Uniqueness and format are the service's to check, with its own messages.
        # Spaces and full-width characters typed with a Chinese input method are normalised there too.
        extra_kwargs = {"uscc": {"validators": [], "max_length": 64}, "kind": {"required": False}}
