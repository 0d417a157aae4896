"""Formula injection in exports (CWE-1236, ASVS 5.0 1.2.10): every trigger character is neutralised, nothing else.
The streaming row-list writer: values read back with their types by python-calamine and openpyxl, text escaped,
the header's look, frozen panes, a package the upload guard accepts."""

import io
import tempfile
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from xml.etree import ElementTree

import openpyxl
from django.test import SimpleTestCase
from python_calamine import CalamineWorkbook

from shuangfang.core.workbook_guard import check_workbook
from shuangfang.core.xlsx import (
    DATE_FORMAT,
    ROWS_PER_WRITE,
    CellStyle,
    RowListWorkbook,
    SheetColumn,
    column_letters,
    neutralise,
)


class NeutraliseTests(SimpleTestCase):
    def test_every_trigger_gets_an_apostrophe(self):
        for text in ("=1+1", "+86 139", "-2", "@SUM(A1)", "\tcmd", "\rcmd", "\0x"):
            with self.subTest(text=repr(text)):
                self.assertEqual(neutralise(text), "'" + text)

    def test_other_text_is_unchanged(self):
        for text in ("电梯", "A=1", "1-2", "", "'已转义"):
            with self.subTest(text=text):
                self.assertEqual(neutralise(text), text)


def written(rows, columns=None, **sheet_options) -> bytes:
    """`rows` written by RowListWorkbook under a header of one column per cell of the first row."""
    columns = columns or [SheetColumn(f"列{index}") for index in range(len(rows[0]) if rows else 1)]
    output = io.BytesIO()
    with RowListWorkbook(output) as workbook:
        sheet = workbook.add_sheet("清单", columns, **sheet_options)
        for cells in rows:
            sheet.write_row(cells)
    return output.getvalue()


def calamine_rows(content: bytes, sheet: str = "清单") -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(sheet).to_python()


def openpyxl_sheet(content: bytes, sheet: str = "清单"):
    return openpyxl.load_workbook(io.BytesIO(content))[sheet]


class RowListValuesTests(SimpleTestCase):
    def test_each_value_reads_back_with_its_type(self):
        cells = [
            "设备名称",
            42,
            2.5,
            Decimal("19.25"),
            date(2024, 2, 29),
            datetime(2024, 3, 1, 18, 30, tzinfo=UTC),
            True,
            None,
            "",
            "末列",
        ]
        [header, row] = calamine_rows(written([cells]))
        self.assertEqual(header[0], "列0")
        self.assertEqual(
            row,
            ["设备名称", 42, 2.5, 19.25, date(2024, 2, 29), datetime(2024, 3, 1, 18, 30), "True", "", "", "末列"],
        )
        for value in row[1:4]:
            self.assertIsInstance(value, float)

    def test_openpyxl_sees_dates_as_dates_shown_as_iso_and_numbers_as_numbers(self):
        sheet = openpyxl_sheet(written([[date(2020, 5, 1), 7, "7"]]))
        self.assertEqual(sheet["A2"].value, datetime(2020, 5, 1))
        self.assertEqual(sheet["A2"].number_format, DATE_FORMAT)
        self.assertEqual((sheet["B2"].value, sheet["B2"].data_type), (7, "n"))
        self.assertEqual((sheet["C2"].value, sheet["C2"].data_type), ("7", "s"))

    def test_dates_around_the_excel_leap_year_keep_their_day(self):
        days = [date(1900, 1, 1), date(1900, 2, 28), date(1900, 3, 1), date(1999, 12, 31), date(9999, 12, 31)]
        [_header, row] = calamine_rows(written([days]))
        self.assertEqual(row, days)
        sheet_xml = zipfile.ZipFile(io.BytesIO(written([[date(1900, 3, 1), date(2020, 5, 1)]]))).read(
            "xl/worksheets/sheet1.xml"
        )
        self.assertIn(b"<v>61</v>", sheet_xml)
        self.assertIn(b"<v>43952</v>", sheet_xml)

    def test_a_date_excel_cannot_show_is_written_as_text(self):
        [_header, row] = calamine_rows(written([[date(1899, 12, 1)]]))
        self.assertEqual(row, ["1899-12-01"])

    def test_numbers_excel_cannot_hold_are_written_as_text(self):
        [_header, row] = calamine_rows(written([[float("nan"), float("inf"), Decimal("NaN")]]))
        self.assertEqual(row, ["nan", "inf", "NaN"])

    def test_empty_cells_are_left_out_and_later_cells_keep_their_column(self):
        content = written([[None, "", "C"]])
        self.assertEqual(calamine_rows(content)[1], ["", "", "C"])
        self.assertNotIn(b'r="A2"', zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml"))

    def test_columns_past_z_are_addressed_with_two_letters(self):
        self.assertEqual(
            [column_letters(index) for index in (0, 25, 26, 51, 701, 702)], ["A", "Z", "AA", "AZ", "ZZ", "AAA"]
        )
        row = list(range(30))
        self.assertEqual(calamine_rows(written([row]))[1], row)
        self.assertEqual(openpyxl_sheet(written([row]))["AD2"].value, 29)

    def test_many_rows_in_order(self):
        rows = [[number, f"设备{number}", date(2020, 1, 1)] for number in range(3 * ROWS_PER_WRITE + 7)]
        read = calamine_rows(written(rows))
        self.assertEqual(len(read), len(rows) + 1)
        self.assertEqual(read[-1], [len(rows) - 1, f"设备{len(rows) - 1}", date(2020, 1, 1)])


class RowListTextTests(SimpleTestCase):
    def read_back(self, *texts) -> list:
        return calamine_rows(written([list(texts)]))[1]

    def test_markup_characters_are_escaped(self):
        texts = ('<b>"粗体"</b> & 1 > 0', "A&amp;B", "]]>", "'引号'")
        self.assertEqual(self.read_back(*texts), list(texts))
        self.assertEqual(openpyxl_sheet(written([list(texts)]))["A2"].value, texts[0])

    def test_characters_illegal_in_xml_are_removed(self):
        texts = ("a\x00b\x01c\x08d", "e\x0bf\x0cg\x1fh", "i\ufffej\uffffk", "l\ud800m")
        self.assertEqual(self.read_back(*texts), ["abcd", "efgh", "ijk", "lm"])

    def test_a_cell_of_illegal_characters_only_is_left_empty(self):
        content = written([["\x01\x02", "B"]])
        self.assertEqual(calamine_rows(content)[1], ["", "B"])

    def test_tabs_line_breaks_and_carriage_returns_are_kept(self):
        self.assertEqual(self.read_back("第一行\n第二行", "a\tb", "c\r\nd"), ["第一行\n第二行", "a\tb", "c\r\nd"])

    def test_spaces_at_either_end_are_kept(self):
        texts = ("  两端空格  ", "末尾换行\n", " ")
        self.assertEqual(self.read_back(*texts), list(texts))
        self.assertEqual(openpyxl_sheet(written([list(texts)]))["A2"].value, texts[0])

    def test_text_that_looks_like_an_excel_escape_keeps_its_text(self):
        self.assertEqual(self.read_back("_x0041_", "a_x00e9_b", "_x12_"), ["_x0041_", "a_x00e9_b", "_x12_"])

    def test_formulas_are_neutralised(self):
        texts = ("=1+1", "+86 139", "-2", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("http://evil","x")')
        self.assertEqual(self.read_back(*texts), [neutralise(text) for text in texts])
        sheet = openpyxl_sheet(written([list(texts)]))
        self.assertEqual(sheet["A2"].data_type, "s")
        self.assertEqual(sheet["A2"].value, "'=1+1")

    def test_a_formula_behind_an_illegal_character_is_still_neutralised(self):
        self.assertEqual(self.read_back("\x01=cmd|' /C calc'!A0", "\x00@SUM(1)"), ["'=cmd|' /C calc'!A0", "'@SUM(1)"])

    def test_text_of_other_types_is_neutralised_too(self):
        class Label:
            def __str__(self):
                return "=危险"

        self.assertEqual(self.read_back(Label(), False), ["'=危险", "False"])


class RowListLookTests(SimpleTestCase):
    def test_header_has_the_header_look_and_each_column_its_fill(self):
        columns = [
            SheetColumn("设备代码", 24, header_fill="#F8CBAD"),
            SheetColumn("型号", header_fill="#DDEBF7"),
            SheetColumn("备注"),
        ]
        sheet = openpyxl_sheet(written([["A", "B", "C"]], columns))
        for cell in sheet[1]:
            with self.subTest(cell=cell.coordinate):
                self.assertTrue(cell.font.b)
                self.assertEqual(
                    [cell.border.left.style, cell.border.right.style, cell.border.top.style, cell.border.bottom.style],
                    ["thin"] * 4,
                )
                self.assertEqual((cell.alignment.horizontal, cell.alignment.vertical), ("center", "center"))
                self.assertTrue(cell.alignment.wrap_text)
        self.assertEqual(sheet["A1"].fill.fgColor.rgb, "FFF8CBAD")
        self.assertEqual(sheet["B1"].fill.fgColor.rgb, "FFDDEBF7")
        self.assertEqual(sheet["C1"].fill.fill_type, None)
        self.assertFalse(sheet["A2"].font.b)
        self.assertEqual(sheet["A2"].fill.fill_type, None)

    def test_widths_are_those_of_xlsxwriter(self):
        sheet = openpyxl_sheet(written([["A", "B"]], [SheetColumn("甲", 24), SheetColumn("乙", 6)]))
        self.assertAlmostEqual(sheet.column_dimensions["A"].width, 24.7109375)
        self.assertAlmostEqual(sheet.column_dimensions["B"].width, 6.7109375)

    def test_frozen_panes(self):
        for options, expected in (
            ({"freeze_rows": 1}, "A2"),
            ({"freeze_rows": 1, "freeze_columns": 3}, "D2"),
            ({"freeze_rows": 0, "freeze_columns": 2}, "C1"),
            ({"freeze_rows": 0}, None),
        ):
            with self.subTest(options=options):
                self.assertEqual(openpyxl_sheet(written([["A"]], **options)).freeze_panes, expected)

    def test_a_column_style_applies_to_its_cells_and_to_its_dates(self):
        wrapped = CellStyle(wrap=True, vertical="top")
        columns = [SheetColumn("描述", 40, wrapped), SheetColumn("日期", 12, wrapped), SheetColumn("其他")]
        sheet = openpyxl_sheet(written([["长文本", date(2026, 3, 2), "x"]], columns))
        for coordinate in ("A2", "B2"):
            self.assertTrue(sheet[coordinate].alignment.wrap_text)
            self.assertEqual(sheet[coordinate].alignment.vertical, "top")
        self.assertEqual(sheet["B2"].number_format, DATE_FORMAT)
        self.assertFalse(sheet["C2"].alignment.wrap_text)

    def test_a_row_may_override_the_style_of_some_cells(self):
        red = CellStyle(bold=True, fill="#E63031", font_color="#FFFFFF")
        output = io.BytesIO()
        with RowListWorkbook(output) as workbook:
            sheet = workbook.add_sheet("清单", [SheetColumn("名称"), SheetColumn("等级")])
            sheet.write_row(["甲", "重大风险"], {1: red})
            sheet.write_row(["乙", "低风险"])
            sheet.write_row(["丙", "重大风险"], [None, red])
        sheet = openpyxl_sheet(output.getvalue())
        for coordinate in ("B2", "B4"):
            self.assertEqual(sheet[coordinate].fill.fgColor.rgb, "FFE63031")
            self.assertEqual(sheet[coordinate].font.color.rgb, "FFFFFFFF")
            self.assertTrue(sheet[coordinate].font.b)
        for coordinate in ("A2", "B3", "A4"):
            self.assertEqual(sheet[coordinate].fill.fill_type, None)
        styles = zipfile.ZipFile(output).read("xl/styles.xml")
        self.assertEqual(styles.count(b'rgb="FFE63031"'), 1, "one style shared by every cell that uses it")


class RowListPackageTests(SimpleTestCase):
    def test_the_package_holds_the_minimal_parts(self):
        archive = zipfile.ZipFile(io.BytesIO(written([["A"]])))
        self.assertEqual(
            sorted(archive.namelist()),
            sorted(
                [
                    "[Content_Types].xml",
                    "_rels/.rels",
                    "xl/workbook.xml",
                    "xl/_rels/workbook.xml.rels",
                    "xl/styles.xml",
                    "xl/worksheets/sheet1.xml",
                ]
            ),
        )
        for entry in archive.infolist():
            self.assertEqual(entry.compress_type, zipfile.ZIP_DEFLATED)
            ElementTree.fromstring(archive.read(entry))  # well-formed

    def test_the_upload_guard_accepts_it(self):
        content = written([["=1+1", date(2020, 1, 1), 3]] * 100)
        check_workbook(io.BytesIO(content))

    def test_several_sheets(self):
        output = io.BytesIO()
        with RowListWorkbook(output) as workbook:
            workbook.add_sheet("设备", [SheetColumn("代码")]).write_row(["A1"])
            workbook.add_sheet("单位", [SheetColumn("名称")]).write_row(["甲"])
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(output.getvalue()))
        self.assertEqual(workbook.sheet_names, ["设备", "单位"])
        self.assertEqual(workbook.get_sheet_by_name("单位").to_python(), [["名称"], ["甲"]])
        self.assertEqual(openpyxl.load_workbook(output).active.title, "设备")

    def test_names_excel_refuses_are_refused(self):
        for name in ("", "a" * 32, "a/b", "a[1]", "a:b", "a*", "a?", "a\\b", "'引号", "引号'"):
            with self.subTest(name=name), self.assertRaises(ValueError):
                RowListWorkbook(io.BytesIO()).add_sheet(name, [SheetColumn("A")])
        with RowListWorkbook(io.BytesIO()) as workbook:
            workbook.add_sheet("Sheet", [SheetColumn("A")])
            with self.assertRaises(ValueError):
                workbook.add_sheet("SHEET", [SheetColumn("A")])

    def test_a_row_longer_than_the_header_is_refused(self):
        with RowListWorkbook(io.BytesIO()) as workbook:
            sheet = workbook.add_sheet("清单", [SheetColumn("A")])
            with self.assertRaises(ValueError):
                sheet.write_row(["a", "b"])

    def test_rows_reach_the_file_before_the_workbook_is_closed(self):
        # Streaming: the sheet's XML goes out as rows come, it is not gathered in memory until the end.
        with tempfile.TemporaryFile() as output:
            workbook = RowListWorkbook(output)
            sheet = workbook.add_sheet("清单", [SheetColumn("编号"), SheetColumn("名称"), SheetColumn("日期")])
            for number in range(20 * ROWS_PER_WRITE):
                sheet.write_row([number, f"设备{number * 7919 % 100_003}", date(2020, 1, 1)])
            written_before_close = output.tell()
            workbook.close()
            self.assertGreater(written_before_close, 100_000)
            self.assertLess(written_before_close, output.tell())
            output.seek(0)
            self.assertEqual(
                len(CalamineWorkbook.from_filelike(output).get_sheet_by_name("清单").to_python()),
                20 * ROWS_PER_WRITE + 1,
            )

    def test_an_error_while_writing_rows_comes_out_unchanged(self):
        output = io.BytesIO()
        with self.assertRaisesMessage(RuntimeError, "数据库断开"), RowListWorkbook(output) as workbook:
            workbook.add_sheet("清单", [SheetColumn("A")]).write_row(["a"])
            raise RuntimeError("数据库断开")
