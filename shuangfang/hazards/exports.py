"""The hazard board as an .xlsx (隐患清单): the hazards the board shows with the same filters, one row each, streamed
row by row into a temporary file (constant memory), text a spreadsheet would run as a formula neutralised."""

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.xlsx import DATE_FORMAT, HEADER_STYLE, output_file, write_cells

from .choices import OPEN_STATUSES, HazardGrade, HazardSource, HazardStatus

EXPORT_CHUNK_ROWS = 2000
EXPORT_VALUES = (
    "id",
    "organization__name",
    "organization__uscc",
    "region_id",
    "equipment__code",
    "equipment__name",
    "description",
    "location",
    "grade",
    "status",
    "source",
    "found_at",
    "deadline",
    "responsible__full_name",
    "responsible__username",
)


def _headers() -> list[tuple[str, int]]:
    return [
        (_("序号"), 6),
        (_("隐患编号"), 10),
        (_("使用单位"), 24),
        (_("统一社会信用代码"), 20),
        (_("地区代码"), 10),
        (_("设备代码"), 22),
        (_("设备名称"), 18),
        (_("隐患描述"), 40),
        (_("部位"), 16),
        (_("隐患等级"), 12),
        (_("状态"), 10),
        (_("来源"), 12),
        (_("发现时间"), 12),
        (_("整改期限"), 12),
        (_("已超期"), 8),
        (_("责任人"), 12),
    ]


def hazard_list_file(queryset):
    """The (already scoped and filtered) hazards as an .xlsx; one query however many rows."""
    rows = queryset.order_by("found_at", "id").values_list(*EXPORT_VALUES).iterator(chunk_size=EXPORT_CHUNK_ROWS)
    output = output_file()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    sheet = workbook.add_worksheet(_("隐患清单"))
    date_format = workbook.add_format({"num_format": DATE_FORMAT, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    header = workbook.add_format(HEADER_STYLE)
    for column, (title, width) in enumerate(_headers()):
        sheet.set_column(column, column, width, wrap)
        sheet.write_string(0, column, title, header)
    sheet.freeze_panes(1, 3)
    grades, statuses, sources = dict(HazardGrade.choices), dict(HazardStatus.choices), dict(HazardSource.choices)
    today = timezone.localdate()
    yes = _("是")
    for row, values in enumerate(rows, start=1):
        (pk, unit, uscc, region, code, name, description, location, grade, status, source, found_at, deadline,
         full_name, username) = values  # fmt: skip
        overdue = status in OPEN_STATUSES and deadline is not None and deadline < today
        cells = [
            row,
            pk,
            unit,
            uscc,
            region,
            code,
            name,
            description,
            location,
            str(grades.get(grade, grade)),
            str(statuses.get(status, status)),
            str(sources.get(source, source)),
            timezone.localtime(found_at).date() if found_at else None,
            deadline,
            yes if overdue else "",
            full_name or username or "",
        ]
        write_cells(sheet, row, cells, date_format)
    workbook.close()
    output.seek(0)
    return output


def hazard_list_filename() -> str:
    return f"隐患清单_{timezone.localdate():%Y%m%d}.xlsx"
