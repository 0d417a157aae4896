"""Tests for the risk assessment and grading rules (pure functions, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import product

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from shuangfang.accounts.roles import Role
from shuangfang.risks.rules import (
    CONFIDENCE_LEVELS,
    CONTROL_LEVEL_LABELS,
    CONTROL_LEVELS,
    FACTOR_LABELS,
    FACTOR_NAMES,
    FACTOR_SOURCES,
    FACTOR_TABLES,
    LEC_CONSEQUENCE_SOURCES,
    LEC_CONSEQUENCE_TABLES,
    LEVEL_COLORS,
    LEVEL_LABELS,
    LEVELS,
    METHOD_LABELS,
    METHODS,
    PRINCIPAL_ROLE,
    PROFILES,
    Assessment,
    Band,
    FactorOption,
    InvalidFactors,
    ProvinceProfile,
    assess,
    control_level_at_least,
    control_problems,
    factor_options,
    factor_source,
    grade,
    highest_level,
    level_rank,
    minimum_control_level,
    next_review_on,
    profile,
    validate_factors,
)

SHANXI = profile("shanxi")
VARIANT_B = profile("ls_variant_b")
SHANDONG_C = replace(SHANXI, code="shanxi_shandong_c", lec_consequence_table="shandong")

# Written out independently of the module's tables (R1a–R1d, R2a/R2c, R3).
LEC_L = ("10", "6", "3", "1", "0.5", "0.2", "0.1")
LEC_E = ("10", "6", "3", "2", "1", "0.5")
LEC_C_CLASSICAL = ("100", "40", "15", "7", "3", "1")
LEC_C_SHANDONG = ("100", "40", "15", "7", "2", "1")
LS_L = LS_S = ("5", "4", "3", "2", "1")
MES_M = ("5", "3", "1")
MES_S = ("10", "8", "4", "2", "1")

# R2e, Variant A: rows L = 5..1, columns S = 1..5; M major, S significant, G general, W low.
LS_MATRIX_VARIANT_A = {
    5: ("W", "G", "S", "M", "M"),
    4: ("W", "W", "G", "S", "M"),
    3: ("W", "W", "G", "G", "S"),
    2: ("W", "W", "W", "W", "G"),
    1: ("W", "W", "W", "W", "W"),
}
LETTER_LEVEL = {"M": "major", "S": "significant", "G": "general", "W": "low"}


def lec_expected(d: Fraction) -> str:
    """R1e in the dual-prevention four-level form, lower-inclusive."""
    if d >= 320:
        return "major"
    if d >= 160:
        return "significant"
    if d >= 70:
        return "general"
    return "low"


def mes_expected(r: Fraction) -> str:
    """R3 thresholds, lower-inclusive."""
    if r >= 180:
        return "major"
    if r >= 90:
        return "significant"
    if r >= 50:
        return "general"
    return "low"


def ls_variant_b_expected(r: int) -> str:
    """R2d Variant B: 17–25 major, 11–16 significant, 5–10 general, 1–4 low."""
    if 17 <= r <= 25:
        return "major"
    if 11 <= r <= 16:
        return "significant"
    if 5 <= r <= 10:
        return "general"
    assert 1 <= r <= 4
    return "low"


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


# --- Levels and control levels ------------------------------------------------------------------------------------


def test_levels_labels_and_colours():
    assert LEVELS == ("major", "significant", "general", "low")
    assert {level: str(label) for level, label in LEVEL_LABELS.items()} == {
        "major": "重大风险",
        "significant": "较大风险",
        "general": "一般风险",
        "low": "低风险",
    }
    assert LEVEL_COLORS == {"major": "red", "significant": "orange", "general": "yellow", "low": "blue"}


def test_level_rank_orders_major_highest():
    assert level_rank("major") > level_rank("significant") > level_rank("general") > level_rank("low")
    with pytest.raises(ValueError):
        level_rank("critical")


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([], None),
        ([None, None], None),
        (["low"], "low"),
        (["low", None, "general"], "general"),
        (["general", "major", "significant", None], "major"),
        (iter(["significant", "low"]), "significant"),
    ],
)
def test_highest_level(levels, expected):
    assert highest_level(levels) == expected


def test_highest_level_refuses_an_unknown_level():
    with pytest.raises(ValueError):
        highest_level(["low", "red"])


def test_control_levels_and_labels():
    assert CONTROL_LEVELS == ("company", "department", "workshop", "team", "post")
    assert [str(CONTROL_LEVEL_LABELS[level]) for level in CONTROL_LEVELS] == [
        "公司级",
        "部门级",
        "车间级",
        "班组级",
        "岗位级",
    ]


def test_control_level_at_least_is_the_same_or_higher():
    for actual_index, actual in enumerate(CONTROL_LEVELS):
        for minimum_index, minimum in enumerate(CONTROL_LEVELS):
            assert control_level_at_least(actual, minimum) is (actual_index <= minimum_index)
    assert control_level_at_least("company", "post")
    assert not control_level_at_least("team", "workshop")
    with pytest.raises(ValueError):
        control_level_at_least("factory", "post")


# --- Factor tables ------------------------------------------------------------------------------------------------


def values(options) -> tuple[str, ...]:
    return tuple(format(option.value, "f") for option in options)


def test_factor_tables_hold_the_reference_values():
    assert METHODS == ("lec", "ls", "mes")
    assert FACTOR_NAMES == {"lec": ("L", "E", "C"), "ls": ("L", "S"), "mes": ("M", "E", "S")}
    assert values(FACTOR_TABLES["lec"]["L"]) == LEC_L
    assert values(FACTOR_TABLES["lec"]["E"]) == LEC_E
    assert values(FACTOR_TABLES["lec"]["C"]) == LEC_C_CLASSICAL
    assert values(LEC_CONSEQUENCE_TABLES["shandong"]) == LEC_C_SHANDONG
    assert values(FACTOR_TABLES["ls"]["L"]) == LS_L
    assert values(FACTOR_TABLES["ls"]["S"]) == LS_S
    assert values(FACTOR_TABLES["mes"]["M"]) == MES_M
    assert values(FACTOR_TABLES["mes"]["E"]) == LEC_E
    assert values(FACTOR_TABLES["mes"]["S"]) == MES_S


def every_table():
    for method, tables in FACTOR_TABLES.items():
        yield from ((f"{method}.{factor}", table) for factor, table in tables.items())
    yield from ((f"lec.C.{style}", table) for style, table in LEC_CONSEQUENCE_TABLES.items())


@pytest.mark.parametrize(("name", "table"), list(every_table()))
def test_each_table_decreases_strictly_with_decimal_values_and_labels(name, table):
    assert all(isinstance(option, FactorOption) for option in table)
    assert all(isinstance(option.value, Decimal) for option in table)
    assert all(str(option.label).strip() for option in table)
    assert all(higher.value > lower.value for higher, lower in zip(table, table[1:], strict=False))


def test_each_table_has_a_citation_a_confidence_and_a_label():
    for method, factors in FACTOR_NAMES.items():
        assert str(METHOD_LABELS[method])
        for factor in factors:
            source = FACTOR_SOURCES[method][factor]
            assert source.citation and source.confidence in CONFIDENCE_LEVELS
            assert str(FACTOR_LABELS[method][factor]).endswith(f"（{factor}）")
    for source in LEC_CONSEQUENCE_SOURCES.values():
        assert source.citation and source.confidence in CONFIDENCE_LEVELS
    for each in PROFILES.values():
        assert each.citation
        assert set(each.band_sources) == set(METHODS)
        assert all(source.confidence in CONFIDENCE_LEVELS for source in each.band_sources.values())
    assert SHANXI.band_sources["mes"].confidence == "unverified"


def test_factor_options_follow_the_profile_consequence_table():
    assert factor_options("lec", "C") is FACTOR_TABLES["lec"]["C"]
    assert values(factor_options("lec", "C", SHANDONG_C)) == LEC_C_SHANDONG
    assert factor_source("lec", "C", SHANDONG_C) is LEC_CONSEQUENCE_SOURCES["shandong"]
    assert factor_options("lec", "L", SHANDONG_C) is FACTOR_TABLES["lec"]["L"]
    with pytest.raises(ValueError):
        factor_options("lec", "S")
    with pytest.raises(ValueError):
        factor_options("hazop", "L")


# --- Profiles -----------------------------------------------------------------------------------------------------


def test_default_profile_is_shanxi_and_unknown_codes_are_refused():
    assert profile() is SHANXI
    assert SHANXI.code == "shanxi"
    assert str(SHANXI.name) == "山西省"
    assert SHANXI.lec_consequence_table == "classical"
    assert set(PROFILES) == {"shanxi", "ls_variant_b"}
    with pytest.raises(ValueError):
        profile("beijing")


def test_shanxi_bands_minimum_control_levels_and_review_periods():
    lowers = {method: [(band.level, band.lower) for band in bands] for method, bands in SHANXI.bands.items()}
    assert lowers == {
        "lec": [("major", 320), ("significant", 160), ("general", 70), ("low", 0)],
        "ls": [("major", 20), ("significant", 15), ("general", 9), ("low", 0)],
        "mes": [("major", 180), ("significant", 90), ("general", 50), ("low", 0)],
    }
    assert dict(SHANXI.minimum_control_level) == {
        "major": "company",
        "significant": "department",
        "general": "workshop",
        "low": "post",
    }
    assert dict(SHANXI.review_months) == {"major": 3, "significant": 6, "general": 12, "low": 12}


def test_variant_b_profile_differs_only_in_the_ls_bands():
    assert [band.lower for band in VARIANT_B.bands["ls"]] == [17, 11, 5, 0]
    assert VARIANT_B.bands["lec"] == SHANXI.bands["lec"]
    assert VARIANT_B.bands["mes"] == SHANXI.bands["mes"]
    assert VARIANT_B.minimum_control_level == SHANXI.minimum_control_level
    assert VARIANT_B.review_months == SHANXI.review_months


def test_a_profile_cannot_be_changed_in_place():
    with pytest.raises(TypeError):
        SHANXI.bands["ls"] = VARIANT_B.bands["ls"]
    with pytest.raises(TypeError):
        SHANXI.review_months["major"] = 1


def bands(*lowers: str) -> tuple[Band, ...]:
    return tuple(Band(level, Decimal(lower)) for level, lower in zip(LEVELS, lowers, strict=True))


@pytest.mark.parametrize(
    "change",
    [
        {"bands": {**SHANXI.bands, "ls": bands("20", "9", "15", "0")}},  # not decreasing
        {"bands": {**SHANXI.bands, "ls": bands("20", "15", "9", "1")}},  # does not start at 0
        {"bands": {**SHANXI.bands, "ls": bands("20", "15", "0", "0")}},  # an empty band
        {"bands": {**SHANXI.bands, "ls": (Band("major", Decimal(20)), Band("low", Decimal(0)))}},  # levels missing
        {"bands": {**SHANXI.bands, "ls": tuple(Band(b.level, int(b.lower)) for b in SHANXI.bands["ls"])}},
        {"bands": {"lec": SHANXI.bands["lec"], "ls": SHANXI.bands["ls"]}},  # a method without bands
        {"lec_consequence_table": "sichuan"},
        {"minimum_control_level": {**SHANXI.minimum_control_level, "low": "desk"}},
        {"minimum_control_level": {"major": "company"}},
        {"review_months": {**SHANXI.review_months, "low": 0}},
        {"review_months": {"major": 3}},
        {"band_sources": {**SHANXI.band_sources, "hazop": SHANXI.band_sources["ls"]}},
    ],
)
def test_an_inconsistent_profile_is_refused(change):
    with pytest.raises(ValueError):
        replace(SHANXI, **change)


def test_a_profile_with_other_values_is_accepted():
    other = ProvinceProfile(
        code="test",
        name="试验",
        bands={"lec": bands("400", "200", "100", "0"), "ls": bands("16", "10", "6", "0"), "mes": SHANXI.bands["mes"]},
        lec_consequence_table="shandong",
        minimum_control_level={"major": "company", "significant": "company", "general": "department", "low": "team"},
        review_months={"major": 1, "significant": 3, "general": 6, "low": 24},
        citation="试验用",
    )
    assert grade("ls", Decimal(10), other) == "significant"
    assert minimum_control_level("significant", other) == "company"
    assert next_review_on("low", date(2025, 1, 1), other) == date(2027, 1, 1)


# --- Grading: every combination -----------------------------------------------------------------------------------


def test_ls_matrix_variant_a_cell_by_cell():
    cells = 0
    for likelihood, row in LS_MATRIX_VARIANT_A.items():
        for severity, letter in zip((1, 2, 3, 4, 5), row, strict=True):
            assessment = assess("ls", {"L": likelihood, "S": severity})
            assert assessment.score == likelihood * severity
            assert assessment.level == LETTER_LEVEL[letter], (likelihood, severity)
            cells += 1
    assert cells == 25


def test_ls_matrix_variant_b_changes_exactly_the_cells_whose_band_moved():
    changed = {}
    for likelihood, severity in product(range(1, 6), repeat=2):
        under_a = assess("ls", {"L": likelihood, "S": severity}, SHANXI).level
        under_b = assess("ls", {"L": likelihood, "S": severity}, VARIANT_B).level
        assert under_b == ls_variant_b_expected(likelihood * severity)
        if under_a != under_b:
            changed[(likelihood, severity)] = under_b
    # The R2e note lists (1,5) 5, (2,3) 6, (2,4) 8, (3,2) 6, (3,4) 12, (4,2) 8 and (4,3) 12. It also lists (2,5) and
    # (5,2) = 10, which are 一般 under both variants, and leaves out (5,1) = 5, which moves from 低 to 一般 like (1,5).
    assert changed == {
        (1, 5): "general",
        (5, 1): "general",
        (2, 3): "general",
        (3, 2): "general",
        (2, 4): "general",
        (4, 2): "general",
        (3, 4): "significant",
        (4, 3): "significant",
    }
    assert assess("ls", {"L": 2, "S": 5}, SHANXI).level == assess("ls", {"L": 2, "S": 5}, VARIANT_B).level == "general"


@pytest.mark.parametrize(("consequences", "chosen"), [(LEC_C_CLASSICAL, SHANXI), (LEC_C_SHANDONG, SHANDONG_C)])
def test_every_lec_combination_lands_in_the_band_of_its_score(consequences, chosen):
    combinations = list(product(LEC_L, LEC_E, consequences))
    assert len(combinations) == 7 * 6 * 6 == 252
    seen_levels = set()
    for likelihood, exposure, consequence in combinations:
        d = Fraction(likelihood) * Fraction(exposure) * Fraction(consequence)
        assessment = assess("lec", {"L": likelihood, "E": exposure, "C": consequence}, chosen)
        assert Fraction(assessment.score) == d
        assert assessment.level == lec_expected(d), (likelihood, exposure, consequence)
        assert assessment.color == LEVEL_COLORS[assessment.level]
        seen_levels.add(assessment.level)
    assert seen_levels == set(LEVELS)


def test_every_mes_combination_lands_in_the_band_of_its_score():
    combinations = list(product(MES_M, LEC_E, MES_S))
    assert len(combinations) == 90
    for measures, exposure, severity in combinations:
        r = Fraction(measures) * Fraction(exposure) * Fraction(severity)
        assessment = assess("mes", {"M": measures, "E": exposure, "S": severity})
        assert Fraction(assessment.score) == r
        assert assessment.level == mes_expected(r), (measures, exposure, severity)


@pytest.mark.parametrize(
    ("factors", "score", "level"),
    [
        ({"L": 10, "E": 1, "C": 7}, "70.00", "general"),  # D = 70 is reachable and counts as 一般
        ({"L": "0.5", "E": 1, "C": 40}, "20.00", "low"),  # D = 20, the classical D/E boundary, is 低 either way
        ({"L": 6, "E": 6, "C": 15}, "540.00", "major"),
        ({"L": 3, "E": 6, "C": 15}, "270.00", "significant"),
        ({"L": "0.1", "E": "0.5", "C": 1}, "0.05", "low"),  # the smallest product keeps its two decimals
    ],
)
def test_lec_examples(factors, score, level):
    assessment = assess("lec", factors)
    assert isinstance(assessment, Assessment)
    assert str(assessment.score) == score
    assert assessment.level == level
    assert str(assessment.level_label) == str(LEVEL_LABELS[level])


# --- Grading: raw scores at every boundary ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "chosen", "score", "level"),
    [
        ("lec", SHANXI, "100000", "major"),
        ("lec", SHANXI, "320", "major"),
        ("lec", SHANXI, "319.99", "significant"),
        ("lec", SHANXI, "160", "significant"),
        ("lec", SHANXI, "159.99", "general"),
        ("lec", SHANXI, "70", "general"),
        ("lec", SHANXI, "69.99", "low"),
        ("lec", SHANXI, "0", "low"),
        ("ls", SHANXI, "25", "major"),
        ("ls", SHANXI, "20", "major"),
        ("ls", SHANXI, "19", "significant"),
        ("ls", SHANXI, "16", "significant"),
        ("ls", SHANXI, "15", "significant"),
        ("ls", SHANXI, "14", "general"),
        ("ls", SHANXI, "12", "general"),
        ("ls", SHANXI, "9", "general"),
        ("ls", SHANXI, "8", "low"),
        ("ls", SHANXI, "1", "low"),
        ("mes", SHANXI, "500", "major"),
        ("mes", SHANXI, "180", "major"),
        ("mes", SHANXI, "179.99", "significant"),
        ("mes", SHANXI, "90", "significant"),
        ("mes", SHANXI, "89.99", "general"),
        ("mes", SHANXI, "50", "general"),
        ("mes", SHANXI, "49.99", "low"),
        ("mes", SHANXI, "0.5", "low"),
        ("ls", VARIANT_B, "17", "major"),
        ("ls", VARIANT_B, "16", "significant"),
        ("ls", VARIANT_B, "11", "significant"),
        ("ls", VARIANT_B, "10", "general"),
        ("ls", VARIANT_B, "5", "general"),
        ("ls", VARIANT_B, "4", "low"),
        ("lec", VARIANT_B, "70", "general"),
        ("lec", VARIANT_B, "69.99", "low"),
    ],
)
def test_grade_on_both_sides_of_every_bound(method, chosen, score, level):
    assert grade(method, Decimal(score), chosen) == level


def test_grade_defaults_to_shanxi_and_takes_integers():
    assert grade("ls", 15) == "significant"
    assert grade("ls", 15, VARIANT_B) == "significant"
    assert grade("ls", 12) == "general"
    assert grade("ls", 12, VARIANT_B) == "significant"


@pytest.mark.parametrize("score", [Decimal("-0.01"), Decimal("NaN"), Decimal("Infinity"), 12.5, "12", True, None])
def test_grade_refuses_what_is_not_a_score(score):
    with pytest.raises(ValueError):
        grade("ls", score)


def test_grade_refuses_an_unknown_method():
    with pytest.raises(ValueError):
        grade("hazop", Decimal(10))


# --- Monotonicity -------------------------------------------------------------------------------------------------

TABLE_CHOICES = {
    (method, chosen.code): {factor: values(factor_options(method, factor, chosen)) for factor in FACTOR_NAMES[method]}
    for method in METHODS
    for chosen in (SHANXI, VARIANT_B, SHANDONG_C)
}
PROFILE_BY_CODE = {chosen.code: chosen for chosen in (SHANXI, VARIANT_B, SHANDONG_C)}


@st.composite
def a_raise(draw):
    """A method, a profile, factors from the tables, and one factor raised to a higher allowed value."""
    method, code = draw(st.sampled_from(sorted(TABLE_CHOICES)))
    tables = TABLE_CHOICES[(method, code)]
    factors = {factor: draw(st.sampled_from(table[1:])) for factor, table in tables.items()}  # room to raise
    raised_factor = draw(st.sampled_from(sorted(tables)))
    higher = [value for value in tables[raised_factor] if Decimal(value) > Decimal(factors[raised_factor])]
    raised = {**factors, raised_factor: draw(st.sampled_from(higher))}
    return method, PROFILE_BY_CODE[code], factors, raised


@given(a_raise())
def test_raising_one_factor_never_lowers_the_level(case):
    method, chosen, factors, raised = case
    before = assess(method, factors, chosen)
    after = assess(method, raised, chosen)
    assert after.score > before.score
    assert level_rank(after.level) >= level_rank(before.level)


# --- Validation ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given_factors",
    [
        {"L": 6, "E": 3, "C": 15},
        {"L": 6.0, "E": 3.0, "C": 15.0},
        {"L": Decimal("6"), "E": Decimal("3.0"), "C": Decimal("15")},
        {"L": "6", "E": " 3 ", "C": "15.00"},
    ],
)
def test_validate_accepts_numbers_in_every_form_and_returns_table_decimals(given_factors):
    cleaned = validate_factors("lec", given_factors)
    assert cleaned == {"L": Decimal(6), "E": Decimal(3), "C": Decimal(15)}
    assert list(cleaned) == ["L", "E", "C"]
    assert all(type(value) is Decimal for value in cleaned.values())


def test_validate_matches_fractional_values_exactly():
    assert validate_factors("lec", {"L": 0.1, "E": 0.5, "C": 1}) == {
        "L": Decimal("0.1"),
        "E": Decimal("0.5"),
        "C": Decimal(1),
    }
    assert validate_factors("lec", {"L": "0.20", "E": "0.5", "C": "1"})["L"] == Decimal("0.2")
    with pytest.raises(InvalidFactors) as refused:
        validate_factors("lec", {"L": "0.25", "E": 0.5, "C": 1})
    assert set(refused.value.errors) == {"L"}


def test_a_value_outside_the_table_is_refused_with_the_allowed_values():
    with pytest.raises(InvalidFactors) as refused:
        validate_factors("lec", {"L": 4, "E": 6, "C": 15})
    assert refused.value.errors == {"L": "L 的取值须为 10、6、3、1、0.5、0.2、0.1 之一"}
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize(
    ("method", "factors", "factor", "message"),
    [
        ("ls", {"L": 6, "S": 3}, "L", "L 的取值须为 5、4、3、2、1 之一"),
        ("ls", {"L": 3, "S": 0}, "S", "S 的取值须为 5、4、3、2、1 之一"),
        ("mes", {"M": 2, "E": 6, "S": 4}, "M", "M 的取值须为 5、3、1 之一"),
        ("mes", {"M": 3, "E": 4, "S": 4}, "E", "E 的取值须为 10、6、3、2、1、0.5 之一"),
        ("mes", {"M": 3, "E": 6, "S": 3}, "S", "S 的取值须为 10、8、4、2、1 之一"),
        ("lec", {"L": 6, "E": 6, "C": 2}, "C", "C 的取值须为 100、40、15、7、3、1 之一"),
    ],
)
def test_each_table_refuses_values_it_does_not_hold(method, factors, factor, message):
    with pytest.raises(InvalidFactors) as refused:
        validate_factors(method, factors)
    assert refused.value.errors == {factor: message}


def test_the_shandong_consequence_table_takes_2_instead_of_3():
    assert validate_factors("lec", {"L": 6, "E": 6, "C": 2}, SHANDONG_C)["C"] == Decimal(2)
    with pytest.raises(InvalidFactors) as refused:
        validate_factors("lec", {"L": 6, "E": 6, "C": 3}, SHANDONG_C)
    assert refused.value.errors == {"C": "C 的取值须为 100、40、15、7、2、1 之一"}


@pytest.mark.parametrize("value", [True, False, "abc", "", "NaN", "sNaN", "Infinity", [6], {"value": 6}, object()])
def test_values_that_are_not_numbers_are_refused(value):
    with pytest.raises(InvalidFactors) as refused:
        validate_factors("ls", {"L": value, "S": 3})
    assert set(refused.value.errors) == {"L"}
    assert "5、4、3、2、1" in refused.value.errors["L"]


def test_missing_blank_and_extra_factors_are_refused_together():
    with pytest.raises(InvalidFactors) as refused:
        validate_factors("lec", {"L": 6, "E": None, "S": 3, "X": 1})
    assert refused.value.errors == {
        "E": "须填写 E 的取值（10、6、3、2、1、0.5 之一）",
        "C": "须填写 C 的取值（100、40、15、7、3、1 之一）",
        "S": "LEC 法没有因素 S，只用 L、E、C",
        "X": "LEC 法没有因素 X，只用 L、E、C",
    }
    with pytest.raises(InvalidFactors) as refused:
        validate_factors("ls", {"L": "  ", "S": 2})
    assert refused.value.errors == {"L": "须填写 L 的取值（5、4、3、2、1 之一）"}


def test_factors_that_are_not_a_mapping_are_refused_factor_by_factor():
    with pytest.raises(InvalidFactors) as refused:
        validate_factors("ls", [5, 4])
    assert set(refused.value.errors) == {"L", "S"}


def test_an_unknown_method_is_a_plain_value_error():
    with pytest.raises(ValueError) as refused:
        validate_factors("hazop", {"L": 1})
    assert not isinstance(refused.value, InvalidFactors)
    with pytest.raises(ValueError):
        assess("LEC", {"L": 6, "E": 6, "C": 15})


# --- Control and review -------------------------------------------------------------------------------------------

MAJOR_LEVEL_MESSAGE = (
    "重大风险须由公司级管控（晋市监发〔2022〕116号：重大风险未实施最高管理层级管控的，一律确定为重大事故隐患）"
)
MAJOR_OWNER_MESSAGE = (
    "重大风险须由单位主要负责人作为管控责任人（晋市监发〔2022〕116号：重大风险未实施最高管理层级管控的，"
    "一律确定为重大事故隐患）"
)


def test_the_principal_role_is_the_accounts_role():
    assert PRINCIPAL_ROLE == Role.PRINCIPAL


@pytest.mark.parametrize(
    ("level", "minimum"),
    [("major", "company"), ("significant", "department"), ("general", "workshop"), ("low", "post")],
)
def test_minimum_control_level(level, minimum):
    assert minimum_control_level(level) == minimum
    assert minimum_control_level(level, VARIANT_B) == minimum


def test_minimum_control_level_refuses_an_unknown_level():
    with pytest.raises(ValueError):
        minimum_control_level("red")


def test_a_major_risk_at_company_level_owned_by_the_principal_is_fine():
    assert control_problems("major", "company", ["principal"]) == {}
    assert control_problems("major", "company", [Role.SAFETY_DIRECTOR, Role.PRINCIPAL]) == {}


def test_a_major_risk_below_company_level_and_without_the_principal_gets_both_messages():
    assert control_problems("major", "department", ["safety_director", "safety_officer"]) == {
        "control_level": MAJOR_LEVEL_MESSAGE,
        "owner": MAJOR_OWNER_MESSAGE,
    }


def test_a_major_risk_needs_company_level_even_with_the_principal():
    assert control_problems("major", "workshop", ["principal"]) == {"control_level": MAJOR_LEVEL_MESSAGE}
    assert control_problems("major", None, ["principal"]) == {"control_level": MAJOR_LEVEL_MESSAGE}


def test_a_major_risk_needs_the_principal_even_at_company_level():
    assert control_problems("major", "company", ["safety_director"]) == {"owner": MAJOR_OWNER_MESSAGE}
    assert control_problems("major", "company", []) == {"owner": MAJOR_OWNER_MESSAGE}


@pytest.mark.parametrize(
    ("level", "control_level", "message"),
    [
        ("significant", "workshop", "较大风险的管控层级不得低于部门级"),
        ("significant", "post", "较大风险的管控层级不得低于部门级"),
        ("general", "team", "一般风险的管控层级不得低于车间级"),
        ("general", "", "一般风险的管控层级不得低于车间级"),
        ("low", None, "低风险的管控层级不得低于岗位级"),
    ],
)
def test_lower_levels_below_the_minimum_name_the_minimum(level, control_level, message):
    assert control_problems(level, control_level, ["safety_officer"]) == {"control_level": message}


@pytest.mark.parametrize(
    ("level", "control_level"),
    [
        ("significant", "department"),
        ("significant", "company"),
        ("general", "workshop"),
        ("general", "department"),
        ("low", "post"),
        ("low", "team"),
        ("low", "company"),
    ],
)
def test_lower_levels_at_or_above_the_minimum_are_fine_with_any_owner(level, control_level):
    assert control_problems(level, control_level, ["operator"]) == {}
    assert control_problems(level, control_level, []) == {}


def test_control_problems_refuse_unknown_levels():
    with pytest.raises(ValueError):
        control_problems("red", "company", ["principal"])
    with pytest.raises(ValueError):
        control_problems("low", "desk", [])


@pytest.mark.parametrize(
    ("level", "reviewed_on", "next_on"),
    [
        ("major", date(2025, 1, 15), date(2025, 4, 15)),
        ("major", date(2024, 11, 30), date(2025, 2, 28)),  # the month's end is kept within February
        ("significant", date(2025, 1, 15), date(2025, 7, 15)),
        ("significant", date(2023, 8, 31), date(2024, 2, 29)),
        ("general", date(2025, 1, 15), date(2026, 1, 15)),
        ("low", date(2024, 2, 29), date(2025, 2, 28)),
    ],
)
def test_next_review_on_by_level(level, reviewed_on, next_on):
    assert next_review_on(level, reviewed_on) == next_on


def test_next_review_on_refuses_an_unknown_level():
    with pytest.raises(ValueError):
        next_review_on("red", date(2025, 1, 1))
