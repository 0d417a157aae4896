"""The 风险分级管控清单 (risk control list) as .xlsx: real workbooks, opened the way an inspector would open them."""

import io
from datetime import date

import openpyxl
import time_machine

from shuangfang.core.testing import CastTestCase
from shuangfang.risks.exports import LEVEL_FILLS
from shuangfang.risks.services import do_create_risk, do_retire_risk

EXPORT = "/api/v1/risks/export/"
MEASURE_LABELS = ("工程技术", "管理", "培训教育", "个体防护", "应急处置")
TODAY = date(2026, 3, 2)


def measures() -> list[dict]:
    return [
        {"kind": "engineering", "text": "门锁啮合深度不小于 7 mm", "check": True},
        {"kind": "management", "text": "维保单位每半月检查门锁"},
        {"kind": "training", "text": "乘梯安全培训"},
        {"kind": "ppe", "text": "维保人员系安全带"},
        {"kind": "emergency", "text": "困人 30 分钟内到场"},
        {"kind": "management", "text": "门锁短接须经安全管理员批准"},
    ]


class RiskControlListTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(TODAY, tick=False):
            common = {"method": "ls", "measures": measures(), "consequence": "人员坠落井道", "accident_type": "09"}
            cls.major = do_create_risk(
                actor=cls.owner,
                equipment=cls.equipment_a,
                data={
                    **common,
                    "title": "层门门锁失效",
                    "hazard_source": "层门门锁触点被短接",
                    "factors": {"L": 4, "S": 5},
                    "control_level": "company",
                    "owner": cls.principal,
                    "emergency_actions": "立即停梯，设置警示",
                },
            )
            cls.formula = do_create_risk(
                actor=cls.owner,
                equipment=cls.equipment_a,
                data={
                    **common,
                    "title": "公式",
                    "hazard_source": '=HYPERLINK("http://example.invalid","点击")',
                    "factors": {"L": 2, "S": 3},
                    "control_level": "post",
                },
            )
            cls.retired = do_create_risk(
                actor=cls.owner,
                equipment=cls.equipment_a,
                data={
                    **common,
                    "title": "已拆除",
                    "hazard_source": "旧控制柜",
                    "factors": {"L": 2, "S": 3},
                    "control_level": "post",
                },
            )
            do_retire_risk(actor=cls.owner, risk=cls.retired, reason="控制柜已拆除", expected_version=1)
            cls.unit_c_risk = do_create_risk(
                actor=cls.other_unit_user,
                equipment=cls.equipment_c,
                data={
                    **common,
                    "title": "丙单位曳引绳",
                    "hazard_source": "曳引钢丝绳断丝",
                    "factors": {"L": 3, "S": 5},
                    "control_level": "company",
                },
            )

    def workbook(self, user, **params):
        response = self.api(user).get(EXPORT, params)
        self.assertEqual(response.status_code, 200, getattr(response, "content", b"")[:500])
        self.assertEqual(response["Content-Type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertIn(".xlsx", response["Content-Disposition"])
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = list(sheet.iter_rows(values_only=False))
        header = [cell.value for cell in rows[0]]
        return header, rows[1:]

    def column(self, header, starts_with):
        return next(index for index, title in enumerate(header) if title and title.startswith(starts_with))

    def titles(self, header, rows) -> list[str]:
        title_column = self.column(header, "风险名称")
        return sorted(row[title_column].value for row in rows)

    def test_the_header_has_the_list_columns(self):
        header, _rows = self.workbook(self.owner)
        for title in ("风险点", "风险等级", "管控层级", *MEASURE_LABELS):
            self.assertIn(title, header)
        self.assertTrue(any(title.startswith("危险源") for title in header))
        self.assertEqual(len(header), len(set(header)), "two columns with the same title")
        measure_columns = [header.index(label) for label in MEASURE_LABELS]
        self.assertEqual(measure_columns, sorted(measure_columns))

    def test_one_row_per_active_risk_with_its_values(self):
        header, rows = self.workbook(self.owner)
        self.assertEqual(self.titles(header, rows), sorted(["层门门锁失效", "公式"]))
        row = next(row for row in rows if row[self.column(header, "风险名称")].value == "层门门锁失效")
        value = {title: cell.value for title, cell in zip(header, row, strict=False)}
        self.assertEqual(value["风险点"], self.major.risk_point.name)
        self.assertEqual(value["设备代码"], self.equipment_a.code)
        self.assertEqual(value["风险值"], 20)
        self.assertEqual((value["L"], value["S"]), (4, 5))
        self.assertEqual(value["风险等级"], "重大风险")
        self.assertEqual(value["管控层级"], "公司级")
        self.assertEqual(value["责任人"], self.principal.display_name)
        self.assertEqual(value["工程技术"], "门锁啮合深度不小于 7 mm")
        self.assertEqual(value["管理"], "维保单位每半月检查门锁\n门锁短接须经安全管理员批准")
        self.assertEqual(value["应急处置"], "困人 30 分钟内到场")
        self.assertEqual(value["应急处置措施"], "立即停梯，设置警示")
        self.assertEqual(value["事故类型"], "高处坠落")
        self.assertEqual(value["评价日期"].date(), TODAY)
        self.assertEqual(value["下次评审日期"].date(), date(2026, 6, 2))

    def test_the_level_cell_is_filled_with_the_level_colour(self):
        header, rows = self.workbook(self.county_inspector)
        level_column = header.index("风险等级")
        title_column = self.column(header, "风险名称")
        fills = {row[title_column].value: row[level_column].fill.fgColor.rgb for row in rows}
        self.assertEqual(fills["层门门锁失效"][-6:], LEVEL_FILLS["major"].lstrip("#"))
        self.assertEqual(fills["丙单位曳引绳"][-6:], LEVEL_FILLS["significant"].lstrip("#"))
        self.assertEqual(fills["公式"][-6:], LEVEL_FILLS["low"].lstrip("#"))
        self.assertEqual(LEVEL_FILLS["major"], "#E63031")

    def test_a_formula_in_a_hazard_source_is_neutralised(self):
        header, rows = self.workbook(self.owner)
        hazard_column = self.column(header, "危险源")
        cell = next(row[hazard_column] for row in rows if row[self.column(header, "风险名称")].value == "公式")
        self.assertEqual(cell.data_type, "s")
        self.assertEqual(cell.value, '\'=HYPERLINK("http://example.invalid","点击")')

    def test_scope_and_filters_apply(self):
        header, rows = self.workbook(self.other_unit_user)
        self.assertEqual(self.titles(header, rows), ["丙单位曳引绳"])
        for user in (self.unit_b_user, self.sibling_inspector, self.other_city_inspector):
            with self.subTest(user=user.username):
                self.assertEqual(self.workbook(user)[1], [])
        header, rows = self.workbook(self.county_inspector)
        self.assertEqual(self.titles(header, rows), sorted(["层门门锁失效", "公式", "丙单位曳引绳"]))
        header, rows = self.workbook(self.county_inspector, level="major")
        self.assertEqual(self.titles(header, rows), ["层门门锁失效"])
        header, rows = self.workbook(self.county_inspector, organization=self.unit_c.pk)
        self.assertEqual(self.titles(header, rows), ["丙单位曳引绳"])
        header, rows = self.workbook(self.owner, is_active="false")
        self.assertEqual(self.titles(header, rows), ["已拆除"])

    def test_headers_follow_the_language_and_the_data_does_not(self):
        response = self.api(self.owner).get(EXPORT, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 200)
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
        for title in header:
            self.assertNotRegex(title, "[\u4e00-\u9fff]")
        values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
        self.assertIn("层门门锁失效", values)

    def test_anonymous_is_refused(self):
        self.assertIn(self.api().get(EXPORT).status_code, (401, 403))
