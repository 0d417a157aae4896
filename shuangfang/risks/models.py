from django.conf import settings
from django.db import models
from django.db.models import Q

from shuangfang.core.models import LiveManager, ScopedModel, ScopedQuerySet, SoftDeletable
from shuangfang.equipment.choices import RiskLevel

from .choices import AssessmentMethod, ControlLevel, IdentificationMethod, RiskPointKind


class SitePlan(ScopedModel):
    """A unit's site plan (平面图) on which its risk points are placed to draw the four-colour map (四色图)."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    name = models.CharField("名称", max_length=100)
    image = models.ForeignKey("core.Attachment", verbose_name="平面图", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "平面图"
        verbose_name_plural = "平面图"

    def __str__(self) -> str:
        return self.name


class RiskPoint(ScopedModel):
    """风险点 (DB37/T 2882-type 风险点划分): every in-use equipment is one, and a unit adds sites and
    operations (吊装作业, 气瓶充装作业, 叉车作业区域) as risk points of their own."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    kind = models.CharField("类型", max_length=16, choices=RiskPointKind.choices)
    name = models.CharField("风险点名称", max_length=200)
    equipment = models.ForeignKey(
        "equipment.Equipment", null=True, blank=True, on_delete=models.PROTECT, related_name="risk_points"
    )
    location = models.CharField("区域位置", max_length=200, blank=True)
    site_plan = models.ForeignKey(SitePlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="points")
    # Position on the site plan as fractions of its width and height (0–1), so it survives resizing.
    plan_x = models.DecimalField(max_digits=6, decimal_places=5, null=True, blank=True)
    plan_y = models.DecimalField(max_digits=6, decimal_places=5, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "风险点"
        verbose_name_plural = "风险点"
        constraints = [
            # One device, one file: an equipment is at most one risk point.
            models.UniqueConstraint(
                fields=["equipment"], condition=Q(equipment__isnull=False), name="risk_point_one_per_equipment"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Risk(SoftDeletable, ScopedModel):
    """安全风险 of a risk point, identified, assessed (LEC / LS / MES) and graded into four levels, controlled
    at a management level by an owner with measures — one row of the 安全风险管控清单 (SAMR Order 74 art 75;
    晋市监发〔2022〕116号)."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    risk_point = models.ForeignKey(RiskPoint, verbose_name="风险点", on_delete=models.PROTECT, related_name="risks")
    equipment = models.ForeignKey(
        "equipment.Equipment", null=True, blank=True, on_delete=models.PROTECT, related_name="risks"
    )
    template_code = models.CharField("辨识模板", max_length=40, blank=True)
    title = models.CharField("风险名称", max_length=200)
    hazard_source = models.TextField("危险源（危险有害因素）")
    consequence = models.TextField("可能导致的事故及后果", blank=True)
    accident_type = models.CharField("事故类型（GB 6441）", max_length=2, blank=True)
    identification_method = models.CharField(
        "辨识方法", max_length=8, choices=IdentificationMethod.choices, default=IdentificationMethod.SCL
    )
    method = models.CharField("评价方法", max_length=8, choices=AssessmentMethod.choices)
    factors = models.JSONField("评价因子", default=dict)
    score = models.DecimalField("风险值", max_digits=10, decimal_places=2)
    level = models.CharField("风险等级", max_length=16, choices=RiskLevel.choices, db_index=True)
    control_level = models.CharField("管控层级", max_length=16, choices=ControlLevel.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    measures = models.JSONField("管控措施", default=list)
    emergency_actions = models.TextField("应急处置措施", blank=True)
    # The grade the template says the hazard inherently deserves; grading below it needs a justification and is
    # shown to the unit's regulators.
    minimum_level = models.CharField("最低风险等级", max_length=16, choices=RiskLevel.choices, blank=True)
    below_minimum_justification = models.TextField("低于模板最低等级的理由", blank=True)
    graded_below_minimum = models.BooleanField("低于模板最低等级", default=False, db_index=True)
    reviewed_on = models.DateField("评价日期")
    next_review_on = models.DateField("下次评审日期", db_index=True)
    needs_reassessment = models.BooleanField("需重新评价", default=False)
    reassessment_reason = models.CharField("重新评价原因", max_length=200, blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LiveManager.from_queryset(ScopedQuerySet)()
    all_objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "安全风险"
        verbose_name_plural = "安全风险"
        indexes = [
            models.Index(fields=["region", "level"], name="risk_region_level"),
            models.Index(fields=["organization", "level"], name="risk_org_level"),
        ]

    def __str__(self) -> str:
        return f"{self.risk_point.name}：{self.title}"

    @property
    def color(self) -> str:
        return RiskLevel(self.level).color

    @property
    def check_measures(self) -> list[dict]:
        return [measure for measure in self.measures if measure.get("check")]


class RiskAssessment(models.Model):
    """Every grading of a risk, kept: who graded what, when, and why it changed (append-only)."""

    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="assessments")
    method = models.CharField(max_length=8, choices=AssessmentMethod.choices)
    factors = models.JSONField(default=dict)
    score = models.DecimalField(max_digits=10, decimal_places=2)
    level = models.CharField(max_length=16, choices=RiskLevel.choices)
    control_level = models.CharField(max_length=16, choices=ControlLevel.choices)
    reason = models.CharField("原因", max_length=500, blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        verbose_name = "风险评价记录"
        verbose_name_plural = "风险评价记录"

    def __str__(self) -> str:
        return f"{self.risk_id} {self.level} {self.assessed_at:%Y-%m-%d}"
