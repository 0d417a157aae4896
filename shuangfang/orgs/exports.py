"""The units list as an .xlsx (单位清单): the organizations the list shows with the same filters, each with its count
of equipment in use, streamed row by row into a temporary file (constant memory), formulas neutralised."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.xlsx import SheetColumn, row_list_file
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import Equipment

from .choices import OrganizationKind

EXPORT_CHUNK_ROWS = 2000
EXPORT_VALUES = (
    "name",
    "uscc",
    "kind",
    "region_id",
    "region__name",
    "industry_id",
    "industry__name",
    "small_micro",
    "equipment_in_use",
)


def _headers() -> list[tuple[str, int]]:
    return [
        (_("序号"), 6),
        (_("名称"), 30),
        (_("统一社会信用代码"), 22),
        (_("类型"), 12),
        (_("地区代码"), 10),
        (_("所在地区"), 14),
        (_("行业代码"), 8),
        (_("行业"), 24),
        (_("小微企业"), 8),
        (_("在用设备（台）"), 10),
    ]


def with_equipment_in_use(queryset, user):
    """Each organization's count of equipment in use among the equipment `user` may see, in the same query."""
    in_use = (
        Equipment.objects.visible_to(user)
        .filter(organization=OuterRef("pk"), status=EquipmentStatus.IN_USE)
        .order_by()
        .values("organization")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return queryset.annotate(equipment_in_use=Coalesce(Subquery(in_use, output_field=IntegerField()), 0))


def organization_list_file(queryset, *, user):
    """The (already scoped and filtered) organizations as an .xlsx; one query however many rows."""
    rows = with_equipment_in_use(queryset, user).values_list(*EXPORT_VALUES).iterator(chunk_size=EXPORT_CHUNK_ROWS)
    columns = [SheetColumn(title, width) for title, width in _headers()]
    return row_list_file(_("单位清单"), columns, lambda sheet: _write_rows(sheet, rows), freeze_columns=2)


def _write_rows(sheet, rows) -> None:
    kinds = dict(OrganizationKind.choices)
    yes, no = _("是"), _("否")
    for row, (name, uscc, kind, region, region_name, industry, industry_name, small_micro, in_use) in enumerate(
        rows, start=1
    ):
        cells = [
            row,
            name,
            uscc,
            str(kinds.get(kind, kind)),
            region,
            region_name,
            industry,
            industry_name,
            yes if small_micro else no,
            in_use,
        ]
        sheet.write_row(cells)


def organization_list_filename() -> str:
    return f"单位清单_{timezone.localdate():%Y%m%d}.xlsx"
