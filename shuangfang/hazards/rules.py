"""Rules for judging hidden hazards in special equipment (隐患排查治理: 重大事故隐患判定).

Pure functions over plain values: no ORM, no I/O. The criteria are the 47 lettered items of chapter 4 of
GB 45067-2024《特种设备重大事故隐患判定准则》(mandatory, in force 2024-12-01), one data row each with its citation, a
confidence mark and the date it took effect, so that a later edition is added as data.

Every item applies only while the equipment "仍继续使用" (is still being used); the items of 4.5 cover filling
activities instead. A hazard that meets any item is a 重大事故隐患 (major accident hazard); a person may raise the grade
of a hazard but never lower it below what the criteria judge.

The item texts are paraphrases of a public transcription that was checked against the official text by its
author, not of the official text itself: confidence "secondary" (marks as in `shuangfang.equipment.rules`). Users see
the family label, the item text, the reasons and the messages, so those are Chinese source strings wrapped for
translation. Citations stay Chinese in every language. Plain ValueError messages are for developers.

Catalog codes are the 4-character codes of the 2014 catalog; a prefix matches every code that starts with its
significant characters (trailing zeros mark the levels below: "3100" matches "3110" and "3120").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangfang.equipment.rules import FAILED_CONCLUSION_TEXT, FAILED_CONCLUSIONS, SECONDARY

GB45067 = "GB 45067-2024《特种设备重大事故隐患判定准则》"
GB45067_EFFECTIVE_FROM = date(2024, 12, 1)

# Kinds of criteria: what sort of fact meets them.
KIND_INSPECTION_FAILED = "inspection_failed"  # an inspection not done or concluding fail
KIND_DEVICE_FAILED = "device_failed"  # a safety accessory or protective device missing, failed or bypassed
KIND_STATUS = "status"  # the equipment's own status (unlicensed, phased out, scrapped, after an accident)
KIND_USAGE = "usage"  # used beyond its rated parameters or in a way it was not made for
KIND_FILLING = "filling"  # filling of mobile vessels and cylinders (4.5)
KIND_CROSS_REFERENCE = "cross_reference"  # 4.1 d) refers to the items of 4.2-4.10
KIND_OTHER = "other"  # obvious structural faults and leaks
KINDS = (
    KIND_INSPECTION_FAILED,
    KIND_DEVICE_FAILED,
    KIND_STATUS,
    KIND_USAGE,
    KIND_FILLING,
    KIND_CROSS_REFERENCE,
    KIND_OTHER,
)

# Hazard grades (隐患等级).
GRADE_MAJOR = "major"
GRADE_GENERAL = "general"
GRADES = (GRADE_MAJOR, GRADE_GENERAL)  # high to low
GRADE_LABELS: Mapping[str, str] = MappingProxyType(
    {GRADE_MAJOR: gettext_lazy("重大事故隐患"), GRADE_GENERAL: gettext_lazy("一般事故隐患")}
)
_GRADE_RANK = {GRADE_MAJOR: 1, GRADE_GENERAL: 0}

ALL_CATEGORIES = ("1000", "2000", "3000", "4000", "5000", "6000", "8000", "9000")
ELEVATOR_FAMILY = ("3100", "3200", "3400")  # lifts: every elevator class except escalators and moving walks
ESCALATOR_FAMILY = ("3300",)
VESSEL_FAMILY = ("2100", "2200")  # fixed and mobile pressure vessels; cylinders (2300) have no items of their own
FILLING_FAMILY = ("2200", "2300")  # filling of mobile vessels and cylinders
OUTDOOR_RAIL_CRANES = ("4100", "4200", "4700", "4900")  # bridge, gantry, portal and cable cranes


@dataclass(frozen=True)
class Criterion:
    clause: str  # "4.6b": section number and item letter
    equipment: str  # family label, as the standard names it
    catalog_prefixes: tuple[str, ...]
    text: str  # Chinese paraphrase of the item
    kind: str
    citation: str = GB45067
    effective_from: date = GB45067_EFFECTIVE_FROM
    confidence: str = SECONDARY

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"criterion {self.clause}: unknown kind {self.kind!r}")

    @property
    def section(self) -> str:
        return self.clause[:-1]

    @property
    def item(self) -> str:
        return self.clause[-1]


def _criterion(clause: str, equipment, prefixes: tuple[str, ...], text, kind: str) -> Criterion:
    # The citation names the item as the standard prints it: "4.6 b)".
    citation = f"{GB45067} {clause[:-1]} {clause[-1]})"
    return Criterion(clause, equipment, prefixes, text, kind, citation=citation)


_ALL = gettext_lazy("所有特种设备")
_BOILER = gettext_lazy("锅炉")
_VESSEL = gettext_lazy("压力容器")
_OXYGEN = gettext_lazy("氧舱")
_PIPING = gettext_lazy("压力管道")
_FILLING = gettext_lazy("移动式压力容器、气瓶充装")
_ELEVATOR = gettext_lazy("电梯")
_ESCALATOR = gettext_lazy("自动扶梯与自动人行道")
_CRANE = gettext_lazy("起重机械")
_ROPEWAY = gettext_lazy("客运索道")
_RIDE = gettext_lazy("大型游乐设施")
_VEHICLE = gettext_lazy("场（厂）内专用机动车辆")
_ELECTRIC_VEHICLE = gettext_lazy("电动场（厂）内专用机动车辆")
_SIGHTSEEING = gettext_lazy("非公路用旅游观光车辆")

CRITERIA: tuple[Criterion, ...] = (
    # --- 4.1 general ------------------------------------------------------------------------------------------------
    _criterion(
        "4.1a",
        _ALL,
        ALL_CATEGORIES,
        gettext_lazy("使用非法生产、国家明令淘汰、已经报废或者达到报废条件的特种设备"),
        KIND_STATUS,
    ),
    _criterion("4.1b", _ALL, ALL_CATEGORIES, gettext_lazy("发生事故后未对其进行全面检查、消除事故隐患"), KIND_STATUS),
    _criterion(
        "4.1c", _ALL, ALL_CATEGORIES, gettext_lazy("未按规定进行监督检验，或者监督检验不合格"), KIND_INSPECTION_FAILED
    ),
    _criterion(
        "4.1d",
        _ALL,
        ALL_CATEGORIES,
        gettext_lazy("超过 4.2～4.10 规定的额定参数或者使用范围使用"),
        KIND_CROSS_REFERENCE,
    ),
    # --- 4.2 boilers ------------------------------------------------------------------------------------------------
    _criterion("4.2a", _BOILER, ("1000",), gettext_lazy("定期检验结论为“不符合要求”"), KIND_INSPECTION_FAILED),
    _criterion(
        "4.2b",
        _BOILER,
        ("1000",),
        gettext_lazy("热工仪表失效或者控制电源、气源中断，无法监视、调整主要运行参数"),
        KIND_DEVICE_FAILED,
    ),
    _criterion("4.2c", _BOILER, ("1000",), gettext_lazy("安全阀（爆破片）缺失或者失效"), KIND_DEVICE_FAILED),
    _criterion("4.2d", _BOILER, ("1000",), gettext_lazy("系统报警装置缺失或者失效"), KIND_DEVICE_FAILED),
    _criterion("4.2e", _BOILER, ("1000",), gettext_lazy("联锁保护装置缺失或者失效"), KIND_DEVICE_FAILED),
    _criterion("4.2f", _BOILER, ("1000",), gettext_lazy("熄火保护装置缺失或者失效"), KIND_DEVICE_FAILED),
    _criterion(
        "4.2g",
        _BOILER,
        ("1000",),
        gettext_lazy("电站锅炉主蒸汽、给水管道泄漏，或者锅炉范围内管道爆管"),
        KIND_OTHER,
    ),
    # --- 4.3 pressure vessels and oxygen chambers -------------------------------------------------------------------
    # Oxygen chambers (2400) are pressure vessels and have periodic inspections too: 4.3 a) covers them.
    _criterion(
        "4.3a", _VESSEL, (*VESSEL_FAMILY, "2400"), gettext_lazy("定期检验结论为“不符合要求”"), KIND_INSPECTION_FAILED
    ),
    _criterion("4.3b", _VESSEL, VESSEL_FAMILY, gettext_lazy("固定式压力容器作为移动式压力容器使用"), KIND_USAGE),
    _criterion(
        "4.3c",
        _VESSEL,
        VESSEL_FAMILY,
        gettext_lazy("固定式或者移动式压力容器的安全阀、爆破片装置或者紧急切断装置缺失或者失效"),
        KIND_DEVICE_FAILED,
    ),
    _criterion(
        "4.3d",
        _VESSEL,
        VESSEL_FAMILY,
        gettext_lazy("快开门式压力容器的快开门安全联锁装置缺失或者失效"),
        KIND_DEVICE_FAILED,
    ),
    _criterion("4.3e", _OXYGEN, ("2400",), gettext_lazy("氧舱接地装置缺失或者失效"), KIND_DEVICE_FAILED),
    _criterion("4.3f", _OXYGEN, ("2400",), gettext_lazy("氧舱安全联锁功能失效"), KIND_DEVICE_FAILED),
    # --- 4.4 pressure piping ----------------------------------------------------------------------------------------
    _criterion(
        "4.4a",
        _PIPING,
        ("8000",),
        gettext_lazy("定期检验结论为“不符合要求”或者“不允许使用”"),
        KIND_INSPECTION_FAILED,
    ),
    _criterion(
        "4.4b",
        _PIPING,
        ("8000",),
        gettext_lazy("安全阀、爆破片装置或者紧急切断装置缺失或者失效"),
        KIND_DEVICE_FAILED,
    ),
    # --- 4.5 filling ------------------------------------------------------------------------------------------------
    _criterion(
        "4.5a", _FILLING, FILLING_FAMILY, gettext_lazy("未取得充装许可，充装移动式压力容器或者气瓶"), KIND_FILLING
    ),
    _criterion("4.5b", _FILLING, FILLING_FAMILY, gettext_lazy("移动式压力容器或者气瓶错装介质"), KIND_FILLING),
    _criterion(
        "4.5c",
        _FILLING,
        FILLING_FAMILY,
        gettext_lazy("充装设备的紧急切断装置缺失或者失效，仍继续使用"),
        KIND_FILLING,
    ),
    # --- 4.6 elevators ----------------------------------------------------------------------------------------------
    _criterion("4.6a", _ELEVATOR, ("3000",), gettext_lazy("定期检验结论为“不合格”"), KIND_INSPECTION_FAILED),
    _criterion(
        "4.6b",
        _ELEVATOR,
        ELEVATOR_FAMILY,
        gettext_lazy("乘客电梯或者载货电梯的门锁安全回路被短接"),
        KIND_DEVICE_FAILED,
    ),
    _criterion("4.6c", _ELEVATOR, ELEVATOR_FAMILY, gettext_lazy("限速器—安全钳联动试验不合格"), KIND_DEVICE_FAILED),
    _criterion(
        "4.6d",
        _ESCALATOR,
        ESCALATOR_FAMILY,
        gettext_lazy("自动扶梯或者自动人行道的紧急停止开关缺失或者失效"),
        KIND_DEVICE_FAILED,
    ),
    _criterion(
        "4.6e",
        _ESCALATOR,
        ESCALATOR_FAMILY,
        gettext_lazy("扶手带外缘与障碍物距离小于 400 mm，且未设置规定的防护挡板"),
        KIND_DEVICE_FAILED,
    ),
    # --- 4.7 cranes -------------------------------------------------------------------------------------------------
    _criterion("4.7a", _CRANE, ("4000",), gettext_lazy("未经首次检验"), KIND_INSPECTION_FAILED),
    _criterion("4.7b", _CRANE, ("4000",), gettext_lazy("定期检验（含首次检验）结论为“不合格”"), KIND_INSPECTION_FAILED),
    _criterion("4.7c", _CRANE, ("4000",), gettext_lazy("紧急停止开关缺失或者失效"), KIND_DEVICE_FAILED),
    _criterion(
        "4.7d",
        _CRANE,
        ("4000",),
        gettext_lazy("起重量限制器、起重力矩限制器或者防坠安全器缺失或者失效"),
        KIND_DEVICE_FAILED,
    ),
    _criterion(
        "4.7e",
        _CRANE,
        OUTDOOR_RAIL_CRANES,
        gettext_lazy("室外轨道式起重机械的抗风防滑装置缺失或者失效"),
        KIND_DEVICE_FAILED,
    ),
    # --- 4.8 passenger ropeways -------------------------------------------------------------------------------------
    _criterion(
        "4.8a", _ROPEWAY, ("9000",), gettext_lazy("定期检验结论为“不合格”或者“复检不合格”"), KIND_INSPECTION_FAILED
    ),
    _criterion(
        "4.8b",
        _ROPEWAY,
        ("9000",),
        gettext_lazy("控制室、站台或者机房的紧急停止开关缺失或者失效"),
        KIND_DEVICE_FAILED,
    ),
    _criterion(
        "4.8c",
        _ROPEWAY,
        ("9000",),
        gettext_lazy("客车、吊厢或者吊篮的门不能锁闭，且索道未停止运行"),
        KIND_DEVICE_FAILED,
    ),
    _criterion("4.8d", _ROPEWAY, ("9000",), gettext_lazy("辅助驱动或者备用电源无法启动"), KIND_DEVICE_FAILED),
    _criterion("4.8e", _ROPEWAY, ("9000",), gettext_lazy("安全回路故障，采用短接方式维持运行"), KIND_DEVICE_FAILED),
    # --- 4.9 large amusement rides ----------------------------------------------------------------------------------
    _criterion("4.9a", _RIDE, ("6000",), gettext_lazy("定期检验结论为“不合格”"), KIND_INSPECTION_FAILED),
    _criterion(
        "4.9b",
        _RIDE,
        ("6000",),
        gettext_lazy("乘客束缚装置（安全带、安全压杠、挡杆等）缺失或者失效"),
        KIND_DEVICE_FAILED,
    ),
    _criterion("4.9c", _RIDE, ("6000",), gettext_lazy("乘人舱门锁闭装置缺失或者失效"), KIND_DEVICE_FAILED),
    _criterion(
        "4.9d",
        _RIDE,
        ("6000",),
        gettext_lazy("制动、限位、防碰撞及缓冲、止逆行或者限速装置缺失或者失效"),
        KIND_DEVICE_FAILED,
    ),
    _criterion(
        "4.9e",
        _RIDE,
        ("6000",),
        gettext_lazy("主要受力部件、重要焊缝或者关键螺栓出现裂纹或者严重变形"),
        KIND_OTHER,
    ),
    # --- 4.10 in-site motor vehicles --------------------------------------------------------------------------------
    _criterion("4.10a", _VEHICLE, ("5000",), gettext_lazy("定期检验结论为“不合格”"), KIND_INSPECTION_FAILED),
    _criterion(
        "4.10b",
        _ELECTRIC_VEHICLE,
        ("5000",),
        gettext_lazy("电动车辆的紧急断电开关缺失或者失效"),
        KIND_DEVICE_FAILED,
    ),
    _criterion("4.10c", _VEHICLE, ("5000",), gettext_lazy("行车制动或者驻车制动装置缺失或者失效"), KIND_DEVICE_FAILED),
    _criterion(
        "4.10d",
        gettext_lazy("观光列车"),
        ("5200",),
        gettext_lazy("观光列车牵引连接装置或者其二次保护装置缺失或者失效"),
        KIND_DEVICE_FAILED,
    ),
    _criterion(
        "4.10e",
        gettext_lazy("观光车辆"),
        ("5200",),
        gettext_lazy("观光车辆超过最大运行坡度使用"),
        KIND_USAGE,
    ),
)

CRITERIA_BY_CLAUSE: Mapping[str, Criterion] = MappingProxyType({c.clause: c for c in CRITERIA})
_CLAUSE_ORDER = {criterion.clause: index for index, criterion in enumerate(CRITERIA)}

# The clause a failed periodic inspection meets, by catalog prefix (most specific prefix wins). Cylinders (2300) have
# none: a cylinder that fails its inspection is scrapped, which 4.1 a) covers.
INSPECTION_FAILED_CLAUSE: Mapping[str, str] = MappingProxyType(
    {
        "1000": "4.2a",
        "2100": "4.3a",
        "2200": "4.3a",
        "2400": "4.3a",
        "8000": "4.4a",
        "3000": "4.6a",
        "4000": "4.7b",
        "9000": "4.8a",
        "6000": "4.9a",
        "5000": "4.10a",
    }
)
FIRST_INSPECTION_MISSING_CLAUSE = "4.7a"
SCRAPPED_IN_USE_CLAUSE = "4.1a"


def _category_code(category: str) -> str:
    if not isinstance(category, str):
        raise ValueError(f"category must be a 4-character catalog code string, got {category!r}")  # noqa: TRY004
    code = category.strip().upper()
    if len(code) != 4 or not code.isalnum() or not code.isascii():
        raise ValueError(f"category must be a 4-character catalog code such as '3110', got {category!r}")
    return code


def _matches(category: str, prefix: str) -> bool:
    # "3100" matches "3110": trailing zeros mark the levels below the prefix.
    return category.startswith(prefix.rstrip("0"))


def _clause_sort_key(clause: str) -> int:
    return _CLAUSE_ORDER[clause]


def _check_clauses(clauses: Iterable[str]) -> None:
    unknown = sorted(set(clauses) - CRITERIA_BY_CLAUSE.keys())
    if unknown:
        raise ValueError(f"unknown GB 45067-2024 clause ids: {', '.join(unknown)}")


def criteria_for(category: str) -> list[Criterion]:
    """The criteria that apply to equipment of this catalog category, in clause order."""
    code = _category_code(category)
    return [c for c in CRITERIA if any(_matches(code, prefix) for prefix in c.catalog_prefixes)]


def clause_applies(clause: str, category: str) -> bool:
    _check_clauses([clause])
    code = _category_code(category)
    return any(_matches(code, prefix) for prefix in CRITERIA_BY_CLAUSE[clause].catalog_prefixes)


def inspection_failed_clause(category: str) -> str | None:
    """The clause that a failed periodic inspection of equipment in this category meets, or None."""
    code = _category_code(category)
    matching = [prefix for prefix in INSPECTION_FAILED_CLAUSE if _matches(code, prefix)]
    if not matching:
        return None
    return INSPECTION_FAILED_CLAUSE[max(matching, key=lambda prefix: len(prefix.rstrip("0")))]


@dataclass(frozen=True)
class Facts:
    """What is known about one piece of equipment when a hazard is judged (plain values, no model instances)."""

    category: str  # catalog code
    in_use: bool  # still being used (not suspended, not scrapped from the register)
    scrapped: bool = False  # scrapped, or meets scrap conditions
    latest_conclusion: str | None = None  # latest periodic inspection: "pass" | "conditional" | "fail" | "retest_fail"
    failed_clauses: frozenset[str] = field(default_factory=frozenset)  # clauses linked to failed check items
    reported_clauses: frozenset[str] = field(default_factory=frozenset)  # clauses a reporter selected
    first_inspection_missing: bool = False  # cranes: never had the first inspection (4.7 a)
    filling_activity: bool = False  # the hazard concerns a filling activity (4.5)


@dataclass(frozen=True)
class Judgement:
    clauses: tuple[str, ...]  # clauses met, in clause order
    major: bool
    reasons: dict[str, str]  # clause -> why it is met (Chinese)


def _met_while(criterion: Criterion, facts: Facts) -> bool:
    # Filling items concern the filling activity; every other item only while the equipment is still used.
    if criterion.kind == KIND_FILLING:
        return facts.filling_activity
    return facts.in_use


def judge(facts: Facts) -> Judgement:
    """Which GB 45067-2024 items the facts meet. Items that do not apply to the category are ignored."""
    _check_clauses(facts.failed_clauses)
    _check_clauses(facts.reported_clauses)
    category = _category_code(facts.category)
    applicable = {c.clause: c for c in criteria_for(category)}
    reasons: dict[str, str] = {}

    def meet(clause: str | None, reason: str) -> None:
        if clause is None or clause not in applicable or clause in reasons:
            return
        if _met_while(applicable[clause], facts):
            reasons[clause] = reason

    if facts.latest_conclusion in FAILED_CONCLUSIONS:
        meet(
            inspection_failed_clause(category),
            _("最近一次定期检验结论为“%(conclusion)s”，设备仍在使用")
            % {"conclusion": FAILED_CONCLUSION_TEXT[facts.latest_conclusion]},
        )
    if facts.scrapped:
        meet(SCRAPPED_IN_USE_CLAUSE, _("设备已经报废或者达到报废条件，仍在使用"))
    if facts.first_inspection_missing:
        meet(FIRST_INSPECTION_MISSING_CLAUSE, _("起重机械未经首次检验，仍在使用"))
    for clause in sorted(facts.failed_clauses, key=_clause_sort_key):
        if clause in applicable:
            meet(clause, _("检查项不符合：%(text)s") % {"text": applicable[clause].text})
    for clause in sorted(facts.reported_clauses, key=_clause_sort_key):
        if clause in applicable:
            meet(clause, _("排查人员判定：%(text)s") % {"text": applicable[clause].text})

    clauses = tuple(sorted(reasons, key=_clause_sort_key))
    return Judgement(clauses=clauses, major=bool(clauses), reasons={clause: reasons[clause] for clause in clauses})


def grade_floor(judgement: Judgement) -> str:
    """The lowest grade a hazard with this judgement may have."""
    return GRADE_MAJOR if judgement.clauses else GRADE_GENERAL


def validate_grade(requested: str, judgement: Judgement) -> str | None:
    """A message when the requested grade is below what the criteria judge; None when it is allowed."""
    if requested not in GRADES:
        raise ValueError(f"unknown hazard grade {requested!r}; expected one of {GRADES}")
    floor = grade_floor(judgement)
    if _GRADE_RANK[requested] >= _GRADE_RANK[floor]:
        return None
    return _("依据 GB 45067-2024 第 %(clauses)s 条，该隐患应判定为%(floor)s，不能降为%(requested)s") % {
        "clauses": "、".join(judgement.clauses),
        "floor": GRADE_LABELS[floor],
        "requested": GRADE_LABELS[requested],
    }


# --- SAMR Order 57 art 25: serious hazard categories (严重事故隐患) --------------------------------------------------


@dataclass(frozen=True)
class SeriousHazardCategory:
    code: str
    text: str
    citation: str = "《特种设备安全监督检查办法》（国家市场监督管理总局令第57号）第二十五条"
    effective_from: date = date(2022, 7, 1)
    confidence: str = SECONDARY


SERIOUS_HAZARD_CATEGORIES: Mapping[str, SeriousHazardCategory] = MappingProxyType(
    {
        "S1": SeriousHazardCategory(
            "S1", gettext_lazy("使用非法生产、国家明令淘汰、已经报废或者达到报废条件的特种设备")
        ),
        "S2": SeriousHazardCategory("S2", gettext_lazy("未经监督检验或者检验、检测不合格，继续使用特种设备")),
        "S3": SeriousHazardCategory("S3", gettext_lazy("安全附件、安全保护装置缺失或者失灵，继续使用特种设备")),
        "S4": SeriousHazardCategory(
            "S4", gettext_lazy("发生过事故或者有明显故障，未对其进行全面检查、消除事故隐患，继续使用特种设备")
        ),
        "S5": SeriousHazardCategory("S5", gettext_lazy("超过特种设备的规定参数范围使用")),
        "S6": SeriousHazardCategory("S6", gettext_lazy("市场监督管理部门认定的其他严重事故隐患")),
    }
)

_INSPECTION_CLAUSES = frozenset({"4.1c", "4.2a", "4.3a", "4.4a", "4.6a", "4.7a", "4.7b", "4.8a", "4.9a", "4.10a"})
_DEVICE_CLAUSES = frozenset(c.clause for c in CRITERIA if c.kind == KIND_DEVICE_FAILED) | {"4.5c"}
# S4 names "an accident or an obvious fault": 4.1 b) and the items that are obvious faults (leaks, cracks).
_FAULT_CLAUSES = frozenset({"4.1b"}) | frozenset(c.clause for c in CRITERIA if c.kind == KIND_OTHER)
_BEYOND_PARAMETER_CLAUSES = frozenset({"4.1d", "4.3b", "4.10e"})

SERIOUS_CATEGORY_CLAUSES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "S1": frozenset({SCRAPPED_IN_USE_CLAUSE}),
        "S2": _INSPECTION_CLAUSES,
        "S3": _DEVICE_CLAUSES,
        "S4": _FAULT_CLAUSES,
        "S5": _BEYOND_PARAMETER_CLAUSES,
    }
)


def serious_categories_for(judgement: Judgement, facts: Facts) -> tuple[str, ...]:
    """The Order 57 art 25 categories a judged hazard falls in. S6 is the regulator's decision, never derived.

    S1-S4 require the equipment to be still used (the article says 继续使用), except S3 for the filling equipment's
    emergency shut-off, which concerns the filling activity; S5 is a use in itself.
    """
    _check_clauses(judgement.clauses)
    found = []
    for code, clauses in SERIOUS_CATEGORY_CLAUSES.items():
        met = [clause for clause in judgement.clauses if clause in clauses]
        if not met:
            continue
        still_used = facts.in_use or any(CRITERIA_BY_CLAUSE[clause].kind == KIND_FILLING for clause in met)
        if code == "S5" or still_used:
            found.append(code)
    return tuple(found)
