"""The units list's filters the cockpit's links use: several kinds, an industry section with its divisions, a grid."""

from django.http import QueryDict
from django.urls import reverse

from shuangfang.core.testing import CastTestCase, make_organization
from shuangfang.orgs.filtersets import OrganizationFilterSet
from shuangfang.orgs.models import Industry, Organization
from shuangfang.supervision.models import Grid


class OrganizationCockpitFilterTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.station = make_organization("加气站", "filling_station", cls.ZEZHOU, seed=40)
        cls.division = Industry.objects.filter(parent__isnull=False).order_by("code").first()
        Organization.objects.filter(pk=cls.unit_a.pk).update(industry=cls.division)
        Organization.objects.filter(pk=cls.unit_c.pk).update(industry=cls.division.parent_id)
        cls.grid = Grid.objects.create(organization=cls.county, region_id=cls.ZEZHOU, name="网格一")
        cls.grid.units.add(cls.unit_a, cls.station)

    def pks(self, data):
        return set(OrganizationFilterSet(data, queryset=Organization.objects.all()).qs.values_list("pk", flat=True))

    def test_several_kinds(self):
        both = self.pks({"kind": ["use_unit", "filling_station"], "region": self.ZEZHOU})
        self.assertEqual(both, {self.unit_a.pk, self.unit_c.pk, self.station.pk})
        self.assertEqual(self.pks(QueryDict("kind=filling_station")), {self.station.pk})

    def test_industry_section_covers_its_divisions(self):
        self.assertEqual(self.pks({"industry": self.division.parent_id}), {self.unit_a.pk, self.unit_c.pk})
        self.assertEqual(self.pks({"industry": self.division.code}), {self.unit_a.pk})

    def test_grid(self):
        self.assertEqual(self.pks({"grid": self.grid.pk}), {self.unit_a.pk, self.station.pk})

    def test_the_list_page_applies_them(self):
        url = reverse("orgs:list")
        response = self.web(self.county_inspector).get(
            url, {"kind": ["use_unit", "filling_station"], "grid": self.grid.pk}
        )
        self.assertContains(response, "甲单位")
        self.assertContains(response, "加气站")
        self.assertNotContains(response, "丙单位")
