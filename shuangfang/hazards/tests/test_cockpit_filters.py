"""The hazard board's filters the cockpit's links use: region (kept by the board's form), category, crowded place,
industry, grid."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment.models import Equipment
from shuangfang.hazards.filtersets import HazardFilterSet
from shuangfang.hazards.models import Hazard
from shuangfang.orgs.models import Industry, Organization
from shuangfang.supervision.models import Grid


def add_hazard(equipment, description):
    return Hazard.objects.create(
        organization=equipment.organization,
        region_id=equipment.region_id,
        equipment=equipment,
        source="check",
        description=description,
        found_at=timezone.now(),
        grade="general",
        status="confirmed",
        deadline=timezone.localdate() + timedelta(days=5),
    )


class HazardCockpitFilterTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.boiler = make_equipment(cls.unit_c, "11001401012020C0002", category="1100")
        Equipment.objects.filter(pk=cls.equipment_a.pk).update(crowded_place=True)
        cls.division = Industry.objects.filter(parent__isnull=False).order_by("code").first()
        Organization.objects.filter(pk=cls.unit_a.pk).update(industry=cls.division)
        cls.grid = Grid.objects.create(organization=cls.county, region_id=cls.ZEZHOU, name="网格一")
        cls.grid.units.add(cls.unit_c)
        cls.hazard_a = add_hazard(cls.equipment_a, "甲单位电梯隐患")
        cls.hazard_c = add_hazard(cls.equipment_c, "丙单位电梯隐患")
        cls.hazard_boiler = add_hazard(cls.boiler, "丙单位锅炉隐患")
        cls.hazard_b = add_hazard(cls.equipment_b, "乙单位电梯隐患")

    def pks(self, data):
        return set(HazardFilterSet(data, queryset=Hazard.objects.all()).qs.values_list("pk", flat=True))

    def test_filters(self):
        self.assertEqual(self.pks({"category": "1000"}), {self.hazard_boiler.pk})
        self.assertEqual(self.pks({"crowded_place": "true"}), {self.hazard_a.pk})
        self.assertEqual(self.pks({"industry": self.division.parent_id}), {self.hazard_a.pk})
        self.assertEqual(self.pks({"grid": self.grid.pk}), {self.hazard_c.pk, self.hazard_boiler.pk})

    def test_the_board_applies_region_and_the_cockpit_filters(self):
        client = self.web(self.city_inspector)
        board = client.get(reverse("hazards:board"), {"region": self.YANGCHENG, "is_open": "true"})
        self.assertContains(board, "乙单位电梯隐患")
        self.assertNotContains(board, "甲单位电梯隐患")
        narrowed = client.get(
            reverse("hazards:board"),
            {"region": self.ZEZHOU, "is_open": "true", "grid": self.grid.pk, "category": "3000"},
        )
        self.assertContains(narrowed, "丙单位电梯隐患")
        self.assertNotContains(narrowed, "丙单位锅炉隐患")
        self.assertNotContains(narrowed, "甲单位电梯隐患")
