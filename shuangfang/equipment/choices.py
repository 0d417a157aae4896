from django.db import models


class CatalogLevel(models.TextChoices):
    CATEGORY = "category", "种类"
    CLASS = "class", "类别"
    VARIETY = "variety", "品种"


class EquipmentStatus(models.TextChoices):
    IN_USE = "in_use", "在用"
    SUSPENDED = "suspended", "停用"
    SCRAPPED = "scrapped", "报废"

    @property
    def color(self) -> str:
        return {"in_use": "green", "suspended": "orange", "scrapped": "grey"}[self.value]


class InspectionState(models.TextChoices):
    """Computed from the due date and today; colours for badges."""

    VALID = "valid", "在有效期内"
    DUE_SOON = "due_soon", "30日内到期"
    OVERDUE = "overdue", "超期未检"
    NEVER_INSPECTED = "never_inspected", "未检验"

    @property
    def color(self) -> str:
        return {"valid": "green", "due_soon": "orange", "overdue": "red", "never_inspected": "grey"}[self.value]


class InspectionKind(models.TextChoices):
    FIRST = "first", "首次检验"
    PERIODIC = "periodic", "定期检验"
    SUPERVISORY = "supervisory", "监督检验"


class Conclusion(models.TextChoices):
    PASS = "pass", "合格"
    CONDITIONAL = "conditional", "基本符合要求"
    FAIL = "fail", "不合格"
    RETEST_FAIL = "retest_fail", "复检不合格"

    @property
    def color(self) -> str:
        return {"pass": "green", "conditional": "orange", "fail": "red", "retest_fail": "red"}[self.value]


FAILING_CONCLUSIONS = {Conclusion.FAIL, Conclusion.RETEST_FAIL}


class RiskLevel(models.TextChoices):
    MAJOR = "major", "重大风险"
    SIGNIFICANT = "significant", "较大风险"
    GENERAL = "general", "一般风险"
    LOW = "low", "低风险"

    @property
    def color(self) -> str:
        return {"major": "red", "significant": "orange", "general": "yellow", "low": "blue"}[self.value]


class CertificateState(models.TextChoices):
    VALID = "valid", "有效"
    EXPIRING = "expiring", "90日内到期"
    EXPIRED = "expired", "已过期"

    @property
    def color(self) -> str:
        return {"valid": "green", "expiring": "orange", "expired": "red"}[self.value]
