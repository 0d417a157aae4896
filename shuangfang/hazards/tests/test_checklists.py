import pytest

from shuangfang.hazards.checklists import (
    CHECKLIST_LIBRARY,
    FAMILIES,
    FAMILY_BASIC,
    FAMILY_ONSITE,
    CheckItemTemplate,
    checklist_for,
    item_by_code,
)
from shuangfang.hazards.rules import CRITERIA_BY_CLAUSE, clause_applies

# One real variety code under each prefix the library uses, to ask rules.clause_applies about a 4-character code.
REPRESENTATIVE_CODE = {
    "1000": "1100",
    "1100": "1100",
    "1200": "1200",
    "2000": "2150",
    "2100": "2150",
    "2200": "2220",
    "2300": "2310",
    "2400": "2410",
    "3000": "3110",
    "3100": "3110",
    "3200": "3210",
    "3300": "3310",
    "3400": "3420",
    "4000": "4110",
    "4100": "4110",
    "4200": "4210",
    "4700": "4710",
    "4900": "4900",
    "5000": "5110",
    "5100": "5110",
    "5200": "5200",
    "6000": "6100",
    "8000": "8310",
    "8100": "8100",
    "9000": "9110",
}
REGISTRABLE_CATEGORY_SAMPLES = ("1100", "2150", "2310", "3110", "3310", "4110", "5110", "6100", "8310", "9110")


def test_codes_are_unique():
    codes = [item.code for item in CHECKLIST_LIBRARY]
    assert len(codes) == len(set(codes))


def test_families_are_valid():
    assert {item.family for item in CHECKLIST_LIBRARY} == set(FAMILIES)


def test_every_prefix_has_a_representative_code():
    prefixes = {prefix for item in CHECKLIST_LIBRARY for prefix in item.catalog_prefixes}
    assert prefixes <= REPRESENTATIVE_CODE.keys()
    for prefix, code in REPRESENTATIVE_CODE.items():
        assert code.startswith(prefix.rstrip("0")), prefix


@pytest.mark.parametrize("item", [i for i in CHECKLIST_LIBRARY if i.gb45067_clause], ids=lambda item: item.code)
def test_linked_clause_exists_and_applies_to_every_prefix(item):
    assert item.gb45067_clause in CRITERIA_BY_CLAUSE
    for prefix in item.catalog_prefixes:
        assert clause_applies(item.gb45067_clause, REPRESENTATIVE_CODE[prefix]), (item.code, prefix)


def test_basic_items_link_no_inspection_clause():
    # Inspection failures are judged from inspection records, never from a checklist answer.
    assert all(item.gb45067_clause is None for item in CHECKLIST_LIBRARY if item.family == FAMILY_BASIC)


@pytest.mark.parametrize("category", REGISTRABLE_CATEGORY_SAMPLES)
def test_every_registrable_category_gets_basic_and_onsite_items(category):
    items = checklist_for(category)
    families = [item.family for item in items]
    assert families.count(FAMILY_BASIC) >= 5
    assert families.count(FAMILY_ONSITE) >= 3
    assert {"BAS-REGISTRATION", "BAS-INSPECTION-VALID", "BAS-TECHNICAL-FILE"} <= {item.code for item in items}


@pytest.mark.parametrize("category", REGISTRABLE_CATEGORY_SAMPLES)
def test_basic_items_come_before_onsite_items(category):
    families = [item.family for item in checklist_for(category)]
    assert families == sorted(families, key=FAMILIES.index)


def test_elevator_checklist_links_door_lock_circuit_to_4_6b():
    codes = {item.code: item for item in checklist_for("3110")}
    assert codes["ELV-DOOR-LOCK-CIRCUIT"].gb45067_clause == "4.6b"
    assert "BAS-ELEVATOR-MAINTENANCE-CONTRACT" in codes
    assert "ESC-EMERGENCY-STOP" not in codes


def test_escalator_checklist_has_its_own_items_and_not_the_door_lock():
    items = checklist_for("3310")
    codes = {item.code for item in items}
    assert "ELV-DOOR-LOCK-CIRCUIT" not in codes
    assert all(item.gb45067_clause != "4.6b" for item in items)
    assert {"ESC-EMERGENCY-STOP", "ESC-HANDRAIL-CLEARANCE"} <= codes


def test_prefix_semantics_follow_trailing_zeros():
    outdoor = {item.code for item in checklist_for("4210")}
    tower = {item.code for item in checklist_for("4310")}
    assert "CRN-WIND-ANTI-SLIDE" in outdoor
    assert "CRN-WIND-ANTI-SLIDE" not in tower
    assert "VEH-GRADIENT" in {item.code for item in checklist_for("5200")}
    assert "VEH-GRADIENT" not in {item.code for item in checklist_for("5110")}
    assert "BLR-WATER-LEVEL" not in {item.code for item in checklist_for("1200")}


def test_filling_items_reach_cylinders_and_mobile_vessels_only():
    for category in ("2310", "2220"):
        assert "FIL-LICENCE" in {item.code for item in checklist_for(category)}
    assert "FIL-LICENCE" not in {item.code for item in checklist_for("2150")}


def test_codes_of_wrong_length_match_nothing():
    assert checklist_for("31") == []
    assert checklist_for("31100") == []


def test_item_by_code():
    assert item_by_code("BAS-REGISTRATION").family == FAMILY_BASIC
    with pytest.raises(LookupError):
        item_by_code("NO-SUCH-ITEM")


def test_item_rejects_unknown_family():
    with pytest.raises(ValueError, match="family"):
        CheckItemTemplate("X", "elsewhere", ("1000",), "检查", "合格", None, "引用")


def test_items_carry_text_standard_and_citation():
    for item in CHECKLIST_LIBRARY:
        assert item.text and item.standard and item.citation, item.code
