"""The hazard board's .xlsx export: exactly the rows the board shows with the same filters and scope, formula text
neutralised, one query however many rows."""

import io
from datetime import timedelta

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.hazards.models import Hazard


def add_hazard(equipment, description, **extra):
    values = {
        "source": "check",
        "found_at": timezone.now(),
        "grade": "general",
        "status": "confirmed",
        "deadline": timezone.localdate() + timedelta(days=5),
    }
    values.update(extra)
    return Hazard.objects.create(
        organization=equipment.organization,
        region_id=equipment.region_id,
        equipment=equipment,
        description=description,
        **values,
    )


def rows_of(response) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(min_row=2, values_only=True))


class HazardBoardExportTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.hazard_a = add_hazard(cls.equipment_a, "甲单位电梯隐患")
        cls.major_a = add_hazard(cls.equipment_a, "甲单位重大隐患", grade="major")
        cls.closed_a = add_hazard(cls.equipment_a, "甲单位已销号隐患", status="closed")
        cls.late_c = add_hazard(cls.equipment_c, "丙单位超期隐患", deadline=timezone.localdate() - timedelta(days=2))
        cls.hazard_b = add_hazard(cls.equipment_b, "乙单位电梯隐患")
        cls.formula = add_hazard(cls.equipment_a, '=HYPERLINK("http://evil","x")')

    def export(self, user, params=None):
        response = self.web(user).get(reverse("hazards:board-export"), params or {})
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        return rows_of(response)

    def descriptions(self, user, params=None) -> set[str]:
        return {row[7] for row in self.export(user, params)}

    def test_without_filters_the_open_hazards_of_the_callers_scope(self):
        expected = {"甲单位电梯隐患", "甲单位重大隐患", '\'=HYPERLINK("http://evil","x")'}
        self.assertEqual(self.descriptions(self.owner), expected)
        self.assertEqual(self.descriptions(self.county_inspector), expected | {"丙单位超期隐患"})
        self.assertEqual(self.descriptions(self.sibling_inspector), {"乙单位电梯隐患"})
        self.assertEqual(self.descriptions(self.other_city_inspector), set())

    def test_the_boards_filters_apply(self):
        self.assertEqual(
            self.descriptions(self.county_inspector, {"grade": "major", "is_open": "true"}), {"甲单位重大隐患"}
        )
        self.assertEqual(self.descriptions(self.county_inspector, {"status": "closed"}), {"甲单位已销号隐患"})
        self.assertEqual(self.descriptions(self.city_inspector, {"overdue": "true"}), {"丙单位超期隐患"})
        self.assertEqual(
            self.descriptions(self.city_inspector, {"region": self.YANGCHENG, "is_open": "true"}), {"乙单位电梯隐患"}
        )
        self.assertEqual(self.descriptions(self.city_inspector, {"q": "丙单位"}), {"丙单位超期隐患"})

    def test_another_county_never_appears_even_when_named(self):
        for params in ({"region": self.ZEZHOU}, {"organization": self.unit_a.pk}, {"equipment": self.equipment_a.pk}):
            rows = self.export(self.sibling_inspector, params)
            self.assertEqual(rows, [], params)
        rows = self.export(self.owner, {"organization": self.unit_c.pk})
        self.assertEqual(rows, [])

    def test_the_export_equals_the_board(self):
        params = {"region": self.ZEZHOU, "is_open": "true"}
        board = self.web(self.city_inspector).get(reverse("hazards:board"), params)
        exported = {row[1] for row in self.export(self.city_inspector, params)}
        self.assertEqual(exported, {h.pk for h in board.context["page"].object_list})

    def test_row_contents_and_formula_neutralised(self):
        rows = {row[1]: row for row in self.export(self.county_inspector)}
        late = rows[self.late_c.pk]
        self.assertEqual(late[2], "丙单位")
        self.assertEqual(late[3], self.unit_c.uscc)
        self.assertEqual(late[5], self.equipment_c.code)
        self.assertEqual(late[14], "是")
        self.assertTrue(rows[self.formula.pk][7].startswith("'="))

    def test_the_board_links_to_the_export_with_its_query(self):
        response = self.web(self.county_inspector).get(reverse("hazards:board"), {"grade": "major", "page": "1"})
        self.assertContains(response, f"{reverse('hazards:board-export')}?grade=major")

    def test_query_count_does_not_grow_with_rows(self):
        def count():
            with CaptureQueriesContext(connection) as queries:
                self.export(self.county_inspector)
            return len(queries)

        before = count()
        extra = make_equipment(self.unit_c, "31101401012020C0009")
        for number in range(25):
            add_hazard(extra, f"批量隐患 {number}")
        self.assertEqual(count(), before)

    def test_signed_out_is_sent_to_sign_in(self):
        response = self.client.get(reverse("hazards:board-export"))
        self.assertEqual(response.status_code, 302)
