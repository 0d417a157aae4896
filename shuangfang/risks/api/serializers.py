from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from shuangfang.accounts.models import User
from shuangfang.core.api.fields import ScopedPrimaryKeyRelatedField
from shuangfang.core.api.serializers import VersionedUpdateSerializer
from shuangfang.core.models import Attachment
from shuangfang.equipment.models import Equipment
from shuangfang.risks.choices import MeasureKind
from shuangfang.risks.models import Risk, RiskAssessment, RiskPoint, SitePlan


class MeasureSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    text = serializers.CharField(max_length=500)
    check = serializers.BooleanField(default=False)


class RiskSerializer(VersionedUpdateSerializer):
    """The contract's risk: `risk_point` is the point's name; `risk_point_id` (or `equipment`) says which point."""

    risk_point = serializers.CharField(source="risk_point.name", read_only=True)
    risk_point_id = ScopedPrimaryKeyRelatedField(
        source="risk_point", queryset=RiskPoint.objects.all(), required=False, write_only=False
    )
    equipment = ScopedPrimaryKeyRelatedField(queryset=Equipment.objects.all(), required=False, allow_null=True)
    owner = ScopedPrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    factors = serializers.DictField(child=serializers.JSONField())
    measures = MeasureSerializer(many=True)
    color = serializers.CharField(read_only=True)
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=500)

    class Meta:
        model = Risk
        fields = [
            "id",
            "organization",
            "equipment",
            "risk_point",
            "risk_point_id",
            "template_code",
            "title",
            "hazard_source",
            "consequence",
            "accident_type",
            "identification_method",
            "method",
            "factors",
            "score",
            "level",
            "color",
            "control_level",
            "owner",
            "measures",
            "emergency_actions",
            "minimum_level",
            "below_minimum_justification",
            "graded_below_minimum",
            "reviewed_on",
            "next_review_on",
            "needs_reassessment",
            "reassessment_reason",
            "is_active",
            "reason",
            "version",
        ]
        read_only_fields = [
            "organization",
            "template_code",
            "score",
            "level",
            "minimum_level",
            "graded_below_minimum",
            "reviewed_on",
            "next_review_on",
            "needs_reassessment",
            "reassessment_reason",
            "is_active",
        ]


class RiskAssessmentSerializer(serializers.ModelSerializer):
    assessed_by = serializers.CharField(source="assessed_by.display_name", read_only=True)

    class Meta:
        model = RiskAssessment
        fields = ["id", "method", "factors", "score", "level", "control_level", "reason", "assessed_by", "assessed_at"]


class RiskPointSerializer(VersionedUpdateSerializer):
    site_plan = ScopedPrimaryKeyRelatedField(queryset=SitePlan.objects.all(), required=False, allow_null=True)
    level = serializers.CharField(read_only=True, allow_null=True, source="highest_level")

    class Meta:
        model = RiskPoint
        fields = [
            "id",
            "organization",
            "kind",
            "name",
            "equipment",
            "location",
            "site_plan",
            "plan_x",
            "plan_y",
            "level",
            "is_active",
            "version",
        ]
        read_only_fields = ["organization", "equipment", "is_active"]


class PlaceSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    site_plan = ScopedPrimaryKeyRelatedField(queryset=SitePlan.objects.all(), allow_null=True)
    plan_x = serializers.DecimalField(max_digits=6, decimal_places=5, required=False, allow_null=True)
    plan_y = serializers.DecimalField(max_digits=6, decimal_places=5, required=False, allow_null=True)


class SitePlanSerializer(serializers.ModelSerializer):
    image = ScopedPrimaryKeyRelatedField(queryset=Attachment.objects.all())

    class Meta:
        model = SitePlan
        fields = ["id", "organization", "name", "image", "created_at", "version"]
        read_only_fields = ["organization", "created_at", "version"]


class RiskTemplateMeasureSerializer(serializers.Serializer):
    kind = serializers.CharField()
    text = serializers.CharField()
    check = serializers.BooleanField()


class RiskTemplateSerializer(serializers.Serializer):
    code = serializers.CharField()
    catalog_prefixes = serializers.ListField(child=serializers.CharField())
    point_kind = serializers.CharField()
    title = serializers.CharField()
    hazard_source = serializers.CharField()
    consequence = serializers.CharField()
    accident_types = serializers.ListField(child=serializers.CharField())
    identification_method = serializers.CharField()
    method = serializers.CharField()
    factors = serializers.DictField()
    minimum_level = serializers.CharField(allow_null=True)
    gb45067_clauses = serializers.ListField(child=serializers.CharField())
    measures = RiskTemplateMeasureSerializer(many=True)
    emergency_actions = serializers.CharField()
    citation = serializers.CharField()


class ScopedPrimaryKeyListField(serializers.ListField):
    """A list of ids in a request body, resolved through the caller's scope in one query whatever its length: an id
    the caller may not see is "not found" (404), as for one ScopedPrimaryKeyRelatedField."""

    def __init__(self, *, queryset, **kwargs):
        self.queryset = queryset
        # At most the widest id column (BIGINT): a larger number cannot be bound by the database driver (a 500).
        super().__init__(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), **kwargs)

    def to_internal_value(self, data):
        ids = list(dict.fromkeys(super().to_internal_value(data)))  # in the given order, repeats dropped
        found = self.queryset.visible_to(self.context["request"].user).in_bulk(ids)
        missing = [str(pk) for pk in ids if pk not in found]
        if missing:
            raise NotFound(_("%(field)s %(id)s 不存在。") % {"field": self.field_name, "id": ", ".join(missing)})
        return [found[pk] for pk in ids]


class ApplyTemplatesSerializer(serializers.Serializer):
    equipment = ScopedPrimaryKeyListField(queryset=Equipment.objects.all(), allow_empty=False, max_length=5000)
    templates = serializers.ListField(child=serializers.CharField(max_length=40), required=False)


class RetireSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=500)
