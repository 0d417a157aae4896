"""A hazard carries its device's catalog code (Hazard.catalog_code), so that a regulator's category filter reads the
hazard rows alone: written with every hazard, whichever way it is registered, and again on all of a device's hazards
when the device's code changes, in the form or the API and in a ledger import."""

from shuangfang.core.testing import CastTestCase
from shuangfang.equipment.models import Equipment
from shuangfang.equipment.tests.test_ledger import ledger_row, upload, workbook_bytes
from shuangfang.hazards.models import Hazard
from shuangfang.hazards.services import SystemHazard, do_report_hazard, register_system_hazards
from shuangfang.hazards.tests.test_board_export import add_hazard

HAZARDS_URL = "/api/v1/hazards/"
IMPORT_URL = "/api/v1/equipment/import/"


class HazardCatalogCodeTests(CastTestCase):
    def codes(self, equipment) -> set[str]:
        return set(Hazard.objects.filter(equipment=equipment).values_list("catalog_code", flat=True))

    def listed(self, user, category: str) -> set[str]:
        response = self.api(user).get(HAZARDS_URL, {"category": category, "page_size": 200})
        self.assertEqual(response.status_code, 200, response.content)
        return {row["description"] for row in response.json()["results"]}

    def test_every_way_of_registering_a_hazard_writes_the_devices_code(self):
        reported = do_report_hazard(
            actor=self.owner, equipment=self.equipment_a, description="门锁回路短接", location="1号楼"
        )
        [system] = register_system_hazards(
            [SystemHazard(organization=self.unit_a, equipment=self.equipment_a, description="无持证作业人员")]
        )
        saved = add_hazard(self.equipment_a, "直接保存的隐患")
        management = Hazard.objects.create(
            organization=self.unit_a,
            region_id="140525",
            source="check",
            description="制度缺失",
            found_at=saved.found_at,
        )
        self.assertEqual(self.equipment_a.category_id, "3110")
        for hazard in (reported, system, saved):
            hazard.refresh_from_db()
            self.assertEqual(hazard.catalog_code, "3110", hazard.description)
        management.refresh_from_db()
        self.assertEqual(management.catalog_code, "")

    def test_a_devices_new_code_reaches_its_hazards_and_the_category_filter(self):
        add_hazard(self.equipment_a, "甲：曳引机异响")
        add_hazard(self.equipment_a, "甲：已销号", status="closed")
        add_hazard(self.equipment_c, "丙：门锁")
        self.assertEqual(self.listed(self.county_inspector, "3000"), {"甲：曳引机异响", "甲：已销号", "丙：门锁"})
        response = self.api(self.owner).patch(
            f"/api/v1/equipment/{self.equipment_a.pk}/",
            {"category": "3120", "version": self.equipment_a.version},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(self.codes(self.equipment_a), {"3120"})
        self.assertEqual(self.codes(self.equipment_c), {"3110"})
        self.assertEqual(self.listed(self.county_inspector, "3110"), {"丙：门锁"})
        self.assertEqual(self.listed(self.county_inspector, "3100"), {"甲：曳引机异响", "甲：已销号", "丙：门锁"})
        self.assertEqual(self.listed(self.county_inspector, "3120"), {"甲：曳引机异响", "甲：已销号"})
        self.assertEqual(self.listed(self.county_inspector, "2000"), set())

    def test_a_ledger_import_that_changes_a_devices_code_changes_its_hazards(self):
        rows = [ledger_row("IMP0000000000001"), ledger_row("IMP0000000000002")]
        response = self.api(self.owner).post(IMPORT_URL, {"file": upload(workbook_bytes(rows))}, format="multipart")
        self.assertEqual(response.status_code, 200, response.content)
        devices = {device.code: device for device in self.unit_a_devices(["IMP0000000000001", "IMP0000000000002"])}
        first = add_hazard(devices["IMP0000000000001"], "导入设备一的隐患")
        second = add_hazard(devices["IMP0000000000002"], "导入设备二的隐患")
        rows[0]["category"] = "3120"
        response = self.api(self.owner).post(IMPORT_URL, {"file": upload(workbook_bytes(rows))}, format="multipart")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["updated"], 1)
        first.refresh_from_db()
        second.refresh_from_db()
        self.assertEqual((first.catalog_code, second.catalog_code), ("3120", "3110"))
        self.assertEqual(self.listed(self.owner, "3120"), {"导入设备一的隐患"})

    def unit_a_devices(self, codes: list[str]):
        devices = list(Equipment.objects.filter(organization=self.unit_a, code__in=codes))
        self.assertEqual(len(devices), len(codes))
        return devices
