"""The hazard board as an .xlsx (隐患清单): the hazards the board shows with the same filters, one row each, streamed
row by row into a temporary file (constant memory), text a spreadsheet would run as a formula neutralised."""

from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.xlsx import CellStyle, SheetColumn, row_list_file

from .choices import OPEN_STATUSES, HazardGrade, HazardSource, HazardStatus

EXPORT_CHUNK_ROWS = 2000
WRAPPED_TOP = CellStyle(wrap=True, vertical="top")
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
    columns = [SheetColumn(title, width, WRAPPED_TOP) for title, width in _headers()]
    return row_list_file(_("隐患清单"), columns, lambda sheet: _write_rows(sheet, rows), freeze_columns=3)


def _write_rows(sheet, rows) -> None:
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
        sheet.write_row(cells)


def hazard_list_filename() -> str:
    return f"隐患清单_{timezone.localdate():%Y%m%d}.xlsx"
