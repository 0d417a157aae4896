"""The ranked table of an assessment year as .xlsx (考核结果): one row per region assessed, each indicator's measured
value and points, the score, rank and notice; a second sheet with the indicators, weights and citations."""

from __future__ import annotations

import xlsxwriter
from django.utils.translation import gettext as _

from shuangfang.core.xlsx import DATE_FORMAT, HEADER_STYLE, output_file, write_cells

from . import rules_assessment as rules
from .assessment import indicator_rows


def assessment_workbook(assessments) -> object:
    """`assessments`: RegionalAssessment rows (organization and region selected), in the order to write them."""
    output = output_file()
    workbook = xlsxwriter.Workbook(output)
    header = workbook.add_format(HEADER_STYLE)
    dates = workbook.add_format({"num_format": DATE_FORMAT})
    sheet = workbook.add_worksheet(_("考核结果"))
    titles = [_("考核部门"), _("年度"), _("排名"), _("被考核地区"), _("区划代码")]
    for indicator in rules.ASSESSMENT_INDICATORS:
        titles += [_(indicator.name), _("%(name)s得分") % {"name": _(indicator.name)}]
    titles += [_("总分"), _("通报")]
    for column, title in enumerate(titles):
        sheet.write_string(0, column, title, header)
    sheet.set_column(0, 0, 24)
    sheet.set_column(3, 3, 16)
    sheet.set_column(5, len(titles) - 1, 14)
    sheet.freeze_panes(1, 4)
    for number, assessment in enumerate(assessments, start=1):
        cells = [
            assessment.organization.name,
            assessment.year,
            assessment.rank,
            assessment.region.name,
            assessment.region_id,
        ]
        for row in indicator_rows(assessment):
            cells += [row["shown"], float(row["points"]) if row["points"] is not None else _("不适用")]
        cells += [float(assessment.score), assessment.get_notice_kind_display()]
        write_cells(sheet, number, cells, dates)

    sheet = workbook.add_worksheet(_("指标和权重"))
    titles = [_("指标"), _("计算方法"), _("方向"), _("权重"), _("依据"), _("说明")]
    for column, title in enumerate(titles):
        sheet.write_string(0, column, title, header)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 60)
    sheet.set_column(4, 5, 30)
    for number, indicator in enumerate(rules.ASSESSMENT_INDICATORS, start=1):
        write_cells(
            sheet,
            number,
            [
                _(indicator.name),
                _(indicator.measure),
                _("越高越好") if indicator.direction == rules.HIGHER else _("越低越好"),
                indicator.weight,
                indicator.citation,
                _("权重为建议值，可按省局要求调整") if indicator.proposal else "",
            ],
            dates,
        )
    workbook.close()
    output.seek(0)
    return output


def assessment_filename(year: int) -> str:
    return f"regional-assessment-{year}.xlsx"
