"""The platform question bank is loadable data: checked here without a database."""

from collections import Counter

import pytest

from shuangfang.safety.question_bank import (
    CATEGORIES,
    JUDGE_OPTIONS,
    QUESTIONS,
    ROLES,
    BankQuestion,
    validate_bank,
)

GOOD_SINGLE = BankQuestion(
    code="t-single",
    topic="laws",
    kind="single",
    text="题干",
    options=("甲", "乙", "丙"),
    answer=(1,),
    roles=(),
    equipment_category="",
    citation="特种设备安全法第四十条",
)
GOOD_MULTIPLE = GOOD_SINGLE._replace(code="t-multiple", kind="multiple", answer=(0, 2))
GOOD_JUDGE = GOOD_SINGLE._replace(code="t-judge", kind="judge", options=JUDGE_OPTIONS, answer=(0,))


def test_the_bank_has_no_problems():
    assert validate_bank() == []


def test_the_bank_meets_the_topic_minimums():
    topics = Counter(q.topic for q in QUESTIONS)
    assert len(QUESTIONS) >= 60
    assert topics["order_74"] >= 20
    assert topics["laws"] >= 15
    assert topics["gb_45067"] >= 15


def test_the_bank_mixes_the_kinds():
    kinds = Counter(q.kind for q in QUESTIONS)
    assert kinds["single"] >= len(QUESTIONS) * 0.4
    assert kinds["multiple"] >= len(QUESTIONS) * 0.2
    assert kinds["judge"] >= len(QUESTIONS) * 0.2


def test_the_bank_covers_the_main_equipment_categories_under_gb_45067():
    categories = {q.equipment_category for q in QUESTIONS if q.topic == "gb_45067"}
    assert {"", "1000", "2000", "3000", "4000", "5000"} <= categories


def test_the_bank_uses_known_roles_and_categories():
    assert {role for q in QUESTIONS for role in q.roles} <= set(ROLES)
    assert {q.equipment_category for q in QUESTIONS} <= {"", *CATEGORIES}


def test_good_questions_pass():
    assert validate_bank([GOOD_SINGLE, GOOD_MULTIPLE, GOOD_JUDGE]) == []


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (GOOD_SINGLE._replace(answer=(3,)), "answer index out of range"),
        (GOOD_SINGLE._replace(answer=(-1,)), "answer index out of range"),
        (GOOD_SINGLE._replace(answer=(0, 1)), "expected exactly 1"),
        (GOOD_SINGLE._replace(answer=()), "expected exactly 1"),
        (GOOD_JUDGE._replace(answer=(0, 1)), "expected exactly 1"),
        (GOOD_JUDGE._replace(answer=()), "expected exactly 1"),
        (GOOD_MULTIPLE._replace(answer=(0,)), "expected 2 or more"),
        (GOOD_MULTIPLE._replace(answer=(0, 1, 2)), "without a wrong option"),
        (GOOD_MULTIPLE._replace(answer=(0, 0, 2)), "repeated answer index"),
        (GOOD_SINGLE._replace(topic="unit_risks"), "unknown topic"),
        (GOOD_SINGLE._replace(kind="essay"), "unknown kind"),
        (GOOD_SINGLE._replace(roles=("safety_officer", "owner")), "unknown roles"),
        (GOOD_SINGLE._replace(roles=("safety_officer", "safety_officer")), "repeated role"),
        (GOOD_SINGLE._replace(equipment_category="3100"), "unknown equipment category"),
        (GOOD_SINGLE._replace(citation=""), "empty citation"),
        (GOOD_SINGLE._replace(citation="  "), "empty citation"),
        (GOOD_SINGLE._replace(citation="依据" * 101), "citation longer than"),
        (GOOD_SINGLE._replace(text=""), "empty text"),
        (GOOD_SINGLE._replace(options=("甲", "乙")), "expected 3 to 5"),
        (GOOD_SINGLE._replace(options=("甲", "乙", "甲")), "duplicate option"),
        (GOOD_JUDGE._replace(options=("对", "错")), "judge options"),
        (GOOD_SINGLE._replace(code=""), "empty code"),
        (GOOD_SINGLE._replace(code="x" * 41), "code longer than"),
    ],
)
def test_validate_bank_catches(bad, expected):
    problems = validate_bank([bad])
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_validate_bank_catches_a_duplicate_code():
    problems = validate_bank([GOOD_SINGLE, GOOD_JUDGE._replace(code=GOOD_SINGLE.code)])
    assert problems == ["t-single: duplicate code"]


def test_validate_bank_names_the_question():
    assert validate_bank([GOOD_SINGLE._replace(citation="")]) == ["t-single: empty citation"]
