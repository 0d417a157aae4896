"""The checklist of an enforcement inspection of a use unit's dual prevention system (双重预防体系执法检查), as
data.

晋市监发〔2022〕116号 part (五) puts the dual prevention system into every enforcement inspection and sets the
one-action rule: a risk the unit should have graded major and did not, a major risk not controlled at the top
management level, or control measures and responsibilities not carried out — each is 一律确定为重大事故隐患,
一律挂牌督办, 公开曝光, 责令停产停业、限期整改, and 逾期仍达不到要求的一律依法予以关闭.  The items flagged
`one_action` are those three findings.

Pure data and functions over plain values: no ORM, no I/O.  A province replaces or extends the table here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

NOTICE_116 = "晋市监发〔2022〕116号"
ORDER_74 = "《特种设备使用单位落实使用安全主体责任监督管理规定》（市场监管总局令第74号）"
SE_LAW = "《特种设备安全法》"
SHANXI_STANDARD = "山西省特种设备双重预防机制地方标准（风险分级管控、隐患排查治理）"

# What an inspector records for each item.
OK, FINDING, NOT_APPLICABLE = "ok", "finding", "na"
RESULTS = (OK, FINDING, NOT_APPLICABLE)
RESULT_LABELS = {OK: _("符合"), FINDING: _("发现问题"), NOT_APPLICABLE: _("不适用")}

# The three findings of the one-action rule (116号 part (五)).
ONE_ACTION_UNGRADED = "ungraded_major_risk"
ONE_ACTION_NOT_TOP_LEVEL = "major_risk_not_top_level"
ONE_ACTION_MEASURES = "measures_not_carried_out"
ONE_ACTION_LABELS = {
    ONE_ACTION_UNGRADED: _("应判定而未判定为重大风险"),
    ONE_ACTION_NOT_TOP_LEVEL: _("重大风险没有实施最高管理层级管控"),
    ONE_ACTION_MEASURES: _("未严格落实管控措施和管控责任"),
}

# The order of a one-action finding: stop and rectify within a deadline (责令停产停业、限期整改).
DEFAULT_ONE_ACTION_DAYS = 30


@dataclass(frozen=True)
class CheckItem:
    code: str
    area: str
    text: str
    citation: str
    effective_from: date
    one_action: bool = False
    one_action_kind: str = ""

    @property
    def one_action_label(self) -> str:
        return str(ONE_ACTION_LABELS.get(self.one_action_kind, ""))


_FROM = date(2022, 7, 1)

ENFORCEMENT_CHECKLIST: tuple[CheckItem, ...] = (
    # 风险辨识
    CheckItem(
        "R1",
        _("风险辨识"),
        _("在用特种设备均已登记为风险点并完成危险源辨识（一机一档），风险点台账完整"),
        f"{NOTICE_116}；{SHANXI_STANDARD}",
        _FROM,
    ),
    CheckItem(
        "R2",
        _("风险评价与分级"),
        _("风险按规定方法评价分级；应判定为重大风险的均已判定为重大风险"),
        f"{NOTICE_116} 第（五）项",
        _FROM,
        one_action=True,
        one_action_kind=ONE_ACTION_UNGRADED,
    ),
    CheckItem(
        "R3",
        _("风险分级管控"),
        _("重大风险由公司级（最高管理层级）管控，主要负责人为管控责任人"),
        f"{NOTICE_116} 第（五）项；{SHANXI_STANDARD}",
        _FROM,
        one_action=True,
        one_action_kind=ONE_ACTION_NOT_TOP_LEVEL,
    ),
    CheckItem(
        "R4",
        _("管控措施落实"),
        _("风险分级管控清单中的管控措施和管控责任已严格落实，现场与清单一致"),
        f"{NOTICE_116} 第（五）项",
        _FROM,
        one_action=True,
        one_action_kind=ONE_ACTION_MEASURES,
    ),
    CheckItem(
        "R5",
        _("风险告知"),
        _("风险告知卡、重大风险公告栏已在现场设置"),
        SHANXI_STANDARD,
        _FROM,
    ),
    # 日管控、周排查、月调度
    CheckItem(
        "C1",
        _("日管控"),
        _("安全员每日巡查记录完整（含零风险报告）"),
        ORDER_74,
        _FROM,
    ),
    CheckItem(
        "C2",
        _("周排查"),
        _("安全总监每周排查并形成周排查报告"),
        ORDER_74,
        _FROM,
    ),
    CheckItem(
        "C3",
        _("月调度"),
        _("主要负责人每月听取汇报、调度安全风险，形成月调度会议纪要"),
        ORDER_74,
        _FROM,
    ),
    # 隐患排查治理
    CheckItem(
        "H1",
        _("隐患闭环"),
        _("排查发现的隐患已落实整改措施、责任、资金、时限和预案（五落实），按期整改、验收销号"),
        f"{NOTICE_116}；{ORDER_74}",
        _FROM,
    ),
    CheckItem(
        "H2",
        _("重大事故隐患"),
        _("重大事故隐患已报告监管部门，相关设备停止使用，制定治理方案"),
        f"{NOTICE_116}；GB 45067-2024",
        _FROM,
    ),
    # 责任、制度、培训
    CheckItem(
        "P1",
        _("人员配备"),
        _("按设备种类书面任命主要负责人、安全总监、安全员，职责明确"),
        ORDER_74,
        _FROM,
    ),
    CheckItem(
        "D1",
        _("制度文件"),
        _("风险分级管控和隐患排查治理制度、岗位责任制度、安全管理制度齐全并执行"),
        f"{SE_LAW} 第三十四条；{ORDER_74}",
        _FROM,
    ),
    CheckItem(
        "T1",
        _("教育培训"),
        _("主要负责人、安全总监、安全员和作业人员按计划接受双重预防机制培训，记录完整"),
        f"{SE_LAW} 第十三条；{ORDER_74}",
        _FROM,
    ),
)

CHECK_ITEMS = {item.code: item for item in ENFORCEMENT_CHECKLIST}


def items_in_force(on: date) -> tuple[CheckItem, ...]:
    return tuple(item for item in ENFORCEMENT_CHECKLIST if item.effective_from <= on)


def check_results(results: dict, on: date) -> dict[str, str]:
    """Messages per problem of a results mapping (item code → ok / finding / na): every item in force answered,
    no unknown item, no unknown value.  Empty when the results are complete."""
    problems: dict[str, str] = {}
    if not isinstance(results, dict):
        return {"results": str(_("检查结果须为“检查项代码 → 结果”的对应表。"))}
    in_force = {item.code for item in items_in_force(on)}
    unknown = sorted(code for code in results if code not in in_force)
    if unknown:
        problems["results"] = str(_("不是检查表中的检查项：%(codes)s。")) % {"codes": "、".join(map(str, unknown))}
        return problems
    missing = [item.code for item in items_in_force(on) if item.code not in results]
    if missing:
        problems["results"] = str(_("以下检查项未填写结果：%(codes)s。")) % {"codes": "、".join(missing)}
        return problems
    bad = sorted(code for code, value in results.items() if value not in RESULTS)
    if bad:
        problems["results"] = str(_("检查项 %(codes)s 的结果只能是“符合”“发现问题”或“不适用”。")) % {
            "codes": "、".join(bad)
        }
    return problems


def one_action_findings(results: dict) -> list[CheckItem]:
    """The findings that the one-action rule turns into a major hazard, a listing and a stop-and-rectify order."""
    return [item for item in ENFORCEMENT_CHECKLIST if item.one_action and results.get(item.code) == FINDING]


def findings_of(results: dict) -> list[CheckItem]:
    return [item for item in ENFORCEMENT_CHECKLIST if results.get(item.code) == FINDING]


def past_deadline(deadline: date, today: date) -> bool:
    """An order's deadline has passed when today is after it (the deadline day itself still counts)."""
    return today > deadline
