import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from shuangfang.core.crypto import EncryptedCharField, blind_index
from shuangfang.core.models import LiveManager, ScopedModel, ScopedQuerySet, SoftDeletable
from shuangfang.core.scoping import Scope, ScopeKind

from .choices import (
    CatalogLevel,
    CertificateState,
    Conclusion,
    EquipmentStatus,
    InspectionKind,
    InspectionState,
    RiskLevel,
)

DUE_SOON_DAYS = 30
CERTIFICATE_EXPIRING_DAYS = 90


class CatalogEntry(models.Model):
    """特种设备目录 (质检总局公告2014年第114号): category X000 → class XX00 → variety XXX0."""

    code = models.CharField(_("目录代码"), max_length=4, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=8, choices=CatalogLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    registrable = models.BooleanField(_("需使用登记"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = pgettext_lazy("model", "设备目录")
        verbose_name_plural = pgettext_lazy("model plural", "设备目录")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def category_code(self) -> str:
        """The top-level category (种类) of this entry: its first character followed by 000."""
        from .rules import category_of

        return category_of(self.code)


class CertificateItem(models.Model):
    """特种设备作业人员资格认定项目 (2019 scheme, TSG Z6001-2019, 总局公告2019年第3号)."""

    code = models.CharField(_("项目代号"), max_length=4, primary_key=True)
    name = models.CharField(_("项目"), max_length=64)
    equipment_category = models.CharField(_("设备种类"), max_length=4, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = pgettext_lazy("model", "作业人员证项目")
        verbose_name_plural = pgettext_lazy("model plural", "作业人员证项目")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def _inspection_state_case(today):
    soon = today + timedelta(days=DUE_SOON_DAYS)
    return Case(
        When(
            inspection_due_on__isnull=True, last_inspected_on__isnull=True, then=Value(InspectionState.NEVER_INSPECTED)
        ),
        # A failed inspection leaves no due date: the equipment may not be used until re-inspected.
        When(inspection_due_on__isnull=True, then=Value(InspectionState.OVERDUE)),
        When(inspection_due_on__lt=today, then=Value(InspectionState.OVERDUE)),
        When(inspection_due_on__lte=soon, then=Value(InspectionState.DUE_SOON)),
        default=Value(InspectionState.VALID),
        output_field=models.CharField(),
    )


def inspection_state_q(state: str, today) -> Q:
    """The filter for one inspection state, written on the dates so that indexes serve it."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    return {
        InspectionState.NEVER_INSPECTED: Q(inspection_due_on__isnull=True, last_inspected_on__isnull=True),
        InspectionState.OVERDUE: Q(inspection_due_on__lt=today)
        | Q(inspection_due_on__isnull=True, last_inspected_on__isnull=False),
        InspectionState.DUE_SOON: Q(inspection_due_on__gte=today, inspection_due_on__lte=soon),
        InspectionState.VALID: Q(inspection_due_on__gt=soon),
    }[InspectionState(state)]


class EquipmentQuerySet(ScopedQuerySet):
    def with_inspection_state(self, today=None):
        return self.annotate(inspection_state_value=_inspection_state_case(today or timezone.localdate()))

    def in_inspection_state(self, state: str, today=None):
        return self.filter(inspection_state_q(state, today or timezone.localdate()))


def new_public_token() -> str:
    return secrets.token_urlsafe(16)


class Equipment(SoftDeletable, ScopedModel):
    """一设备一档 — one registered piece of special equipment and its file.

    特种设备安全法 art 33 (use registration), art 35 (safety technical file), art 40 (periodic
    inspection); TSG 08 (使用管理规则).  `code` is the 设备代码 (TSG 08 Annex A); `category` a code
    of the 2014 catalog.
    """

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("使用单位"), on_delete=models.PROTECT, related_name="equipment"
    )
    code = models.CharField(_("设备代码"), max_length=32, unique=True)
    registration_no = models.CharField(_("使用登记证编号"), max_length=64, blank=True)
    category = models.ForeignKey(
        CatalogEntry,
        verbose_name=_("设备类别"),
        on_delete=models.PROTECT,
        db_column="category_code",
        related_name="+",
        db_index=False,  # Meta.indexes: equipment_category
    )
    name = models.CharField(_("设备名称"), max_length=200)
    model = models.CharField(_("型号"), max_length=100, blank=True)
    serial_no = models.CharField(_("出厂编号"), max_length=100, blank=True)
    manufacturer = models.CharField(_("制造单位"), max_length=200, blank=True)
    manufactured_on = models.DateField(_("制造日期"), null=True, blank=True)
    commissioned_on = models.DateField(_("投入使用日期"), null=True, blank=True)
    design_life_years = models.PositiveSmallIntegerField(_("设计使用年限（年）"), null=True, blank=True)
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT, db_column="region_code", related_name="+"
    )
    site = models.CharField(_("使用地点"), max_length=255, blank=True)
    crowded_place = models.BooleanField(_("人员密集场所"), default=False)
    # Features the operator-certificate rules read (safety.rules.CERTIFICATE_RULES): a quick-opening vessel needs an
    # R1 operator, a crane whose lifting needs signals a Q1 signaller besides its Q2 driver (TSG Z6001-2019).
    quick_opening = models.BooleanField(_("快开门式压力容器"), default=False)
    signaller_required = models.BooleanField(_("吊装作业需要指挥"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=EquipmentStatus.choices, default=EquipmentStatus.IN_USE, db_index=True
    )
    inspection_due_on = models.DateField(_("下次检验日期"), null=True, blank=True, db_index=True)
    last_inspected_on = models.DateField(_("上次检验日期"), null=True, blank=True)
    inspection_agency = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("检验机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="engaged_equipment",
        help_text=_("使用单位委托定期检验的机构"),
    )
    # Kept current by the risk and hazard services (later modules); read-only in the API.
    risk_level = models.CharField(_("风险等级"), max_length=16, choices=RiskLevel.choices, null=True, blank=True)
    open_hazards = models.PositiveIntegerField(_("未销号隐患"), default=0)
    open_major_hazards = models.PositiveIntegerField(_("未销号重大隐患"), default=0)
    public_token = models.CharField(max_length=32, unique=True, default=new_public_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LiveManager.from_queryset(EquipmentQuerySet)()
    all_objects = EquipmentQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = pgettext_lazy("model", "特种设备")
        verbose_name_plural = pgettext_lazy("model plural", "特种设备")
        indexes = [
            # A regulator's list and its count: the scope key first (a region prefix, LIKE '14%', which only the
            # pattern operator class serves whatever the collation), then the list's commonest filters, over the rows
            # not deleted, so counting a province is an index-only scan rather than a read of the whole table.
            models.Index(
                fields=["region", "status", "category"],
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "varchar_pattern_ops"],
                condition=Q(deleted_at__isnull=True),
                name="equipment_live_region",
            ),
            models.Index(fields=["organization", "status"], name="equipment_org_status"),
            # The search box's 设备代码 prefix (LIKE 'X%'): the unique index's collation order cannot serve LIKE.
            models.Index(fields=["code"], opclasses=["varchar_pattern_ops"], name="equipment_code_prefix"),
            # A category prefix (LIKE '3%', all elevators) with the ids: the devices another list joins to by their
            # category (a province's open hazards of elevators) are read from the index alone.  It also serves the
            # foreign key's equality lookups, so the key has no index of its own.
            models.Index(
                fields=["category"], opclasses=["varchar_pattern_ops"], include=["id"], name="equipment_category"
            ),
        ]
        # On PostgreSQL name, site and code also carry character-pair indexes for the search box (core.search; created
        # by migration 0007 outside the model state, since only PostgreSQL has them).

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def inspection_state(self) -> str:
        cached = getattr(self, "inspection_state_value", None)
        if cached:
            return cached
        from .rules import inspection_state

        return inspection_state(self.inspection_due_on, self.last_inspected_on, timezone.localdate(), DUE_SOON_DAYS)

    @property
    def inspection_state_label(self) -> str:
        return InspectionState(self.inspection_state).label

    @property
    def inspection_state_color(self) -> str:
        return InspectionState(self.inspection_state).color

    @property
    def inspection_valid(self) -> bool:
        return self.inspection_state in (InspectionState.VALID, InspectionState.DUE_SOON)

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.kind == ScopeKind.AGENCY:
            # An agency sees the equipment it was engaged to inspect and the equipment it has inspected.
            inspected = PeriodicInspection.objects.filter(agency_id=scope.organization_id).values("equipment_id")
            return Q(inspection_agency_id=scope.organization_id) | Q(pk__in=inspected)
        return super().scope_q(scope)


# What next_due_rule holds when the date was taken from the inspection report.  Stored in the source language, like
# the rules' citations, so that the stored text does not depend on who recorded it; shown in the reader's language.
NEXT_DUE_FROM_REPORT = gettext_noop("检验报告给出")


class PeriodicInspection(ScopedModel):
    """定期检验 record (特种设备安全法 art 40; TSG 08): by an inspection agency, or entered by the
    unit from the agency's report.  Recording one moves the equipment's due date."""

    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="inspections")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    agency = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("检验机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(
        _("检验类别"), max_length=16, choices=InspectionKind.choices, default=InspectionKind.PERIODIC
    )
    inspected_on = models.DateField(_("检验日期"))
    conclusion = models.CharField(_("检验结论"), max_length=16, choices=Conclusion.choices)
    safety_grade = models.PositiveSmallIntegerField(_("安全状况等级"), null=True, blank=True)
    next_due_on = models.DateField(_("下次检验日期"), null=True, blank=True)
    next_due_rule = models.CharField(_("下次检验日期依据"), max_length=255, blank=True)
    report_no = models.CharField(_("报告编号"), max_length=64, blank=True)
    findings = models.TextField(_("检验发现的问题"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = pgettext_lazy("model", "定期检验")
        verbose_name_plural = pgettext_lazy("model plural", "定期检验")
        indexes = [models.Index(fields=["agency", "inspected_on"], name="inspection_agency_date")]

    def __str__(self) -> str:
        return f"{self.equipment.code} {self.inspected_on} {self.get_conclusion_display()}"

    @property
    def next_due_rule_text(self) -> str:
        """The rule the due date came from, for display: the report marker translated, a citation as stored."""
        return gettext(self.next_due_rule) if self.next_due_rule == NEXT_DUE_FROM_REPORT else self.next_due_rule

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.kind == ScopeKind.AGENCY:
            return Q(agency_id=scope.organization_id) | Q(equipment__inspection_agency_id=scope.organization_id)
        return super().scope_q(scope)


class OperatorCertificate(SoftDeletable, ScopedModel):
    """特种设备作业人员证 held by a person of the unit (特种设备安全法 art 14; TSG Z6001-2019:
    valid four years)."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="certificates")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    holder_name = models.CharField(_("持证人"), max_length=100)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    # Personal data (个人信息保护法 art 28): stored encrypted; found by its blind index, shown masked (core.pii).
    id_number = EncryptedCharField(_("身份证号"), max_length=32)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    item = models.ForeignKey(
        CertificateItem, verbose_name=_("作业项目"), on_delete=models.PROTECT, db_column="item_code"
    )
    cert_no = models.CharField(_("证书编号"), max_length=64)
    issued_on = models.DateField(_("发证日期"))
    expires_on = models.DateField(_("有效期至"), db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LiveManager.from_queryset(ScopedQuerySet)()
    all_objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["expires_on", "id"]
        verbose_name = pgettext_lazy("model", "作业人员证")
        verbose_name_plural = pgettext_lazy("model plural", "作业人员证")
        constraints = [
            models.UniqueConstraint(fields=["item", "cert_no"], name="certificate_item_number"),
            models.CheckConstraint(name="certificate_dates", condition=Q(expires_on__gt=models.F("issued_on"))),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} {self.item_id} {self.cert_no}"

    @property
    def state(self) -> str:
        today = timezone.localdate()
        if self.expires_on < today:
            return CertificateState.EXPIRED
        if self.expires_on <= today + timedelta(days=CERTIFICATE_EXPIRING_DAYS):
            return CertificateState.EXPIRING
        return CertificateState.VALID

    @property
    def state_label(self) -> str:
        return CertificateState(self.state).label

    @property
    def state_color(self) -> str:
        return CertificateState(self.state).color

    def save(self, *args, **kwargs):
        self.id_number_index = blind_index(self.id_number) if self.id_number else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "id_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "id_number_index"}
        super().save(*args, **kwargs)


def certificate_state_q(state: str, today=None) -> Q:
    today = today or timezone.localdate()
    soon = today + timedelta(days=CERTIFICATE_EXPIRING_DAYS)
    return {
        CertificateState.EXPIRED: Q(expires_on__lt=today),
        CertificateState.EXPIRING: Q(expires_on__gte=today, expires_on__lte=soon),
        CertificateState.VALID: Q(expires_on__gt=soon),
    }[CertificateState(state)]
