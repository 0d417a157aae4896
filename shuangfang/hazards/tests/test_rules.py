"""Tests for the hidden-hazard judging rules (GB 45067-2024, Order 57 art 25): pure functions, no database."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuangfang.hazards.rules import (
    CRITERIA,
    CRITERIA_BY_CLAUSE,
    GRADE_GENERAL,
    GRADE_MAJOR,
    INSPECTION_FAILED_CLAUSE,
    KIND_FILLING,
    KINDS,
    SERIOUS_HAZARD_CATEGORIES,
    Facts,
    Judgement,
    clause_applies,
    criteria_for,
    grade_floor,
    inspection_failed_clause,
    judge,
    serious_categories_for,
    validate_grade,
)

FAMILIES = {
    "4.1": "abcd",
    "4.2": "abcdefg",
    "4.3": "abcdef",
    "4.4": "ab",
    "4.5": "abc",
    "4.6": "abcde",
    "4.7": "abcde",
    "4.8": "abcde",
    "4.9": "abcde",
    "4.10": "abcde",
}
DOCUMENTED_CLAUSES = [section + letter for section, letters in FAMILIES.items() for letter in letters]
# Categories to try, and for each clause a category it does and one it does not apply to.
SAMPLE_CATEGORIES = ["1100", "2130", "2220", "2310", "2400", "3110", "3210", "3310", "3400", "4100", "4300", "4800"]
SAMPLE_CATEGORIES += ["5110", "5200", "6100", "8300", "9100", "7310"]


def facts_meeting(clause: str, category: str) -> Facts:
    return Facts(
        category=category,
        in_use=True,
        failed_clauses=frozenset({clause}),
        filling_activity=CRITERIA_BY_CLAUSE[clause].kind == KIND_FILLING,
    )


def applying_and_not(clause: str) -> tuple[str, str | None]:
    applying = [c for c in SAMPLE_CATEGORIES if clause_applies(clause, c)]
    not_applying = [c for c in SAMPLE_CATEGORIES if not clause_applies(clause, c)]
    return applying[0], (not_applying[0] if not_applying else None)


def test_exactly_47_criteria_with_unique_documented_ids():
    clauses = [c.clause for c in CRITERIA]
    assert len(clauses) == 47
    assert len(set(clauses)) == 47
    assert clauses == DOCUMENTED_CLAUSES
    assert set(CRITERIA_BY_CLAUSE) == set(DOCUMENTED_CLAUSES)


def test_every_criterion_has_citation_kind_and_date():
    for criterion in CRITERIA:
        assert criterion.kind in KINDS
        assert criterion.citation.startswith("GB 45067-2024")
        assert criterion.citation.endswith(f"{criterion.section} {criterion.item})")
        assert str(criterion.effective_from) == "2024-12-01"
        assert str(criterion.text)
        assert criterion.catalog_prefixes


@pytest.mark.parametrize(("section", "letters"), FAMILIES.items())
def test_family_clause_lists(section, letters):
    assert [c.clause for c in CRITERIA if c.section == section] == [section + letter for letter in letters]


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("1100", ["4.2a", "4.2b", "4.2c", "4.2d", "4.2e", "4.2f", "4.2g"]),
        ("2130", ["4.3a", "4.3b", "4.3c", "4.3d"]),
        ("2220", ["4.3a", "4.3b", "4.3c", "4.3d", "4.5a", "4.5b", "4.5c"]),
        ("2310", ["4.5a", "4.5b", "4.5c"]),
        ("2400", ["4.3a", "4.3e", "4.3f"]),
        ("3110", ["4.6a", "4.6b", "4.6c"]),
        ("3310", ["4.6a", "4.6d", "4.6e"]),
        ("4100", ["4.7a", "4.7b", "4.7c", "4.7d", "4.7e"]),
        ("4300", ["4.7a", "4.7b", "4.7c", "4.7d"]),
        ("5110", ["4.10a", "4.10b", "4.10c"]),
        ("5200", ["4.10a", "4.10b", "4.10c", "4.10d", "4.10e"]),
        ("6100", ["4.9a", "4.9b", "4.9c", "4.9d", "4.9e"]),
        ("8300", ["4.4a", "4.4b"]),
        ("9100", ["4.8a", "4.8b", "4.8c", "4.8d", "4.8e"]),
    ],
)
def test_criteria_for_category(category, expected):
    assert [c.clause for c in criteria_for(category)] == ["4.1a", "4.1b", "4.1c", "4.1d", *expected]


def test_pressure_piping_elements_have_no_criteria():
    assert criteria_for("7310") == []


def test_criteria_for_rejects_a_bad_code():
    with pytest.raises(ValueError, match="catalog code"):
        criteria_for("31")


@pytest.mark.parametrize("clause", DOCUMENTED_CLAUSES)
def test_judge_meets_each_clause_only_where_it_applies(clause):
    applying, not_applying = applying_and_not(clause)
    judgement = judge(facts_meeting(clause, applying))
    assert judgement.clauses == (clause,)
    assert judgement.major
    assert set(judgement.reasons) == {clause}
    if not_applying is not None:
        assert judge(facts_meeting(clause, not_applying)).clauses == ()


@pytest.mark.parametrize("clause", DOCUMENTED_CLAUSES)
def test_reported_clause_is_met_where_it_applies(clause):
    applying, not_applying = applying_and_not(clause)
    reported = replace(facts_meeting(clause, applying), failed_clauses=frozenset(), reported_clauses={clause})
    assert judge(reported).clauses == (clause,)
    if not_applying is not None:
        assert judge(replace(reported, category=not_applying)).clauses == ()


def test_the_every_category_clauses_apply_to_all_equipment_categories():
    for category in ("1000", "2100", "2300", "3000", "4000", "5000", "6000", "8000", "9000"):
        assert all(clause_applies(f"4.1{letter}", category) for letter in "abcd")
    assert not clause_applies("4.1a", "7000")


def test_elevator_failing_periodic_inspection_in_use_is_major():
    judgement = judge(Facts(category="3110", in_use=True, latest_conclusion="fail"))
    assert judgement.clauses == ("4.6a",)
    assert judgement.major
    assert "不合格" in judgement.reasons["4.6a"]


def test_suspended_elevator_failing_inspection_is_not_major():
    judgement = judge(Facts(category="3110", in_use=False, latest_conclusion="fail"))
    assert judgement.clauses == ()
    assert not judgement.major


@pytest.mark.parametrize("conclusion", ["pass", "conditional", None])
def test_inspection_not_failed_meets_nothing(conclusion):
    assert judge(Facts(category="3110", in_use=True, latest_conclusion=conclusion)).clauses == ()


def test_ropeway_retest_fail_meets_4_8a():
    judgement = judge(Facts(category="9100", in_use=True, latest_conclusion="retest_fail"))
    assert judgement.clauses == ("4.8a",)
    assert "复检不合格" in judgement.reasons["4.8a"]


def test_cylinder_failing_inspection_meets_no_4_3a():
    assert inspection_failed_clause("2310") is None
    assert judge(Facts(category="2310", in_use=True, latest_conclusion="fail")).clauses == ()


@pytest.mark.parametrize(
    ("category", "clause"),
    [
        ("1100", "4.2a"),
        ("2130", "4.3a"),
        ("2220", "4.3a"),
        ("2400", "4.3a"),
        ("8300", "4.4a"),
        ("3310", "4.6a"),
        ("4800", "4.7b"),
        ("9300", "4.8a"),
        ("6200", "4.9a"),
        ("5200", "4.10a"),
        ("7310", None),
        ("2000", None),
    ],
)
def test_inspection_failed_clause_by_category(category, clause):
    assert inspection_failed_clause(category) == clause
    if clause is not None:
        assert clause_applies(clause, category)
        assert judge(Facts(category=category, in_use=True, latest_conclusion="fail")).clauses == (clause,)


def test_inspection_failed_clauses_are_inspection_criteria():
    for clause in INSPECTION_FAILED_CLAUSE.values():
        assert CRITERIA_BY_CLAUSE[clause].kind == "inspection_failed"


def test_scrapped_equipment_in_use_meets_4_1a():
    assert judge(Facts(category="4300", in_use=True, scrapped=True)).clauses == ("4.1a",)
    assert judge(Facts(category="4300", in_use=False, scrapped=True)).clauses == ()


def test_crane_without_first_inspection_meets_4_7a():
    assert judge(Facts(category="4300", in_use=True, first_inspection_missing=True)).clauses == ("4.7a",)
    assert judge(Facts(category="4300", in_use=False, first_inspection_missing=True)).clauses == ()
    assert judge(Facts(category="3110", in_use=True, first_inspection_missing=True)).clauses == ()


def test_filling_clauses_need_a_filling_activity():
    facts = Facts(category="2310", in_use=True, failed_clauses=frozenset({"4.5a", "4.5b", "4.5c"}))
    assert judge(facts).clauses == ()
    assert judge(replace(facts, filling_activity=True)).clauses == ("4.5a", "4.5b", "4.5c")
    # The filling items concern the filling, not whether the cylinder itself is in use.
    assert judge(replace(facts, in_use=False, filling_activity=True)).clauses == ("4.5a", "4.5b", "4.5c")


def test_clauses_are_sorted_in_clause_order_with_several_sources():
    facts = Facts(
        category="5200",
        in_use=True,
        scrapped=True,
        latest_conclusion="fail",
        failed_clauses=frozenset({"4.10e", "4.10c"}),
        reported_clauses=frozenset({"4.1b", "4.6b"}),
    )
    judgement = judge(facts)
    assert judgement.clauses == ("4.1a", "4.1b", "4.10a", "4.10c", "4.10e")
    assert list(judgement.reasons) == list(judgement.clauses)


@pytest.mark.parametrize("field", ["failed_clauses", "reported_clauses"])
def test_unknown_clause_raises_value_error_naming_it(field):
    facts = replace(Facts(category="3110", in_use=True), **{field: frozenset({"4.6z", "4.6a", "9.9a"})})
    with pytest.raises(ValueError, match=r"4\.6z, 9\.9a"):
        judge(facts)
    with pytest.raises(ValueError, match="4.11a"):
        clause_applies("4.11a", "3110")


def test_grade_floor_and_validate_grade():
    major = judge(Facts(category="3110", in_use=True, reported_clauses=frozenset({"4.6b"})))
    empty = judge(Facts(category="3110", in_use=True))
    assert grade_floor(major) == GRADE_MAJOR
    assert grade_floor(empty) == GRADE_GENERAL
    message = validate_grade(GRADE_GENERAL, major)
    assert message == "依据 GB 45067-2024 第 4.6b 条，该隐患应判定为重大事故隐患，不能降为一般事故隐患"
    assert validate_grade(GRADE_MAJOR, major) is None
    assert validate_grade(GRADE_MAJOR, empty) is None
    assert validate_grade(GRADE_GENERAL, empty) is None
    with pytest.raises(ValueError, match="grade"):
        validate_grade("minor", empty)


def test_validate_grade_names_every_clause():
    judgement = judge(Facts(category="3110", in_use=True, latest_conclusion="fail", failed_clauses={"4.6c"}))
    assert "第 4.6a、4.6c 条" in validate_grade(GRADE_GENERAL, judgement)


def test_serious_hazard_categories_are_s1_to_s6_with_citation():
    assert list(SERIOUS_HAZARD_CATEGORIES) == ["S1", "S2", "S3", "S4", "S5", "S6"]
    for code, category in SERIOUS_HAZARD_CATEGORIES.items():
        assert category.code == code
        assert "第57号" in category.citation
        assert str(category.text)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (Facts(category="4300", in_use=True, scrapped=True), ("S1",)),
        (Facts(category="3110", in_use=True, latest_conclusion="fail"), ("S2",)),
        (Facts(category="4300", in_use=True, first_inspection_missing=True), ("S2",)),
        (Facts(category="4300", in_use=True, reported_clauses=frozenset({"4.1c"})), ("S2",)),
        (Facts(category="3110", in_use=True, failed_clauses=frozenset({"4.6b"})), ("S3",)),
        (Facts(category="1100", in_use=True, failed_clauses=frozenset({"4.2c"})), ("S3",)),
        (Facts(category="2310", in_use=False, filling_activity=True, failed_clauses=frozenset({"4.5c"})), ("S3",)),
        (Facts(category="2310", in_use=False, filling_activity=True, failed_clauses=frozenset({"4.5a"})), ()),
        (Facts(category="6100", in_use=True, reported_clauses=frozenset({"4.1b"})), ("S4",)),
        (Facts(category="6100", in_use=True, reported_clauses=frozenset({"4.9e"})), ("S4",)),
        (Facts(category="5200", in_use=True, failed_clauses=frozenset({"4.10e"})), ("S5",)),
        (Facts(category="2130", in_use=True, failed_clauses=frozenset({"4.3b"})), ("S5",)),
        (Facts(category="2130", in_use=True, reported_clauses=frozenset({"4.1d"})), ("S5",)),
        (
            Facts(
                category="4100",
                in_use=True,
                scrapped=True,
                latest_conclusion="fail",
                failed_clauses=frozenset({"4.7e", "4.1d"}),
            ),
            ("S1", "S2", "S3", "S5"),
        ),
        (Facts(category="4100", in_use=True), ()),
    ],
)
def test_serious_categories_for(facts, expected):
    assert serious_categories_for(judge(facts), facts) == expected


def test_serious_categories_need_the_equipment_still_used():
    judgement = Judgement(clauses=("4.1a", "4.6a", "4.6b", "4.1b", "4.1d"), major=True, reasons={})
    facts = Facts(category="3110", in_use=False)
    assert serious_categories_for(judgement, facts) == ("S5",)
    assert serious_categories_for(judgement, replace(facts, in_use=True)) == ("S1", "S2", "S3", "S4", "S5")


CATEGORIES = st.sampled_from(SAMPLE_CATEGORIES + ["1000", "2000", "3000", "4000", "4200", "4700", "4900", "5000"])
CLAUSE_SETS = st.frozensets(st.sampled_from(DOCUMENTED_CLAUSES), max_size=8)
CONCLUSIONS = st.sampled_from([None, "pass", "conditional", "fail", "retest_fail"])


@st.composite
def facts_and_more(draw):
    """Facts and a second set of facts for the same equipment that knows everything the first knows, and more."""
    base = Facts(
        category=draw(CATEGORIES),
        in_use=draw(st.booleans()),
        scrapped=draw(st.booleans()),
        latest_conclusion=draw(CONCLUSIONS),
        failed_clauses=draw(CLAUSE_SETS),
        reported_clauses=draw(CLAUSE_SETS),
        first_inspection_missing=draw(st.booleans()),
        filling_activity=draw(st.booleans()),
    )
    more_conclusion = base.latest_conclusion
    if base.latest_conclusion not in ("fail", "retest_fail"):
        more_conclusion = draw(CONCLUSIONS)
    more = replace(
        base,
        in_use=base.in_use or draw(st.booleans()),
        scrapped=base.scrapped or draw(st.booleans()),
        latest_conclusion=more_conclusion,
        failed_clauses=base.failed_clauses | draw(CLAUSE_SETS),
        reported_clauses=base.reported_clauses | draw(CLAUSE_SETS),
        first_inspection_missing=base.first_inspection_missing or draw(st.booleans()),
        filling_activity=base.filling_activity or draw(st.booleans()),
    )
    return base, more


@given(facts_and_more())
def test_adding_facts_never_removes_clauses(pair):
    base, more = pair
    assert set(judge(base).clauses) <= set(judge(more).clauses)


@given(facts_and_more())
def test_clauses_are_sorted_and_applicable(pair):
    for facts in pair:
        judgement = judge(facts)
        order = [c.clause for c in CRITERIA]
        assert list(judgement.clauses) == sorted(judgement.clauses, key=order.index)
        assert set(judgement.clauses) <= {c.clause for c in criteria_for(facts.category)}
        assert judgement.major == bool(judgement.clauses)
        assert list(judgement.reasons) == list(judgement.clauses)
        if not facts.in_use:
            assert all(CRITERIA_BY_CLAUSE[clause].kind == KIND_FILLING for clause in judgement.clauses)
        if not facts.filling_activity:
            assert all(CRITERIA_BY_CLAUSE[clause].kind != KIND_FILLING for clause in judgement.clauses)
