"""Pure tests of the shipped risk template library; no database.

The grading below is computed here on purpose (Shanxi default bands: LS R = L×S, 重大 ≥ 20, 较大 ≥ 15, 一般 ≥ 9;
LEC D = L×E×C, 重大 ≥ 320, 较大 ≥ 160, 一般 ≥ 70), so that the library is checked independently of the
assessment rules module.
"""

import re
from collections import Counter
from decimal import Decimal

import pytest

from shuangfang.orgs.reference import CATALOG
from shuangfang.risks.library import (
    ACCIDENT_TYPE_NAMES,
    ACCIDENT_TYPES,
    MEASURE_KIND_LABELS,
    MEASURE_KINDS,
    RISK_TEMPLATES,
    MeasureTemplate,
    RiskTemplate,
    template_by_code,
    templates_for,
)

# -- the method tables, written out independently -------------------------------------------------------------------

LS_VALUES = {"L": {1, 2, 3, 4, 5}, "S": {1, 2, 3, 4, 5}}
LEC_VALUES = {
    "L": {10, 6, 3, 1, "0.5", "0.2", "0.1"},
    "E": {10, 6, 3, 2, 1, "0.5"},
    "C": {100, 40, 15, 7, 3, 1},
}
LS_BANDS = ((20, "major"), (15, "significant"), (9, "general"))
LEC_BANDS = ((320, "major"), (160, "significant"), (70, "general"))
LEVEL_RANK = {"low": 0, "general": 1, "significant": 2, "major": 3}

GB45067_CLAUSES = {
    f"{section}{letter}"
    for section, last_letter in (
        ("4.1", "d"),
        ("4.2", "g"),
        ("4.3", "f"),
        ("4.4", "b"),
        ("4.5", "c"),
        ("4.6", "e"),
        ("4.7", "e"),
        ("4.8", "e"),
        ("4.9", "e"),
        ("4.10", "e"),
    )
    for letter in "abcdefg"[: "abcdefg".index(last_letter) + 1]
}

# The registrable categories of the catalog and the GB 45067-2024 clause on a failed periodic inspection of each.
INSPECTION_CLAUSE_BY_CATEGORY = {
    "1000": "4.2a",
    "2000": "4.3a",
    "3000": "4.6a",
    "4000": "4.7b",
    "5000": "4.10a",
    "6000": "4.9a",
    "8000": "4.4a",
    "9000": "4.8a",
}

CATALOG_BY_CODE = {row.code: row for row in CATALOG}
TEMPLATE_IDS = [template.code for template in RISK_TEMPLATES]


def graded_level(template: RiskTemplate) -> str:
    score = Decimal(1)
    for value in template.factors.values():
        score *= Decimal(str(value))
    bands = LS_BANDS if template.method == "ls" else LEC_BANDS
    for lower, level in bands:
        if score >= lower:
            return level
    return "low"


def codes(templates) -> list[str]:
    return [template.code for template in templates]


# -- enumerations ---------------------------------------------------------------------------------------------------


def test_accident_types_are_the_twenty_of_gb_6441():
    assert [code for code, _ in ACCIDENT_TYPES] == [f"{number:02d}" for number in range(1, 21)]
    assert ACCIDENT_TYPES[0] == ("01", "物体打击")
    assert ACCIDENT_TYPES[3] == ("04", "起重伤害")
    assert ACCIDENT_TYPES[15] == ("16", "锅炉爆炸")
    assert ACCIDENT_TYPES[16] == ("17", "容器爆炸")
    assert ACCIDENT_TYPES[18] == ("19", "中毒和窒息")
    assert ACCIDENT_TYPES[19] == ("20", "其它伤害")
    assert dict(ACCIDENT_TYPES) == ACCIDENT_TYPE_NAMES
    assert len(set(ACCIDENT_TYPE_NAMES.values())) == 20


def test_measure_kinds_and_labels():
    assert MEASURE_KINDS == ("engineering", "management", "training", "ppe", "emergency")
    assert MEASURE_KIND_LABELS == {
        "engineering": "工程技术",
        "management": "管理",
        "training": "培训教育",
        "ppe": "个体防护",
        "emergency": "应急处置",
    }


# -- every template ---------------------------------------------------------------------------------------------------


def test_codes_are_unique_and_well_formed():
    duplicates = [code for code, count in Counter(TEMPLATE_IDS).items() if count > 1]
    assert duplicates == []
    for code in TEMPLATE_IDS:
        assert re.fullmatch(r"[A-Z]+(-[A-Z0-9]+)+", code), code
        assert len(code) <= 40, code  # Risk.template_code holds 40 characters


@pytest.mark.parametrize("template", RISK_TEMPLATES, ids=TEMPLATE_IDS)
def test_catalog_prefixes_are_registrable_catalog_codes(template):
    assert template.catalog_prefixes
    assert len(set(template.catalog_prefixes)) == len(template.catalog_prefixes)
    for prefix in template.catalog_prefixes:
        assert prefix in CATALOG_BY_CODE, prefix
        assert CATALOG_BY_CODE[prefix].registrable, prefix
        # No prefix may already be covered by another one of the same template.
        others = [other for other in template.catalog_prefixes if other != prefix]
        assert not any(prefix.startswith(other.rstrip("0")) for other in others), prefix


@pytest.mark.parametrize("template", RISK_TEMPLATES, ids=TEMPLATE_IDS)
def test_point_kind_decides_identification_and_method(template):
    assert template.point_kind in {"equipment", "activity", "site"}
    if template.point_kind == "activity":
        assert (template.identification_method, template.method) == ("jha", "lec")
    else:
        assert (template.identification_method, template.method) == ("scl", "ls")


@pytest.mark.parametrize("template", RISK_TEMPLATES, ids=TEMPLATE_IDS)
def test_factors_are_values_of_the_method_tables(template):
    allowed = LS_VALUES if template.method == "ls" else LEC_VALUES
    assert set(template.factors) == set(allowed)
    for name, value in template.factors.items():
        # Whole numbers are ints, fractions strings ("0.5"): never floats, which would not survive JSON exactly.
        assert type(value) in (int, str), (name, value)
        assert value in allowed[name], (name, value)


@pytest.mark.parametrize("template", RISK_TEMPLATES, ids=TEMPLATE_IDS)
def test_accident_types_are_gb_6441_codes(template):
    assert template.accident_types
    assert len(set(template.accident_types)) == len(template.accident_types)
    assert set(template.accident_types) <= set(ACCIDENT_TYPE_NAMES)


@pytest.mark.parametrize("template", RISK_TEMPLATES, ids=TEMPLATE_IDS)
def test_measures_cover_three_kinds_and_include_a_check_item(template):
    assert 2 <= len(template.measures) <= 6
    assert all(isinstance(measure, MeasureTemplate) for measure in template.measures)
    assert all(measure.kind in MEASURE_KINDS for measure in template.measures)
    assert len({measure.kind for measure in template.measures}) >= 3
    assert any(measure.check for measure in template.measures)
    texts = [measure.text for measure in template.measures]
    assert all(text.strip() for text in texts)
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize("template", RISK_TEMPLATES, ids=TEMPLATE_IDS)
def test_texts_are_filled_in(template):
    for text in (
        template.title,
        template.hazard_source,
        template.consequence,
        template.emergency_actions,
        template.citation,
    ):
        assert text.strip()
        assert "TODO" not in text
    assert len(template.title) <= 100


@pytest.mark.parametrize("template", RISK_TEMPLATES, ids=TEMPLATE_IDS)
def test_gb45067_clauses_exist_and_set_a_grave_minimum(template):
    assert template.minimum_level in {None, "major", "significant", "general", "low"}
    assert set(template.gb45067_clauses) <= GB45067_CLAUSES
    if template.gb45067_clauses:
        assert template.minimum_level in {"major", "significant"}
        # The citation names the standard with each of the clauses, so the list shows where the minimum comes from.
        assert "GB 45067-2024" in template.citation
        for clause in template.gb45067_clauses:
            assert re.search(rf"{re.escape(clause)}(?![a-z0-9])", template.citation), clause
    else:
        assert "GB 45067" not in template.citation


@pytest.mark.parametrize("template", RISK_TEMPLATES, ids=TEMPLATE_IDS)
def test_typical_factors_grade_at_or_above_the_minimum(template):
    if template.minimum_level is not None:
        assert LEVEL_RANK[graded_level(template)] >= LEVEL_RANK[template.minimum_level]


def test_grading_helper_follows_the_bands():
    def fake(method, **factors):
        return RiskTemplate(
            code="X-Y",
            catalog_prefixes=("3000",),
            title="t",
            hazard_source="h",
            consequence="c",
            accident_types=("20",),
            factors=factors,
            measures=(),
            emergency_actions="e",
            citation="c",
            method=method,
        )

    assert graded_level(fake("ls", L=4, S=5)) == "major"
    assert graded_level(fake("ls", L=4, S=4)) == "significant"
    assert graded_level(fake("ls", L=3, S=3)) == "general"
    assert graded_level(fake("ls", L=2, S=4)) == "low"
    assert graded_level(fake("lec", L=10, E=1, C=7)) == "general"  # D = 70 lies on the lower bound
    assert graded_level(fake("lec", L=3, E=6, C=15)) == "significant"
    assert graded_level(fake("lec", L="0.5", E=1, C=40)) == "low"


def test_the_door_lock_bypass_is_a_major_risk():
    door_lock = template_by_code("ELV-DOOR-LOCK")
    assert door_lock.gb45067_clauses == ("4.6b",)
    assert door_lock.minimum_level == "major"
    assert graded_level(door_lock) == "major"
    assert "96333" in door_lock.emergency_actions


def test_clauses_that_describe_a_bypass_or_a_failed_inspection_are_major():
    major_clauses = {"4.6b", "4.8e", *INSPECTION_CLAUSE_BY_CATEGORY.values()}
    for template in RISK_TEMPLATES:
        if major_clauses & set(template.gb45067_clauses):
            assert template.minimum_level == "major", template.code


# -- look-ups ---------------------------------------------------------------------------------------------------------


def test_templates_for_a_passenger_elevator():
    found = codes(templates_for("3110"))
    assert "ELV-DOOR-LOCK" in found
    assert "ELV-INSPECTION-OVERDUE" in found
    assert not [code for code in found if code.startswith("ESC-")]


def test_templates_for_an_escalator():
    found = codes(templates_for("3310"))
    assert {code for code in codes(RISK_TEMPLATES) if code.startswith("ESC-")} <= set(found)
    assert "ELV-DOOR-LOCK" not in found
    assert "ELV-INSPECTION-OVERDUE" in found  # the elevator category's inspection template covers 3300 as well


def test_prefix_semantics_follow_the_catalog_levels():
    # "3000" is a category: only category-wide templates apply to a code that names no class.
    assert {"ELV-INSPECTION-OVERDUE", "ELV-MAINTENANCE-OVERDUE"} == set(codes(templates_for("3000")))
    # A dumbwaiter (3430) is not a passenger or goods lift in GB 45067-2024 4.6b.
    assert "ELV-DOOR-LOCK" not in codes(templates_for("3430"))
    # Parking equipment (4D00) has no hook and no load limiter; construction hoists (4860) no hook.
    assert "CRN-PARKING-SAFETY" in codes(templates_for("4D00"))
    assert "CRN-LOAD-LIMITER" not in codes(templates_for("4D00"))
    assert "CRN-LOAD-LIMITER" in codes(templates_for("4860"))
    assert "CRN-HOOK" not in codes(templates_for("4860"))
    # The water-level template is for steam boilers only.
    assert "BLR-WATER-LEVEL" in codes(templates_for("1100"))
    assert "BLR-WATER-LEVEL" not in codes(templates_for("1310"))
    # Cylinders (2300) are covered by the filling activities, not by the vessel templates.
    assert all(code.startswith("ACT-FILL-") for code in codes(templates_for("2310")))
    assert "PV-SAFETY-VALVE" in codes(templates_for("2150"))


def test_templates_for_keeps_library_order_and_rejects_malformed_codes():
    for category in ("1100", "3110", "4110", "6D10"):
        found = templates_for(category)
        assert found == [template for template in RISK_TEMPLATES if template in found]
        assert found == templates_for(category)
    assert templates_for("") == []
    assert templates_for("3") == []
    assert templates_for("31100") == []


def test_template_by_code():
    assert template_by_code("CRN-LOAD-LIMITER").gb45067_clauses == ("4.7d",)
    with pytest.raises(LookupError, match="NO-SUCH-TEMPLATE"):
        template_by_code("NO-SUCH-TEMPLATE")


# -- coverage of the catalog ------------------------------------------------------------------------------------------


def test_every_registrable_category_has_templates_and_an_inspection_template():
    registrable_categories = {row.code for row in CATALOG if row.level == "category" and row.registrable}
    assert registrable_categories == set(INSPECTION_CLAUSE_BY_CATEGORY)
    for category, clause in INSPECTION_CLAUSE_BY_CATEGORY.items():
        in_category = [
            template
            for template in RISK_TEMPLATES
            if any(prefix[0] == category[0] for prefix in template.catalog_prefixes)
        ]
        assert in_category, category
        inspection = [template for template in in_category if clause in template.gb45067_clauses]
        assert len(inspection) == 1, category
        assert inspection[0].minimum_level == "major"
        assert "检验" in inspection[0].title


def test_every_registrable_catalog_code_gets_templates():
    uncovered = [row.code for row in CATALOG if row.registrable and not templates_for(row.code)]
    # A category code alone (e.g. "1000") gets the category-wide templates. The one exception is "2000": its
    # vessel templates name GB 45067-2024 4.3 clauses, which do not apply to the cylinders (2300) it also spans,
    # so they are attached to the classes 2100, 2200 and 2400 instead.
    assert uncovered == ["2000"]


def test_titles_are_unique_for_each_catalog_code():
    for row in CATALOG:
        titles = [template.title for template in templates_for(row.code)]
        assert len(set(titles)) == len(titles), row.code


# -- counts per family ------------------------------------------------------------------------------------------------


def family(category: str, code_prefix: str) -> list[str]:
    return [code for code in codes(templates_for(category)) if code.startswith(code_prefix)]


@pytest.mark.parametrize(
    ("category", "code_prefix", "minimum", "required"),
    [
        (
            "3110",
            "ELV-",
            8,
            {
                "ELV-DOOR-LOCK",
                "ELV-GOVERNOR-SAFETY-GEAR",
                "ELV-BRAKE",
                "ELV-SUSPENSION-ROPE",
                "ELV-TRAPPED-RESCUE",
                "ELV-MAINTENANCE-OVERDUE",
                "ELV-INSPECTION-OVERDUE",
                "ELV-MACHINE-ROOM",
                "ELV-ALARM-INTERCOM",
            },
        ),
        (
            "3310",
            "ESC-",
            5,
            {"ESC-EMERGENCY-STOP", "ESC-COMB-STEP", "ESC-HANDRAIL", "ESC-SKIRT-GAP", "ESC-HANDRAIL-OBSTACLE"},
        ),
        (
            "4210",
            "CRN-",
            6,
            {
                "CRN-LOAD-LIMITER",
                "CRN-LIMIT-SWITCH",
                "CRN-BRAKE",
                "CRN-WIRE-ROPE",
                "CRN-HOOK",
                "CRN-EMERGENCY-STOP",
                "CRN-WIND-ANTI-SLIP",
            },
        ),
        (
            "1100",
            "BLR-",
            6,
            {
                "BLR-SAFETY-VALVE",
                "BLR-WATER-LEVEL",
                "BLR-FLAME-FAILURE",
                "BLR-PRESSURE-GAUGE",
                "BLR-WATER-TREATMENT",
                "BLR-OPERATOR",
            },
        ),
        (
            "2130",
            "PV-",
            5,
            {"PV-SAFETY-VALVE", "PV-PRESSURE-GAUGE", "PV-QUICK-OPEN-INTERLOCK", "PV-CORROSION", "PV-OVERPRESSURE"},
        ),
        (
            "2310",
            "ACT-FILL-",
            5,
            {
                "ACT-FILL-WRONG-MEDIUM",
                "ACT-FILL-OVERFILL",
                "ACT-FILL-UNQUALIFIED-CYLINDER",
                "ACT-FILL-EMERGENCY-SHUTOFF",
                "ACT-FILL-STATIC-LEAK",
            },
        ),
        (
            "5110",
            "FLT-",
            5,
            {"FLT-BRAKE", "FLT-EMERGENCY-POWER-OFF", "FLT-OVERLOAD", "FLT-DRIVER-CERT", "FLT-VISIBILITY-SPEED"},
        ),
        (
            "6200",
            "RIDE-",
            5,
            {
                "RIDE-RESTRAINT",
                "RIDE-CABIN-DOOR-LOCK",
                "RIDE-BRAKE-LIMIT",
                "RIDE-STRUCTURE-CRACK",
                "RIDE-OPERATOR-EVACUATION",
            },
        ),
    ],
)
def test_family_counts(category, code_prefix, minimum, required):
    found = family(category, code_prefix)
    assert len(found) >= minimum
    assert required <= set(found)


def test_the_clauses_named_for_each_family():
    expected = {
        "ELV-DOOR-LOCK": ("4.6b",),
        "ELV-GOVERNOR-SAFETY-GEAR": ("4.6c",),
        "ESC-EMERGENCY-STOP": ("4.6d",),
        "ESC-HANDRAIL-OBSTACLE": ("4.6e",),
        "CRN-LOAD-LIMITER": ("4.7d",),
        "CRN-EMERGENCY-STOP": ("4.7c",),
        "CRN-WIND-ANTI-SLIP": ("4.7e",),
        "PV-QUICK-OPEN-INTERLOCK": ("4.3d",),
        "ACT-FILL-WRONG-MEDIUM": ("4.5b",),
        "ACT-FILL-EMERGENCY-SHUTOFF": ("4.5c",),
        "FLT-BRAKE": ("4.10c",),
        "FLT-EMERGENCY-POWER-OFF": ("4.10b",),
        "RIDE-RESTRAINT": ("4.9b",),
        "RIDE-CABIN-DOOR-LOCK": ("4.9c",),
        "RIDE-BRAKE-LIMIT": ("4.9d",),
        "RIDE-STRUCTURE-CRACK": ("4.9e",),
    }
    assert {code: template_by_code(code).gb45067_clauses for code in expected} == expected


def test_activity_templates():
    lifting = template_by_code("ACT-LIFTING")
    assert lifting in templates_for("4110")
    assert (lifting.point_kind, lifting.identification_method, lifting.method) == ("activity", "jha", "lec")
    assert "ACT-FORKLIFT-AREA" in codes(templates_for("5110"))
    filling = templates_for("2320")
    assert len(filling) >= 5
    assert all(template.point_kind == "activity" for template in filling)
