from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CatalogLevel(models.TextChoices):
    CATEGORY = "category", _("种类")
    CLASS = "class", _("类别")
    VARIETY = "variety", _("品种")


class EquipmentStatus(models.TextChoices):
    IN_USE = "in_use", _("在用")
    SUSPENDED = "suspended", pgettext_lazy("equipment status", "停用")
    SCRAPPED = "scrapped", _("报废")

    @property
    def color(self) -> str:
        return {"in_use": "green", "suspended": "orange", "scrapped": "grey"}[self.value]


class InspectionState(models.TextChoices):
    """Computed from the due date and today; colours for badges."""

    VALID = "valid", _("在有效期内")
    DUE_SOON = "due_soon", _("30日内到期")
    OVERDUE = "overdue", _("超期未检")
    NEVER_INSPECTED = "never_inspected", _("未检验")

    @property
    def color(self) -> str:
        return {"valid": "green", "due_soon": "orange", "overdue": "red", "never_inspected": "grey"}[self.value]


class InspectionKind(models.TextChoices):
    FIRST = "first", _("首次检验")
    PERIODIC = "periodic", _("定期检验")
    SUPERVISORY = "supervisory", _("监督检验")


class Conclusion(models.TextChoices):
    PASS = "pass", _("合格")
    CONDITIONAL = "conditional", _("基本符合要求")
    FAIL = "fail", _("不合格")
    RETEST_FAIL = "retest_fail", _("复检不合格")

    @property
    def color(self) -> str:
        return {"pass": "green", "conditional": "orange", "fail": "red", "retest_fail": "red"}[self.value]


FAILING_CONCLUSIONS = {Conclusion.FAIL, Conclusion.RETEST_FAIL}


class RiskLevel(models.TextChoices):
    MAJOR = "major", _("重大风险")
    SIGNIFICANT = "significant", _("较大风险")
    GENERAL = "general", _("一般风险")
    LOW = "low", _("低风险")

    @property
    def color(self) -> str:
        return {"major": "red", "significant": "orange", "general": "yellow", "low": "blue"}[self.value]


class CertificateState(models.TextChoices):
    VALID = "valid", _("有效")
    EXPIRING = "expiring", _("90日内到期")
    EXPIRED = "expired", _("已过期")

    @property
    def color(self) -> str:
        return {"valid": "green", "expiring": "orange", "expired": "red"}[self.value]
