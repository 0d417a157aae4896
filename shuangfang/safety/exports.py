"""The unit file (一企一档) as the .xlsx a unit hands to an inspector or a regulator files: one sheet per section of
the page, written from the same reading of the unit's rows (views_file.read_unit_file), text neutralised against
formula injection by core.xlsx."""

from __future__ import annotations

import re
from datetime import date, datetime

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.xlsx import DATE_FORMAT, HEADER_STYLE, output_file, write_cells


class _Sheet:
    """Writes blocks one under another: a block title, a header row, rows; label–value pairs for facts."""

    def __init__(self, workbook, name: str, widths: list[int], formats: dict):
        self.sheet = workbook.add_worksheet(name)
        self.formats = formats
        self.row = 0
        for column, width in enumerate(widths):
            self.sheet.set_column(column, column, width, formats["wrap"])

    def title(self, text: str) -> None:
        if self.row:
            self.row += 1
        self.sheet.write_string(self.row, 0, text, self.formats["title"])
        self.row += 1

    def header(self, titles: list[str]) -> None:
        for column, title in enumerate(titles):
            self.sheet.write_string(self.row, column, title, self.formats["header"])
        self.row += 1

    def cells(self, values: list) -> None:
        write_cells(self.sheet, self.row, [_local(value) for value in values], self.formats["date"])
        self.row += 1

    def table(self, titles: list[str], rows: list[list], empty: str) -> None:
        self.header(titles)
        if not rows:
            self.cells([empty])
        for values in rows:
            self.cells(values)

    def pairs(self, pairs: list[tuple[str, object]]) -> None:
        for label, value in pairs:
            self.sheet.write_string(self.row, 0, label, self.formats["label"])
            write_cells(self.sheet, self.row, ["", _local(value)], self.formats["date"])
            self.row += 1


def _local(value):
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def _yes_no(value: bool) -> str:
    return _("是") if value else _("否")


def _overview(workbook, formats, file) -> None:
    unit = file.unit
    sheet = _Sheet(workbook, _("概况"), [26, 30, 12, 12, 14, 14, 24], formats)
    sheet.title(_("单位基本情况"))
    sheet.pairs(
        [
            (_("单位名称"), unit.name),
            (_("统一社会信用代码"), unit.uscc),
            (_("单位类型"), unit.get_kind_display()),
            (_("所在地区"), f"{file.region_path}（{unit.region_id}）"),
            (_("行业"), str(unit.industry) if unit.industry else ""),
            (_("地址"), unit.address),
            (_("联系电话"), unit.contact_phone),
            (_("小微企业"), _yes_no(unit.small_micro)),
            (_("平台登记日期"), timezone.localtime(unit.created_at).date()),
            (_("导出日期"), file.today),
        ]
    )
    total = file.equipment_total
    sheet.title(_("使用登记"))
    sheet.pairs(
        [
            (_("在用和停用设备（台）"), total.in_use + total.suspended),
            (_("已办理使用登记（台）"), total.registered),
            (_("需登记而未填使用登记证编号（台）"), total.unregistered),
        ]
    )
    sheet.title(_("许可证（现行）"))
    sheet.table(
        [_("许可类型"), _("许可证编号"), _("发证机关"), _("发证日期"), _("有效期至"), _("状态"), _("许可范围")],
        [
            [
                licence.get_kind_display(),
                licence.number,
                licence.issued_by,
                licence.issued_on,
                licence.expires_on,
                licence.state_label,
                licence.scope,
            ]
            for licence in file.licences
        ],
        _("没有登记许可证。"),
    )
    sheet.title(_("设备（按种类）"))
    sheet.table(
        [_("设备种类"), _("目录代码"), _("在用"), _("停用"), _("已登记")],
        [[row.name, row.code, row.in_use, row.suspended, row.registered] for row in file.equipment]
        + ([[_("合计"), "", total.in_use, total.suspended, total.registered]] if file.equipment else []),
        _("没有登记设备。"),
    )
    profile = file.profile
    sheet.title(_("安全管理机构"))
    sheet.pairs(
        [
            (_("安全管理机构名称"), profile.body_name or _("未设置")),
            (_("机构设立日期"), profile.body_established_on),
            (_("机构设立文件"), _("已上传") if profile.body_document_id else _("未上传")),
            *file.declared,
        ]
    )
    sheet.title(_("按规定的机构和人员配备"))
    sheet.table(
        [_("要求"), _("是否要求"), _("依据的情形"), _("档案是否具备")],
        [
            [row.label, _yes_no(row.required), "；".join(row.reasons), _yes_no(row.met) if row.required else ""]
            for row in file.staffing
        ],
        "",
    )
    sheet.title(_("安全风险（有效）"))
    sheet.table([_("风险等级"), _("数量")], [[f.label, f.value] for f in file.risk_figures], "")
    sheet.title(_("事故隐患"))
    sheet.table([_("项目"), _("数量")], [[f.label, f.value] for f in file.hazard_figures], "")


def _appointments(workbook, formats, file) -> None:
    sheet = _Sheet(workbook, _("人员任命"), [14, 14, 24, 8, 12, 12, 24, 24, 10], formats)
    titles = [
        _("岗位"),
        _("姓名"),
        _("负责的设备种类"),
        _("专职"),
        _("任职日期"),
        _("免职日期"),
        _("免职原因"),
        _("说明"),
    ]
    sheet.title(_("在任"))
    rows = [
        [group.label, a.person.display_name, a.category_text, _yes_no(a.full_time), a.starts_on, a.ends_on, "", a.note]
        for group in file.appointment_groups
        for a in group.appointments
    ]
    sheet.table(titles, rows, _("没有在任的任命。"))
    sheet.title(_("历史任命"))
    sheet.table(
        titles,
        [
            [
                a.get_role_display(),
                a.person.display_name,
                file.categories_text(a.equipment_categories),
                _yes_no(a.full_time),
                a.starts_on,
                a.ends_on,
                a.end_reason,
                a.note,
            ]
            for a in file.ended_appointments
        ],
        _("没有免职记录。"),
    )


def _documents(workbook, formats, file) -> None:
    sheet = _Sheet(workbook, _("管理制度"), [24, 14, 40, 8, 30, 12, 18], formats)
    sheet.title(_("管理制度清单"))
    sheet.table(
        [_("制度"), _("设备种类"), _("依据"), _("当前版次"), _("标题"), _("生效日期"), _("状态")],
        [
            [
                row.name,
                row.category_name,
                row.citation,
                row.current.version_no if row.current else "",
                row.current.title if row.current else "",
                row.current.effective_on if row.current else None,
                row.state_label,
            ]
            for row in file.documents
        ],
        "",
    )


def _training(workbook, formats, file) -> None:
    training = file.training
    sheet = _Sheet(workbook, _("培训"), [14, 36, 8, 16, 20, 10], formats)
    sheet.title(_("近 12 个月培训"))
    sheet.pairs(
        [
            (_("统计起始日期（不含）"), training["since"]),
            (_("培训次数"), training["session_total"]),
            (_("累计学时"), training["hours"]),
            (_("参训人数"), training["people"]),
        ]
    )
    sheet.title(_("培训记录"))
    sheet.table(
        [_("培训日期"), _("培训主题"), _("学时"), _("授课人"), _("地点"), _("参训人数")],
        [[s.held_on, s.topic, s.hours, s.trainer, s.location, s.attendee_count] for s in training["sessions"]],
        _("近 12 个月没有培训记录。"),
    )
    sheet.title(_("培训计划"))
    sheet.table(
        [_("年度"), _("标题")],
        [[plan.year, plan.title] for plan in training["plans"]],
        _("没有培训计划。"),
    )


def _operators(workbook, formats, file) -> None:
    sheet = _Sheet(workbook, _("作业人员"), [22, 24, 14, 24, 12, 12, 12], formats)
    sheet.title(_("作业人员证"))
    sheet.table(
        [_("持证人"), _("作业项目"), _("证书编号"), _("发证日期"), _("有效期至"), _("状态")],
        [
            [c.holder_name, str(c.item), c.cert_no, c.issued_on, c.expires_on, str(c.state_label)]
            for c in file.certificates
        ],
        _("没有登记作业人员证。"),
    )
    sheet.title(_("设备作业人员"))
    sheet.table(
        [_("设备代码"), _("设备名称"), _("持证人"), _("作业项目"), _("证书有效期至"), _("上岗日期")],
        [
            [
                a.equipment.code,
                a.equipment.name,
                a.certificate.holder_name,
                str(a.certificate.item),
                a.certificate.expires_on,
                a.assigned_on,
            ]
            for a in file.assignments
        ],
        _("没有安排设备作业人员。"),
    )


def _emergency(workbook, formats, file) -> None:
    sheet = _Sheet(workbook, _("应急"), [14, 20, 36, 12, 14, 12], formats)
    sheet.title(_("应急预案（现行）"))
    sheet.table(
        [_("设备种类"), _("预案类型"), _("预案名称"), _("发布日期"), _("评估修订期限"), _("状态")],
        [
            [
                file.category_name(p.equipment_category),
                p.get_kind_display(),
                p.title,
                p.approved_on,
                p.review_by,
                _("已超过评估修订期限") if p.review_by < file.today else _("有效"),
            ]
            for p in file.plans
        ],
        _("没有应急预案。"),
    )
    sheet.title(_("应急演练"))
    sheet.table(
        [_("演练日期"), _("设备种类"), _("演练科目"), _("参演人数"), _("演练评估")],
        [
            [d.held_on, file.category_name(d.equipment_category), d.scenario, d.participant_count, d.evaluation]
            for d in file.drills
        ],
        _("没有演练记录。"),
    )
    sheet.title(_("即将到期的演练"))
    sheet.table(
        [_("设备种类"), _("应在此日期前演练")],
        [[file.category_name(code), due] for code, due in file.drills_due],
        _("没有即将到期的演练。"),
    )
    sheet.title(_("重大危险源"))
    sheet.table(
        [_("级别"), _("名称"), _("位置"), _("关联设备"), _("监测点"), _("最近读数时间")],
        [
            [
                s.get_grade_display(),
                s.name,
                s.location,
                s.equipment.code if s.equipment else "",
                s.point_count,
                s.last_reading_at,
            ]
            for s in file.hazard_sources
        ],
        _("没有登记重大危险源。"),
    )


def _gaps(workbook, formats, file) -> None:
    sheet = _Sheet(workbook, _("合规缺项"), [16, 60, 40, 18, 22], formats)
    sheet.title(_("未消除的合规缺项"))
    sheet.table(
        [_("类别"), _("缺项"), _("依据"), _("发现时间"), _("设备")],
        [
            [
                row.kind_label,
                row.gap.message,
                row.gap.citation,
                row.gap.opened_at,
                row.gap.equipment.code if row.gap.equipment else "",
            ]
            for row in file.gaps
        ],
        _("没有未消除的合规缺项。"),
    )


def unit_file_workbook(file):
    """The unit file, written into a temporary .xlsx for the response to stream."""
    output = output_file()
    workbook = xlsxwriter.Workbook(output)
    formats = {
        "header": workbook.add_format(HEADER_STYLE),
        "title": workbook.add_format({"bold": True, "font_size": 12}),
        "label": workbook.add_format({"bold": True, "valign": "top"}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "date": workbook.add_format({"num_format": DATE_FORMAT, "valign": "top"}),
    }
    for section in (_overview, _appointments, _documents, _training, _operators, _emergency, _gaps):
        section(workbook, formats, file)
    workbook.close()
    output.seek(0)
    return output


def unit_file_filename(unit, today: date) -> str:
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", unit.name).strip("_") or str(unit.pk)
    return f"{_('安全管理档案')}_{name}_{today:%Y%m%d}.xlsx"
