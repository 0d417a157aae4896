"""The use unit's file of safety management (一企一档).

特种设备安全法 art 13 and 34 (the unit's safety management and its rules), TSG 08-2017 §2.3–2.11 (body, staff,
documents, emergency), SAMR Order 74 (appointments, training and tests), TSG Z6001-2019 (certified operators).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shuangfang.core.models import LiveManager, ScopedModel, ScopedQuerySet, SoftDeletable
from shuangfang.core.scoping import Scope, ScopeKind
from shuangfang.equipment.rules import category_of

from .choices import (
    AppointmentRole,
    AttemptStatus,
    EmergencyPlanKind,
    ExamKind,
    GapKind,
    HazardSourceGrade,
    LicenceKind,
    QuestionKind,
    QuestionTopic,
    ReadingSource,
)


class _UnitOwned(ScopedModel):
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class SafetyProfile(_UnitOwned):
    """The unit's safety management body (TSG 08-2017 2.3) and the facts about it the register cannot tell, which
    the staffing rules read.  One per unit, made when first saved."""

    organization = models.OneToOneField(
        "orgs.Organization", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="safety_profile"
    )
    body_name = models.CharField(_("安全管理机构名称"), max_length=200, blank=True)
    body_established_on = models.DateField(_("机构设立日期"), null=True, blank=True)
    body_document = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("机构设立文件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    public_elevator_business = models.BooleanField(_("以经营为目的为公众提供电梯服务"), default=False)
    public_ride_business = models.BooleanField(_("以经营为目的为公众提供游乐设施或观光车辆服务"), default=False)
    power_station_boiler = models.BooleanField(_("使用电站锅炉"), default=False)
    petrochemical_plant = models.BooleanField(_("使用石油化工、化工成套装置"), default=False)
    boiler_over_2_5_mpa = models.BooleanField(_("使用额定工作压力≥2.5MPa的锅炉"), default=False)
    industrial_piping_km = models.DecimalField(_("工业管道长度（公里）"), max_digits=8, decimal_places=2, default=0)

    class Meta:
        verbose_name = pgettext_lazy("model", "安全管理概况")
        verbose_name_plural = pgettext_lazy("model plural", "安全管理概况")

    def __str__(self) -> str:
        return f"{self.organization_id} safety profile"

    @property
    def has_body(self) -> bool:
        return bool(self.body_name and self.body_established_on)


class UnitLicence(_UnitOwned):
    """A licence the unit holds (许可证), such as the filling licence without which no mobile pressure vessel or
    cylinder is filled (特种设备安全法 art 49).  A new licence of the same kind supersedes the current one, which stays
    on record, no longer current."""

    kind = models.CharField(_("许可类型"), max_length=16, choices=LicenceKind.choices)
    number = models.CharField(_("许可证编号"), max_length=100)
    issued_by = models.CharField(_("发证机关"), max_length=200, blank=True)
    issued_on = models.DateField(_("发证日期"))
    expires_on = models.DateField(_("有效期至"))
    scope = models.CharField(_("许可范围"), max_length=500, blank=True)  # e.g. the media a filling licence covers
    attachment = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("许可证文件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_current = models.BooleanField(_("现行有效"), default=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["kind", "-issued_on", "-id"]
        verbose_name = pgettext_lazy("model", "许可证")
        verbose_name_plural = pgettext_lazy("model plural", "许可证")
        indexes = [models.Index(fields=["organization", "kind", "is_current"], name="licence_org_kind")]
        constraints = [models.CheckConstraint(name="licence_dates", condition=Q(expires_on__gt=models.F("issued_on")))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Appointment(_UnitOwned):
    """An appointment to a safety role (Order 74 art 69/135: 安全总监 and 安全员 per equipment type; TSG 08 2.4:
    安全管理负责人).  Ended, never deleted: the appointments and their changes are the record Order 74 art 145 asks
    the unit to keep."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="appointments"
    )
    role = models.CharField(_("岗位"), max_length=20, choices=AppointmentRole.choices)
    # Catalog categories (X000) the appointment covers; empty covers every category of the unit.
    equipment_categories = models.JSONField(_("负责的设备种类"), default=list, blank=True)
    full_time = models.BooleanField(_("专职"), default=False)
    starts_on = models.DateField(_("任职日期"))
    ends_on = models.DateField(_("免职日期"), null=True, blank=True)
    document = models.ForeignKey(
        "core.Attachment", verbose_name=_("任命文件"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    end_reason = models.CharField(_("免职原因"), max_length=500, blank=True)
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["role", "starts_on", "id"]
        verbose_name = pgettext_lazy("model", "岗位任命")
        verbose_name_plural = pgettext_lazy("model plural", "岗位任命")
        indexes = [models.Index(fields=["organization", "role", "ends_on"], name="appointment_org_role")]
        constraints = [
            models.CheckConstraint(
                name="appointment_dates", condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_role_display()}"

    def covers(self, category: str) -> bool:
        return not self.equipment_categories or category_of(category) in self.equipment_categories


class SafetyDocument(_UnitOwned):
    """One version of a required management document (特种设备安全法 art 34; Order 74 art 145).  A new version is a
    new row; the unit's current document of a kind is its latest version."""

    kind = models.CharField(_("制度类型"), max_length=40)
    equipment_category = models.CharField(_("设备种类"), max_length=4, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    version_no = models.PositiveIntegerField(_("版次"))
    effective_on = models.DateField(_("生效日期"))
    attachment = models.ForeignKey(
        "core.Attachment", verbose_name=_("文件"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["kind", "equipment_category", "-version_no"]
        verbose_name = pgettext_lazy("model", "管理制度")
        verbose_name_plural = pgettext_lazy("model plural", "管理制度")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "equipment_category", "version_no"], name="document_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version_no}"


class TrainingPlan(_UnitOwned):
    """The unit's yearly training plan (Order 74 art 81/147: train and test the roles; 特种设备安全法 art 14)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("计划内容"), blank=True)
    attachment = models.ForeignKey(
        "core.Attachment", verbose_name=_("计划文件"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = pgettext_lazy("model", "培训计划")
        verbose_name_plural = pgettext_lazy("model plural", "培训计划")

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class TrainingSession(SoftDeletable, _UnitOwned):
    """One training held: who attended is each person's training history."""

    plan = models.ForeignKey(
        TrainingPlan,
        verbose_name=_("培训计划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    topic = models.CharField(_("培训主题"), max_length=200)
    held_on = models.DateField(_("培训日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    trainer = models.CharField(_("授课人"), max_length=100)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("参训人员"), related_name="training_sessions"
    )
    materials = models.ForeignKey(
        "core.Attachment", verbose_name=_("培训材料"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sign_in_photo = models.ForeignKey(
        "core.Attachment", verbose_name=_("签到照片"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = LiveManager.from_queryset(ScopedQuerySet)()
    all_objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = pgettext_lazy("model", "培训记录")
        verbose_name_plural = pgettext_lazy("model plural", "培训记录")

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"


class Question(models.Model):
    """A question of the bank.  Platform questions (laws, Order 74 duties, GB 45067 criteria) belong to no
    organization and every exam may draw them; a unit's own questions serve its own exams."""

    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("题号"), max_length=40, unique=True, null=True, blank=True)
    topic = models.CharField(_("题目类别"), max_length=20, choices=QuestionTopic.choices)
    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices)
    roles = models.JSONField(_("适用岗位"), default=list, blank=True)  # empty: every role
    equipment_category = models.CharField(_("设备种类"), max_length=4, blank=True)  # empty: every category
    text = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list)
    answer = models.JSONField(_("答案"), default=list)  # indexes into options
    citation = models.CharField(_("依据"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["topic", "id"]
        verbose_name = pgettext_lazy("model", "考题")
        verbose_name_plural = pgettext_lazy("model plural", "考题")

    def __str__(self) -> str:
        return self.text[:40]

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Platform questions are readable by every signed-in user; a unit's own by that unit and, like the rest of
        its file, by the regulators of its region."""
        if scope.kind == ScopeKind.PLATFORM:
            return Q()
        if scope.kind == ScopeKind.NONE:
            return Q(pk__in=[])
        if scope.kind == ScopeKind.REGULATOR:
            return Q(organization__isnull=True) | Q(organization__region__code__startswith=scope.region_prefix)
        return Q(organization__isnull=True) | Q(organization_id=scope.organization_id)


class Exam(ScopedModel):
    """An exam: a unit testing its own people (Order 74 art 81), or a regulator's spot-check of the safety
    directors and officers in its jurisdiction (抽查考核, art 81/147).  The questions are fixed when it is made."""

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+"
    )
    # The unit's region for a unit exam; for a spot-check, the region whose people are examined.
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("范围"), on_delete=models.PROTECT, db_column="region_code", related_name="+"
    )
    kind = models.CharField(_("考试类型"), max_length=12, choices=ExamKind.choices)
    title = models.CharField(_("考试名称"), max_length=200)
    roles = models.JSONField(_("参考岗位"), default=list)
    equipment_category = models.CharField(_("设备种类"), max_length=4, blank=True)
    questions = models.ManyToManyField(Question, verbose_name=_("试题"), related_name="+")
    pass_score = models.PositiveSmallIntegerField(_("合格分"))
    opens_on = models.DateField(_("开考日期"))
    closes_on = models.DateField(_("截止日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = pgettext_lazy("model", "考试")
        verbose_name_plural = pgettext_lazy("model plural", "考试")
        constraints = [models.CheckConstraint(name="exam_dates", condition=Q(closes_on__gte=models.F("opens_on")))]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Regulators see the exams over their jurisdiction; a unit sees its own exams and the spot-checks its
        people sit."""
        if scope.kind in (ScopeKind.UNIT, ScopeKind.AGENCY):
            sat = ExamAttempt.objects.filter(organization_id=scope.organization_id).values("exam_id")
            return Q(organization_id=scope.organization_id) | Q(pk__in=sat)
        return super().scope_q(scope)


class ExamAttempt(ScopedModel):
    """One person's sitting of an exam, owned by the person's unit: the unit sees how its people did, the regulator
    the results by unit."""

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("考生"), on_delete=models.PROTECT, related_name="exam_attempts"
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.ASSIGNED)
    answers = models.JSONField(_("作答"), default=dict, blank=True)
    marks = models.JSONField(_("判分"), default=dict, blank=True)
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    passed = models.BooleanField(_("合格"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)

    class Meta:
        ordering = ["exam", "organization", "id"]
        verbose_name = pgettext_lazy("model", "考试记录")
        verbose_name_plural = pgettext_lazy("model plural", "考试记录")
        constraints = [models.UniqueConstraint(fields=["exam", "candidate"], name="attempt_once_per_exam")]

    def __str__(self) -> str:
        return f"{self.exam_id} {self.candidate_id}"


class OperatorAssignment(_UnitOwned):
    """An operator put on a piece of equipment, by the certificate they hold (持证上岗: 特种设备安全法 art 14).  Ended,
    never deleted."""

    equipment = models.ForeignKey(
        "equipment.Equipment", verbose_name=_("设备"), on_delete=models.PROTECT, related_name="operator_assignments"
    )
    certificate = models.ForeignKey(
        "equipment.OperatorCertificate",
        verbose_name=_("作业人员证"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    assigned_on = models.DateField(_("上岗日期"))
    ended_on = models.DateField(_("离岗日期"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["equipment", "assigned_on", "id"]
        verbose_name = pgettext_lazy("model", "设备作业人员")
        verbose_name_plural = pgettext_lazy("model plural", "设备作业人员")
        constraints = [
            models.UniqueConstraint(
                fields=["equipment", "certificate"], condition=Q(ended_on__isnull=True), name="one_active_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate} @ {self.equipment_id}"


class EmergencyPlan(_UnitOwned):
    """特种设备事故应急专项预案 (特种设备安全法 art 69; TSG 08-2017 2.11), per equipment category."""

    kind = models.CharField(
        _("预案类型"), max_length=16, choices=EmergencyPlanKind.choices, default=EmergencyPlanKind.SPECIAL
    )
    equipment_category = models.CharField(_("设备种类"), max_length=4, blank=True)
    title = models.CharField(_("预案名称"), max_length=200)
    approved_on = models.DateField(_("发布日期"))
    review_by = models.DateField(_("评估修订期限"))
    attachment = models.ForeignKey(
        "core.Attachment", verbose_name=_("预案文件"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_current = models.BooleanField(_("现行有效"), default=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["equipment_category", "-approved_on", "-id"]
        verbose_name = pgettext_lazy("model", "应急预案")
        verbose_name_plural = pgettext_lazy("model plural", "应急预案")

    def __str__(self) -> str:
        return self.title


class Drill(SoftDeletable, _UnitOwned):
    """An emergency drill held (TSG 08-2017 2.11: at least yearly where a body or full-time officer is required)."""

    plan = models.ForeignKey(
        EmergencyPlan,
        verbose_name=_("应急预案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drills",
    )
    equipment_category = models.CharField(_("设备种类"), max_length=4, blank=True)
    held_on = models.DateField(_("演练日期"))
    scenario = models.CharField(_("演练科目"), max_length=300)
    participants = models.TextField(_("参演人员"), blank=True)
    participant_count = models.PositiveIntegerField(_("参演人数"), default=0)
    evaluation = models.TextField(_("演练评估"), blank=True)
    photos = models.ManyToManyField("core.Attachment", verbose_name=_("照片"), blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = LiveManager.from_queryset(ScopedQuerySet)()
    all_objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = pgettext_lazy("model", "应急演练")
        verbose_name_plural = pgettext_lazy("model plural", "应急演练")

    def __str__(self) -> str:
        return f"{self.held_on} {self.scenario}"


class MajorHazardSource(_UnitOwned):
    """重大危险源 (《安全生产法》 art 40; GB 18218-2018) at the unit, watched through its monitoring points."""

    name = models.CharField(_("名称"), max_length=200)
    grade = models.CharField(_("级别"), max_length=1, choices=HazardSourceGrade.choices)
    equipment = models.ForeignKey(
        "equipment.Equipment",
        verbose_name=_("关联设备"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    location = models.CharField(_("位置"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        ordering = ["grade", "id"]
        verbose_name = pgettext_lazy("model", "重大危险源")
        verbose_name_plural = pgettext_lazy("model plural", "重大危险源")

    def __str__(self) -> str:
        return self.name


class MonitoringPoint(_UnitOwned):
    """A measured quantity of a major hazard source with its safe bounds (either may be open)."""

    source = models.ForeignKey(
        MajorHazardSource, verbose_name=_("重大危险源"), on_delete=models.PROTECT, related_name="points"
    )
    name = models.CharField(_("监测点"), max_length=200)
    quantity = models.CharField(_("监测参数"), max_length=50)
    unit_of_measure = models.CharField(_("计量单位"), max_length=20, blank=True)
    low = models.DecimalField(_("下限"), max_digits=12, decimal_places=3, null=True, blank=True)
    high = models.DecimalField(_("上限"), max_digits=12, decimal_places=3, null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["source", "id"]
        verbose_name = pgettext_lazy("model", "监测点")
        verbose_name_plural = pgettext_lazy("model plural", "监测点")
        constraints = [
            models.CheckConstraint(
                name="monitoring_bounds",
                condition=Q(low__isnull=True) | Q(high__isnull=True) | Q(high__gt=models.F("low")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.name}"

    def out_of_bounds(self, value) -> bool:
        return (self.low is not None and value < self.low) or (self.high is not None and value > self.high)


class Reading(_UnitOwned):
    """A measured value.  Append-only; one outside the bounds raised a control-failure investigation (MEM 隐患来源 9)
    and a hazard, linked here."""

    point = models.ForeignKey(MonitoringPoint, on_delete=models.PROTECT, related_name="readings")
    value = models.DecimalField(_("读数"), max_digits=12, decimal_places=3)
    measured_at = models.DateTimeField(_("测量时间"))
    source = models.CharField(_("来源"), max_length=8, choices=ReadingSource.choices, default=ReadingSource.MANUAL)
    out_of_bounds = models.BooleanField(_("超限"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(
        "hazards.InvestigationTask", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hazard = models.ForeignKey("hazards.Hazard", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-measured_at", "-id"]
        verbose_name = pgettext_lazy("model", "监测读数")
        verbose_name_plural = pgettext_lazy("model plural", "监测读数")
        indexes = [models.Index(fields=["point", "measured_at"], name="reading_point_time")]

    def __str__(self) -> str:
        return f"{self.point_id} {self.value} {self.measured_at:%Y-%m-%d %H:%M}"


class ComplianceGap(_UnitOwned):
    """Something the unit owes and lacks, with the rule that creates it.  Kept current by safety.compliance: a gap
    opens when the rules find it and closes (closed_at set, the row kept) when the data no longer shows it; a
    regulator counts the open ones by kind."""

    kind = models.CharField(_("类别"), max_length=20, choices=GapKind.choices)
    key = models.CharField(max_length=120)
    message = models.CharField(_("缺项"), max_length=500)
    citation = models.CharField(_("依据"), max_length=200)
    equipment = models.ForeignKey(
        "equipment.Equipment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hazard = models.ForeignKey("hazards.Hazard", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("发现时间"))
    closed_at = models.DateTimeField(_("消除时间"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "key"]
        verbose_name = pgettext_lazy("model", "合规缺项")
        verbose_name_plural = pgettext_lazy("model plural", "合规缺项")
        indexes = [models.Index(fields=["region", "kind"], name="gap_region_kind", condition=Q(closed_at__isnull=True))]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], condition=Q(closed_at__isnull=True), name="one_open_gap_per_key"
            )
        ]

    def __str__(self) -> str:
        return self.message
