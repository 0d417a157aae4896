"""Writing .xlsx exports: a temporary file handed to the response, cells written by type, and text a
spreadsheet program would run as a formula neutralised (CWE-1236: regulators open exports in Excel).

Formatted documents (several sheets, merged cells, validation lists) are written with xlsxwriter through
`write_cells`.  Row lists of up to hundreds of thousands of rows are written by `RowListWorkbook`: xlsxwriter makes
one Python call per cell and spends most of an export there, whereas `RowListWorkbook` builds each row's XML as one
string and streams it into a deflated zip member, so that memory stays flat however many rows come."""

import contextlib
import math
import re
import tempfile
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
DATE_FORMAT = "yyyy-mm-dd"
HEADER_STYLE = {"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True}


def neutralise(text: str) -> str:
    """Text a spreadsheet program would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def output_file():
    """Handed to the caller, who closes it (FileResponse does); it disappears from disk when closed."""
    return tempfile.TemporaryFile()  # noqa: SIM115


def write_cells(sheet, row: int, cells, date_format, cell_format=None) -> None:
    """One row: dates as real dates, numbers as numbers, everything else as neutralised text."""
    for column, cell in enumerate(cells):
        if cell is None or cell == "":
            continue
        if isinstance(cell, datetime):
            sheet.write_datetime(row, column, cell.replace(tzinfo=None), date_format)
        elif isinstance(cell, date):
            sheet.write_datetime(row, column, cell, date_format)
        elif isinstance(cell, int | float | Decimal) and not isinstance(cell, bool):
            sheet.write_number(row, column, float(cell), cell_format)
        else:
            sheet.write_string(row, column, neutralise(str(cell)), cell_format)


# --------------------------------------------------------------------------------------------------------------------
# Streaming row lists
# --------------------------------------------------------------------------------------------------------------------

MAX_COLUMNS = 16_384
MAX_ROWS = 1_048_576
# Deflate at level 1 is several times faster than the default and sheet XML still shrinks about tenfold.
COMPRESS_LEVEL = 1
# Rows joined before a write into the zip member: few enough to stay small, enough to keep zlib calls coarse.
ROWS_PER_WRITE = 512

# Characters XML 1.0 forbids (C0 controls but tab, line feed and carriage return; lone surrogates; U+FFFE/U+FFFF).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What sends a text cell down the slow path: markup characters, a carriage return (an XML parser would turn it into a
# line feed), an illegal character, or an underscore that may start Excel's own _xHHHH_ escape.
NEEDS_ESCAPING = re.compile("[&<>\r_\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel reads "_x0041_" in a string as "A"; a literal one keeps its text by escaping its underscore.
EXCEL_ESCAPE_LOOKALIKE = re.compile("_(x[0-9A-Fa-f]{4}_)")
XML_WHITESPACE = " \t\n\r"
# A first character that makes text a formula or would be trimmed.
SPECIAL_FIRST = "".join(FORMULA_TRIGGERS) + XML_WHITESPACE
# The 1900 date system counts from 1899-12-30 for every date from 1900-03-01 on (Excel keeps Lotus's 29 Feb 1900).
EXCEL_EPOCH_ORDINAL = date(1899, 12, 30).toordinal()
FIRST_EXACT_SERIAL = 61
SECONDS_PER_DAY = 86_400
# Sheet names Excel refuses: these characters, more than 31 characters, or an apostrophe at either end.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME_LENGTH = 31
# Number formats Excel knows by id; others are declared in styles.xml from id 164 on.
BUILTIN_NUMBER_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "@": 49}
FIRST_CUSTOM_NUMBER_FORMAT = 164

MAIN_NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIP_NAMESPACE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
WORKSHEET_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
STYLES_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
SPREADSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def column_letters(index: int) -> str:
    """The letters Excel shows above column `index` (0 is A, 26 is AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def excel_serial(value: date) -> float | None:
    """The day number Excel shows as `value` (time of day as a fraction); None before 1900, which Excel cannot show.
    An aware datetime keeps its wall-clock time, as xlsxwriter does."""
    days = value.toordinal() - EXCEL_EPOCH_ORDINAL
    if days < FIRST_EXACT_SERIAL:
        days -= 1
    if days < 1:
        return None
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1_000_000
        return days + seconds / SECONDS_PER_DAY
    return days


def text_xml(text: str) -> str:
    """`text` as the content of an inline string: illegal characters dropped, formulas neutralised, markup escaped."""
    if XML_ILLEGAL.search(text):
        text = XML_ILLEGAL.sub("", text)
    # Neutralised after the illegal characters are gone, so that "\x01=cmd" cannot turn into a live "=cmd".
    text = neutralise(text)
    if "_x" in text:
        text = EXCEL_ESCAPE_LOOKALIKE.sub(r"_x005F_\1", text)
    return escape(text, {"\r": "&#13;"})


def _rgb(colour: str) -> str:
    """The ARGB colour styles.xml wants for "#F8CBAD"."""
    digits = colour.lstrip("#").upper()
    if not re.fullmatch("[0-9A-F]{6}", digits):
        raise ValueError(f"colour {colour!r} is not #RRGGBB")
    return "FF" + digits


def _excel_width(characters: float) -> float:
    """A width in characters as Excel stores it (with the cell padding, as Excel and xlsxwriter compute it)."""
    digit_pixels, padding_pixels = 7, 5
    if characters < 1:
        pixels = int(characters * (digit_pixels + padding_pixels) + 0.5)
    else:
        pixels = int(characters * digit_pixels + 0.5) + padding_pixels
    return int(pixels / digit_pixels * 256) / 256


@dataclass(frozen=True)
class CellStyle:
    """How a cell looks: equal styles share one entry of styles.xml.  Colours are "#RRGGBB"."""

    bold: bool = False
    font_color: str | None = None
    fill: str | None = None
    border: bool = False  # thin, on all four sides
    horizontal: str | None = None  # "left", "center", "right"
    vertical: str | None = None  # "top", "center", "bottom"
    wrap: bool = False
    number_format: str | None = None


# The look of HEADER_STYLE, for RowListWorkbook.
HEADER_CELL_STYLE = CellStyle(bold=True, border=True, horizontal="center", vertical="center", wrap=True)


@dataclass(frozen=True)
class SheetColumn:
    """One column of a row list: its header, its width in characters, the style of its cells (also of its empty
    cells) and the background of its header cell."""

    title: str
    width: float | None = None
    style: CellStyle | None = None
    header_fill: str | None = None


class _Styles:
    """The fonts, fills, borders and cell formats of styles.xml, each added once, in order of first use."""

    def __init__(self):
        self.fonts = {(False, None): 0}
        self.fills = {None: 0}  # index 1 is the gray125 pattern Excel reserves
        self.borders = {False: 0}
        self.number_formats = {}
        self.cell_formats = {CellStyle(): 0}

    def index(self, style: CellStyle | None) -> int:
        """The cellXfs index of `style` (0, the default, for None)."""
        if style is None:
            return 0
        known = self.cell_formats.get(style)
        if known is None:
            known = self.cell_formats[style] = len(self.cell_formats)
            self.fonts.setdefault((style.bold, style.font_color and _rgb(style.font_color)), len(self.fonts))
            self.fills.setdefault(style.fill and _rgb(style.fill), len(self.fills) + 1)
            self.borders.setdefault(style.border, len(self.borders))
            self._number_format_id(style.number_format)
        return known

    def _number_format_id(self, number_format: str | None) -> int:
        if number_format is None:
            return 0
        if number_format in BUILTIN_NUMBER_FORMATS:
            return BUILTIN_NUMBER_FORMATS[number_format]
        return self.number_formats.setdefault(number_format, FIRST_CUSTOM_NUMBER_FORMAT + len(self.number_formats))

    def _cell_format_xml(self, style: CellStyle) -> str:
        font = self.fonts[(style.bold, style.font_color and _rgb(style.font_color))]
        fill = self.fills[style.fill and _rgb(style.fill)]
        border = self.borders[style.border]
        number_format = self._number_format_id(style.number_format)
        attributes = f'numFmtId="{number_format}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
        for name, applied in (
            ("applyNumberFormat", number_format),
            ("applyFont", font),
            ("applyFill", fill),
            ("applyBorder", border),
        ):
            if applied:
                attributes += f' {name}="1"'
        alignment = ""
        if style.horizontal:
            alignment += f' horizontal="{style.horizontal}"'
        if style.vertical:
            alignment += f' vertical="{style.vertical}"'
        if style.wrap:
            alignment += ' wrapText="1"'
        if alignment:
            return f'<xf {attributes} applyAlignment="1"><alignment{alignment}/></xf>'
        return f"<xf {attributes}/>"

    def xml(self) -> str:
        parts = [XML_DECLARATION, f'<styleSheet xmlns="{MAIN_NAMESPACE}">']
        if self.number_formats:
            parts.append(f'<numFmts count="{len(self.number_formats)}">')
            parts.extend(
                f'<numFmt numFmtId="{number}" formatCode={quoteattr(code)}/>'
                for code, number in self.number_formats.items()
            )
            parts.append("</numFmts>")
        parts.append(f'<fonts count="{len(self.fonts)}">')
        for bold, colour in self.fonts:
            colour_xml = f'<color rgb="{colour}"/>' if colour else ""
            parts.append(
                f'<font>{"<b/>" if bold else ""}<sz val="11"/>{colour_xml}<name val="Calibri"/><family val="2"/></font>'
            )
        parts.append(f'</fonts><fills count="{len(self.fills) + 1}">')
        parts.append('<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>')
        parts.extend(
            f'<fill><patternFill patternType="solid"><fgColor rgb="{colour}"/><bgColor indexed="64"/></patternFill>'
            "</fill>"
            for colour in self.fills
            if colour
        )
        parts.append(f'</fills><borders count="{len(self.borders)}">')
        for border in self.borders:
            if border:
                sides = "".join(
                    f'<{side} style="thin"><color auto="1"/></{side}>' for side in ("left", "right", "top", "bottom")
                )
                parts.append(f"<border>{sides}<diagonal/></border>")
            else:
                parts.append("<border><left/><right/><top/><bottom/><diagonal/></border>")
        parts.append(
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        )
        parts.append(f'<cellXfs count="{len(self.cell_formats)}">')
        parts.extend(self._cell_format_xml(style) for style in self.cell_formats)
        parts.append('</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>')
        parts.append("</styleSheet>")
        return "".join(parts)


class _ColumnXml(NamedTuple):
    """The fixed parts of the XML of a column's cells, built once per sheet (and per style override)."""

    opening: str  # '<c r="B'
    text: str  # '" s="3" t="inlineStr"><is><t>'
    number: str  # '" s="3"><v>'
    date: str  # '" s="4"><v>'


class StreamingSheet:
    """One sheet of a RowListWorkbook: the header row is written when the sheet is added, then `write_row` for each
    row, in order.  Dates become Excel dates shown yyyy-mm-dd, numbers numbers, anything else (booleans too)
    neutralised text; None and "" leave the cell empty."""

    def __init__(self, workbook: "RowListWorkbook", stream, columns, freeze_rows: int, freeze_columns: int):
        if not columns or len(columns) > MAX_COLUMNS:
            raise ValueError(f"a sheet has 1 to {MAX_COLUMNS} columns, not {len(columns)}")
        self._workbook = workbook
        self._stream = stream
        self._rows_written = 0
        self._pending: list[str] = []
        self._columns = [
            self._column_xml(f'<c r="{column_letters(index)}', column.style) for index, column in enumerate(columns)
        ]
        stream.write(self._head_xml(columns, freeze_rows, freeze_columns).encode())
        header_styles = [replace(HEADER_CELL_STYLE, fill=column.header_fill) for column in columns]
        self.write_row([column.title for column in columns], header_styles)

    def _column_xml(self, opening: str, style: CellStyle | None) -> "_ColumnXml":
        """What a cell of a column starts with, and what follows its row number for each kind of value."""

        def middle(cell_style: CellStyle | None, after: str) -> str:
            index = self._workbook.styles.index(cell_style)
            return f'" s="{index}"{after}' if index else f'"{after}'

        date_style = replace(style or CellStyle(), number_format=DATE_FORMAT)
        return _ColumnXml(
            opening, middle(style, ' t="inlineStr"><is><t>'), middle(style, "><v>"), middle(date_style, "><v>")
        )

    def _head_xml(self, columns, freeze_rows: int, freeze_columns: int) -> str:
        parts = [
            XML_DECLARATION,
            f'<worksheet xmlns="{MAIN_NAMESPACE}" xmlns:r="{RELATIONSHIP_NAMESPACE}">',
            '<sheetViews><sheetView workbookViewId="0"',
            ' tabSelected="1">' if self._workbook.sheet_count == 1 else ">",
        ]
        if freeze_rows or freeze_columns:
            pane = "bottomRight" if freeze_rows and freeze_columns else "bottomLeft" if freeze_rows else "topRight"
            split = (f' xSplit="{freeze_columns}"' if freeze_columns else "") + (
                f' ySplit="{freeze_rows}"' if freeze_rows else ""
            )
            top_left = f"{column_letters(freeze_columns)}{freeze_rows + 1}"
            parts.append(
                f'<pane{split} topLeftCell="{top_left}" activePane="{pane}" state="frozen"/>'
                f'<selection pane="{pane}" activeCell="{top_left}" sqref="{top_left}"/>'
            )
        parts.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
        if any(column.width is not None or column.style is not None for column in columns):
            parts.append("<cols>")
            for number, column in enumerate(columns, start=1):
                if column.width is None and column.style is None:
                    continue
                attributes = f'min="{number}" max="{number}"'
                width = _excel_width(column.width) if column.width is not None else 9.140625
                attributes += f' width="{width}"'
                if column.width is not None:
                    attributes += ' customWidth="1"'
                if column.style is not None:
                    attributes += f' style="{self._workbook.styles.index(column.style)}"'
                parts.append(f"<col {attributes}/>")
            parts.append("</cols>")
        parts.append("<sheetData>")
        return "".join(parts)

    def write_row(self, cells, styles=None) -> None:
        """The next row.  `styles`, if given, overrides the column's style for some cells: a sequence with a
        CellStyle or None for each cell, or a mapping from column index to CellStyle."""
        if self._rows_written == MAX_ROWS:
            raise ValueError(f"a sheet holds at most {MAX_ROWS:,} rows")
        if len(cells) > len(self._columns):
            raise ValueError(f"{len(cells)} cells in a sheet of {len(self._columns)} columns")
        self._rows_written += 1
        row = str(self._rows_written)
        columns = self._overridden(styles) if styles else self._columns
        parts = [f'<row r="{row}">']
        append = parts.append
        epoch, first_exact = EXCEL_EPOCH_ORDINAL, FIRST_EXACT_SERIAL
        for cell, column in zip(cells, columns, strict=False):
            opening, text_middle, number_middle, date_middle = column
            kind = type(cell)
            # The common types by identity first: this loop runs for every cell of every row.
            if kind is str:
                # Letters and digits only (Chinese text included) need nothing and are told apart fastest; other
                # text needs nothing either unless it holds a formula, markup or spaces at an end.
                if cell.isalnum():
                    append(f"{opening}{row}{text_middle}{cell}</t></is></c>")
                elif not cell:
                    continue
                elif cell[0] in SPECIAL_FIRST or cell[-1] in XML_WHITESPACE or NEEDS_ESCAPING.search(cell):
                    append(self._text_cell(column, row, cell))
                else:
                    append(f"{opening}{row}{text_middle}{cell}</t></is></c>")
            elif cell is None:
                continue
            elif kind is int:
                append(f"{opening}{row}{number_middle}{cell}</v></c>")
            elif kind is date and (days := cell.toordinal() - epoch) >= first_exact:
                append(f"{opening}{row}{date_middle}{days}</v></c>")
            else:
                append(self._other_cell(column, row, cell))
        append("</row>")
        self._pending.append("".join(parts))
        if len(self._pending) >= ROWS_PER_WRITE:
            self._flush()

    def _other_cell(self, column: "_ColumnXml", row: str, cell) -> str:
        """The cells the fast path of write_row leaves: datetimes, early dates, floats, decimals, booleans,
        subclasses, other objects."""
        if isinstance(cell, date):
            serial = excel_serial(cell)
            if serial is not None:
                return f"{column.opening}{row}{column.date}{serial!r}</v></c>"
            cell = cell.isoformat()
        elif isinstance(cell, int | float | Decimal) and not isinstance(cell, bool):
            number = float(cell)
            if math.isfinite(number):
                value = int(cell) if isinstance(cell, int) else repr(number)
                return f"{column.opening}{row}{column.number}{value}</v></c>"
        text = str(cell)
        return self._text_cell(column, row, text) if text else ""

    @staticmethod
    def _text_cell(column: "_ColumnXml", row: str, text: str) -> str:
        """A text cell off the fast path: escaped, and its spaces at either end kept (Excel trims them otherwise)."""
        escaped = text_xml(text)
        if not escaped:
            return ""
        middle = column.text
        if escaped[0] in XML_WHITESPACE or escaped[-1] in XML_WHITESPACE:
            middle = middle.replace("<t>", '<t xml:space="preserve">')
        return f"{column.opening}{row}{middle}{escaped}</t></is></c>"

    def _overridden(self, styles) -> list["_ColumnXml"]:
        overrides = styles.items() if hasattr(styles, "items") else enumerate(styles)
        columns = list(self._columns)
        for index, style in overrides:
            if style is not None:
                columns[index] = self._column_xml(columns[index].opening, style)
        return columns

    def _flush(self) -> None:
        if self._pending:
            self._stream.write("".join(self._pending).encode())
            self._pending.clear()

    def close(self) -> None:
        if self._stream is None:
            return
        self._flush()
        self._stream.write(
            b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            b"</worksheet>"
        )
        self._stream.close()
        self._stream = None

    @property
    def rows_written(self) -> int:
        """Rows written so far, the header included."""
        return self._rows_written


class RowListWorkbook:
    """A minimal .xlsx of row lists written straight into `output` (a binary file open for writing, seekable):
    each sheet's XML is deflated into the zip as its rows come, so memory does not grow with the row count.
    Sheets are written one after another; adding a sheet finishes the previous one.

        with RowListWorkbook(output) as workbook:
            sheet = workbook.add_sheet("设备台账", [SheetColumn("设备代码", 24), ...], freeze_rows=1)
            for cells in rows:
                sheet.write_row(cells)
    """

    def __init__(self, output, *, compress_level: int = COMPRESS_LEVEL):
        self._zip = zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compress_level)
        self.styles = _Styles()
        self._sheet_names: list[str] = []
        self._sheet: StreamingSheet | None = None

    @property
    def sheet_count(self) -> int:
        return len(self._sheet_names)

    def add_sheet(self, name: str, columns, *, freeze_rows: int = 1, freeze_columns: int = 0) -> StreamingSheet:
        """A new sheet with `columns` (SheetColumn) and its header row written; the first `freeze_rows` rows and
        `freeze_columns` columns stay in view when scrolling."""
        taken = name.lower() in (known.lower() for known in self._sheet_names)
        if taken or SHEET_NAME_FORBIDDEN.search(name) or not 0 < len(name) <= MAX_SHEET_NAME_LENGTH:
            raise ValueError(f"{name!r} is not a sheet name Excel accepts, or the workbook has it already")
        if name.startswith("'") or name.endswith("'"):
            raise ValueError(f"{name!r} is not a sheet name Excel accepts")
        if self._sheet is not None:
            self._sheet.close()
        self._sheet_names.append(name)
        stream = self._zip.open(f"xl/worksheets/sheet{self.sheet_count}.xml", "w", force_zip64=True)
        self._sheet = StreamingSheet(self, stream, list(columns), freeze_rows, freeze_columns)
        return self._sheet

    def close(self) -> None:
        """Finish the last sheet and write the parts that describe the package."""
        if self._zip is None:
            return
        if self._sheet is not None:
            self._sheet.close()
        if not self._sheet_names:
            raise ValueError("a workbook needs at least one sheet")
        for name, text in self._package_parts():
            self._zip.writestr(name, text)
        self._zip.close()
        self._zip = None

    def __enter__(self):
        return self

    def __exit__(self, exception_type, exception, traceback) -> None:
        if exception_type is None:
            self.close()
        else:
            self._abandon()

    def _abandon(self) -> None:
        """After an error while writing rows: release the zip without finishing the package (the caller throws the
        file away) and without raising over the error on its way up."""
        if self._zip is None:
            return
        with contextlib.suppress(OSError, ValueError):
            if self._sheet is not None:
                self._sheet.close()
            self._zip.close()
        self._zip = None

    def _package_parts(self) -> list[tuple[str, str]]:
        numbers = range(1, self.sheet_count + 1)
        sheet_types = "".join(
            f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{SPREADSHEET_TYPE}.worksheet+xml"/>'
            for number in numbers
        )
        content_types = (
            f'{XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{SPREADSHEET_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{SPREADSHEET_TYPE}.styles+xml"/>'
            f"{sheet_types}</Types>"
        )
        package_relationships = (
            f'{XML_DECLARATION}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{OFFICE_DOCUMENT}" Target="xl/workbook.xml"/></Relationships>'
        )
        sheets = "".join(
            f'<sheet name={quoteattr(name)} sheetId="{number}" r:id="rId{number}"/>'
            for number, name in zip(numbers, self._sheet_names, strict=True)
        )
        workbook = (
            f'{XML_DECLARATION}<workbook xmlns="{MAIN_NAMESPACE}" xmlns:r="{RELATIONSHIP_NAMESPACE}">'
            f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>"
        )
        sheet_relationships = "".join(
            f'<Relationship Id="rId{number}" Type="{WORKSHEET_RELATIONSHIP}" Target="worksheets/sheet{number}.xml"/>'
            for number in numbers
        )
        workbook_relationships = (
            f'{XML_DECLARATION}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{sheet_relationships}'
            f'<Relationship Id="rId{self.sheet_count + 1}" Type="{STYLES_RELATIONSHIP}" Target="styles.xml"/>'
            "</Relationships>"
        )
        return [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", package_relationships),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbook_relationships),
            ("xl/styles.xml", self.styles.xml()),
        ]


def row_list_file(sheet_name: str, columns, write_rows, *, freeze_columns: int = 0):
    """A one-sheet row list in a temporary file at position 0 (handed to a response or stored by a background
    export): the header row frozen, `write_rows(sheet)` writing the rows."""
    output = output_file()
    with RowListWorkbook(output) as workbook:
        write_rows(workbook.add_sheet(sheet_name, columns, freeze_rows=1, freeze_columns=freeze_columns))
    output.seek(0)
    return output
