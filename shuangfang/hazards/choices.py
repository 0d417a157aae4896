"""Enumerations of hidden-hazard investigation: where a hazard came from, the investigation types of the MEM data
specification (dangerSrc 1–10) plus the Order 74 weekly sweep and monthly meeting, task states and check outcomes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import workflow


class HazardSource(models.TextChoices):
    """API contract `source`: who found the hazard."""

    CHECK = "check", _("排查发现")
    REPORT = "report", _("随手拍")
    PUBLIC = "public", _("公众举报")
    INSPECTION_AGENCY = "inspection_agency", _("检验机构发现")
    REGULATOR = "regulator", _("监管部门检查发现")
    MAINTENANCE = "maintenance", _("维保单位发现")
    SYSTEM = "system", _("系统判定")


class HazardStatus(models.TextChoices):
    REPORTED = workflow.REPORTED, workflow.STATUS_LABELS[workflow.REPORTED]
    CONFIRMED = workflow.CONFIRMED, workflow.STATUS_LABELS[workflow.CONFIRMED]
    RECTIFYING = workflow.RECTIFYING, workflow.STATUS_LABELS[workflow.RECTIFYING]
    AWAITING_ACCEPTANCE = workflow.AWAITING_ACCEPTANCE, workflow.STATUS_LABELS[workflow.AWAITING_ACCEPTANCE]
    CLOSED = workflow.CLOSED, workflow.STATUS_LABELS[workflow.CLOSED]
    REJECTED = workflow.REJECTED, workflow.STATUS_LABELS[workflow.REJECTED]


OPEN_STATUSES = tuple(sorted(workflow.OPEN_STATUSES))


class HazardGrade(models.TextChoices):
    GENERAL = "general", _("一般事故隐患")
    MAJOR = "major", _("重大事故隐患")


class Handling(models.TextChoices):
    IMMEDIATE = workflow.HANDLING_IMMEDIATE, _("即查即改")
    DEADLINE = workflow.HANDLING_DEADLINE, _("限期整改")


class ListingLevel(models.TextChoices):
    PROVINCE = "province", _("省级挂牌")
    CITY = "city", _("市级挂牌")
    COUNTY = "county", _("县级挂牌")


class ListingStatus(models.TextChoices):
    LISTED = workflow.LISTED, workflow.LISTING_STATUS_LABELS[workflow.LISTED]
    COMPLETION_REPORTED = workflow.COMPLETION_REPORTED, workflow.LISTING_STATUS_LABELS[workflow.COMPLETION_REPORTED]
    VERIFIED = workflow.VERIFIED, workflow.LISTING_STATUS_LABELS[workflow.VERIFIED]
    DELISTED = workflow.DELISTED, workflow.LISTING_STATUS_LABELS[workflow.DELISTED]


class InvestigationKind(models.TextChoices):
    """Investigation types: the MEM codes 1–10 (R5) and the Order 74 weekly sweep and monthly meeting."""

    DAILY = "daily", _("日管控（日常排查）")
    WEEKLY = "weekly", _("周排查")
    MONTHLY = "monthly", _("月调度")
    COMPREHENSIVE = "comprehensive", _("综合性排查")
    SPECIALIST = "specialist", _("专业性排查")
    SEASONAL = "seasonal", _("季节性排查")
    PRE_HOLIDAY = "pre_holiday", _("重点时段及节假日前排查")
    ACCIDENT_ANALOGY = "accident_analogy", _("事故类比排查")
    RESTART = "restart", _("复产复工前排查")
    EXPERT = "expert", _("外聘专家诊断式排查")
    CONTROL_FAILURE = "control_failure", _("管控措施失效")
    OTHER = "other", _("其他排查")


# MEM data specification `dangerSrc` (R5, verified): the code each kind is exported with.
MEM_CODES = {
    InvestigationKind.DAILY: 1,
    InvestigationKind.WEEKLY: 1,
    InvestigationKind.MONTHLY: 1,
    InvestigationKind.COMPREHENSIVE: 2,
    InvestigationKind.SPECIALIST: 3,
    InvestigationKind.SEASONAL: 4,
    InvestigationKind.PRE_HOLIDAY: 5,
    InvestigationKind.ACCIDENT_ANALOGY: 6,
    InvestigationKind.RESTART: 7,
    InvestigationKind.EXPERT: 8,
    InvestigationKind.CONTROL_FAILURE: 9,
    InvestigationKind.OTHER: 10,
}


class Cycle(models.TextChoices):
    DAILY = "daily", _("每天")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    HALF_YEARLY = "half_yearly", _("每半年")
    BEFORE_HOLIDAY = "before_holiday", _("每个法定节假日前")
    ONCE = "once", _("一次")


class WorkDays(models.TextChoices):
    """MEM `workDayType`: on which days a daily plan produces tasks."""

    EVERY_DAY = "every_day", _("每天")
    WORKING_DAYS = "working_days", _("法定工作日")


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待执行")
    OVERDUE = "overdue", _("已逾期")
    DONE = "done", _("已完成")


class Outcome(models.TextChoices):
    OK = "ok", _("符合")
    NOT_OK = "not_ok", _("不符合")
    NOT_APPLICABLE = "na", _("不适用")


class ItemSource(models.TextChoices):
    """Where a check item of a task came from."""

    LIBRARY = "library", _("清单库")
    RISK = "risk", _("风险管控措施")
    UNIT = "unit", _("本单位自定")
