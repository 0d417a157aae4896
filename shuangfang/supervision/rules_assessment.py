"""The annual assessment of regions (考核) as data: the indicators with their weights and direction, how a measured
value becomes points, and when a region is praised or criticised (通报).  Pure functions over plain values: no ORM,
no I/O.

The notice (晋市监发〔2022〕116号 四) tells the regulators to weigh the dual prevention work of the regions below them
in the yearly assessment and to praise or criticise by notice; it names what counts but gives no weights, no scale and
no thresholds.  Every weight, scale and threshold below is therefore a PROPOSAL, marked as such, for the province to
replace here without touching the computation (supervision.assessment).

Two kinds of indicator:
- rates (a numerator over a denominator): points = rate × 100 when higher is better, (1 − rate) × 100 when lower is
  better; with a zero denominator the indicator does not apply to the region and its weight is left out;
- counts (accidents): points = 100 − count × points_per_count, not below 0; always applies.
A region's score is the weighted mean of the points of the indicators that apply to it, on 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_noop

NOTICE_116 = "晋市监发〔2022〕116号 四"

HIGHER, LOWER = "higher", "lower"  # which direction is better
RATE, COUNT = "rate", "count"

# The indicator codes (keys of RegionalAssessment.indicators and .weights).
COVERAGE = "coverage"
ON_TIME_RECTIFICATION = "on_time_rectification"
OVERDUE_INSPECTION = "overdue_inspection"
LISTING_CLOSURE = "listing_closure"
DAILY_CHECKS = "daily_checks"
ACCIDENTS = "accidents"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str  # in the source language, shown translated
    measure: str  # how it is counted, shown under the table and in the notice
    kind: str  # RATE or COUNT
    direction: str  # HIGHER or LOWER is better
    weight: int
    citation: str
    proposal: bool  # the weight (and for counts the scale) is ours, not the notice's
    # COUNT only: the points one occurrence costs.
    points_per_count: int = 0


ASSESSMENT_INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        code=COVERAGE,
        name=gettext_noop("双重预防机制覆盖率"),
        measure=gettext_noop("在用设备全部完成风险辨识的使用单位数 ÷ 有在用设备的使用单位数（考核时的状态）"),
        kind=RATE,
        direction=HIGHER,
        weight=20,
        citation=NOTICE_116,
        proposal=True,
    ),
    Indicator(
        code=ON_TIME_RECTIFICATION,
        name=gettext_noop("隐患按期整改率"),
        measure=gettext_noop("整改期限在本年度且已到期的隐患中，在期限内销号的数量 ÷ 这些隐患的数量"),
        kind=RATE,
        direction=HIGHER,
        weight=25,
        citation=NOTICE_116,
        proposal=True,
    ),
    Indicator(
        code=OVERDUE_INSPECTION,
        name=gettext_noop("设备超期未检率"),
        measure=gettext_noop("超期未检的在用设备数 ÷ 在用设备数（考核时的状态，越低越好）"),
        kind=RATE,
        direction=LOWER,
        weight=15,
        citation=NOTICE_116,
        proposal=True,
    ),
    Indicator(
        code=LISTING_CLOSURE,
        name=gettext_noop("挂牌督办销号率"),
        measure=gettext_noop("本年度挂牌督办的重大事故隐患中已摘牌销号的数量 ÷ 本年度挂牌的数量"),
        kind=RATE,
        direction=HIGHER,
        weight=15,
        citation=NOTICE_116,
        proposal=True,
    ),
    Indicator(
        code=DAILY_CHECKS,
        name=gettext_noop("日管控完成率"),
        measure=gettext_noop("本年度已到期的日管控（每日安全检查）任务中已完成的数量 ÷ 到期任务数（总局令第74号）"),
        kind=RATE,
        direction=HIGHER,
        weight=15,
        citation=NOTICE_116 + "；《特种设备使用单位落实使用安全主体责任监督管理规定》（总局令第74号）",
        proposal=True,
    ),
    Indicator(
        code=ACCIDENTS,
        name=gettext_noop("特种设备事故"),
        measure=gettext_noop("本年度发生的特种设备事故起数（每起扣 25 分，越少越好）"),
        kind=COUNT,
        direction=LOWER,
        weight=10,
        citation=NOTICE_116,
        proposal=True,
        points_per_count=25,
    ),
)

INDICATORS_BY_CODE = {indicator.code: indicator for indicator in ASSESSMENT_INDICATORS}


@dataclass(frozen=True)
class NoticeRules:
    """When a region is praised or criticised.  Praise: among the first `praise_top` ranks and at least
    `praise_min_score`.  Criticism: below `criticism_below`, or among the last `criticism_bottom` ranks while under
    `praise_min_score` (a region that reached the praise level is never criticised for its rank).  Praise is judged
    first.  Set a number to 0 to switch its rule off."""

    praise_top: int = 3
    praise_min_score: Decimal = Decimal("85")
    criticism_below: Decimal = Decimal("60")
    criticism_bottom: int = 1
    citation: str = NOTICE_116
    proposal: bool = True


NOTICE_RULES = NoticeRules()

ONE_DECIMAL = Decimal("0.1")


def rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator to four places, or None when the denominator is 0 (the indicator does not apply)."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def indicator_points(indicator: Indicator, numerator: int, denominator: int | None) -> Decimal | None:
    """The points (0–100, one decimal) of one measured indicator, or None when it does not apply."""
    if indicator.kind == COUNT:
        return Decimal(max(0, 100 - numerator * indicator.points_per_count)).quantize(ONE_DECIMAL)
    value = rate(numerator, denominator or 0)
    if value is None:
        return None
    if indicator.direction == LOWER:
        value = 1 - value
    return (value * 100).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def weighted_score(points: dict[str, Decimal | None], weights: dict[str, int]) -> Decimal:
    """The weighted mean on 100 of the indicators that apply (points not None).  No indicator applies → 0."""
    applicable = {code: value for code, value in points.items() if value is not None and weights.get(code)}
    total_weight = sum(weights[code] for code in applicable)
    if not total_weight:
        return Decimal("0.0")
    total = sum(Decimal(weights[code]) * value for code, value in applicable.items())
    return (total / total_weight).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def competition_ranks(scores: list[Decimal]) -> list[int]:
    """Ranks in the order of `scores`: the highest is 1, equal scores share a rank, the next rank skips (1, 1, 3)."""
    ordered = sorted(scores, reverse=True)
    first_position = {}
    for position, score in enumerate(ordered, start=1):
        first_position.setdefault(score, position)
    return [first_position[score] for score in scores]


def notice_kind(score: Decimal, rank: int, count: int, rules: NoticeRules = NOTICE_RULES) -> str:
    """ "praise", "criticism" or "none" (NoticeKind values) for a region of `count` assessed together."""
    if rules.praise_top and rank <= rules.praise_top and score >= rules.praise_min_score:
        return "praise"
    if score < rules.criticism_below:
        return "criticism"
    # Alone, a region has no bottom of the list.
    at_bottom = count > 1 and rank > count - rules.criticism_bottom
    if rules.criticism_bottom and at_bottom and score < rules.praise_min_score:
        return "criticism"
    return "none"
