"""English as the second language: a complete catalog, compiled, and used by the API and the pages, while the
ledger (a data format) and stored texts keep the source language, Chinese."""

import gettext
import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import time_machine
import xlsxwriter
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase
from django.utils import translation

from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment import ledger
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import CatalogEntry, CertificateItem, Equipment, PeriodicInspection
from shuangfang.orgs.models import Industry, Organization, Region

CATALOG_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = CATALOG_DIR / "django.po"
MO_FILE = CATALOG_DIR / "django.mo"

# Han ideographs: what an untranslated Chinese string would leave on an English page.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdif]")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda match: ESCAPES[match.group(1)], text.strip()[1:-1])


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: context, msgid, plural msgid, translations (one per plural form) and flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}, "flags": set()}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if isinstance(key, int):
                    entry["msgstr"][key] += _unquote(line)
                else:
                    entry[key] += _unquote(line)
            else:
                keyword, value = line.split(" ", 1)
                plural_form = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if plural_form:
                    key = int(plural_form.group(1))
                    entry["msgstr"][key] = _unquote(value)
                elif keyword == "msgstr":
                    key = 0
                    entry["msgstr"][0] = _unquote(value)
                else:
                    key = keyword
                    entry[key] = _unquote(value)
        entries.append(entry)
    return entries


def catalog_entries() -> list[dict]:
    """The translatable entries (the header, msgid "", left out)."""
    return [entry for entry in read_po(PO_FILE) if entry["msgid"]]


class CatalogTests(SimpleTestCase):
    def test_every_entry_is_translated_and_none_is_fuzzy(self):
        entries = catalog_entries()
        self.assertGreater(len(entries), 500)
        untranslated = [entry["msgid"] for entry in entries if not all(entry["msgstr"].values())]
        fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
        self.assertEqual(untranslated, [])
        self.assertEqual(fuzzy, [])
        self.assertNotIn("#, fuzzy", PO_FILE.read_text(encoding="utf-8"))

    def test_translations_keep_the_placeholders(self):
        for entry in catalog_entries():
            expected = sorted(PLACEHOLDER.findall(entry["msgid"]))
            for translated in entry["msgstr"].values():
                with self.subTest(msgid=entry["msgid"]):
                    self.assertEqual(sorted(PLACEHOLDER.findall(translated)), expected)

    def test_translations_are_english(self):
        # A translation may quote what the user types into the Chinese ledger (“是”, “在用”, column headers),
        # never be Chinese as a whole.
        for entry in catalog_entries():
            for translated in entry["msgstr"].values():
                with self.subTest(msgid=entry["msgid"]):
                    self.assertRegex(translated, r"[A-Za-z]|^, $")

    def test_compiled_catalog_matches_the_po_file(self):
        """django.mo holds exactly the translations of django.po: compilemessages was run after the last edit."""
        with MO_FILE.open("rb") as compiled:
            catalog = gettext.GNUTranslations(compiled)._catalog
        expected = {}
        for entry in catalog_entries():
            msgid = entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}\x04{entry['msgid']}"
            if entry["msgid_plural"] is None:
                expected[msgid] = entry["msgstr"][0]
            else:
                for form, translated in entry["msgstr"].items():
                    expected[(msgid, form)] = translated
        compiled_entries = {key: value for key, value in catalog.items() if key != ""}
        self.assertEqual(compiled_entries, expected)

    def test_po_file_passes_msgfmt_checks(self):
        msgfmt = shutil.which("msgfmt")
        if msgfmt is None:
            self.skipTest("GNU gettext (msgfmt) is not installed")
        result = subprocess.run(
            [msgfmt, "--check", "--output-file=/dev/null", str(PO_FILE)], capture_output=True, text=True, check=False
        )
        self.assertEqual(result.returncode, 0, result.stderr)


class ApiLanguageTests(CastTestCase):
    def post_unknown_category(self, **headers):
        body = {"code": "31101405252026A0900", "category": "3119", "name": "1 号客梯", "site": "主楼"}
        return self.api(self.owner).post("/api/v1/equipment/", body, format="json", **headers)

    def test_validation_message_follows_accept_language(self):
        english = self.post_unknown_category(HTTP_ACCEPT_LANGUAGE="en")
        chinese = self.post_unknown_category()
        self.assertEqual(english.status_code, 400, english.content)
        self.assertEqual(chinese.status_code, 400, chinese.content)
        english_text, chinese_text = english.content.decode(), chinese.content.decode()
        self.assertIn("3119", english_text)
        self.assertIsNone(HAN.search(english_text), english_text)
        self.assertRegex(chinese_text, HAN)
        self.assertEqual(english.json().keys(), chinese.json().keys())
        self.assertEqual(english["Content-Language"], "en")
        self.assertFalse(Equipment.objects.filter(code="31101405252026A0900").exists())

    def test_api_data_does_not_depend_on_the_language(self):
        english = self.api(self.owner).get("/api/v1/equipment/", HTTP_ACCEPT_LANGUAGE="en")
        chinese = self.api(self.owner).get("/api/v1/equipment/")
        self.assertEqual(english.json(), chinese.json())


# A frozen day on which unit A's equipment is inspected and valid (due 2026-12-31) and the extra one is overdue.
TODAY = date(2026, 3, 2)


class PageLanguageTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.overdue = make_equipment(
            cls.unit_a, "31101401012020A0002", inspection_due_on=date(2025, 12, 31), site="1号楼东侧"
        )

    def setUp(self):
        traveller = time_machine.travel(TODAY, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def english_page(self, url: str, user=None) -> str:
        client = self.web(user) if user is not None else self.client_class()
        client.cookies["django_language"] = "en"
        response = client.get(url)
        self.assertEqual(response.status_code, 200, url)
        self.assertEqual(response["Content-Language"], "en")
        return response.content.decode()

    def data_values(self) -> list[str]:
        """Texts the platform stores or loads as reference data: they stay as entered, in any language."""
        values = [
            *Organization.objects.values_list("name", flat=True),
            *Region.objects.values_list("name", flat=True),
            *CatalogEntry.objects.values_list("name", flat=True),
            *Industry.objects.values_list("name", flat=True),
            *CertificateItem.objects.values_list("name", flat=True),
            *Equipment.objects.values_list("name", flat=True),
            *Equipment.objects.values_list("site", flat=True),
            *PeriodicInspection.objects.values_list("next_due_rule", flat=True),
            *Event.objects.values_list("object_repr", flat=True),
            # The language switch names each language in itself.
            *(name for _code, name in settings.LANGUAGES),
        ]
        return sorted({value for value in values if value}, key=len, reverse=True)

    def assertNoChineseOutsideData(self, page: str):
        for value in self.data_values():
            page = page.replace(value, "")
        leftovers = sorted({page[max(match.start() - 40, 0) : match.end() + 20] for match in HAN.finditer(page)})
        self.assertEqual(leftovers, [])

    def test_login_page_is_english(self):
        page = self.english_page("/accounts/login/")
        for label in ("Sign in", "Username", "Password", "Language"):
            self.assertIn(label, page)
        self.assertNoChineseOutsideData(page)

    def test_equipment_list_is_english(self):
        page = self.english_page("/equipment/", self.owner)
        # Menu, heading, buttons, filter labels and badges.
        for label in (
            ">Equipment<",
            ">Periodic inspections<",
            ">Operator certificates<",
            ">My organization<",
            "Sign out",
            "Register equipment",
            "Import ledger",
            "Export to Excel",
            ">Filter<",
            ">Clear<",
            "Inspection status",
            "Risk level",
            "Crowded place",
            ">In use<",
            ">Valid<",
            ">Overdue<",
        ):
            self.assertIn(label, page)
        for chinese in ("设备台账", "定期检验", "作业人员证", "本单位", "筛选", "超期未检", "在有效期内", "在用"):
            self.assertNotIn(chinese, page)
        self.assertNoChineseOutsideData(page)

    def test_equipment_file_is_english(self):
        self.api(self.owner).post(
            "/api/v1/periodic-inspections/",
            {"equipment": self.equipment_a.pk, "inspected_on": "2026-03-01", "conclusion": "pass"},
            format="json",
        )
        page = self.english_page(f"/equipment/{self.equipment_a.pk}/", self.owner)
        for label in (
            "Basic information",
            "Equipment code",
            "Registration number",
            "Periodic inspection records",
            "Basis of the next due date",
            "Record periodic inspection",
            "Status and change history",
            ">Pass<",
            ">Suspend<",
            ">Scrap<",
        ):
            self.assertIn(label, page)
        self.assertIn("TSG T7001-2023", page)
        self.assertNoChineseOutsideData(page)

    def test_the_other_pages_are_english(self):
        self.api(self.owner).post(
            "/api/v1/periodic-inspections/",
            {"equipment": self.equipment_a.pk, "inspected_on": "2026-03-01", "conclusion": "conditional"},
            format="json",
        )
        pages = {
            self.owner: [
                "/",
                "/equipment/new/",
                f"/equipment/{self.equipment_a.pk}/edit/",
                f"/equipment/{self.equipment_a.pk}/inspections/new/",
                "/equipment/import/",
                "/equipment/labels/",
                "/equipment/inspections/",
                "/equipment/certificates/",
                "/equipment/certificates/new/",
                "/organizations/mine/",
            ],
            self.unit_admin: [
                "/audit/",
                "/accounts/users/",
                "/accounts/users/new/",
                f"/accounts/users/{self.owner.pk}/",
            ],
            self.county_inspector: ["/", "/equipment/", "/organizations/", "/organizations/new/"],
            self.agency_user: ["/"],
            self.system_admin: ["/", "/accounts/users/"],
            self.audit_admin: ["/", "/audit/"],
        }
        for user, urls in pages.items():
            for url in urls:
                with self.subTest(user=user.username, url=url):
                    self.assertNoChineseOutsideData(self.english_page(url, user))
        public_page = self.english_page(f"/q/{self.equipment_a.public_token}/")
        self.assertIn("Inspection valid", public_page)
        self.assertNoChineseOutsideData(public_page)

    def test_default_language_stays_chinese(self):
        response = self.web(self.owner).get("/equipment/")
        page = response.content.decode()
        self.assertIn("设备台账", page)
        self.assertIn("在有效期内", page)
        self.assertNotIn(">Periodic inspections<", page)


class StoredTextTests(CastTestCase):
    """What is stored is written in the source language, whoever writes it; what is shown is translated."""

    def test_a_date_from_the_report_is_stored_in_chinese_and_shown_in_english(self):
        response = self.api(self.owner).post(
            "/api/v1/periodic-inspections/",
            {
                "equipment": self.equipment_a.pk,
                "inspected_on": "2025-06-01",
                "conclusion": "pass",
                "next_due_on": "2026-06-01",
            },
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 201, response.content)
        inspection = PeriodicInspection.objects.get(pk=response.json()["id"])
        self.assertEqual(inspection.next_due_rule, "检验报告给出")
        with translation.override("en"):
            self.assertEqual(inspection.next_due_rule_text, "Given by the inspection report")
        event = Event.objects.get(type="periodic_inspection.recorded", object_id=str(inspection.pk))
        self.assertIn("合格", event.object_repr)


def ledger_file(status: str) -> SimpleUploadedFile:
    row = {
        "code": "31101405252026A0500",
        "category": "3110",
        "name": "3号客梯",
        "commissioned_on": "2020-05-01",
        "crowded_place": "否",
        "status": status,
    }
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = book.add_worksheet(ledger.DATA_SHEET)
    for index, column in enumerate(ledger.COLUMNS):
        sheet.write_string(0, index, column.header)
        if column.field in row:
            sheet.write_string(1, index, row[column.field])
    book.close()
    return SimpleUploadedFile("台账.xlsx", output.getvalue())


class LedgerLanguageTests(CastTestCase):
    """The ledger is a data format: its Chinese headers and cell texts work whatever language is active."""

    def test_status_texts_are_the_chinese_status_labels(self):
        with translation.override("zh-hans"):
            labels = {status: str(status.label) for status in EquipmentStatus}
        self.assertEqual(ledger.STATUS_TEXT, labels)

    def test_chinese_status_imports_while_english_is_active(self):
        with translation.override("en"):
            self.assertEqual(str(EquipmentStatus.SUSPENDED.label), "Suspended")
            result = ledger.import_ledger(actor=self.owner, uploaded=ledger_file("停用"))
        self.assertEqual(result.errors, [])
        self.assertEqual(result.created, 1)
        self.assertEqual(Equipment.objects.get(code="31101405252026A0500").status, EquipmentStatus.SUSPENDED)

    def test_english_import_through_the_api_reads_chinese_cells(self):
        response = self.api(self.owner).post(
            "/api/v1/equipment/import/",
            {"file": ledger_file("停用"), "dry_run": "false"},
            format="multipart",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Equipment.objects.get(code="31101405252026A0500").status, EquipmentStatus.SUSPENDED)

    def test_unknown_status_is_explained_in_english_with_the_chinese_choices(self):
        with translation.override("en"):
            result = ledger.import_ledger(actor=self.owner, uploaded=ledger_file("Suspended"))
        self.assertEqual([error.column for error in result.errors], ["status"])
        message = result.errors[0].message
        self.assertIn("The status must be", message)
        for text in ("在用", "停用", "报废"):
            self.assertIn(text, message)

    def test_export_keeps_chinese_headers_and_cells_while_english_is_active(self):
        Equipment.objects.filter(pk=self.equipment_a.pk).update(status=EquipmentStatus.SUSPENDED)
        response = self.api(self.owner).get("/api/v1/equipment/export/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 200)
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))[ledger.DATA_SHEET]
        rows = list(sheet.iter_rows(values_only=True))
        headers = [column.header for column in ledger.COLUMNS + ledger.READ_ONLY_COLUMNS]
        self.assertEqual(list(rows[0]), headers)
        row = dict(zip(headers, rows[1], strict=True))
        self.assertEqual(row["状态(在用/停用/报废)"], "停用")
        self.assertEqual(row["人员密集场所(是/否)"], "否")
        self.assertRegex(row["检验状态"], HAN)
