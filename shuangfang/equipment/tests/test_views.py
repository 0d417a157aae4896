"""The equipment web pages: scope, filters, forms through the services, status actions, inspections,
certificates, ledger import and export, and the label sheet."""

import io
import re
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

import time_machine
import xlsxwriter
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from shuangfang.core.crypto import mask
from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment import forms, ledger, views
from shuangfang.equipment.models import CertificateItem, Equipment, OperatorCertificate, PeriodicInspection

LIST = "/equipment/"


def file_url(equipment):
    return f"/equipment/{equipment.pk}/"


def registration(**extra):
    data = {
        "code": "31101405252026A0100",
        "category": "3110",
        "name": "1 号客梯",
        "manufactured_on": "2024-01-10",
        "commissioned_on": "2024-03-01",
        "site": "主楼",
    }
    data.update(extra)
    return data


def edit_data(equipment, **changes):
    """What the edit form posts back when the user changes nothing but `changes`."""
    data = {
        "code": equipment.code,
        "registration_no": equipment.registration_no,
        "category": equipment.category_id,
        "name": equipment.name,
        "model": equipment.model,
        "serial_no": equipment.serial_no,
        "manufacturer": equipment.manufacturer,
        "manufactured_on": equipment.manufactured_on.isoformat() if equipment.manufactured_on else "",
        "commissioned_on": equipment.commissioned_on.isoformat() if equipment.commissioned_on else "",
        "design_life_years": equipment.design_life_years or "",
        "region": equipment.region_id,
        "site": equipment.site,
        "last_inspected_on": equipment.last_inspected_on.isoformat() if equipment.last_inspected_on else "",
        "inspection_due_on": equipment.inspection_due_on.isoformat() if equipment.inspection_due_on else "",
        "inspection_agency": equipment.inspection_agency_id or "",
        "version": equipment.version,
    }
    if equipment.crowded_place:
        data["crowded_place"] = "on"
    data.update(changes)
    return data


class EquipmentListTests(CastTestCase):
    def test_unit_sees_only_its_own_equipment(self):
        response = self.web(self.owner).get(LIST)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.equipment_a.code)
        self.assertNotContains(response, self.equipment_b.code)
        self.assertNotContains(response, self.equipment_c.code)

    def test_outsiders_lists_lack_unit_a(self):
        for user in self.outsiders_of_unit_a():
            with self.subTest(user=user.username):
                response = self.web(user).get(LIST)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, self.equipment_a.code)

    def test_regulator_sees_its_jurisdiction_with_the_unit_column(self):
        response = self.web(self.city_inspector).get(LIST)
        for equipment in (self.equipment_a, self.equipment_b, self.equipment_c):
            self.assertContains(response, equipment.code)
        self.assertContains(response, "甲单位")
        response = self.web(self.county_inspector).get(LIST)
        self.assertContains(response, self.equipment_a.code)
        self.assertNotContains(response, self.equipment_b.code)

    def test_login_required(self):
        response = self.web().get(LIST)
        self.assertEqual(response.status_code, 302)

    def test_filters(self):
        today = timezone.localdate()
        boiler = make_equipment(self.unit_a, "10001405252020A0001", category="1100", name="燃气锅炉")
        overdue = make_equipment(
            self.unit_a, "31101405252020A0002", inspection_due_on=today - timedelta(days=3), crowded_place=True
        )
        suspended = make_equipment(self.unit_a, "31101405252020A0003", status="suspended", site="地下车库")
        client = self.web(self.owner)

        def codes(**params):
            response = client.get(LIST, params)
            self.assertEqual(response.status_code, 200)
            return {code for code in Equipment.objects.values_list("code", flat=True) if code in response.text}

        self.assertEqual(codes(category="1000"), {boiler.code})
        self.assertEqual(codes(category="3100"), {self.equipment_a.code, overdue.code, suspended.code})
        self.assertEqual(codes(inspection_state="overdue"), {overdue.code})
        self.assertEqual(codes(status="suspended"), {suspended.code})
        self.assertEqual(codes(crowded_place="true"), {overdue.code})
        self.assertEqual(codes(q="地下"), {suspended.code})
        self.assertEqual(codes(q="10001405"), {boiler.code})

    def test_regulator_filters_by_unit_and_region(self):
        client = self.web(self.city_inspector)
        response = client.get(LIST, {"organization": self.unit_c.pk})
        self.assertContains(response, self.equipment_c.code)
        self.assertNotContains(response, self.equipment_a.code)
        response = client.get(LIST, {"region": self.YANGCHENG})
        self.assertContains(response, self.equipment_b.code)
        self.assertNotContains(response, self.equipment_a.code)
        # The selects offer only what the regulator may see.
        self.assertContains(response, f'<option value="{self.ZEZHOU}"')
        self.assertNotContains(response, f'<option value="{self.XIAODIAN}"')
        self.assertNotContains(response, f'<option value="{self.other_agency.pk}"')

    def test_query_count_does_not_grow_with_rows(self):
        client = self.web(self.city_inspector)
        client.get(LIST)  # warm the session

        def count():
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(client.get(LIST).status_code, 200)
            return len(queries)

        few = count()
        for number in range(30):
            make_equipment(self.unit_b if number % 2 else self.unit_c, f"3110140525202X{number:05d}")
        self.assertEqual(count(), few)

    def test_pagination_keeps_the_filters(self):
        for number in range(55):
            make_equipment(self.unit_a, f"31101405252021P{number:04d}")
        response = self.web(self.owner).get(LIST, {"category": "3110"})
        self.assertContains(response, "共 56 台")
        self.assertContains(response, "?category=3110&amp;page=2")
        second = self.web(self.owner).get(LIST, {"category": "3110", "page": 2})
        self.assertContains(second, "31101405252021P0054")
        self.assertNotContains(second, "31101405252021P0000")

    def test_buttons_follow_the_role(self):
        owner_page = self.web(self.owner).get(LIST)
        self.assertContains(owner_page, 'href="/equipment/new/"')
        self.assertContains(owner_page, 'href="/equipment/import/"')
        self.assertContains(owner_page, 'href="/equipment/export/')
        self.assertContains(owner_page, 'href="/equipment/labels/')
        member_page = self.web(self.member).get(LIST)
        self.assertNotContains(member_page, 'href="/equipment/new/"')
        self.assertNotContains(member_page, 'href="/equipment/import/"')
        self.assertContains(member_page, 'href="/equipment/export/')

    def test_export_and_label_links_carry_the_filters(self):
        response = self.web(self.owner).get(LIST, {"status": "in_use", "q": "设备"})
        self.assertContains(response, "/equipment/export/?status=in_use&amp;q=")
        self.assertContains(response, "/equipment/labels/?status=in_use&amp;q=")


class EquipmentFileTests(CastTestCase):
    def test_insiders_see_the_file(self):
        for user in [*self.insiders_of_unit_a(), self.agency_user]:
            with self.subTest(user=user.username):
                response = self.web(user).get(file_url(self.equipment_a))
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, self.equipment_a.code)
                self.assertContains(response, "设备代码")
                self.assertContains(response, "投入使用日期")
                self.assertContains(response, f"/q/{self.equipment_a.public_token}/")
                self.assertContains(response, "<svg")

    def test_outsiders_get_404_everywhere(self):
        equipment = self.equipment_a
        for user in self.outsiders_of_unit_a():
            client = self.web(user)
            with self.subTest(user=user.username):
                self.assertEqual(client.get(file_url(equipment)).status_code, 404)
                self.assertEqual(client.get(f"{file_url(equipment)}edit/").status_code, 404)
                self.assertEqual(client.post(f"{file_url(equipment)}edit/", edit_data(equipment)).status_code, 404)
                for action in ("suspend", "resume", "scrap"):
                    response = client.post(f"{file_url(equipment)}{action}/", {"reason": "x", "version": 1})
                    self.assertEqual(response.status_code, 404)
                self.assertEqual(client.get(f"{file_url(equipment)}inspections/new/").status_code, 404)
        equipment.refresh_from_db()
        self.assertEqual((equipment.status, equipment.version), ("in_use", 1))

    def test_operator_reads_but_has_no_actions_and_gets_403_on_writes(self):
        client = self.web(self.member)
        response = client.get(file_url(self.equipment_a))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, f"{file_url(self.equipment_a)}edit/")
        self.assertNotContains(response, f"{file_url(self.equipment_a)}suspend/")
        self.assertNotContains(response, f"{file_url(self.equipment_a)}inspections/new/")
        self.assertEqual(client.get(f"{file_url(self.equipment_a)}edit/").status_code, 403)
        self.assertEqual(
            client.post(f"{file_url(self.equipment_a)}edit/", edit_data(self.equipment_a)).status_code, 403
        )
        response = client.post(f"{file_url(self.equipment_a)}suspend/", {"reason": "检修", "version": 1})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(client.get(f"{file_url(self.equipment_a)}inspections/new/").status_code, 403)
        self.assertEqual(client.get("/equipment/new/").status_code, 403)
        self.assertEqual(client.post("/equipment/new/", registration()).status_code, 403)
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.status, "in_use")
        self.assertFalse(Equipment.objects.filter(code=registration()["code"]).exists())

    def test_owner_sees_the_actions_valid_now(self):
        response = self.web(self.owner).get(file_url(self.equipment_a))
        self.assertContains(response, f"{file_url(self.equipment_a)}edit/")
        self.assertContains(response, f"{file_url(self.equipment_a)}suspend/")
        self.assertContains(response, f"{file_url(self.equipment_a)}scrap/")
        self.assertNotContains(response, f"{file_url(self.equipment_a)}resume/")
        self.assertContains(response, f"{file_url(self.equipment_a)}inspections/new/")

    def test_no_risk_or_hazard_section_without_data(self):
        response = self.web(self.owner).get(file_url(self.equipment_a))
        self.assertNotContains(response, "未销号隐患")
        self.assertNotContains(response, "风险等级")

    def test_unit_certificates_are_shown_with_their_state(self):
        today = timezone.localdate()
        OperatorCertificate.objects.create(
            organization=self.unit_a,
            region_id=self.ZEZHOU,
            holder_name="张师傅",
            id_number="140525199001011234",
            item=CertificateItem.objects.get(code="T"),
            cert_no="T-0001",
            issued_on=today - timedelta(days=400),
            expires_on=today + timedelta(days=30),
        )
        OperatorCertificate.objects.create(
            organization=self.unit_a,
            region_id=self.ZEZHOU,
            holder_name="李司炉",
            id_number="140525199001015678",
            item=CertificateItem.objects.get(code="G1"),
            cert_no="G1-0001",
            issued_on=today - timedelta(days=400),
            expires_on=today + timedelta(days=900),
        )
        response = self.web(self.owner).get(file_url(self.equipment_a))
        self.assertContains(response, "张师傅")
        self.assertContains(response, "90日内到期")
        # A boiler operator's certificate says nothing about an elevator.
        self.assertNotContains(response, "李司炉")
        # An agency does not see the unit's people.
        self.assertNotContains(self.web(self.agency_user).get(file_url(self.equipment_a)), "张师傅")


class RegisterTests(CastTestCase):
    def test_good_input_registers_and_records_an_event(self):
        response = self.web(self.owner).post("/equipment/new/", registration())
        equipment = Equipment.objects.get(code="31101405252026A0100")
        self.assertRedirects(response, file_url(equipment))
        self.assertEqual(equipment.organization, self.unit_a)
        self.assertEqual(equipment.region_id, self.ZEZHOU)
        self.assertEqual(equipment.commissioned_on, date(2024, 3, 1))
        self.assertTrue(Event.objects.filter(type="equipment.registered", object_id=str(equipment.pk)).exists())
        page = self.web(self.owner).get(file_url(equipment))
        self.assertContains(page, "登记")
        self.assertContains(page, "owner")

    def test_form_offers_registrable_entries_grouped_and_the_units_region(self):
        response = self.web(self.owner).get("/equipment/new/")
        self.assertContains(response, '<optgroup label="3000 电梯">')
        self.assertContains(response, '<option value="3110">')
        self.assertNotContains(response, '<option value="7000"')
        self.assertContains(response, f'<option value="{self.ZEZHOU}" selected>')
        self.assertContains(response, 'type="date"')
        self.assertNotContains(response, 'name="organization"')

    def test_bad_input_shows_the_service_messages_and_saves_nothing(self):
        events = Event.objects.count()
        client = self.web(self.owner)
        response = client.post("/equipment/new/", registration(category="7000"))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "不办理使用登记", status_code=400)
        response = client.post("/equipment/new/", registration(commissioned_on="2023-01-01"))
        self.assertContains(response, "投入使用日期不能早于制造日期。", status_code=400)
        response = client.post("/equipment/new/", registration(code=self.equipment_c.code))
        self.assertContains(response, "已登记", status_code=400)
        # The user's input is kept.
        self.assertContains(response, 'value="1 号客梯"', status_code=400)
        response = client.post("/equipment/new/", registration(region=self.YANGCHENG))
        self.assertContains(response, "设备所在地区须在使用单位所在地区", status_code=400)
        self.assertFalse(Equipment.objects.filter(code="31101405252026A0100").exists())
        self.assertEqual(Event.objects.count(), events)

    def test_regulator_picks_a_unit_in_its_jurisdiction(self):
        client = self.web(self.county_inspector)
        form = client.get("/equipment/new/")
        self.assertContains(form, f'<option value="{self.unit_a.pk}">甲单位</option>')
        self.assertNotContains(form, f'<option value="{self.unit_b.pk}">')
        response = client.post("/equipment/new/", registration())
        self.assertContains(response, "请选择使用单位。", status_code=400)
        response = client.post("/equipment/new/", registration(organization=self.unit_c.pk))
        equipment = Equipment.objects.get(code="31101405252026A0100")
        self.assertRedirects(response, file_url(equipment))
        self.assertEqual(equipment.organization, self.unit_c)

    def test_regulator_cannot_name_a_unit_outside_its_scope(self):
        response = self.web(self.county_inspector).post("/equipment/new/", registration(organization=self.unit_b.pk))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Equipment.objects.filter(code="31101405252026A0100").exists())


class EditTests(CastTestCase):
    def test_edit_saves_the_changes_and_shows_them_in_the_history(self):
        url = f"{file_url(self.equipment_a)}edit/"
        form = self.web(self.owner).get(url)
        self.assertContains(form, 'name="version" value="1"')
        response = self.web(self.owner).post(url, edit_data(self.equipment_a, name="东区 2 号客梯", site="东区"))
        self.assertRedirects(response, file_url(self.equipment_a))
        self.equipment_a.refresh_from_db()
        self.assertEqual(
            (self.equipment_a.name, self.equipment_a.site, self.equipment_a.version), ("东区 2 号客梯", "东区", 2)
        )
        event = Event.objects.get(type="equipment.updated", object_id=str(self.equipment_a.pk))
        self.assertEqual(set(event.data["changes"]), {"name", "site"})
        page = self.web(self.owner).get(file_url(self.equipment_a))
        self.assertContains(page, "修改")
        self.assertContains(page, "设备名称")
        self.assertContains(page, "东区 2 号客梯")

    def test_stale_version_is_a_conflict_and_changes_nothing(self):
        Equipment.objects.filter(pk=self.equipment_a.pk).update(version=2)
        response = self.web(self.owner).post(
            f"{file_url(self.equipment_a)}edit/", edit_data(self.equipment_a, name="改过的名字", version=1)
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "数据已被他人修改", status_code=409)
        self.assertContains(response, 'value="改过的名字"', status_code=409)
        self.assertContains(response, f'href="{file_url(self.equipment_a)}edit/"', status_code=409)
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.name, "设备 31101401012020A0001")
        self.assertFalse(Event.objects.filter(type="equipment.updated").exists())

    def test_bad_edit_shows_the_service_message(self):
        response = self.web(self.owner).post(
            f"{file_url(self.equipment_a)}edit/", edit_data(self.equipment_a, inspection_due_on="2025-01-01")
        )
        self.assertContains(response, "下次检验日期须晚于上次检验日期。", status_code=400)
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.version, 1)


class StatusActionTests(CastTestCase):
    def post(self, action, user=None, **data):
        body = {"reason": "电梯改造", "version": self.equipment_a.version, **data}
        return self.web(user or self.owner).post(f"{file_url(self.equipment_a)}{action}/", body)

    def test_suspend_then_resume_then_scrap(self):
        response = self.post("suspend")
        self.assertRedirects(response, file_url(self.equipment_a))
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.status, "suspended")
        event = Event.objects.get(type="equipment.suspended")
        self.assertEqual(event.data["reason"], "电梯改造")
        page = self.web(self.owner).get(file_url(self.equipment_a))
        self.assertContains(page, "原因：电梯改造")
        self.assertContains(page, f"{file_url(self.equipment_a)}resume/")
        self.assertNotContains(page, f"{file_url(self.equipment_a)}suspend/")

        self.assertRedirects(self.post("resume", reason="改造完成"), file_url(self.equipment_a))
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.status, "in_use")

        self.assertRedirects(self.post("scrap", reason="达到设计使用年限"), file_url(self.equipment_a))
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.status, "scrapped")
        page = self.web(self.owner).get(file_url(self.equipment_a))
        for action in ("suspend", "resume", "scrap"):
            self.assertNotContains(page, f"{file_url(self.equipment_a)}{action}/")
        self.assertContains(page, "达到设计使用年限")

    def test_reason_is_required(self):
        response = self.post("suspend", reason="  ")
        self.assertContains(response, "请说明原因。", status_code=400)
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.status, "in_use")

    def test_action_invalid_for_the_state_is_refused(self):
        response = self.post("resume")
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "设备当前状态为“在用”，不能执行此操作。", status_code=409)
        self.equipment_a.refresh_from_db()
        self.assertEqual((self.equipment_a.status, self.equipment_a.version), ("in_use", 1))

    def test_stale_version_is_a_conflict(self):
        response = self.post("suspend", version=7)
        self.assertContains(response, "数据已被他人修改", status_code=409)
        self.assertContains(response, "电梯改造", status_code=409)
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.status, "in_use")

    def test_unknown_action_is_404(self):
        self.assertEqual(self.post("delete").status_code, 404)

    def test_regulator_reader_is_refused(self):
        self.assertEqual(self.post("suspend", user=self.province_leader).status_code, 403)


@time_machine.travel("2026-03-10 12:00 +0800", tick=False)
class InspectionTests(CastTestCase):
    def test_recording_computes_the_next_due_date(self):
        boiler = make_equipment(self.unit_a, "11001405252020A0001", category="1100", name="燃气锅炉")
        url = f"{file_url(boiler)}inspections/new/"
        form = self.web(self.owner).get(url)
        self.assertContains(form, "留空则按检验周期规则自动计算")
        response = self.web(self.owner).post(
            url,
            {
                "agency": self.agency.pk,
                "kind": "periodic",
                "inspected_on": "2026-03-01",
                "conclusion": "pass",
                "report_no": "JC-2026-001",
            },
        )
        self.assertRedirects(response, file_url(boiler))
        inspection = PeriodicInspection.objects.get(equipment=boiler)
        self.assertEqual(inspection.next_due_on, date(2027, 3, 1))
        self.assertEqual(inspection.agency, self.agency)
        boiler.refresh_from_db()
        self.assertEqual((boiler.last_inspected_on, boiler.inspection_due_on), (date(2026, 3, 1), date(2027, 3, 1)))
        page = self.web(self.owner).get(file_url(boiler))
        self.assertContains(page, "JC-2026-001")
        self.assertContains(page, "2027-03-01")
        self.assertContains(page, inspection.next_due_rule)

    def test_agency_records_as_itself_and_finds_it_in_its_list(self):
        url = f"{file_url(self.equipment_a)}inspections/new/"
        form = self.web(self.agency_user).get(url)
        self.assertNotContains(form, 'name="agency"')
        response = self.web(self.agency_user).post(
            url, {"kind": "periodic", "inspected_on": "2026-03-02", "conclusion": "fail", "findings": "曳引轮磨损"}
        )
        self.assertRedirects(response, file_url(self.equipment_a))
        inspection = PeriodicInspection.objects.get(equipment=self.equipment_a)
        self.assertEqual(inspection.agency, self.agency)
        self.assertIsNone(inspection.next_due_on)
        listing = self.web(self.agency_user).get("/equipment/inspections/")
        self.assertContains(listing, self.equipment_a.code)
        self.assertContains(listing, "不合格")
        self.assertNotContains(self.web(self.other_agency_user).get("/equipment/inspections/"), self.equipment_a.code)
        self.assertNotContains(self.web(self.other_unit_user).get("/equipment/inspections/"), self.equipment_a.code)

    def test_bad_inspection_shows_the_service_message(self):
        url = f"{file_url(self.equipment_a)}inspections/new/"
        response = self.web(self.owner).post(
            url, {"kind": "periodic", "inspected_on": "2026-04-01", "conclusion": "pass", "agency": self.agency.pk}
        )
        self.assertContains(response, "检验日期不能晚于今天。", status_code=400)
        response = self.web(self.owner).post(
            url, {"kind": "periodic", "inspected_on": "2026-03-01", "conclusion": "pass", "agency": self.county.pk}
        )
        self.assertContains(response, "所选单位不是检验机构。", status_code=400)
        self.assertFalse(PeriodicInspection.objects.exists())

    def test_inspection_list_filters(self):
        for number, (inspected_on, conclusion) in enumerate(
            [("2025-03-01", "pass"), ("2026-02-01", "conditional"), ("2026-03-01", "fail")]
        ):
            equipment = make_equipment(self.unit_a, f"11001405252020B000{number}", category="1100")
            self.web(self.owner).post(
                f"{file_url(equipment)}inspections/new/",
                {"kind": "periodic", "inspected_on": inspected_on, "conclusion": conclusion, "agency": self.agency.pk},
            )
        self.assertEqual(PeriodicInspection.objects.count(), 3)
        client = self.web(self.county_inspector)

        def codes(**params):
            response = client.get("/equipment/inspections/", params)
            self.assertEqual(response.status_code, 200)
            return {f"B000{n}" for n in range(3) if f"11001405252020B000{n}" in response.text}

        self.assertEqual(codes(), {"B0000", "B0001", "B0002"})
        self.assertEqual(codes(conclusion="fail"), {"B0002"})
        self.assertEqual(codes(inspected_after="2026-01-01"), {"B0001", "B0002"})
        self.assertEqual(codes(inspected_after="2026-01-01", inspected_before="2026-02-28"), {"B0001"})
        self.assertEqual(codes(equipment_code="11001405252020b0000"), {"B0000"})


class CertificateTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = timezone.localdate()
        cls.certificate = OperatorCertificate.objects.create(
            organization=cls.unit_a,
            region_id=cls.ZEZHOU,
            holder_name="王电工",
            id_number="140525199001011234",
            item=CertificateItem.objects.get(code="T"),
            cert_no="T-2024-0001",
            issued_on=today - timedelta(days=30),
            expires_on=today + timedelta(days=1400),
        )

    def test_id_number_masked_with_a_show_button_for_admin_and_principal(self):
        masked = mask("140525199001011234")
        for user in (self.owner, self.member, self.county_inspector, self.unit_admin, self.principal):
            with self.subTest(user=user.username):
                response = self.web(user).get("/equipment/certificates/")
                self.assertContains(response, "王电工")
                self.assertContains(response, masked)
                self.assertNotContains(response, "140525199001011234")
                unmask_url = f"/pii/certificate/{self.certificate.pk}/id_number/"
                if user in (self.unit_admin, self.principal):
                    self.assertContains(response, unmask_url)
                else:
                    self.assertNotContains(response, unmask_url)

    def test_outsiders_do_not_see_it(self):
        for user in (self.other_unit_user, self.sibling_inspector, self.other_city_inspector):
            with self.subTest(user=user.username):
                self.assertNotContains(self.web(user).get("/equipment/certificates/"), "王电工")
                edit = f"/equipment/certificates/{self.certificate.pk}/edit/"
                self.assertEqual(self.web(user).get(edit).status_code, 404)

    def test_state_filter(self):
        client = self.web(self.owner)
        self.assertContains(client.get("/equipment/certificates/", {"state": "valid"}), "王电工")
        self.assertNotContains(client.get("/equipment/certificates/", {"state": "expired"}), "王电工")

    def test_add_through_the_form(self):
        data = {
            "holder_name": "赵司机",
            "id_number": "140525199202021111",
            "item": "Q2",
            "cert_no": "Q2-2025-0002",
            "issued_on": "2025-01-01",
            "expires_on": "2029-01-01",
        }
        response = self.web(self.owner).post("/equipment/certificates/new/", data)
        self.assertRedirects(response, "/equipment/certificates/")
        self.assertTrue(OperatorCertificate.objects.filter(cert_no="Q2-2025-0002", organization=self.unit_a).exists())
        response = self.web(self.owner).post("/equipment/certificates/new/", {**data, "expires_on": "2024-01-01"})
        self.assertContains(response, "有效期至须晚于发证日期。", status_code=400)

    def test_operator_may_not_add(self):
        self.assertEqual(self.web(self.member).get("/equipment/certificates/new/").status_code, 403)
        self.assertNotContains(self.web(self.member).get("/equipment/certificates/"), "/equipment/certificates/new/")

    def test_edit_keeps_a_hidden_id_number_and_refuses_a_stale_version(self):
        url = f"/equipment/certificates/{self.certificate.pk}/edit/"
        form = self.web(self.owner).get(url)
        self.assertNotContains(form, "140525199001011234")
        data = {
            "holder_name": "王电工",
            "id_number": "",
            "item": "T",
            "cert_no": "T-2024-0001",
            "issued_on": self.certificate.issued_on.isoformat(),
            "expires_on": "2030-12-31",
            "version": 1,
        }
        self.assertRedirects(self.web(self.owner).post(url, data), "/equipment/certificates/")
        self.certificate.refresh_from_db()
        self.assertEqual(
            (self.certificate.expires_on, self.certificate.id_number), (date(2030, 12, 31), "140525199001011234")
        )
        response = self.web(self.owner).post(url, {**data, "expires_on": "2031-01-01"})
        self.assertContains(response, "数据已被他人修改", status_code=409)
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.expires_on, date(2030, 12, 31))


def ledger_workbook(rows: list[dict]) -> io.BytesIO:
    """An .xlsx in the template's columns, with `rows` keyed by API field name."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output)
    sheet = workbook.add_worksheet(ledger.DATA_SHEET)
    for index, column in enumerate(ledger.COLUMNS):
        sheet.write_string(0, index, column.header)
    for row_index, row in enumerate(rows, start=1):
        for index, column in enumerate(ledger.COLUMNS):
            if column.field in row:
                sheet.write_string(row_index, index, str(row[column.field]))
    workbook.close()
    output.seek(0)
    output.name = "台账.xlsx"
    return output


class LedgerPageTests(CastTestCase):
    def setUp(self):
        self.var_dir = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.var_dir, ignore_errors=True)
        override = override_settings(VAR_DIR=self.var_dir)
        override.enable()
        self.addCleanup(override.disable)

    def good_rows(self):
        return [
            {"code": "31101405252026L0001", "category": "3110", "name": "1 号梯", "commissioned_on": "2024-01-01"},
            {"code": "31101405252026L0002", "category": "3110", "name": "2 号梯", "site": "北楼"},
        ]

    def test_page_offers_the_template_and_the_upload(self):
        response = self.web(self.owner).get("/equipment/import/")
        self.assertContains(response, "/equipment/import/template/")
        self.assertContains(response, "仅校验，不导入 (dry run)")
        template = self.web(self.owner).get("/equipment/import/template/")
        self.assertEqual(template.status_code, 200)
        self.assertEqual(b"".join(template.streaming_content)[:2], b"PK")
        self.assertEqual(self.web(self.member).get("/equipment/import/").status_code, 403)

    def test_good_file_imports(self):
        response = self.web(self.owner).post("/equipment/import/", {"file": ledger_workbook(self.good_rows())})
        self.assertContains(response, "新增 2 台，更新 0 台")
        self.assertContains(response, 'href="/equipment/"')
        self.assertEqual(Equipment.objects.filter(code__startswith="31101405252026L").count(), 2)
        # Importing the same rows with one name changed updates that equipment; its file tells both imports.
        rows = self.good_rows()
        rows[0]["name"] = "1 号梯（东）"
        response = self.web(self.owner).post("/equipment/import/", {"file": ledger_workbook(rows)})
        self.assertContains(response, "新增 0 台，更新 1 台")
        first = Equipment.objects.get(code="31101405252026L0001")
        page = self.web(self.owner).get(file_url(first))
        self.assertContains(page, "台账导入登记")
        self.assertContains(page, "台账导入更新")
        self.assertContains(page, "变更字段：</span>设备名称")
        second = self.web(self.owner).get(file_url(Equipment.objects.get(code="31101405252026L0002")))
        self.assertContains(second, "台账导入登记")
        self.assertNotContains(second, "台账导入更新")

    def test_dry_run_imports_nothing(self):
        response = self.web(self.owner).post(
            "/equipment/import/", {"file": ledger_workbook(self.good_rows()), "dry_run": "on"}
        )
        self.assertContains(response, "将新增 2 台")
        self.assertFalse(Equipment.objects.filter(code__startswith="31101405252026L").exists())

    def test_bad_file_shows_the_errors_and_a_one_time_error_workbook_for_its_owner_only(self):
        rows = self.good_rows()
        rows[1]["category"] = "7000"
        response = self.web(self.owner).post("/equipment/import/", {"file": ledger_workbook(rows)})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "不办理使用登记", status_code=400)
        self.assertContains(response, '<td class="num">3</td>', status_code=400)
        self.assertContains(response, "设备类别代码", status_code=400)
        self.assertFalse(Equipment.objects.filter(code__startswith="31101405252026L").exists())
        link = response.context["report_token"]
        url = f"/equipment/import/errors/{link}/"
        self.assertContains(response, url, status_code=400)
        self.assertEqual(self.web(self.unit_admin).get(url).status_code, 404)
        self.assertEqual(self.web(self.other_unit_user).get(url).status_code, 404)
        download = self.web(self.owner).get(url)
        self.assertEqual(download.status_code, 200)
        self.assertEqual(b"".join(download.streaming_content)[:2], b"PK")
        self.assertEqual(self.web(self.owner).get(url).status_code, 404)

    def test_error_workbooks_expire_after_a_day(self):
        rows = self.good_rows()
        rows[0]["name"] = ""
        response = self.web(self.owner).post("/equipment/import/", {"file": ledger_workbook(rows)})
        url = f"/equipment/import/errors/{response.context['report_token']}/"
        later = timezone.now() + timedelta(hours=25)
        with time_machine.travel(later):
            self.assertEqual(self.web(self.owner).get(url).status_code, 404)
        self.assertEqual(list((self.var_dir / "imports").iterdir()), [])

    def test_not_an_xlsx(self):
        upload = io.BytesIO(b"code,name\n1,2\n")
        upload.name = "ledger.csv"
        response = self.web(self.owner).post("/equipment/import/", {"file": upload})
        self.assertContains(response, ".xlsx", status_code=400)

    def test_export_returns_the_filtered_list(self):
        make_equipment(self.unit_a, "10001405252020A0009", category="1100")
        response = self.web(self.owner).get("/equipment/export/", {"category": "1000"})
        self.assertEqual(response.status_code, 200)
        self.assertIn(".xlsx", response["Content-Disposition"])
        content = b"".join(response.streaming_content)
        self.assertEqual(content[:2], b"PK")
        rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(ledger.DATA_SHEET).to_python()
        codes = [row[0] for row in rows[1:]]
        self.assertEqual(codes, ["10001405252020A0009"])


class LabelTests(CastTestCase):
    def test_labels_render_qr_codes_of_the_visible_equipment(self):
        response = self.web(self.city_inspector).get("/equipment/labels/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text.count('class="eq-label"'), 3)
        self.assertEqual(response.text.count("<svg"), 3)
        self.assertContains(response, self.equipment_a.code)
        self.assertContains(response, "甲单位")

    def test_labels_follow_the_filters_and_the_scope(self):
        response = self.web(self.city_inspector).get("/equipment/labels/", {"region": self.YANGCHENG})
        self.assertContains(response, self.equipment_b.code)
        self.assertNotContains(response, self.equipment_a.code)
        for user in self.outsiders_of_unit_a():
            with self.subTest(user=user.username):
                self.assertNotContains(self.web(user).get("/equipment/labels/"), self.equipment_a.code)

    def test_at_most_the_limit_with_a_note(self):
        with mock.patch.object(views, "MAX_LABELS", 2):
            response = self.web(self.city_inspector).get("/equipment/labels/")
        self.assertEqual(response.text.count('class="eq-label"'), 2)
        self.assertContains(response, "符合条件的设备共 3 台，一次最多打印 2 张")


class PageHygieneTests(CastTestCase):
    """A Content-Security-Policy will forbid inline code: no page of the equipment module may need it."""

    INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)

    def test_no_inline_script_style_or_handlers(self):
        pages = [
            (self.owner, LIST),
            (self.owner, file_url(self.equipment_a)),
            (self.owner, f"{file_url(self.equipment_a)}edit/"),
            (self.owner, f"{file_url(self.equipment_a)}inspections/new/"),
            (self.owner, "/equipment/new/"),
            (self.owner, "/equipment/import/"),
            (self.owner, "/equipment/labels/"),
            (self.owner, "/equipment/inspections/"),
            (self.owner, "/equipment/certificates/"),
            (self.owner, "/equipment/certificates/new/"),
            (self.county_inspector, LIST),
            (None, f"/q/{self.equipment_a.public_token}/"),
        ]
        for user, url in pages:
            with self.subTest(url=url):
                response = self.web(user).get(url)
                self.assertEqual(response.status_code, 200)
                main = response.text[response.text.index("<main") :]
                self.assertNotIn("style=", main)
                self.assertNotIn("<style", main)
                self.assertIsNone(self.INLINE_SCRIPT.search(main))
                self.assertIsNone(self.HANDLER.search(main))

    def test_htmx_requests_get_only_the_results(self):
        for url, marker in (
            (LIST, self.equipment_a.code),
            ("/equipment/certificates/", "共 0 本"),
            ("/equipment/inspections/", "共 0 条"),
        ):
            with self.subTest(url=url):
                response = self.web(self.owner).get(url, headers={"HX-Request": "true"})
                self.assertContains(response, marker)
                self.assertNotContains(response, "<html")
                self.assertIn("HX-Request", response["Vary"])

    def test_too_many_units_for_a_select_keep_the_filter(self):
        with mock.patch.object(forms, "MAX_UNIT_CHOICES", 1):
            response = self.web(self.city_inspector).get(LIST, {"organization": self.unit_c.pk})
        self.assertContains(response, f'<input type="hidden" name="organization" value="{self.unit_c.pk}"')
        self.assertContains(response, self.equipment_c.code)
        self.assertNotContains(response, self.equipment_a.code)


class MissingVersionTests(CastTestCase):
    def test_an_edit_without_version_says_so(self):
        data = edit_data(self.equipment_a, name="新名字")
        del data["version"]
        response = self.web(self.owner).post(f"{file_url(self.equipment_a)}edit/", data)
        self.assertContains(response, "请提供读取时的版本号", status_code=400)
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.version, 1)
