"""设备台账 — the equipment ledger as an .xlsx file: template, import, error report and export.

Files are read with python-calamine; the template and the error report are written with xlsxwriter,
the export, a row list of any length, with core.xlsx.RowListWorkbook.  The import makes one pass over
the sheet inside one transaction: it checks a chunk of rows at a time, with one batch of look-ups
per chunk, and writes each checked chunk at once while no error has been found.  An error stops
the writing, the rest of the sheet is still checked so that every error is reported, and the
transaction is rolled back: a file imports whole or not at all, and a hundred-thousand-row file
never sits in Python memory as parsed rows.  A dry run checks the same way and writes nothing.
"""

import contextlib
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import xlsxwriter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from shuangfang.accounts.roles import Action
from shuangfang.core.events import record_event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import PermissionDenied
from shuangfang.core.workbook_guard import check_workbook
from shuangfang.core.xlsx import (
    DATE_FORMAT,
    FORMULA_TRIGGERS,
    HEADER_STYLE,
    SheetColumn,
    output_file,
    row_list_file,
)
from shuangfang.hazards.models import Hazard
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS, OrganizationKind
from shuangfang.orgs.models import Organization, Region
from shuangfang.orgs.uscc import InvalidUSCC, validate_uscc
from shuangfang.safety.compliance import refresh_after_commit

from .choices import EquipmentStatus, InspectionState, RiskLevel
from .models import CatalogEntry, Equipment
from .services import code_taken_message
from .validation import CatalogFacts, equipment_field_errors, normalise_code

TEMPLATE_FILENAME = "设备台账导入模板.xlsx"
DATA_SHEET = "设备台账"
INSTRUCTIONS_SHEET = "填写说明"
CATALOG_SHEET = "目录代码"
ERRORS_SHEET = "错误汇总"
ERROR_COLUMN_HEADER = "错误说明"

# Rows validated or written together: one batch of look-ups, one bulk write, one event per unit.
CHUNK_ROWS = 1000
# Errors listed in one answer; the rest are counted in a last line.
MAX_ERRORS = 1000
EXPORT_CHUNK_ROWS = 2000

# Excel's serial day 0, counting its fictitious 1900-02-29 (dates after 1900-03-01 come out right).
EXCEL_EPOCH = date(1899, 12, 30)
LAST_EXCEL_SERIAL = 2958465  # 9999-12-31
# Excel keeps 15 significant digits: a longer number typed into a general cell has lost its tail.
EXACT_DIGITS_LIMIT = 10**15
# A text starting with one of these is taken by spreadsheet programs as a formula (CWE-1236).

# The ledger is a data format, and Chinese is its language whatever language the user reads the pages in: the
# headers, the status and yes/no cells of the template, the export and the import are the Chinese texts, so that an
# exported file imports again and a file filled in by one user imports for another.
LEDGER_LANGUAGE = "zh-hans"
YES, NO = "是", "否"
STATUS_TEXT = {EquipmentStatus.IN_USE: "在用", EquipmentStatus.SUSPENDED: "停用", EquipmentStatus.SCRAPPED: "报废"}


class Kind:
    TEXT = "text"
    CODE = "code"
    CATALOG = "catalog"
    DATE = "date"
    INTEGER = "integer"
    YES_NO = "yes_no"
    STATUS = "status"
    REGION = "region"
    USCC = "uscc"


@dataclass(frozen=True)
class Column:
    """One column of the ledger: its API field name, its header, how its cells are read."""

    field: str
    header: str
    kind: str
    help: str
    required: bool = False
    width: int = 14
    max_length: int | None = None


def _max_length(name: str) -> int | None:
    return Equipment._meta.get_field(name).max_length


# The template's columns, in the template's order (the export writes the same order).
COLUMNS = (
    Column(
        "code",
        "设备代码",
        Kind.CODE,
        gettext_lazy(
            "必填。设备代码（TSG 08 附件A），字母和数字，最长 32 位；同一文件中不得重复。已登记的代码将更新原设备。"
        ),
        required=True,
        width=24,
        max_length=_max_length("code"),
    ),
    Column(
        "registration_no",
        "使用登记证编号",
        Kind.TEXT,
        gettext_lazy("使用登记证上的编号，尚未办理使用登记的可留空。"),
        width=20,
        max_length=_max_length("registration_no"),
    ),
    Column(
        "category",
        "设备类别代码",
        Kind.CATALOG,
        gettext_lazy(
            "必填。《特种设备目录》（2014）中的代码，尽量填到品种，如 3110。可从下拉列表选择；"
            "压力管道元件和安全附件不办理使用登记，不能导入。"
        ),
        required=True,
        width=26,
    ),
    Column(
        "name",
        "设备名称",
        Kind.TEXT,
        gettext_lazy("必填。如“1号客梯”。"),
        required=True,
        width=20,
        max_length=_max_length("name"),
    ),
    Column("model", "型号", Kind.TEXT, gettext_lazy("产品型号。"), max_length=_max_length("model")),
    Column(
        "serial_no", "出厂编号", Kind.TEXT, gettext_lazy("产品铭牌上的出厂编号。"), max_length=_max_length("serial_no")
    ),
    Column(
        "manufacturer",
        "制造单位",
        Kind.TEXT,
        gettext_lazy("制造单位全称。"),
        width=20,
        max_length=_max_length("manufacturer"),
    ),
    Column("manufactured_on", "制造日期", Kind.DATE, gettext_lazy("格式 YYYY-MM-DD，如 2019-12-01。")),
    Column(
        "commissioned_on",
        "投入使用日期",
        Kind.DATE,
        gettext_lazy("格式 YYYY-MM-DD，不能早于制造日期，不能晚于今天。"),
    ),
    Column("design_life_years", "设计使用年限", Kind.INTEGER, gettext_lazy("整数，单位为年，1 至 100。")),
    Column(
        "region",
        "所在地区代码",
        Kind.REGION,
        gettext_lazy(
            "设备所在县级行政区划的 6 位代码（GB/T 2260），如 140525；须在使用单位所在地区之内。"
            "留空则取使用单位所在地区。"
        ),
    ),
    Column(
        "site",
        "使用地点",
        Kind.TEXT,
        gettext_lazy("设备所在的具体位置，如“1号楼东侧”。"),
        width=24,
        max_length=_max_length("site"),
    ),
    Column(
        "crowded_place",
        "人员密集场所(是/否)",
        Kind.YES_NO,
        gettext_lazy("设备是否在公众聚集场所（商场、医院、学校、车站等）。填“是”或“否”，留空为“否”。"),
        width=18,
    ),
    Column(
        "status",
        "状态(在用/停用/报废)",
        Kind.STATUS,
        gettext_lazy("在用、停用或报废。新设备留空为“在用”；已登记的设备留空则不改变状态；已报废的设备不能恢复。"),
        width=18,
    ),
    Column("last_inspected_on", "上次检验日期", Kind.DATE, gettext_lazy("最近一次定期检验的日期，格式 YYYY-MM-DD。")),
    Column(
        "inspection_due_on",
        "下次检验日期",
        Kind.DATE,
        gettext_lazy("检验报告给出的下次检验日期，格式 YYYY-MM-DD，须晚于上次检验日期。"),
    ),
    Column(
        "inspection_agency",
        "检验机构统一社会信用代码",
        Kind.USCC,
        gettext_lazy("承担定期检验的检验机构的 18 位统一社会信用代码，须是平台上的检验机构；可留空。"),
        width=24,
    ),
    Column(
        "organization",
        "使用单位统一社会信用代码",
        Kind.USCC,
        gettext_lazy(
            "监管部门为辖区内使用单位导入时必填，填写设备所属使用单位的 18 位统一社会信用代码；"
            "使用单位导入本单位设备时留空（或填写本单位的代码）。"
        ),
        width=24,
    ),
)

# Columns the export adds after the template's; the import accepts and ignores them, so that an
# exported file can be edited and imported again.
READ_ONLY_COLUMNS = (
    Column("organization_name", "使用单位名称", Kind.TEXT, gettext_lazy("只读，导入时忽略。"), width=20),
    Column("inspection_state", "检验状态", Kind.TEXT, gettext_lazy("只读，导入时忽略。")),
    Column("risk_level", "风险等级", Kind.TEXT, gettext_lazy("只读，导入时忽略。")),
    Column("open_hazards", "未销号隐患", Kind.INTEGER, gettext_lazy("只读，导入时忽略。"), width=12),
)

COLUMN_BY_FIELD = {column.field: column for column in COLUMNS + READ_ONLY_COLUMNS}
# Model attribute written for each template field (foreign keys by their column).
ATTNAME = {"category": "category_id", "region": "region_id", "inspection_agency": "inspection_agency_id"}
WRITTEN_FIELDS = tuple(column.field for column in COLUMNS if column.field not in ("organization", "status"))

STATUS_BY_TEXT = {
    **{text: status.value for status, text in STATUS_TEXT.items()},
    **{value: value for value in EquipmentStatus.values},
}
YES_NO_BY_TEXT = {
    **dict.fromkeys((YES, "Y", "YES", "TRUE", "1"), True),
    **dict.fromkeys((NO, "N", "NO", "FALSE", "0"), False),
}


@dataclass(frozen=True)
class RowError:
    """One problem, where the user will see it: the Excel row number and the column's API field name."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    created: int
    updated: int
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    unchanged: int = 0


class _Rejected(Exception):
    """The file as a whole cannot be imported: not an .xlsx, too big, no data sheet, wrong headers."""

    def __init__(self, errors: list[RowError]):
        super().__init__(errors)
        self.errors = errors


# --------------------------------------------------------------------------------------------------------------------
# Reading the uploaded file
# --------------------------------------------------------------------------------------------------------------------


def _file_size(uploaded) -> int:
    size = getattr(uploaded, "size", None)
    if size is not None:
        return size
    uploaded.seek(0, io.SEEK_END)
    size = uploaded.tell()
    uploaded.seek(0)
    return size


def _file_problem(uploaded) -> str | None:
    """Why the upload cannot be an .xlsx we are willing to parse, or None."""
    limit = settings.LEDGER_IMPORT_MAX_BYTES
    if _file_size(uploaded) > limit:
        return _("文件超过 %(size)d MB 的上限，请分成几个文件导入。") % {"size": max(limit // (1024 * 1024), 1)}
    # Zip bombs, macros and XML entity attacks are refused before calamine reads a byte.
    try:
        check_workbook(uploaded)
    except ValidationError as refused:
        return refused.messages[0]
    return None


def _unreadable_message() -> str:
    return _("无法读取文件：它不是用 Excel 或 WPS 保存的 .xlsx 工作簿，或已损坏。请用导入模板填写后上传。")


def _open_workbook(uploaded) -> CalamineWorkbook:
    try:
        temporary_path = getattr(uploaded, "temporary_file_path", None)
        if temporary_path is not None:
            return CalamineWorkbook.from_path(temporary_path())
        uploaded.seek(0)
        return CalamineWorkbook.from_filelike(uploaded)
    except (CalamineError, OSError, ValueError) as problem:
        raise _Rejected([RowError(0, "", _unreadable_message())]) from problem


def _data_sheet_name(workbook: CalamineWorkbook) -> str | None:
    if DATA_SHEET in workbook.sheet_names:
        return DATA_SHEET
    for sheet in workbook.sheets_metadata:
        if sheet.typ == SheetTypeEnum.WorkSheet and sheet.visible == SheetVisibleEnum.Visible:
            return sheet.name
    return None


@dataclass
class _Sheet:
    """Rows of the data sheet with the Excel row number of each; cells start at `first_column`."""

    rows: object
    first_column: int


def _read_sheet(workbook: CalamineWorkbook) -> _Sheet:
    name = _data_sheet_name(workbook)
    if name is None:
        raise _Rejected([RowError(0, "", _("文件中没有工作表“%(sheet)s”。") % {"sheet": DATA_SHEET})])
    try:
        sheet = workbook.get_sheet_by_name(name)
    except CalamineError as problem:
        raise _Rejected([RowError(0, "", _unreadable_message())]) from problem
    start = sheet.start
    # calamine yields the rows from the top of the sheet (blank ones included) but the cells from
    # the first used column: the row position is the Excel row number, the column needs the offset.
    return _Sheet(rows=enumerate(sheet.iter_rows(), start=1), first_column=start[1] if start else 0)


def _is_blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _normalise_header(text) -> str:
    text = unicodedata.normalize("NFKC", str(text))
    return "".join(text.split()).strip("*")


HEADER_FIELDS = {_normalise_header(column.header): column.field for column in COLUMNS + READ_ONLY_COLUMNS}


@dataclass
class _Header:
    row: int
    width: int
    index_by_field: dict[str, int]
    unknown: list[tuple[int, str]]
    duplicate: list[tuple[int, str]]
    missing: list[Column]

    def errors(self) -> list[RowError]:
        errors = []
        separator = pgettext("list separator", "、")
        if self.unknown:
            errors.append(
                RowError(
                    self.row,
                    "",
                    _("无法识别的列：%(headers)s。请使用导入模板中的列名。")
                    % {"headers": separator.join(f"“{text}”" for _index, text in self.unknown)},
                )
            )
        if self.duplicate:
            errors.append(
                RowError(
                    self.row,
                    "",
                    _("列重复出现：%(headers)s。")
                    % {"headers": separator.join(f"“{text}”" for _index, text in self.duplicate)},
                )
            )
        if self.missing:
            errors.append(
                RowError(
                    self.row,
                    "",
                    _("缺少列：%(headers)s。请下载导入模板，按模板的列填写。")
                    % {"headers": separator.join(f"“{column.header}”" for column in self.missing)},
                )
            )
        return errors


def _analyse_header(row_number: int, cells: list) -> _Header:
    index_by_field: dict[str, int] = {}
    unknown, duplicate = [], []
    for index, cell in enumerate(cells):
        if _is_blank(cell):
            continue
        text = str(cell).strip()
        field_name = HEADER_FIELDS.get(_normalise_header(text))
        if field_name is None:
            unknown.append((index, text))
        elif field_name in index_by_field:
            duplicate.append((index, text))
        else:
            index_by_field[field_name] = index
    missing = [column for column in COLUMNS if column.field not in index_by_field]
    return _Header(row_number, len(cells), index_by_field, unknown, duplicate, missing)


def _header_and_rows(sheet: _Sheet) -> tuple[_Header | None, object]:
    """The header (first non-blank row) and the iterator positioned after it."""
    for row_number, cells in sheet.rows:
        if any(not _is_blank(cell) for cell in cells):
            return _analyse_header(row_number, cells), sheet.rows
    return None, sheet.rows


# --------------------------------------------------------------------------------------------------------------------
# Reading cells
# --------------------------------------------------------------------------------------------------------------------


class _CellProblem(ValueError):
    """A cell whose value cannot be read as its column's type; the message says why."""


def _number_text(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    if abs(value) >= EXACT_DIGITS_LIMIT:
        raise _CellProblem(
            _("该单元格被 Excel 存成了数字，超过 15 位的编号末尾已丢失；请把该列设为“文本”格式后重新填写。")
        )
    return str(int(value))


def _plain_text(cell) -> str:
    if cell.__class__ is str:  # most cells: checked first, the other types below
        text = cell.strip()
        if text.startswith("'") and text[1:2] and text[1] in FORMULA_TRIGGERS:
            text = text[1:]
        return text
    if _is_blank(cell):
        return ""
    if isinstance(cell, bool):
        return YES if cell else NO
    if isinstance(cell, int | float):
        return _number_text(cell)
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    text = str(cell).strip()
    # The export prefixes an apostrophe to text a spreadsheet would take for a formula; take it off again.
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_TRIGGERS:
        text = text[1:]
    return text


def _code_text(cell) -> str:
    text = _plain_text(cell)
    # NFKC leaves ASCII as it is: only full-width and other non-ASCII text needs the normalisation.
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _read_text(column: Column, cell) -> str:
    text = _plain_text(cell)
    if column.max_length and len(text) > column.max_length:
        raise _CellProblem(
            _("%(header)s不能超过 %(max)d 个字符（现有 %(length)d 个）。")
            % {"header": column.header, "max": column.max_length, "length": len(text)}
        )
    return text


CATALOG_CODE_PATTERN = re.compile(r"([0-9A-Za-z]{4})(?:$|[\s\u3000]|[^\x00-\x7f])")


def _read_catalog(cell) -> str:
    text = _code_text(cell)
    # The drop-down offers "3110 曳引驱动乘客电梯": the code is the first four characters.
    match = CATALOG_CODE_PATTERN.match(text)
    return (match.group(1) if match else text).upper()


DATE_PATTERN = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _read_date(column: Column, cell) -> date | None:
    if _is_blank(cell):
        return None
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    wrong = _CellProblem(
        _("%(header)s应为日期，格式 YYYY-MM-DD（如 2020-05-01），现为“%(value)s”。")
        % {"header": column.header, "value": cell}
    )
    if isinstance(cell, bool):
        raise wrong
    if isinstance(cell, int | float):
        # A date typed into a cell formatted as a number arrives as Excel's day count.
        if not (1 <= cell <= LAST_EXCEL_SERIAL):
            raise wrong
        return EXCEL_EPOCH + timedelta(days=int(cell))
    match = DATE_PATTERN.fullmatch(unicodedata.normalize("NFKC", str(cell)).strip())
    if not match:
        raise wrong
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise _CellProblem(_("%(header)s“%(value)s”不是存在的日期。") % {"header": column.header, "value": cell})


def _read_integer(column: Column, cell) -> int | None:
    if _is_blank(cell):
        return None
    if isinstance(cell, int | float) and not isinstance(cell, bool) and float(cell).is_integer():
        return int(cell)
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    if not isinstance(cell, bool) and text.isdigit():
        return int(text)
    raise _CellProblem(_("%(header)s须为整数，现为“%(value)s”。") % {"header": column.header, "value": cell})


def _read_yes_no(cell) -> bool:
    if _is_blank(cell):
        return False
    if isinstance(cell, bool):
        return cell
    text = _code_text(cell).upper()
    if text in YES_NO_BY_TEXT:
        return YES_NO_BY_TEXT[text]
    raise _CellProblem(_("请填写“是”或“否”，现为“%(value)s”。") % {"value": cell})


def _read_status(cell) -> str | None:
    if _is_blank(cell):
        return None
    text = _code_text(cell)
    if text in STATUS_BY_TEXT:
        return STATUS_BY_TEXT[text]
    raise _CellProblem(_("状态须为“在用”“停用”或“报废”，现为“%(value)s”。") % {"value": cell})


def _read_uscc(cell) -> str:
    text = _code_text(cell)
    if not text:
        return ""
    try:
        return validate_uscc(text)
    except InvalidUSCC as problem:
        raise _CellProblem(str(problem))


READER_BY_KIND = {
    Kind.TEXT: _read_text,
    Kind.CODE: lambda _column, cell: normalise_code(_code_text(cell)),
    Kind.CATALOG: lambda _column, cell: _read_catalog(cell),
    Kind.REGION: lambda _column, cell: _code_text(cell),
    Kind.DATE: _read_date,
    Kind.INTEGER: _read_integer,
    Kind.YES_NO: lambda _column, cell: _read_yes_no(cell),
    Kind.STATUS: lambda _column, cell: _read_status(cell),
    Kind.USCC: lambda _column, cell: _read_uscc(cell),
}


class _RepeatedCells:
    """Reads a column whose few distinct values repeat down the sheet (the unit's and the agency's codes) once per
    distinct value: the check-digit computation is the costliest read of a row."""

    def __init__(self, reader):
        self.reader = reader
        self.outcome_by_cell: dict = {}

    def __call__(self, column: Column, cell):
        key = (cell.__class__, cell)  # 1, 1.0 and True are equal keys, and may read differently
        try:
            outcome = self.outcome_by_cell[key]
        except KeyError:
            try:
                outcome = self.reader(column, cell)
            except _CellProblem as problem:
                outcome = _Unreadable(str(problem))
            if len(self.outcome_by_cell) < REPEATED_CELLS_KEPT:
                self.outcome_by_cell[key] = outcome
        except TypeError:  # an unhashable cell cannot come from calamine; read it plainly
            return self.reader(column, cell)
        if isinstance(outcome, _Unreadable):
            raise _CellProblem(outcome.message)
        return outcome


@dataclass(frozen=True)
class _Unreadable:
    message: str


# Distinct values remembered per column: far more units and agencies than one file names, a bounded memory.
REPEATED_CELLS_KEPT = 10_000


# --------------------------------------------------------------------------------------------------------------------
# Checking rows
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    values: dict
    errors: dict[str, str]
    owner: Organization | None = None
    agency: Organization | None = None
    existing: Equipment | None = None
    changes: dict = field(default_factory=dict)

    def error_list(self) -> list[RowError]:
        ordered = [
            RowError(self.number, name, self.errors[name]) for name in ("", *COLUMN_BY_FIELD) if name in self.errors
        ]
        return ordered

    @property
    def outcome(self) -> str:
        if self.existing is None:
            return "created"
        return "updated" if self.changes else "unchanged"


class _ErrorList:
    """The errors to show, capped; the ones past the cap are only counted."""

    def __init__(self, limit: int = MAX_ERRORS):
        self.limit = limit
        self.kept: list[RowError] = []
        self.more = 0

    def extend(self, errors: list[RowError]) -> None:
        for error in errors:
            if len(self.kept) < self.limit:
                self.kept.append(error)
            else:
                self.more += 1

    def __bool__(self) -> bool:
        return bool(self.kept)

    def as_list(self) -> list[RowError]:
        if not self.more:
            return list(self.kept)
        summary = _("另有 %(count)d 个错误未列出，请先改正以上错误后重新检查。") % {"count": self.more}
        return [*self.kept, RowError(0, "", summary)]


class _LedgerChecker:
    """Validates the rows of one file for one actor, with reference data loaded once and the
    organizations and existing equipment of each chunk fetched in one batch."""

    def __init__(self, actor):
        self.actor = actor
        self.scope = scope_of(actor)
        self.today = timezone.localdate()
        self.catalog = CatalogFacts.load()
        # Equipment stands in a county, or in a city that has no counties (东莞, 中山, 儋州, 嘉峪关).
        self.leaf_regions = set(
            Region.objects.exclude(code__in=Region.objects.filter(parent__isnull=False).values("parent_id"))
            .values_list("code", flat=True)
            .iterator()
        )
        self.own_organization = None
        if self.scope.kind == ScopeKind.UNIT:
            self.own_organization = Organization.objects.select_related("region").get(pk=actor.organization_id)
        self.owners_by_uscc: dict[str, Organization | None] = {}
        self.agencies_by_uscc: dict[str, Organization | None] = {}
        self.first_row_by_code: dict[str, int] = {}

    # One pass over the sheet -----------------------------------------------------------------------------------------

    def checked_chunks(self, uploaded, *, lock: bool = False):
        """Yield lists of checked rows, CHUNK_ROWS at a time; raises _Rejected for a bad file or header."""
        self.first_row_by_code = {}
        workbook = _open_workbook(uploaded)
        try:
            sheet = _read_sheet(workbook)
            header, rows = _header_and_rows(sheet)
            if header is None:
                raise _Rejected([RowError(0, "", _("文件中没有数据。"))])
            header_errors = header.errors()
            if header_errors:
                raise _Rejected(header_errors)
            readers = self._readers(header)
            chunk: list[_Row] = []
            for row_number, cells in rows:
                if all(_is_blank(cell) for cell in cells):
                    continue
                chunk.append(self._parse(readers, row_number, cells))
                if len(chunk) >= CHUNK_ROWS:
                    yield self._check(chunk, lock=lock)
                    chunk = []
            if chunk:
                yield self._check(chunk, lock=lock)
        finally:
            workbook.close()

    def _readers(self, header: _Header) -> list[tuple[Column, int, object]]:
        """(column, cell index, reader) of each template column, worked out once per file."""
        readers = []
        for column in COLUMNS:
            reader = READER_BY_KIND[column.kind]
            if column.kind == Kind.USCC:
                reader = _RepeatedCells(reader)
            readers.append((column, header.index_by_field[column.field], reader))
        return readers

    def _parse(self, readers: list, row_number: int, cells: list) -> _Row:
        values, errors = {}, {}
        width = len(cells)
        for column, index, reader in readers:
            cell = cells[index] if index < width else ""
            try:
                values[column.field] = reader(column, cell)
            except _CellProblem as problem:
                values[column.field] = None
                errors[column.field] = str(problem)
        code = values.get("code")
        if code and "code" not in errors:
            first = self.first_row_by_code.setdefault(code, row_number)
            if first != row_number:
                errors["code"] = _("设备代码 %(code)s 与第 %(row)d 行重复。") % {"code": code, "row": first}
        return _Row(row_number, values, errors)

    # One chunk ------------------------------------------------------------------------------------------------------

    def _check(self, chunk: list[_Row], *, lock: bool) -> list[_Row]:
        self._load_organizations(chunk)
        codes = {row.values["code"] for row in chunk if row.values.get("code")}
        # Deleted devices too: their codes stay theirs until they are restored.
        existing = Equipment.all_objects.filter(code__in=codes)
        if lock:
            existing = existing.select_for_update()
        existing_by_code = {equipment.code: equipment for equipment in existing}
        for row in chunk:
            self._check_row(row, existing_by_code.get(row.values.get("code")))
        return chunk

    def _load_organizations(self, chunk: list[_Row]) -> None:
        if self.scope.kind == ScopeKind.REGULATOR:
            wanted = {row.values["organization"] for row in chunk if row.values.get("organization")}
            unseen = wanted - self.owners_by_uscc.keys()
            if unseen:
                found = Organization.objects.visible_to(self.actor).filter(uscc__in=unseen).select_related("region")
                found_by_uscc = {organization.uscc: organization for organization in found}
                for uscc in unseen:
                    organization = found_by_uscc.get(uscc)
                    usable = organization is not None and organization.kind in EQUIPMENT_OWNING_KINDS
                    self.owners_by_uscc[uscc] = organization if usable else None
        wanted = {row.values["inspection_agency"] for row in chunk if row.values.get("inspection_agency")}
        unseen = wanted - self.agencies_by_uscc.keys()
        if unseen:
            found = Organization.objects.visible_to(self.actor).filter(
                uscc__in=unseen, kind=OrganizationKind.INSPECTION_AGENCY
            )
            found_by_uscc = {agency.uscc: agency for agency in found}
            for uscc in unseen:
                self.agencies_by_uscc[uscc] = found_by_uscc.get(uscc)

    def _owner_of(self, row: _Row) -> Organization | None:
        uscc = row.values.get("organization")
        if self.own_organization is not None:
            if uscc and uscc != self.own_organization.uscc:
                row.errors.setdefault(
                    "organization",
                    _("只能导入本单位的设备：使用单位统一社会信用代码须留空或填写本单位的代码。"),
                )
                return None
            return self.own_organization
        if "organization" in row.errors:
            return None
        if not uscc:
            row.errors["organization"] = _("请填写设备所属使用单位的统一社会信用代码。")
            return None
        owner = self.owners_by_uscc.get(uscc)
        if owner is None:
            # The same words whether the unit does not exist or lies outside the jurisdiction.
            row.errors["organization"] = _("统一社会信用代码 %(uscc)s 不是您辖区内的使用单位或充装单位。") % {
                "uscc": uscc
            }
        return owner

    def _check_row(self, row: _Row, existing: Equipment | None) -> None:
        values, errors = row.values, row.errors
        owner = row.owner = self._owner_of(row)
        agency_uscc = values.get("inspection_agency")
        if agency_uscc:
            row.agency = self.agencies_by_uscc.get(agency_uscc)
            if row.agency is None:
                errors.setdefault(
                    "inspection_agency",
                    _("统一社会信用代码 %(uscc)s 不是平台上登记的检验机构。") % {"uscc": agency_uscc},
                )
        region = values.get("region")
        if not region and owner is not None:
            region = values["region"] = owner.region_id
        elif region and region not in self.leaf_regions:
            errors.setdefault(
                "region", _("所在地区代码 %(code)s 不是县级行政区划代码（GB/T 2260）。") % {"code": region}
            )
        checked = {name: value for name, value in values.items() if name not in errors}
        found = equipment_field_errors(
            checked,
            catalog=self.catalog,
            organization_region_prefix=owner.region.prefix if owner is not None else "",
            today=self.today,
        )
        for name, message in found.items():
            if name in checked:
                errors.setdefault(name, message)
        if region and self.scope.kind == ScopeKind.REGULATOR and not region.startswith(self.scope.region_prefix):
            errors.setdefault("region", _("设备所在地区不在您的辖区内。"))
        if existing is not None and owner is not None and existing.organization_id != owner.pk:
            errors.setdefault("code", _("设备代码 %(code)s 已由其他单位登记。") % {"code": existing.code})
        elif existing is not None and existing.is_deleted:
            errors.setdefault("code", code_taken_message(existing, self.actor))
        status = values.get("status")
        if (
            existing is not None
            and existing.status == EquipmentStatus.SCRAPPED
            and status not in (None, existing.status)
        ):
            errors.setdefault(
                "status", _("该设备已报废，不能通过导入恢复为“%(label)s”。") % {"label": status_label(status)}
            )
        row.existing = existing
        if not errors and existing is not None:
            row.changes = self._changes(row, existing)

    @staticmethod
    def _changes(row: _Row, existing: Equipment) -> dict:
        return {name: value for name, value in _model_values(row).items() if getattr(existing, name) != value}


def _model_values(row: _Row) -> dict:
    """The row as model attribute values: foreign keys by id, a blank status left out (it keeps the current one)."""
    model_values = {ATTNAME.get(name, name): row.values[name] for name in WRITTEN_FIELDS}
    model_values["inspection_agency_id"] = row.agency.pk if row.agency is not None else None
    if row.values.get("status"):
        model_values["status"] = row.values["status"]
    return model_values


def status_label(value: str) -> str:
    """The status as the ledger writes and reads it (Chinese, whatever the active language)."""
    return STATUS_TEXT[EquipmentStatus(value)]


def _ledger_labels(choices) -> dict[str, str]:
    """Choice labels in the ledger's language, for the export's read-only columns."""
    with translation.override(LEDGER_LANGUAGE):
        return {value: str(label) for value, label in choices}


# --------------------------------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------------------------------


class _ChunkWriter:
    """Writes one checked chunk: bulk inserts, bulk updates, one event per owning unit."""

    def __init__(self, actor):
        self.actor = actor
        self.counts = {"created": 0, "updated": 0, "unchanged": 0}

    def write(self, chunk: list[_Row]) -> None:
        now = timezone.now()
        new_rows = [row for row in chunk if row.existing is None]
        changed_rows = [row for row in chunk if row.existing is not None and row.changes]
        self.counts["unchanged"] += len(chunk) - len(new_rows) - len(changed_rows)
        created = _insert(new_rows, now)
        updated, changed_fields = [], set()
        for row in changed_rows:
            equipment = row.existing
            for name, value in row.changes.items():
                setattr(equipment, name, value)
            equipment.version += 1
            equipment.updated_at = now
            changed_fields.update(row.changes)
            updated.append(equipment)
        if updated:
            Equipment.objects.bulk_update(updated, [*sorted(changed_fields), "version", "updated_at"])
            recoded = [row.existing.pk for row in changed_rows if "category_id" in row.changes]
            if recoded:
                Hazard.objects.filter(equipment_id__in=recoded).take_catalog_codes()
        self.counts["created"] += len(created)
        self.counts["updated"] += len(updated)
        self._record(chunk, created, changed_rows)

    def _record(self, chunk: list[_Row], created: list[tuple[int, str, int]], changed_rows: list[_Row]) -> None:
        owners = {row.owner.pk: row.owner for row in chunk}
        created_by_owner, updated_by_owner = defaultdict(list), defaultdict(list)
        for pk, code, owner_id in created:
            created_by_owner[owner_id].append({"id": pk, "code": code})
        for row in changed_rows:
            updated_by_owner[row.owner.pk].append(
                {"id": row.existing.pk, "code": row.existing.code, "fields": _api_names(row.changes)}
            )
        for owner_id in sorted(created_by_owner.keys() | updated_by_owner.keys()):
            refresh_after_commit(owner_id)
            record_event(
                "equipment.imported",
                actor=self.actor,
                organization=owners[owner_id],
                data={
                    "rows": [chunk[0].number, chunk[-1].number],
                    "created": created_by_owner[owner_id],
                    "updated": updated_by_owner[owner_id],
                },
            )


def _insert(rows: list[_Row], now) -> list[tuple[int, str, int]]:
    """Insert the new equipment of a chunk; (id, code, organization id) of each, in the rows' order."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy_in(rows, now)
    created = Equipment.objects.bulk_create([Equipment(organization=row.owner, **_model_values(row)) for row in rows])
    return [(equipment.pk, equipment.code, equipment.organization_id) for equipment in created]


def _copy_in(rows: list[_Row], now) -> list[tuple[int, str, int]]:
    """PostgreSQL's COPY instead of a multi-row INSERT: the same rows (the model's defaults for the columns the
    ledger does not fill, a new public token each), without building a model instance and preparing every value
    through the ORM, which took most of the time of a large import.  Like bulk_create it sends no signals."""
    fields = [field for field in Equipment._meta.concrete_fields if not field.primary_key]
    filled = {"organization_id", "created_at", "updated_at", *_model_values(rows[0]), "status"}
    per_row_defaults = [
        field for field in fields if field.attname not in filled and field.has_default() and callable(field.default)
    ]
    constants = {
        field.attname: field.get_db_prep_save(field.get_default(), connection)
        for field in fields
        if field.attname not in filled and field not in per_row_defaults
    }
    default_status = Equipment._meta.get_field("status").get_default()
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(Equipment._meta.db_table)
    statement = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        # The driver's own cursor for COPY; its errors (a code registered meanwhile) become Django's IntegrityError.
        with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
            for row in rows:
                values = _model_values(row)
                values.setdefault("status", str(default_status))
                values.update(constants)
                values.update({field.attname: field.get_default() for field in per_row_defaults})
                values["organization_id"] = row.owner.pk
                values["created_at"] = values["updated_at"] = now
                copy.write_row([values[field.attname] for field in fields])
        codes = [row.values["code"] for row in rows]
        cursor.execute(f"SELECT code, id FROM {table} WHERE code = ANY(%s)", [codes])  # noqa: S608
        id_by_code = dict(cursor.fetchall())
    return [(id_by_code[row.values["code"]], row.values["code"], row.owner.pk) for row in rows]


def _api_names(model_values: dict) -> list[str]:
    field_by_attname = {attname: name for name, attname in ATTNAME.items()}
    return sorted(field_by_attname.get(name, name) for name in model_values)


def import_ledger(*, actor, uploaded, dry_run: bool = False) -> ImportResult:
    """Import an equipment ledger: one error anywhere imports nothing.

    A code already registered by the same unit updates that equipment (its version goes up, its
    public QR token stays); a code registered by another unit is an error.
    """
    if not actor.may(Action.MANAGE_EQUIPMENT):
        raise PermissionDenied(_("您的角色不能导入设备台账。"))
    if scope_of(actor).kind not in (ScopeKind.UNIT, ScopeKind.REGULATOR):
        raise PermissionDenied(_("只有使用单位和监管部门可以导入设备台账。"))
    problem = _file_problem(uploaded)
    if problem:
        return ImportResult(0, 0, dry_run, [RowError(0, "", problem)])
    checker = _LedgerChecker(actor)
    try:
        if dry_run:
            return _check_only(checker, uploaded)
        return _check_and_write(checker, actor, uploaded)
    except _Rejected as rejected:
        return ImportResult(0, 0, dry_run, rejected.errors)


def _no_data_rows() -> RowError:
    return RowError(0, "", _("文件中没有设备数据行。"))


def _check_only(checker: _LedgerChecker, uploaded) -> ImportResult:
    errors = _ErrorList()
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for chunk in checker.checked_chunks(uploaded):
        for row in chunk:
            row_errors = row.error_list()
            errors.extend(row_errors)
            if not row_errors:
                counts[row.outcome] += 1
    if errors:
        return ImportResult(0, 0, True, errors.as_list())
    if not any(counts.values()):
        return ImportResult(0, 0, True, [_no_data_rows()])
    return ImportResult(counts["created"], counts["updated"], True, [], counts["unchanged"])


def _check_and_write(checker: _LedgerChecker, actor, uploaded) -> ImportResult:
    """One pass inside one transaction: each chunk is checked (its registered rows locked) and, while no error has
    been found, written at once.  The first error stops the writing; the rest of the file is still checked, so
    that the user sees every error, and the transaction is rolled back.  A valid file is thus read once, and the
    all-or-nothing rule holds as with a separate checking pass."""
    errors = _ErrorList()
    writer = _ChunkWriter(actor)
    try:
        with transaction.atomic():
            for chunk in checker.checked_chunks(uploaded, lock=True):
                for row in chunk:
                    errors.extend(row.error_list())
                if not errors:
                    writer.write(chunk)
            if errors or not any(writer.counts.values()):
                raise _NothingWritten
    except _NothingWritten:
        if errors:
            return ImportResult(0, 0, False, errors.as_list())
        return ImportResult(0, 0, False, [_no_data_rows()])
    except IntegrityError:
        message = _("导入期间有设备代码被他人登记，未导入任何数据，请重新导入。")
        return ImportResult(0, 0, False, [RowError(0, "code", message)])
    totals = writer.counts
    return ImportResult(totals["created"], totals["updated"], False, [], totals["unchanged"])


class _NothingWritten(Exception):
    """Rolls back what the chunks before the first error wrote (and their events)."""


# --------------------------------------------------------------------------------------------------------------------
# Template
# --------------------------------------------------------------------------------------------------------------------


REQUIRED_FILL, OPTIONAL_FILL, READ_ONLY_FILL, ERROR_FILL = "#F8CBAD", "#DDEBF7", "#E7E6E6", "#FF9999"
LAST_ROW = 1_048_575


def _column_format(workbook, column: Column):
    if column.kind == Kind.DATE:
        return workbook.add_format({"num_format": DATE_FORMAT})
    if column.kind == Kind.INTEGER:
        return None
    # Text format keeps long codes and leading zeros as typed instead of turning them into numbers.
    return workbook.add_format({"num_format": "@"})


def _write_catalog_sheet(workbook) -> int:
    sheet = workbook.add_worksheet(CATALOG_SHEET)
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, [_("代码"), _("名称"), _("下拉选项")], bold)
    entries = CatalogEntry.objects.filter(registrable=True).order_by("code").values_list("code", "name")
    count = 0
    for count, (code, name) in enumerate(entries, start=1):
        sheet.write_string(count, 0, code)
        sheet.write_string(count, 1, name)
        sheet.write_string(count, 2, f"{code} {name}")
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 2, 36)
    sheet.hide()
    return count


def _write_instructions(workbook, actor) -> None:
    sheet = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True, "border": 1, "bg_color": OPTIONAL_FILL})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
    plain = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 2, 90)
    sheet.write(0, 0, _("特种设备台账导入说明"), title)
    limit_mb = max(settings.LEDGER_IMPORT_MAX_BYTES // (1024 * 1024), 1)
    notes = [
        _("1. 在“%(sheet)s”工作表中每行填写一台设备，第一行列名不要修改、删除或调整。") % {"sheet": DATA_SHEET},
        _("2. 日期一律按 YYYY-MM-DD 填写（如 2020-05-01），或使用 Excel 的日期格式。"),
        _(
            "3. 设备类别代码按《特种设备目录》（原国家质量监督检验检疫总局公告2014年第114号）填写，尽量填到品种"
            "（如 3110 曳引驱动乘客电梯），可从下拉列表选择。压力管道元件（7000）和安全附件（F000，如 7310 安全阀）"
            "属于产品，不办理使用登记，不能作为设备导入。"
        ),
        _("4. 设备代码已在本单位登记的，导入时更新该设备的信息；已被其他单位登记的代码不能导入。"),
        _("5. 先检查、后导入：文件中任何一行有错误都不会导入任何数据，请按错误提示改正后重新上传。"),
        _("6. 单个文件不超过 %(size)d MB；可先试导入（只检查、不写入）。") % {"size": limit_mb},
    ]
    if scope_of(actor).kind == ScopeKind.REGULATOR:
        notes.append(_("7. 监管部门导入时，每行须填写“使用单位统一社会信用代码”，且该单位须在您的辖区内。"))
    else:
        notes.append(_("7. 使用单位导入本单位设备时，“使用单位统一社会信用代码”一列留空即可。"))
    for offset, note in enumerate(notes, start=2):
        sheet.write(offset, 0, note)
    table_row = len(notes) + 3
    sheet.write_row(table_row, 0, [_("列名"), _("是否必填"), _("填写说明")], bold)
    for offset, column in enumerate(COLUMNS, start=table_row + 1):
        sheet.write_string(offset, 0, column.header, wrap)
        sheet.write_string(offset, 1, _("必填") if column.required else _("选填"), wrap)
        sheet.write_string(offset, 2, str(column.help), wrap)
    example_row = table_row + len(COLUMNS) + 2
    sheet.write(example_row, 0, _("示例"), workbook.add_format({"bold": True}))
    example = [
        "31101405252020A0001",
        "梯11晋E00001(20)",
        "3110 曳引驱动乘客电梯",
        _("1号客梯"),
        "TKJ1000/1.75-JXW",
        "2019-0356",
        _("某某电梯有限公司"),
        "2019-12-01",
        "2020-05-01",
        "15",
        "140525",
        _("1号楼东侧"),
        YES,
        status_label(EquipmentStatus.IN_USE),
        "2025-05-01",
        "2026-04-30",
        "",
        "",
    ]
    for offset, (column, value) in enumerate(zip(COLUMNS, example, strict=True)):
        sheet.write_string(example_row + 1 + offset, 0, column.header, plain)
        sheet.write_string(example_row + 1 + offset, 2, value, plain)


def template_file(*, actor):
    """The import template: the data sheet with headers, comments and drop-downs, the instructions
    and, hidden, the registrable catalog codes the category drop-down lists."""
    output = output_file()
    workbook = xlsxwriter.Workbook(output)
    sheet = workbook.add_worksheet(DATA_SHEET)
    for index, column in enumerate(COLUMNS):
        fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        header_format = workbook.add_format({**HEADER_STYLE, "bg_color": fill})
        sheet.write_string(0, index, column.header, header_format)
        sheet.write_comment(0, index, str(column.help), {"x_scale": 2.2, "y_scale": 1.6})
        sheet.set_column(index, index, column.width, _column_format(workbook, column))
    sheet.set_row(0, 32)
    sheet.freeze_panes(1, 0)
    _write_instructions(workbook, actor)
    catalog_count = _write_catalog_sheet(workbook)
    index_of = {column.field: index for index, column in enumerate(COLUMNS)}
    list_rule = {"validate": "list", "error_type": "stop", "ignore_blank": True}
    category = index_of["category"]
    sheet.data_validation(
        1,
        category,
        LAST_ROW,
        category,
        {
            "validate": "list",
            "source": f"='{CATALOG_SHEET}'!$C$2:$C${catalog_count + 1}",
            # A code typed by hand ("3110") is not in the list of "code name" options: warn, do not refuse.
            "error_type": "warning",
            "input_title": _("设备类别"),
            "input_message": _("从列表选择，或直接填写 4 位目录代码。"),
            "error_title": _("设备类别"),
            "error_message": _("不在可登记的目录代码列表中，请核对。"),
        },
    )
    sheet.data_validation(
        1,
        index_of["status"],
        LAST_ROW,
        index_of["status"],
        {**list_rule, "source": [status_label(value) for value in EquipmentStatus.values]},
    )
    sheet.data_validation(
        1, index_of["crowded_place"], LAST_ROW, index_of["crowded_place"], {**list_rule, "source": [YES, NO]}
    )
    sheet.data_validation(
        1,
        index_of["design_life_years"],
        LAST_ROW,
        index_of["design_life_years"],
        {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": 100, "error_type": "stop"},
    )
    sheet.activate()
    workbook.close()
    output.seek(0)
    return output


# --------------------------------------------------------------------------------------------------------------------
# Error report
# --------------------------------------------------------------------------------------------------------------------


class _ReportFormats:
    def __init__(self, workbook):
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.bad = workbook.add_format({"bg_color": ERROR_FILL, "border": 1, "border_color": "#C00000"})
        self.bad_date = workbook.add_format(
            {"bg_color": ERROR_FILL, "border": 1, "border_color": "#C00000", "num_format": DATE_FORMAT}
        )
        self.message = workbook.add_format({"font_color": "#C00000", "text_wrap": True})
        self.header = workbook.add_format({**HEADER_STYLE, "bg_color": OPTIONAL_FILL})
        self.bad_header = workbook.add_format({**HEADER_STYLE, "bg_color": ERROR_FILL})


def _copy_cell(sheet, row: int, column: int, cell, formats: _ReportFormats, bad: bool) -> None:
    if _is_blank(cell):
        if bad:
            sheet.write_blank(row, column, None, formats.bad)
        return
    if isinstance(cell, bool):
        sheet.write_boolean(row, column, cell, formats.bad if bad else None)
    elif isinstance(cell, datetime | date):
        sheet.write_datetime(row, column, cell, formats.bad_date if bad else formats.date)
    elif isinstance(cell, int | float):
        sheet.write_number(row, column, cell, formats.bad if bad else None)
    else:
        # Always as text: the user's own cell comes back exactly as written, never as a formula.
        sheet.write_string(row, column, str(cell), formats.bad if bad else None)


def _write_error_summary(workbook, errors: list[RowError]) -> None:
    sheet = workbook.add_worksheet(ERRORS_SHEET)
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, [_("行号"), _("列"), _("错误说明")], bold)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 24)
    sheet.set_column(2, 2, 90)
    for offset, error in enumerate(errors, start=1):
        column = COLUMN_BY_FIELD.get(error.column)
        if error.row:
            sheet.write_number(offset, 0, error.row)
        sheet.write_string(offset, 1, column.header if column else "")
        sheet.write_string(offset, 2, error.message)


COMMENT_SIZE = {"x_scale": 2.5, "y_scale": 1.5}


def error_report_file(uploaded, errors: list[RowError]):
    """The uploaded rows copied into a new workbook, the cells in error filled red and a last
    column “错误说明” saying what is wrong, so that the user can fix the file and upload it again.
    A second sheet lists every error, including those about the file as a whole."""
    output = output_file()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    formats = _ReportFormats(workbook)
    errors_by_row: dict[int, list[RowError]] = defaultdict(list)
    for error in errors:
        errors_by_row[error.row].append(error)
    # A file we cannot read back gets the summary sheet alone, which says why.
    with contextlib.suppress(_Rejected):
        _copy_with_errors(workbook, uploaded, errors_by_row, formats)
    _write_error_summary(workbook, errors)
    workbook.close()
    output.seek(0)
    return output


def _copy_with_errors(workbook, uploaded, errors_by_row: dict[int, list[RowError]], formats: _ReportFormats) -> None:
    if _file_problem(uploaded):
        raise _Rejected([])
    source = _open_workbook(uploaded)
    try:
        data = _read_sheet(source)
        header, rows = _header_and_rows(data)
        if header is None:
            raise _Rejected([])
        sheet = workbook.add_worksheet(DATA_SHEET)
        offset = data.first_column
        # calamine gives every row the width of the used range: the column after it is free.
        message_column = offset + header.width
        sheet.set_column(offset, message_column - 1, 16)
        sheet.set_column(message_column, message_column, 60)
        bad_headers = {index for index, _text in header.unknown + header.duplicate}
        header_row = header.row - 1
        for index, text in _header_cells(header).items():
            cell_format = formats.bad_header if index in bad_headers else formats.header
            sheet.write_string(header_row, offset + index, text, cell_format)
        sheet.write_string(header_row, message_column, ERROR_COLUMN_HEADER, formats.bad_header)
        header_errors = errors_by_row.get(header.row, [])
        if header_errors:
            sheet.write_comment(header_row, message_column, _describe(header_errors), COMMENT_SIZE)
        index_by_field = header.index_by_field
        for row_number, cells in rows:
            row_errors = errors_by_row.get(row_number, [])
            message_by_column = defaultdict(list)
            for error in row_errors:
                if error.column in index_by_field:
                    message_by_column[index_by_field[error.column]].append(error.message)
            for index, cell in enumerate(cells):
                _copy_cell(sheet, row_number - 1, offset + index, cell, formats, index in message_by_column)
            for index, messages in sorted(message_by_column.items()):
                if index >= len(cells):
                    sheet.write_blank(row_number - 1, offset + index, None, formats.bad)
                sheet.write_comment(row_number - 1, offset + index, "\n".join(messages), COMMENT_SIZE)
            if row_errors:
                sheet.write_string(row_number - 1, message_column, _describe(row_errors), formats.message)
    finally:
        source.close()


def _header_cells(header: _Header) -> dict[int, str]:
    cells = {index: COLUMN_BY_FIELD[name].header for name, index in header.index_by_field.items()}
    cells.update(dict(header.unknown))
    cells.update(dict(header.duplicate))
    return dict(sorted(cells.items()))


def _describe(errors: list[RowError]) -> str:
    parts = []
    for error in errors:
        column = COLUMN_BY_FIELD.get(error.column)
        parts.append(f"{column.header}：{error.message}" if column else error.message)
    return "；".join(parts)


# --------------------------------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------------------------------

EXPORT_VALUES = (
    "code",
    "registration_no",
    "category_id",
    "name",
    "model",
    "serial_no",
    "manufacturer",
    "manufactured_on",
    "commissioned_on",
    "design_life_years",
    "region_id",
    "site",
    "crowded_place",
    "status",
    "last_inspected_on",
    "inspection_due_on",
    "inspection_agency__uscc",
    "organization__uscc",
    "organization__name",
    "inspection_state_value",
    "risk_level",
    "open_hazards",
)


CROWDED_INDEX = EXPORT_VALUES.index("crowded_place")
STATUS_INDEX = EXPORT_VALUES.index("status")


def _export_cells(values: tuple, state_labels: dict[str, str], risk_labels: dict[str, str]) -> list:
    (*template_values, organization_name, inspection_state, risk_level, open_hazards) = values
    cells = list(template_values)
    cells[CROWDED_INDEX] = YES if cells[CROWDED_INDEX] else NO
    cells[STATUS_INDEX] = status_label(cells[STATUS_INDEX])
    state_label = state_labels[inspection_state] if inspection_state else ""
    risk_label = risk_labels[risk_level] if risk_level else ""
    return [*cells, organization_name, state_label, risk_label, open_hazards]


def _export_header_fill(column: Column) -> str:
    """The template's colours (required, optional), grey for the columns the import ignores."""
    if column in READ_ONLY_COLUMNS:
        return READ_ONLY_FILL
    return REQUIRED_FILL if column.required else OPTIONAL_FILL


def export_file(queryset, *, actor):
    """The equipment of the (already scoped and filtered) queryset as an .xlsx in the template's
    columns plus read-only ones, streamed row by row into a temporary file."""
    if "inspection_state_value" not in queryset.query.annotations:
        queryset = queryset.with_inspection_state()
    rows = queryset.order_by("pk").values_list(*EXPORT_VALUES).iterator(chunk_size=EXPORT_CHUNK_ROWS)
    columns = [
        SheetColumn(column.header, column.width, header_fill=_export_header_fill(column))
        for column in COLUMNS + READ_ONLY_COLUMNS
    ]
    state_labels = _ledger_labels(InspectionState.choices)
    risk_labels = _ledger_labels(RiskLevel.choices)

    def write_rows(sheet):
        for values in rows:
            sheet.write_row(_export_cells(values, state_labels, risk_labels))

    return row_list_file(DATA_SHEET, columns, write_rows)


def export_filename() -> str:
    return f"设备台账_{timezone.localdate():%Y%m%d}.xlsx"


__all__ = [
    "TEMPLATE_FILENAME",
    "ImportResult",
    "RowError",
    "error_report_file",
    "export_file",
    "export_filename",
    "import_ledger",
    "template_file",
]
