"""The blacklist's rules as data (黑名单, 晋市监发〔2022〕116号): which facts make a unit a candidate for the list,
and how long an entry runs by default.  Pure functions over plain values: no ORM, no I/O.

The notice says a unit that had a special-equipment accident, or whose major hazard was not rectified
(重大隐患整改不力), goes on the blacklist and is announced.  The platform never lists a unit by itself: the rules name
candidates, a regulator confirms each one (services_blacklist.do_list_unit).

Every row carries its citation in Chinese and a confidence note for developers.  The notice gives no term: the default
term borrows the 3 years of SAMR Order 44 (严重违法失信名单 ends three years after listing) by analogy, unverified for
this list, so a province replaces it through the setting BLACKLIST_TERM_YEARS ({reason: years}) without a code change.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_noop

from .choices import BlacklistReason

NOTICE_116 = "晋市监发〔2022〕116号 四"
ORDER_44_TERM = "参照《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）"

# The facts a rule reads.
ACCIDENT = "accident"
OVERDUE_MAJOR_HAZARD = "overdue_major_hazard"


@dataclass(frozen=True)
class BlacklistRule:
    """One way a unit becomes a blacklist candidate."""

    code: str
    reason: str  # a BlacklistReason value: the entry the candidate becomes
    fact: str  # ACCIDENT or OVERDUE_MAJOR_HAZARD
    description: str  # in the source language, shown translated
    citation: str
    confidence: str  # for developers
    # For ACCIDENT: how far back an accident counts, in months.
    window_months: int | None = None
    effective_from: date = date(2022, 6, 1)


BLACKLIST_RULES: tuple[BlacklistRule, ...] = (
    BlacklistRule(
        code="accident_in_window",
        reason=BlacklistReason.ACCIDENT,
        fact=ACCIDENT,
        description=gettext_noop("近 12 个月内发生特种设备事故"),
        citation=NOTICE_116,
        confidence="confirmed: seed notice (对发生特种设备事故的使用单位列入黑名单); the 12-month window is a proposal "
        "(method file §5.4, class D: accident in the last 12 months)",
        window_months=12,
    ),
    BlacklistRule(
        code="major_hazard_past_deadline",
        reason=BlacklistReason.MAJOR_HAZARD_OVERDUE,
        fact=OVERDUE_MAJOR_HAZARD,
        description=gettext_noop("重大事故隐患超过整改期限仍未整改销号"),
        citation=NOTICE_116,
        confidence="confirmed: seed notice (存在重大隐患整改不力的使用单位列入黑名单); reading 整改不力 as "
        "'open past its deadline' is ours",
    ),
)

RULES_BY_CODE = {rule.code: rule for rule in BLACKLIST_RULES}


@dataclass(frozen=True)
class TermRule:
    reason: str
    years: int
    citation: str
    confidence: str


# The default term of an entry per reason; the regulator may set another end date when listing.
DEFAULT_TERMS: tuple[TermRule, ...] = tuple(
    TermRule(
        reason=reason,
        years=3,
        citation=ORDER_44_TERM,
        confidence="unverified: the notice sets no term; 3 years by analogy with Order 44; configurable "
        "(settings.BLACKLIST_TERM_YEARS)",
    )
    for reason in BlacklistReason.values
)


def term_years(reason: str, overrides: Mapping[str, int] | None = None) -> int:
    """The default term in years for a reason: the province's override, else the table."""
    if overrides and reason in overrides:
        years = int(overrides[reason])
        if years < 1:
            raise ValueError(f"BLACKLIST_TERM_YEARS[{reason!r}] must be at least 1 year")
        return years
    for term in DEFAULT_TERMS:
        if term.reason == reason:
            return term.years
    raise ValueError(f"no default term for blacklist reason {reason!r}")


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_until(reason: str, listed_on: date, overrides: Mapping[str, int] | None = None) -> date:
    """The last day an entry listed on `listed_on` runs by default."""
    return add_years(listed_on, term_years(reason, overrides))


# -- candidates ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccidentFact:
    id: int
    occurred_on: date


@dataclass(frozen=True)
class MajorHazardFact:
    id: int
    deadline: date | None
    is_open: bool


@dataclass(frozen=True)
class UnitRecord:
    """What the rules know of one unit."""

    accidents: tuple[AccidentFact, ...] = ()
    major_hazards: tuple[MajorHazardFact, ...] = ()


def window_start(rule: BlacklistRule, today: date) -> date | None:
    """The first day an accident counts for the rule (None: any time)."""
    return add_months(today, -rule.window_months) if rule.window_months else None


def evidence_for(rule: BlacklistRule, record: UnitRecord, today: date) -> list[int]:
    """The ids of the accidents or hazards that make the unit a candidate under the rule (empty: it is not one)."""
    if today < rule.effective_from:
        return []
    if rule.fact == ACCIDENT:
        start = window_start(rule, today)
        return [a.id for a in record.accidents if a.occurred_on <= today and (start is None or a.occurred_on >= start)]
    if rule.fact == OVERDUE_MAJOR_HAZARD:
        return [h.id for h in record.major_hazards if h.is_open and h.deadline is not None and h.deadline < today]
    raise ValueError(f"unknown blacklist fact {rule.fact!r}")


@dataclass(frozen=True)
class Match:
    rule: BlacklistRule
    evidence: tuple[int, ...]


def matches(record: UnitRecord, today: date, rules: Iterable[BlacklistRule] = BLACKLIST_RULES) -> list[Match]:
    """Every rule the unit meets, with its evidence."""
    found = []
    for rule in rules:
        evidence = evidence_for(rule, record, today)
        if evidence:
            found.append(Match(rule, tuple(evidence)))
    return found
