"""The regulators' side of the mechanism (晋市监发〔2022〕116号 part 4: 分区域、分级别、分行业、网格化 supervision,
blacklist, accidents and their reverse tracing)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shuangfang.core.models import ScopedModel
from shuangfang.core.scoping import Scope, ScopeKind

from .choices import (
    AccidentSeverity,
    BlacklistReason,
    BlacklistStatus,
    EvaluationKind,
    NoticeKind,
    OrderStatus,
    SupervisionClass,
)


class SummaryCell(models.Model):
    """One cell of the jurisdiction figures: the counts of one county, industry, catalog category and crowded-place
    flag.  Rebuilt from the raw tables by a set-based job every few minutes (supervision.summaries); a regulator's
    figures for any region and filter are sums over a few thousand cells, never a GROUP BY over the raw rows.

    Unit-level figures (units, units with every in-use device identified, daily checks) are on the cells with an empty
    category; equipment-level figures on the cells of their category."""

    region = models.ForeignKey("orgs.Region", on_delete=models.CASCADE, db_column="region_code", related_name="+")
    # The grid of the county the rows' unit is in; null for units in no grid (and rows of no unit in a grid).
    grid = models.ForeignKey("supervision.Grid", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    industry = models.CharField(max_length=4, blank=True)
    category = models.CharField(max_length=4, blank=True)
    crowded = models.BooleanField(default=False)
    units = models.PositiveIntegerField(default=0)
    units_fully_identified = models.PositiveIntegerField(default=0)
    daily_tasks_due = models.PositiveIntegerField(default=0)
    daily_tasks_done = models.PositiveIntegerField(default=0)
    equipment = models.PositiveIntegerField(default=0)
    equipment_in_use = models.PositiveIntegerField(default=0)
    inspection_overdue = models.PositiveIntegerField(default=0)
    risks_major = models.PositiveIntegerField(default=0)
    risks_significant = models.PositiveIntegerField(default=0)
    risks_general = models.PositiveIntegerField(default=0)
    risks_low = models.PositiveIntegerField(default=0)
    hazards_open = models.PositiveIntegerField(default=0)
    major_hazards_open = models.PositiveIntegerField(default=0)
    hazards_overdue = models.PositiveIntegerField(default=0)
    # The hazard board's figures by stage of the loop (排查、登记、治理、验收、销号): a province's board reads them here
    # rather than counting half a million hazards on every page.
    hazards_reported = models.PositiveIntegerField(default=0)
    hazards_rectifying = models.PositiveIntegerField(default=0)
    hazards_awaiting_acceptance = models.PositiveIntegerField(default=0)
    hazards_closed = models.PositiveIntegerField(default=0)
    listings_open = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = pgettext_lazy("model", "辖区统计")
        verbose_name_plural = pgettext_lazy("model plural", "辖区统计")
        # Two partial constraints rather than one with a nullable column: NULLs are distinct in a unique index on
        # SQLite and on PostgreSQL before 15, so the cells of units in no grid are kept unique by their own index.
        constraints = [
            models.UniqueConstraint(
                fields=["region", "grid", "industry", "category", "crowded"],
                condition=Q(grid__isnull=False),
                name="summary_cell_unique",
            ),
            models.UniqueConstraint(
                fields=["region", "industry", "category", "crowded"],
                condition=Q(grid__isnull=True),
                name="summary_cell_unique_no_grid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.grid_id or '-'} {self.industry or '-'} {self.category or '-'} {self.crowded}"


class Accident(ScopedModel):
    """特种设备事故 (《特种设备安全法》 ch. 5; 《特种设备事故报告和调查处理规定》): recorded by the regulator; its
    record starts the reverse tracing (倒查) through the unit's dual prevention records."""

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("使用单位"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    equipment = models.ForeignKey(
        "equipment.Equipment",
        verbose_name=_("设备"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accidents",
    )
    occurred_at = models.DateTimeField(_("发生时间"))
    accident_type = models.CharField(_("事故类型"), max_length=32)
    severity = models.CharField(_("事故等级"), max_length=16, choices=AccidentSeverity.choices)
    deaths = models.PositiveIntegerField(_("死亡人数"), default=0)
    serious_injuries = models.PositiveIntegerField(_("重伤人数"), default=0)
    minor_injuries = models.PositiveIntegerField(_("轻伤人数"), default=0)
    direct_loss = models.DecimalField(_("直接经济损失（万元）"), max_digits=12, decimal_places=2, default=0)
    description = models.TextField(_("事故经过"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by_organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = pgettext_lazy("model", "事故")
        verbose_name_plural = pgettext_lazy("model plural", "事故")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.accident_type}"


class BlacklistEntry(ScopedModel):
    """A unit on the blacklist (黑名单, 晋市监发〔2022〕116号), kept apart from SAMR's statutory 严重违法失信名单
    (Order 44): the basis, dates, the listing authority, the exit (lifting, 信用修复) and the record it rests on."""

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="blacklist_entries"
    )
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    reason = models.CharField(_("列入事由"), max_length=32, choices=BlacklistReason.choices)
    detail = models.TextField(_("事实和依据"))
    listed_on = models.DateField(_("列入日期"))
    until = models.DateField(_("列入期限至"))
    status = models.CharField(
        _("状态"), max_length=8, choices=BlacklistStatus.choices, default=BlacklistStatus.ACTIVE, db_index=True
    )
    accident = models.ForeignKey(Accident, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    hazard = models.ForeignKey("hazards.Hazard", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    listed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    listed_by_organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    lifted_on = models.DateField(_("移出日期"), null=True, blank=True)
    lift_reason = models.TextField(_("移出理由"), blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-listed_on", "-id"]
        verbose_name = pgettext_lazy("model", "黑名单")
        verbose_name_plural = pgettext_lazy("model plural", "黑名单")
        constraints = [
            models.CheckConstraint(name="blacklist_term", condition=Q(until__gt=models.F("listed_on"))),
            models.UniqueConstraint(
                fields=["organization", "reason"],
                condition=Q(status=BlacklistStatus.ACTIVE),
                name="one_active_entry_per_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.reason} {self.listed_on}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Regulators see the entries of their jurisdiction; a unit its own."""
        if scope.kind == ScopeKind.AGENCY:
            return Q(pk__in=[])
        return super().scope_q(scope)


class Grid(ScopedModel):
    """网格: a part of a county's jurisdiction with its units and inspectors (晋市监发〔2022〕116号: 网格化监管).
    Owned by the county regulator that defines it."""

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("监管部门"), on_delete=models.PROTECT, related_name="grids"
    )
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("所在县区"), on_delete=models.PROTECT, db_column="region_code", related_name="+"
    )
    name = models.CharField(_("网格名称"), max_length=100)
    description = models.CharField(_("范围说明"), max_length=500, blank=True)
    units = models.ManyToManyField("orgs.Organization", verbose_name=_("网格内单位"), blank=True, related_name="+")
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("网格监察人员"), blank=True, related_name="grids"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region", "name"]
        verbose_name = pgettext_lazy("model", "网格")
        verbose_name_plural = pgettext_lazy("model plural", "网格")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="grid_name_unique")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Regulators see the grids of their jurisdiction; nobody else."""
        if scope.kind in (ScopeKind.REGULATOR, ScopeKind.PLATFORM):
            return super().scope_q(scope)
        return Q(pk__in=[])


class UnitClass(ScopedModel):
    """A use unit's supervision class A–D (分类监管, 晋市监发〔2022〕116号 part 4), computed by supervision.classes from
    the rules as data; `facts` lists what produced it, each with its rule and citation."""

    organization = models.OneToOneField(
        "orgs.Organization", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="supervision_class"
    )
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    supervision_class = models.CharField(_("监管类别"), max_length=1, choices=SupervisionClass.choices, db_index=True)
    score = models.PositiveIntegerField(_("风险分"), default=0)
    facts = models.JSONField(_("判定依据"), default=list)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        ordering = ["organization_id"]
        verbose_name = pgettext_lazy("model", "监管类别")
        verbose_name_plural = pgettext_lazy("model plural", "监管类别")

    def __str__(self) -> str:
        return f"{self.organization_id} {self.supervision_class}"


class RandomInspectionPlan(ScopedModel):
    """双随机、一公开: units drawn per class with the class's ratio, inspectors drawn from the units' grids (or the
    regulator's inspectors), reproducible from the recorded seed; published as a list."""

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("监管部门"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("抽查范围"), on_delete=models.PROTECT, db_column="region_code", related_name="+"
    )
    title = models.CharField(_("计划名称"), max_length=200)
    period_start = models.DateField(_("抽查期间自"))
    period_end = models.DateField(_("抽查期间至"))
    ratios = models.JSONField(_("各类抽查比例"), default=dict)
    inspectors_per_unit = models.PositiveSmallIntegerField(_("每户执法人员数"), default=2)
    seed = models.BigIntegerField(_("随机种子"))
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = pgettext_lazy("model", "双随机抽查计划")
        verbose_name_plural = pgettext_lazy("model plural", "双随机抽查计划")
        constraints = [
            models.CheckConstraint(name="random_plan_period", condition=Q(period_end__gte=models.F("period_start")))
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.kind in (ScopeKind.REGULATOR, ScopeKind.PLATFORM):
            return super().scope_q(scope)
        return Q(pk__in=[])


class RandomInspectionItem(models.Model):
    """One drawn unit of a plan and the inspectors drawn for it."""

    plan = models.ForeignKey(RandomInspectionPlan, on_delete=models.CASCADE, related_name="items")
    unit = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    supervision_class = models.CharField(max_length=1, choices=SupervisionClass.choices)
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["plan", "unit_id"]
        constraints = [models.UniqueConstraint(fields=["plan", "unit"], name="random_item_unit_once")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.unit_id}"


class EnforcementInspection(ScopedModel):
    """执法检查 of a use unit's dual prevention system (《特种设备安全监督检查办法》, SAMR Order 57) with its checklist
    results and findings; the unit sees the inspections of itself."""

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("监管部门"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    unit = models.ForeignKey(
        "orgs.Organization", verbose_name=_("被检查单位"), on_delete=models.PROTECT, related_name="+"
    )
    inspected_on = models.DateField(_("检查日期"))
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("执法人员"), related_name="+")
    results = models.JSONField(_("检查结果"), default=dict)  # check item code → "ok" | "finding" | "na"
    findings = models.TextField(_("发现的问题"), blank=True)
    random_item = models.ForeignKey(
        RandomInspectionItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="inspections"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = pgettext_lazy("model", "执法检查")
        verbose_name_plural = pgettext_lazy("model plural", "执法检查")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.inspected_on}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.kind == ScopeKind.UNIT:
            return Q(unit_id=scope.organization_id)
        if scope.kind == ScopeKind.AGENCY:
            return Q(pk__in=[])
        return super().scope_q(scope)


class EnforcementOrder(ScopedModel):
    """监察指令: what the unit must correct and by when; followed up, and past its deadline without compliance the case
    records the closure recommendation.  Under the one-action rule it carries the major hazard and its listing."""

    inspection = models.ForeignKey(EnforcementInspection, on_delete=models.PROTECT, related_name="orders")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")  # the regulator
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    unit = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    content = models.TextField(_("指令内容"))
    stop_use = models.BooleanField(_("责令停止使用并整改"), default=False)
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=24, choices=OrderStatus.choices, default=OrderStatus.ISSUED)
    hazard = models.ForeignKey("hazards.Hazard", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    listing = models.ForeignKey("hazards.Listing", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    published = models.BooleanField(_("已公开"), default=False)
    follow_up = models.TextField(_("跟踪情况"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = pgettext_lazy("model", "监察指令")
        verbose_name_plural = pgettext_lazy("model plural", "监察指令")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.deadline}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.kind == ScopeKind.UNIT:
            return Q(unit_id=scope.organization_id)
        if scope.kind == ScopeKind.AGENCY:
            return Q(pk__in=[])
        return super().scope_q(scope)


class Evaluation(ScopedModel):
    """The scoring of a unit's dual prevention system (dual-prevention-method R8: items as data, points normalised to
    100, veto items), by the unit itself or by a regulator."""

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    kind = models.CharField(_("评价类型"), max_length=12, choices=EvaluationKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    scores = models.JSONField(_("各项得分"), default=dict)  # item code → points, or null where it does not apply
    vetoes = models.JSONField(_("否决项"), default=list, blank=True)  # veto item codes that hold
    score = models.DecimalField(_("得分（百分制）"), max_digits=5, decimal_places=1)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    evaluator_organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = pgettext_lazy("model", "双重预防机制评价")
        verbose_name_plural = pgettext_lazy("model plural", "双重预防机制评价")

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year} {self.kind} {self.score}"


class DemonstrationEnterprise(ScopedModel):
    """示范企业: nominated by a city regulator, 1–2 per equipment category per city, only when the unit passes the score
    and veto rules; listed publicly."""

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    city = models.ForeignKey("orgs.Region", verbose_name=_("市"), on_delete=models.PROTECT, related_name="+")
    equipment_category = models.CharField(_("设备种类"), max_length=4)
    year = models.PositiveSmallIntegerField(_("年度"))
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="+")
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    nominated_by_organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "city", "equipment_category"]
        verbose_name = pgettext_lazy("model", "示范企业")
        verbose_name_plural = pgettext_lazy("model plural", "示范企业")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "equipment_category", "year"],
                condition=Q(revoked_at__isnull=True),
                name="one_demonstration_per_unit_category_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.equipment_category} {self.year}"


class RegionalAssessment(ScopedModel):
    """考核 of a county (or city) for a year by the regulator above it: indicators, weights as data, the score, its
    rank among the regions assessed together, and the notice of praise or criticism (通报)."""

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("考核部门"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("被考核地区"), on_delete=models.PROTECT, db_column="region_code", related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    indicators = models.JSONField(_("指标"), default=dict)
    weights = models.JSONField(_("权重"), default=dict)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    rank = models.PositiveSmallIntegerField(_("排名"))
    notice_kind = models.CharField(_("通报"), max_length=12, choices=NoticeKind.choices, default=NoticeKind.NONE)
    notice_text = models.TextField(_("通报内容"), blank=True)
    computed_at = models.DateTimeField(_("计算时间"))
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-year", "rank"]
        verbose_name = pgettext_lazy("model", "地区考核")
        verbose_name_plural = pgettext_lazy("model plural", "地区考核")
        constraints = [
            models.UniqueConstraint(fields=["organization", "region", "year"], name="one_assessment_per_region_year")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} {self.score}"
