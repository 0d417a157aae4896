"""The ledger import behind core.workbook_guard, with real crafted workbooks: zip bombs (by declared size and by
compression ratio), too many parts, XML entity attacks (XXE in the shared strings, billion laughs in the workbook),
macros, files that are no zip.  Each is refused with its own message, on the API (400) and on the web page, before
calamine reads it, and nothing is imported."""

import io
import os
import zipfile
from unittest import mock

import openpyxl
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, override_settings

from shuangfang.core import workbook_guard
from shuangfang.core.models import Event
from shuangfang.equipment import ledger
from shuangfang.equipment.models import Equipment
from shuangfang.equipment.tests import test_ledger as ledger_tests

WEB_IMPORT = "/equipment/import/"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
XXE_DTD = b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
BILLION_LAUGHS_DTD = (
    b"<!DOCTYPE workbook [\n"
    b'<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
        for level in range(1, 10)
    )
    + b"]>\n"
)


def good_workbook() -> bytes:
    return ledger_tests.workbook_bytes([ledger_tests.ledger_row("GUARD00001")])


def rebuilt(data: bytes, *, replace: dict | None = None, add: dict | None = None, compression=zipfile.ZIP_DEFLATED):
    """The workbook `data` with some parts replaced and others added, written again as a zip."""
    replace, add = replace or {}, add or {}
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(output, "w", compression) as target:
        for entry in source.infolist():
            content = source.read(entry)
            target.writestr(entry.filename, replace.get(entry.filename, content))
        for name, content in add.items():
            target.writestr(name, content)
    return output.getvalue()


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def with_dtd(xml: bytes, dtd: bytes) -> bytes:
    """The part with a DTD put between its XML declaration and its root element, where a DTD stands."""
    body = xml.split(b"?>", 1)[1].lstrip() if xml.startswith(b"<?xml") else xml
    return XML_DECLARATION + dtd + body


def xxe_workbook() -> bytes:
    data = good_workbook()
    shared = with_dtd(part(data, "xl/sharedStrings.xml"), XXE_DTD).replace(b"GUARD00001", b"&xxe;", 1)
    return rebuilt(data, replace={"xl/sharedStrings.xml": shared})


def billion_laughs_workbook() -> bytes:
    data = good_workbook()
    workbook = with_dtd(part(data, "xl/workbook.xml"), BILLION_LAUGHS_DTD)
    return rebuilt(data, replace={"xl/workbook.xml": workbook.replace(b'name="', b'name="&lol9;', 1)})


def macro_workbook(*, with_project: bool = True, macro_content_type: bool = True) -> bytes:
    data = good_workbook()
    types = part(data, "[Content_Types].xml")
    if macro_content_type:
        types = types.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        ).replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    add = {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504} if with_project else {}
    return rebuilt(data, replace={"[Content_Types].xml": types}, add=add)


def ratio_bomb_workbook() -> bytes:
    # 8 MB of one byte deflates to about 8 KB: a thousand to one.
    return rebuilt(good_workbook(), add={"xl/media/blank.bin": b"\x00" * (8 * 1024 * 1024)})


def many_parts_workbook() -> bytes:
    data = good_workbook()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        count = workbook_guard.MAX_ZIP_ENTRIES + 1 - len(archive.infolist())
    return rebuilt(data, add={f"xl/extra/part{number}.xml": b"<x/>" for number in range(count)})


def declared_size_bomb() -> bytes:
    """A workbook whose shared strings' central-directory entry declares 600 MB."""
    data = bytearray(good_workbook())
    name = b"xl/sharedStrings.xml"
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        name_length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_length] == name:
            data[at + 24 : at + 28] = (600 * 1024 * 1024).to_bytes(4, "little")
            return bytes(data)
        at += 46


def upload(data: bytes) -> SimpleUploadedFile:
    return ledger_tests.upload(data)


class WorkbookGuardTests(SimpleTestCase):
    """The guard on its own: what it refuses, and that it refuses from the directory and the heads alone."""

    def refusal(self, data: bytes) -> str:
        with self.assertRaises(ValidationError) as raised:
            workbook_guard.check_workbook(upload(data))
        return raised.exception.message_dict["file"][0]

    def test_workbooks_from_xlsxwriter_and_openpyxl_pass(self):
        workbook_guard.check_workbook(upload(good_workbook()))
        book = openpyxl.Workbook()
        book.active.title = ledger.DATA_SHEET
        book.active.append(["设备代码", "设备名称"])
        output = io.BytesIO()
        book.save(output)
        uploaded = upload(output.getvalue())
        uploaded.seek(5)
        workbook_guard.check_workbook(uploaded)
        self.assertEqual(uploaded.tell(), 0)  # left at its start for the parser

    def test_directory_refusals_inflate_nothing(self):
        cases = {
            "declared size": (declared_size_bomb(), "解压后超过 500 MB"),
            "ratio": (ratio_bomb_workbook(), "“xl/media/blank.bin”压缩比异常"),
            "entries": (many_parts_workbook(), "包含 2001 个部件"),
            "macros": (macro_workbook(macro_content_type=False), "宏"),
        }
        for case, (data, fragment) in cases.items():
            with self.subTest(case=case), mock.patch.object(zipfile.ZipFile, "open", side_effect=AssertionError):
                self.assertIn(fragment, self.refusal(data))

    @override_settings(WORKBOOK_MAX_UNCOMPRESSED_BYTES=1024 * 1024)
    def test_the_uncompressed_limit_is_the_setting(self):
        data = rebuilt(good_workbook(), add={"xl/media/photo.bin": bytes(range(256)) * 5000})  # 1.2 MB, ratio ~1
        self.assertIn("解压后超过 1 MB", self.refusal(data))

    def test_a_zip_that_lies_about_its_entry_count(self):
        data = bytearray(many_parts_workbook())
        end = data.rindex(b"PK\x05\x06")
        data[end + 8 : end + 12] = (5).to_bytes(2, "little") * 2  # the end record claims five entries
        self.assertIn("个部件", self.refusal(bytes(data)))

    def test_a_large_part_is_read_only_up_to_its_root_element(self):
        data = good_workbook()
        sheet = part(data, "xl/worksheets/sheet1.xml")
        # Past the root's start tag the part is not XML at all: a guard that parsed it whole would refuse it.
        broken = sheet[: sheet.index(b"<sheetData")] + b"<<<< not xml " + os.urandom(500_000).hex().encode()
        workbook_guard.check_workbook(upload(rebuilt(data, replace={"xl/worksheets/sheet1.xml": broken})))

    def test_a_dtd_in_any_xml_part_is_refused(self):
        data = good_workbook()
        for name in ("[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/styles.xml"):
            with self.subTest(part=name):
                crafted = rebuilt(data, replace={name: with_dtd(part(data, name), b"<!DOCTYPE x>\n")})
                self.assertIn(f"“{name}”含有文档类型定义", self.refusal(crafted))

    def test_an_svg_picture_with_a_dtd_is_not_an_xml_part_to_check(self):
        data = good_workbook()
        types = part(data, "[Content_Types].xml").replace(
            b"</Types>", b'<Default Extension="svg" ContentType="image/svg+xml"/></Types>'
        )
        svg = XML_DECLARATION + b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>'
        workbook_guard.check_workbook(
            upload(rebuilt(data, replace={"[Content_Types].xml": types}, add={"xl/media/image1.svg": svg}))
        )


class ImportGuardTests(ledger_tests.LedgerTestCase):
    """Through the import: the API answers 400 with the guard's message, the page shows it, nothing is imported and
    calamine never opens the file."""

    def assertRefusedEverywhere(self, data: bytes, fragment: str):
        equipment, events = Equipment.objects.count(), Event.objects.count()
        with mock.patch.object(ledger, "CalamineWorkbook") as calamine:
            response = self.post_file(self.owner, data)
            self.assertSingleError(response, 0, "", fragment)
            page = self.web(self.owner).post(WEB_IMPORT, {"file": upload(data)})
            self.assertContains(page, fragment, status_code=400)
            # The error report's copy of the file goes through the guard as well.
            report = ledger.error_report_file(upload(data), [ledger.RowError(0, "", fragment)])
            self.assertEqual(openpyxl.load_workbook(report).sheetnames, [ledger.ERRORS_SHEET])
        calamine.from_filelike.assert_not_called()
        calamine.from_path.assert_not_called()
        self.assertEqual((Equipment.objects.count(), Event.objects.count()), (equipment, events))

    def test_a_good_workbook_imports(self):
        response = self.post_file(self.owner, good_workbook())
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["created"], 1)
        self.assertTrue(Equipment.objects.filter(code="GUARD00001").exists())

    def test_not_a_zip(self):
        self.assertRefusedEverywhere(b"<html><body>table</body></html>" * 10, "不是 Excel 2007 及以上版本的 .xlsx")

    def test_zip_bomb_by_declared_size(self):
        self.assertRefusedEverywhere(declared_size_bomb(), "解压后超过 500 MB")

    def test_zip_bomb_by_compression_ratio(self):
        self.assertRefusedEverywhere(ratio_bomb_workbook(), "压缩比异常（超过 200:1），疑似压缩炸弹")

    def test_too_many_entries(self):
        self.assertRefusedEverywhere(many_parts_workbook(), "文件结构异常（包含 2001 个部件）")

    def test_xxe_in_shared_strings(self):
        self.assertRefusedEverywhere(xxe_workbook(), "“xl/sharedStrings.xml”含有文档类型定义（DOCTYPE 或 ENTITY）")

    def test_billion_laughs_in_the_workbook(self):
        self.assertRefusedEverywhere(billion_laughs_workbook(), "“xl/workbook.xml”含有文档类型定义")

    def test_xlsm_with_a_vba_project(self):
        self.assertRefusedEverywhere(macro_workbook(), "不接受含宏的工作簿")
        self.assertRefusedEverywhere(macro_workbook(with_project=False), "另存为“Excel 工作簿（*.xlsx）”")
