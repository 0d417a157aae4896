"""Differentiated supervision as data (分类监管, 晋市监发〔2022〕116号 四; dual-prevention-method §5.1, R9):
which facts about a use unit weigh on its supervision class, how many points each adds, the class a fact forces at
the least, the score thresholds of the classes A–D, and the default sampling ratios of a random inspection
plan (双随机、一公开).  Pure functions over plain values: no ORM, no I/O.

Every row carries its citation in Chinese, a confidence note for developers and `proposal=True` where the platform
proposes the rule (the method file marks the special-equipment modifiers of R9 as PROPOSAL; only the SAMR classes A–D
and the local sampling ratios are verified).  A province replaces the thresholds of the classes through the setting
SUPERVISION_CLASS_THRESHOLDS and the ratio ranges through RANDOM_PLAN_RATIO_RANGES without a code change.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_noop

NOTICE_116 = "晋市监发〔2022〕116号 四（分类监管、差异化监管措施）"
CROWDED_116 = "晋市监发〔2022〕116号 四（加强人员密集场所特种设备和重点特种设备的双重预防）"
SAMR_CREDIT = "市场监管总局关于推进企业信用风险分类管理进一步提升监管效能的意见（2022）"
DAQING_RATIOS = "大庆市林甸县企业信用风险分类结果运用（A 类≤5%，B 类 5%–20%，C 类 21%–60%，D 类 61%–100%）"

A, B, C, D = "A", "B", "C", "D"
CLASSES = (A, B, C, D)

# The facts a rule reads (counts per unit, or a flag as 0/1).
OPEN_MAJOR_HAZARDS = "open_major_hazards"
OVERDUE_INSPECTIONS = "overdue_inspections"
OVERDUE_HAZARDS = "overdue_hazards"
ACCIDENTS_12M = "accidents_12m"
ACTIVE_BLACKLIST = "active_blacklist"
ORDERS_NOT_COMPLIED = "orders_not_complied"
EVALUATION_BELOW_60 = "evaluation_below_60"
EVALUATION_VETO = "evaluation_veto"
EVALUATION_GOOD = "evaluation_good"
CROWDED_EQUIPMENT = "crowded_equipment"
FACTS = (
    OPEN_MAJOR_HAZARDS,
    OVERDUE_INSPECTIONS,
    OVERDUE_HAZARDS,
    ACCIDENTS_12M,
    ACTIVE_BLACKLIST,
    ORDERS_NOT_COMPLIED,
    EVALUATION_BELOW_60,
    EVALUATION_VETO,
    EVALUATION_GOOD,
    CROWDED_EQUIPMENT,
)

# A unit nothing is known of starts in B (R9: "B default").
BASE_POINTS = 10
EVALUATION_PASS = Decimal(60)
EVALUATION_EXCELLENT = Decimal(80)


@dataclass(frozen=True)
class ClassRule:
    """One fact that weighs on a unit's class: `points` when the fact's count reaches `minimum`; `floor` the class the
    fact forces at the least ("" for none)."""

    code: str
    fact: str
    minimum: int
    points: int
    floor: str
    description: str  # in the source language, shown translated
    citation: str
    confidence: str  # for developers
    proposal: bool = True


CLASS_RULES: tuple[ClassRule, ...] = (
    ClassRule(
        code="open_major_hazard",
        fact=OPEN_MAJOR_HAZARDS,
        minimum=1,
        points=30,
        floor=C,
        description=gettext_noop("存在未整改销号的重大事故隐患"),
        citation=NOTICE_116,
        confidence="proposal: R9 class C (open 重大隐患); the points are ours",
    ),
    ClassRule(
        code="overdue_inspection",
        fact=OVERDUE_INSPECTIONS,
        minimum=1,
        points=10,
        floor="",
        description=gettext_noop("有在用设备超期未检验"),
        citation=NOTICE_116,
        confidence="proposal: R9 class A requires no overdue inspection; the points are ours",
    ),
    ClassRule(
        code="overdue_inspections_many",
        fact=OVERDUE_INSPECTIONS,
        minimum=3,
        points=20,
        floor=C,
        description=gettext_noop("3 台及以上在用设备超期未检验"),
        citation=NOTICE_116,
        confidence="proposal: R9 class C (>= N overdue inspections), N = 3 is ours",
    ),
    ClassRule(
        code="overdue_hazard",
        fact=OVERDUE_HAZARDS,
        minimum=1,
        points=10,
        floor="",
        description=gettext_noop("有隐患超过整改期限未整改"),
        citation=NOTICE_116,
        confidence="proposal: the points are ours",
    ),
    ClassRule(
        code="overdue_hazards_many",
        fact=OVERDUE_HAZARDS,
        minimum=3,
        points=20,
        floor=C,
        description=gettext_noop("3 项及以上隐患超过整改期限未整改"),
        citation=NOTICE_116,
        confidence="proposal: R9 class C (>= N overdue hazards), N = 3 is ours",
    ),
    ClassRule(
        code="accident_12m",
        fact=ACCIDENTS_12M,
        minimum=1,
        points=60,
        floor=D,
        description=gettext_noop("近 12 个月内发生特种设备事故"),
        citation=NOTICE_116,
        confidence="proposal: R9 class D (accident in the last 12 months)",
    ),
    ClassRule(
        code="blacklisted",
        fact=ACTIVE_BLACKLIST,
        minimum=1,
        points=60,
        floor=D,
        description=gettext_noop("在特种设备安全黑名单中"),
        citation=NOTICE_116,
        confidence="proposal: R9 class D (listed)",
    ),
    ClassRule(
        code="order_not_complied",
        fact=ORDERS_NOT_COMPLIED,
        minimum=1,
        points=60,
        floor=D,
        description=gettext_noop("监察指令逾期未整改（拒不整改）"),
        citation=NOTICE_116,
        confidence="proposal: R9 class D (refused rectification), read as an order past its deadline without "
        "compliance",
    ),
    ClassRule(
        code="evaluation_below_pass",
        fact=EVALUATION_BELOW_60,
        minimum=1,
        points=20,
        floor=C,
        description=gettext_noop("最近一次双重预防机制评价得分低于 60 分"),
        citation=NOTICE_116,
        confidence="proposal: R9 class C (score < 60); pass mark 60 from the Shandong example (method §5.2)",
    ),
    ClassRule(
        code="evaluation_veto",
        fact=EVALUATION_VETO,
        minimum=1,
        points=20,
        floor=C,
        description=gettext_noop("最近一次双重预防机制评价存在否决项"),
        citation=NOTICE_116,
        confidence="proposal: a veto counts as failing the evaluation",
    ),
    ClassRule(
        code="evaluation_excellent",
        fact=EVALUATION_GOOD,
        minimum=1,
        points=-10,
        floor="",
        description=gettext_noop("监管部门最近一次评价得分不低于 80 分且无否决项"),
        citation=NOTICE_116,
        confidence="proposal: R9 class A (evaluation score >= 80); only a regulator's evaluation counts",
    ),
    ClassRule(
        code="crowded_place",
        fact=CROWDED_EQUIPMENT,
        minimum=1,
        points=10,
        floor="",
        description=gettext_noop("有在用设备位于人员密集场所"),
        citation=CROWDED_116,
        confidence="proposal: the notice asks for more attention to crowded places; the points are ours",
    ),
)

RULES_BY_CODE = {rule.code: rule for rule in CLASS_RULES}


@dataclass(frozen=True)
class Threshold:
    supervision_class: str
    min_score: int  # the class holds from this score up to the next class's
    label: str
    citation: str
    confidence: str
    proposal: bool = True


# Highest class first: a score of at least min_score gives the class (SAMR's four credit classes, dual-prevention-method
# R9; the score bands are ours).
CLASS_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold(D, 60, gettext_noop("风险高"), SAMR_CREDIT, "proposal: bands ours; classes SAMR [V]"),
    Threshold(C, 30, gettext_noop("风险较高"), SAMR_CREDIT, "proposal: bands ours; classes SAMR [V]"),
    Threshold(B, 1, gettext_noop("风险一般"), SAMR_CREDIT, "proposal: bands ours; classes SAMR [V]"),
    Threshold(A, -1000, gettext_noop("风险低"), SAMR_CREDIT, "proposal: bands ours; classes SAMR [V]"),
)


@dataclass(frozen=True)
class RatioRange:
    """The share of a class's units a random inspection plan draws (双随机): the allowed range and the default."""

    supervision_class: str
    low: int  # per cent
    high: int
    default: int
    citation: str
    confidence: str
    proposal: bool = False


RATIO_RANGES: tuple[RatioRange, ...] = (
    RatioRange(A, 0, 5, 5, DAQING_RATIOS, "verified local example; default = the top of the range (PROPOSAL)"),
    RatioRange(B, 5, 20, 20, DAQING_RATIOS, "verified local example; default = the top of the range (PROPOSAL)"),
    RatioRange(C, 21, 60, 60, DAQING_RATIOS, "verified local example; default = the top of the range (PROPOSAL)"),
    RatioRange(D, 61, 100, 100, DAQING_RATIOS, "verified local example; default = the top of the range (PROPOSAL)"),
)


def ratio_ranges(overrides: Mapping[str, Iterable[int]] | None = None) -> dict[str, tuple[int, int]]:
    """Class → (low, high) per cent: the province's override (settings.RANDOM_PLAN_RATIO_RANGES), else the table."""
    ranges = {r.supervision_class: (r.low, r.high) for r in RATIO_RANGES}
    for key, value in (overrides or {}).items():
        low, high = (int(v) for v in value)
        if key not in ranges or not 0 <= low <= high <= 100:
            raise ValueError(f"RANDOM_PLAN_RATIO_RANGES[{key!r}] must be a class A-D with 0 <= low <= high <= 100")
        ranges[key] = (low, high)
    return ranges


def default_ratios(overrides: Mapping[str, Iterable[int]] | None = None) -> dict[str, int]:
    """The default ratio of each class: the table's default, moved into the province's range when it overrides one."""
    ranges = ratio_ranges(overrides)
    defaults = {}
    for row in RATIO_RANGES:
        low, high = ranges[row.supervision_class]
        defaults[row.supervision_class] = min(max(row.default, low), high)
    return defaults


def draw_count(population: int, ratio: int) -> int:
    """How many of a class's `population` units a plan draws at `ratio` per cent: never below the ratio
    (抽查比例不低于), so rounded up."""
    if population <= 0 or ratio <= 0:
        return 0
    return min(population, math.ceil(population * ratio / 100))


# -- the class of one unit ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fired:
    rule: ClassRule
    value: int


def fired_rules(facts: Mapping[str, int], rules: Iterable[ClassRule] = CLASS_RULES) -> list[Fired]:
    """The rules the unit's facts meet, in the table's order."""
    found = []
    for rule in rules:
        value = int(facts.get(rule.fact, 0) or 0)
        if value >= rule.minimum:
            found.append(Fired(rule, value))
    return found


def class_for_score(score: int, thresholds: Iterable[Threshold] = CLASS_THRESHOLDS) -> str:
    for threshold in sorted(thresholds, key=lambda t: -t.min_score):
        if score >= threshold.min_score:
            return threshold.supervision_class
    return A


def thresholds_from(overrides: Mapping[str, int] | None) -> tuple[Threshold, ...]:
    """The thresholds with the province's minimum scores (settings.SUPERVISION_CLASS_THRESHOLDS {class: min score})."""
    if not overrides:
        return CLASS_THRESHOLDS
    rows = []
    for threshold in CLASS_THRESHOLDS:
        if threshold.supervision_class in overrides:
            threshold = Threshold(
                threshold.supervision_class,
                int(overrides[threshold.supervision_class]),
                threshold.label,
                threshold.citation,
                "configured",
            )
        rows.append(threshold)
    return tuple(rows)


@dataclass(frozen=True)
class Outcome:
    supervision_class: str
    score: int
    fired: tuple[Fired, ...]


def classify(
    facts: Mapping[str, int],
    rules: Iterable[ClassRule] = CLASS_RULES,
    thresholds: Iterable[Threshold] = CLASS_THRESHOLDS,
) -> Outcome:
    """The unit's class: the class of its score (base points plus the points of every rule met), raised to the highest
    floor a rule forces."""
    fired = fired_rules(facts, rules)
    raw = BASE_POINTS + sum(f.rule.points for f in fired)
    found = class_for_score(raw, thresholds)
    for f in fired:
        if f.rule.floor and CLASSES.index(f.rule.floor) > CLASSES.index(found):
            found = f.rule.floor
    return Outcome(found, max(raw, 0), tuple(fired))


def describe(outcome: Outcome) -> list[dict]:
    """The facts stored on UnitClass.facts: each rule met, its value, points, floor and citation."""
    return [
        {
            "rule": f.rule.code,
            "description": f.rule.description,
            "value": f.value,
            "points": f.rule.points,
            "floor": f.rule.floor,
            "citation": f.rule.citation,
            "proposal": f.rule.proposal,
        }
        for f in outcome.fired
    ]


def evaluation_facts(latest_regulator, latest_any) -> dict[str, int]:
    """The evaluation facts from a unit's latest evaluations, each a (score, vetoes) pair or None: a failing score or a
    veto counts from the latest evaluation of either kind (the regulator's when there is one), the excellent mark only
    from a regulator's."""
    facts = {EVALUATION_BELOW_60: 0, EVALUATION_VETO: 0, EVALUATION_GOOD: 0}
    basis = latest_regulator or latest_any
    if basis is not None:
        score, vetoes = basis
        facts[EVALUATION_BELOW_60] = int(Decimal(score) < EVALUATION_PASS)
        facts[EVALUATION_VETO] = int(bool(vetoes))
    if latest_regulator is not None:
        score, vetoes = latest_regulator
        facts[EVALUATION_GOOD] = int(Decimal(score) >= EVALUATION_EXCELLENT and not vetoes)
    return facts
