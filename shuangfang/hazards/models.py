"""Hidden-hazard investigation and rectification (隐患排查治理).

Checklists, the Order 74 duty cycle (日管控、周排查、月调度) and the other investigation types, the hazards with their
closed loop to 销号 (SAWS Order 16; GB 45067-2024 for the major grade) and the regulator's 挂牌督办.
"""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from shuangfang.core.crypto import EncryptedCharField
from shuangfang.core.models import ScopedModel, ScopedQuerySet
from shuangfang.core.scoping import Scope, ScopeKind

from .choices import (
    OPEN_STATUSES,
    Cycle,
    Handling,
    HazardGrade,
    HazardSource,
    HazardStatus,
    InvestigationKind,
    ItemSource,
    ListingLevel,
    ListingStatus,
    Outcome,
    TaskStatus,
    WorkDays,
)


class CheckItem(ScopedModel):
    """A check item a unit adds to its own checklist (排查清单), beside the shipped library and its risks' check
    measures: for every equipment of a catalog prefix, or for one equipment."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    catalog_prefix = models.CharField("适用设备类别", max_length=8, blank=True)
    equipment = models.ForeignKey(
        "equipment.Equipment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField("检查内容", max_length=500)
    standard = models.CharField("检查标准", max_length=500, blank=True)
    gb45067_clause = models.CharField("对应 GB 45067-2024 条款", max_length=8, blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "自定检查项"
        verbose_name_plural = "自定检查项"

    def __str__(self) -> str:
        return self.text


class InvestigationPlan(ScopedModel):
    """排查计划 of a unit: the Order 74 daily check, weekly sweep and monthly meeting, and the other investigation
    types (MEM dangerSrc 1–10) on a cycle or once."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    kind = models.CharField("排查类型", max_length=20, choices=InvestigationKind.choices)
    title = models.CharField("计划名称", max_length=200)
    cycle = models.CharField("周期", max_length=16, choices=Cycle.choices)
    work_days = models.CharField("执行日", max_length=16, choices=WorkDays.choices, default=WorkDays.EVERY_DAY)
    # Which equipment: a catalog prefix ("" for all in-use equipment of the unit). Daily plans make one task per
    # equipment; the others one task for the unit.
    catalog_prefix = models.CharField("设备类别", max_length=8, blank=True)
    assignee_role = models.CharField("执行角色", max_length=32)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    due_on = models.DateField("完成期限（一次性排查）", null=True, blank=True)
    description = models.TextField("排查内容和要求", blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "排查计划"
        verbose_name_plural = "排查计划"
        constraints = [
            # The Order 74 duty cycle is one plan each per unit, so that the scheduler can create it idempotently.
            models.UniqueConstraint(
                fields=["organization", "kind"],
                condition=Q(kind__in=["daily", "weekly", "monthly"], catalog_prefix=""),
                name="plan_one_duty_cycle_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class InvestigationTask(ScopedModel):
    """排查任务: one execution of a plan for a period (a day, a week, a month …), for one equipment (daily checks)
    or for the unit. Running the scheduler twice creates nothing twice (unique per plan, equipment and period)."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    plan = models.ForeignKey(InvestigationPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField("排查类型", max_length=20, choices=InvestigationKind.choices)
    title = models.CharField("任务名称", max_length=200)
    equipment = models.ForeignKey(
        "equipment.Equipment", null=True, blank=True, on_delete=models.PROTECT, related_name="investigation_tasks"
    )
    period_start = models.DateField("周期开始")
    due_on = models.DateField("完成期限", db_index=True)
    assignee_role = models.CharField("执行角色", max_length=32)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=16, choices=TaskStatus.choices, default=TaskStatus.PENDING, db_index=True
    )
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField("情况说明", blank=True)
    # The monthly meeting: the principal's decisions and next month's key work (会议纪要).
    decisions = models.TextField("调度会议决定", blank=True)
    attendees = models.CharField("参会人员", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = "排查任务"
        verbose_name_plural = "排查任务"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "equipment", "period_start"],
                condition=Q(equipment__isnull=False),
                name="task_once_per_plan_equipment_period",
            ),
            models.UniqueConstraint(
                fields=["plan", "period_start"],
                condition=Q(equipment__isnull=True),
                name="task_once_per_plan_period",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "due_on"], name="task_org_due"),
            models.Index(fields=["equipment", "due_on"], name="task_equipment_due"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.status == TaskStatus.DONE


class CheckResult(models.Model):
    """One checked item of a task: ok / not ok / not applicable, with the item's text as it was when checked."""

    task = models.ForeignKey(InvestigationTask, on_delete=models.PROTECT, related_name="results")
    equipment = models.ForeignKey(
        "equipment.Equipment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item_source = models.CharField("来源", max_length=16, choices=ItemSource.choices)
    item_code = models.CharField("检查项编号", max_length=40)
    text = models.CharField("检查内容", max_length=500)
    standard = models.CharField("检查标准", max_length=500, blank=True)
    gb45067_clause = models.CharField("对应 GB 45067-2024 条款", max_length=8, blank=True)
    outcome = models.CharField("结论", max_length=8, choices=Outcome.choices)
    note = models.CharField("说明", max_length=500, blank=True)
    photos = models.ManyToManyField("core.Attachment", blank=True, related_name="+")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = "检查结果"
        verbose_name_plural = "检查结果"
        constraints = [
            models.UniqueConstraint(fields=["task", "equipment", "item_code"], name="result_once_per_task_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item_code} {self.outcome}"


class HazardQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.filter(status__in=OPEN_STATUSES, deadline__lt=today)

    def take_catalog_codes(self) -> int:
        """Each hazard's catalog_code set to its device's again, in one UPDATE: after devices' codes changed."""
        devices = apps.get_model("equipment", "Equipment").all_objects.filter(pk=OuterRef("equipment_id"))
        return self.exclude(equipment=None).update(catalog_code=Subquery(devices.values("category_id")[:1]))


class Hazard(ScopedModel):
    """事故隐患 (SAWS Order 16 art 3): found by a check, reported by anyone, found by an inspection agency or a
    regulator, or judged by the platform; graded 一般/重大 with GB 45067-2024, closed only with evidence."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    equipment = models.ForeignKey(
        "equipment.Equipment", null=True, blank=True, on_delete=models.PROTECT, related_name="hazards"
    )
    # The device's catalog code (目录代码, "3110"), copied from it: a regulator's hazards of one category are then read
    # from the hazard rows and their indexes alone. A province's open elevator hazards joined to their devices cost
    # one device lookup for every newer hazard of another category (240 ms). Written with the hazard, and again on
    # every hazard of a device whose code changes (equipment.services, equipment.ledger); "" for no device.
    catalog_code = models.CharField("设备目录代码", max_length=4, blank=True, editable=False)
    source = models.CharField("来源", max_length=20, choices=HazardSource.choices)
    investigation_kind = models.CharField("排查类型", max_length=20, choices=InvestigationKind.choices, blank=True)
    description = models.TextField("隐患描述")
    location = models.CharField("部位", max_length=200, blank=True)
    found_at = models.DateTimeField("发现时间")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A public report (公众举报) has no account: the reporter's name and phone, if given.
    reporter_name = models.CharField("举报人", max_length=50, blank=True)
    reporter_contact = EncryptedCharField("联系方式", max_length=50, blank=True)  # encrypted, shown masked (core.pii)
    # The address a public report came from: what its rate limit counts, across the server's worker processes.
    reporter_address = models.GenericIPAddressField("举报来源地址", null=True, blank=True)
    found_by_organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    check_result = models.OneToOneField(
        CheckResult, null=True, blank=True, on_delete=models.PROTECT, related_name="hazard"
    )
    inspection = models.ForeignKey(
        "equipment.PeriodicInspection", null=True, blank=True, on_delete=models.PROTECT, related_name="hazards"
    )
    grade = models.CharField("隐患等级", max_length=8, choices=HazardGrade.choices, default=HazardGrade.GENERAL)
    major_criteria = models.JSONField("重大隐患判定条款", default=list)
    judgement_reasons = models.JSONField("判定依据", default=dict)
    reported_clauses = models.JSONField("报告人选择的条款", default=list)
    serious_categories = models.JSONField("严重事故隐患类别（总局令第57号）", default=list)
    status = models.CharField(
        "状态", max_length=20, choices=HazardStatus.choices, default=HazardStatus.REPORTED, db_index=True
    )
    # A public report must be confirmed or rejected by the unit within three days.
    confirm_by = models.DateField("确认期限", null=True, blank=True)
    handling = models.CharField("治理方式", max_length=16, choices=Handling.choices, blank=True)
    deadline = models.DateField("整改期限", null=True, blank=True, db_index=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    measures = models.TextField("整改措施", blank=True)
    funds = models.CharField("整改资金", max_length=200, blank=True)
    contingency = models.TextField("应急预案", blank=True)
    plan = models.JSONField("重大事故隐患治理方案", default=dict, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField("驳回理由", blank=True)
    interim_measures = models.TextField("临时管控措施", blank=True)
    rectification = models.TextField("整改情况", blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rectified_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    acceptance_comment = models.TextField("验收意见", blank=True)
    # A major hazard closes only after the regulator of its region verified the rectification.
    regulator_verified = models.BooleanField("监管部门已核查", default=False)
    regulator_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    regulator_verified_at = models.DateTimeField(null=True, blank=True)
    reported_to_regulator_at = models.DateTimeField("报告监管部门时间", null=True, blank=True, db_index=True)
    # Deadline escalation already done (0 none; see escalation.STEPS), so that no reminder goes out twice.
    escalation_step = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HazardQuerySet.as_manager()

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = "事故隐患"
        verbose_name_plural = "事故隐患"
        indexes = [
            models.Index(fields=["organization", "status"], name="hazard_org_status"),
            # A regulator's board: the scope key first (a region prefix, LIKE '14%', served only by the pattern
            # operator class), then what the board counts by (status, grade, the deadline of "overdue"), so its
            # count and figures are index-only scans.
            models.Index(
                fields=["region", "status", "grade"],
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "varchar_pattern_ops"],
                include=["deadline", "catalog_code"],
                name="hazard_region_status",
            ),
            # The open hazards of a region, with their device, deadline and catalog code: a province's "open",
            # "overdue" and open-by-equipment-category counts read these entries only (a third of all hazards),
            # index-only.
            models.Index(
                fields=["region"],
                opclasses=["varchar_pattern_ops"],
                include=["equipment", "deadline", "catalog_code"],
                condition=Q(status__in=OPEN_STATUSES),
                name="hazard_open_region",
            ),
            # The list's order: a page is the first rows of this index that the scope and filters keep, not a sort
            # of every hazard in scope.
            models.Index(fields=["-found_at", "-id"], name="hazard_found_order"),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    def save(self, *args, **kwargs):
        # The bulk writers (register_system_hazards, the generator) set the code themselves; every other write of a
        # new hazard passes here.
        if self.equipment_id is not None and not self.catalog_code:
            self.catalog_code = self.equipment.category_id
        super().save(*args, **kwargs)

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.kind == ScopeKind.AGENCY:
            # An agency sees the hazards it found (its findings reach the unit and, when serious, the regulator).
            return Q(found_by_organization_id=scope.organization_id)
        return super().scope_q(scope)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def overdue(self) -> bool:
        return bool(self.is_open and self.deadline and self.deadline < timezone.localdate())

    @property
    def is_major(self) -> bool:
        return self.grade == HazardGrade.MAJOR


class HazardAttachment(models.Model):
    """Photos and documents of a hazard, by stage: what the reporter saw, the evidence of the fix, the completion
    report to the regulator. Append-only: evidence once given is never removed."""

    class Stage(models.TextChoices):
        REPORT = "report", "发现"
        EVIDENCE = "evidence", "整改证据"
        COMPLETION = "completion", "整改完成报告"

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="attachments")
    attachment = models.ForeignKey("core.Attachment", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["hazard", "attachment", "stage"], name="hazard_attachment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.stage} {self.attachment_id}"


class Listing(ScopedModel):
    """挂牌督办 of a major hazard by a regulator whose jurisdiction covers it (local procedures: Hubei 2011,
    Qingdao 2012). Listed at the level of the listing regulator; the hazard closes only when delisted."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="listings")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    level = models.CharField("督办级别", max_length=16, choices=ListingLevel.choices)
    status = models.CharField(
        "状态", max_length=24, choices=ListingStatus.choices, default=ListingStatus.LISTED, db_index=True
    )
    deadline = models.DateField("督办期限")
    requirements = models.TextField("督办要求", blank=True)
    listing_authority = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    listed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    listed_on = models.DateField("挂牌日期")
    completion_description = models.TextField("整改完成情况", blank=True)
    completion_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completion_reported_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_comment = models.TextField("核查意见", blank=True)
    delisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delisted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-listed_on", "-id"]
        verbose_name = "挂牌督办"
        verbose_name_plural = "挂牌督办"
        constraints = [
            models.UniqueConstraint(
                fields=["hazard"], condition=~Q(status="delisted"), name="listing_one_open_per_hazard"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.hazard}"

    @property
    def is_open(self) -> bool:
        return self.status != ListingStatus.DELISTED
