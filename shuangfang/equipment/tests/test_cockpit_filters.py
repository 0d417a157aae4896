"""The equipment list's filters the cockpit's links use (industry of the unit, grid), on the list and its export."""

from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from shuangfang.core.testing import CastTestCase
from shuangfang.equipment.filtersets import EquipmentFilterSet
from shuangfang.equipment.models import Equipment
from shuangfang.orgs.models import Industry, Organization
from shuangfang.supervision.models import Grid


class EquipmentCockpitFilterTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.division = Industry.objects.filter(parent__isnull=False).order_by("code").first()
        Organization.objects.filter(pk=cls.unit_a.pk).update(industry=cls.division)
        cls.grid = Grid.objects.create(organization=cls.county, region_id=cls.ZEZHOU, name="网格一")
        cls.grid.units.add(cls.unit_c)

    def pks(self, data):
        return set(EquipmentFilterSet(data, queryset=Equipment.objects.all()).qs.values_list("pk", flat=True))

    def test_industry_of_the_unit(self):
        self.assertEqual(self.pks({"industry": self.division.parent_id}), {self.equipment_a.pk})
        self.assertEqual(self.pks({"industry": self.division.code}), {self.equipment_a.pk})

    def test_grid(self):
        self.assertEqual(self.pks({"grid": self.grid.pk}), {self.equipment_c.pk})

    def test_the_export_honours_the_same_query(self):
        response = self.web(self.county_inspector).get(reverse("equipment:export"), {"grid": self.grid.pk})
        self.assertEqual(response.status_code, 200)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        sheet = load_workbook(BytesIO(content)).active
        text = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell)
        self.assertIn(self.equipment_c.code, text)
        self.assertNotIn(self.equipment_a.code, text)
