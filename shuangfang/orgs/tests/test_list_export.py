"""The units list's .xlsx export: exactly the organizations the list shows with the same filters and scope, with
their count of equipment in use, formula text neutralised, one query however many rows."""

import io

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shuangfang.core.testing import CastTestCase, make_equipment, make_organization
from shuangfang.core.xlsx import neutralise
from shuangfang.orgs.models import Industry, Organization
from shuangfang.supervision.models import Grid


def rows_of(response) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(min_row=2, values_only=True))


class OrganizationListExportTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.division = Industry.objects.filter(parent__isnull=False).order_by("code").first()
        Organization.objects.filter(pk=cls.unit_a.pk).update(industry=cls.division, small_micro=True)
        make_equipment(cls.unit_a, "31101401012020A0002")
        make_equipment(cls.unit_a, "31101401012020A0003", status="scrapped")
        cls.formula = make_organization("=cmd|' /C calc'!A0", "use_unit", cls.ZEZHOU, seed=41)
        cls.grid = Grid.objects.create(organization=cls.county, region_id=cls.ZEZHOU, name="网格一")
        cls.grid.units.add(cls.unit_c)

    def export(self, user, params=None):
        response = self.web(user).get(reverse("orgs:export"), params or {})
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        return rows_of(response)

    def names(self, user, params=None) -> set[str]:
        return {row[1] for row in self.export(user, params)}

    def test_the_list_and_the_export_hold_the_same_units(self):
        params = {"kind": "use_unit"}
        page = self.web(self.city_inspector).get(reverse("orgs:list"), params)
        shown = {neutralise(organization.name) for organization in page.context["page"].object_list}
        self.assertEqual(self.names(self.city_inspector, params), shown)
        self.assertIn("乙单位", shown)

    def test_a_county_never_sees_a_sibling_countys_units(self):
        for params in ({}, {"kind": "use_unit"}, {"region": self.YANGCHENG}, {"q": "乙单位"}):
            self.assertNotIn("乙单位", self.names(self.county_inspector, params), params)
        names = self.names(self.sibling_inspector, {"kind": "use_unit"})
        self.assertEqual(names, {"乙单位"})
        self.assertEqual(self.names(self.sibling_inspector, {"region": self.ZEZHOU, "kind": "use_unit"}), set())

    def test_filters(self):
        self.assertEqual(self.names(self.county_inspector, {"grid": self.grid.pk}), {"丙单位"})
        self.assertEqual(self.names(self.county_inspector, {"industry": self.division.parent_id}), {"甲单位"})
        self.assertEqual(self.names(self.county_inspector, {"small_micro": "true"}), {"甲单位"})

    def test_row_contents_and_formula_neutralised(self):
        rows = {row[1]: row for row in self.export(self.county_inspector, {"kind": "use_unit"})}
        unit_a = rows["甲单位"]
        self.assertEqual(unit_a[2], self.unit_a.uscc)
        self.assertEqual(unit_a[3], "使用单位")
        self.assertEqual(unit_a[4], self.ZEZHOU)
        self.assertEqual(unit_a[6], self.division.code)
        self.assertEqual(unit_a[8], "是")
        self.assertEqual(unit_a[9], 2)  # the cast's one and A0002; the scrapped one is not in use
        self.assertEqual(rows["丙单位"][9], 1)
        self.assertIn("'=cmd|' /C calc'!A0", rows)

    def test_the_list_links_to_the_export_with_its_query(self):
        response = self.web(self.county_inspector).get(reverse("orgs:list"), {"kind": "use_unit", "page": "1"})
        self.assertContains(response, f"{reverse('orgs:export')}?kind=use_unit")

    def test_query_count_does_not_grow_with_rows(self):
        def count():
            with CaptureQueriesContext(connection) as queries:
                self.export(self.county_inspector)
            return len(queries)

        before = count()
        for number in range(20):
            unit = make_organization(f"批量单位{number}", "use_unit", self.ZEZHOU, seed=100 + number)
            make_equipment(unit, f"3110140101202{number:02d}X001")
        self.assertEqual(count(), before)
