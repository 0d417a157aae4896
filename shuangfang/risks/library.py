# ruff: noqa: E501
# (Chinese reference text: one sentence per line reads better than fragments wrapped by display width.)
"""The shipped library of typical special-equipment risks (典型风险辨识模板), in plain Python (no ORM).

A use unit identifies the risks of a piece of equipment by applying the templates of its catalog code and then
editing them: each template gives the hazard source, the consequence, the GB 6441 accident types, a typical
assessment, the control measures (those marked ``check`` become items of the daily check, 日管控) and what to do
on the spot. The structure follows the Shandong-style lists (DB37/T 3452-2018: 风险点 → 危险源辨识 by SCL for
equipment and sites, JHA for activities → 风险评价 by LS or LEC → 分级管控) with the five measure classes
工程技术 / 管理 / 培训教育 / 个体防护 / 应急处置.

``minimum_level`` marks hazards that are grave in themselves: a template tied to a criterion of GB 45067-2024
《特种设备重大事故隐患判定准则》 (in force 2024-12-01) is never graded below "significant", and below "major" where
the criterion describes a deliberate defeat of a safety function (a bypassed circuit) or use after a failed
inspection. The clause ids are those of GB 45067-2024 chapter 4 (4.1 a)–4.10 e), written "4.6b").

Citations name only standards and rules known to exist; a clause number is given only where it is known, and
anything to be checked against the primary text carries "（条款待核）". Numeric limits in measures (door-lock
engagement 7 mm, load-limiter cut-off 100 %–110 %, hook discard criteria, skirt gaps, pressure-gauge range and
verification period) are those of the cited standards.

Catalog prefixes follow 《特种设备目录》 (2014): the trailing zeros of a prefix stand for every code below it, so
"3000" covers all elevators and "3100" covers 3110, 3120 and 3130.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# --------------------------------------------------------------------------------------------------------------------
# Enumerations
# --------------------------------------------------------------------------------------------------------------------

# GB 6441-1986 《企业职工伤亡事故分类》, the 20 accident types (事故类别) with their two-digit codes.
# Names are translated for display; the codes are the data.
ACCIDENT_TYPES: tuple[tuple[str, str], ...] = (
    ("01", _("物体打击")),
    ("02", _("车辆伤害")),
    ("03", _("机械伤害")),
    ("04", _("起重伤害")),
    ("05", _("触电")),
    ("06", _("淹溺")),
    ("07", _("灼烫")),
    ("08", _("火灾")),
    ("09", _("高处坠落")),
    ("10", _("坍塌")),
    ("11", _("冒顶片帮")),
    ("12", _("透水")),
    ("13", _("放炮")),
    ("14", _("火药爆炸")),
    ("15", _("瓦斯爆炸")),
    ("16", _("锅炉爆炸")),
    ("17", _("容器爆炸")),
    ("18", _("其它爆炸")),
    ("19", _("中毒和窒息")),
    ("20", _("其它伤害")),
)
ACCIDENT_TYPE_NAMES: dict[str, str] = dict(ACCIDENT_TYPES)

# The five classes of control measures of the Shandong-style risk control list (现有控制措施).
MEASURE_KINDS = ("engineering", "management", "training", "ppe", "emergency")
MEASURE_KIND_LABELS: dict[str, str] = {
    "engineering": "工程技术",
    "management": "管理",
    "training": "培训教育",
    "ppe": "个体防护",
    "emergency": "应急处置",
}


# --------------------------------------------------------------------------------------------------------------------
# Template types
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureTemplate:
    """A control measure (管控措施). ``check``: concrete and checkable on site, so it becomes a check item of the
    daily check (日管控); plans, rules and training records are not."""

    kind: str
    text: str
    check: bool = False


@dataclass(frozen=True, kw_only=True)
class RiskTemplate:
    """A typical risk of a kind of equipment, site or activity (典型风险).

    ``factors`` is the typical assessment in the template's method: LS {"L", "S"} or LEC {"L", "E", "C"}, with
    fractional table values written as strings ("0.5") so that they survive JSON unchanged. Treat it as read-only
    and copy it before editing. ``accident_types`` lists GB 6441 codes, the main one first.
    """

    code: str
    catalog_prefixes: tuple[str, ...]
    title: str
    hazard_source: str
    consequence: str
    accident_types: tuple[str, ...]
    factors: dict[str, int | str]
    measures: tuple[MeasureTemplate, ...]
    emergency_actions: str
    citation: str
    point_kind: str = "equipment"
    identification_method: str = "scl"
    method: str = "ls"
    minimum_level: str | None = None
    gb45067_clauses: tuple[str, ...] = field(default=())


def _ls(likelihood: int, severity: int) -> dict[str, int | str]:
    return {"L": likelihood, "S": severity}


def _lec(likelihood: int | str, exposure: int | str, consequence: int) -> dict[str, int | str]:
    return {"L": likelihood, "E": exposure, "C": consequence}


def _activity(**fields) -> RiskTemplate:
    """A work activity (作业活动): identified by job hazard analysis and assessed by LEC."""
    return RiskTemplate(point_kind="activity", identification_method="jha", method="lec", **fields)


# Catalog prefixes shared by several templates.
_PASSENGER_AND_GOODS_LIFTS = ("3100", "3200", "3410", "3420")  # GB 45067-2024 4.6b/4.6c: not 3430 杂物电梯
_ALL_LIFTS = ("3100", "3200", "3400")  # every lift with a car, escalators and moving walks excluded
_ROPED_LIFTS = ("3100", "3400")  # driven by a traction machine or drum, with suspension ropes and a machine brake
_ESCALATORS = ("3300",)
_CRANES = ("4100", "4200", "4300", "4400", "4700", "4800", "4900", "4A00")  # 4D00 parking equipment has its own
_HOOK_CRANES = ("4100", "4200", "4300", "4400", "4700", "4900", "4A00")  # 4800 升降机 carry a cage, not a hook
_OUTDOOR_RAIL_CRANES = ("4200", "4300", "4700")  # gantry, tower and portal cranes run outdoors on rails
_PRESSURE_VESSELS = ("2100", "2200")  # fixed and mobile vessels; cylinders (2300) are covered through filling
_FORKLIFTS = ("5110",)
_IN_SITE_VEHICLES = ("5100", "5200")
_CYLINDERS = ("2300",)

_LAW = "《中华人民共和国特种设备安全法》"


# --------------------------------------------------------------------------------------------------------------------
# 电梯: passenger and goods lifts (3100 / 3200 / 3400)
# --------------------------------------------------------------------------------------------------------------------

_ELEVATOR_TEMPLATES = (
    RiskTemplate(
        code="ELV-DOOR-LOCK",
        catalog_prefixes=_PASSENGER_AND_GOODS_LIFTS,
        title="层门、轿门门锁回路被短接",
        hazard_source="维修、检测或故障处置时用短接线（封线）短接层门、轿门门锁电气安全回路后未拆除，或为维持运行长期短接，门未锁紧时电梯仍能启动运行",
        consequence="电梯开门运行，乘客在门区被剪切、挤压，或层门开启时人员坠入井道，造成人员死亡",
        accident_types=("03", "09"),
        factors=_ls(4, 5),
        minimum_level="major",
        gb45067_clauses=("4.6b",),
        measures=(
            MeasureTemplate(
                "engineering",
                "门锁回路无短接线或封线；层门、轿门锁紧元件啮合深度不小于7mm，门未锁紧时电梯不能启动",
                check=True,
            ),
            MeasureTemplate("engineering", "控制柜门旁路装置（如设置）处于“正常运行”位置，未处于旁路状态", check=True),
            MeasureTemplate(
                "management",
                "维保合同明确禁止短接门锁回路运行；维保作业使用短接线须登记，作业结束由安全员复核拆除并签字",
            ),
            MeasureTemplate("training", "对安全员和维保人员开展门锁回路短接危害及GB 45067-2024重大事故隐患判定的培训"),
            MeasureTemplate(
                "emergency",
                "发现门锁回路短接立即停梯，按重大事故隐患登记并报告安全总监，拆除短接并测试门锁功能合格后方可恢复",
            ),
        ),
        emergency_actions="立即停止运行并设置禁用警示标志，确认轿厢内无人员；通知维保单位拆除短接线并逐层测试层门、轿门门锁；报告安全总监按重大事故隐患登记；有人员受困或受伤拨打96333、120",
        citation="GB 45067-2024 4.6b；GB 7588.1-2020；TSG T7001-2023",
    ),
    RiskTemplate(
        code="ELV-GOVERNOR-SAFETY-GEAR",
        catalog_prefixes=_PASSENGER_AND_GOODS_LIFTS,
        title="限速器—安全钳联动失效",
        hazard_source="限速器动作速度偏移或超过校验有效期，限速器绳打滑、张紧装置失效，安全钳楔块锈蚀卡阻，联动机构动作不灵活",
        consequence="轿厢超速下行或悬挂失效时不能被制停，发生蹲底、冲顶或坠落，造成人员死亡",
        accident_types=("09", "03"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.6c",),
        measures=(
            MeasureTemplate(
                "engineering",
                "限速器铅封完好、动作速度校验在有效期内；限速器绳无断股，张紧装置及其电气开关有效",
                check=True,
            ),
            MeasureTemplate(
                "management",
                "维保单位按TSG T5002-2017检查限速器、安全钳并记录；定期检验的限速器—安全钳联动试验结论不合格的电梯不得运行",
            ),
            MeasureTemplate("training", "安全员掌握限速器—安全钳联动试验结论的查阅方法及不合格时的停用要求"),
            MeasureTemplate(
                "emergency",
                "安全钳动作制停轿厢后，由维保单位持证人员解救乘客并全面检查，未查明原因和修复前不得恢复运行",
            ),
        ),
        emergency_actions="安全钳动作或联动试验不合格时立即停梯并设置警示标志；由维保单位持证人员解救被困乘客，检查限速器、安全钳和导轨损伤，经检验或检测合格后方可恢复运行",
        citation="GB 45067-2024 4.6c；GB 7588.1-2020；TSG T7001-2023；TSG T5002-2017",
    ),
    RiskTemplate(
        code="ELV-BRAKE",
        catalog_prefixes=_ROPED_LIFTS,
        title="驱动主机制动器失效或制动力不足",
        hazard_source="制动衬（闸瓦）磨损超限或沾染油污，制动间隙调整不当，制动器机械部件卡阻，制动器故障保护失效",
        consequence="轿厢停层后意外移动或溜车，开门状态下移动造成剪切，或发生冲顶、蹲底，造成人员伤亡",
        accident_types=("03", "09"),
        factors=_ls(3, 5),
        measures=(
            MeasureTemplate(
                "engineering",
                "制动器两组机械部件动作灵活，制动衬与制动轮间隙均匀、无油污，磨损未超过制造单位规定的限值",
                check=True,
            ),
            MeasureTemplate(
                "emergency", "松闸扳手、盘车手轮放置在机房（或紧急操作装置处）固定位置，标识清楚", check=True
            ),
            MeasureTemplate(
                "management",
                "维保单位按TSG T5002-2017检查制动器动作、间隙和制动衬磨损并记录，年度维保进行制动力（制动器）试验",
            ),
            MeasureTemplate("training", "安全员能识别停层不准、溜车等制动异常并立即停梯报修"),
        ),
        emergency_actions="发现溜车或停层异常立即停梯，疏散乘客并设置警示标志；通知维保单位检查制动器，查明原因、修复并试验合格后方可恢复运行",
        citation="GB 7588.1-2020；TSG T5002-2017；TSG T7001-2023",
    ),
    RiskTemplate(
        code="ELV-SUSPENSION-ROPE",
        catalog_prefixes=_ROPED_LIFTS,
        title="曳引钢丝绳（悬挂装置）磨损、断丝或张力不均",
        hazard_source="钢丝绳断丝、磨损、锈蚀达到报废条件仍使用，绳头组合螺母松动、开口销缺失，各绳张力不均导致绳槽磨损、钢丝绳打滑",
        consequence="曳引能力下降导致轿厢溜车、冲顶或蹲底；悬挂失效时轿厢坠落，造成人员死亡",
        accident_types=("09", "03"),
        factors=_ls(2, 5),
        measures=(
            MeasureTemplate(
                "engineering",
                "曳引钢丝绳无断股、无扭结变形和严重锈蚀，绳头组合螺母及开口销齐全，各绳张力均匀",
                check=True,
            ),
            MeasureTemplate(
                "management",
                "维保单位定期检查钢丝绳断丝、直径缩减并记录；达到GB/T 31821-2015报废条件时更换同规格钢丝绳",
            ),
            MeasureTemplate("training", "安全员能识别钢丝绳断股、锈蚀、绳头松动等明显缺陷"),
        ),
        emergency_actions="发现断股、严重锈蚀或轿厢打滑立即停梯，疏散乘客并设置警示标志；通知维保单位检查更换，经检测合格后方可恢复运行",
        citation="GB 7588.1-2020；GB/T 31821-2015；TSG T5002-2017",
    ),
    RiskTemplate(
        code="ELV-TRAPPED-RESCUE",
        catalog_prefixes=_PASSENGER_AND_GOODS_LIFTS,
        title="电梯困人及应急救援不当",
        hazard_source="电梯故障或停电困人，乘客自行扒门脱困，非持证人员盘车放人，维保单位响应超时，轿厢内救援信息缺失",
        consequence="乘客扒门时坠入井道或被剪切；被困时间过长导致突发疾病；救援操作不当造成救援人员和乘客伤害",
        accident_types=("09", "03", "20"),
        factors=_ls(4, 4),
        measures=(
            MeasureTemplate(
                "management",
                "轿厢内张贴电梯使用标志、应急救援电话（96333及维保单位24小时值班电话）和救援识别码，信息清晰",
                check=True,
            ),
            MeasureTemplate("management", "制定电梯困人应急救援专项预案，每年至少组织一次救援演练并记录"),
            MeasureTemplate(
                "training", "安全员和值班人员掌握安抚乘客、切断电源、通知维保单位和96333的程序，非持证人员不得盘车放人"
            ),
            MeasureTemplate(
                "emergency", "救援由持T证人员按“断电—确认轿厢位置—盘车或紧急电动运行平层—开门放人—恢复”程序实施"
            ),
        ),
        emergency_actions="通过对讲安抚被困乘客，告知不得扒门；立即通知维保单位（设区的市30分钟内到达）或拨打96333；切断主电源后由持证人员按程序平层放人；有人员不适拨打120",
        citation="TSG T5002-2017（应急救援到达时限）；GB 7588.1-2020",
    ),
    RiskTemplate(
        code="ELV-MAINTENANCE-OVERDUE",
        catalog_prefixes=("3000",),
        title="日常维护保养超期或维保质量不符合要求",
        hazard_source="未与取得许可的维保单位签订维保合同，维保间隔超过15日，维保项目漏项、记录不实，维保发现的问题未及时处理",
        consequence="安全部件和安全保护装置失效未被发现，导致困人、剪切、挤压、坠落等事故",
        accident_types=("03", "09", "20"),
        factors=_ls(3, 4),
        measures=(
            MeasureTemplate(
                "management",
                "维保记录显示最近一次维保距今不超过15日，维保人员持T证并签字，使用单位签字确认",
                check=True,
            ),
            MeasureTemplate(
                "management", "与具有相应许可的维保单位签订维保合同，明确维保项目、频次、应急响应时限和双方责任"
            ),
            MeasureTemplate("engineering", "安装电梯安全监测终端，自动记录维保到场时间和故障、困人信息"),
            MeasureTemplate(
                "training", "安全员掌握TSG T5002-2017半月、季度、半年、年度维保项目，能核对维保记录的完整性"
            ),
        ),
        emergency_actions="维保超期时通知维保单位立即到场维保，期间加强安全员巡查；发现异常立即停梯并设置警示标志",
        citation=f"{_LAW}第四十五条；TSG T5002-2017",
    ),
    RiskTemplate(
        code="ELV-MACHINE-ROOM",
        catalog_prefixes=_ALL_LIFTS,
        point_kind="site",
        title="机房（机器空间）管理缺陷",
        hazard_source="机房门未锁闭或无警示标志，照明、通风不良，室温超出5℃～40℃，堆放杂物或易燃物，旋转部件防护罩缺失，通往机房的通道不畅",
        consequence="无关人员进入触及旋转部件或带电体，主机和控制柜过热引发故障或火灾，应急救援时无法及时进入机房",
        accident_types=("03", "05", "08"),
        factors=_ls(3, 3),
        measures=(
            MeasureTemplate(
                "engineering",
                "机房门锁闭并设“机房重地 闲人免进”标志，通道畅通、照明正常，室内无杂物，曳引轮、限速器等旋转部件防护罩齐全",
                check=True,
            ),
            MeasureTemplate(
                "engineering",
                "机房通风或空调有效，室温保持在5℃～40℃，配备适用于电气火灾的灭火器且在有效期内",
                check=True,
            ),
            MeasureTemplate("management", "机房钥匙由安全员和维保单位专人保管，进出登记"),
            MeasureTemplate("training", "告知物业、保洁人员不得进入机房或在机房堆放物品"),
        ),
        emergency_actions="发现机房进水、冒烟或异味，立即切断电梯主电源并停梯，用二氧化碳或干粉灭火器处置初期火情，通知维保单位，必要时拨打119",
        citation="GB 7588.1-2020；TSG T7001-2023",
    ),
    RiskTemplate(
        code="ELV-ALARM-INTERCOM",
        catalog_prefixes=_PASSENGER_AND_GOODS_LIFTS,
        title="轿厢紧急报警装置和对讲系统失效",
        hazard_source="紧急报警按钮损坏、对讲线路中断或值班室无人值守，应急照明电源失效",
        consequence="乘客被困时无法求救，救援延误，乘客自行扒门脱困导致坠落或剪切",
        accident_types=("20", "09"),
        factors=_ls(3, 4),
        measures=(
            MeasureTemplate(
                "engineering",
                "轿厢紧急报警装置可与值班室或救援服务机构双向对讲，通话清晰；切断正常照明电源后应急照明自动点亮",
                check=True,
            ),
            MeasureTemplate("management", "值班室（监控室）24小时有人值守，接警和处置记录可查"),
            MeasureTemplate("training", "值班人员掌握接警、安抚、通知维保单位和报告的程序"),
        ),
        emergency_actions="报警装置失效时立即通知维保单位修复，修复前在候梯厅和轿厢内张贴临时求救电话并加强巡查；有人员被困按困人应急程序处置",
        citation="GB 7588.1-2020；TSG T7001-2023；TSG T5002-2017",
    ),
    RiskTemplate(
        code="ELV-LANDING-DOOR",
        catalog_prefixes=_ALL_LIFTS,
        title="层门被非正常开启或自闭功能失效",
        hazard_source="层门三角钥匙管理失控，无关人员用钥匙或工具开启层门；层门自闭装置（重锤或弹簧）失效；门导靴（滑块）磨损脱落，层门受撞击后脱出",
        consequence="人员坠入井道，或被运行中的轿厢剪切、挤压，造成人员死亡",
        accident_types=("09", "03"),
        factors=_ls(3, 5),
        measures=(
            MeasureTemplate(
                "engineering",
                "层门开启后撤去外力能自行关闭并锁紧；门导靴无缺损脱落，门扇之间及与门框、地坎间隙不大于6mm（磨损后不大于10mm）",
                check=True,
            ),
            MeasureTemplate(
                "management", "层门三角钥匙由持证人员专人保管，附“使用此钥匙可能引起危险”警示牌，领用登记", check=True
            ),
            MeasureTemplate("training", "告知乘客和物业人员不得撞击、扒开层门，不得倚靠层门"),
            MeasureTemplate("emergency", "层门损坏或不能自闭时立即停梯，在该层设置围挡和警示标志"),
        ),
        emergency_actions="发现层门不能自闭或被开启，立即停梯并在该层设置围挡和警示标志，防止人员靠近；通知维保单位修复并测试门锁、自闭功能合格后方可恢复",
        citation="GB 7588.1-2020；TSG T7001-2023",
    ),
    RiskTemplate(
        code="ELV-INSPECTION-OVERDUE",
        catalog_prefixes=("3000",),
        title="定期检验（自行检测）超期或检验不合格仍使用",
        hazard_source="未在检验（检测）有效期届满前1个月提出申请，定期检验或自行检测超期；检验结论为“不合格”或“复检不合格”后继续使用",
        consequence="安全部件失效未被发现而继续运行，可能发生坠落、剪切、挤压等事故；属于依法不得继续使用的情形",
        accident_types=("03", "09"),
        factors=_ls(4, 5),
        minimum_level="major",
        gb45067_clauses=("4.6a",),
        measures=(
            MeasureTemplate(
                "management",
                "电梯使用标志张贴在轿厢内（自动扶梯出入口）显著位置，下次检验（检测）日期未过期",
                check=True,
            ),
            MeasureTemplate("management", "在有效期届满前1个月向检验机构申请定期检验或自行检测，并在平台设置到期提醒"),
            MeasureTemplate("training", "安全员掌握TSG T7001-2023检验与自行检测周期及检验结论的含义"),
            MeasureTemplate(
                "emergency", "检验超期或结论不合格的电梯立即停止使用并设置停用标志，整改复检合格后方可恢复"
            ),
        ),
        emergency_actions="立即停止使用并设置停用警示标志，报告安全总监按重大事故隐患登记；尽快申请检验或整改复检，合格后方可恢复使用",
        citation=f"{_LAW}第四十条；GB 45067-2024 4.6a；TSG T7001-2023",
    ),
)


# --------------------------------------------------------------------------------------------------------------------
# 自动扶梯与自动人行道 (3300)
# --------------------------------------------------------------------------------------------------------------------

_ESCALATOR_TEMPLATES = (
    RiskTemplate(
        code="ESC-EMERGENCY-STOP",
        catalog_prefixes=_ESCALATORS,
        title="紧急停止开关缺失或失效",
        hazard_source="上下出入口附近的紧急停止开关缺失、被遮挡、标识不清，或按下后不能停梯",
        consequence="乘客摔倒或被梯级、梳齿板夹住时不能及时停梯，导致挤压、绞入，出入口人员堆积踩踏",
        accident_types=("03", "20"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.6d",),
        measures=(
            MeasureTemplate(
                "engineering", "上下出入口紧急停止开关无遮挡、红色标识清晰，逐个按下试验扶梯能立即停止", check=True
            ),
            MeasureTemplate(
                "management", "每日运行前由安全员或值守人员进行急停试验并记录；商场、车站客流高峰安排专人值守出入口"
            ),
            MeasureTemplate("training", "值守人员和周边商户员工掌握急停开关位置和按压时机"),
            MeasureTemplate("emergency", "发生乘客摔倒或夹人时，就近人员立即按下急停开关，疏导后续乘客，防止堆积踩踏"),
        ),
        emergency_actions="立即就近按下急停开关（或切断主电源），疏导上下出入口乘客防止堆积踩踏；有人员被夹由维保人员拆卸部件解救，不得强行反向运行；拨打96333、120",
        citation="GB 45067-2024 4.6d；GB 16899-2011；TSG T7001-2023",
    ),
    RiskTemplate(
        code="ESC-COMB-STEP",
        catalog_prefixes=_ESCALATORS,
        title="梳齿板、梯级（踏板）缺损导致夹入",
        hazard_source="梳齿板梳齿断裂或缺失，梯级（踏板）齿槽破损或梯级缺失，梳齿与踏面齿槽啮合不良，梳齿板异物保护开关失效",
        consequence="乘客手指、鞋、衣物被夹入梳齿板或梯级间隙；梯级塌陷导致乘客跌入扶梯内部，造成挤压、截肢甚至死亡",
        accident_types=("03",),
        factors=_ls(3, 4),
        measures=(
            MeasureTemplate(
                "engineering",
                "梳齿板梳齿完整无断齿，梯级（踏板）无破损、无缺失，梳齿与踏面齿槽啮合深度不小于4mm",
                check=True,
            ),
            MeasureTemplate("management", "维保单位按TSG T5002-2017检查梳齿板、梯级和梳齿板保护开关并记录"),
            MeasureTemplate(
                "training", "出入口张贴乘梯须知：照看好儿童，宠物应抱起，穿软胶鞋、长裙者注意，不得在扶梯上嬉戏"
            ),
            MeasureTemplate("emergency", "发现梳齿断齿或梯级破损立即停梯，设置围挡，修复后方可运行"),
        ),
        emergency_actions="立即按下急停开关停梯，安抚被夹人员，由维保人员拆卸梳齿板或梯级解救，不得强行反向点动；拨打96333、120，保护现场",
        citation="GB 16899-2011；TSG T5002-2017",
    ),
    RiskTemplate(
        code="ESC-HANDRAIL",
        catalog_prefixes=_ESCALATORS,
        title="扶手带速度偏差或入口保护失效",
        hazard_source="扶手带与梯级速度偏差超出0～+2%，扶手带表面破损、断裂，扶手带入口保护开关失效",
        consequence="乘客因扶手带与梯级不同步失去平衡摔倒，儿童手部被卷入扶手带入口，造成挤压、摔伤",
        accident_types=("03", "20"),
        factors=_ls(3, 3),
        measures=(
            MeasureTemplate(
                "engineering", "扶手带表面无破损，运行时与梯级基本同步；扶手带入口保护装置完好，动作有效", check=True
            ),
            MeasureTemplate("management", "维保单位定期测量扶手带与梯级的速度偏差（0～+2%）并记录"),
            MeasureTemplate("training", "乘梯须知提示紧握扶手带、勿将手伸入扶手带入口"),
        ),
        emergency_actions="立即按下急停开关停梯，安抚并解救被夹人员，必要时拨打96333、120；通知维保单位检查扶手带驱动和入口保护装置，修复后方可运行",
        citation="GB 16899-2011；TSG T5002-2017",
    ),
    RiskTemplate(
        code="ESC-SKIRT-GAP",
        catalog_prefixes=_ESCALATORS,
        title="梯级与围裙板间隙超标或防夹装置缺损",
        hazard_source="梯级与围裙板单侧水平间隙大于4mm或两侧之和大于7mm，围裙板防夹装置（毛刷）缺损，围裙板保护开关失效",
        consequence="乘客鞋、裤脚、手指被卷入梯级与围裙板之间，造成挤压伤",
        accident_types=("03",),
        factors=_ls(3, 3),
        measures=(
            MeasureTemplate(
                "engineering",
                "梯级与围裙板单侧水平间隙不大于4mm、两侧之和不大于7mm，围裙板防夹装置（毛刷）完整无缺损",
                check=True,
            ),
            MeasureTemplate("management", "维保单位检查围裙板保护开关和防夹装置并记录，缺损及时更换"),
            MeasureTemplate("training", "乘梯须知提示站在梯级黄色警示边框以内，勿贴靠围裙板"),
        ),
        emergency_actions="立即按下急停开关停梯，由维保人员拆卸围裙板或梯级解救被夹人员，不得强行反向运行；拨打96333、120",
        citation="GB 16899-2011；TSG T5002-2017",
    ),
    RiskTemplate(
        code="ESC-HANDRAIL-OBSTACLE",
        catalog_prefixes=_ESCALATORS,
        title="扶手带外缘与障碍物距离不足且未设防护挡板",
        hazard_source="扶手带外缘与楼板开口边缘、交叉设置的扶梯或其他建筑障碍物之间的水平距离小于400mm，未设置防碰挡板或挡板缺损",
        consequence="乘客头部、手臂探出扶手带外侧时与楼板或障碍物碰撞、挤压，造成严重伤害甚至死亡",
        accident_types=("03",),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.6e",),
        measures=(
            MeasureTemplate(
                "engineering",
                "扶手带外缘与障碍物距离小于400mm处设有无锐利边缘的垂直防护挡板，挡板完好、固定牢靠",
                check=True,
            ),
            MeasureTemplate("management", "商场装修、增设广告牌或改变周边建筑时，重新核查扶手带外缘与障碍物的距离"),
            MeasureTemplate("training", "乘梯须知提示勿将头、手臂伸出扶手带外侧"),
        ),
        emergency_actions="发现挡板缺失立即停梯并设置围挡，按重大事故隐患登记；有人员受伤立即停梯，拨打120和96333",
        citation="GB 45067-2024 4.6e；GB 16899-2011",
    ),
    RiskTemplate(
        code="ESC-REVERSAL",
        catalog_prefixes=_ESCALATORS,
        title="驱动链断裂或非操纵逆转导致梯级倒溜",
        hazard_source="主驱动链过度磨损、伸长或断裂，驱动主机固定螺栓松动，附加制动器或非操纵逆转保护装置失效",
        consequence="上行扶梯突然停止或反向下滑，乘客失去平衡后在下端出入口堆积、踩踏，造成群死群伤",
        accident_types=("03", "20"),
        factors=_ls(2, 5),
        measures=(
            MeasureTemplate(
                "engineering",
                "驱动链张紧适当、无明显伸长和裂纹，断链保护开关有效；附加制动器（如设置）动作有效",
                check=True,
            ),
            MeasureTemplate("management", "维保单位定期检查驱动主机固定螺栓紧固状态并测量驱动链伸长量，记录可查"),
            MeasureTemplate("emergency", "客流高峰安排专人值守上下出入口，发现异响、抖动立即停梯"),
            MeasureTemplate("training", "值守人员掌握倒溜时停梯和疏导乘客的方法"),
        ),
        emergency_actions="立即按下急停开关，停止乘客上梯并疏导出入口人员，防止堆积踩踏；通知维保单位全面检查驱动系统，修复并经检测合格后方可恢复运行",
        citation="GB 16899-2011；TSG T5002-2017",
    ),
)


# --------------------------------------------------------------------------------------------------------------------
# 起重机械 (4000)
# --------------------------------------------------------------------------------------------------------------------

_CRANE_TEMPLATES = (
    RiskTemplate(
        code="CRN-LOAD-LIMITER",
        catalog_prefixes=_CRANES,
        title="起重量限制器、力矩限制器或防坠安全器缺失、失效",
        hazard_source="起重量限制器、起重力矩限制器被拆除、短接或标定失准，升降机超载检测装置失效、防坠安全器超过标定有效期",
        consequence="超载起吊导致钢丝绳断裂、结构失稳、整机倾覆或吊笼坠落，造成人员死亡",
        accident_types=("04", "10", "01"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.7d",),
        measures=(
            MeasureTemplate(
                "engineering",
                "限制器接线完好无短接；实际起重量超过95%额定起重量时报警，在100%～110%额定起重量之间自动切断起升动力源",
                check=True,
            ),
            MeasureTemplate("management", "限制器和防坠安全器按期标定并保存记录，严禁擅自调整或拆除"),
            MeasureTemplate("training", "司机掌握额定起重量表（起重特性曲线），不得以限制器动作代替起重量判断"),
            MeasureTemplate("emergency", "限制器失效时立即停止起重作业，按重大事故隐患登记"),
        ),
        emergency_actions="立即停止起重作业，将吊载平稳放下并切断电源，设置警戒区；报告安全总监按重大事故隐患登记，修复并标定合格后方可使用",
        citation="GB 45067-2024 4.7d；GB 6067.1-2010",
    ),
    RiskTemplate(
        code="CRN-LIMIT-SWITCH",
        catalog_prefixes=_CRANES,
        title="起升高度、运行行程等限位器失效",
        hazard_source="起升高度限位器、下降深度限位器、运行行程限位器、幅度限位器失灵或被短接，终端止挡、缓冲器缺损",
        consequence="吊具冲顶拉断钢丝绳，吊物坠落；大车、小车冲出轨道端部或相互碰撞",
        accident_types=("04", "01"),
        factors=_ls(3, 4),
        measures=(
            MeasureTemplate(
                "engineering",
                "吊具上升至极限位置时起升高度限位器能自动切断上升动力源；大车、小车运行限位器和终端止挡、缓冲器完好",
                check=True,
            ),
            MeasureTemplate("management", "每班作业前空载试验各限位器并记录，发现失灵立即停用报修"),
            MeasureTemplate("training", "司机不得以限位器作为停车手段，不得短接限位器"),
        ),
        emergency_actions="限位器失灵时立即停止作业并切断电源，将吊物放至安全位置，设置警戒区；通知维修人员修复并试验合格后方可使用",
        citation="GB 6067.1-2010；TSG Q7015-2016",
    ),
    RiskTemplate(
        code="CRN-BRAKE",
        catalog_prefixes=_CRANES,
        title="起升机构制动器失效",
        hazard_source="制动衬垫磨损超限，制动轮（盘）有裂纹或油污，制动器调整不当、推动器失效，吊运熔融金属的起升机构未设两套制动器",
        consequence="吊物溜钩坠落，砸伤下方人员；运行机构制动失效导致碰撞",
        accident_types=("04", "01"),
        factors=_ls(3, 5),
        measures=(
            MeasureTemplate(
                "engineering",
                "制动器动作可靠，制动衬垫磨损未达原厚度的50%，制动轮无裂纹、无油污；起吊前试吊确认不溜钩",
                check=True,
            ),
            MeasureTemplate("management", "每班作业前检查制动器，定期调整制动间隙并记录"),
            MeasureTemplate("training", "司机掌握试吊方法和溜钩时的应急操作"),
        ),
        emergency_actions="发生溜钩时立即发出警示，疏散吊物下方人员，尽可能将吊物降至地面或安全位置；停机切断电源，修复制动器并试验合格后方可使用",
        citation="GB 6067.1-2010；TSG Q7015-2016",
    ),
    RiskTemplate(
        code="CRN-WIRE-ROPE",
        catalog_prefixes=_CRANES,
        title="钢丝绳达到报废条件仍使用",
        hazard_source="钢丝绳断丝、磨损、锈蚀、扭结、压扁、笼状畸变达到报废条件仍使用，绳端固定（压板、绳卡、楔套）松动，卷筒上安全圈不足",
        consequence="钢丝绳断裂导致吊物、吊具坠落，造成人员死亡",
        accident_types=("04", "01"),
        factors=_ls(3, 5),
        measures=(
            MeasureTemplate(
                "engineering",
                "钢丝绳无断股、扭结、压扁和笼状畸变，断丝和直径减小未达GB/T 5972-2016报废条件；吊具在最低位置时卷筒上除固定绳尾的圈数外至少保留2圈",
                check=True,
            ),
            MeasureTemplate("management", "钢丝绳每班目视检查、定期详细检查并记录，更换时使用同规格钢丝绳"),
            MeasureTemplate("training", "司机和检查人员掌握钢丝绳常见报废特征的识别方法"),
        ),
        emergency_actions="发现断股或严重变形立即停止作业，将吊物放至安全位置，切断电源并设置警戒区；更换钢丝绳并试吊合格后方可使用",
        citation="GB/T 5972-2016；GB 6067.1-2010",
    ),
    RiskTemplate(
        code="CRN-HOOK",
        catalog_prefixes=_HOOK_CRANES,
        title="吊钩防脱钩装置缺失或吊钩达到报废条件",
        hazard_source="吊钩防脱钩装置缺失或损坏；吊钩表面裂纹，危险断面磨损达原尺寸的10%，开口度比原尺寸增加15%，钩身扭转变形超过10°",
        consequence="吊索从吊钩脱出或吊钩断裂，吊物坠落砸伤人员",
        accident_types=("04", "01"),
        factors=_ls(3, 4),
        measures=(
            MeasureTemplate(
                "engineering",
                "吊钩防脱钩装置完好有效；吊钩无裂纹，开口度增加、危险断面磨损和扭转变形未达报废条件",
                check=True,
            ),
            MeasureTemplate("management", "吊钩不得焊补、钻孔；定期测量开口度并记录，达到报废条件立即更换"),
            MeasureTemplate("training", "挂钩人员掌握吊索挂入钩口中心、防脱钩装置闭合后方可起吊的要求"),
        ),
        emergency_actions="发现吊钩裂纹或防脱钩装置失效立即停止作业，将吊物放至安全位置并设置警戒区；更换吊钩或防脱钩装置后方可使用",
        citation="GB 6067.1-2010",
    ),
    RiskTemplate(
        code="CRN-EMERGENCY-STOP",
        catalog_prefixes=_CRANES,
        title="紧急停止开关缺失或失效",
        hazard_source="司机室、操纵台、地面操纵按钮盒或遥控器的紧急停止开关缺失、损坏，或按下后不能切断总动力电源",
        consequence="吊物碰撞、人员被挤压或机构失控时不能及时切断动力，事故扩大",
        accident_types=("04", "03"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.7c",),
        measures=(
            MeasureTemplate(
                "engineering",
                "司机室和每个操纵装置（含遥控器）设有红色、非自动复位的紧急停止开关，作业前试验能切断总动力电源",
                check=True,
            ),
            MeasureTemplate("management", "遥控器专人保管、领用登记，作业结束断开遥控器电源"),
            MeasureTemplate("training", "司机和司索人员熟悉紧急停止开关位置，异常时立即按下"),
        ),
        emergency_actions="立即按下紧急停止开关或断开总电源开关；吊物无法放下时设警戒区，禁止人员进入吊物下方；报告安全总监按重大事故隐患登记，修复后方可使用",
        citation="GB 45067-2024 4.7c；GB 6067.1-2010",
    ),
    RiskTemplate(
        code="CRN-WIND-ANTI-SLIP",
        catalog_prefixes=_OUTDOOR_RAIL_CRANES,
        title="室外轨道式起重机抗风防滑装置缺失或失效",
        hazard_source="夹轨器、锚定装置、防风铁楔等抗风防滑装置缺失、锈死或非工作状态未投入使用，风速风级报警装置失效，大风预警时未停机锚定",
        consequence="大风作用下起重机沿轨道滑行，撞击止挡后倾覆或脱轨，造成整机倒塌和人员伤亡",
        accident_types=("10", "04"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.7e",),
        measures=(
            MeasureTemplate(
                "engineering",
                "夹轨器、锚定装置、防风铁楔动作可靠，非工作状态已投入使用；风速风级报警装置（如设置）工作正常",
                check=True,
            ),
            MeasureTemplate("management", "收到大风预警时停止作业，将起重机开至锚定位置锚定并切断电源，记录可查"),
            MeasureTemplate("training", "司机掌握作业风速限值和防风锚定操作程序"),
            MeasureTemplate("emergency", "制定防风（防台）应急预案，明确停机、锚定和人员撤离要求"),
        ),
        emergency_actions="风速超过作业限值时立即停止作业，将起重机开至锚定位置并投入夹轨器、锚定装置，切断电源后司机撤离；起重机滑行时发出警报，疏散轨道沿线人员",
        citation="GB 45067-2024 4.7e；GB 6067.1-2010",
    ),
    RiskTemplate(
        code="CRN-PARKING-SAFETY",
        catalog_prefixes=("4D00",),
        title="机械式停车设备人车误入检测及防坠落装置失效",
        hazard_source="出入口人车误入检测装置、阻车装置失效，载车板防坠落装置失效，出入口警示标志缺失，车内或出入口有人时启动运行",
        consequence="人员在出入口或载车板上被挤压、剪切，载车板坠落砸伤人员",
        accident_types=("03", "01"),
        factors=_ls(3, 5),
        measures=(
            MeasureTemplate(
                "engineering",
                "出入口人车误入检测装置、阻车装置有效，载车板防坠落装置动作可靠，出入口警示标志清晰",
                check=True,
            ),
            MeasureTemplate("management", "由经培训的专职人员操作，存取车前确认车内及出入口无人、无遗留物品"),
            MeasureTemplate("training", "向车主告知存取车须知：人员不得滞留车内，不得进入设备运行区域"),
        ),
        emergency_actions="立即按下急停按钮停止设备运行，确认有无人员被困；由维保人员手动操作解救，严禁强行启动；有人员受伤拨打120",
        citation="GB 17907-2010",
    ),
    RiskTemplate(
        code="CRN-INSPECTION-OVERDUE",
        catalog_prefixes=("4000",),
        title="未经首次检验、定期检验超期或检验不合格仍使用",
        hazard_source="应进行首次检验的起重机械未经首次检验投入使用，定期检验超期未申请，或检验（复检）结论为“不合格”后继续使用",
        consequence="结构、机构和安全保护装置缺陷未被发现而继续使用，可能发生吊物坠落、倾覆、挤压等事故；属于依法不得继续使用的情形",
        accident_types=("04", "10"),
        factors=_ls(4, 5),
        minimum_level="major",
        gb45067_clauses=("4.7a", "4.7b"),
        measures=(
            MeasureTemplate("management", "设备上张贴的安全检验合格标志在有效期内", check=True),
            MeasureTemplate("management", "在检验有效期届满前1个月向检验机构申请定期检验，并在平台设置到期提醒"),
            MeasureTemplate("training", "安全员掌握TSG Q7015-2016规定的各类起重机械检验周期"),
            MeasureTemplate("emergency", "检验超期或结论不合格的起重机械立即停止使用并设置停用标志"),
        ),
        emergency_actions="立即停止使用，切断电源并设置停用警示标志；报告安全总监按重大事故隐患登记，检验（复检）合格后方可恢复使用",
        citation=f"{_LAW}第四十条；GB 45067-2024 4.7a、4.7b；TSG Q7015-2016",
    ),
    _activity(
        code="ACT-LIFTING",
        catalog_prefixes=_HOOK_CRANES,
        title="吊装作业",
        hazard_source="作业前未检查吊索具，捆绑不牢或吊点选择不当；司机与指挥信号不统一；歪拉斜吊、超载起吊；吊物下方及回转半径内站人；大型或多机抬吊无专项方案",
        consequence="吊物坠落、摆动撞击，起重机倾覆，造成人员伤亡和设备损坏",
        accident_types=("04", "01", "03"),
        factors=_lec(3, 6, 15),
        measures=(
            MeasureTemplate("management", "司机持Q2证、指挥人员持Q1证，当班人员与持证信息一致", check=True),
            MeasureTemplate(
                "engineering",
                "吊索具标识清楚，额定载荷满足吊物重量，钢丝绳吊索无断丝，吊带无割伤，卸扣无变形",
                check=True,
            ),
            MeasureTemplate("emergency", "作业区域设置警戒，吊物下方和起重臂回转范围内无人员停留", check=True),
            MeasureTemplate("management", "执行“十不吊”规定；大型、危险吊装和多机抬吊编制专项方案并经审批"),
            MeasureTemplate("ppe", "作业人员佩戴安全帽、穿防滑鞋，司索人员佩戴防护手套"),
            MeasureTemplate("training", "司机、指挥和司索人员统一使用标准指挥信号，作业前进行安全交底"),
        ),
        emergency_actions="立即发出紧急停止信号，司机停止动作并按下急停；吊物悬空时保持稳定，禁止人员进入吊物下方；有人员受伤拨打120，保护现场并报告安全总监",
        citation=f"GB 6067.1-2010；{_LAW}第十四条；TSG Z6001-2019",
    ),
)


# --------------------------------------------------------------------------------------------------------------------
# 锅炉 (1000)
# --------------------------------------------------------------------------------------------------------------------

_BOILER_TEMPLATES = (
    RiskTemplate(
        code="BLR-SAFETY-VALVE",
        catalog_prefixes=("1000",),
        title="安全阀失效或超期未校验",
        hazard_source="安全阀超过校验有效期、铅封损坏，阀芯锈死或粘连，排汽管不畅或未固定，在安全阀与锅炉之间装设阀门",
        consequence="锅炉超压时不能及时泄压，导致锅炉爆炸，造成人员伤亡和建筑损毁",
        accident_types=("16", "07"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.2c",),
        measures=(
            MeasureTemplate(
                "engineering",
                "安全阀铅封完好，校验标牌在有效期内（每年至少校验一次），排汽管畅通、固定可靠",
                check=True,
            ),
            MeasureTemplate(
                "management",
                "按锅炉使用管理制度定期进行安全阀手动排放试验并记录；建立安全阀台账，到期送有资质的机构校验",
            ),
            MeasureTemplate("training", "司炉人员掌握安全阀起座压力和超压时的紧急处置程序"),
            MeasureTemplate("emergency", "制定锅炉超压应急处置方案，明确紧急停炉的操作步骤和责任人"),
        ),
        emergency_actions="发现超压且安全阀未起跳，立即停止燃料供应和鼓风、引风，按紧急停炉程序处置，开启排汽阀泄压，撤离无关人员；报告安全总监按重大事故隐患登记，安全阀校验合格后方可恢复运行",
        citation="GB 45067-2024 4.2c；TSG 11-2020",
    ),
    RiskTemplate(
        code="BLR-WATER-LEVEL",
        catalog_prefixes=("1100",),
        title="水位表失灵或低水位报警、联锁保护失效",
        hazard_source="水位表汽水连管堵塞、玻璃板（管）模糊，两只水位表指示不一致；高低水位报警和低水位联锁保护装置失效或被短接",
        consequence="锅炉缺水未被发现，受热面过热变形、爆管；严重缺水后违规进水导致锅炉爆炸",
        accident_types=("16", "07"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.2d", "4.2e"),
        measures=(
            MeasureTemplate(
                "engineering", "水位表清晰可见，最低、最高安全水位和正常水位标志明显，两只水位表指示一致", check=True
            ),
            MeasureTemplate(
                "engineering", "高低水位报警和低水位联锁保护（自动切断燃料供应）经试验有效，试验记录可查", check=True
            ),
            MeasureTemplate("management", "每班冲洗水位表并记录，交接班时核对水位"),
            MeasureTemplate("training", "司炉人员掌握缺水判断方法和“严重缺水严禁向锅炉进水”的处置原则"),
        ),
        emergency_actions="确认缺水时立即停止燃料供应和鼓风、引风，关闭主汽阀；严重缺水或无法判断缺水程度时严禁向锅炉进水；报告安全总监并通知检验机构检查受热面",
        citation="GB 45067-2024 4.2d、4.2e；TSG 11-2020",
    ),
    RiskTemplate(
        code="BLR-FLAME-FAILURE",
        catalog_prefixes=("1000",),
        title="燃油、燃气（煤粉）锅炉熄火保护失效",
        hazard_source="火焰检测器污染、老化或被短接，点火前未按程序吹扫炉膛，燃气阀组检漏装置失效，熄火后燃料继续进入炉膛",
        consequence="炉膛内积聚可燃气体，再次点火时发生炉膛爆炸，造成人员伤亡和炉墙倒塌",
        accident_types=("18", "07"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.2f",),
        measures=(
            MeasureTemplate(
                "engineering", "熄火保护装置经熄火试验能及时切断燃料供应，点火程序控制和点火前吹扫功能正常", check=True
            ),
            MeasureTemplate("engineering", "燃气阀组设有检漏装置和双重切断阀，检漏功能正常"),
            MeasureTemplate("management", "燃烧器每年由制造单位或专业单位调试维护，调试记录存档"),
            MeasureTemplate("training", "司炉人员掌握点火失败后必须重新吹扫再点火的操作要求"),
        ),
        emergency_actions="熄火后立即切断燃料供应，保持引风对炉膛进行充分吹扫，严禁未经吹扫重新点火；熄火保护失效时停炉，报告安全总监按重大事故隐患登记",
        citation="GB 45067-2024 4.2f；TSG 11-2020",
    ),
    RiskTemplate(
        code="BLR-PRESSURE-GAUGE",
        catalog_prefixes=("1000",),
        title="压力表失准或主要运行参数无法监视",
        hazard_source="压力表超过检定周期、表盘模糊或无压时指针不归零，未标示工作压力红线，存水弯管堵塞；控制或仪表电源中断，压力、水位、温度等主要参数无法监视和调整",
        consequence="锅炉超压运行未被发现，导致锅炉爆炸或受压元件损坏",
        accident_types=("16",),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.2b",),
        measures=(
            MeasureTemplate(
                "engineering",
                "压力表在检定有效期内（一般不超过6个月），表盘清晰、标有工作压力红线，三通旋塞处于正常工作位置",
                check=True,
            ),
            MeasureTemplate("engineering", "控制系统和热工仪表配置不间断电源或备用电源，断电报警有效"),
            MeasureTemplate("management", "建立压力表等热工仪表台账，到期送法定计量检定机构检定"),
            MeasureTemplate("training", "司炉人员掌握压力表冲洗和校对方法，能识别仪表失准"),
        ),
        emergency_actions="主要参数无法监视时立即按紧急停炉程序停止燃料供应，打开排汽阀泄压；报告安全总监按重大事故隐患登记，更换仪表或恢复电源后方可运行",
        citation="GB 45067-2024 4.2b；TSG 11-2020；JJG 52-2013",
    ),
    RiskTemplate(
        code="BLR-WATER-TREATMENT",
        catalog_prefixes=("1100", "1200"),
        title="水质不合格导致结垢、腐蚀",
        hazard_source="未配备水处理设备或设备失效，未按规定化验给水、锅水，排污不及时，水质超出GB/T 1576-2018要求",
        consequence="受热面结垢过热、鼓包、爆管，腐蚀减薄导致受压元件破裂",
        accident_types=("16", "07"),
        factors=_ls(3, 4),
        measures=(
            MeasureTemplate(
                "management", "按规定频次化验给水硬度和锅水碱度等指标，化验记录完整且结果符合GB/T 1576-2018", check=True
            ),
            MeasureTemplate("training", "水处理作业人员持G3证（锅炉水处理）上岗", check=True),
            MeasureTemplate("engineering", "水处理设备运行正常，再生和树脂更换记录可查"),
            MeasureTemplate("management", "按规定进行定期排污和连续排污并记录"),
        ),
        emergency_actions="水质严重超标时加强排污并查明原因，必要时降负荷运行；发现受热面鼓包、泄漏立即停炉，报告安全总监并通知检验机构检验",
        citation="TSG 11-2020；GB/T 1576-2018",
    ),
    RiskTemplate(
        code="BLR-OPERATOR",
        catalog_prefixes=("1000",),
        title="司炉人员无证操作或脱岗",
        hazard_source="司炉人员未取得G1（工业锅炉司炉）或G2（电站锅炉司炉）证书或证书过期，运行中脱岗、睡岗，交接班未检查和记录",
        consequence="误操作或异常工况未及时处置，导致缺水、超压、炉膛爆炸等事故",
        accident_types=("16", "18", "07"),
        factors=_ls(3, 4),
        measures=(
            MeasureTemplate(
                "management", "当班司炉人员持有效G1或G2证书，运行记录和交接班记录完整、签字齐全", check=True
            ),
            MeasureTemplate("management", "按锅炉台数和运行班次配足持证司炉人员，运行期间不得脱岗"),
            MeasureTemplate("training", "每年开展操作规程和缺水、超压、熄火等应急处置培训并考核"),
            MeasureTemplate("emergency", "司炉人员因故离岗时由持证人员顶岗，无人顶岗时按正常停炉程序停炉"),
        ),
        emergency_actions="发现无人值守或无证操作时立即安排持证司炉人员接岗，必要时停炉；对责任人进行处理并记录",
        citation=f"{_LAW}第十四条；TSG Z6001-2019；TSG 11-2020",
    ),
    RiskTemplate(
        code="BLR-GAS-LEAK",
        catalog_prefixes=("1000",),
        point_kind="site",
        title="燃气锅炉房燃气泄漏",
        hazard_source="燃气管道、阀门、燃烧器接口泄漏，可燃气体报警器失效或未与紧急切断阀联锁，锅炉房通风不良，泄压设施不符合要求",
        consequence="燃气积聚遇点火源发生爆炸、火灾，人员中毒窒息",
        accident_types=("18", "08", "19"),
        factors=_ls(3, 5),
        measures=(
            MeasureTemplate(
                "engineering", "可燃气体报警器在检定有效期内，报警时联锁关闭燃气紧急切断阀并启动事故排风", check=True
            ),
            MeasureTemplate("management", "每班检查燃气管道、阀门和燃烧器接口，用检漏仪或肥皂水检漏并记录"),
            MeasureTemplate("training", "司炉人员掌握燃气泄漏时关阀、通风、禁止操作电器的处置要求"),
            MeasureTemplate("emergency", "制定燃气泄漏应急预案，每年至少演练一次"),
        ),
        emergency_actions="立即关闭燃气紧急切断阀和总阀，打开门窗通风，严禁开关电器和使用明火，撤离人员至安全区域；在安全地点拨打燃气抢修电话和119",
        citation="GB 50041-2020；TSG 11-2020",
    ),
    RiskTemplate(
        code="BLR-INSPECTION-OVERDUE",
        catalog_prefixes=("1000",),
        title="定期检验超期或检验结论为“不符合要求”仍使用",
        hazard_source="外部检验、内部检验超期未申请，或定期检验结论为“不符合要求”后继续使用",
        consequence="受压元件缺陷、安全附件失效未被发现，导致锅炉爆炸、爆管等事故；属于依法不得继续使用的情形",
        accident_types=("16", "07"),
        factors=_ls(4, 5),
        minimum_level="major",
        gb45067_clauses=("4.2a",),
        measures=(
            MeasureTemplate("management", "锅炉定期检验报告在有效期内，下次检验日期未过期", check=True),
            MeasureTemplate("management", "在检验有效期届满前1个月向检验机构申请检验，并在平台设置到期提醒"),
            MeasureTemplate("training", "安全员掌握TSG 11-2020规定的外部检验、内部检验周期"),
            MeasureTemplate("emergency", "检验超期或结论不符合要求的锅炉立即停止运行并设置停用标志"),
        ),
        emergency_actions="立即按正常停炉程序停止运行并设置停用警示标志；报告安全总监按重大事故隐患登记，检验合格后方可恢复运行",
        citation=f"{_LAW}第四十条；GB 45067-2024 4.2a；TSG 11-2020",
    ),
)


# --------------------------------------------------------------------------------------------------------------------
# 压力容器 (2100 fixed, 2200 mobile, 2400 oxygen chambers)
# --------------------------------------------------------------------------------------------------------------------

_PRESSURE_VESSEL_TEMPLATES = (
    RiskTemplate(
        code="PV-SAFETY-VALVE",
        catalog_prefixes=_PRESSURE_VESSELS,
        title="安全阀、爆破片装置失效或超期未校验",
        hazard_source="安全阀超过校验有效期、铅封损坏，安全阀与容器之间的截止阀未全开或未铅封，爆破片超过更换周期或装反",
        consequence="容器超压时不能及时泄放，导致容器爆炸，有毒、易燃介质泄漏",
        accident_types=("17", "19", "08"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.3c",),
        measures=(
            MeasureTemplate(
                "engineering",
                "安全阀校验标牌在有效期内、铅封完好；安全阀与容器之间的截止阀全开并加铅封或锁定",
                check=True,
            ),
            MeasureTemplate("engineering", "爆破片装置在规定的更换周期内，安装方向正确，夹持器无泄漏", check=True),
            MeasureTemplate("management", "建立安全附件台账，安全阀到期送有资质的机构校验，爆破片按期更换"),
            MeasureTemplate("training", "操作人员掌握安全阀起跳、爆破片爆破后的处置程序"),
        ),
        emergency_actions="安全阀起跳或爆破片爆破时立即切断进料、降低压力，查明超压原因；介质泄漏时划定警戒区、佩戴防护器具处置；安全附件失效时停止运行，按重大事故隐患登记",
        citation="GB 45067-2024 4.3c；TSG 21-2016",
    ),
    RiskTemplate(
        code="PV-PRESSURE-GAUGE",
        catalog_prefixes=_PRESSURE_VESSELS,
        title="压力表、测温仪表失准",
        hazard_source="压力表超过检定周期，量程选用不当，未标示最高允许工作压力红线，测温仪表失效",
        consequence="容器超压、超温运行未被发现，导致容器破裂或介质泄漏",
        accident_types=("17",),
        factors=_ls(3, 4),
        measures=(
            MeasureTemplate(
                "engineering",
                "压力表在检定有效期内，量程为工作压力的1.5～3倍，表盘标有最高允许工作压力红线",
                check=True,
            ),
            MeasureTemplate("management", "建立仪表台账，压力表到期送法定计量检定机构检定（一般不超过6个月）"),
            MeasureTemplate("training", "操作人员能识别压力表失准（无压不归零、指针跳动）并及时更换"),
        ),
        emergency_actions="仪表失准时立即用备用仪表核对压力、温度，无法监视时降压停止运行；更换合格仪表后方可恢复",
        citation="TSG 21-2016；JJG 52-2013",
    ),
    RiskTemplate(
        code="PV-QUICK-OPEN-INTERLOCK",
        catalog_prefixes=("2100",),
        title="快开门式压力容器安全联锁装置失效",
        hazard_source="快开门未完全闭合锁紧即可升压，或容器内仍有压力时快开门能被打开；安全联锁装置被拆除、短接，排汽（泄压）阀失效；操作人员未取得R1证",
        consequence="带压开门或门未闭合升压，门盖飞出、介质喷出，造成人员死亡和严重烫伤",
        accident_types=("17", "07"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.3d",),
        measures=(
            MeasureTemplate(
                "engineering",
                "快开门未完全闭合锁紧时容器不能升压，容器内压力未完全释放时快开门不能打开，联锁试验有效",
                check=True,
            ),
            MeasureTemplate(
                "management",
                "操作人员持R1证（快开门式压力容器操作），严格执行“先泄压、确认压力表归零、再开门”的操作规程",
                check=True,
            ),
            MeasureTemplate("training", "每年开展快开门操作规程和带压开门事故案例培训"),
            MeasureTemplate("ppe", "开门作业人员佩戴防烫手套和防护面罩，站在快开门侧面操作"),
        ),
        emergency_actions="联锁失效时立即停止使用，泄压至零后设置停用标志，按重大事故隐患登记；发生烫伤立即用冷水冲洗并拨打120",
        citation="GB 45067-2024 4.3d；TSG 21-2016",
    ),
    RiskTemplate(
        code="PV-CORROSION",
        catalog_prefixes=_PRESSURE_VESSELS,
        title="腐蚀、冲蚀导致壁厚减薄或开裂",
        hazard_source="介质腐蚀、冲刷或应力腐蚀导致筒体、封头、接管壁厚减薄或开裂，保温层下腐蚀未被发现，未按规定进行年度检查",
        consequence="容器局部破裂，介质泄漏引发爆炸、火灾或中毒",
        accident_types=("17", "08", "19"),
        factors=_ls(3, 4),
        measures=(
            MeasureTemplate(
                "engineering", "容器本体及接管、阀门连接部位无泄漏、无异常变形，外表面无明显腐蚀和渗漏痕迹", check=True
            ),
            MeasureTemplate("management", "每年至少进行一次年度检查；定期检验时对易腐蚀部位测厚，建立壁厚监测记录"),
            MeasureTemplate("training", "操作人员掌握介质腐蚀特性和巡检中发现泄漏的报告程序"),
        ),
        emergency_actions="发现泄漏立即降压、切断进料，划定警戒区并佩戴防护器具处置；泄漏无法控制时紧急停止运行、疏散人员并拨打119",
        citation="TSG 21-2016",
    ),
    RiskTemplate(
        code="PV-OVERPRESSURE",
        catalog_prefixes=_PRESSURE_VESSELS,
        title="超压、超温或超量充装运行",
        hazard_source="工艺控制失误、减压阀失灵或反应失控，容器超过最高允许工作压力或温度运行；液化气体储罐超量充装",
        consequence="容器破裂爆炸，介质泄漏引发火灾、中毒",
        accident_types=("17", "08", "19"),
        factors=_ls(3, 5),
        measures=(
            MeasureTemplate(
                "engineering",
                "工作压力、温度不超过铭牌和使用登记证规定的最高允许值，液位计指示清晰且未超过规定充装量",
                check=True,
            ),
            MeasureTemplate("engineering", "设置超压、超温报警和联锁，报警值设定正确"),
            MeasureTemplate("management", "严格执行操作规程和巡回检查制度，运行记录完整"),
            MeasureTemplate("training", "操作人员掌握容器操作参数限值和超压时的紧急处置程序"),
        ),
        emergency_actions="立即采取降压措施（切断进料、开启放空或泄压阀），超压无法控制时紧急停止运行并撤离人员；介质泄漏时划定警戒区、佩戴防护器具处置，报告安全总监",
        citation="TSG 21-2016",
    ),
    RiskTemplate(
        code="PV-MOBILE-EMERGENCY-SHUTOFF",
        catalog_prefixes=("2200",),
        title="移动式压力容器紧急切断装置失效",
        hazard_source="汽车罐车、罐式集装箱等的紧急切断阀关闭不严，远程控制系统或易熔合金塞（温控）失效，装卸时未启用紧急切断装置",
        consequence="装卸软管破裂或车辆碰撞时介质大量泄漏，引发火灾爆炸或中毒",
        accident_types=("18", "17", "19"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.3c",),
        measures=(
            MeasureTemplate("engineering", "紧急切断阀在远程操作下能迅速关闭且无内漏，易熔合金塞完好", check=True),
            MeasureTemplate("management", "装卸前检查紧急切断装置，装卸全程有持R2证人员值守并记录"),
            MeasureTemplate("training", "装卸人员掌握紧急切断装置的操作位置和泄漏时的处置程序"),
            MeasureTemplate("ppe", "装卸人员穿防静电工作服，佩戴防护手套和护目镜"),
        ),
        emergency_actions="立即启动紧急切断装置、停止装卸，熄灭周边火源并设置警戒区，疏散无关人员；泄漏无法控制时拨打119并报告安全总监",
        citation="GB 45067-2024 4.3c；TSG R0005-2011",
    ),
    RiskTemplate(
        code="PV-OXYGEN-CHAMBER",
        catalog_prefixes=("2400",),
        title="氧舱接地、安全联锁失效及舱内火灾",
        hazard_source="氧舱接地装置缺失或接地电阻不合格，安全联锁功能失效，舱内氧浓度超限，进舱人员携带火种、易燃物或穿着易产生静电的衣物",
        consequence="舱内富氧环境下发生火灾、爆燃，造成舱内人员死亡",
        accident_types=("08", "18"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.3e", "4.3f"),
        measures=(
            MeasureTemplate(
                "engineering", "接地装置连接可靠、接地电阻经测试合格，舱内氧浓度监测报警和安全联锁功能有效", check=True
            ),
            MeasureTemplate(
                "management", "进舱前逐人检查，严禁携带火种、易燃易爆物品和穿着易产生静电的衣物", check=True
            ),
            MeasureTemplate("training", "氧舱维护保养人员持R3证，操舱人员掌握舱内火灾应急处置程序"),
            MeasureTemplate("emergency", "制定舱内火灾应急预案，定期试验舱内水喷淋灭火系统并演练"),
        ),
        emergency_actions="舱内起火立即启动水喷淋灭火系统，停止供氧并切断舱内电源，迅速减压开舱救出人员；拨打119、120，报告安全总监",
        citation="GB 45067-2024 4.3e、4.3f；TSG 24-2015",
    ),
    RiskTemplate(
        code="PV-INSPECTION-OVERDUE",
        catalog_prefixes=("2100", "2200", "2400"),
        title="定期检验超期或检验结论为“不符合要求”仍使用",
        hazard_source="定期检验超期未申请，或检验结论为“不符合要求”（安全状况等级为5级）后继续使用",
        consequence="腐蚀减薄、裂纹等缺陷未被发现，导致容器破裂爆炸、介质泄漏；属于依法不得继续使用的情形",
        accident_types=("17", "19"),
        factors=_ls(4, 5),
        minimum_level="major",
        gb45067_clauses=("4.3a",),
        measures=(
            MeasureTemplate("management", "压力容器定期检验报告在有效期内，下次检验日期未过期", check=True),
            MeasureTemplate("management", "在检验有效期届满前1个月向检验机构申请检验，并在平台设置到期提醒"),
            MeasureTemplate("training", "安全员掌握TSG 21-2016按安全状况等级确定的检验周期"),
            MeasureTemplate("emergency", "检验超期或结论不符合要求的容器立即停止运行，泄压、置换并设置停用标志"),
        ),
        emergency_actions="立即停止运行，按操作规程泄压、排放介质并置换，设置停用警示标志；报告安全总监按重大事故隐患登记，检验合格后方可恢复使用",
        citation=f"{_LAW}第四十条；GB 45067-2024 4.3a；TSG 21-2016",
    ),
)


# --------------------------------------------------------------------------------------------------------------------
# 气瓶充装 (2300): activities of the filling station, by job hazard analysis
# --------------------------------------------------------------------------------------------------------------------

_CYLINDER_FILLING_TEMPLATES = (
    _activity(
        code="ACT-FILL-WRONG-MEDIUM",
        catalog_prefixes=_CYLINDERS,
        title="气瓶充装作业——错装介质",
        hazard_source="充装前未核对气瓶钢印标记、颜色标志、瓶阀出口螺纹和电子识读标志，未确认余气与充装介质一致，将可燃气体与助燃气体混装或充入非本介质气瓶",
        consequence="瓶内可燃气体与氧气混合发生化学爆炸，或介质与瓶体材料不相容导致气瓶破裂，造成充装人员及周边人员伤亡",
        accident_types=("17", "18"),
        factors=_lec(3, 6, 40),
        minimum_level="major",
        gb45067_clauses=("4.5b",),
        measures=(
            MeasureTemplate(
                "engineering",
                "充装系统扫描气瓶电子识读标志自动核验介质、检验日期和产权，核验不通过不能充装",
                check=True,
            ),
            MeasureTemplate(
                "management",
                "充装前逐只检查钢印标记、颜色标志、瓶阀出口螺纹与充装介质相符并确认余压，充装前检查记录完整",
                check=True,
            ),
            MeasureTemplate("management", "不同介质的充装区域（充装排）分开设置并有明显标识，气瓶专瓶专用"),
            MeasureTemplate("training", "充装人员持P证（气瓶充装），掌握各类气瓶的颜色标志和瓶阀接口区别"),
            MeasureTemplate("emergency", "制定错装介质应急处置方案，设置错装气瓶隔离区并定期演练"),
        ),
        emergency_actions="立即停止充装，关闭瓶阀和充装阀门，将错装气瓶移至隔离区并标记，严禁敲击和接近火源；由专业人员按规定泄放、置换处理；报告安全总监按重大事故隐患登记",
        citation="GB 45067-2024 4.5b；TSG 23-2021",
    ),
    _activity(
        code="ACT-FILL-OVERFILL",
        catalog_prefixes=_CYLINDERS,
        title="气瓶充装作业——超装",
        hazard_source="液化气体未按充装系数（充装量）称重充装，充装秤未检定或失准，充装后未复秤；压缩气体充装压力超过规定值或未按温度修正",
        consequence="液化气体气瓶满液后随温度升高压力急剧上升导致气瓶爆炸，压缩气体超压导致气瓶破裂",
        accident_types=("17",),
        factors=_lec(3, 6, 15),
        measures=(
            MeasureTemplate(
                "engineering", "充装秤在检定有效期内，具备超装自动切断功能，称量范围与气瓶规格匹配", check=True
            ),
            MeasureTemplate("management", "充装后逐瓶复秤（或复测压力），超装气瓶立即处理，复秤记录完整", check=True),
            MeasureTemplate("training", "充装人员掌握各介质的充装系数或充装压力及温度修正方法"),
            MeasureTemplate("emergency", "超装气瓶在安全区域按规程回收超装部分，严禁出站"),
        ),
        emergency_actions="发现超装立即停止该瓶充装，在安全区域按规程回收超装介质，严禁超装气瓶出站；气瓶受热或压力异常时用水喷淋降温并撤离人员",
        citation="TSG 23-2021",
    ),
    _activity(
        code="ACT-FILL-UNQUALIFIED-CYLINDER",
        catalog_prefixes=_CYLINDERS,
        title="气瓶充装作业——充装超期未检、报废或达到报废条件的气瓶",
        hazard_source="充装前未检查气瓶检验日期和外观，将超过检验周期、已报废或达到报废条件（超过设计使用年限、严重腐蚀或损伤）的气瓶，以及无电子识读标志或不属于本单位充装范围的气瓶充装",
        consequence="有缺陷的气瓶在充装或使用中破裂、爆炸，造成人员伤亡",
        accident_types=("17",),
        factors=_lec(3, 6, 15),
        minimum_level="significant",
        gb45067_clauses=("4.1a",),
        measures=(
            MeasureTemplate(
                "engineering", "扫码核验系统自动拦截超过检验日期、已报废或不属于本单位充装范围的气瓶", check=True
            ),
            MeasureTemplate(
                "management", "充装前检查气瓶检验标志在有效期内，瓶体无裂纹、鼓包、严重腐蚀和机械损伤", check=True
            ),
            MeasureTemplate("management", "不合格气瓶隔离存放，按规定送检或报废（消除使用功能）并记录"),
            MeasureTemplate("training", "充装人员掌握TSG 23-2021规定的气瓶检验周期和报废条件"),
        ),
        emergency_actions="发现不合格气瓶立即停止充装，已充装的按规程回收介质，将气瓶隔离存放并标记；报告安全总监，送检验机构检验或报废处理",
        citation="GB 45067-2024 4.1a；TSG 23-2021",
    ),
    _activity(
        code="ACT-FILL-EMERGENCY-SHUTOFF",
        catalog_prefixes=_CYLINDERS,
        title="气瓶充装作业——充装设备紧急切断装置失效",
        hazard_source="储罐出液管、充装台（排）的紧急切断阀关闭不严，控制气源或电源失效，现场或远程操作按钮失灵，未定期进行关闭试验",
        consequence="充装软管破裂或阀门泄漏时不能迅速切断，介质大量泄漏引发火灾爆炸或中毒",
        accident_types=("18", "08", "19"),
        factors=_lec(3, 6, 15),
        minimum_level="significant",
        gb45067_clauses=("4.5c",),
        measures=(
            MeasureTemplate(
                "engineering", "紧急切断阀在现场和远程均能迅速关闭，关闭后无内漏，关闭试验记录完整", check=True
            ),
            MeasureTemplate("management", "定期对紧急切断装置进行关闭试验和维护，发现失效立即停止充装"),
            MeasureTemplate("training", "充装人员熟悉紧急切断按钮位置，掌握泄漏时的切断和报告程序"),
            MeasureTemplate("emergency", "制定充装泄漏应急预案，配备堵漏器材，每年至少演练一次"),
        ),
        emergency_actions="立即按下紧急切断按钮并关闭相关阀门，停止全部充装作业，熄灭火源、设置警戒区并疏散人员；泄漏无法控制时拨打119，报告安全总监按重大事故隐患登记",
        citation="GB 45067-2024 4.5c；TSG 23-2021",
    ),
    _activity(
        code="ACT-FILL-STATIC-LEAK",
        catalog_prefixes=_CYLINDERS,
        title="气瓶充装作业——静电积聚与介质泄漏",
        hazard_source="充装设备、管道静电接地不良或跨接缺失，作业人员未消除人体静电、穿化纤服装，充装卡具和软管密封不良，瓶阀泄漏未检测，充装间可燃（有毒）气体报警器失效、通风不良",
        consequence="可燃气体泄漏积聚遇静电火花发生火灾、爆炸，有毒气体泄漏造成中毒窒息",
        accident_types=("08", "18", "19"),
        factors=_lec(1, 6, 15),
        measures=(
            MeasureTemplate(
                "engineering",
                "充装设备、管道静电接地和跨接完好，人体静电释放装置有效，气体报警器在检定有效期内并与排风联锁",
                check=True,
            ),
            MeasureTemplate("management", "充装后逐瓶检查瓶阀和瓶体泄漏，检漏记录完整"),
            MeasureTemplate("ppe", "充装人员穿防静电工作服和防静电鞋，不得携带手机等火种进入充装区", check=True),
            MeasureTemplate("training", "充装人员掌握静电危害、泄漏检查方法和泄漏时的处置程序"),
        ),
        emergency_actions="发现泄漏立即关闭瓶阀和充装阀门，停止充装，加强通风，严禁开关电器和使用明火；泄漏气瓶移至安全区域处理，发生火灾拨打119并报告安全总监",
        citation="TSG 23-2021",
    ),
    _activity(
        code="ACT-FILL-LICENCE",
        catalog_prefixes=_CYLINDERS,
        title="气瓶充装作业——无证充装或超出许可范围充装",
        hazard_source="充装许可证超过有效期仍充装，或充装许可证载明范围以外的介质、气瓶品种",
        consequence="不具备安全条件的充装导致错装、超装和气瓶爆炸；属于重大事故隐患和重大违法行为",
        accident_types=("17", "18"),
        factors=_lec(3, 6, 40),
        minimum_level="major",
        gb45067_clauses=("4.5a",),
        measures=(
            MeasureTemplate(
                "management",
                "充装许可证在有效期内，充装介质和气瓶品种与许可范围一致，许可证公示于充装站醒目位置",
                check=True,
            ),
            MeasureTemplate("management", "许可证到期前按规定提前申请换证，许可条件变化时及时办理变更"),
            MeasureTemplate("training", "安全管理人员掌握TSG 07-2019充装许可条件和许可范围"),
            MeasureTemplate("emergency", "发现超出许可范围的充装任务立即拒绝或停止充装，报告安全总监"),
        ),
        emergency_actions="立即停止充装，已充装的气瓶隔离存放不得出站；报告安全总监按重大事故隐患登记，取得相应许可后方可恢复充装",
        citation=f"GB 45067-2024 4.5a；{_LAW}第四十九条；TSG 07-2019",
    ),
)


# --------------------------------------------------------------------------------------------------------------------
# 场（厂）内专用机动车辆 (5000): forklifts 5110 and sightseeing vehicles 5200
# --------------------------------------------------------------------------------------------------------------------

_VEHICLE_TEMPLATES = (
    RiskTemplate(
        code="FLT-BRAKE",
        catalog_prefixes=_IN_SITE_VEHICLES,
        title="行车制动或驻车制动失效",
        hazard_source="制动液不足或管路泄漏，制动蹄片（摩擦片）磨损超限，驻车制动失效，制动踏板行程异常",
        consequence="车辆不能及时停车或在坡道溜车，撞击、碾压人员，造成人员伤亡",
        accident_types=("02",),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.10c",),
        measures=(
            MeasureTemplate("engineering", "作业前试验行车制动和驻车制动有效，制动液液位正常、管路无渗漏", check=True),
            MeasureTemplate("management", "按TSG 81-2022进行日常检查和定期自行检查，制动系统检查记录完整"),
            MeasureTemplate("training", "驾驶员掌握制动失效时的应急操作（降挡、利用驻车制动、避让人员）"),
        ),
        emergency_actions="发现制动失效立即停止使用，将车辆停放在平坦安全处并采取防溜措施，设置停用标志；按重大事故隐患登记，修复并检查合格后方可使用",
        citation="GB 45067-2024 4.10c；TSG 81-2022",
    ),
    RiskTemplate(
        code="FLT-EMERGENCY-POWER-OFF",
        catalog_prefixes=_IN_SITE_VEHICLES,
        title="电动车辆紧急断电开关缺失或失效",
        hazard_source="蓄电池叉车、电动观光车辆的紧急断电开关缺失、损坏或被短接，失控时无法切断驱动电源",
        consequence="控制器故障导致车辆失控暴冲时无法停车，撞击、碾压人员",
        accident_types=("02",),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.10b",),
        measures=(
            MeasureTemplate("engineering", "紧急断电开关位于驾驶员便于操作的位置，按下后能切断驱动电源", check=True),
            MeasureTemplate("management", "维修时不得拆除或短接紧急断电开关，维修后试验并记录"),
            MeasureTemplate("training", "驾驶员熟悉紧急断电开关位置，车辆失控时立即按下"),
        ),
        emergency_actions="车辆失控时立即按下紧急断电开关并踩下制动；开关失效的车辆立即停止使用，按重大事故隐患登记，修复后方可使用",
        citation="GB 45067-2024 4.10b；TSG 81-2022；GB 10827.1-2014",
    ),
    RiskTemplate(
        code="FLT-OVERLOAD",
        catalog_prefixes=_FORKLIFTS,
        title="超载、偏载或重心过高导致倾翻",
        hazard_source="超过额定起重量或载荷中心距叉装货物，货物偏载、堆码过高，货叉升高状态下行驶或急转弯，在坡道上横向行驶或转向",
        consequence="叉车纵向或侧向倾翻、货物坠落，驾驶员被压或周边人员被砸",
        accident_types=("02", "01"),
        factors=_ls(3, 4),
        measures=(
            MeasureTemplate(
                "engineering", "额定起重量（载荷曲线）标牌清晰，护顶架、挡货架和座椅安全带完好", check=True
            ),
            MeasureTemplate("management", "装卸前确认货物重量和重心，禁止超载和偏载叉装"),
            MeasureTemplate("ppe", "驾驶员作业时系好安全带"),
            MeasureTemplate("training", "驾驶员掌握倾翻时不得跳车，应握紧方向盘、身体向倾翻反方向倾斜的自救方法"),
        ),
        emergency_actions="发生倾翻后立即切断电源或熄火，确认人员伤情并拨打120；货物坠落时设置警戒区，清理后检查车辆，修复合格后方可使用",
        citation="TSG 81-2022；GB 10827.1-2014",
    ),
    RiskTemplate(
        code="FLT-DRIVER-CERT",
        catalog_prefixes=_FORKLIFTS,
        title="叉车司机无证驾驶或违章驾驶",
        hazard_source="驾驶人员未取得N1证（叉车司机）或证书超过有效期，钥匙管理失控、非司机随意驾驶，货叉载人、酒后驾驶",
        consequence="误操作导致撞人、倾翻、货物坠落，造成人员伤亡",
        accident_types=("02", "01"),
        factors=_ls(4, 4),
        measures=(
            MeasureTemplate("management", "当班叉车司机持有效N1证，车辆钥匙专人保管、领用登记", check=True),
            MeasureTemplate("engineering", "叉车加装驾驶人身份识别启动装置（刷卡或人脸识别），未授权人员不能启动车辆"),
            MeasureTemplate("management", "严禁货叉载人和用货叉托举人员登高作业"),
            MeasureTemplate("training", "叉车司机每年接受安全操作规程和事故案例培训"),
        ),
        emergency_actions="发现无证驾驶立即制止并收回钥匙，车辆停放在安全位置；发生事故立即停车断电、救助伤员并拨打120，保护现场并报告安全总监",
        citation=f"{_LAW}第十四条；TSG Z6001-2019；TSG 81-2022",
    ),
    RiskTemplate(
        code="FLT-VISIBILITY-SPEED",
        catalog_prefixes=_FORKLIFTS,
        title="视线受阻、超速行驶或警示装置失效",
        hazard_source="货物遮挡视线时正向行驶，转弯、路口未减速鸣笛，倒车无提示；喇叭、倒车蜂鸣器、照明和警示灯失效，后视镜缺损",
        consequence="撞击、碾压行人或其他车辆",
        accident_types=("02",),
        factors=_ls(3, 4),
        measures=(
            MeasureTemplate(
                "engineering", "喇叭、转向灯、倒车蜂鸣器、照明灯和后视镜齐全有效，限速装置（如设置）有效", check=True
            ),
            MeasureTemplate("management", "厂区、库区设置限速标志，货物遮挡视线时倒车行驶或由专人引导"),
            MeasureTemplate("training", "驾驶员掌握“转弯、路口、出入库门减速鸣笛”等安全驾驶要求"),
        ),
        emergency_actions="警示装置失效时停止使用并报修；发生撞人事故立即停车断电、救助伤员并拨打120，保护现场并报告安全总监",
        citation="TSG 81-2022；GB 10827.1-2014",
    ),
    _activity(
        code="ACT-FORKLIFT-AREA",
        catalog_prefixes=_FORKLIFTS,
        title="叉车作业区域人车混行作业",
        hazard_source="仓库、装卸平台的人行通道与叉车通道未分隔，作业区无警示和限速标志，人员在叉车作业范围内或货叉下方停留，装卸平台边缘无挡车设施，货车未固定即驶入车厢作业",
        consequence="叉车撞击、碾压行人，叉车从装卸平台坠落，货物倒塌砸人",
        accident_types=("02", "01"),
        factors=_lec(3, 6, 15),
        measures=(
            MeasureTemplate(
                "engineering", "人行通道与叉车通道用标线或护栏分隔，交叉口设置凸面镜和限速、禁止停留标志", check=True
            ),
            MeasureTemplate("ppe", "作业区域内人员穿反光背心、戴安全帽", check=True),
            MeasureTemplate("engineering", "装卸平台边缘设置挡车设施，货车停稳后使用止退垫块固定"),
            MeasureTemplate("management", "划定叉车作业区域并限制无关人员进入，严禁人员在货叉下方停留"),
            MeasureTemplate("training", "对进入作业区域的员工和外来司机进行人车混行安全告知"),
        ),
        emergency_actions="发生碰撞或碾压立即停车断电，救助伤员并拨打120；货物倒塌时设置警戒区，防止二次倒塌，保护现场并报告安全总监",
        citation="TSG 81-2022",
    ),
    RiskTemplate(
        code="SSV-GRADIENT",
        catalog_prefixes=("5200",),
        title="观光车辆超过最大运行坡度行驶",
        hazard_source="观光车辆、观光列车在超过产品规定最大运行坡度的路段运行，运行线路未经评估，坡道无限速标志，超员乘坐",
        consequence="上坡溜车、下坡制动不足，车辆失控侧翻或冲出线路，造成乘客群死群伤",
        accident_types=("02",),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.10e",),
        measures=(
            MeasureTemplate(
                "engineering", "运行线路最大坡度不超过产品铭牌和使用说明书规定值，坡道设置限速和警示标志", check=True
            ),
            MeasureTemplate("management", "固定运行线路并经安全评估，严禁超员和偏离线路运行"),
            MeasureTemplate("training", "驾驶员持N2证，掌握坡道行驶和制动操作要求"),
        ),
        emergency_actions="发生溜车时立即实施驻车制动并疏散乘客至安全区域；停止在超坡路段运营，按重大事故隐患登记，线路评估合格后方可恢复",
        citation="GB 45067-2024 4.10e；TSG 81-2022",
    ),
    RiskTemplate(
        code="SSV-TRAIN-COUPLING",
        catalog_prefixes=("5200",),
        title="观光列车牵引连接装置或其二次保护装置失效",
        hazard_source="牵引车与车厢之间的牵引连接装置磨损、锁销缺失，二次保护装置（保险链、保险钢丝绳）缺失或失效",
        consequence="车厢脱钩后溜车、碰撞，乘客摔落受伤",
        accident_types=("02",),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.10d",),
        measures=(
            MeasureTemplate(
                "engineering", "牵引连接装置和二次保护装置齐全，锁销锁止可靠、无裂纹和明显磨损", check=True
            ),
            MeasureTemplate("management", "每日运营前检查牵引连接装置并记录"),
            MeasureTemplate("training", "驾驶员掌握牵引连接装置的检查方法和车厢脱钩时的应急处置"),
        ),
        emergency_actions="车厢脱钩时立即停车，对脱钩车厢采取止动措施并疏散乘客；停止运营，按重大事故隐患登记，修复后方可恢复",
        citation="GB 45067-2024 4.10d；TSG 81-2022",
    ),
    RiskTemplate(
        code="VEH-INSPECTION-OVERDUE",
        catalog_prefixes=("5000",),
        title="定期检验超期或检验不合格仍使用",
        hazard_source="场（厂）内专用机动车辆定期检验超期未申请，或检验结论为“不合格”后继续使用",
        consequence="制动、转向、安全保护装置缺陷未被发现，导致撞人、倾翻等事故；属于依法不得继续使用的情形",
        accident_types=("02",),
        factors=_ls(4, 5),
        minimum_level="major",
        gb45067_clauses=("4.10a",),
        measures=(
            MeasureTemplate("management", "车辆安全检验合格标志和牌照齐全，检验在有效期内", check=True),
            MeasureTemplate("management", "在检验有效期届满前1个月向检验机构申请检验，并在平台设置到期提醒"),
            MeasureTemplate("training", "安全员掌握TSG 81-2022规定的检验周期"),
            MeasureTemplate("emergency", "检验超期或不合格的车辆立即停止使用，收回钥匙并设置停用标志"),
        ),
        emergency_actions="立即停止使用，收回车辆钥匙并设置停用警示标志；报告安全总监按重大事故隐患登记，检验合格后方可恢复使用",
        citation=f"{_LAW}第四十条；GB 45067-2024 4.10a；TSG 81-2022",
    ),
)


# --------------------------------------------------------------------------------------------------------------------
# 大型游乐设施 (6000)
# --------------------------------------------------------------------------------------------------------------------

_RIDE_TEMPLATES = (
    RiskTemplate(
        code="RIDE-RESTRAINT",
        catalog_prefixes=("6000",),
        title="乘客束缚装置缺失或失效",
        hazard_source="安全压杠锁紧机构失效或行程异常，安全带断裂、锁扣失灵，挡杆缺失；压杠未锁紧时设备仍能启动，操作人员未逐一确认乘客束缚状态",
        consequence="运行中乘客被甩出，发生高处坠落或撞击，造成人员死亡",
        accident_types=("09", "03"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.9b",),
        measures=(
            MeasureTemplate(
                "engineering",
                "每个座位的安全压杠、安全带锁紧可靠、无裂纹，锁紧后乘客不能自行打开，锁紧信号与启动联锁有效",
                check=True,
            ),
            MeasureTemplate(
                "management", "每次运行前由服务人员逐一确认乘客束缚装置锁紧，操作人员确认后方可启动", check=True
            ),
            MeasureTemplate("management", "每日运营前试运行并检查束缚装置，日检记录完整"),
            MeasureTemplate("training", "服务人员掌握束缚装置的检查手法和不适宜乘坐人员的劝阻要求"),
        ),
        emergency_actions="发现束缚装置异常立即停机，停止售票和乘客登乘；运行中出现异常按紧急停机程序停机并疏散乘客；有人员受伤拨打120，按重大事故隐患登记",
        citation="GB 45067-2024 4.9b；GB 8408-2018",
    ),
    RiskTemplate(
        code="RIDE-CABIN-DOOR-LOCK",
        catalog_prefixes=("6000",),
        title="座舱舱门锁紧装置缺失或失效",
        hazard_source="观览车、架空游览车等封闭座舱的舱门锁紧装置缺失、磨损失效，二次保险缺失，舱门未锁紧即运行",
        consequence="运行中舱门打开，乘客从高处坠落",
        accident_types=("09",),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.9c",),
        measures=(
            MeasureTemplate("engineering", "舱门锁紧装置及二次保险齐全有效，乘客在舱内无法自行打开舱门", check=True),
            MeasureTemplate("management", "每次运行前由服务人员确认舱门关闭并锁紧"),
            MeasureTemplate("training", "服务人员掌握舱门锁紧检查方法和运行中舱门异常时的处置程序"),
        ),
        emergency_actions="发现舱门未锁紧立即停机，安抚乘客并在安全位置开门疏散；停止运营，按重大事故隐患登记，修复后方可恢复",
        citation="GB 45067-2024 4.9c；GB 8408-2018",
    ),
    RiskTemplate(
        code="RIDE-BRAKE-LIMIT",
        catalog_prefixes=("6000",),
        title="制动、限位、防碰撞及缓冲、止逆行、限速装置失效",
        hazard_source="滑行车类止逆行装置失效，制动装置磨损，限位开关失灵，缓冲器缺损，限速装置失效，多车运行的防碰撞（区段控制）功能失效",
        consequence="车辆倒溜、相撞或冲出轨道，座舱冲顶撞击，造成群死群伤",
        accident_types=("03", "09"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.9d",),
        measures=(
            MeasureTemplate(
                "engineering",
                "试运行确认制动装置、止逆行装置、限位开关和缓冲器有效，防碰撞（区段控制）功能正常",
                check=True,
            ),
            MeasureTemplate("management", "按使用维护说明书进行日检、周检、月检和年检，记录完整"),
            MeasureTemplate("training", "操作人员掌握安全保护装置的试验方法和故障时的紧急停机程序"),
            MeasureTemplate("emergency", "制定设备故障滞留乘客的应急救援预案，配备救援设备并定期演练"),
        ),
        emergency_actions="发现保护装置失效立即紧急停机，按应急救援预案疏散乘客；停止运营，按重大事故隐患登记，修复并试运行合格后方可恢复",
        citation="GB 45067-2024 4.9d；GB 8408-2018",
    ),
    RiskTemplate(
        code="RIDE-STRUCTURE-CRACK",
        catalog_prefixes=("6000",),
        title="主要受力部件、重要焊缝及重要螺栓出现裂纹或严重变形",
        hazard_source="交变载荷下主要受力部件和重要焊缝产生疲劳裂纹、锈蚀，重要螺栓松动、断裂，轴和销轴磨损超限，未按规定进行无损检测",
        consequence="结构断裂导致座舱、臂架坠落或整机倒塌，造成群死群伤",
        accident_types=("09", "10", "01"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.9e",),
        measures=(
            MeasureTemplate(
                "engineering", "重要螺栓防松标记无错位，主要焊缝、销轴目视无裂纹、无明显变形和锈蚀", check=True
            ),
            MeasureTemplate("management", "按使用维护说明书对主要受力部件进行无损检测，到达设计使用寿命的部件及时更换"),
            MeasureTemplate("training", "维修人员持Y1证，掌握重要部位的检查方法和判废要求"),
        ),
        emergency_actions="发现裂纹或严重变形立即停止运营，疏散乘客并设置警戒区；按重大事故隐患登记，经检验机构检验合格后方可恢复",
        citation="GB 45067-2024 4.9e；GB 8408-2018",
    ),
    RiskTemplate(
        code="RIDE-OPERATOR-EVACUATION",
        catalog_prefixes=("6000",),
        title="操作人员无证操作或应急救援不力",
        hazard_source="操作人员未取得Y2证（大型游乐设施操作），运营前未试运行和例行安全检查；停电或故障时乘客滞留高空，手动释放、备用电源等救援设备不能使用，未制定或演练救援预案",
        consequence="误操作造成乘客伤害，乘客长时间滞留高空，救援中发生坠落",
        accident_types=("09", "03", "20"),
        factors=_ls(3, 4),
        measures=(
            MeasureTemplate("management", "操作人员持有效Y2证，每日运营前试运行和例行安全检查记录完整", check=True),
            MeasureTemplate("engineering", "应急救援设备（手动释放装置、备用电源、救援器材）完好可用", check=True),
            MeasureTemplate("emergency", "制定乘客滞留应急救援预案，定期组织演练并记录"),
            MeasureTemplate("training", "操作和服务人员掌握停电、故障时安抚乘客和实施救援的程序"),
        ),
        emergency_actions="停电或故障时立即通过广播安抚乘客，启用备用电源或手动释放装置将乘客送至站台；无法自救时请求专业救援并拨打119，有人员受伤拨打120",
        citation=f"{_LAW}第十四条、第四十三条；GB 8408-2018",
    ),
    RiskTemplate(
        code="RIDE-WATER",
        catalog_prefixes=("6D00",),
        title="水上游乐设施溺水与碰撞",
        hazard_source="落水池水深不当，救生员配备不足或不在岗，乘客下滑间隔控制不当发生追尾，滑道接缝错位、表面破损",
        consequence="乘客溺水、碰撞或被划伤",
        accident_types=("06", "03"),
        factors=_ls(3, 5),
        measures=(
            MeasureTemplate("engineering", "落水池水深符合设计要求，滑道接缝平顺无台阶、表面无破损", check=True),
            MeasureTemplate("management", "救生员按设计要求数量在岗，救生圈等救生器材配备齐全", check=True),
            MeasureTemplate("management", "由服务人员控制乘客下滑间隔，前一名乘客离开落水区后方可放行"),
            MeasureTemplate("ppe", "漂流等项目的乘客按要求穿戴救生衣"),
        ),
        emergency_actions="发现溺水立即停止放行，救生员实施救援并进行心肺复苏，拨打120；发生碰撞受伤停止运营并检查滑道",
        citation="GB 8408-2018",
    ),
    RiskTemplate(
        code="RIDE-INSPECTION-OVERDUE",
        catalog_prefixes=("6000",),
        title="定期检验超期或检验不合格仍使用",
        hazard_source="定期检验超期未申请，或检验结论为“不合格”后继续运营",
        consequence="结构、安全保护装置缺陷未被发现，导致乘客坠落、碰撞等群死群伤事故；属于依法不得继续使用的情形",
        accident_types=("09", "03"),
        factors=_ls(4, 5),
        minimum_level="major",
        gb45067_clauses=("4.9a",),
        measures=(
            MeasureTemplate("management", "安全检验合格标志张贴在设备入口醒目位置，检验在有效期内", check=True),
            MeasureTemplate("management", "在检验有效期届满前1个月向检验机构申请检验，并在平台设置到期提醒"),
            MeasureTemplate("training", "安全员掌握定期检验周期和检验不合格时的停用要求"),
            MeasureTemplate("emergency", "检验超期或不合格的设施立即停止运营，设置停用标志"),
        ),
        emergency_actions="立即停止运营和售票，设置停用警示标志；报告安全总监按重大事故隐患登记，检验合格后方可恢复运营",
        citation=f"{_LAW}第四十条；GB 45067-2024 4.9a；GB 8408-2018",
    ),
)


# --------------------------------------------------------------------------------------------------------------------
# 压力管道 (8000)
# --------------------------------------------------------------------------------------------------------------------

_PIPING_TEMPLATES = (
    RiskTemplate(
        code="PIPE-SAFETY-DEVICE",
        catalog_prefixes=("8000",),
        title="安全阀、爆破片装置、紧急切断装置缺失或失效",
        hazard_source="管道系统安全阀超期未校验、铅封损坏，爆破片超期未更换，紧急切断阀不能关闭或关闭不严",
        consequence="超压时管道破裂，介质泄漏引发火灾爆炸或中毒",
        accident_types=("18", "08", "19"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.4b",),
        measures=(
            MeasureTemplate(
                "engineering",
                "安全阀校验在有效期内、铅封完好，爆破片在更换周期内，紧急切断阀现场和远程关闭试验有效",
                check=True,
            ),
            MeasureTemplate("management", "建立管道安全附件台账，按期校验、更换并记录"),
            MeasureTemplate("training", "操作人员掌握紧急切断阀位置和泄漏时的切断程序"),
            MeasureTemplate("emergency", "制定管道泄漏应急预案，配备堵漏器材并定期演练"),
        ),
        emergency_actions="发生泄漏立即关闭上游切断阀，切断周边火源、设置警戒区并疏散人员；泄漏无法控制时拨打119，报告安全总监按重大事故隐患登记",
        citation="GB 45067-2024 4.4b；TSG D7005-2018",
    ),
    RiskTemplate(
        code="PIPE-LEAK-CORROSION",
        catalog_prefixes=("8000",),
        title="管道腐蚀减薄、泄漏或第三方施工破坏",
        hazard_source="介质腐蚀、冲刷和外腐蚀导致管道壁厚减薄，法兰、阀门密封失效，支吊架失效引起振动，埋地管道上方违章施工、占压",
        consequence="管道破裂或泄漏，引发火灾、爆炸或中毒",
        accident_types=("18", "08", "19"),
        factors=_ls(3, 5),
        measures=(
            MeasureTemplate(
                "engineering", "管道及法兰、阀门连接处无泄漏、无异常振动和明显变形，支吊架完好", check=True
            ),
            MeasureTemplate("engineering", "埋地管道标志桩、警示牌齐全，管道上方无占压", check=True),
            MeasureTemplate(
                "management", "每年至少进行一次年度检查，定期巡线；第三方在管道附近施工前签订安全协议并现场监护"
            ),
            MeasureTemplate("training", "巡检人员掌握泄漏的识别方法和报告程序"),
        ),
        emergency_actions="发现泄漏立即关闭上下游阀门，切断火源、设置警戒区，疏散周边人员；燃气、有毒介质泄漏拨打119并报告安全总监",
        citation="TSG D7005-2018",
    ),
    RiskTemplate(
        code="PIPE-INSPECTION-OVERDUE",
        catalog_prefixes=("8000",),
        title="定期检验超期或检验结论为“不符合要求”“不允许使用”仍使用",
        hazard_source="定期检验超期未申请，或检验结论为“不符合要求”或“不允许使用”后继续使用",
        consequence="腐蚀减薄、裂纹等缺陷未被发现，导致管道破裂、介质泄漏；属于依法不得继续使用的情形",
        accident_types=("18", "19"),
        factors=_ls(4, 5),
        minimum_level="major",
        gb45067_clauses=("4.4a",),
        measures=(
            MeasureTemplate("management", "管道定期检验报告在有效期内，下次检验日期未过期", check=True),
            MeasureTemplate("management", "在检验有效期届满前1个月向检验机构申请检验，并在平台设置到期提醒"),
            MeasureTemplate("training", "安全员掌握管道定期检验周期和年度检查要求"),
            MeasureTemplate("emergency", "检验超期或结论为不允许使用的管道立即停止使用，隔离、泄压并设置停用标志"),
        ),
        emergency_actions="立即停止使用，关闭上下游阀门隔离、泄压并置换，设置停用警示标志；报告安全总监按重大事故隐患登记，检验合格后方可恢复使用",
        citation=f"{_LAW}第四十条；GB 45067-2024 4.4a；TSG D7005-2018",
    ),
)


# --------------------------------------------------------------------------------------------------------------------
# 客运索道 (9000)
# --------------------------------------------------------------------------------------------------------------------

_ROPEWAY_TEMPLATES = (
    RiskTemplate(
        code="ROPE-EMERGENCY-STOP",
        catalog_prefixes=("9000",),
        title="控制室、站台、机房紧急停车开关缺失或失效",
        hazard_source="控制室、上下站站台和机房的紧急停车开关缺失、被遮挡，或按下后不能停车",
        consequence="乘客上下车摔倒、被吊具撞击或设备异常时不能及时停车，造成人员伤亡",
        accident_types=("03", "09"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.8b",),
        measures=(
            MeasureTemplate(
                "engineering", "控制室、各站站台和机房的紧急停车开关齐全、标识清晰，每日运营前试验有效", check=True
            ),
            MeasureTemplate("management", "每日运营前由司机进行紧急停车试验并记录"),
            MeasureTemplate("training", "站台服务人员熟悉紧急停车开关位置和使用时机"),
        ),
        emergency_actions="发现异常立即按下紧急停车开关；紧急停车开关失效时停止运营，按重大事故隐患登记，修复后方可恢复",
        citation="GB 45067-2024 4.8b；GB 12352-2018（客运架空索道）",
    ),
    RiskTemplate(
        code="ROPE-CABIN-DOOR",
        catalog_prefixes=("9100", "9200"),
        title="吊厢、吊篮、客车门不能锁闭仍运行",
        hazard_source="吊厢、吊篮或客车门锁闭机构磨损、失效，门未锁闭时仍发车",
        consequence="运行中乘客从门口坠落，造成人员死亡",
        accident_types=("09",),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.8c",),
        measures=(
            MeasureTemplate("engineering", "吊厢、吊篮、客车门锁闭机构有效，乘客在内部不能自行打开", check=True),
            MeasureTemplate("management", "发车前由站台服务人员确认门已锁闭，门锁异常的吊厢立即停用"),
            MeasureTemplate("training", "站台服务人员掌握门锁检查方法和门锁异常时的处置程序"),
        ),
        emergency_actions="发现门不能锁闭立即停车，将该吊厢（车厢）退出运行；运行中发现时减速运行至站内疏散乘客，按重大事故隐患登记",
        citation="GB 45067-2024 4.8c；GB 12352-2018（客运架空索道）",
    ),
    RiskTemplate(
        code="ROPE-AUX-DRIVE",
        catalog_prefixes=("9000",),
        title="辅机、备用电源不能正常启动",
        hazard_source="辅助驱动装置（辅机）、备用电源（发电机组）维护不到位、燃料不足，未定期试验，主驱动故障或停电时不能启动",
        consequence="停电或主机故障时乘客长时间滞留线路上，需实施线路救援，救援中发生坠落",
        accident_types=("09", "20"),
        factors=_ls(3, 5),
        minimum_level="significant",
        gb45067_clauses=("4.8d",),
        measures=(
            MeasureTemplate("engineering", "辅机和备用电源定期试运行正常，燃料、蓄电池储备充足", check=True),
            MeasureTemplate("management", "按规定周期试运行辅机和备用电源并记录"),
            MeasureTemplate("emergency", "制定线路救援预案，配备救援器材并定期组织救援演练"),
            MeasureTemplate("training", "司机和维修人员持S2、S1证，掌握辅机启动和线路救援程序"),
        ),
        emergency_actions="主驱动故障或停电时立即启动辅机或备用电源，将乘客运回站内；无法启动时按线路救援预案实施救援并安抚乘客，停止运营并按重大事故隐患登记",
        citation="GB 45067-2024 4.8d；GB 12352-2018（客运架空索道）",
    ),
    RiskTemplate(
        code="ROPE-SAFETY-CIRCUIT-BYPASS",
        catalog_prefixes=("9000",),
        title="安全回路故障后短接运行",
        hazard_source="安全回路（钢丝绳位置检测、超速、越位等保护）故障后用短接方法维持运行",
        consequence="保护功能失效时钢丝绳脱索、超速或越位不能停车，造成乘客坠落、撞击，群死群伤",
        accident_types=("09", "03"),
        factors=_ls(4, 5),
        minimum_level="major",
        gb45067_clauses=("4.8e",),
        measures=(
            MeasureTemplate("engineering", "安全回路无短接线，各安全保护开关投入运行，运行日志无短接记录", check=True),
            MeasureTemplate("management", "安全回路故障须查明原因修复并经试验后方可运行，禁止以短接方式恢复运行"),
            MeasureTemplate("training", "司机、维修人员接受安全回路短接危害及GB 45067-2024判定准则培训"),
            MeasureTemplate("emergency", "发现短接立即停止运营，按重大事故隐患登记并报告安全总监"),
        ),
        emergency_actions="立即停止运营，低速将乘客运回站内或按线路救援预案疏散；拆除短接，查明故障原因并修复、试验合格后方可恢复",
        citation="GB 45067-2024 4.8e；GB 12352-2018（客运架空索道）",
    ),
    RiskTemplate(
        code="ROPE-INSPECTION-OVERDUE",
        catalog_prefixes=("9000",),
        title="定期检验超期或检验不合格、复检不合格仍使用",
        hazard_source="定期检验超期未申请，或检验结论为“不合格”“复检不合格”后继续运营",
        consequence="钢丝绳、抱索器、驱动和安全保护装置缺陷未被发现，导致乘客坠落等群死群伤事故；属于依法不得继续使用的情形",
        accident_types=("09", "03"),
        factors=_ls(4, 5),
        minimum_level="major",
        gb45067_clauses=("4.8a",),
        measures=(
            MeasureTemplate("management", "安全检验合格标志张贴在站房醒目位置，检验在有效期内", check=True),
            MeasureTemplate("management", "在检验有效期届满前1个月向检验机构申请检验，并在平台设置到期提醒"),
            MeasureTemplate("training", "安全员掌握客运索道定期检验周期和不合格时的停用要求"),
            MeasureTemplate("emergency", "检验超期或不合格的索道立即停止运营，设置停用标志"),
        ),
        emergency_actions="立即停止运营和售票，设置停用警示标志；报告安全总监按重大事故隐患登记，检验合格后方可恢复运营",
        citation=f"{_LAW}第四十条；GB 45067-2024 4.8a",
    ),
)


# --------------------------------------------------------------------------------------------------------------------
# The library and its look-ups
# --------------------------------------------------------------------------------------------------------------------

RISK_TEMPLATES: tuple[RiskTemplate, ...] = (
    *_BOILER_TEMPLATES,
    *_PRESSURE_VESSEL_TEMPLATES,
    *_CYLINDER_FILLING_TEMPLATES,
    *_ELEVATOR_TEMPLATES,
    *_ESCALATOR_TEMPLATES,
    *_CRANE_TEMPLATES,
    *_VEHICLE_TEMPLATES,
    *_RIDE_TEMPLATES,
    *_PIPING_TEMPLATES,
    *_ROPEWAY_TEMPLATES,
)

_TEMPLATES_BY_CODE: dict[str, RiskTemplate] = {template.code: template for template in RISK_TEMPLATES}


def _prefix_covers(prefix: str, category: str) -> bool:
    # A catalog code's trailing zeros mark the levels below it: "3000" → "3", "3100" → "31", "3110" → "311".
    return category.startswith(prefix.rstrip("0"))


def templates_for(category: str) -> list[RiskTemplate]:
    """The templates that apply to equipment of a catalog code, in library order.

    A template applies when one of its prefixes covers the code: "3000" covers every 3xxx code, "3100" covers
    3110/3120/3130. A code that is not four characters long matches nothing.
    """
    if len(category) != 4:
        return []
    return [
        template
        for template in RISK_TEMPLATES
        if any(_prefix_covers(prefix, category) for prefix in template.catalog_prefixes)
    ]


def template_by_code(code: str) -> RiskTemplate:
    """The template with this code; LookupError when the library has none."""
    try:
        return _TEMPLATES_BY_CODE[code]
    except KeyError:
        raise LookupError(f"no risk template with code {code!r} in the library") from None
