"""The equipment ledger as .xlsx: template, import (all or nothing), error report and export."""

import io
import math
import struct
import zipfile
from datetime import date, datetime
from unittest import mock

import openpyxl
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from shuangfang.core import workbook_guard, xlsx
from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment, make_organization
from shuangfang.equipment import ledger
from shuangfang.equipment.models import Equipment
from shuangfang.orgs.uscc import make_uscc

IMPORT_URL = "/api/v1/equipment/import/"
TEMPLATE_URL = "/api/v1/equipment/import-template/"
EXPORT_URL = "/api/v1/equipment/export/"

# The template's headers, spelled out: they are the file format users keep copies of.
TEMPLATE_HEADERS = [
    "设备代码",
    "使用登记证编号",
    "设备类别代码",
    "设备名称",
    "型号",
    "出厂编号",
    "制造单位",
    "制造日期",
    "投入使用日期",
    "设计使用年限",
    "所在地区代码",
    "使用地点",
    "人员密集场所(是/否)",
    "状态(在用/停用/报废)",
    "上次检验日期",
    "下次检验日期",
    "检验机构统一社会信用代码",
    "使用单位统一社会信用代码",
]
FIELDS = [column.field for column in ledger.COLUMNS]


def ledger_row(code: str, **overrides) -> dict:
    row = {
        "code": code,
        "registration_no": f"梯11晋E{code[-5:]}(20)",
        "category": "3110",
        "name": f"客梯 {code[-4:]}",
        "model": "TKJ1000/1.75",
        "serial_no": f"SN-{code[-6:]}",
        "manufacturer": "某某电梯有限公司",
        "manufactured_on": "2019-12-01",
        "commissioned_on": date(2020, 5, 1),
        "design_life_years": 15,
        "region": "140525",
        "site": "1号楼",
        "crowded_place": "是",
        "status": "在用",
        "last_inspected_on": "2025-05-01",
        "inspection_due_on": "2026-12-31",
    }
    row.update(overrides)
    return row


def workbook_bytes(rows: list[dict], *, headers: list[str] | None = None, first_row: int = 0) -> bytes:
    """An .xlsx in the template's layout; a dict's keys are API field names, missing keys are blank."""
    headers = headers if headers is not None else TEMPLATE_HEADERS
    field_by_header = {column.header: column.field for column in ledger.COLUMNS}
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = book.add_worksheet("设备台账")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for index, header in enumerate(headers):
        sheet.write_string(first_row, index, header)
    for row_index, row in enumerate(rows, start=first_row + 1):
        for index, header in enumerate(headers):
            value = row.get(field_by_header.get(header, header))
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(row_index, index, value, date_format)
            elif isinstance(value, int | float):
                sheet.write_number(row_index, index, value)
            else:
                sheet.write_string(row_index, index, str(value))
    book.close()
    return output.getvalue()


def upload(data: bytes, name: str = "台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def response_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


def codes(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{number:05d}" for number in range(1, count + 1)]


class LedgerTestCase(CastTestCase):
    def post_file(self, user, data: bytes, *, dry_run: bool = False):
        return self.api(user).post(
            IMPORT_URL, {"file": upload(data), "dry_run": "true" if dry_run else "false"}, format="multipart"
        )

    def import_rows(self, user, rows: list[dict], **kwargs):
        return self.post_file(user, workbook_bytes(rows), **kwargs)

    def assertSingleError(self, response, row: int, column: str, fragment: str):
        self.assertEqual(response.status_code, 400, response.content)
        errors = response.json()["errors"]
        self.assertEqual(len(errors), 1, errors)
        self.assertEqual((errors[0]["row"], errors[0]["column"]), (row, column), errors)
        self.assertIn(fragment, errors[0]["message"])
        return errors[0]


class TemplateTests(LedgerTestCase):
    def template(self):
        response = self.api(self.owner).get(TEMPLATE_URL)
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        return openpyxl.load_workbook(io.BytesIO(response_bytes(response)))

    def test_template_has_the_headers_in_order_with_comments(self):
        book = self.template()
        self.assertEqual(book.sheetnames[0], "设备台账")
        sheet = book["设备台账"]
        self.assertEqual([cell.value for cell in sheet[1]], TEMPLATE_HEADERS)
        self.assertTrue(all(cell.comment is not None and cell.comment.text for cell in sheet[1]))
        self.assertIn("YYYY-MM-DD", sheet["H1"].comment.text)

    def test_template_has_drop_downs_for_category_status_and_yes_no(self):
        sheet = self.template()["设备台账"]
        formulas = {str(rule.sqref).split(":")[0]: rule.formula1 for rule in sheet.data_validations.dataValidation}
        self.assertEqual(formulas["C2"], "'目录代码'!$C$2:$C$122")
        self.assertEqual(formulas["N2"], '"在用,停用,报废"')
        self.assertEqual(formulas["M2"], '"是,否"')

    def test_catalog_sheet_is_hidden_and_lists_only_registrable_codes(self):
        book = self.template()
        catalog = book["目录代码"]
        self.assertEqual(catalog.sheet_state, "hidden")
        listed = [row[0] for row in catalog.iter_rows(min_row=2, values_only=True)]
        self.assertEqual(len(listed), 121)
        self.assertIn("3110", listed)
        self.assertNotIn("7310", listed)
        self.assertNotIn("F000", listed)
        self.assertEqual(catalog["C2"].value, "1000 锅炉")

    def test_instructions_explain_dates_and_catalog(self):
        text = " ".join(
            str(value) for row in self.template()["填写说明"].iter_rows(values_only=True) for value in row if value
        )
        self.assertIn("YYYY-MM-DD", text)
        self.assertIn("2014年第114号", text)
        for header in TEMPLATE_HEADERS:
            self.assertIn(header, text)

    def test_filled_template_imports(self):
        book = self.template()
        sheet = book["设备台账"]
        row = ledger_row("TPL0001", category="3110 曳引驱动乘客电梯", commissioned_on="2020-05-01")
        sheet.append([row.get(name) for name in FIELDS])
        output = io.BytesIO()
        book.save(output)
        response = self.post_file(self.owner, output.getvalue())
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Equipment.objects.get(code="TPL0001").category_id, "3110")


class ImportTests(LedgerTestCase):
    def test_good_file_imports_rows_and_records_an_event(self):
        rows = [ledger_row(code) for code in codes("IMP", 3)]
        rows[1].update(category=3120, crowded_place="否", status="停用", design_life_years="20")
        response = self.import_rows(self.owner, rows)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"created": 3, "updated": 0, "unchanged": 0, "dry_run": False})
        second = Equipment.objects.get(code="IMP00002")
        self.assertEqual(second.organization, self.unit_a)
        self.assertEqual(second.region_id, "140525")
        self.assertEqual(second.category_id, "3120")
        self.assertEqual(second.status, "suspended")
        self.assertFalse(second.crowded_place)
        self.assertEqual(second.design_life_years, 20)
        self.assertEqual(second.manufactured_on, date(2019, 12, 1))
        self.assertEqual(second.commissioned_on, date(2020, 5, 1))
        self.assertEqual(second.version, 1)
        self.assertTrue(second.public_token)
        event = Event.objects.get(type="equipment.imported")
        self.assertEqual(event.organization, self.unit_a)
        self.assertEqual(event.region_code, "140525")
        self.assertEqual(event.actor, self.owner)
        imported = Equipment.objects.filter(code__startswith="IMP").order_by("code")
        self.assertEqual(event.data["created"], [{"id": item.pk, "code": item.code} for item in imported])
        self.assertEqual(event.data["updated"], [])

    def test_dry_run_checks_and_writes_nothing(self):
        before = Event.objects.count()
        response = self.import_rows(self.owner, [ledger_row(code) for code in codes("DRY", 4)], dry_run=True)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"created": 4, "updated": 0, "unchanged": 0, "dry_run": True})
        self.assertFalse(Equipment.objects.filter(code__startswith="DRY").exists())
        self.assertEqual(Event.objects.count(), before)

    def test_one_bad_row_among_many_imports_nothing(self):
        rows = [ledger_row(code) for code in codes("MANY", 40)]
        rows[16]["category"] = "9999"
        before = (Equipment.objects.count(), Event.objects.count())
        response = self.import_rows(self.owner, rows)
        # Row 17 of the data is Excel row 18: the header is row 1.
        self.assertSingleError(response, 18, "category", "9999 不在《特种设备目录》中")
        self.assertEqual((Equipment.objects.count(), Event.objects.count()), before)

    def test_each_problem_has_its_message(self):
        cases = [
            ({"category": "9999"}, "category", "不在《特种设备目录》中"),
            ({"category": "7310"}, "category", "不办理使用登记"),
            ({"category": ""}, "category", "请填写设备类别"),
            ({"name": ""}, "name", "请填写设备名称"),
            ({"code": "电梯-01"}, "code", "只能包含字母、数字和连字符"),
            ({"manufactured_on": "2020-13-45"}, "manufactured_on", "不是存在的日期"),
            ({"manufactured_on": "去年"}, "manufactured_on", "格式 YYYY-MM-DD"),
            (
                {"manufactured_on": "2099-01-01", "commissioned_on": None, "last_inspected_on": None},
                "manufactured_on",
                "不能晚于今天",
            ),
            ({"manufactured_on": "2021-01-01"}, "commissioned_on", "投入使用日期不能早于制造日期"),
            ({"inspection_due_on": "2025-04-01"}, "inspection_due_on", "须晚于上次检验日期"),
            ({"design_life_years": "十五"}, "design_life_years", "须为整数"),
            ({"design_life_years": 500}, "design_life_years", "1 到 100"),
            ({"region": "140522"}, "region", "须在使用单位所在地区 140525 之内"),
            ({"region": "999999"}, "region", "不是县级行政区划代码"),
            ({"crowded_place": "也许"}, "crowded_place", "“是”或“否”"),
            ({"status": "维修中"}, "status", "“在用”“停用”或“报废”"),
            ({"site": "长" * 300}, "site", "不能超过 255 个字符"),
            ({"inspection_agency": self.unit_c.uscc}, "inspection_agency", "不是平台上登记的检验机构"),
            ({"inspection_agency": "91140525MA0000000X"}, "inspection_agency", "统一社会信用代码"),
            ({"organization": self.unit_c.uscc}, "organization", "只能导入本单位的设备"),
            ({"code": 3.110140101202e17}, "code", "超过 15 位的编号末尾已丢失"),
        ]
        for overrides, column, fragment in cases:
            with self.subTest(column=column, overrides=str(overrides)[:60]):
                response = self.import_rows(
                    self.owner, [ledger_row("GOOD00001"), {**ledger_row("CASE00001"), **overrides}]
                )
                self.assertSingleError(response, 3, column, fragment)
        self.assertFalse(Equipment.objects.filter(code__in=["GOOD00001", "CASE00001"]).exists())

    def test_duplicate_code_in_the_file_names_the_first_row(self):
        rows = [ledger_row("DUP00001"), ledger_row("DUP00002"), ledger_row("dup 00001")]
        self.assertSingleError(self.import_rows(self.owner, rows), 4, "code", "DUP00001 与第 2 行重复")

    def test_code_of_another_unit_is_refused_without_naming_it(self):
        response = self.import_rows(self.owner, [ledger_row(self.equipment_c.code)])
        error = self.assertSingleError(response, 2, "code", "已由其他单位登记")
        self.assertNotIn(self.unit_c.name, error["message"])
        self.assertNotIn(self.unit_c.uscc, error["message"])
        self.equipment_c.refresh_from_db()
        self.assertEqual(self.equipment_c.organization, self.unit_c)

    def test_unknown_and_missing_headers_are_named(self):
        headers = [header for header in TEMPLATE_HEADERS if header != "设备名称"] + ["备注"]
        response = self.post_file(self.owner, workbook_bytes([ledger_row("HDR00001")], headers=headers))
        self.assertEqual(response.status_code, 400)
        errors = response.json()["errors"]
        self.assertEqual([(error["row"], error["column"]) for error in errors], [(1, ""), (1, "")])
        self.assertIn("“备注”", errors[0]["message"])
        self.assertIn("“设备名称”", errors[1]["message"])

    def test_headers_with_full_width_brackets_and_export_columns_are_accepted(self):
        headers = [header.replace("(", "（").replace(")", "）") for header in TEMPLATE_HEADERS] + ["检验状态"]
        response = self.post_file(self.owner, workbook_bytes([ledger_row("FW00001")], headers=headers))
        self.assertEqual(response.status_code, 200, response.content)

    def test_row_numbers_follow_the_sheet_when_it_starts_lower(self):
        data = workbook_bytes([ledger_row("LOW00001"), ledger_row("LOW00002", category="7310")], first_row=2)
        self.assertSingleError(self.post_file(self.owner, data), 5, "category", "不办理使用登记")

    def test_cells_in_other_shapes_are_read(self):
        row = ledger_row(
            "SHAPE0001",
            category="3110 曳引驱动乘客电梯",
            manufactured_on=43800,  # Excel's day number for 2019-12-01
            commissioned_on="2020/5/1",
            region=140525,
            crowded_place="否",
            status="suspended",
            design_life_years=15.0,
        )
        response = self.import_rows(self.owner, [row])
        self.assertEqual(response.status_code, 200, response.content)
        equipment = Equipment.objects.get(code="SHAPE0001")
        self.assertEqual(
            (equipment.category_id, equipment.manufactured_on, equipment.commissioned_on, equipment.region_id),
            ("3110", date(2019, 12, 1), date(2020, 5, 1), "140525"),
        )
        self.assertEqual(
            (equipment.status, equipment.crowded_place, equipment.design_life_years), ("suspended", False, 15)
        )

    def test_agency_is_resolved_by_its_uscc(self):
        response = self.import_rows(self.owner, [ledger_row("AGY00001", inspection_agency=self.agency.uscc)])
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Equipment.objects.get(code="AGY00001").inspection_agency, self.agency)

    def test_errors_are_capped_and_the_rest_counted(self):
        rows = [ledger_row(code, category="9999") for code in codes("CAP", ledger.MAX_ERRORS + 5)]
        response = self.import_rows(self.owner, rows)
        self.assertEqual(response.status_code, 400)
        errors = response.json()["errors"]
        self.assertEqual(len(errors), ledger.MAX_ERRORS + 1)
        self.assertEqual(errors[-1]["row"], 0)
        self.assertIn("另有 5 个错误未列出", errors[-1]["message"])

    def test_empty_sheet_is_an_error(self):
        response = self.post_file(self.owner, workbook_bytes([]))
        self.assertSingleError(response, 0, "", "没有设备数据行")


class ChunkedImportTests(LedgerTestCase):
    def test_each_written_chunk_records_one_event(self):
        rows = [ledger_row(code) for code in codes("CHK", 25)]
        with mock.patch.object(ledger, "CHUNK_ROWS", 10):
            response = self.import_rows(self.owner, rows)
        self.assertEqual(response.json()["created"], 25, response.content)
        events = Event.objects.filter(type="equipment.imported").order_by("seq")
        self.assertEqual([len(event.data["created"]) for event in events], [10, 10, 5])
        self.assertEqual([event.data["rows"] for event in events], [[2, 11], [12, 21], [22, 26]])

    def test_an_error_after_written_chunks_imports_nothing(self):
        rows = [ledger_row(code) for code in codes("LATE", 25)]
        rows[-1]["category"] = "9999"
        with mock.patch.object(ledger, "CHUNK_ROWS", 10):
            response = self.import_rows(self.owner, rows)
        self.assertSingleError(response, 26, "category", "9999")
        self.assertFalse(Equipment.objects.filter(code__startswith="LATE").exists())
        self.assertFalse(Event.objects.filter(type="equipment.imported").exists())

    def test_a_conflict_arising_during_the_import_imports_nothing(self):
        write = ledger._ChunkWriter.write
        unit_c = self.unit_c

        def write_then_someone_registers(writer, chunk):
            write(writer, chunk)
            if not Equipment.objects.filter(code="MID00015").exists():
                make_equipment(unit_c, "MID00015")

        rows = [ledger_row(code) for code in codes("MID", 25)]
        with (
            mock.patch.object(ledger, "CHUNK_ROWS", 10),
            mock.patch.object(ledger._ChunkWriter, "write", write_then_someone_registers),
        ):
            response = self.import_rows(self.owner, rows)
        self.assertSingleError(response, 16, "code", "已由其他单位登记")
        self.assertFalse(Equipment.objects.filter(code__startswith="MID").exists())
        self.assertFalse(Event.objects.filter(type="equipment.imported").exists())


class ReimportTests(LedgerTestCase):
    def test_reimport_updates_instead_of_duplicating(self):
        rows = [ledger_row(code) for code in codes("RE", 3)]
        self.assertEqual(self.import_rows(self.owner, rows).status_code, 200)
        tokens = dict(Equipment.objects.filter(code__startswith="RE").values_list("code", "public_token"))
        rows[0]["name"] = "改名的客梯"
        rows[2]["inspection_agency"] = self.agency.uscc
        response = self.import_rows(self.owner, rows)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"created": 0, "updated": 2, "unchanged": 1, "dry_run": False})
        self.assertEqual(Equipment.objects.filter(code__startswith="RE").count(), 3)
        renamed = Equipment.objects.get(code="RE00001")
        self.assertEqual((renamed.name, renamed.version), ("改名的客梯", 2))
        self.assertEqual(Equipment.objects.get(code="RE00002").version, 1)
        self.assertEqual(Equipment.objects.get(code="RE00003").inspection_agency, self.agency)
        self.assertEqual(
            dict(Equipment.objects.filter(code__startswith="RE").values_list("code", "public_token")), tokens
        )
        event = Event.objects.filter(type="equipment.imported").latest("seq")
        self.assertEqual(event.data["created"], [])
        self.assertEqual(
            event.data["updated"],
            [
                {"id": renamed.pk, "code": "RE00001", "fields": ["name"]},
                {"id": Equipment.objects.get(code="RE00003").pk, "code": "RE00003", "fields": ["inspection_agency"]},
            ],
        )

    def test_reimport_of_registered_equipment_keeps_status_when_blank(self):
        self.equipment_a.status = "suspended"
        self.equipment_a.save()
        response = self.import_rows(self.owner, [ledger_row(self.equipment_a.code, status="", name="甲单位1号梯")])
        self.assertEqual(response.json()["updated"], 1, response.content)
        self.equipment_a.refresh_from_db()
        self.assertEqual((self.equipment_a.status, self.equipment_a.name), ("suspended", "甲单位1号梯"))

    def test_scrapped_equipment_cannot_be_revived_by_import(self):
        self.equipment_a.status = "scrapped"
        self.equipment_a.save()
        response = self.import_rows(self.owner, [ledger_row(self.equipment_a.code, status="在用")])
        self.assertSingleError(response, 2, "status", "已报废")


class RegulatorImportTests(LedgerTestCase):
    def test_regulator_imports_for_units_in_its_jurisdiction(self):
        rows = [
            ledger_row("REG00001", organization=self.unit_a.uscc),
            ledger_row("REG00002", organization=self.unit_c.uscc),
            ledger_row("REG00003", organization=self.unit_a.uscc),
        ]
        response = self.import_rows(self.county_inspector, rows)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            dict(Equipment.objects.filter(code__startswith="REG").values_list("code", "organization")),
            {"REG00001": self.unit_a.pk, "REG00002": self.unit_c.pk, "REG00003": self.unit_a.pk},
        )
        events = Event.objects.filter(type="equipment.imported").order_by("seq")
        self.assertEqual([event.organization for event in events], [self.unit_a, self.unit_c])
        self.assertEqual([item["code"] for item in events[0].data["created"]], ["REG00001", "REG00003"])
        self.assertEqual([item["code"] for item in events[1].data["created"]], ["REG00002"])

    def test_unit_outside_the_jurisdiction_reads_like_a_unit_that_does_not_exist(self):
        outside = self.import_rows(self.county_inspector, [ledger_row("OUT00001", organization=self.unit_b.uscc)])
        error_outside = self.assertSingleError(outside, 2, "organization", "不是您辖区内的使用单位")
        missing_uscc = make_uscc("91140525999999999")
        missing = self.import_rows(self.county_inspector, [ledger_row("OUT00001", organization=missing_uscc)])
        error_missing = self.assertSingleError(missing, 2, "organization", "不是您辖区内的使用单位")
        self.assertEqual(
            error_outside["message"].replace(self.unit_b.uscc, "X"), error_missing["message"].replace(missing_uscc, "X")
        )
        self.assertNotIn(self.unit_b.name, error_outside["message"])
        self.assertFalse(Equipment.objects.filter(code="OUT00001").exists())

    def test_regulator_must_name_the_unit(self):
        response = self.import_rows(self.county_inspector, [ledger_row("NOUNIT001")])
        self.assertSingleError(response, 2, "organization", "请填写设备所属使用单位")

    def test_regulator_cannot_register_equipment_to_a_public_body(self):
        response = self.import_rows(self.county_inspector, [ledger_row("PUB00001", organization=self.agency.uscc)])
        self.assertSingleError(response, 2, "organization", "不是您辖区内的使用单位")

    def test_city_regulator_imports_for_a_unit_in_another_county_of_its_city(self):
        row = ledger_row("CITY00001", organization=self.unit_b.uscc, region="140522")
        response = self.import_rows(self.city_inspector, [row])
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Equipment.objects.get(code="CITY00001").organization, self.unit_b)


class ImportPermissionAndFileTests(LedgerTestCase):
    def test_read_only_member_and_agency_get_403(self):
        data = workbook_bytes([ledger_row("PERM00001")])
        for user in (self.member, self.agency_user, self.province_leader, self.audit_admin):
            with self.subTest(user=user.username):
                self.assertEqual(self.post_file(user, data).status_code, 403)
        self.assertFalse(Equipment.objects.filter(code="PERM00001").exists())

    def test_anonymous_is_refused(self):
        response = self.api().post(IMPORT_URL, {"file": upload(workbook_bytes([]))}, format="multipart")
        self.assertIn(response.status_code, (401, 403))

    def assertFileRefused(self, data: bytes, fragment: str):
        response = self.post_file(self.owner, data)
        self.assertSingleError(response, 0, "", fragment)

    def test_files_that_are_not_xlsx_are_refused(self):
        self.assertFileRefused("设备代码,设备名称\nA1,锅炉\n".encode(), ".xlsx")
        self.assertFileRefused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, ".xlsx")
        self.assertFileRefused(b"PK\x03\x04" + b"\0" * 200, "已损坏")

    def test_a_zip_that_is_not_a_workbook_is_refused(self):
        output = io.BytesIO()
        with zipfile.ZipFile(output, "w") as archive:
            archive.writestr("readme.txt", "不是表格")
        self.assertFileRefused(output.getvalue(), "无法读取文件")

    def test_zip_declaring_a_huge_uncompressed_size_is_refused_before_parsing(self):
        output = io.BytesIO()
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", b"<x/>")
        data = bytearray(output.getvalue())
        # Declare 600 MB in the central directory entry (uncompressed size at offset 24).
        central = data.index(b"PK\x01\x02")
        struct.pack_into("<I", data, central + 24, 600 * 1024 * 1024)
        self.assertFileRefused(bytes(data), "解压后超过 500 MB")

    def test_zip_with_too_many_entries_is_refused(self):
        output = io.BytesIO()
        with zipfile.ZipFile(output, "w") as archive:
            for number in range(workbook_guard.MAX_ZIP_ENTRIES + 1):
                archive.writestr(f"part{number}.xml", b"")
        self.assertFileRefused(output.getvalue(), "文件结构异常")

    def test_file_over_the_size_limit_is_refused(self):
        data = workbook_bytes([ledger_row(code) for code in codes("BIG", 20)])
        with override_settings(LEDGER_IMPORT_MAX_BYTES=len(data) - 1):
            self.assertFileRefused(data, "文件超过")


class ImportQueryCountTests(LedgerTestCase):
    def count_queries(self, rows: int, prefix: str, *, dry_run: bool):
        data = workbook_bytes([ledger_row(code) for code in codes(prefix, rows)])
        with CaptureQueriesContext(connection) as context:
            response = self.post_file(self.owner, data, dry_run=dry_run)
        self.assertEqual(response.status_code, 200, response.content)
        statements = [query["sql"].lstrip().split(None, 1)[0].upper() for query in context.captured_queries]
        return statements

    def test_checking_costs_the_same_for_50_and_500_rows(self):
        self.assertEqual(
            len(self.count_queries(50, "QA", dry_run=True)), len(self.count_queries(500, "QB", dry_run=True))
        )

    def test_writing_needs_only_the_bulk_insert_batches_more(self):
        small = self.count_queries(50, "QC", dry_run=False)
        large = self.count_queries(500, "QD", dry_run=False)
        self.assertEqual([s for s in small if s != "INSERT"], [s for s in large if s != "INSERT"])
        # Inserts: the bulk batches the database allows (SQLite: 999 parameters a statement) and one event.
        fields = [field for field in Equipment._meta.concrete_fields if not field.primary_key]
        batch = connection.ops.bulk_batch_size(fields, [None] * 500) or 500
        self.assertLessEqual(large.count("INSERT"), math.ceil(500 / batch) + 1)
        self.assertLess(len(large), 500 / 10)


class ErrorReportTests(LedgerTestCase):
    def test_report_copies_the_rows_and_marks_the_bad_cells(self):
        rows = [ledger_row(code) for code in codes("RPT", 4)]
        rows[1]["category"] = "7310"
        rows[3].update(manufactured_on="2021-01-01", region="140522")
        data = workbook_bytes(rows)
        result = ledger.import_ledger(actor=self.owner, uploaded=upload(data), dry_run=False)
        self.assertEqual(
            [(error.row, error.column) for error in result.errors],
            [(3, "category"), (5, "commissioned_on"), (5, "region")],
        )
        report = openpyxl.load_workbook(ledger.error_report_file(upload(data), result.errors))
        sheet = report["设备台账"]
        headers = [cell.value for cell in sheet[1]]
        self.assertEqual(headers, [*TEMPLATE_HEADERS, "错误说明"])
        message_column = len(TEMPLATE_HEADERS) + 1
        self.assertEqual(sheet.cell(3, 3).value, "7310")
        self.assertEqual(sheet.cell(3, 3).fill.fgColor.rgb, "FFFF9999")
        self.assertIn("不办理使用登记", sheet.cell(3, 3).comment.text)
        self.assertIn("设备类别代码：", sheet.cell(3, message_column).value)
        self.assertEqual(sheet.cell(5, 9).fill.fgColor.rgb, "FFFF9999")
        self.assertEqual(sheet.cell(5, 11).fill.fgColor.rgb, "FFFF9999")
        self.assertIn("投入使用日期不能早于制造日期", sheet.cell(5, message_column).value)
        self.assertIsNone(sheet.cell(2, message_column).value)
        self.assertNotEqual(sheet.cell(2, 3).fill.fgColor.rgb, "FFFF9999")
        self.assertEqual(sheet.cell(2, 9).value, datetime(2020, 5, 1))
        summary = list(report["错误汇总"].iter_rows(min_row=2, values_only=True))
        self.assertEqual(
            [(row[0], row[1]) for row in summary], [(3, "设备类别代码"), (5, "投入使用日期"), (5, "所在地区代码")]
        )

    def test_report_marks_unknown_headers(self):
        data = workbook_bytes([ledger_row("RH00001")], headers=[*TEMPLATE_HEADERS, "备注"])
        result = ledger.import_ledger(actor=self.owner, uploaded=upload(data), dry_run=True)
        sheet = openpyxl.load_workbook(ledger.error_report_file(upload(data), result.errors))["设备台账"]
        self.assertEqual(sheet.cell(1, len(TEMPLATE_HEADERS) + 1).value, "备注")
        self.assertEqual(sheet.cell(1, len(TEMPLATE_HEADERS) + 1).fill.fgColor.rgb, "FFFF9999")
        self.assertIn("备注", sheet.cell(1, len(TEMPLATE_HEADERS) + 2).comment.text)

    def test_report_for_an_unreadable_file_lists_the_problem(self):
        data = b"not a workbook"
        result = ledger.import_ledger(actor=self.owner, uploaded=upload(data), dry_run=True)
        report = openpyxl.load_workbook(ledger.error_report_file(upload(data), result.errors))
        self.assertEqual(report.sheetnames, ["错误汇总"])
        self.assertIn(".xlsx", report["错误汇总"]["C2"].value)


class ExportTests(LedgerTestCase):
    def export(self, user, query: str = "") -> list[tuple]:
        response = self.api(user).get(EXPORT_URL + query)
        self.assertEqual(response.status_code, 200)
        self.assertRegex(response["Content-Disposition"], r"attachment; filename\*=utf-8''.*\.xlsx")
        self.exported = response_bytes(response)
        sheet = openpyxl.load_workbook(io.BytesIO(self.exported))["设备台账"]
        return list(sheet.iter_rows(values_only=True))

    def test_export_has_the_template_columns_then_read_only_ones(self):
        header = self.export(self.owner)[0]
        self.assertEqual(list(header), [*TEMPLATE_HEADERS, "使用单位名称", "检验状态", "风险等级", "未销号隐患"])

    def test_export_contains_only_visible_rows(self):
        def exported_codes(user):
            return {row[0] for row in self.export(user)[1:]}

        self.assertEqual(exported_codes(self.owner), {self.equipment_a.code})
        self.assertNotIn(self.equipment_a.code, exported_codes(self.other_unit_user))
        self.assertEqual(exported_codes(self.county_inspector), {self.equipment_a.code, self.equipment_c.code})
        self.assertEqual(exported_codes(self.other_city_inspector), set())

    def test_export_applies_the_filters(self):
        make_equipment(self.unit_a, "CRANE0001", category="4110")
        self.assertEqual({row[0] for row in self.export(self.owner)[1:]}, {self.equipment_a.code, "CRANE0001"})
        self.assertEqual([row[0] for row in self.export(self.owner, "?category=3000")[1:]], [self.equipment_a.code])
        self.assertEqual([row[0] for row in self.export(self.owner, "?category=4000")[1:]], ["CRANE0001"])

    def test_export_writes_labels_and_real_dates(self):
        row = self.export(self.owner)[1]
        values = dict(
            zip([*FIELDS, "organization_name", "inspection_state", "risk_level", "open_hazards"], row, strict=True)
        )
        self.assertEqual(values["commissioned_on"], datetime(2020, 5, 1))
        self.assertEqual(values["status"], "在用")
        self.assertEqual(values["crowded_place"], "否")
        self.assertEqual(values["inspection_agency"], self.agency.uscc)
        self.assertEqual(values["organization"], self.unit_a.uscc)
        self.assertEqual(values["organization_name"], "甲单位")
        self.assertIn(values["inspection_state"], {"在有效期内", "30日内到期", "超期未检"})
        self.assertEqual(values["open_hazards"], 0)

    def test_export_neutralises_formulas(self):
        make_equipment(self.unit_a, "FORMULA01", name='=HYPERLINK("http://example.com","点击")', site="@SUM(1)")
        row = next(row for row in self.export(self.owner)[1:] if row[0] == "FORMULA01")
        self.assertEqual(row[FIELDS.index("name")], '\'=HYPERLINK("http://example.com","点击")')
        self.assertEqual(row[FIELDS.index("site")], "'@SUM(1)")
        self.assertEqual(xlsx.neutralise("-1+2"), "'-1+2")
        self.assertEqual(xlsx.neutralise("\tx"), "'\tx")
        self.assertEqual(xlsx.neutralise("普通名称"), "普通名称")

    def test_export_round_trips_through_import(self):
        formula = make_equipment(self.unit_a, "FORMULA02", name="=1+1", crowded_place=True, design_life_years=20)
        self.export(self.owner)
        response = self.post_file(self.owner, self.exported)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"created": 0, "updated": 0, "unchanged": 2, "dry_run": False})
        formula.refresh_from_db()
        self.assertEqual((formula.name, formula.version), ("=1+1", 1))

    def test_regulator_export_round_trips_for_several_units(self):
        self.export(self.county_inspector)
        response = self.post_file(self.county_inspector, self.exported)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["unchanged"], 2)

    def test_export_is_readable_by_calamine(self):
        self.export(self.owner)
        rows = CalamineWorkbook.from_filelike(io.BytesIO(self.exported)).get_sheet_by_name("设备台账").to_python()
        self.assertEqual(rows[1][0], self.equipment_a.code)
        self.assertEqual(rows[1][FIELDS.index("commissioned_on")], date(2020, 5, 1))

    def test_export_filename_carries_the_date(self):
        self.assertRegex(ledger.export_filename(), r"^设备台账_\d{8}\.xlsx$")

    def test_outsider_export_of_another_city_is_empty(self):
        other = make_organization("太原某单位", "use_unit", self.XIAODIAN, seed=40)
        make_equipment(other, "TAIYUAN001")
        self.assertEqual(len(self.export(self.county_inspector)), 3)
        self.assertEqual([row[0] for row in self.export(self.other_city_inspector)[1:]], ["TAIYUAN001"])
