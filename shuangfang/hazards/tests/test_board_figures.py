"""The hazard board's figures (待确认, 整改中, 待验收, 未销号重大, 已超期, 已销号): a unit's counted from its hazards as they
are now; a regulator's whole jurisdiction read from the summary cells the cockpit reads, with the time they were
computed; a regulator following a link to one device or one unit counted as they are now."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from shuangfang.core.testing import CastTestCase
from shuangfang.hazards.tests.test_board_export import add_hazard
from shuangfang.supervision.summaries import rebuild_summary

LABELS = ("待确认", "整改中", "待验收", "未销号重大事故隐患", "已超期", "已销号")


class HazardBoardFiguresTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        late = timezone.localdate() - timedelta(days=3)
        add_hazard(cls.equipment_a, "甲：待确认", status="reported")
        add_hazard(cls.equipment_a, "甲：整改中", status="rectifying")
        add_hazard(cls.equipment_a, "甲：已确认", status="confirmed", grade="major")
        add_hazard(cls.equipment_a, "甲：待验收", status="awaiting_acceptance", deadline=late)
        add_hazard(cls.equipment_a, "甲：已销号", status="closed", grade="major", deadline=late)
        add_hazard(cls.equipment_a, "甲：已驳回", status="rejected")
        add_hazard(cls.equipment_c, "丙：待确认", status="reported", deadline=late)
        add_hazard(cls.equipment_b, "乙：整改中", status="rectifying", grade="major")

    def figures(self, user, params=None):
        response = self.web(user).get(reverse("hazards:board"), params or {})
        self.assertEqual(response.status_code, 200)
        values = {str(figure["label"]): figure["value"] for figure in response.context["figures"]}
        self.assertEqual(tuple(values), LABELS)
        return response, [values[label] for label in LABELS]

    def test_a_unit_counts_its_own_hazards_as_they_are_now(self):
        response, values = self.figures(self.owner)
        self.assertEqual(values, [1, 2, 1, 1, 1, 1])
        self.assertFalse(response.context["figures_from_summary"])
        self.assertNotContains(response, "辖区统计")
        add_hazard(self.equipment_a, "甲：又一条待确认", status="reported")
        self.assertEqual(self.figures(self.owner)[1][0], 2)

    def test_a_regulator_reads_the_summary_cells_of_its_jurisdiction(self):
        rebuild_summary()
        response, county = self.figures(self.county_inspector)
        self.assertEqual(county, [2, 2, 1, 1, 2, 1])
        self.assertTrue(response.context["figures_from_summary"])
        self.assertIsNotNone(response.context["figures_computed_at"])
        self.assertContains(response, "辖区统计计算于")
        self.assertEqual(self.figures(self.province_leader)[1], [2, 3, 1, 2, 2, 1])
        # Unit 乙 is in another county of the same city.
        self.assertEqual(self.figures(self.sibling_inspector)[1], [0, 1, 0, 1, 0, 0])
        self.assertEqual(self.figures(self.other_city_inspector)[1], [0, 0, 0, 0, 0, 0])

    def test_the_summary_figures_move_at_the_next_rebuild_while_the_list_is_live(self):
        rebuild_summary()
        add_hazard(self.equipment_a, "甲：新报告", status="reported")
        response, values = self.figures(self.county_inspector, {"status": "reported"})
        self.assertEqual(values[0], 2)
        self.assertContains(response, "甲：新报告")
        rebuild_summary()
        self.assertEqual(self.figures(self.county_inspector)[1][0], 3)

    def test_before_the_first_rebuild_a_regulator_is_told_the_figures_are_not_computed(self):
        response, values = self.figures(self.county_inspector)
        self.assertEqual(values, [0, 0, 0, 0, 0, 0])
        self.assertIsNone(response.context["figures_computed_at"])
        self.assertContains(response, "辖区统计尚未计算")

    def test_a_regulator_following_a_link_to_one_unit_or_device_counts_it_now(self):
        response, values = self.figures(self.county_inspector, {"organization": self.unit_c.pk})
        self.assertEqual(values, [1, 0, 0, 0, 1, 0])
        self.assertFalse(response.context["figures_from_summary"])
        self.assertEqual(self.figures(self.county_inspector, {"equipment": self.equipment_a.pk})[1], [1, 2, 1, 1, 1, 1])

    def test_a_link_outside_the_regulators_jurisdiction_counts_nothing(self):
        self.assertEqual(
            self.figures(self.other_city_inspector, {"organization": self.unit_a.pk})[1], [0, 0, 0, 0, 0, 0]
        )
