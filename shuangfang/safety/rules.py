"""The use unit's duties as data: staffing (TSG 08), licences (特种设备安全法 art 49), appointments (SAMR Order 74),
required documents, operator certificates (TSG Z6001), emergency plans and drills.  Pure functions over plain values:
no ORM, no I/O.

Every row carries its citation in Chinese (stored and shown as written) and a confidence note for developers.  Rows
whose source is recalled rather than read stay configurable: a province replaces a table through the settings named
beside it (see `table()`), without a code change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_noop

from shuangfang.equipment.rules import category_of

# -- the facts the rules read ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFacts:
    """What the rules need to know about one use unit: counts from its equipment in use, and what the unit declared
    about itself where the register cannot tell (power-station boilers, boiler pressure, piping length)."""

    kind: str = "use_unit"
    # In-use equipment per catalog code (category, class or variety as registered), cylinders included.
    equipment_by_category: dict[str, int] = field(default_factory=dict)
    crowded_elevators: int = 0
    # Declared in the unit's safety profile.
    public_elevator_business: bool = False
    public_ride_business: bool = False
    power_station_boiler: bool = False
    petrochemical_plant: bool = False
    boiler_over_2_5_mpa: bool = False
    industrial_piping_km: float = 0.0

    def count(self, *prefixes: str) -> int:
        """In-use equipment whose catalog code starts with any of the prefixes ("3" = all elevators)."""
        return sum(n for code, n in self.equipment_by_category.items() if code.startswith(prefixes))

    @property
    def total_excluding_cylinders(self) -> int:
        return sum(n for code, n in self.equipment_by_category.items() if not code.startswith("23"))

    @property
    def categories_in_use(self) -> list[str]:
        """The catalog categories (X000) the unit has in use, cylinders counted under 2000."""
        return sorted({category_of(code) for code, n in self.equipment_by_category.items() if n})


# -- staffing: TSG 08-2017 §2.3–2.4 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffingRule:
    code: str
    requirement: str  # BODY, FULL_TIME_OFFICER
    condition: str  # what triggers it, in the source language
    applies: Callable[[UnitFacts], bool]
    citation: str
    confidence: str  # for developers
    effective_from: date = date(2017, 8, 1)


BODY = "body"  # 安全管理机构, with a 安全管理负责人 holding the A certificate
FULL_TIME_OFFICER = "full_time_officer"  # 专职安全管理员 holding the A certificate

TSG_08_BODY = "TSG 08-2017《特种设备使用管理规则》2.3.1"
TSG_08_OFFICER = "TSG 08-2017《特种设备使用管理规则》2.4.2.2.2"

STAFFING_RULES: tuple[StaffingRule, ...] = (
    StaffingRule(
        "body_power_boiler",
        BODY,
        gettext_noop("使用电站锅炉或者石油化工、化工成套装置"),
        lambda f: f.power_station_boiler or f.petrochemical_plant,
        TSG_08_BODY + "(1)",
        "confirmed: Fujian SAMR Q&A",
    ),
    StaffingRule(
        "body_elevators",
        BODY,
        gettext_noop("以经营为目的为公众提供电梯服务，或者在公众聚集场所使用30台以上电梯"),
        lambda f: (f.public_elevator_business and f.count("3") > 0) or f.crowded_elevators >= 30,
        TSG_08_BODY + "(2)",
        "confirmed: Fujian SAMR Q&A",
    ),
    StaffingRule(
        "body_rides",
        BODY,
        gettext_noop("以经营为目的使用10台以上大型游乐设施，或者10台以上为公众提供运营服务的非公路用旅游观光车辆"),
        lambda f: f.count("6") >= 10 or (f.public_ride_business and f.count("52") >= 10),
        TSG_08_BODY + "(3)",
        "confirmed: Fujian SAMR Q&A",
    ),
    StaffingRule(
        "body_ropeway",
        BODY,
        gettext_noop("使用客运架空索道或者客运缆车"),
        lambda f: f.count("91", "92") > 0,
        TSG_08_BODY + "(4)",
        "confirmed: Fujian SAMR Q&A",
    ),
    StaffingRule(
        "body_fifty_units",
        BODY,
        gettext_noop("使用特种设备（不含气瓶）总量50台以上"),
        lambda f: f.total_excluding_cylinders >= 50,
        TSG_08_BODY + "(5)",
        "confirmed: Fujian SAMR Q&A",
    ),
    StaffingRule(
        "officer_boiler_pressure",
        FULL_TIME_OFFICER,
        gettext_noop("使用额定工作压力大于或者等于2.5MPa的锅炉"),
        lambda f: f.boiler_over_2_5_mpa and f.count("1") > 0,
        TSG_08_OFFICER + "(1)",
        "confirmed: isofans / ahzhb reprints",
    ),
    StaffingRule(
        "officer_class_three_vessels",
        FULL_TIME_OFFICER,
        gettext_noop("使用5台以上（含5台）第Ⅲ类固定式压力容器"),
        lambda f: f.count("2130") >= 5,
        TSG_08_OFFICER + "(2)",
        "confirmed: isofans / ahzhb reprints",
    ),
    StaffingRule(
        "officer_filling",
        FULL_TIME_OFFICER,
        gettext_noop("从事移动式压力容器或者气瓶充装"),
        lambda f: f.kind == "filling_station",
        TSG_08_OFFICER + "(3)",
        "confirmed: isofans / ahzhb reprints",
    ),
    StaffingRule(
        "officer_piping",
        FULL_TIME_OFFICER,
        gettext_noop("使用10公里以上（含10公里）工业管道"),
        lambda f: f.industrial_piping_km >= 10,
        TSG_08_OFFICER + "(4)",
        "confirmed: isofans / ahzhb reprints",
    ),
    StaffingRule(
        "officer_mobile_ropeway_rides",
        FULL_TIME_OFFICER,
        gettext_noop("使用移动式压力容器，或者客运拖牵索道，或者大型游乐设施"),
        lambda f: f.count("22", "93", "6") > 0,
        TSG_08_OFFICER + "(5)",
        "confirmed: isofans / ahzhb reprints",
    ),
    StaffingRule(
        "officer_twenty_units",
        FULL_TIME_OFFICER,
        gettext_noop("使用特种设备（不含气瓶）总量20台以上（含20台）"),
        lambda f: f.total_excluding_cylinders >= 20,
        TSG_08_OFFICER + "(6)",
        "confirmed: isofans / ahzhb reprints",
    ),
)


def staffing_triggers(facts: UnitFacts) -> dict[str, list[StaffingRule]]:
    """The staffing rules that hold for the unit, by requirement.  A required body also requires a full-time
    officer (TSG 08 2.4.2.2.2: 设置安全管理机构的使用单位应当配备专职安全管理员)."""
    triggered = [rule for rule in STAFFING_RULES if rule.applies(facts)]
    by_requirement: dict[str, list[StaffingRule]] = {BODY: [], FULL_TIME_OFFICER: []}
    for rule in triggered:
        by_requirement[rule.requirement].append(rule)
    if by_requirement[BODY]:
        by_requirement[FULL_TIME_OFFICER] = by_requirement[FULL_TIME_OFFICER] + by_requirement[BODY]
    return by_requirement


# -- licences: 特种设备安全法 art 49 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenceRule:
    """Units of `unit_kind` must hold a current licence of `kind` (safety.choices.LicenceKind) that has not expired."""

    code: str
    kind: str
    name: str  # the licence as the panel names it
    unit_kind: str
    citation: str
    confidence: str


LICENCE_RULES: tuple[LicenceRule, ...] = (
    LicenceRule(
        "filling",
        "filling",
        gettext_noop("充装许可证"),
        "filling_station",
        "《特种设备安全法》第四十九条",
        "confirmed: law art 49 (移动式压力容器、气瓶充装单位经许可方可从事充装活动); GB 45067 4.5a makes unlicensed "
        "filling a major hazard; the licence's term (TSG 07-2019) is read from the licence, not from a table",
    ),
)

LICENCE_RULES_BY_CODE = {rule.code: rule for rule in LICENCE_RULES}


def licence_rules_for(unit_kind: str) -> list[LicenceRule]:
    return [rule for rule in LICENCE_RULES if rule.unit_kind == unit_kind]


def licence_state(expires_on: date | None, today: date) -> str | None:
    """None when the unit's current licence is in force today (the day it expires included), else "missing" or
    "expired"."""
    if expires_on is None:
        return "missing"
    if expires_on < today:
        return "expired"
    return None


# -- appointments: SAMR Order 74 ------------------------------------------------------------------------------------

ORDER_74 = "市场监管总局令第74号"
ORDER_74_EFFECTIVE = date(2023, 5, 5)

# The categories Order 74 has a chapter for (cranes and in-site vehicles on building sites are excluded by art 2,
# which the register cannot tell apart: the unit answers for that).
ORDER_74_CATEGORIES = ("1000", "2000", "3000", "4000", "5000", "6000", "8000", "9000")

# Per category: the articles that appoint the safety director and safety officers.  Elevators (arts 69, 71) and
# in-site vehicles (arts 135, 137) are read; the other chapters' numbers are inferred from the structure.
APPOINTMENT_ARTICLES: dict[str, str] = {
    "3000": "第六十九条、第七十一条",
    "5000": "第一百三十五条、第一百三十七条",
}


def appointment_citation(category: str) -> str:
    articles = APPOINTMENT_ARTICLES.get(category)
    return f"{ORDER_74}{articles}" if articles else f"{ORDER_74}（{category} 章）"


# -- required documents ---------------------------------------------------------------------------------------------

UNIT = "unit"  # one for the unit
PER_CATEGORY = "per_category"  # one for each equipment category in use


@dataclass(frozen=True)
class DocumentRule:
    code: str
    name: str
    scope: str  # UNIT or PER_CATEGORY
    citation: str
    confidence: str
    # A document older than this many months is out of date; None: no statutory review period.
    review_months: int | None = None
    # A document in force before this date predates the rule that asks for it and must be reissued.
    effective_from: date | None = None


DOCUMENT_RULES: tuple[DocumentRule, ...] = (
    DocumentRule(
        "management_rules",
        gettext_noop("特种设备安全管理制度"),
        UNIT,
        "《特种设备安全法》第三十四条；TSG 08-2017 2.6",
        "confirmed: law art 34",
    ),
    DocumentRule(
        "post_responsibilities",
        gettext_noop("岗位责任制度"),
        UNIT,
        "《特种设备安全法》第三十四条；TSG 08-2017 2.6",
        "confirmed: law art 34",
    ),
    DocumentRule(
        "operating_procedures",
        gettext_noop("安全操作规程"),
        PER_CATEGORY,
        "《特种设备安全法》第三十四条；TSG 08-2017 2.6",
        "confirmed: law art 34",
    ),
    DocumentRule(
        "risk_control_rules",
        gettext_noop("安全风险分级管控制度"),
        UNIT,
        "晋市监发〔2022〕116号 三(二)",
        "confirmed: seed notice",
    ),
    DocumentRule(
        "hazard_investigation_rules",
        gettext_noop("事故隐患排查治理制度"),
        UNIT,
        "晋市监发〔2022〕116号 三(三)；《安全生产法》第四十一条",
        "confirmed: seed notice",
    ),
    DocumentRule(
        "director_duties",
        gettext_noop("安全总监职责"),
        PER_CATEGORY,
        ORDER_74 + "第一百四十五条（各章同）",
        "secondary: archiving article of the in-site vehicle chapter",
        effective_from=ORDER_74_EFFECTIVE,
    ),
    DocumentRule(
        "officer_code",
        gettext_noop("安全员守则"),
        PER_CATEGORY,
        ORDER_74 + "第一百四十五条（各章同）",
        "secondary: archiving article of the in-site vehicle chapter",
        effective_from=ORDER_74_EFFECTIVE,
    ),
)

DOCUMENT_RULES_BY_CODE = {rule.code: rule for rule in DOCUMENT_RULES}


def months_after(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(start)


def document_state(rule: DocumentRule, effective_on: date | None, today: date) -> str | None:
    """None when the current version is in order, else why not: "missing", "predates_rule" or "review_overdue"."""
    if effective_on is None:
        return "missing"
    if rule.effective_from and effective_on < rule.effective_from:
        return "predates_rule"
    if rule.review_months and months_after(effective_on, rule.review_months) < today:
        return "review_overdue"
    return None


# -- certified operators: TSG Z6001-2019 and the 2019 item list ----------------------------------------------------


@dataclass(frozen=True)
class CertificateRule:
    """Equipment whose catalog code starts with `prefix` (and, where `feature` is named, has that feature) must have
    an assigned operator holding a valid certificate of one of `items`."""

    code: str
    prefix: str
    items: tuple[str, ...]
    citation: str
    confidence: str
    feature: str = ""  # an Equipment boolean field: "quick_opening", "signaller_required"
    unit_kind: str = ""  # only for units of this kind (filling is an activity of filling stations)


Z6001 = "TSG Z6001-2019；市场监管总局公告2019年第3号"

CERTIFICATE_RULES: tuple[CertificateRule, ...] = (
    CertificateRule("boiler", "1", ("G1", "G2"), Z6001 + "（锅炉司炉）", "secondary: item list"),
    CertificateRule(
        "quick_opening_vessel",
        "21",
        ("R1",),
        Z6001 + "（快开门式压力容器操作）",
        "secondary: item list",
        feature="quick_opening",
    ),
    CertificateRule(
        "mobile_vessel_filling",
        "22",
        ("R2",),
        Z6001 + "（移动式压力容器充装）",
        "secondary: item list",
        unit_kind="filling_station",
    ),
    CertificateRule(
        "cylinder_filling", "23", ("P",), Z6001 + "（气瓶充装）", "secondary: item list", unit_kind="filling_station"
    ),
    CertificateRule("crane_driver", "4", ("Q2",), Z6001 + "（起重机司机）", "secondary: item list"),
    CertificateRule(
        "crane_signaller",
        "4",
        ("Q1",),
        Z6001 + "（起重机指挥）",
        "secondary: item list",
        feature="signaller_required",
    ),
    CertificateRule("forklift", "51", ("N1",), Z6001 + "（叉车司机）", "secondary: item list"),
    CertificateRule("sightseeing_vehicle", "52", ("N2",), Z6001 + "（观光车和观光列车司机）", "secondary: item list"),
    CertificateRule("ride", "6", ("Y2",), Z6001 + "（大型游乐设施操作）", "secondary: item list"),
    CertificateRule("ropeway", "9", ("S2",), Z6001 + "（客运索道司机）", "secondary: item list"),
)


def certificate_rules_for(category: str, features: Iterable[str], unit_kind: str) -> list[CertificateRule]:
    """The certificate rules that apply to one piece of equipment."""
    features = set(features)
    return [
        rule
        for rule in CERTIFICATE_RULES
        if category.startswith(rule.prefix)
        and (not rule.feature or rule.feature in features)
        and (not rule.unit_kind or rule.unit_kind == unit_kind)
    ]


def unmet_certificate_rules(
    category: str, features: Iterable[str], unit_kind: str, valid_items: Iterable[str]
) -> list[CertificateRule]:
    """The rules the equipment's assigned operators do not satisfy, given the items of their valid certificates."""
    held = set(valid_items)
    return [rule for rule in certificate_rules_for(category, features, unit_kind) if not held & set(rule.items)]


# -- emergency plans and drills -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillRule:
    """Units the rule covers must keep a special emergency plan for the category and drill it every `months`."""

    code: str
    prefix: str  # equipment categories covered ("" = every category the unit uses)
    months: int
    applies: Callable[[UnitFacts], bool]
    citation: str
    confidence: str


DRILL_RULES: tuple[DrillRule, ...] = (
    DrillRule(
        "staffed_units_yearly",
        "",
        12,
        lambda f: any(staffing_triggers(f).values()),
        "TSG 08-2017 2.11",
        "recalled, unverified: units required to have a body or a full-time officer drill at least yearly",
    ),
    DrillRule(
        "crowded_elevators_yearly",
        "3",
        12,
        lambda f: f.crowded_elevators > 0,
        "各地电梯安全管理规定（人员密集场所电梯每年至少一次救援演练）",
        "secondary: older elevator rules and local regulations",
    ),
)

# A reminder goes out this many days before a drill falls due.
DRILL_REMINDER_DAYS = 30
# A special emergency plan is assessed at least every three years (应急管理部令第2号 第三十五条).
EMERGENCY_PLAN_REVIEW_MONTHS = 36


def drill_requirements(facts: UnitFacts) -> list[tuple[DrillRule, str]]:
    """(rule, category) pairs the unit must drill: one per category in use that the rule covers."""
    required: dict[str, DrillRule] = {}
    for rule in DRILL_RULES:
        if rule.applies(facts):
            for category in facts.categories_in_use:
                if category.startswith(rule.prefix):
                    required.setdefault(category, rule)
    return [(rule, category) for category, rule in required.items()]


def drill_due_on(last_drill: date | None, months: int, since: date) -> date:
    """When the next drill is due: `months` after the last one, or after `since` (when the rule began to hold)."""
    return months_after(last_drill or since, months)


# -- exams ----------------------------------------------------------------------------------------------------------

# Order 74's assessment guide gives no pass mark in what we could read; 80 of 100 is the mark SAMR's 考核指南 exams
# are reported to use.  Configurable per exam.
DEFAULT_PASS_SCORE = 80


def score_answers(answer_key: dict[str, list[int]], given: dict[str, list[int]]) -> tuple[int, dict[str, bool]]:
    """A score out of 100, and per question whether the answer was right: a question counts only when the set of
    chosen options equals the key exactly (no partial credit for multiple choice)."""
    if not answer_key:
        return 0, {}
    marks = {qid: sorted(set(given.get(qid) or [])) == sorted(set(key)) for qid, key in answer_key.items()}
    return round(100 * sum(marks.values()) / len(marks)), marks
