"""Pure tests of the reference tables; no database."""

from collections import Counter

import pytest

from shuangfang.orgs.reference import (
    CATALOG,
    CERTIFICATE_ITEMS,
    INDUSTRIES,
    RegionRow,
    iter_regions,
    region_prefix,
)

REGIONS: tuple[RegionRow, ...] = tuple(iter_regions())
REGIONS_BY_CODE = {row.code: row for row in REGIONS}


def children_of(parent_code: str) -> list[RegionRow]:
    return [row for row in REGIONS if row.parent == parent_code]


def assert_parents_first(rows) -> None:
    seen: set[str] = set()
    for row in rows:
        assert row.parent is None or row.parent in seen, f"{row.code} comes before its parent {row.parent}"
        assert row.code not in seen, f"duplicate code {row.code}"
        seen.add(row.code)


# Regions ------------------------------------------------------------------------------------------------------------


def test_region_codes_are_six_digits_and_unique():
    assert all(len(row.code) == 6 and row.code.isdigit() for row in REGIONS)
    assert len(REGIONS_BY_CODE) == len(REGIONS)


def test_region_parents_exist_and_come_first():
    assert_parents_first(REGIONS)


def test_region_counts_are_plausible():
    levels = Counter(row.level for row in REGIONS)
    assert set(levels) == {"province", "city", "county"}
    # 31 mainland provincial units plus Hong Kong, Macau and Taiwan.
    assert levels["province"] == 34
    # About 333 prefecture-level units and 2,840 county-level units in recent GB/T 2260 editions.
    assert 320 <= levels["city"] <= 345
    assert 2_800 <= levels["county"] <= 2_900


def test_every_region_nests_inside_its_parent():
    for row in REGIONS:
        if row.parent is None:
            assert row.level == "province"
            continue
        parent = REGIONS_BY_CODE[row.parent]
        assert row.code.startswith(region_prefix(parent.code, parent.level))
        assert (parent.level, row.level) in {("province", "city"), ("province", "county"), ("city", "county")}


def test_shanxi_and_jincheng():
    assert REGIONS_BY_CODE["140000"] == RegionRow("140000", "山西省", "province", None)
    assert len(children_of("140000")) == 11
    assert all(row.level == "city" for row in children_of("140000"))
    assert REGIONS_BY_CODE["140500"] == RegionRow("140500", "晋城市", "city", "140000")
    assert len(children_of("140500")) == 6
    assert REGIONS_BY_CODE["140525"] == RegionRow("140525", "泽州县", "county", "140500")


@pytest.mark.parametrize("municipality", ["110000", "120000", "310000", "500000"])
def test_municipality_districts_hang_directly_under_the_municipality(municipality):
    children = children_of(municipality)
    assert children
    assert all(row.level == "county" for row in children)


def test_beijing_district_parent_is_beijing():
    assert REGIONS_BY_CODE["110105"] == RegionRow("110105", "朝阳区", "county", "110000")


def test_province_administered_county_hangs_under_the_province():
    assert REGIONS_BY_CODE["419001"] == RegionRow("419001", "济源市", "county", "410000")


def test_taiwan_placeholder_code_is_replaced_by_gbt_2260_code():
    assert REGIONS_BY_CODE["710000"] == RegionRow("710000", "台湾省", "province", None)
    assert REGIONS_BY_CODE["810000"].level == "province"


@pytest.mark.parametrize(
    ("code", "level", "prefix"),
    [("140000", "province", "14"), ("140500", "city", "1405"), ("140525", "county", "140525")],
)
def test_region_prefix(code, level, prefix):
    assert region_prefix(code, level) == prefix


@pytest.mark.parametrize(
    ("code", "level"),
    [("140525", "province"), ("140525", "city"), ("1405", "city"), ("14000x", "province"), ("140000", "town")],
)
def test_region_prefix_rejects_mismatched_input(code, level):
    with pytest.raises(ValueError):
        region_prefix(code, level)


# Catalog ------------------------------------------------------------------------------------------------------------

CATALOG_BY_CODE = {row.code: row for row in CATALOG}


def test_catalog_parents_exist_and_come_first():
    assert_parents_first(CATALOG)
    assert len(CATALOG_BY_CODE) == len(CATALOG)


def test_catalog_levels_follow_the_tree():
    allowed = {(None, "category"), ("category", "class"), ("class", "variety"), ("category", "variety")}
    for row in CATALOG:
        parent_level = CATALOG_BY_CODE[row.parent].level if row.parent else None
        assert (parent_level, row.level) in allowed, row


def test_registrable_categories_are_the_eight_kinds_of_the_law():
    registrable = {row.code for row in CATALOG if row.level == "category" and row.registrable}
    assert registrable == {"1000", "2000", "3000", "4000", "5000", "6000", "8000", "9000"}
    assert {row.code for row in CATALOG if row.level == "category"} == registrable | {"7000", "F000"}


def test_catalog_spot_checks():
    assert CATALOG_BY_CODE["3110"].parent == "3100"
    assert CATALOG_BY_CODE["3110"].name == "曳引驱动乘客电梯"
    assert CATALOG_BY_CODE["2300"].parent == "2000" and CATALOG_BY_CODE["2300"].registrable
    assert CATALOG_BY_CODE["7310"].parent == "F000" and not CATALOG_BY_CODE["7310"].registrable
    assert CATALOG_BY_CODE["7110"] == ("7110", "无缝钢管", "variety", "7100", False)
    assert {row.code for row in CATALOG if row.parent == "F000"} == {"7310", "F220", "F230", "F260"}


def test_registrability_is_inherited():
    for row in CATALOG:
        if row.parent:
            assert row.registrable == CATALOG_BY_CODE[row.parent].registrable, row


# Industries ---------------------------------------------------------------------------------------------------------


def test_industry_sections_and_divisions():
    sections = [row for row in INDUSTRIES if row.parent is None]
    divisions = [row for row in INDUSTRIES if row.parent is not None]
    assert [row.code for row in sections] == list("ABCDEFGHIJKLMNOPQRST")
    assert [row.code for row in divisions] == [f"{number:02d}" for number in range(1, 98)]
    assert_parents_first(INDUSTRIES)


def test_manufacturing_has_divisions_13_to_43():
    manufacturing = [row.code for row in INDUSTRIES if row.parent == "C"]
    assert manufacturing == [str(number) for number in range(13, 44)]
    assert ("C", "制造业", None) in INDUSTRIES


def test_every_section_has_a_division():
    assert {row.parent for row in INDUSTRIES if row.parent} == set("ABCDEFGHIJKLMNOPQRST")


# Certificate items --------------------------------------------------------------------------------------------------


def test_certificate_items():
    codes = [row.code for row in CERTIFICATE_ITEMS]
    expected = ["A", "G1", "G2", "G3", "R1", "R2", "R3", "P", "T", "Q1", "Q2", "S1", "S2", "Y1", "Y2", "N1", "N2", "F"]
    assert sorted(codes) == sorted(expected)
    assert len(set(codes)) == len(codes)


def test_certificate_items_point_at_catalog_categories():
    for row in CERTIFICATE_ITEMS:
        if row.code == "A":
            assert row.equipment_category == ""
        else:
            assert CATALOG_BY_CODE[row.equipment_category].level == "category", row
    by_code = {row.code: row.equipment_category for row in CERTIFICATE_ITEMS}
    assert by_code["P"] == "2000" and by_code["N1"] == "5000" and by_code["S2"] == "9000" and by_code["F"] == "F000"
