"""The 风险分级管控清单 (risk control list, SAMR Order 74 安全风险管控清单) as the .xlsx units hand to
inspectors: one row per risk in the columns of the DB37/T 2882-type list, measures split by kind."""

from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.xlsx import CellStyle, SheetColumn, row_list_file

from . import library, rules
from .choices import AssessmentMethod, ControlLevel, IdentificationMethod, MeasureKind, RiskPointKind

# Fill colours of the four levels (red, orange, yellow, blue) for the level cell.
LEVEL_FILLS = {"major": "#E63031", "significant": "#F48400", "general": "#F1DD00", "low": "#00B0F0"}
LEVEL_FONTS = {"major": "#FFFFFF", "significant": "#FFFFFF", "general": "#000000", "low": "#FFFFFF"}
WRAPPED_TOP = CellStyle(wrap=True, vertical="top")
LEVEL_COLUMN = 17


def _headers() -> list[tuple[str, int]]:
    return [
        (_("序号"), 6),
        (_("风险点"), 24),
        (_("风险点类型"), 10),
        (_("区域位置"), 14),
        (_("设备代码"), 22),
        (_("风险名称"), 22),
        (_("危险源（危险有害因素）"), 36),
        (_("可能导致的事故及后果"), 30),
        (_("事故类型"), 10),
        (_("辨识方法"), 10),
        (_("评价方法"), 10),
        ("L", 6),
        ("E", 6),
        ("C", 6),
        ("S", 6),
        ("M", 6),
        (_("风险值"), 8),
        (_("风险等级"), 10),
        (_("管控层级"), 10),
        (_("责任人"), 10),
        *[(str(label), 30) for label in MeasureKind.labels],
        (_("应急处置措施"), 30),  # the on-the-spot actions; the emergency measures have their own column above
        (_("评价日期"), 12),
        (_("下次评审日期"), 12),
        (_("备注"), 24),
    ]


def _measures_by_kind(measures: list[dict]) -> list[str]:
    return ["\n".join(m["text"] for m in measures if m.get("kind") == kind) for kind in MeasureKind.values]


def _remark(risk) -> str:
    notes = []
    if risk.needs_reassessment:
        notes.append(_("需重新评价：%(why)s") % {"why": risk.reassessment_reason})
    if risk.graded_below_minimum:
        notes.append(_("低于模板最低等级，理由：%(why)s") % {"why": risk.below_minimum_justification})
    return "；".join(notes)


def risk_control_list_file(queryset):
    """The (already scoped and filtered) risks, streamed into a temporary .xlsx."""
    risks = (
        queryset.select_related("risk_point", "equipment", "owner")
        .order_by("risk_point__name", "risk_point_id", "id")
        .iterator(chunk_size=2000)
    )
    columns = [SheetColumn(title, width, WRAPPED_TOP) for title, width in _headers()]
    return row_list_file(_("风险分级管控清单"), columns, lambda sheet: _write_rows(sheet, risks), freeze_columns=2)


def _write_rows(sheet, risks) -> None:
    # The level cell filled with the level's colour, its text bold.
    level_styles = {
        level: {
            LEVEL_COLUMN: CellStyle(bold=True, fill=LEVEL_FILLS[level], font_color=LEVEL_FONTS[level]),
        }
        for level in rules.LEVELS
    }
    point_kinds = dict(RiskPointKind.choices)
    methods = dict(AssessmentMethod.choices)
    identification = dict(IdentificationMethod.choices)
    control_levels = dict(ControlLevel.choices)
    for row, risk in enumerate(risks, start=1):
        factors = risk.factors or {}
        cells = [
            row,
            risk.risk_point.name,
            str(point_kinds.get(risk.risk_point.kind, "")),
            risk.risk_point.location,
            risk.equipment.code if risk.equipment else "",
            risk.title,
            risk.hazard_source,
            risk.consequence,
            library.ACCIDENT_TYPE_NAMES.get(risk.accident_type, ""),
            str(identification.get(risk.identification_method, "")),
            str(methods.get(risk.method, "")),
            *[factors.get(name) for name in ("L", "E", "C", "S", "M")],
            risk.score,
            str(rules.LEVEL_LABELS[risk.level]),
            str(control_levels.get(risk.control_level, "")),
            risk.owner.display_name if risk.owner else "",
            *_measures_by_kind(risk.measures),
            risk.emergency_actions,
            risk.reviewed_on,
            risk.next_review_on,
            _remark(risk),
        ]
        sheet.write_row(cells, level_styles[risk.level])


def risk_control_list_filename() -> str:
    return f"风险分级管控清单_{timezone.localdate():%Y%m%d}.xlsx"
