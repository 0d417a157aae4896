from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangfang.equipment.choices import RiskLevel

__all__ = ["AssessmentMethod", "ControlLevel", "IdentificationMethod", "MeasureKind", "RiskLevel", "RiskPointKind"]


class RiskPointKind(models.TextChoices):
    """风险点: a piece of equipment (one device, one file), a site or area, or an operation."""

    EQUIPMENT = "equipment", _("设备设施")
    SITE = "site", _("场所区域")
    ACTIVITY = "activity", _("作业活动")


class IdentificationMethod(models.TextChoices):
    SCL = "scl", _("安全检查表法（SCL）")
    JHA = "jha", _("工作危害分析法（JHA）")


class AssessmentMethod(models.TextChoices):
    LEC = "lec", _("作业条件危险性分析法（LEC）")
    LS = "ls", _("风险矩阵法（LS）")
    MES = "mes", _("MES 评价法")


class ControlLevel(models.TextChoices):
    """管控层级, top to bottom."""

    COMPANY = "company", _("公司级")
    DEPARTMENT = "department", _("部门级")
    WORKSHOP = "workshop", _("车间级")
    TEAM = "team", _("班组级")
    POST = "post", _("岗位级")


class MeasureKind(models.TextChoices):
    ENGINEERING = "engineering", _("工程技术")
    MANAGEMENT = "management", _("管理")
    TRAINING = "training", _("培训教育")
    PPE = "ppe", _("个体防护")
    EMERGENCY = "emergency", _("应急处置")
