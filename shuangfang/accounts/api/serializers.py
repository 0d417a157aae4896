from rest_framework import serializers

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core import pii
from shuangfang.core.api.fields import ScopedPrimaryKeyRelatedField
from shuangfang.core.api.serializers import VersionedUpdateSerializer
from shuangfang.orgs.api.serializers import OrganizationSerializer
from shuangfang.orgs.models import Organization


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.CharField(max_length=16, required=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class UserSerializer(VersionedUpdateSerializer):
    organization = ScopedPrimaryKeyRelatedField(queryset=Organization.objects.all(), allow_null=True, required=False)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), allow_empty=False)
    password = serializers.CharField(write_only=True, required=False, trim_whitespace=False, max_length=256)
    # Written whole, read masked (core.pii); POST .../unmask/ gives it whole to whom the rule allows.
    phone = serializers.CharField(max_length=32, allow_blank=True, required=False)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "organization",
            "roles",
            "phone",
            "email",
            "is_active",
            "password",
            "version",
        ]
        extra_kwargs = {"username": {"validators": []}}

    def validate_phone(self, value):
        # A client that sends back what it read (the masked value) leaves the number as it is.
        if self.instance is not None and value and value == pii.shown(self.instance, "phone"):
            return self.instance.phone
        return value

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["phone"] = pii.shown(instance, "phone")
        return data


class UserUnmaskedSerializer(serializers.Serializer):
    phone = serializers.CharField()


class ScopeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    organization = serializers.IntegerField(source="organization_id", allow_null=True)
    region_prefix = serializers.CharField()


class MeSerializer(serializers.Serializer):
    user = UserSerializer()
    organization = OrganizationSerializer(allow_null=True)
    scope = ScopeSerializer()
    permissions = serializers.ListField(child=serializers.CharField())
