"""The events after which a risk grading is in doubt flag the equipment's risks for reassessment:
a failed periodic inspection and a modification (改造 or 重大修理) of the equipment."""

from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase
from shuangfang.risks.models import Risk
from shuangfang.risks.services import do_apply_templates


class ReassessmentTriggerTests(CastTestCase):
    def setUp(self):
        do_apply_templates(actor=self.principal, equipment=[self.equipment_a])

    def flagged(self, equipment):
        return Risk.objects.filter(equipment=equipment, is_active=True, needs_reassessment=True)

    def test_a_modification_flags_the_equipments_risks(self):
        self.assertFalse(self.flagged(self.equipment_a).exists())
        response = self.api(self.owner).patch(
            f"/api/v1/equipment/{self.equipment_a.pk}/",
            {"version": self.equipment_a.version, "modification": "更换曳引机和控制柜"},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        total = Risk.objects.filter(equipment=self.equipment_a, is_active=True).count()
        self.assertEqual(self.flagged(self.equipment_a).count(), total)
        self.assertIn("更换曳引机和控制柜", self.flagged(self.equipment_a).first().reassessment_reason)
        event = Event.objects.filter(type="equipment.updated").latest("seq")
        self.assertEqual(event.data["risks_flagged_for_reassessment"], total)

    def test_an_ordinary_edit_flags_nothing(self):
        response = self.api(self.owner).patch(
            f"/api/v1/equipment/{self.equipment_a.pk}/",
            {"version": self.equipment_a.version, "site": "1号楼东侧"},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertFalse(self.flagged(self.equipment_a).exists())

    def test_a_failed_inspection_flags_only_that_equipments_risks(self):
        response = self.api(self.agency_user).post(
            "/api/v1/periodic-inspections/",
            {"equipment": self.equipment_a.pk, "inspected_on": "2026-01-05", "conclusion": "fail"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertTrue(self.flagged(self.equipment_a).exists())
        self.assertIn("不合格", self.flagged(self.equipment_a).first().reassessment_reason)
        passing = self.api(self.agency_user).post(
            "/api/v1/periodic-inspections/",
            {"equipment": self.equipment_a.pk, "inspected_on": "2026-02-05", "conclusion": "pass"},
            format="json",
        )
        self.assertEqual(passing.status_code, 201, passing.content)
        # A later pass does not clear the flag: only a reassessment does.
        self.assertTrue(self.flagged(self.equipment_a).exists())
