"""The scoring table of a use unit's dual prevention system and the demonstration-enterprise rules, as data
(dual-prevention-method §5.2 and R8).  Pure functions over plain values: no ORM, no I/O.

Source of each row, for developers:
- The mechanics (raw points normalised to 100; items that do not apply removed from the total; an applicable item the
  unit lacks scores 0; an item's deductions stop at its value; pass mark 60, 80 for a 标杆 enterprise) are confirmed
  in the Shandong 工贸行业企业风险分级管控和隐患排查治理体系评估标准(试行) — an example from another province and
  industry, applied here by analogy (SOURCE_SHANDONG).
- The eight items, their points, the veto items and the demonstration criteria are a PROPOSAL built from SAMR Order 74
  and the DB37/T 3452 chapters: no SAMR or Shanxi scoring table for special-equipment dual prevention was found, and no
  criteria for 示范企业.  A province replaces them here, row by row, when its own table is issued.
- "1–2 demonstration enterprises per equipment category per city" is the seed notice's (晋市监发〔2022〕116号).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_noop

PROPOSAL = "PROPOSAL"
SOURCE_SHANDONG = "Shandong 工贸 evaluation standard (trial), confirmed; applied by analogy"
NOTICE_116 = "晋市监发〔2022〕116号"
ORDER_74 = "《特种设备使用单位落实使用安全主体责任监督管理规定》（总局令第74号）"
METHOD_R8 = "双重预防机制评价细则（平台建议稿，参照山东省工贸行业评估标准）"

# Pass marks on the normalised 100-point scale (Shandong rule, an example applied by analogy).
PASS_MARK_UNIT = Decimal(60)
PASS_MARK_DEMONSTRATION = Decimal(80)
PASS_MARK_SOURCE = SOURCE_SHANDONG + ": 60 for ordinary enterprises, 80 for 标杆 enterprises"

# At most this many demonstration enterprises per equipment category, city and year (the notice says 1–2).
DEMONSTRATIONS_PER_CATEGORY_PER_CITY = 2
DEMONSTRATIONS_SOURCE = NOTICE_116 + " (每市每类设备选树 1–2 家示范企业)"

HUNDRED = Decimal(100)
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class EvaluationItem:
    """One element of the scoring table."""

    code: str
    number: int
    element: str  # in the source language, shown translated
    points: int
    checks: str  # what is checked (examples)
    # Whether the evaluator may mark the item as not applicable, and when.
    may_be_na: bool = False
    na_when: str = ""
    citation: str = METHOD_R8
    source: str = PROPOSAL


EVALUATION_ITEMS: tuple[EvaluationItem, ...] = (
    EvaluationItem(
        code="organization",
        number=1,
        element=gettext_noop("组织与责任"),
        points=10,
        checks=gettext_noop(
            "按设备种类书面任命主要负责人、安全总监、安全员（总局令第74号）；职责形成文件；成立双重预防机制领导小组"
        ),
        citation=ORDER_74,
    ),
    EvaluationItem(
        code="documents",
        number=2,
        element=gettext_noop("制度与体系文件"),
        points=10,
        checks=gettext_noop(
            "风险分级管控和隐患排查治理制度；日管控、周排查、月调度制度；安全总监职责；安全员守则；文件受控"
        ),
        citation=ORDER_74,
    ),
    EvaluationItem(
        code="training",
        number=3,
        element=gettext_noop("全员培训"),
        points=10,
        checks=gettext_noop("培训计划覆盖主要负责人、安全总监、安全员和作业人员；培训记录；考核结果"),
    ),
    EvaluationItem(
        code="identification",
        number=4,
        element=gettext_noop("风险辨识与评价"),
        points=20,
        checks=gettext_noop(
            "每台在用设备登记为风险点（一设备一档）；安全检查表法、工作危害分析记录；评价方法统一；风险点登记台账完整"
        ),
    ),
    EvaluationItem(
        code="grading",
        number=5,
        element=gettext_noop("风险分级管控"),
        points=15,
        checks=gettext_noop(
            "风险分级管控清单明确责任人和层级；重大风险由公司级管控；张贴风险告知卡和重大风险告知栏；四色分布图"
        ),
    ),
    EvaluationItem(
        code="investigation",
        number=6,
        element=gettext_noop("隐患排查"),
        points=15,
        checks=gettext_noop(
            "基础管理类和现场类排查清单；日管控、周排查、月调度记录完整（含零风险报告）；专项、季节性、节假日排查"
        ),
        citation=ORDER_74,
    ),
    EvaluationItem(
        code="treatment",
        number=7,
        element=gettext_noop("隐患治理"),
        points=15,
        checks=gettext_noop("五落实；按期整改；重大事故隐患有治理方案、已报告并停止使用设备；验收和销号证据；逾期率"),
        may_be_na=True,
        na_when=gettext_noop("评价期间未发现隐患"),
    ),
    EvaluationItem(
        code="improvement",
        number=8,
        element=gettext_noop("持续改进与信息化"),
        points=5,
        checks=gettext_noop("年度评审；事故或变更后更新清单；平台数据完整；月调度使用统计数据"),
        may_be_na=True,
        na_when=gettext_noop("运行未满一年"),
    ),
)

ITEMS_BY_CODE = {item.code: item for item in EVALUATION_ITEMS}
RAW_TOTAL = sum(item.points for item in EVALUATION_ITEMS)


@dataclass(frozen=True)
class VetoItem:
    """A fact that blocks demonstration status whatever the score.  `detected` names how the platform finds it in its
    own records (supervision.services_evaluation.detected_vetoes); an empty value: the evaluator states it."""

    code: str
    description: str
    detected: str = ""
    citation: str = METHOD_R8
    source: str = PROPOSAL


VETO_ITEMS: tuple[VetoItem, ...] = (
    VetoItem(
        code="fatal_or_major_accident",
        description=gettext_noop("评价年度内发生有人员死亡的事故或重大及以上特种设备事故"),
        detected="accident in the year with deaths, or of severity major / extraordinary",
    ),
    VetoItem(
        code="unrectified_major_hazard",
        description=gettext_noop("存在未整改销号的重大事故隐患"),
        detected="an open major hazard",
    ),
    VetoItem(
        code="listed",
        description=gettext_noop("被列入特种设备安全黑名单或严重违法失信名单"),
        detected="an active blacklist entry (the SAMR list is not held by the platform: the evaluator states it)",
        citation=NOTICE_116,
    ),
    VetoItem(
        code="unregistered_or_uninspected",
        description=gettext_noop("在用设备未办理使用登记或超期未检验"),
        detected="in-use equipment overdue for or never given its periodic inspection",
    ),
    VetoItem(
        code="major_risk_not_top_level",
        description=gettext_noop("重大风险未由公司级管控"),
        detected="an active major risk controlled below company level",
    ),
)

VETOES_BY_CODE = {veto.code: veto for veto in VETO_ITEMS}


@dataclass(frozen=True)
class DemonstrationCriterion:
    code: str
    description: str
    enforced: bool
    source: str


# What a unit must meet to be nominated.  The rows not enforced are the method file's further proposals, kept here so
# that a province switching them on sees them listed; they need data the platform does not hold reliably yet.
DEMONSTRATION_CRITERIA: tuple[DemonstrationCriterion, ...] = (
    DemonstrationCriterion(
        "score",
        gettext_noop("本年度最近一次监管部门评价得分不低于 80 分"),
        True,
        SOURCE_SHANDONG + " (标杆 pass mark 80)",
    ),
    DemonstrationCriterion("no_veto", gettext_noop("无否决项"), True, PROPOSAL),
    DemonstrationCriterion("quota", gettext_noop("每市每类设备每年不超过 2 家"), True, DEMONSTRATIONS_SOURCE),
    DemonstrationCriterion("credit_class", gettext_noop("信用风险分类为 A 类或 B 类"), False, PROPOSAL),
    DemonstrationCriterion("operation", gettext_noop("平台连续运行满 12 个月"), False, PROPOSAL),
)


# -- scoring ------------------------------------------------------------------------------------------------------


def parse_points(value) -> Decimal | None:
    """A score as given (a number, a numeric string, or None for "does not apply"), as a Decimal; ValueError when it
    is not a number."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    try:
        number = Decimal(str(value))
    except InvalidOperation as error:
        raise ValueError(value) from error
    if not number.is_finite():
        raise ValueError(value)
    return number


def scoring_errors(scores: Mapping[str, object], items: Iterable[EvaluationItem] = EVALUATION_ITEMS) -> dict[str, str]:
    """The problems of a filled table, by item code (English keys, Chinese messages built by the caller's gettext).

    Every item must be given: a number from 0 to its points with at most one decimal, or None where it may be marked
    not applicable.  Returns {code: problem}, problem one of "missing", "not_a_number", "negative", "above_max",
    "precision", "not_na", "unknown"; the key "__all__" → "none_applicable" when every item is marked not applicable.
    """
    items = tuple(items)
    known = {item.code for item in items}
    errors: dict[str, str] = {}
    for code in scores:
        if code not in known:
            errors[code] = "unknown"
    applicable = 0
    for item in items:
        if item.code not in scores:
            errors[item.code] = "missing"
            continue
        try:
            points = parse_points(scores[item.code])
        except ValueError:
            errors[item.code] = "not_a_number"
            continue
        if points is None:
            if not item.may_be_na:
                errors[item.code] = "not_na"
            continue
        applicable += 1
        if points < 0:
            errors[item.code] = "negative"
        elif points > item.points:
            errors[item.code] = "above_max"
        elif points != points.quantize(ONE_DECIMAL):
            errors[item.code] = "precision"
    if not applicable and not errors:
        errors["__all__"] = "none_applicable"
    return errors


def normalised_score(scores: Mapping[str, object], items: Iterable[EvaluationItem] = EVALUATION_ITEMS) -> Decimal:
    """actual = points earned ÷ points of the applicable items × 100, one decimal, half up.  Items marked not
    applicable (None) leave the total; the table must be valid (scoring_errors empty)."""
    earned = Decimal(0)
    total = 0
    for item in items:
        points = parse_points(scores.get(item.code))
        if points is None:
            continue
        earned += points
        total += item.points
    if not total:
        raise ValueError("no applicable item")
    return (earned / total * HUNDRED).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def clean_scores(scores: Mapping[str, object], items: Iterable[EvaluationItem] = EVALUATION_ITEMS) -> dict:
    """The table as stored (JSON): item code → points as a number with one decimal at most, or None (not
    applicable)."""
    cleaned = {}
    for item in items:
        points = parse_points(scores.get(item.code))
        cleaned[item.code] = None if points is None else float(points.quantize(ONE_DECIMAL))
    return cleaned


def passes(score: Decimal, mark: Decimal = PASS_MARK_UNIT) -> bool:
    return Decimal(score) >= mark


def unknown_vetoes(codes: Iterable[str]) -> list[str]:
    return [code for code in codes if code not in VETOES_BY_CODE]


def ordered_vetoes(codes: Iterable[str]) -> list[str]:
    """Veto codes without repeats, in the table's order."""
    wanted = set(codes)
    return [veto.code for veto in VETO_ITEMS if veto.code in wanted]
