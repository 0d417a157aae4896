from datetime import date

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from shuangfang.accounts.models import User
from shuangfang.core.api.fields import ScopedPrimaryKeyRelatedField
from shuangfang.core.models import Attachment
from shuangfang.equipment.models import Equipment
from shuangfang.hazards import services, workflow
from shuangfang.hazards.choices import Handling, HazardGrade, ListingLevel
from shuangfang.hazards.models import Hazard, HazardAttachment, Listing
from shuangfang.orgs.models import Organization


class HazardAttachmentSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="attachment_id", read_only=True)
    content_type = serializers.CharField(source="attachment.content_type", read_only=True)
    sha256 = serializers.CharField(source="attachment.sha256", read_only=True)

    class Meta:
        model = HazardAttachment
        fields = ["id", "stage", "content_type", "sha256", "added_at"]


class HazardSerializer(serializers.ModelSerializer):
    """The contract's hazard, plus what the loop recorded on the way (judgement, plan, evidence, acceptance)."""

    equipment = ScopedPrimaryKeyRelatedField(queryset=Equipment.objects.all(), required=False, allow_null=True)
    organization = ScopedPrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False)
    major_criteria = serializers.ListField(
        child=serializers.CharField(max_length=8),
        required=False,
        help_text=_("GB 45067-2024 条款；报告时可选择，判定结果为只读"),
    )
    photos = ScopedPrimaryKeyRelatedField(queryset=Attachment.objects.all(), many=True, required=False, write_only=True)
    serious_categories = serializers.ListField(child=serializers.CharField(max_length=4), required=False)
    overdue = serializers.BooleanField(read_only=True)
    listed = serializers.SerializerMethodField()
    listing = serializers.SerializerMethodField()
    attachments = HazardAttachmentSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Hazard
        fields = [
            "id",
            "organization",
            "equipment",
            "source",
            "investigation_kind",
            "description",
            "location",
            "found_at",
            "reported_by",
            "grade",
            "major_criteria",
            "judgement_reasons",
            "serious_categories",
            "status",
            "confirm_by",
            "handling",
            "deadline",
            "responsible",
            "measures",
            "funds",
            "contingency",
            "plan",
            "rejection_reason",
            "interim_measures",
            "rectification",
            "rectified_by",
            "rectified_at",
            "accepted_by",
            "accepted_at",
            "acceptance_comment",
            "regulator_verified",
            "reported_to_regulator_at",
            "closed_at",
            "overdue",
            "listed",
            "listing",
            "attachments",
            "photos",
            "allowed_actions",
            "version",
        ]
        read_only_fields = [
            "source",
            "investigation_kind",
            "reported_by",
            "judgement_reasons",
            "status",
            "confirm_by",
            "handling",
            "deadline",
            "responsible",
            "measures",
            "funds",
            "contingency",
            "plan",
            "rejection_reason",
            "interim_measures",
            "rectification",
            "rectified_by",
            "rectified_at",
            "accepted_by",
            "accepted_at",
            "acceptance_comment",
            "regulator_verified",
            "reported_to_regulator_at",
            "closed_at",
            "version",
        ]
        extra_kwargs = {"found_at": {"required": False}, "grade": {"required": False}}

    def _open_listing(self, hazard):
        listings = [listing for listing in hazard.listings.all() if listing.is_open]
        return listings[0] if listings else None

    def get_listed(self, hazard) -> bool:
        return self._open_listing(hazard) is not None

    def get_listing(self, hazard) -> int | None:
        listing = self._open_listing(hazard)
        return listing.pk if listing else None

    def get_allowed_actions(self, hazard) -> list[str]:
        """The loop's actions the caller may try now (workflow names, e.g. `confirm`, `accept_passed`)."""
        request = self.context.get("request")
        if request is None or not self.context.get("with_actions"):
            return []
        actions = services.allowed_actions(hazard, request.user)
        if services.may_verify_as_regulator(hazard, request.user):
            actions.append("regulator_verify")
        return actions


class PlanSerializer(serializers.Serializer):
    """重大事故隐患治理方案 (SAWS Order 16 art 15): the six contents."""

    goal = serializers.CharField(allow_blank=True, required=False, default="")
    methods = serializers.CharField(allow_blank=True, required=False, default="")
    funds_materials = serializers.CharField(allow_blank=True, required=False, default="")
    organization_people = serializers.CharField(allow_blank=True, required=False, default="")
    timeline = serializers.CharField(allow_blank=True, required=False, default="")
    safety_contingency = serializers.CharField(allow_blank=True, required=False, default="")


class VersionedBody(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class ConfirmSerializer(VersionedBody):
    grade = serializers.ChoiceField(choices=HazardGrade.choices)
    handling = serializers.ChoiceField(choices=Handling.choices)
    deadline = serializers.DateField(required=False, allow_null=True)
    responsible = ScopedPrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    measures = serializers.CharField(required=False, allow_blank=True, default="")
    funds = serializers.CharField(required=False, allow_blank=True, default="")
    contingency = serializers.CharField(required=False, allow_blank=True, default="")
    plan = PlanSerializer(required=False, allow_null=True)
    evidence = ScopedPrimaryKeyRelatedField(queryset=Attachment.objects.all(), many=True, required=False)


class RejectSerializer(VersionedBody):
    reason = serializers.CharField(max_length=2000)


class RectificationSerializer(VersionedBody):
    description = serializers.CharField(max_length=4000, allow_blank=True, required=False, default="")
    evidence = ScopedPrimaryKeyRelatedField(queryset=Attachment.objects.all(), many=True, required=False)


class AcceptSerializer(VersionedBody):
    passed = serializers.BooleanField()
    comment = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ExtendSerializer(VersionedBody):
    deadline = serializers.DateField(help_text=_("新的整改期限"))
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    interim_measures = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ListingSerializer(serializers.ModelSerializer):
    hazard = ScopedPrimaryKeyRelatedField(queryset=Hazard.objects.all())
    level = serializers.ChoiceField(choices=ListingLevel.choices)
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    listing_authority = serializers.PrimaryKeyRelatedField(read_only=True)
    listed_by = serializers.PrimaryKeyRelatedField(read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    verify_by = serializers.SerializerMethodField()

    class Meta:
        model = Listing
        fields = [
            "id",
            "hazard",
            "organization",
            "level",
            "status",
            "deadline",
            "requirements",
            "listing_authority",
            "listed_by",
            "listed_on",
            "completion_description",
            "completion_reported_at",
            "verified_at",
            "verification_comment",
            "delisted_at",
            "verify_by",
            "allowed_actions",
            "version",
        ]
        read_only_fields = [
            "status",
            "listed_on",
            "completion_description",
            "completion_reported_at",
            "verified_at",
            "verification_comment",
            "delisted_at",
            "version",
        ]
        # "One open listing per hazard" is the service's rule (409), not a uniqueness error of the body.
        validators = []

    def get_verify_by(self, listing) -> date | None:
        """The date by which the regulator is due to verify a reported completion (LISTING_TIMINGS)."""
        return services.verify_by(listing)

    def get_allowed_actions(self, listing) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return workflow.allowed_listing_actions(listing.status, request.user.roles)


class CompletionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    description = serializers.CharField(max_length=4000, allow_blank=True, required=False, default="")
    evidence = ScopedPrimaryKeyRelatedField(queryset=Attachment.objects.all(), many=True, required=False)


class VerifySerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    passed = serializers.BooleanField()
    comment = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class DelistSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
