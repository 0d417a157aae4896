from rest_framework import serializers

from shuangfang.core.models import Attachment, Event


class VersionedUpdateSerializer(serializers.ModelSerializer):
    """`version` is read with the object and must be sent back with every change (API contract, Concurrency)."""

    version = serializers.IntegerField(required=False, min_value=1)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class ReasonSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=500, allow_blank=False)


class AttachmentSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "file", "sha256", "content_type", "size", "original_name", "uploaded_at"]
        read_only_fields = ["sha256", "content_type", "size", "original_name", "uploaded_at"]


class EventSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    region = serializers.CharField(source="region_code", read_only=True)
    actor = serializers.CharField(source="actor_name", read_only=True)

    class Meta:
        model = Event
        fields = ["seq", "at", "type", "outcome", "actor", "object_type", "object_id", "organization", "region", "data"]
