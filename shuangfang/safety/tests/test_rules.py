"""The rule tables of the unit's duties, row by row, without a database.

Every table is parametrized by its own rows and each row looks up its case in a dict keyed by the row's code: a row
added to a table without a case here fails (KeyError), and a case left behind for a removed row fails the coverage
test of its table."""

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest

from shuangfang.safety import rules
from shuangfang.safety.choices import LicenceKind
from shuangfang.safety.rules import UnitFacts

TODAY = date(2026, 6, 15)
CODE = re.compile(r"c[0-9][0-9A-Z]{3}")


def facts(kind="use_unit", **equipment_and_declared):
    """UnitFacts from catalog-code counts (c3110=20) and declared facts (crowded_elevators=30)."""
    counts = {key[1:]: value for key, value in equipment_and_declared.items() if CODE.fullmatch(key)}
    declared = {key: value for key, value in equipment_and_declared.items() if not CODE.fullmatch(key)}
    return UnitFacts(kind=kind, equipment_by_category=counts, **declared)


# -- staffing (TSG 08-2017 2.3, 2.4.2.2.2) ---------------------------------------------------------------------------

# code → [(facts that trigger the row, facts just below it)]
STAFFING_CASES = {
    "body_power_boiler": [
        (facts(c1100=1, power_station_boiler=True), facts(c1100=1)),
        (facts(c2130=1, petrochemical_plant=True), facts(c2130=1)),
    ],
    "body_elevators": [
        (facts(c3110=30, crowded_elevators=30), facts(c3110=30, crowded_elevators=29)),
        # A public elevator business with any elevator; the declaration alone, with no elevator, is not enough.
        (facts(c3110=1, public_elevator_business=True), facts(c4110=1, public_elevator_business=True)),
    ],
    "body_rides": [
        (facts(c6100=4, c6200=6), facts(c6100=4, c6200=5)),
        # Sightseeing vehicles count only for a public operating business.
        (facts(c5200=10, public_ride_business=True), facts(c5200=9, public_ride_business=True)),
        (facts(c5200=10, public_ride_business=True), facts(c5200=10)),
    ],
    "body_ropeway": [
        (facts(c9110=1), facts(c9310=1)),  # an aerial ropeway, not a tow ropeway
        (facts(c9210=1), facts()),  # a funicular
    ],
    "body_fifty_units": [
        (facts(c3110=30, c4110=20), facts(c3110=30, c4110=19)),
        # Cylinders (23xx) are not counted, however many.
        (facts(c3110=30, c4110=20, c2310=5), facts(c3110=30, c4110=19, c2310=500, c23T0=20)),
    ],
    "officer_boiler_pressure": [
        (facts(c1100=1, boiler_over_2_5_mpa=True), facts(c1100=1)),
        (facts(c1200=1, boiler_over_2_5_mpa=True), facts(c2130=1, boiler_over_2_5_mpa=True)),  # no boiler in use
    ],
    "officer_class_three_vessels": [
        (facts(c2130=5), facts(c2130=4)),
        (facts(c2130=5), facts(c2130=4, c2150=30)),  # class II vessels are not class III
    ],
    "officer_filling": [
        (facts(kind="filling_station", c2310=1), facts(c2310=1)),
    ],
    "officer_piping": [
        (facts(industrial_piping_km=10), facts(industrial_piping_km=9.99)),
    ],
    "officer_mobile_ropeway_rides": [
        (facts(c2220=1), facts(c2130=1)),  # a mobile vessel, not a fixed one
        (facts(c9310=1), facts(c4110=1)),  # a tow ropeway: an officer, not a body
        (facts(c6100=1), facts(c5110=1)),  # any large ride
    ],
    "officer_twenty_units": [
        (facts(c3110=20), facts(c3110=19)),
        (facts(c3110=15, c5110=5, c2310=3), facts(c3110=15, c5110=4, c2310=300)),
    ],
}


@pytest.mark.parametrize("rule", rules.STAFFING_RULES, ids=lambda rule: rule.code)
def test_each_staffing_rule_triggers_at_its_threshold_and_not_below(rule):
    for trigger, below in STAFFING_CASES[rule.code]:
        assert rule.applies(trigger), trigger
        assert not rule.applies(below), below
        triggered = rules.staffing_triggers(trigger)
        assert rule in triggered[rule.requirement]
        # A body needs its full-time officer too (TSG 08 2.4.2.2.2).
        assert rule in triggered[rules.FULL_TIME_OFFICER]
        assert rule not in [r for found in rules.staffing_triggers(below).values() for r in found]


@pytest.mark.parametrize("rule", rules.STAFFING_RULES, ids=lambda rule: rule.code)
def test_each_staffing_rule_carries_its_tsg_08_citation(rule):
    expected = rules.TSG_08_BODY if rule.requirement == rules.BODY else rules.TSG_08_OFFICER
    assert rule.citation.startswith(expected)
    assert rule.requirement in (rules.BODY, rules.FULL_TIME_OFFICER)
    assert rule.condition and rule.confidence


def test_every_staffing_case_names_a_row():
    assert set(STAFFING_CASES) == {rule.code for rule in rules.STAFFING_RULES}
    assert len(rules.STAFFING_RULES) == len({rule.code for rule in rules.STAFFING_RULES})


def test_the_tow_ropeway_needs_an_officer_but_no_body():
    triggered = rules.staffing_triggers(facts(c9310=1))
    assert triggered[rules.BODY] == []
    assert [rule.code for rule in triggered[rules.FULL_TIME_OFFICER]] == ["officer_mobile_ropeway_rides"]


def test_a_body_implies_a_full_time_officer_after_the_officer_rows():
    triggered = rules.staffing_triggers(facts(c9110=1, c3110=18))
    assert [rule.code for rule in triggered[rules.BODY]] == ["body_ropeway"]
    assert [rule.code for rule in triggered[rules.FULL_TIME_OFFICER]] == ["body_ropeway"]
    triggered = rules.staffing_triggers(facts(c3110=30, c4110=20))
    assert [rule.code for rule in triggered[rules.FULL_TIME_OFFICER]] == ["officer_twenty_units", "body_fifty_units"]


def test_a_small_unit_needs_neither():
    assert rules.staffing_triggers(facts(c3110=3, c5110=2)) == {rules.BODY: [], rules.FULL_TIME_OFFICER: []}
    assert rules.staffing_triggers(UnitFacts()) == {rules.BODY: [], rules.FULL_TIME_OFFICER: []}


def test_unit_facts_count_by_prefix_and_leave_cylinders_out_of_the_total():
    unit = facts(c3110=2, c3310=1, c2310=100, c23T0=5, c2130=3)
    assert unit.count("3") == 3
    assert unit.count("31") == 2
    assert unit.count("23") == 105
    assert unit.count("21", "33") == 4
    assert unit.total_excluding_cylinders == 6
    assert unit.categories_in_use == ["2000", "3000"]
    # A category counted zero is not in use.
    assert facts(c3110=0, c4110=1).categories_in_use == ["4000"]


# -- licences (特种设备安全法 art 49) --------------------------------------------------------------------------------

# code → (the unit kind the row binds, a unit kind it leaves alone)
LICENCE_CASES = {
    "filling": ("filling_station", "use_unit"),
}


@pytest.mark.parametrize("rule", rules.LICENCE_RULES, ids=lambda rule: rule.code)
def test_each_licence_rule_wants_a_current_unexpired_licence_of_its_units(rule):
    bound, free = LICENCE_CASES[rule.code]
    assert rules.licence_rules_for(bound) == [rule]
    assert rule not in rules.licence_rules_for(free)
    assert rule.kind in LicenceKind.values
    # Without a licence, with one in force (its last day included), with one expired.
    assert rules.licence_state(None, TODAY) == "missing"
    assert rules.licence_state(TODAY + timedelta(days=900), TODAY) is None
    assert rules.licence_state(TODAY, TODAY) is None
    assert rules.licence_state(TODAY - timedelta(days=1), TODAY) == "expired"
    assert rule.name and rule.confidence


def test_the_filling_licence_row_cites_article_49_of_the_law():
    rule = rules.LICENCE_RULES_BY_CODE["filling"]
    assert (rule.kind, rule.unit_kind) == (LicenceKind.FILLING, "filling_station")
    assert rule.citation == "《特种设备安全法》第四十九条"
    assert rule.name == "充装许可证"


def test_every_licence_case_names_a_row():
    assert set(LICENCE_CASES) == {rule.code for rule in rules.LICENCE_RULES}
    assert set(rules.LICENCE_RULES_BY_CODE) == set(LICENCE_CASES)


# -- appointments (Order 74) ----------------------------------------------------------------------------------------


def test_appointment_citations_name_the_read_articles_and_the_chapter_otherwise():
    assert rules.appointment_citation("3000") == "市场监管总局令第74号第六十九条、第七十一条"
    assert rules.appointment_citation("5000") == "市场监管总局令第74号第一百三十五条、第一百三十七条"
    assert rules.appointment_citation("4000") == "市场监管总局令第74号（4000 章）"
    assert set(rules.APPOINTMENT_ARTICLES) <= set(rules.ORDER_74_CATEGORIES)
    assert "7000" not in rules.ORDER_74_CATEGORIES  # piping components are not used equipment


# -- documents ------------------------------------------------------------------------------------------------------

# code → (scope, the date of the rule that asks for it or None, review period in months or None)
DOCUMENT_CASES = {
    "management_rules": (rules.UNIT, None, None),
    "post_responsibilities": (rules.UNIT, None, None),
    "operating_procedures": (rules.PER_CATEGORY, None, None),
    "risk_control_rules": (rules.UNIT, None, None),
    "hazard_investigation_rules": (rules.UNIT, None, None),
    "director_duties": (rules.PER_CATEGORY, rules.ORDER_74_EFFECTIVE, None),
    "officer_code": (rules.PER_CATEGORY, rules.ORDER_74_EFFECTIVE, None),
}


@pytest.mark.parametrize("rule", rules.DOCUMENT_RULES, ids=lambda rule: rule.code)
def test_each_document_rule_is_missing_predated_overdue_or_in_order(rule):
    scope, effective_from, review_months = DOCUMENT_CASES[rule.code]
    assert (rule.scope, rule.effective_from, rule.review_months) == (scope, effective_from, review_months)
    assert rules.DOCUMENT_RULES_BY_CODE[rule.code] is rule
    assert rule.citation and rule.name
    assert rules.document_state(rule, None, TODAY) == "missing"
    if effective_from:
        # Order 74 took effect on 2023-05-05: a document in force before it predates the duty it describes.
        assert effective_from == date(2023, 5, 5)
        assert rules.document_state(rule, effective_from - timedelta(days=1), TODAY) == "predates_rule"
        assert rules.document_state(rule, date(2020, 1, 1), TODAY) == "predates_rule"
        assert rules.document_state(rule, effective_from, TODAY) is None
    else:
        assert rules.document_state(rule, date(2010, 1, 1), TODAY) is None
    if review_months:
        last_day = rules.months_after(TODAY, -review_months)
        assert rules.document_state(rule, last_day, TODAY) is None
        assert rules.document_state(rule, last_day - timedelta(days=1), TODAY) == "review_overdue"
    else:
        # No statutory review period: a version in order stays in order however old.
        assert rules.document_state(rule, effective_from or date(2000, 1, 1), date(2099, 12, 31)) is None
    assert rules.document_state(rule, TODAY, TODAY) is None


def test_every_document_case_names_a_row():
    assert set(DOCUMENT_CASES) == {rule.code for rule in rules.DOCUMENT_RULES}


def test_a_review_period_makes_an_old_version_overdue_the_day_after_it_runs_out():
    rule = replace(rules.DOCUMENT_RULES_BY_CODE["management_rules"], review_months=36)
    assert rules.document_state(rule, date(2023, 6, 15), TODAY) is None  # runs out today
    assert rules.document_state(rule, date(2023, 6, 14), TODAY) == "review_overdue"
    # The rule's own date is judged first: a document predating the rule is to be reissued, whatever its age.
    dated = replace(rule, effective_from=rules.ORDER_74_EFFECTIVE)
    assert rules.document_state(dated, date(2020, 1, 1), TODAY) == "predates_rule"


# -- operator certificates (TSG Z6001) ------------------------------------------------------------------------------

# code → (a catalog code the row covers, the equipment features it needs, the unit kind it needs)
CERTIFICATE_CASES = {
    "boiler": ("1100", (), "use_unit"),
    "quick_opening_vessel": ("2150", ("quick_opening",), "use_unit"),
    "mobile_vessel_filling": ("2220", (), "filling_station"),
    "cylinder_filling": ("2310", (), "filling_station"),
    "crane_driver": ("4110", (), "use_unit"),
    "crane_signaller": ("4110", ("signaller_required",), "use_unit"),
    "forklift": ("5110", (), "use_unit"),
    "sightseeing_vehicle": ("5200", (), "use_unit"),
    "ride": ("6100", (), "use_unit"),
    "ropeway": ("9110", (), "use_unit"),
}
ITEMS = ("A", "G1", "G2", "G3", "R1", "R2", "R3", "P", "T", "Q1", "Q2", "S1", "S2", "Y1", "Y2", "N1", "N2", "F")


@pytest.mark.parametrize("rule", rules.CERTIFICATE_RULES, ids=lambda rule: rule.code)
def test_each_certificate_rule_is_met_by_each_of_its_items_and_by_no_other(rule):
    category, features, unit_kind = CERTIFICATE_CASES[rule.code]
    assert category.startswith(rule.prefix)
    assert rule in rules.certificate_rules_for(category, features, unit_kind)
    assert set(rule.items) <= set(ITEMS)
    for item in rule.items:
        assert rule not in rules.unmet_certificate_rules(category, features, unit_kind, [item])
        # An expired certificate is not passed in: with nothing valid the rule is unmet.
    assert rule in rules.unmet_certificate_rules(category, features, unit_kind, [])
    for other in set(ITEMS) - set(rule.items):
        assert rule in rules.unmet_certificate_rules(category, features, unit_kind, [other]), other
    assert rule.citation.startswith(rules.Z6001)


@pytest.mark.parametrize("rule", rules.CERTIFICATE_RULES, ids=lambda rule: rule.code)
def test_a_rule_with_a_feature_or_unit_kind_applies_only_with_it(rule):
    category, features, unit_kind = CERTIFICATE_CASES[rule.code]
    if rule.feature:
        assert rule.feature in features
        assert rule not in rules.certificate_rules_for(category, [f for f in features if f != rule.feature], unit_kind)
    if rule.unit_kind:
        assert unit_kind == rule.unit_kind == "filling_station"
        assert rule not in rules.certificate_rules_for(category, features, "use_unit")
    else:
        assert rule in rules.certificate_rules_for(category, features, "filling_station")
    # Another category's equipment never needs it.
    assert rule not in rules.certificate_rules_for("3110", ("quick_opening", "signaller_required"), unit_kind)


def test_every_certificate_case_names_a_row():
    assert set(CERTIFICATE_CASES) == {rule.code for rule in rules.CERTIFICATE_RULES}


def test_a_signalled_crane_needs_a_driver_and_a_signaller():
    needed = rules.certificate_rules_for("4110", ["signaller_required"], "use_unit")
    assert [rule.code for rule in needed] == ["crane_driver", "crane_signaller"]
    unmet = rules.unmet_certificate_rules("4110", ["signaller_required"], "use_unit", ["Q2"])
    assert [rule.code for rule in unmet] == ["crane_signaller"]
    assert rules.unmet_certificate_rules("4110", ["signaller_required"], "use_unit", ["Q2", "Q1"]) == []
    assert [r.code for r in rules.unmet_certificate_rules("4110", [], "use_unit", [])] == ["crane_driver"]


def test_equipment_without_an_operator_item_needs_none():
    for category in ("3110", "2130", "8310", "2310", "2220"):
        assert rules.certificate_rules_for(category, [], "use_unit") == []
    # A quick-opening vessel needs R1; the same vessel without the feature needs nothing.
    assert [r.code for r in rules.certificate_rules_for("2150", ["quick_opening"], "use_unit")] == [
        "quick_opening_vessel"
    ]


# -- drills ---------------------------------------------------------------------------------------------------------

# code → (facts the row covers, facts it does not, the categories it makes the trigger unit drill)
DRILL_CASES = {
    "staffed_units_yearly": (facts(c3110=19, c4110=1), facts(c3110=18, c4110=1), ["3000", "4000"]),
    "crowded_elevators_yearly": (facts(c3110=2, c4110=1, crowded_elevators=1), facts(c3110=2, c4110=1), ["3000"]),
}


@pytest.mark.parametrize("rule", rules.DRILL_RULES, ids=lambda rule: rule.code)
def test_each_drill_rule_covers_its_units_and_categories(rule):
    covered, not_covered, categories = DRILL_CASES[rule.code]
    assert rule.applies(covered)
    assert not rule.applies(not_covered)
    required = rules.drill_requirements(covered)
    assert sorted(category for _rule, category in required) == categories
    assert all(found is rule for found, _category in required)
    assert rules.drill_requirements(not_covered) == []
    assert rule.months == 12
    assert all(category.startswith(rule.prefix) for category in categories)


def test_every_drill_case_names_a_row():
    assert set(DRILL_CASES) == {rule.code for rule in rules.DRILL_RULES}


def test_a_category_two_rules_cover_is_drilled_once_by_the_first():
    both = facts(c3110=20, crowded_elevators=1)
    assert [(rule.code, category) for rule, category in rules.drill_requirements(both)] == [
        ("staffed_units_yearly", "3000")
    ]


def test_the_next_drill_is_due_a_period_after_the_last_or_after_the_rule_began_to_hold():
    assert rules.drill_due_on(date(2025, 6, 15), 12, date(2020, 1, 1)) == date(2026, 6, 15)
    assert rules.drill_due_on(None, 12, date(2026, 1, 31)) == date(2027, 1, 31)
    assert rules.drill_due_on(date(2024, 2, 29), 12, date(2020, 1, 1)) == date(2025, 2, 28)


# -- months_after ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # a leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 5, 5), 0, date(2026, 5, 5)),
        (date(2026, 5, 5), 36, date(2029, 5, 5)),
        (date(2026, 6, 15), -12, date(2025, 6, 15)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_months_after_keeps_the_day_or_clamps_to_the_month_end(start, months, expected):
    assert rules.months_after(start, months) == expected


# -- exam scoring ---------------------------------------------------------------------------------------------------

KEY = {"1": [0], "2": [1, 3], "3": [1]}


@pytest.mark.parametrize(
    ("given", "score", "marks"),
    [
        ({"1": [0], "2": [1, 3], "3": [1]}, 100, {"1": True, "2": True, "3": True}),
        ({"1": [0], "2": [3, 1], "3": [1]}, 100, {"1": True, "2": True, "3": True}),  # order does not matter
        ({"1": [0, 0], "2": [1, 3, 3], "3": [1]}, 100, {"1": True, "2": True, "3": True}),  # nor repetition
        ({"1": [0], "2": [1], "3": [1]}, 67, {"1": True, "2": False, "3": True}),  # no partial credit
        ({"1": [0], "2": [1, 2, 3], "3": [1]}, 67, {"1": True, "2": False, "3": True}),  # nor for extra options
        ({"1": [0]}, 33, {"1": True, "2": False, "3": False}),  # unanswered is wrong
        ({}, 0, {"1": False, "2": False, "3": False}),
        ({"1": [1], "2": [1, 3], "9": [0]}, 33, {"1": False, "2": True, "3": False}),  # unknown ids ignored
        ({"1": None, "2": [], "3": [1]}, 33, {"1": False, "2": False, "3": True}),
    ],
)
def test_score_answers_counts_exact_answers_out_of_100(given, score, marks):
    assert rules.score_answers(KEY, given) == (score, marks)


def test_an_exam_without_questions_scores_nothing():
    assert rules.score_answers({}, {"1": [0]}) == (0, {})


def test_a_score_is_rounded_to_a_whole_mark():
    key = {str(n): [0] for n in range(8)}
    assert rules.score_answers(key, {str(n): [0] for n in range(7)})[0] == 88  # 87.5
    assert rules.DEFAULT_PASS_SCORE == 80
