"""Tests for the periodic-inspection interval rules (pure functions, no database)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuangfang.equipment.rules import (
    CONFIDENCE_LEVELS,
    ELEVATOR_SHANXI_PILOT_RULE,
    INSPECTION_INTERVAL_RULES,
    PRESSURE_VESSEL_GRADE_MONTHS,
    SUPERSEDED_INTERVAL_RULES,
    IntervalRule,
    add_months,
    compute_next_due,
    inspection_state,
    rule_for,
)

INSPECTED_ON = date(2024, 5, 15)
DUE_AFTER_MONTHS = {
    12: date(2025, 5, 15),
    18: date(2025, 11, 15),
    24: date(2026, 5, 15),
    36: date(2027, 5, 15),
    48: date(2028, 5, 15),
    72: date(2030, 5, 15),
}


def next_due(category: str, **kwargs):
    arguments = {"inspected_on": INSPECTED_ON, "commissioned_on": date(2015, 1, 1), "conclusion": "pass"}
    arguments.update(kwargs)
    return compute_next_due(category=category, **arguments)


# --- the table ----------------------------------------------------------------------------------------------------

# One case per table row with a fixed interval: a code under the row's prefix, the row that must win, its months.
FIXED_INTERVAL_CASES = [
    ("1100", "1000", 12),  # boilers: yearly external inspection
    ("2220", "2200", 36),  # mobile vessels, unverified older rule
    ("2310", "2300", 36),  # gas cylinders, general gas as the class default
    ("23T0", "2300", 36),
    ("2410", "2400", 12),  # oxygen chambers
    ("4110", "4100", 24),  # overhead cranes
    ("4150", "4150", 12),  # metallurgical (molten-metal) cranes beat their class
    ("4210", "4200", 24),
    ("4310", "4300", 12),  # tower cranes
    ("4410", "4400", 12),
    ("4710", "4700", 24),
    ("4860", "4800", 12),  # construction hoists
    ("4900", "4900", 24),
    ("4A00", "4A00", 24),
    ("4D00", "4D00", 24),
    ("5100", "5000", 12),  # in-site vehicles default
    ("5110", "5110", 24),  # forklifts, TSG 81-2022 §4.2.1.2 (unverified)
    ("5210", "5200", 12),  # sightseeing vehicles
    ("6D10", "6000", 12),  # rides
    ("8110", "8000", 72),  # piping default
    ("8310", "8300", 72),  # industrial piping
    ("9120", "9000", 12),  # ropeways
]
SCHEDULE_OR_GRADE_PREFIXES = {"2100", "3000"}  # tested in their own sections below


def test_every_table_row_has_a_case():
    covered = {prefix for _, prefix, _ in FIXED_INTERVAL_CASES} | SCHEDULE_OR_GRADE_PREFIXES
    assert covered == {rule.catalog_prefix for rule in INSPECTION_INTERVAL_RULES}


@pytest.mark.parametrize(("category", "expected_prefix", "expected_months"), FIXED_INTERVAL_CASES)
def test_fixed_interval_row(category, expected_prefix, expected_months):
    rule = rule_for(category)
    assert rule is not None
    assert rule.catalog_prefix == expected_prefix
    assert rule.months == expected_months

    result = next_due(category)
    assert result.rule == rule
    assert result.due_on == DUE_AFTER_MONTHS[expected_months]
    assert str(DUE_AFTER_MONTHS[expected_months]) in result.reason


def test_table_rows_are_well_formed():
    prefixes = [rule.catalog_prefix for rule in INSPECTION_INTERVAL_RULES]
    assert len(prefixes) == len(set(prefixes))
    for rule in INSPECTION_INTERVAL_RULES + tuple(SUPERSEDED_INTERVAL_RULES.values()) + (ELEVATOR_SHANXI_PILOT_RULE,):
        assert len(rule.catalog_prefix) == 4
        assert rule.citation
        assert rule.confidence in CONFIDENCE_LEVELS
        assert isinstance(rule.effective_from, date)
        assert rule.months is None or rule.months > 0


def test_interval_rule_is_frozen():
    with pytest.raises(AttributeError):
        INSPECTION_INTERVAL_RULES[0].months = 1  # type: ignore[misc]


def test_most_specific_prefix_wins():
    assert rule_for("4310").months == 12
    assert rule_for("4110").months == 24
    assert rule_for("4150").months == 12
    assert rule_for("5110").months == 24
    assert rule_for("5210").catalog_prefix == "5200"
    assert rule_for("8310").catalog_prefix == "8300"
    assert rule_for("8210").catalog_prefix == "8000"


def test_rule_for_accepts_lower_case_and_spaces():
    assert rule_for(" 23t0 ").catalog_prefix == "2300"


@pytest.mark.parametrize("category", ["7000", "7310", "F000", "F220", "4000", "2000", "X123"])
def test_rule_for_without_rule_is_none(category):
    assert rule_for(category) is None


# --- unknown categories -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["7000", "7310", "F000", "F260", "4000", "2000", "X123"])
def test_unknown_category_raises(category):
    with pytest.raises(ValueError, match=f"No periodic-inspection interval rule for catalog code '{category}'"):
        next_due(category)


def test_product_only_and_accessory_messages_explain_why():
    with pytest.raises(ValueError, match="product-only"):
        next_due("7000")
    with pytest.raises(ValueError, match="host equipment"):
        next_due("F000")


@pytest.mark.parametrize("category", ["31", "31100", "", "31-0", None])
def test_malformed_category_raises(category):
    with pytest.raises(ValueError, match="4-character catalog code"):
        next_due(category)


def test_unknown_conclusion_raises():
    with pytest.raises(ValueError, match="conclusion"):
        next_due("1000", conclusion="ok")


# --- boilers, superseded rules ------------------------------------------------------------------------------------


def test_boiler_row_notes_the_internal_inspection():
    rule = rule_for("1000")
    assert rule.months == 12
    assert "24 months" in rule.note
    assert rule.confidence == "confirmed"


def test_forklift_inspected_before_tsg_81_2022_uses_the_yearly_rule():
    before = next_due("5110", inspected_on=date(2022, 11, 30))
    assert before.due_on == date(2023, 11, 30)
    assert before.rule == SUPERSEDED_INTERVAL_RULES["5110"]

    on_the_day = next_due("5110", inspected_on=date(2022, 12, 1))
    assert on_the_day.due_on == date(2024, 12, 1)


# --- fixed pressure vessels and piping by safety grade ------------------------------------------------------------


def test_pressure_vessel_grade_table():
    assert PRESSURE_VESSEL_GRADE_MONTHS == {1: 72, 2: 72, 3: 36, 4: None, 5: None}


def test_fixed_vessel_row_has_first_inspection_within_36_months():
    rule = rule_for("2150")
    assert rule.catalog_prefix == "2100"
    assert rule.months is None
    assert rule.first_months == 36


@pytest.mark.parametrize(
    ("grade", "expected"), [(1, date(2030, 5, 15)), (2, date(2030, 5, 15)), (3, date(2027, 5, 15))]
)
def test_fixed_vessel_interval_by_grade(grade, expected):
    result = next_due("2150", safety_grade=grade)
    assert result.due_on == expected
    assert result.rule.months == PRESSURE_VESSEL_GRADE_MONTHS[grade]
    assert "TSG 21-2016" in result.rule.citation


@pytest.mark.parametrize("grade", [4, 5, None])
def test_fixed_vessel_without_interval_asks_for_the_report_date(grade):
    result = next_due("2130", safety_grade=grade)
    assert result.due_on is None
    assert "检验报告中的下次检验日期" in result.reason


def test_fixed_vessel_grade_5_must_not_be_used():
    assert "不得继续使用" in next_due("2100", safety_grade=5).reason


@pytest.mark.parametrize("grade", [0, 6])
def test_fixed_vessel_grade_out_of_range_raises(grade):
    with pytest.raises(ValueError, match="safety grade"):
        next_due("2100", safety_grade=grade)


def test_mobile_vessel_grade_4_has_no_computed_date():
    assert next_due("2220", safety_grade=4).due_on is None
    assert next_due("2220", safety_grade=2).due_on == date(2027, 5, 15)


@pytest.mark.parametrize(("grade", "expected"), [(1, date(2030, 5, 15)), (3, date(2027, 5, 15)), (4, None)])
def test_industrial_piping_by_grade(grade, expected):
    assert next_due("8310", safety_grade=grade).due_on == expected


def test_industrial_piping_has_no_grade_5():
    with pytest.raises(ValueError, match="1 to 4"):
        next_due("8310", safety_grade=5)


# --- failed inspections -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("conclusion", ["fail", "retest_fail"])
@pytest.mark.parametrize("category", ["1000", "2150", "3110", "4310", "5110", "9110"])
def test_failed_inspection_has_no_due_date(category, conclusion):
    result = next_due(category, conclusion=conclusion, safety_grade=1 if category == "2150" else None)
    assert result.due_on is None
    assert result.rule is not None
    assert "第四十条" in result.reason
    assert "不得继续使用" in result.reason


def test_conditional_pass_keeps_the_interval():
    result = next_due("4310", conclusion="conditional")
    assert result.due_on == date(2025, 5, 15)
    assert "条件" in result.reason


# --- overrides (province profile) ---------------------------------------------------------------------------------


def test_override_beats_the_table_row():
    result = next_due("5110", overrides={"5110": 12})
    assert result.due_on == date(2025, 5, 15)
    assert result.rule.months == 12
    assert "省份配置" in result.rule.citation


def test_override_on_a_wider_prefix_beats_a_more_specific_table_row():
    assert next_due("5110", overrides={"5000": 18}).due_on == date(2025, 11, 15)


def test_most_specific_override_wins():
    assert next_due("5110", overrides={"5000": 18, "5110": 12}).due_on == date(2025, 5, 15)


def test_override_that_does_not_match_leaves_the_table_alone():
    assert next_due("4310", overrides={"5110": 36}).due_on == date(2025, 5, 15)


def test_override_configures_a_code_without_a_table_row():
    result = next_due("4000", overrides={"4000": 12})
    assert result.due_on == date(2025, 5, 15)
    assert result.rule.catalog_prefix == "4000"


def test_override_replaces_the_elevator_schedule():
    result = next_due("3110", commissioned_on=date(2020, 3, 15), overrides={"3000": 12})
    assert result.due_on == date(2025, 5, 15)


def test_override_replaces_grades_1_to_3_but_not_grades_4_and_5():
    assert next_due("2150", safety_grade=1, overrides={"2100": 48}).due_on == date(2028, 5, 15)
    assert next_due("2150", safety_grade=4, overrides={"2100": 48}).due_on is None
    assert next_due("2150", safety_grade=5, overrides={"2100": 48}).due_on is None


def test_override_does_not_hide_a_failed_inspection():
    assert next_due("5110", conclusion="fail", overrides={"5110": 12}).due_on is None


@pytest.mark.parametrize("overrides", [{"5110": 0}, {"5110": -12}, {"5110": True}, {"51": 12}])
def test_malformed_override_raises(overrides):
    with pytest.raises(ValueError, match="override"):
        next_due("5110", overrides=overrides)


# --- elevators (TSG T7001-2023) -----------------------------------------------------------------------------------


def test_elevator_row_is_the_2023_schedule():
    rule = rule_for("3110")
    assert rule.catalog_prefix == "3000"
    assert rule.months is None
    assert rule.effective_from == date(2023, 4, 2)
    assert "TSG T7001-2023" in rule.citation


def elevator_due(inspected_on: date, commissioned_on: date | None, **kwargs) -> date | None:
    return next_due("3110", inspected_on=inspected_on, commissioned_on=commissioned_on, **kwargs).due_on


NATIONAL_INSPECTION_YEARS = [1, 4, 7, 9, 11, 13, 15, 16, 17, 18, 19, 20]


@pytest.mark.parametrize(("year", "next_year"), list(pairwise(NATIONAL_INSPECTION_YEARS)))
def test_elevator_inspected_on_its_anniversary_is_next_due_in_the_next_scheduled_year(year, next_year):
    commissioned_on = date(2024, 1, 10)
    inspected_on = date(2024 + year, 1, 10)
    assert elevator_due(inspected_on, commissioned_on) == date(2024 + next_year, 1, 10)


def test_elevator_year_1_inspection_a_few_days_early_is_next_due_in_year_4():
    # Year 1 is 2024-04-15; the inspection 5 days early still counts as the year-1 inspection.
    assert elevator_due(date(2024, 4, 10), date(2023, 4, 15)) == date(2027, 4, 15)


def test_elevator_in_year_15_is_next_due_in_year_16():
    assert elevator_due(date(2025, 7, 1), date(2010, 7, 1)) == date(2026, 7, 1)


def test_elevator_between_scheduled_years_is_due_at_the_next_scheduled_year():
    # Commissioned 2020-03-15: the schedule years are 2021, 2024, 2027, ... (year 4 is 2024-03-15).
    assert elevator_due(date(2023, 6, 1), date(2020, 3, 15)) == date(2024, 3, 15)


def test_elevator_early_inspection_window_is_two_months():
    commissioned_on = date(2020, 3, 15)  # year 4 is 2024-03-15, two months earlier is 2024-01-15
    assert elevator_due(date(2024, 1, 15), commissioned_on) == date(2027, 3, 15)
    assert elevator_due(date(2024, 1, 14), commissioned_on) == date(2024, 3, 15)


def test_late_elevator_inspection_keeps_the_schedule():
    assert elevator_due(date(2024, 5, 20), date(2020, 3, 15)) == date(2027, 3, 15)


def test_elevator_commissioned_on_29_february():
    assert elevator_due(date(2024, 6, 1), date(2024, 2, 29)) == date(2025, 2, 28)


def test_elevator_without_commissioning_date_falls_back_to_12_months():
    result = next_due("3110", inspected_on=date(2024, 5, 15), commissioned_on=None)
    assert result.due_on == date(2025, 5, 15)
    assert "12 个月" in result.reason


def test_elevator_inspected_before_the_reform_uses_the_yearly_rule():
    # The brief's example: commissioned 2020-03-15 and inspected 2021-03-10, before TSG T7001-2023 took effect.
    result = next_due("3110", inspected_on=date(2021, 3, 10), commissioned_on=date(2020, 3, 15))
    assert result.due_on == date(2022, 3, 10)
    assert result.rule == SUPERSEDED_INTERVAL_RULES["3000"]
    assert "TSG T7001-2009" in result.rule.citation


def test_elevator_reform_starts_on_2_april_2023():
    commissioned_on = date(2020, 3, 15)
    assert elevator_due(date(2023, 4, 1), commissioned_on) == date(2024, 4, 1)
    assert elevator_due(date(2023, 4, 2), commissioned_on) == date(2024, 3, 15)


# --- elevators: Shanxi pilot variant ------------------------------------------------------------------------------

SHANXI = {"elevator_schedule": "shanxi_pilot"}


@pytest.mark.parametrize(
    ("inspected_on", "expected"),
    [
        (date(2023, 6, 1), date(2026, 6, 1)),  # year 3 -> year 6
        (date(2024, 1, 1), date(2026, 6, 1)),  # between years 3 and 6
        (date(2026, 6, 1), date(2028, 6, 1)),  # year 6 -> year 8 (every 2 years from 6 to 15)
        (date(2034, 6, 1), date(2036, 6, 1)),  # year 14 -> year 16
        (date(2036, 6, 1), date(2037, 6, 1)),  # over 15 years: yearly
    ],
)
def test_shanxi_pilot_schedule(inspected_on, expected):
    result = next_due(
        "3110", inspected_on=inspected_on, commissioned_on=date(2020, 6, 1), region_code="140202", **SHANXI
    )
    assert result.due_on == expected
    assert result.rule == ELEVATOR_SHANXI_PILOT_RULE


@pytest.mark.parametrize("region_code", ["140202", "140902", "141002"])
def test_shanxi_pilot_cities(region_code):
    assert elevator_due(date(2023, 6, 1), date(2020, 6, 1), region_code=region_code, **SHANXI) == date(2026, 6, 1)


def test_shanxi_pilot_is_not_the_default():
    assert elevator_due(date(2023, 6, 1), date(2020, 6, 1), region_code="140202") == date(2024, 6, 1)


@pytest.mark.parametrize("region_code", ["140105", None])
def test_shanxi_pilot_outside_pilot_cities_uses_the_national_schedule(region_code):
    result = next_due(
        "3110", inspected_on=date(2023, 6, 1), commissioned_on=date(2020, 6, 1), region_code=region_code, **SHANXI
    )
    assert result.due_on == date(2024, 6, 1)
    assert "不在试点城市" in result.reason


def test_unknown_elevator_schedule_raises():
    with pytest.raises(ValueError, match="elevator_schedule"):
        next_due("3110", elevator_schedule="biennial")


# --- add_months ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 8, 31), 18, date(2026, 2, 28)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2024, 5, 15), 0, date(2024, 5, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


@given(start=st.dates(max_value=date(9000, 12, 31)), months=st.integers(min_value=0, max_value=1200))
def test_add_months_moves_forward_by_exactly_that_many_calendar_months(start, months):
    result = add_months(start, months)
    assert result >= start
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day == min(start.day, calendar.monthrange(result.year, result.month)[1])


# --- inspection_state ---------------------------------------------------------------------------------------------

TODAY = date(2024, 6, 15)


@pytest.mark.parametrize(
    ("due_on", "expected"),
    [
        (TODAY - timedelta(days=1), "overdue"),
        (TODAY, "due_soon"),
        (TODAY + timedelta(days=30), "due_soon"),
        (TODAY + timedelta(days=31), "valid"),
    ],
)
def test_inspection_state_boundaries(due_on, expected):
    assert inspection_state(due_on, date(2023, 6, 15), TODAY) == expected


def test_inspection_state_custom_window():
    assert inspection_state(TODAY + timedelta(days=7), None, TODAY, soon_days=7) == "due_soon"
    assert inspection_state(TODAY + timedelta(days=8), None, TODAY, soon_days=7) == "valid"


def test_never_inspected_needs_neither_a_due_date_nor_an_inspection():
    assert inspection_state(None, None, TODAY) == "never_inspected"


def test_due_date_without_an_inspection_is_judged_by_the_date():
    assert inspection_state(TODAY + timedelta(days=90), None, TODAY) == "valid"


def test_inspected_without_a_due_date_is_overdue():
    # A failed inspection leaves no due date and the equipment must not be used until re-inspected (law art 40).
    assert inspection_state(None, date(2024, 6, 1), TODAY) == "overdue"


def test_result_types():
    result = next_due("4310")
    assert isinstance(result.rule, IntervalRule)
    assert isinstance(result.reason, str)
