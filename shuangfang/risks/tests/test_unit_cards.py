"""Every risk card of a unit on one printable page."""

from django.urls import reverse

from shuangfang.core.testing import CastTestCase
from shuangfang.risks.models import Risk, RiskPoint


class UnitCardsTests(CastTestCase):
    def setUp(self):
        self.point = RiskPoint.objects.create(
            organization=self.unit_a,
            region_id=self.unit_a.region_id,
            kind="equipment",
            equipment=self.equipment_a,
            name=self.equipment_a.name,
        )
        self.site = RiskPoint.objects.create(
            organization=self.unit_a, region_id=self.unit_a.region_id, kind="site", name="叉车作业区域"
        )
        RiskPoint.objects.create(
            organization=self.unit_c, region_id=self.unit_c.region_id, kind="site", name="丙单位库房"
        )

    def test_all_cards_of_the_unit_one_after_another(self):
        response = self.web(self.owner).get(reverse("risks:cards"))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertEqual(html.count('class="rk-card"'), 2)
        self.assertIn(f'id="card-title-{self.point.pk}"', html)
        self.assertIn("叉车作业区域", html)
        self.assertNotIn("丙单位库房", html)

    def test_cards_list_the_active_risks_only(self):
        self.assertFalse(Risk.objects.exists())
        response = self.web(self.owner).get(reverse("risks:cards"))
        self.assertContains(response, "该风险点尚未辨识安全风险", count=2)

    def test_not_a_unit_page_for_regulators(self):
        self.assertEqual(self.web(self.county_inspector).get(reverse("risks:cards")).status_code, 404)
        self.assertEqual(self.web(self.agency_user).get(reverse("risks:cards")).status_code, 404)
