from django.db import models
from django.utils.translation import gettext_lazy as _


class AppointmentRole(models.TextChoices):
    """The people a use unit appoints: Order 74's three roles, and TSG 08's 安全管理负责人."""

    PRINCIPAL = "principal", _("主要负责人")
    SAFETY_MANAGER = "safety_manager", _("安全管理负责人")
    SAFETY_DIRECTOR = "safety_director", _("安全总监")
    SAFETY_OFFICER = "safety_officer", _("安全员")


class GapKind(models.TextChoices):
    """What a compliance gap is about: one per rule table, so that a regulator can count them by kind."""

    STAFFING = "staffing", _("机构和人员配备")
    LICENCE = "licence", _("许可证")
    APPOINTMENT = "appointment", _("岗位任命")
    DOCUMENT = "document", _("管理制度")
    OPERATOR = "operator", _("持证上岗")
    EMERGENCY_PLAN = "emergency_plan", _("应急预案")
    DRILL = "drill", _("应急演练")
    TRAINING = "training", _("培训考核")
    MONITORING = "monitoring", _("重大危险源监测")


class LicenceKind(models.TextChoices):
    """The licences a unit records in its file: the filling licence (特种设备安全法 art 49), which the licence rules
    ask of filling stations, and any other licence the unit holds."""

    FILLING = "filling", _("移动式压力容器/气瓶充装许可证")
    OTHER = "other", _("其他许可")


class QuestionTopic(models.TextChoices):
    LAWS = "laws", _("法律法规")
    ORDER_74 = "order_74", _("总局令第74号职责")
    GB_45067 = "gb_45067", _("GB 45067 重大隐患判定")
    UNIT_RISKS = "unit_risks", _("本单位风险")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    JUDGE = "judge", _("判断题")


class ExamKind(models.TextChoices):
    UNIT = "unit", _("单位自考")
    SPOT_CHECK = "spot_check", _("监管抽查考核")


class AttemptStatus(models.TextChoices):
    ASSIGNED = "assigned", _("待考")
    SUBMITTED = "submitted", _("已交卷")


class EmergencyPlanKind(models.TextChoices):
    SPECIAL = "special", _("专项应急预案")
    COMPREHENSIVE = "comprehensive", _("综合应急预案（含特种设备内容）")
    ONSITE = "onsite", _("现场处置方案")


class HazardSourceGrade(models.TextChoices):
    """重大危险源 grades (GB 18218-2018 §4.2.3: 一级 the highest)."""

    FIRST = "1", _("一级")
    SECOND = "2", _("二级")
    THIRD = "3", _("三级")
    FOURTH = "4", _("四级")


class ReadingSource(models.TextChoices):
    MANUAL = "manual", _("人工录入")
    API = "api", _("接口上传")
