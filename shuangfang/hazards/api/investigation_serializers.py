"""Serializers of hidden-hazard investigation: plans, tasks with their checklists and results, and check items."""

from rest_framework import serializers

from shuangfang.accounts.models import User
from shuangfang.core.api.fields import ScopedPrimaryKeyRelatedField
from shuangfang.core.api.serializers import VersionedUpdateSerializer
from shuangfang.core.models import Attachment
from shuangfang.equipment.models import Equipment
from shuangfang.hazards.choices import Outcome
from shuangfang.hazards.investigation import unit_item_code
from shuangfang.hazards.models import CheckItem, CheckResult, InvestigationPlan, InvestigationTask
from shuangfang.hazards.scheduling import is_duty_cycle_plan


class InvestigationPlanSerializer(VersionedUpdateSerializer):
    """An investigation plan; `kind`, `cycle` and `catalog_prefix` are given when it is created and fixed after."""

    assignee = ScopedPrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    duty_cycle = serializers.SerializerMethodField(help_text="单位的总局令第74号日管控、周排查、月调度计划之一")

    class Meta:
        model = InvestigationPlan
        fields = [
            "id",
            "organization",
            "kind",
            "title",
            "cycle",
            "work_days",
            "catalog_prefix",
            "assignee_role",
            "assignee",
            "starts_on",
            "ends_on",
            "due_on",
            "description",
            "is_active",
            "duty_cycle",
            "created_by",
            "created_at",
            "version",
        ]
        read_only_fields = ["organization", "created_by", "created_at"]
        # The services judge uniqueness (one Order 74 plan of each kind per unit) and say why in Chinese.
        validators = []

    def get_duty_cycle(self, plan) -> bool:
        return is_duty_cycle_plan(plan)


class InvestigationTaskSerializer(serializers.ModelSerializer):
    equipment_name = serializers.CharField(source="equipment.name", read_only=True, default=None, allow_null=True)
    equipment_code = serializers.CharField(source="equipment.code", read_only=True, default=None, allow_null=True)

    class Meta:
        model = InvestigationTask
        fields = [
            "id",
            "organization",
            "plan",
            "kind",
            "title",
            "equipment",
            "equipment_name",
            "equipment_code",
            "period_start",
            "due_on",
            "assignee_role",
            "assignee",
            "status",
            "completed_at",
            "completed_by",
            "note",
            "decisions",
            "attendees",
            "version",
        ]
        read_only_fields = fields


class CheckResultSerializer(serializers.ModelSerializer):
    hazard = serializers.SerializerMethodField(help_text="不符合项形成的隐患 id")

    class Meta:
        model = CheckResult
        fields = [
            "id",
            "equipment",
            "item_source",
            "item_code",
            "text",
            "standard",
            "gb45067_clause",
            "outcome",
            "note",
            "photos",
            "hazard",
            "checked_by",
            "checked_at",
        ]
        read_only_fields = fields

    def get_hazard(self, result) -> int | None:
        hazard = getattr(result, "hazard", None)  # the reverse one-to-one raises AttributeError when there is none
        return hazard.pk if hazard is not None else None


class InvestigationTaskDetailSerializer(InvestigationTaskSerializer):
    """A task with the results it was completed with (empty until it is done)."""

    results = CheckResultSerializer(many=True, read_only=True)

    class Meta(InvestigationTaskSerializer.Meta):
        fields = [*InvestigationTaskSerializer.Meta.fields, "results"]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.Serializer):
    """One item the task asks to check: `equipment` null for the unit-level items."""

    equipment = serializers.IntegerField(source="equipment_id", allow_null=True)
    equipment_name = serializers.CharField()
    item_source = serializers.CharField()
    item_code = serializers.CharField()
    text = serializers.CharField()
    standard = serializers.CharField()
    gb45067_clause = serializers.CharField()


class ResultInputSerializer(serializers.Serializer):
    equipment = ScopedPrimaryKeyRelatedField(queryset=Equipment.objects.all(), required=False, allow_null=True)
    item_code = serializers.CharField(max_length=40)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    photos = ScopedPrimaryKeyRelatedField(queryset=Attachment.objects.all(), many=True, required=False, default=list)


class ExecuteSerializer(serializers.Serializer):
    """The record of a task: one result per checklist item; the monthly meeting also its decisions and attendees."""

    version = serializers.IntegerField(min_value=1)
    results = ResultInputSerializer(many=True, max_length=20000)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    decisions = serializers.CharField(required=False, allow_blank=True, default="")
    attendees = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class CheckItemSerializer(VersionedUpdateSerializer):
    """An item of the unit's own checklist: `equipment` for one equipment, `catalog_prefix` for a kind of equipment,
    neither for the unit (checked in the weekly sweep). `code` is how a task's checklist names it."""

    equipment = ScopedPrimaryKeyRelatedField(queryset=Equipment.objects.all(), required=False, allow_null=True)
    code = serializers.SerializerMethodField()

    class Meta:
        model = CheckItem
        fields = [
            "id",
            "organization",
            "code",
            "catalog_prefix",
            "equipment",
            "text",
            "standard",
            "gb45067_clause",
            "is_active",
            "created_by",
            "created_at",
            "version",
        ]
        read_only_fields = ["organization", "created_by", "created_at"]
        validators = []

    def get_code(self, item) -> str:
        return unit_item_code(item.pk)


class LibraryItemSerializer(serializers.Serializer):
    """An item of the shipped checklist library (基础管理类 basic / 使用现场类 onsite)."""

    code = serializers.CharField()
    family = serializers.CharField()
    catalog_prefixes = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField()
    standard = serializers.CharField()
    gb45067_clause = serializers.CharField(allow_null=True)
    citation = serializers.CharField()
