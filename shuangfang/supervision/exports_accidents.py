"""The reverse-tracing report as the .xlsx for the accountability file (事故调查档案): one sheet per section of the
page, written from the same report (supervision.tracing), text neutralised against formula injection by core.xlsx."""

from __future__ import annotations

from datetime import datetime

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.xlsx import DATE_FORMAT, HEADER_STYLE, output_file, write_cells


def _local(value):
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return value


class _Sheet:
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

    def table(self, titles: list[str], rows: list[list]) -> None:
        for column, title in enumerate(titles):
            self.sheet.write_string(self.row, column, title, self.formats["header"])
        self.row += 1
        if not rows:
            write_cells(self.sheet, self.row, [_("无记录")], self.formats["date"])
            self.row += 1
        for values in rows:
            write_cells(self.sheet, self.row, [_local(value) for value in values], self.formats["date"])
            self.row += 1

    def pairs(self, pairs: list[tuple[str, object]]) -> None:
        for label, value in pairs:
            self.sheet.write_string(self.row, 0, label, self.formats["label"])
            write_cells(self.sheet, self.row, ["", _local(value)], self.formats["date"])
            self.row += 1


def tracing_workbook(report: dict):
    output = output_file()
    workbook = xlsxwriter.Workbook(output)
    formats = {
        "header": workbook.add_format(HEADER_STYLE),
        "title": workbook.add_format({"bold": True, "font_size": 12}),
        "label": workbook.add_format({"bold": True}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "date": workbook.add_format({"num_format": DATE_FORMAT}),
    }
    accident, period = report["accident"], report["period"]

    sheet = _Sheet(workbook, _("事故与结论"), [22, 60], formats)
    sheet.title(_("事故基本情况"))
    sheet.pairs(
        [
            (_("使用单位"), accident["organization_name"]),
            (_("设备代码"), accident["equipment_code"]),
            (_("设备名称"), accident["equipment_name"]),
            (_("发生时间"), f"{timezone.localtime(accident['occurred_at']):%Y-%m-%d %H:%M}"),
            (_("事故类型"), accident["accident_type_label"]),
            (_("事故等级"), accident["severity_label"]),
            (_("死亡人数"), accident["deaths"]),
            (_("重伤人数"), accident["serious_injuries"]),
            (_("轻伤人数"), accident["minor_injuries"]),
            (_("直接经济损失（万元）"), accident["direct_loss"]),
            (_("事故经过"), accident["description"]),
            (_("倒查期间"), f"{period['start']} – {period['end']}"),
        ]
    )
    sheet.title(_("倒查发现"))
    sheet.table([_("序号"), _("内容")], [[number, text] for number, text in enumerate(report["findings"], start=1)])

    sheet = _Sheet(workbook, _("风险与管控措施"), [24, 16, 10, 12, 14, 14, 50], formats)
    sheet.title(_("事故前辨识的安全风险"))
    sheet.table(
        [_("风险名称"), _("风险点"), _("事故时等级"), _("管控层级"), _("责任人"), _("辨识日期"), _("管控措施")],
        [
            [
                risk["title"],
                risk["risk_point"],
                risk["level_label"],
                risk["control_level_label"],
                risk["owner"],
                risk["identified_on"],
                "；".join(measure["text"] for measure in risk["measures"]),
            ]
            for risk in report["risks"]
        ],
    )
    sheet.title(_("分级评价记录"))
    sheet.table(
        [_("风险名称"), _("评价日期"), _("方法"), _("风险值"), _("等级"), _("管控层级"), _("原因"), _("评价人")],
        [
            [
                risk["title"],
                grading["assessed_on"],
                grading["method"].upper(),
                grading["score"],
                grading["level_label"],
                grading["control_level_label"],
                grading["reason"],
                grading["assessed_by"],
            ]
            for risk in report["risks"]
            for grading in risk["gradings"]
        ],
    )

    checks = report["checks"]
    sheet = _Sheet(workbook, _("排查"), [20, 28, 12, 12, 10, 8, 16, 18, 16], formats)
    sheet.title(_("排查任务完成情况"))
    sheet.table(
        [_("排查类型"), _("应查"), _("按时完成"), _("逾期完成"), _("未完成"), _("按时完成率（%）")],
        [[row["label"], row["due"], row["done"], row["late"], row["missed"], row["rate"]] for row in checks["summary"]],
    )
    sheet.title(_("排查任务"))
    sheet.table(
        [
            _("排查类型"),
            _("任务名称"),
            _("周期开始"),
            _("完成期限"),
            _("状态"),
            _("未按时"),
            _("执行人"),
            _("完成时间"),
            _("完成人"),
        ],
        [
            [
                task["kind_label"],
                task["title"],
                task["period_start"],
                task["due_on"],
                task["status_label"],
                task["missed"],
                task["assignee"] or task["assignee_role"],
                task["completed_at"],
                task["completed_by"],
            ]
            for task in checks["tasks"]
        ],
    )
    sheet.title(_("不符合的检查项"))
    sheet.table(
        [_("检查时间"), _("检查内容"), _("说明"), _("检查人")],
        [[row["checked_at"], row["text"], row["note"], row["checked_by"]] for row in checks["failed_items"]],
    )

    sheet = _Sheet(workbook, _("隐患"), [36, 10, 16, 12, 14, 16, 12, 40], formats)
    sheet.title(_("期间发现的隐患及治理"))
    sheet.table(
        [
            _("隐患描述"),
            _("等级"),
            _("发现时间"),
            _("整改期限"),
            _("整改责任人"),
            _("销号时间"),
            _("事故时状态"),
            _("处理经过"),
        ],
        [
            [
                hazard["description"],
                hazard["grade_label"],
                hazard["found_at"],
                hazard["deadline"],
                hazard["responsible"],
                hazard["closed_at"],
                _("未销号") if hazard["open_at_accident"] else _("已销号"),
                "\n".join(
                    f"{timezone.localtime(event['at']):%Y-%m-%d %H:%M} {event['type']} {event['actor']}"
                    for event in hazard["timeline"]
                ),
            ]
            for hazard in report["hazards"]
        ],
    )

    sheet = _Sheet(workbook, _("检验与人员"), [16, 16, 24, 14, 14, 16, 14, 14], formats)
    sheet.title(_("定期检验"))
    inspections = report["inspections"]
    sheet.pairs(
        [
            (_("事故时下次检验日期"), inspections["due_on_at_accident"]),
            (_("事故时检验超期"), inspections["overdue_at_accident"]),
        ]
    )
    sheet.table(
        [_("检验日期"), _("检验类别"), _("检验机构"), _("检验结论"), _("下次检验日期"), _("报告编号")],
        [
            [
                row["inspected_on"],
                row["kind_label"],
                row["agency"],
                row["conclusion_label"],
                row["next_due_on"],
                row["report_no"],
            ]
            for row in inspections["rows"]
        ],
    )
    sheet.title(_("作业人员"))
    sheet.table(
        [
            _("持证人"),
            _("作业项目"),
            _("证书编号"),
            _("有效期至"),
            _("上岗日期"),
            _("离岗日期"),
            _("事故时在岗"),
            _("事故时证书有效"),
        ],
        [
            [
                row["holder"],
                row["item"],
                row["cert_no"],
                row["expires_on"],
                row["assigned_on"],
                row["ended_on"],
                row["on_duty_at_accident"],
                row["certificate_valid_at_accident"],
            ]
            for row in report["operators"]
        ],
    )
    sheet.title(_("各环节责任人"))
    sheet.table(
        [_("环节"), _("职责"), _("人员"), _("时间/情况")],
        [[row["step"], row["duty"], row["person"], row["when"]] for row in report["responsibility"]],
    )
    workbook.close()
    output.seek(0)
    return output


def tracing_filename(report: dict) -> str:
    accident = report["accident"]
    return f"accident-tracing-{accident['id']}-{report['period']['end']:%Y%m%d}.xlsx"
