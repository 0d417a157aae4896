"""Writing .xlsx exports: a temporary file handed to the response, cells written by type, and text a
spreadsheet program would run as a formula neutralised (CWE-1236: regulators open exports in Excel)."""

import tempfile
from datetime import date, datetime
from decimal import Decimal

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
