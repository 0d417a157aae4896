from django.db import models
from django.utils.translation import gettext_lazy as _


class BlacklistReason(models.TextChoices):
    """Why a unit is listed (晋市监发〔2022〕116号: an accident, or a major hazard not rectified)."""

    ACCIDENT = "accident", _("发生特种设备事故")
    MAJOR_HAZARD_OVERDUE = "major_hazard_overdue", _("重大事故隐患逾期未整改")
    REFUSED_RECTIFICATION = "refused_rectification", _("拒不整改")
    OTHER = "other", _("其他严重违法失信行为")


class BlacklistStatus(models.TextChoices):
    ACTIVE = "active", _("在列")
    LIFTED = "lifted", _("已移出")


class AccidentSeverity(models.TextChoices):
    """特种设备事故 grades (《特种设备安全法》 art 70; 《特种设备事故报告和调查处理规定》)."""

    GENERAL = "general", _("一般事故")
    LARGER = "larger", _("较大事故")
    MAJOR = "major", _("重大事故")
    EXTRAORDINARY = "extraordinary", _("特别重大事故")


class SupervisionClass(models.TextChoices):
    """分类监管 classes (SAMR 企业信用风险分类 A–D; dual-prevention-method R9)."""

    A = "A", _("A类（风险低）")
    B = "B", _("B类（风险一般）")
    C = "C", _("C类（风险较高）")
    D = "D", _("D类（风险高）")


class OrderStatus(models.TextChoices):
    """A 监察指令's course: issued, complied with by its deadline, or not — then the closure recommendation."""

    ISSUED = "issued", _("已下达")
    COMPLIED = "complied", _("已整改")
    CLOSURE_RECOMMENDED = "closure_recommended", _("逾期未整改，已提出关闭建议")


class EvaluationKind(models.TextChoices):
    SELF = "self", _("单位自评")
    REGULATOR = "regulator", _("监管部门评价")


class NoticeKind(models.TextChoices):
    PRAISE = "praise", _("通报表扬")
    CRITICISM = "criticism", _("通报批评")
    NONE = "none", _("不通报")
