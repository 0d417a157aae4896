from shuangfang.core.testing import CastTestCase


class EquipmentApiSmokeTests(CastTestCase):
    def test_owner_lists_own_equipment_only(self):
        response = self.api(self.owner).get("/api/v1/equipment/")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual([row["code"] for row in response.json()["results"]], [self.equipment_a.code])

    def test_outsiders_get_404(self):
        self.assertNotFoundForOutsiders("get", f"/api/v1/equipment/{self.equipment_a.pk}/")
