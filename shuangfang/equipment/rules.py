"""Periodic-inspection interval rules for special equipment (特种设备定期检验周期).

Pure functions over plain values: no ORM, no I/O. The rules are data rows, each with its citation, a confidence
mark and the date it took effect, because the rules change (the 2023 elevator reform is the example).

Users see a rule's `label` and `citation` (the citation is stored with each inspection as the rule its next due date
came from) and the `reason` of a computed due date, so those are Chinese, in the regulations' own words. `note` is
for developers: what was checked, what was not, and why a value was chosen. ValueError messages are for developers
too; the inspection service turns them into a message for the user.

Confidence marks:
"confirmed" (primary text or two agreeing transcripts), "secondary" (one secondary source), "unverified" (recalled,
to be checked against the official text). A province profile configures unverified rows through ``overrides``.

Catalog codes are the 4-character codes of the 2014 catalog (质检总局公告2014年第114号): category X000, class XX00,
variety XXX0. A rule's prefix matches every code that starts with the prefix's significant characters (the prefix
without trailing zeros: "4300" matches "4310" and "4320"). The most specific matching prefix wins.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date


def category_of(code: str) -> str:
    """The catalog category (种类) of a catalog code: its first character followed by 000 ("3110" → "3000");
    no code → ""."""
    return code[0] + "000" if code else ""


CONFIRMED = "confirmed"
SECONDARY = "secondary"
UNVERIFIED = "unverified"
CONFIDENCE_LEVELS = (CONFIRMED, SECONDARY, UNVERIFIED)

# Conclusions as the API names them (api-v1.md, periodic-inspections).
CONCLUSION_PASS = "pass"  # 合格
CONCLUSION_CONDITIONAL = "conditional"  # 基本符合要求 / 有条件合格
CONCLUSION_FAIL = "fail"  # 不合格
CONCLUSION_RETEST_FAIL = "retest_fail"  # 复检不合格
CONCLUSIONS = (CONCLUSION_PASS, CONCLUSION_CONDITIONAL, CONCLUSION_FAIL, CONCLUSION_RETEST_FAIL)
FAILED_CONCLUSIONS = frozenset({CONCLUSION_FAIL, CONCLUSION_RETEST_FAIL})
# How a reason names a failed conclusion (the labels of equipment.choices.Conclusion, kept here as plain text).
FAILED_CONCLUSION_TEXT: Mapping[str, str] = {CONCLUSION_FAIL: "不合格", CONCLUSION_RETEST_FAIL: "复检不合格"}

# Values of inspection_state(), as the API names them (api-v1.md, equipment).
STATE_NEVER_INSPECTED = "never_inspected"
STATE_OVERDUE = "overdue"
STATE_DUE_SOON = "due_soon"
STATE_VALID = "valid"

ELEVATOR_SCHEDULE_NATIONAL = "national"
ELEVATOR_SCHEDULE_SHANXI_PILOT = "shanxi_pilot"
ELEVATOR_SCHEDULES = (ELEVATOR_SCHEDULE_NATIONAL, ELEVATOR_SCHEDULE_SHANXI_PILOT)

# GB/T 2260 city prefixes of the Shanxi elevator-inspection pilot (provincial pilot; secondary source).
SHANXI_PILOT_CITY_PREFIXES: Mapping[str, str] = {"1402": "大同市", "1409": "忻州市", "1410": "临汾市"}

# TSG T7001-2023 was published and took effect on 2023-04-02; inspections before that date followed the yearly rule.
ELEVATOR_REFORM_DATE = date(2023, 4, 2)
# TSG T7001-2023: within 15 years of the installation supervision inspection, periodic inspection in these years.
ELEVATOR_INSPECTION_YEARS_WITHIN_15 = frozenset({1, 4, 7, 9, 11, 13, 15})
ELEVATOR_YEARLY_AFTER_YEAR = 15
# TSG T7001-2023: an inspection may be brought up to 2 months early without shifting the next due date, so an
# inspection at most this many months before a scheduled anniversary counts as that anniversary's inspection.
ELEVATOR_EARLY_INSPECTION_MONTHS = 2


@dataclass(frozen=True)
class IntervalRule:
    catalog_prefix: str
    label: str
    months: int | None  # None: no fixed interval (schedule, grade-based, or set by the inspection body)
    first_months: int | None  # first periodic inspection, counted from entering service; None: not fixed here
    citation: str
    confidence: str  # "confirmed" | "secondary" | "unverified"
    effective_from: date
    note: str = ""


@dataclass(frozen=True)
class NextDue:
    due_on: date | None
    rule: IntervalRule | None
    reason: str


INSPECTION_INTERVAL_RULES: tuple[IntervalRule, ...] = (
    # --- 1000 boilers ---------------------------------------------------------------------------------------------
    IntervalRule(
        catalog_prefix="1000",
        label="锅炉（外部检验）",
        months=12,
        first_months=12,
        citation="TSG 11-2020《锅炉安全技术规程》定期检验",
        confidence=CONFIRMED,
        effective_from=date(2021, 6, 1),
        note=(
            "The yearly external inspection drives the due date. Internal inspection every 24 months, the first one 12 "
            "months after entering service; complete-plant and power-station boilers follow their overhaul (3-6 "
            "years). Hydro test only on doubt, or every 36 months where internal inspection is impossible; the old "
            "6-year hydro test is obsolete. The clause number of the periodic-inspection chapter was not checked."
        ),
    ),
    # --- 2000 pressure vessels (no row for 2000 itself: the interval depends on the class) ----------------------
    IntervalRule(
        catalog_prefix="2100",
        label="固定式压力容器",
        months=None,
        first_months=36,
        citation="TSG 21-2016《固定式压力容器安全技术监察规程》8.1.6 检验周期",
        confidence=SECONDARY,
        effective_from=date(2016, 10, 1),
        note=(
            "First periodic inspection within 36 months of entering service; afterwards by 安全状况等级 (safety "
            "grade), see PRESSURE_VESSEL_GRADE_MONTHS. The user's annual check (年度检查) is yearly. The clause "
            "number 8.1.6 is recalled, not checked."
        ),
    ),
    IntervalRule(
        catalog_prefix="2200",
        label="移动式压力容器",
        months=36,
        first_months=12,
        citation="TSG R0005-2011《移动式压力容器安全技术监察规程》定期检验",
        confidence=UNVERIFIED,
        effective_from=date(2011, 11, 1),
        note=(
            "Older tables: tanker trucks first at 1 year, then 5 years (grade 1-2) or 3 years (grade 3); long-tube "
            "trailers first at 3 or 4 years, then 5 or 6 years. The shortest values (12 first, 36 after) are used "
            "until the current TSG is checked. Older rule; the clause was not checked. Effective date unsure."
        ),
    ),
    IntervalRule(
        catalog_prefix="2300",
        label="气瓶（一般气体）",
        months=36,
        first_months=36,
        citation="TSG 23-2021《气瓶安全技术规程》定期检验",
        confidence=SECONDARY,
        effective_from=date(2021, 6, 1),
        note=(
            "36 months is the general-gas interval, used as the class default because the catalog code does not say "
            "which gas is filled. Other values (older tables, not confirmed for TSG 23-2021): corrosive gas 24, inert "
            "gas 60, LPG / DME steel cylinders 48 (GB 8334), vehicle CNG / LNG, dissolved acetylene, cryogenic "
            "insulated and breathing-apparatus composite cylinders probably 36. The first inspection counts from the "
            "manufacture date. The interval values come from older tables."
        ),
    ),
    IntervalRule(
        catalog_prefix="2400",
        label="氧舱",
        months=12,
        first_months=None,
        citation="TSG 24-2015《氧舱安全技术监察规程》",
        confidence=UNVERIFIED,
        effective_from=date(2016, 1, 1),
        note="Yearly periodic inspection is recalled, not read in the text; clause not checked. Effective date unsure.",
    ),
    # --- 3000 elevators -------------------------------------------------------------------------------------------
    IntervalRule(
        catalog_prefix="3000",
        label="电梯（按检验年份）",
        months=None,
        first_months=12,
        citation="TSG T7001-2023《电梯监督检验和定期检验规则》；自行检测 TSG T7008-2023",
        confidence=CONFIRMED,
        effective_from=ELEVATOR_REFORM_DATE,
        note=(
            "Published by SAMR, in force from 2023-04-02. Periodic inspection in years 1, 4, 7, 9, 11, 13 and 15 after "
            "the installation supervision inspection, "
            "then every year; 自行检测 (self-testing) in the other years. Counted here from the commissioning date. "
            "One-year transition to about 2024-04. Re-basing after a stop of 1 year or more, and skipping a year after "
            "a major repair's supervision inspection, are not modelled: record those inspections with the report's "
            "next date."
        ),
    ),
    # --- 4000 cranes (no row for 4000 itself: the interval depends on the class) ----------------------------------
    IntervalRule(
        catalog_prefix="4100",
        label="桥式起重机",
        months=24,
        first_months=None,
        citation="TSG Q7015-2016《起重机械定期检验规则》",
        confidence=UNVERIFIED,
        effective_from=date(2016, 9, 1),
        note="Clause not checked. Check whether TSG 51-2023 起重机械安全技术规程 changed this.",
    ),
    IntervalRule(
        catalog_prefix="4150",
        label="冶金桥式起重机（吊运熔融金属）",
        months=12,
        first_months=None,
        citation="TSG Q7015-2016《起重机械定期检验规则》",
        confidence=UNVERIFIED,
        effective_from=date(2016, 9, 1),
        note=(
            "Cranes that handle molten or hot metal are inspected yearly. A casting crane recorded under another "
            "variety code cannot be recognised here: configure it with an override. Clause not checked."
        ),
    ),
    IntervalRule(
        catalog_prefix="4200",
        label="门式起重机",
        months=24,
        first_months=None,
        citation="TSG Q7015-2016《起重机械定期检验规则》",
        confidence=UNVERIFIED,
        effective_from=date(2016, 9, 1),
        note="Clause not checked.",
    ),
    IntervalRule(
        catalog_prefix="4300",
        label="塔式起重机",
        months=12,
        first_months=None,
        citation="TSG Q7015-2016《起重机械定期检验规则》",
        confidence=UNVERIFIED,
        effective_from=date(2016, 9, 1),
        note="Clause not checked.",
    ),
    IntervalRule(
        catalog_prefix="4400",
        label="流动式起重机",
        months=12,
        first_months=None,
        citation="TSG Q7015-2016《起重机械定期检验规则》",
        confidence=UNVERIFIED,
        effective_from=date(2016, 9, 1),
        note="Clause not checked.",
    ),
    IntervalRule(
        catalog_prefix="4700",
        label="门座式起重机",
        months=24,
        first_months=None,
        citation="TSG Q7015-2016《起重机械定期检验规则》",
        confidence=UNVERIFIED,
        effective_from=date(2016, 9, 1),
        note="Clause not checked.",
    ),
    IntervalRule(
        catalog_prefix="4800",
        label="升降机（含施工升降机）",
        months=12,
        first_months=None,
        citation="TSG Q7015-2016《起重机械定期检验规则》",
        confidence=UNVERIFIED,
        effective_from=date(2016, 9, 1),
        note="Clause not checked.",
    ),
    IntervalRule(
        catalog_prefix="4900",
        label="缆索式起重机",
        months=24,
        first_months=None,
        citation="TSG Q7015-2016《起重机械定期检验规则》",
        confidence=UNVERIFIED,
        effective_from=date(2016, 9, 1),
        note="Clause not checked.",
    ),
    IntervalRule(
        catalog_prefix="4A00",
        label="桅杆式起重机",
        months=24,
        first_months=None,
        citation="TSG Q7015-2016《起重机械定期检验规则》",
        confidence=UNVERIFIED,
        effective_from=date(2016, 9, 1),
        note="Clause not checked.",
    ),
    IntervalRule(
        catalog_prefix="4D00",
        label="机械式停车设备",
        months=24,
        first_months=None,
        citation="TSG Q7015-2016《起重机械定期检验规则》",
        confidence=UNVERIFIED,
        effective_from=date(2016, 9, 1),
        note="Clause not checked.",
    ),
    # --- 5000 in-site special motor vehicles ----------------------------------------------------------------------
    IntervalRule(
        catalog_prefix="5000",
        label="场（厂）内专用机动车辆",
        months=12,
        first_months=None,
        citation="TSG 81-2022《场（厂）内专用机动车辆安全技术规程》",
        confidence=UNVERIFIED,
        effective_from=date(2022, 12, 1),
        note=(
            "Default for codes without a more specific row. A first inspection (首次检验) is required before entering "
            "service. The earlier TSG N0001-2017 was yearly for all in-site vehicles."
        ),
    ),
    IntervalRule(
        catalog_prefix="5110",
        label="叉车",
        months=24,
        first_months=None,
        citation="TSG 81-2022《场（厂）内专用机动车辆安全技术规程》4.2.1.2",
        confidence=UNVERIFIED,
        effective_from=date(2022, 12, 1),
        note=(
            "24 months according to one public repository quoting §4.2.1.2; previously 12 months (TSG N0001-2017). "
            "Check §4.2.1.2 before relying on it."
        ),
    ),
    IntervalRule(
        catalog_prefix="5200",
        label="非公路用旅游观光车辆",
        months=12,
        first_months=None,
        citation="TSG 81-2022《场（厂）内专用机动车辆安全技术规程》4.2.1.2",
        confidence=SECONDARY,
        effective_from=date(2022, 12, 1),
    ),
    # --- 6000 large amusement rides -------------------------------------------------------------------------------
    IntervalRule(
        catalog_prefix="6000",
        label="大型游乐设施",
        months=12,
        first_months=None,
        citation="TSG 71-2023《大型游乐设施安全技术规程》",
        confidence=UNVERIFIED,
        effective_from=date(2024, 3, 1),
        note=(
            "Yearly periodic inspection is recalled, not read in the text; clause not checked. Effective date from a "
            "reprint of the SAMR announcement (secondary)."
        ),
    ),
    # --- 8000 pressure piping -------------------------------------------------------------------------------------
    IntervalRule(
        catalog_prefix="8000",
        label="压力管道",
        months=72,
        first_months=36,
        citation="TSG D7005-2018《压力管道定期检验规则——工业管道》",
        confidence=UNVERIFIED,
        effective_from=date(2018, 5, 1),
        note=(
            "The industrial-piping rule is applied as the default for all piping. Long-distance (TSG D7003) and public "
            "(TSG D7004) piping have their own annual check plus full inspection regimes; configure them with "
            "overrides. Effective date unsure."
        ),
    ),
    IntervalRule(
        catalog_prefix="8300",
        label="工业管道",
        months=72,
        first_months=36,
        citation="TSG D7005-2018《压力管道定期检验规则——工业管道》",
        confidence=UNVERIFIED,
        effective_from=date(2018, 5, 1),
        note=(
            "Grade 1-2: at most 72 months; grade 3: at most 36; grade 4: not to be used until handled (see "
            "INDUSTRIAL_PIPING_GRADE_MONTHS). First inspection within 36 months for GC1/GC2 and 60 for GC3: the "
            "shorter is used. The user's annual check is yearly. Clause not checked. Effective date unsure."
        ),
    ),
    # --- 9000 passenger ropeways ----------------------------------------------------------------------------------
    IntervalRule(
        catalog_prefix="9000",
        label="客运索道",
        months=12,
        first_months=None,
        citation="TSG S7001-2013《客运索道监督检验和定期检验规则》",
        confidence=UNVERIFIED,
        effective_from=date(2014, 1, 1),
        note="Yearly periodic inspection is recalled, not read in the text; clause not checked. Effective date unsure.",
    ),
)

# Rules that applied before a table row's effective_from, for inspections recorded before that date.
SUPERSEDED_INTERVAL_RULES: Mapping[str, IntervalRule] = {
    "3000": IntervalRule(
        catalog_prefix="3000",
        label="电梯（2023年检验改革前）",
        months=12,
        first_months=12,
        citation="TSG T7001-2009《电梯监督检验和定期检验规则——曳引与强制驱动电梯》及 TSG T7002～T7006",
        confidence=CONFIRMED,
        effective_from=date(2010, 4, 1),
        note="Every elevator was inspected every 12 months until TSG T7001-2023 took effect on 2023-04-02.",
    ),
    "5110": IntervalRule(
        catalog_prefix="5110",
        label="叉车（TSG 81-2022 施行前）",
        months=12,
        first_months=None,
        citation="TSG N0001-2017《场（厂）内专用机动车辆安全技术监察规程》",
        confidence=SECONDARY,
        effective_from=date(2017, 8, 1),
        note="Yearly for all in-site vehicles. Effective date unsure.",
    ),
}

ELEVATOR_SHANXI_PILOT_RULE = IntervalRule(
    catalog_prefix="3000",
    label="电梯（山西省检验改革试点：大同、忻州、临汾）",
    months=None,
    first_months=36,
    citation="山西省电梯检验改革试点（大同市、忻州市、临汾市）",
    confidence=SECONDARY,
    effective_from=ELEVATOR_REFORM_DATE,
    note=(
        "Up to 6 years every 3 years, 6 to 15 years every 2 years, over 15 years yearly, read here as inspections in "
        "years 3, 6, 8, 10, 12, 14, then 16 and every year after. The pilot's start date was not found: effective_from "
        "is a placeholder and is not used to gate the rule; choosing the variant is the province profile's decision. "
        "Source: a Shanxi press reprint; the pilot document's title and number were not found."
    ),
)

# TSG 21-2016 §8.1.6 (clause number recalled; secondary): months to the next periodic inspection by safety grade.
# Grade 3 is "every 3-6 years": the conservative 36 is used. Grade 4 is monitored use with an interval set by the
# inspection body (at most 36 months in total), so the date must come from the report. Grade 5 must not be used
# until the defects are handled.
PRESSURE_VESSEL_GRADE_MONTHS: Mapping[int, int | None] = {1: 72, 2: 72, 3: 36, 4: None, 5: None}
PRESSURE_VESSEL_GRADE_CITATION = "TSG 21-2016《固定式压力容器安全技术监察规程》8.1.6 检验周期"

# TSG D7005-2018 (recalled, unverified): industrial piping grade 1-2 at most 6 years, grade 3 at most 3 years,
# grade 4 not to be used until handled. Piping has no grade 5.
INDUSTRIAL_PIPING_GRADE_MONTHS: Mapping[int, int | None] = {1: 72, 2: 72, 3: 36, 4: None}

# 特种设备安全法 art 40 para 3, in its own words: equipment that failed its periodic inspection, or whose inspection
# is overdue, must not be used (until it has been re-inspected and passed).
LAW_ARTICLE_40_NOTE = "《特种设备安全法》第四十条：未经定期检验或者检验不合格的特种设备，不得继续使用。"


def _grade_rule(grade: int, months: int | None) -> IntervalRule:
    if months is None:
        note = "No fixed interval: take the next-inspection date from the inspection report."
    else:
        note = "Grade 3 is 'every 3-6 years': the conservative 36 months is used." if grade == 3 else ""
    return IntervalRule(
        catalog_prefix="2100",
        label=f"固定式压力容器（安全状况等级{grade}级）",
        months=months,
        first_months=36,
        citation=PRESSURE_VESSEL_GRADE_CITATION,
        confidence=SECONDARY,
        effective_from=date(2016, 10, 1),
        note=note,
    )


PRESSURE_VESSEL_GRADE_RULES: Mapping[int, IntervalRule] = {
    grade: _grade_rule(grade, months) for grade, months in PRESSURE_VESSEL_GRADE_MONTHS.items()
}


def add_months(d: date, months: int) -> date:
    """Add calendar months (negative to go back), clamping the day to the month's end: Jan 31 + 1 = Feb 28/29."""
    month_index = d.year * 12 + (d.month - 1) + months
    year, month_zero_based = divmod(month_index, 12)
    month = month_zero_based + 1
    day = min(d.day, calendar.monthrange(year, month)[1]) if 1 <= year <= 9999 else d.day
    return date(year, month, day)  # raises ValueError outside the date range


def _normalise_code(code: str, what: str = "catalog code") -> str:
    if not isinstance(code, str):
        # ValueError, not TypeError: callers treat every unusable code alike (for example a missing category).
        raise ValueError(f"{what} must be a 4-character catalog code string, got {code!r}")  # noqa: TRY004
    normalised = code.strip().upper()
    if len(normalised) != 4 or not normalised.isalnum() or not normalised.isascii():
        raise ValueError(f"{what} must be a 4-character catalog code such as '3110' or '23T0', got {code!r}")
    return normalised


def _significant_prefix(catalog_prefix: str) -> str:
    # "4300" matches "4310": trailing zeros mark the levels below the prefix.
    return catalog_prefix.rstrip("0")


def _most_specific(category: str, prefixes: list[str]) -> str | None:
    matching = [prefix for prefix in prefixes if category.startswith(_significant_prefix(prefix))]
    return max(matching, key=lambda prefix: len(_significant_prefix(prefix)), default=None)


_RULES_BY_PREFIX: Mapping[str, IntervalRule] = {rule.catalog_prefix: rule for rule in INSPECTION_INTERVAL_RULES}
_TABLE_PREFIXES: list[str] = list(_RULES_BY_PREFIX)


def rule_for(category: str) -> IntervalRule | None:
    """The table row with the most specific prefix matching the catalog code, or None when no row matches."""
    normalised = _normalise_code(category)
    prefix = _most_specific(normalised, _TABLE_PREFIXES)
    return _RULES_BY_PREFIX[prefix] if prefix is not None else None


def _validated_overrides(overrides: Mapping[str, int] | None) -> dict[str, int]:
    validated: dict[str, int] = {}
    for prefix, months in (overrides or {}).items():
        normalised = _normalise_code(prefix, "override prefix")
        if isinstance(months, bool) or not isinstance(months, int) or months <= 0:
            raise ValueError(f"override for {prefix!r} must be a positive number of months, got {months!r}")
        validated[normalised] = months
    return validated


def _override_rule(prefix: str, months: int, table_rule: IntervalRule | None) -> IntervalRule:
    label = table_rule.label if table_rule else f"目录代码 {prefix}"
    table_citation = f"；规则表：{table_rule.citation}" if table_rule else ""
    return IntervalRule(
        catalog_prefix=prefix,
        label=f"{label}（省份配置）",
        months=months,
        first_months=table_rule.first_months if table_rule else None,
        citation=f"省份配置：目录代码 {prefix} 的检验周期为 {months} 个月{table_citation}",
        confidence=CONFIRMED,
        effective_from=table_rule.effective_from if table_rule else date.min,
        note="Interval configured by the province profile; it beats the table.",
    )


def _rule_in_force(table_rule: IntervalRule, inspected_on: date) -> IntervalRule:
    """The table row, or the rule it replaced when the inspection took place before the row took effect."""
    superseded = SUPERSEDED_INTERVAL_RULES.get(table_rule.catalog_prefix)
    if superseded is not None and inspected_on < table_rule.effective_from:
        return superseded
    return table_rule


def _unknown_category_message(category: str) -> str:
    hints = {
        "7": "7000 pressure-piping components are a product-only kind with no periodic inspection",
        "F": "F000 safety accessories follow their host equipment and have no interval of their own",
        "2": "pressure vessels need the class code (2100, 2200, 2300 or 2400)",
        "4": "cranes need the class code (for example 4100 or 4300); the interval depends on the class",
    }
    hint = hints.get(category[0], "the code is not in the 2014 catalog's use-registered categories")
    if category == "7310":
        hint = "7310 safety valves are safety accessories: they follow their host equipment"
    return (
        f"No periodic-inspection interval rule for catalog code {category!r}: {hint}. "
        "A province profile can configure one with an override."
    )


def _elevator_next_anniversary(
    commissioned_on: date, inspected_on: date, is_inspection_year: Callable[[int], bool]
) -> tuple[date, int]:
    """The first scheduled anniversary that this inspection does not already cover, with its year number."""
    year_number = 1
    while True:
        anniversary = add_months(commissioned_on, 12 * year_number)
        covered = add_months(anniversary, -ELEVATOR_EARLY_INSPECTION_MONTHS) <= inspected_on
        if is_inspection_year(year_number) and not covered:
            return anniversary, year_number
        year_number += 1


def _is_national_elevator_inspection_year(year_number: int) -> bool:
    return year_number in ELEVATOR_INSPECTION_YEARS_WITHIN_15 or year_number > ELEVATOR_YEARLY_AFTER_YEAR


def _is_shanxi_pilot_elevator_inspection_year(year_number: int) -> bool:
    if year_number <= 6:
        return year_number % 3 == 0
    if year_number <= 15:
        return year_number % 2 == 0
    return True


def _in_shanxi_pilot(region_code: str | None) -> bool:
    return region_code is not None and region_code.strip().startswith(tuple(SHANXI_PILOT_CITY_PREFIXES))


def _elevator_next_due(
    rule: IntervalRule,
    inspected_on: date,
    commissioned_on: date | None,
    is_inspection_year: Callable[[int], bool],
    prefix_reason: str,
) -> NextDue:
    if commissioned_on is None:
        due_on = add_months(inspected_on, 12)
        return NextDue(
            due_on,
            rule,
            f"{prefix_reason}投入使用日期不详，无法按检验年份安排：按检验日期后 12 个月计（{due_on}）。",
        )
    due_on, year_number = _elevator_next_anniversary(commissioned_on, inspected_on, is_inspection_year)
    return NextDue(
        due_on,
        rule,
        f"{prefix_reason}{commissioned_on} 投入使用，第 {year_number} 年进行下次定期检验（{due_on}），"
        f"其间各年进行自行检测；{rule.citation}。",
    )


def compute_next_due(
    *,
    category: str,
    inspected_on: date,
    commissioned_on: date | None,
    conclusion: str,
    safety_grade: int | None = None,
    region_code: str | None = None,
    elevator_schedule: str = ELEVATOR_SCHEDULE_NATIONAL,
    overrides: Mapping[str, int] | None = None,
) -> NextDue:
    """The next periodic-inspection due date after an inspection, with the rule used and a readable reason.

    Raises ValueError for a code with no rule and no override, an unknown conclusion or elevator schedule, a malformed
    override, or a safety grade outside the grade table.
    """
    normalised = _normalise_code(category, "category")
    if conclusion not in CONCLUSIONS:
        raise ValueError(f"conclusion must be one of {', '.join(CONCLUSIONS)}, got {conclusion!r}")
    if elevator_schedule not in ELEVATOR_SCHEDULES:
        raise ValueError(f"elevator_schedule must be one of {', '.join(ELEVATOR_SCHEDULES)}, got {elevator_schedule!r}")
    validated_overrides = _validated_overrides(overrides)

    table_rule = rule_for(normalised)
    override_prefix = _most_specific(normalised, list(validated_overrides))
    if override_prefix is not None:
        rule = _override_rule(override_prefix, validated_overrides[override_prefix], table_rule)
    elif table_rule is not None:
        rule = _rule_in_force(table_rule, inspected_on)
    else:
        raise ValueError(_unknown_category_message(normalised))

    if conclusion in FAILED_CONCLUSIONS:
        return NextDue(None, rule, f"检验结论为“{FAILED_CONCLUSION_TEXT[conclusion]}”。{LAW_ARTICLE_40_NOTE}")

    conditional_note = (
        "检验结论为基本符合要求：检验周期不变，但须满足检验报告提出的条件。"
        if conclusion == CONCLUSION_CONDITIONAL
        else ""
    )

    # Safety grades 4 and 5 are not intervals but states, so no override can turn them into one.
    if normalised.startswith(("21", "22")) and safety_grade is not None:
        if safety_grade not in PRESSURE_VESSEL_GRADE_MONTHS:
            raise ValueError(f"pressure-vessel safety grade must be 1 to 5, got {safety_grade!r}")
        # The grade rows cite TSG 21-2016 (fixed vessels); a mobile vessel keeps its own row as the rule.
        grade_rule = PRESSURE_VESSEL_GRADE_RULES[safety_grade] if normalised.startswith("21") else rule
        if safety_grade == 5:
            return NextDue(
                None,
                grade_rule,
                f"安全状况等级为5级：缺陷须处理，否则不得继续使用（{PRESSURE_VESSEL_GRADE_CITATION}）。"
                "处理后请填写检验报告中的下次检验日期。",
            )
        if safety_grade == 4:
            return NextDue(
                None,
                grade_rule,
                "安全状况等级为4级：监控使用，检验周期由检验机构确定（累计监控使用时间不超过3年；"
                f"{PRESSURE_VESSEL_GRADE_CITATION}）。请填写检验报告中的下次检验日期。",
            )
    if normalised.startswith("83") and safety_grade is not None:
        if safety_grade not in INDUSTRIAL_PIPING_GRADE_MONTHS:
            raise ValueError(f"industrial-piping safety grade must be 1 to 4, got {safety_grade!r}")
        if INDUSTRIAL_PIPING_GRADE_MONTHS[safety_grade] is None:
            return NextDue(
                None,
                rule,
                "安全状况等级为4级：工业管道的缺陷处理前不得继续使用（TSG D7005-2018）。"
                "请填写检验报告中的下次检验日期。",
            )

    if override_prefix is not None:
        months = validated_overrides[override_prefix]
        due_on = add_months(inspected_on, months)
        return NextDue(
            due_on,
            rule,
            f"{conditional_note}省份配置的目录代码 {override_prefix} 检验周期：检验日期后 {months} 个月（{due_on}）。",
        )

    if rule is _RULES_BY_PREFIX["3000"]:
        if elevator_schedule == ELEVATOR_SCHEDULE_SHANXI_PILOT:
            if _in_shanxi_pilot(region_code):
                return _elevator_next_due(
                    ELEVATOR_SHANXI_PILOT_RULE,
                    inspected_on,
                    commissioned_on,
                    _is_shanxi_pilot_elevator_inspection_year,
                    conditional_note,
                )
            conditional_note += (
                f"已选用山西省试点方案，但所在地区（{region_code or '未填写'}）不在试点城市"
                f"（{'、'.join(SHANXI_PILOT_CITY_PREFIXES.values())}）：按全国方案计算。"
            )
        return _elevator_next_due(
            rule,
            inspected_on,
            commissioned_on,
            _is_national_elevator_inspection_year,
            conditional_note,
        )

    if rule.catalog_prefix == "2100":
        grade_months = PRESSURE_VESSEL_GRADE_MONTHS.get(safety_grade) if safety_grade is not None else None
        if safety_grade is None or grade_months is None:
            return NextDue(
                None,
                rule,
                f"安全状况等级未填写：固定式压力容器的检验周期取决于安全状况等级（{PRESSURE_VESSEL_GRADE_CITATION}）。"
                "请填写检验报告中的下次检验日期。",
            )
        due_on = add_months(inspected_on, grade_months)
        return NextDue(
            due_on,
            PRESSURE_VESSEL_GRADE_RULES[safety_grade],
            f"{conditional_note}安全状况等级为{safety_grade}级：检验日期后 {grade_months} 个月"
            f"（{due_on}）；{PRESSURE_VESSEL_GRADE_CITATION}。",
        )

    piping_months = INDUSTRIAL_PIPING_GRADE_MONTHS.get(safety_grade) if safety_grade is not None else None
    if rule.catalog_prefix == "8300" and piping_months is not None:
        due_on = add_months(inspected_on, piping_months)
        return NextDue(
            due_on,
            replace(rule, months=piping_months),
            f"{conditional_note}安全状况等级为{safety_grade}级：检验日期后 {piping_months} 个月"
            f"（{due_on}）；{rule.citation}。",
        )

    if rule.months is None:
        return NextDue(None, rule, f"{rule.label}没有固定的检验周期：请填写检验报告中的下次检验日期。")
    due_on = add_months(inspected_on, rule.months)
    return NextDue(
        due_on,
        rule,
        f"{conditional_note}{rule.label}：检验日期后 {rule.months} 个月（{due_on}）；{rule.citation}。",
    )


def inspection_state(due_on: date | None, last_inspected_on: date | None, today: date, soon_days: int = 30) -> str:
    """Classify equipment by its inspection due date: never_inspected, overdue, due_soon (within soon_days) or valid.

    A missing due date with a recorded inspection is "overdue": compute_next_due gives no date after a failed
    inspection, and such equipment must not be used until re-inspected (特种设备安全法 art 40). The same applies
    where the date had to come from the report (pressure-vessel grade 4 or 5) and was not entered, which is the
    conservative reading until someone enters it.
    """
    if due_on is None:
        return STATE_NEVER_INSPECTED if last_inspected_on is None else STATE_OVERDUE
    if due_on < today:
        return STATE_OVERDUE
    if (due_on - today).days <= soon_days:
        return STATE_DUE_SOON
    return STATE_VALID
