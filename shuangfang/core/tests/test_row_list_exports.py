"""The four row-list exports (equipment ledger, hazard list, units list, risk control list) as files: read back by
python-calamine (the import's reader) and openpyxl with their values' types, formulas neutralised, the header's look
and the frozen panes, and accepted by the upload guard (an exported ledger is imported again)."""

import io
from datetime import date, datetime, timedelta

import openpyxl
import time_machine
from django.utils import timezone
from python_calamine import CalamineWorkbook

from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.core.workbook_guard import check_workbook
from shuangfang.equipment import ledger
from shuangfang.equipment.models import Equipment
from shuangfang.hazards.exports import hazard_list_file
from shuangfang.hazards.models import Hazard
from shuangfang.orgs.exports import organization_list_file
from shuangfang.orgs.models import Organization
from shuangfang.risks.exports import LEVEL_FILLS, risk_control_list_file
from shuangfang.risks.models import Risk
from shuangfang.risks.services import do_create_risk

TODAY = date(2026, 3, 2)


def read(exported) -> tuple[list[list], openpyxl.worksheet.worksheet.Worksheet]:
    """The rows as python-calamine reads them, and the sheet as openpyxl opens it."""
    content = exported.read()
    exported.close()
    check_workbook(io.BytesIO(content))
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(content))
    rows = calamine.get_sheet_by_name(calamine.sheet_names[0]).to_python()
    return rows, openpyxl.load_workbook(io.BytesIO(content)).active


class RowListExportTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.formula_equipment = make_equipment(
            cls.unit_a, "FORMULA03", name="=1+1", site="@SUM(A1)", design_life_years=15, manufacturer="A&B <制造>"
        )
        with time_machine.travel(TODAY, tick=False):
            cls.hazard = Hazard.objects.create(
                organization=cls.unit_a,
                region_id=cls.unit_a.region_id,
                equipment=cls.equipment_a,
                description='=HYPERLINK("http://evil","x")',
                location="机房\x01",
                source="check",
                found_at=timezone.now(),
                grade="general",
                status="confirmed",
                deadline=TODAY + timedelta(days=5),
            )
            cls.risk = do_create_risk(
                actor=cls.owner,
                equipment=cls.equipment_a,
                data={
                    "method": "ls",
                    "measures": [{"kind": "engineering", "text": "门锁啮合深度不小于 7 mm"}],
                    "consequence": "人员坠落井道",
                    "accident_type": "09",
                    "title": "层门门锁失效",
                    "hazard_source": "-门锁触点被短接",
                    "factors": {"L": 4, "S": 5},
                    "control_level": "company",
                    "owner": cls.principal,
                },
            )

    def assert_header_look(self, sheet, fills=None):
        for cell in sheet[1]:
            with self.subTest(header=cell.value):
                self.assertTrue(cell.font.b)
                self.assertEqual(cell.border.bottom.style, "thin")
                self.assertEqual(cell.alignment.horizontal, "center")
                self.assertTrue(cell.alignment.wrap_text)
        for column, fill in (fills or {}).items():
            self.assertEqual(sheet.cell(1, column + 1).fill.fgColor.rgb, "FF" + fill.lstrip("#"))

    def test_equipment_ledger(self):
        queryset = Equipment.objects.filter(organization=self.unit_a)
        rows, sheet = read(ledger.export_file(queryset, actor=self.owner))
        header = rows[0]
        self.assertEqual(header[: len(ledger.COLUMNS)], [column.header for column in ledger.COLUMNS])
        values = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
        self.assertEqual(set(values), {self.equipment_a.code, "FORMULA03"})
        formula = values["FORMULA03"]
        self.assertEqual((formula["设备名称"], formula["使用地点"]), ("'=1+1", "'@SUM(A1)"))
        self.assertEqual(formula["制造单位"], "A&B <制造>")
        self.assertEqual(formula["投入使用日期"], date(2020, 5, 1))
        self.assertEqual(formula["设计使用年限"], 15)
        self.assertIsInstance(formula["设计使用年限"], float)
        self.assertEqual(formula["人员密集场所(是/否)"], "否")
        self.assertEqual(formula["未销号隐患"], 0)
        self.assertEqual(sheet.freeze_panes, "A2")
        code = header.index("设备代码")
        agency = header.index("使用单位名称")
        model = header.index("型号")
        fills = {code: ledger.REQUIRED_FILL, model: ledger.OPTIONAL_FILL, agency: ledger.READ_ONLY_FILL}
        self.assert_header_look(sheet, fills)
        self.assertEqual(sheet.column_dimensions["A"].width, 24.7109375)
        self.assertEqual(sheet.cell(2, header.index("投入使用日期") + 1).number_format, "yyyy-mm-dd")

    def test_hazard_list(self):
        rows, sheet = read(hazard_list_file(Hazard.objects.filter(pk=self.hazard.pk)))
        header, row = rows
        value = dict(zip(header, row, strict=True))
        self.assertEqual(value["序号"], 1)
        self.assertEqual(value["隐患编号"], self.hazard.pk)
        self.assertEqual(value["隐患描述"], '\'=HYPERLINK("http://evil","x")')
        self.assertEqual(value["部位"], "机房")
        self.assertEqual(value["发现时间"], TODAY)
        self.assertEqual(value["整改期限"], TODAY + timedelta(days=5))
        self.assertEqual(value["使用单位"], "甲单位")
        self.assertEqual(sheet.freeze_panes, "D2")
        self.assert_header_look(sheet)
        description = sheet.cell(2, header.index("隐患描述") + 1)
        self.assertTrue(description.alignment.wrap_text)
        self.assertEqual(description.alignment.vertical, "top")
        self.assertEqual(sheet.cell(2, header.index("整改期限") + 1).value, datetime(2026, 3, 7))

    def test_units_list(self):
        queryset = Organization.objects.filter(pk__in=[self.unit_a.pk, self.unit_c.pk]).order_by("name")
        rows, sheet = read(organization_list_file(queryset, user=self.county_inspector))
        header, *units = rows
        by_name = {row[1]: dict(zip(header, row, strict=True)) for row in units}
        self.assertEqual(set(by_name), {"甲单位", "丙单位"})
        self.assertEqual(by_name["甲单位"]["在用设备（台）"], 2)
        self.assertEqual(by_name["甲单位"]["统一社会信用代码"], self.unit_a.uscc)
        self.assertEqual(by_name["甲单位"]["地区代码"], self.ZEZHOU)
        self.assertEqual(sheet.freeze_panes, "C2")
        self.assert_header_look(sheet)

    def test_risk_control_list(self):
        rows, sheet = read(risk_control_list_file(Risk.objects.filter(pk=self.risk.pk)))
        header, row = rows
        value = dict(zip(header, row, strict=True))
        self.assertEqual(value["风险名称"], "层门门锁失效")
        self.assertEqual(value["危险源（危险有害因素）"], "'-门锁触点被短接")
        self.assertEqual((value["L"], value["S"], value["风险值"]), (4, 5, 20))
        self.assertEqual(value["风险等级"], "重大风险")
        self.assertEqual(value["评价日期"], TODAY)
        self.assertEqual(sheet.freeze_panes, "C2")
        self.assert_header_look(sheet)
        level = sheet.cell(2, header.index("风险等级") + 1)
        self.assertEqual(level.fill.fgColor.rgb, "FF" + LEVEL_FILLS["major"].lstrip("#"))
        self.assertTrue(level.font.b)
        self.assertTrue(sheet.cell(2, header.index("风险名称") + 1).alignment.wrap_text)
