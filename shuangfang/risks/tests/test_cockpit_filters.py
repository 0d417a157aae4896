"""The risk list's filters the cockpit's links use: category, crowded place, industry, grid."""

from datetime import date

from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment.models import Equipment
from shuangfang.orgs.models import Industry, Organization
from shuangfang.risks.filtersets import RiskFilterSet
from shuangfang.risks.models import Risk
from shuangfang.risks.services import point_for_equipment
from shuangfang.supervision.models import Grid


def add_risk(equipment):
    return Risk.objects.create(
        organization=equipment.organization,
        region_id=equipment.region_id,
        risk_point=point_for_equipment(equipment),
        equipment=equipment,
        title="风险",
        hazard_source="危险源",
        method="ls",
        score=1,
        level="general",
        control_level="post",
        reviewed_on=date(2025, 1, 1),
        next_review_on=date(2027, 1, 1),
    )


class RiskCockpitFilterTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.boiler = make_equipment(cls.unit_c, "11001401012020C0002", category="1100")
        Equipment.objects.filter(pk=cls.equipment_a.pk).update(crowded_place=True)
        cls.division = Industry.objects.filter(parent__isnull=False).order_by("code").first()
        Organization.objects.filter(pk=cls.unit_a.pk).update(industry=cls.division)
        cls.grid = Grid.objects.create(organization=cls.county, region_id=cls.ZEZHOU, name="网格一")
        cls.grid.units.add(cls.unit_c)
        cls.risk_a, cls.risk_c, cls.risk_boiler = (add_risk(e) for e in (cls.equipment_a, cls.equipment_c, cls.boiler))

    def pks(self, data):
        return set(RiskFilterSet(data, queryset=Risk.objects.all()).qs.values_list("pk", flat=True))

    def test_filters(self):
        self.assertEqual(self.pks({"category": "1000"}), {self.risk_boiler.pk})
        self.assertEqual(self.pks({"category": "3000", "region": self.ZEZHOU}), {self.risk_a.pk, self.risk_c.pk})
        self.assertEqual(self.pks({"crowded_place": "true"}), {self.risk_a.pk})
        self.assertEqual(self.pks({"industry": self.division.parent_id}), {self.risk_a.pk})
        self.assertEqual(self.pks({"grid": self.grid.pk}), {self.risk_c.pk, self.risk_boiler.pk})
