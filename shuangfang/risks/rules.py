"""Risk assessment and grading rules (安全风险评价与分级管控).

Pure functions over plain values: no ORM, no I/O. The criteria are data rows with their source and a confidence
mark, because the thresholds differ between sources and the Shanxi local standards (DB14/T) that 晋市监发〔2022〕116号
refers to were not available when these tables were written: every Shanxi value below comes from the documented
Shandong-type series (DB37/T 2882-2016 and its special-equipment 细则 DB37/T 3078-2017) or from the method's common
form, and a `ProvinceProfile` carries the choices that differ, so that a province's own tables replace them as data.

Methods: LEC (D = L×E×C), LS (R = L×S, the 5×5 risk matrix) and MES (R = M×E×S). Four levels, high to low: 重大 (red),
较大 (orange), 一般 (yellow), 低 (blue). Five control levels, top to bottom: 公司级, 部门级, 车间级, 班组级, 岗位级.

Users see the level and control-level labels, the factor criteria and the messages, so those are Chinese source
strings wrapped for translation. Citations stay Chinese in every language (they name Chinese documents). `note` is
for developers: what was checked and why a value was chosen. Plain ValueError messages are for developers too.

Confidence marks (the first three as in `shuangfang.equipment.rules`):
"confirmed" (primary text or two agreeing transcripts), "secondary" (secondary sources or several agreeing
reproductions, primary text not seen), "unverified" (recalled or inconsistent between sources: check before relying
on it), "proposal" (a design choice of this platform, not a source fact).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import pairwise
from types import MappingProxyType

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangfang.equipment.rules import CONFIRMED, SECONDARY, UNVERIFIED, add_months

PROPOSAL = "proposal"
CONFIDENCE_LEVELS = (CONFIRMED, SECONDARY, UNVERIFIED, PROPOSAL)

# The role that must own a major risk: accounts.roles.Role.PRINCIPAL (主要负责人), kept here as plain text so that
# this module does not import the accounts models.
PRINCIPAL_ROLE = "principal"

# --- Levels ------------------------------------------------------------------------------------------------------

MAJOR = "major"
SIGNIFICANT = "significant"
GENERAL = "general"
LOW = "low"
LEVELS = (MAJOR, SIGNIFICANT, GENERAL, LOW)  # high to low
LEVEL_LABELS: Mapping[str, str] = {
    MAJOR: gettext_lazy("重大风险"),
    SIGNIFICANT: gettext_lazy("较大风险"),
    GENERAL: gettext_lazy("一般风险"),
    LOW: gettext_lazy("低风险"),
}
# Four-colour convention (红橙黄蓝), confirmed in several sources (Shanxi 晋安监发〔2017〕221号 as quoted by a municipal
# plan, a Sinopec rule text); national basis 安委办〔2016〕11号.
LEVEL_COLORS: Mapping[str, str] = {MAJOR: "red", SIGNIFICANT: "orange", GENERAL: "yellow", LOW: "blue"}


def level_rank(level: str) -> int:
    """A number that orders the levels: major is the highest (4), low the lowest (1)."""
    if level not in LEVELS:
        raise ValueError(f"unknown risk level {level!r}; expected one of {LEVELS}")
    return len(LEVELS) - LEVELS.index(level)


def highest_level(levels: Iterable[str | None]) -> str | None:
    """The highest of the given levels, ignoring None (not yet graded); None when none is graded."""
    graded = [level for level in levels if level is not None]
    if not graded:
        return None
    return max(graded, key=level_rank)


# --- Control levels ----------------------------------------------------------------------------------------------

CONTROL_COMPANY = "company"
CONTROL_DEPARTMENT = "department"
CONTROL_WORKSHOP = "workshop"
CONTROL_TEAM = "team"
CONTROL_POST = "post"
CONTROL_LEVELS = (CONTROL_COMPANY, CONTROL_DEPARTMENT, CONTROL_WORKSHOP, CONTROL_TEAM, CONTROL_POST)  # top to bottom
CONTROL_LEVEL_LABELS: Mapping[str, str] = {
    CONTROL_COMPANY: gettext_lazy("公司级"),
    CONTROL_DEPARTMENT: gettext_lazy("部门级"),
    CONTROL_WORKSHOP: gettext_lazy("车间级"),
    CONTROL_TEAM: gettext_lazy("班组级"),
    CONTROL_POST: gettext_lazy("岗位级"),
}


def _control_index(control_level: str) -> int:
    if control_level not in CONTROL_LEVELS:
        raise ValueError(f"unknown control level {control_level!r}; expected one of {CONTROL_LEVELS}")
    return CONTROL_LEVELS.index(control_level)


def control_level_at_least(actual: str, minimum: str) -> bool:
    """Whether the control level `actual` is `minimum` or above it (company is the top, post the bottom)."""
    return _control_index(actual) <= _control_index(minimum)


# --- Methods and factor tables -----------------------------------------------------------------------------------

LEC = "lec"
LS = "ls"
MES = "mes"
METHODS = (LEC, LS, MES)
METHOD_LABELS: Mapping[str, str] = {
    LEC: gettext_lazy("作业条件危险性分析法（LEC）"),
    LS: gettext_lazy("风险矩阵法（LS）"),
    MES: gettext_lazy("MES 评价法"),
}
FACTOR_NAMES: Mapping[str, tuple[str, ...]] = {LEC: ("L", "E", "C"), LS: ("L", "S"), MES: ("M", "E", "S")}
FACTOR_LABELS: Mapping[str, Mapping[str, str]] = {
    LEC: {
        "L": gettext_lazy("事故发生的可能性（L）"),
        "E": gettext_lazy("暴露于危险环境的频繁程度（E）"),
        "C": gettext_lazy("发生事故可能造成的后果（C）"),
    },
    LS: {"L": gettext_lazy("事故发生的可能性（L）"), "S": gettext_lazy("事故后果的严重程度（S）")},
    MES: {
        "M": gettext_lazy("控制措施的状态（M）"),
        "E": gettext_lazy("暴露于危险环境的频繁程度（E）"),
        "S": gettext_lazy("事故的可能后果（S）"),
    },
}

LEC_CONSEQUENCE_CLASSICAL = "classical"
LEC_CONSEQUENCE_SHANDONG = "shandong"
LEC_CONSEQUENCE_STYLES = (LEC_CONSEQUENCE_CLASSICAL, LEC_CONSEQUENCE_SHANDONG)


@dataclass(frozen=True)
class FactorOption:
    value: Decimal
    label: str  # the criterion a user picks the value by


@dataclass(frozen=True)
class Source:
    citation: str  # Chinese, shown to users
    confidence: str  # one of CONFIDENCE_LEVELS
    note: str = ""  # for developers


def _options(*rows: tuple[str, str]) -> tuple[FactorOption, ...]:
    return tuple(FactorOption(Decimal(value), label) for value, label in rows)


# R1a. LEC L: the classical Graham–Kinney label first, then the Shandong-style detectability text where there is one.
LEC_LIKELIHOOD = _options(
    ("10", gettext_lazy("完全可以预料")),
    (
        "6",
        gettext_lazy(
            "相当可能：危害的发生不能被发现（没有监测系统）；或现场没有防范、监测、保护、控制措施；"
            "或在正常情况下经常发生此类事故、事件或偏差"
        ),
    ),
    (
        "3",
        gettext_lazy(
            "可能，但不经常：危害的发生不容易被发现；现场没有检测系统或保护措施，也未做过监测；"
            "或未严格按操作规程执行；或现场有控制措施但未有效执行或措施不当"
        ),
    ),
    (
        "1",
        gettext_lazy(
            "可能性小，完全意外：危害的发生容易被发现；现场有监测系统或曾做过监测；"
            "或过去曾经发生类似事故、事件或偏差；或在异常情况下发生过"
        ),
    ),
    ("0.5", gettext_lazy("很不可能，可以设想：危害一旦发生能及时发现，并能定期进行监测")),
    (
        "0.2",
        gettext_lazy("极不可能：有充分、有效的防范、控制、监测、保护措施；或员工安全卫生意识相当高，严格执行操作规程"),
    ),
    ("0.1", gettext_lazy("实际不可能")),
)
# R1b. LEC E; MES uses the same exposure table.
EXPOSURE = _options(
    ("10", gettext_lazy("连续暴露")),
    ("6", gettext_lazy("每天工作时间内暴露")),
    ("3", gettext_lazy("每周一次或偶然暴露")),
    ("2", gettext_lazy("每月一次暴露")),
    ("1", gettext_lazy("每年几次暴露")),
    ("0.5", gettext_lazy("非常罕见地暴露")),
)
# R1c. LEC C, classical (casualties).
LEC_CONSEQUENCE = _options(
    ("100", gettext_lazy("大灾难，许多人死亡")),
    ("40", gettext_lazy("灾难，数人死亡")),
    ("15", gettext_lazy("非常严重，一人死亡")),
    ("7", gettext_lazy("严重，重伤")),
    ("3", gettext_lazy("重大，致残")),
    ("1", gettext_lazy("引人注目，需要救护")),
)
# R1d. LEC C, Shandong-derived multi-dimensional: the highest value over the dimensions judged. Note 2, not 3.
LEC_CONSEQUENCE_MULTIDIMENSIONAL = _options(
    (
        "100",
        gettext_lazy(
            "法律法规：严重违反法律法规和标准；人员伤亡：2人及以上死亡，或3人及以上重伤；"
            "直接经济损失：1000万元及以上；停工：公司停产；企业形象：重大国际、国内影响"
        ),
    ),
    (
        "40",
        gettext_lazy(
            "法律法规：违反法律法规和标准；人员伤亡：1人死亡，或2～3人重伤；直接经济损失：500万元及以上；"
            "停工：装置停工；企业形象：行业内、省内影响"
        ),
    ),
    (
        "15",
        gettext_lazy(
            "法律法规：潜在违反法规和标准；人员伤亡：1人重伤，或2～3人轻伤；直接经济损失：100万元及以上；"
            "停工：部分装置停工；企业形象：地区影响"
        ),
    ),
    (
        "7",
        gettext_lazy(
            "法律法规：不符合上级或行业的安全方针、制度、规定；人员伤亡：人员受伤；直接经济损失：10万元及以上；"
            "停工：部分设备停工；企业形象：公司及周边范围"
        ),
    ),
    (
        "2",
        gettext_lazy(
            "法律法规：不符合公司的安全操作程序、规定；人员伤亡：轻微伤；直接经济损失：1万元及以上；"
            "停工：1套设备停工；企业形象：引人关注"
        ),
    ),
    (
        "1",
        gettext_lazy(
            "法律法规：完全符合；人员伤亡：需要救护或无伤亡；直接经济损失：1万元以下；停工：没有停工；"
            "企业形象：形象没有受损"
        ),
    ),
)
# R2a. LS L, detectability / control-measure style (the default of the two published styles).
LS_LIKELIHOOD = _options(
    (
        "5",
        gettext_lazy(
            "在现场没有采取防范、监测、保护、控制措施，或危害的发生不能被发现（没有监测系统），"
            "或在正常情况下经常发生此类事故或事件"
        ),
    ),
    (
        "4",
        gettext_lazy(
            "危害的发生不容易被发现，现场没有检测系统，也未做过任何监测；或现场有控制措施但未有效执行或控制措施不当；"
            "或危害常发生或在预期情况下发生"
        ),
    ),
    (
        "3",
        gettext_lazy(
            "没有保护措施（如没有保护装置、没有个人防护用品等），或未严格按操作程序执行，"
            "或危害的发生容易被发现（现场有监测系统），或曾经做过监测，或过去曾经发生类似事故或事件"
        ),
    ),
    (
        "2",
        gettext_lazy(
            "危害一旦发生能及时发现，并定期进行监测，或现场有防范控制措施并能有效执行，或过去偶尔发生事故或事件"
        ),
    ),
    (
        "1",
        gettext_lazy(
            "有充分、有效的防范、控制、监测、保护措施，或员工安全卫生意识相当高，严格执行操作规程；"
            "极不可能发生事故或事件"
        ),
    ),
)
# R2c. LS S over five dimensions; where the two reproductions differ, the first one's wording is used.
LS_SEVERITY = _options(
    (
        "5",
        gettext_lazy(
            "人员伤亡：死亡；直接经济损失：50万元及以上；法律法规：违反法律、法规和标准；"
            "停工：部分装置（2套以上）停工；企业形象：国内影响"
        ),
    ),
    (
        "4",
        gettext_lazy(
            "人员伤亡：丧失劳动能力或重伤；直接经济损失：20万元及以上；法律法规：潜在违反法规和标准；"
            "停工：2套装置停工；企业形象：行业内、省内影响"
        ),
    ),
    (
        "3",
        gettext_lazy(
            "人员伤亡：截肢、骨折、听力丧失、慢性病；直接经济损失：10万元及以上；"
            "法律法规：不符合上级公司或行业的安全方针、制度、规定；停工：1套装置停工；企业形象：地区影响"
        ),
    ),
    (
        "2",
        gettext_lazy(
            "人员伤亡：轻微受伤、间歇不舒服；直接经济损失：10万元以下；法律法规：不符合企业的安全操作程序、规定；"
            "停工：受影响不大，几乎不停工；企业形象：公司及周边范围"
        ),
    ),
    (
        "1",
        gettext_lazy(
            "人员伤亡：无伤亡；直接经济损失：无损失；法律法规：完全符合；停工：没有停工；企业形象：形象没有受损"
        ),
    ),
)
# R3. MES M (state of the control measures) and S (consequence).
MES_MEASURES = _options(
    ("5", gettext_lazy("无控制措施")),
    ("3", gettext_lazy("有减轻后果的应急措施（如警报系统、个体防护用品）")),
    ("1", gettext_lazy("有预防措施（如机器防护装置等），且保证有效")),
)
MES_SEVERITY = _options(
    (
        "10",
        gettext_lazy("人身伤害：多人死亡；财产损失：1亿元以上；环境影响：重大环境影响的不可控排放"),
    ),
    (
        "8",
        gettext_lazy(
            "人身伤害：一人死亡；职业病：多人职业病；财产损失：1000万元至1亿元；环境影响：中等环境影响的不可控排放"
        ),
    ),
    (
        "4",
        gettext_lazy(
            "人身伤害：永久失能；职业病：一人职业病；财产损失：100万元至1000万元；环境影响：较轻环境影响的不可控排放"
        ),
    ),
    (
        "2",
        gettext_lazy(
            "人身伤害：需要治疗，缺工；职业病：职业性多发病；财产损失：10万元至100万元；环境影响：局部环境影响的可控排放"
        ),
    ),
    (
        "1",
        gettext_lazy(
            "人身伤害：轻微，仅需急救；职业病：职业因素引起的身体不适；财产损失：3万元以下；环境影响：无环境影响"
        ),
    ),
)

# The default factor tables. LEC's C is the classical table; a profile selects the multi-dimensional one through
# `lec_consequence_table` (see `factor_options`).
FACTOR_TABLES: Mapping[str, Mapping[str, tuple[FactorOption, ...]]] = {
    LEC: {"L": LEC_LIKELIHOOD, "E": EXPOSURE, "C": LEC_CONSEQUENCE},
    LS: {"L": LS_LIKELIHOOD, "S": LS_SEVERITY},
    MES: {"M": MES_MEASURES, "E": EXPOSURE, "S": MES_SEVERITY},
}
LEC_CONSEQUENCE_TABLES: Mapping[str, tuple[FactorOption, ...]] = {
    LEC_CONSEQUENCE_CLASSICAL: LEC_CONSEQUENCE,
    LEC_CONSEQUENCE_SHANDONG: LEC_CONSEQUENCE_MULTIDIMENSIONAL,
}

_EXPOSURE_SOURCE = Source(
    citation="作业条件危险性分析法（LEC）暴露频繁程度 E 的取值",
    confidence=SECONDARY,
    note="Classical Graham–Kinney exposure set; agrees across many reproductions, primary text not seen ([P]).",
)
FACTOR_SOURCES: Mapping[str, Mapping[str, Source]] = {
    LEC: {
        "L": Source(
            citation="作业条件危险性分析法（LEC）事故发生可能性 L 的取值；判定说明参照山东 DB37/T 2882-2016 类文本",
            confidence=SECONDARY,
            note=(
                "Values {10, 6, 3, 1, 0.5, 0.2, 0.1} are the classical set ([P], many agreeing reproductions). The "
                "detectability wording after each classical label is the Shandong-derived text reproduced verbatim in "
                "several systems; the DB37/T text itself was not seen."
            ),
        ),
        "E": _EXPOSURE_SOURCE,
        "C": Source(
            citation="作业条件危险性分析法（LEC）事故后果 C 的取值（按人员伤亡）",
            confidence=SECONDARY,
            note="Classical casualty-based set {100, 40, 15, 7, 3, 1}; the wording varies between sources ([P]).",
        ),
    },
    LS: {
        "L": Source(
            citation="风险矩阵法（LS）可能性 L 判定准则（山东 DB37/T 2882-2016 类，按可发现性和控制措施）",
            confidence=SECONDARY,
            note=(
                "Detectability style, chosen as the default over the frequency style (偏差发生率/安全检查/操作规程/"
                "员工胜任程度/控制措施) because it comes from the Shandong special-equipment family ([P])."
            ),
        ),
        "S": Source(
            citation="风险矩阵法（LS）严重性 S 判定准则（山东 DB37/T 2882-2016 类，五个维度取最高）",
            confidence=SECONDARY,
            note=(
                "Composite of two reproductions ([P]). Where they differ the first one's wording is used: S=5 "
                "'死亡' (the other: 3人及以上死亡) and ≥50万元 (the other: >100万元); S=2 <10万元 (the other: <1万元). "
                "The money bands are the least settled part of the table."
            ),
        ),
    },
    MES: {
        "M": Source(
            citation="MES 评价法控制措施状态 M 的取值",
            confidence=SECONDARY,
            note="5 / 3 / 1 as reproduced ([P]).",
        ),
        "E": _EXPOSURE_SOURCE,
        "S": Source(
            citation="MES 评价法事故可能后果 S 的取值",
            confidence=SECONDARY,
            note="10 / 8 / 4 / 2 / 1 with occupational-disease, property-loss and environment descriptors ([P]).",
        ),
    },
}
LEC_CONSEQUENCE_SOURCES: Mapping[str, Source] = {
    LEC_CONSEQUENCE_CLASSICAL: FACTOR_SOURCES[LEC]["C"],
    LEC_CONSEQUENCE_SHANDONG: Source(
        citation=(
            "山东 DB37/T 2882-2016 类多维度事故后果 C 的取值（法律法规、人员伤亡、直接经济损失、停工、企业形象取最高）"
        ),
        confidence=SECONDARY,
        note=(
            "Two independent reproductions agree on the value set {100, 40, 15, 7, 2, 1} and on the 法律法规 column "
            "([P]); their casualty and money columns differ and one version is shown. A third reproduction uses money "
            "bands 1万/10万/25万/50万/100万."
        ),
    ),
}


# --- Province profiles -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """Scores from `lower` (inclusive) up to the next higher band's lower bound (exclusive) grade as `level`."""

    level: str
    lower: Decimal


@dataclass(frozen=True)
class ProvinceProfile:
    code: str
    name: str
    bands: Mapping[str, tuple[Band, ...]]  # per method, from major down; the last band's lower bound is 0
    lec_consequence_table: str  # "classical" | "shandong"
    minimum_control_level: Mapping[str, str]  # risk level → the lowest control level allowed
    review_months: Mapping[str, int]  # risk level → months until the next periodic re-assessment
    citation: str
    band_sources: Mapping[str, Source] = field(default_factory=dict)  # per method

    def __post_init__(self):
        # Read-only views, so that a profile shared by every request cannot be changed by one of them.
        for name in ("bands", "minimum_control_level", "review_months", "band_sources"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        self._check()

    def _check(self) -> None:
        if set(self.bands) != set(METHODS):
            raise ValueError(f"profile {self.code!r}: bands must be given for exactly the methods {METHODS}")
        for method, bands in self.bands.items():
            if tuple(band.level for band in bands) != LEVELS:
                raise ValueError(f"profile {self.code!r}: {method} bands must be one per level, in the order {LEVELS}")
            lowers = [band.lower for band in bands]
            if any(not isinstance(lower, Decimal) for lower in lowers):
                raise ValueError(f"profile {self.code!r}: {method} band bounds must be Decimal")
            if any(higher <= lower for higher, lower in pairwise(lowers)):
                raise ValueError(f"profile {self.code!r}: {method} band bounds must decrease strictly from major down")
            if lowers[-1] != 0:
                raise ValueError(f"profile {self.code!r}: the lowest {method} band must start at 0")
        if self.lec_consequence_table not in LEC_CONSEQUENCE_STYLES:
            raise ValueError(f"profile {self.code!r}: lec_consequence_table must be one of {LEC_CONSEQUENCE_STYLES}")
        if set(self.minimum_control_level) != set(LEVELS):
            raise ValueError(f"profile {self.code!r}: minimum_control_level must name every level {LEVELS}")
        for control_level in self.minimum_control_level.values():
            _control_index(control_level)
        if set(self.review_months) != set(LEVELS) or any(
            not isinstance(months, int) or months < 1 for months in self.review_months.values()
        ):
            raise ValueError(f"profile {self.code!r}: review_months must give a positive whole number for every level")
        if set(self.band_sources) - set(METHODS):
            raise ValueError(f"profile {self.code!r}: band_sources may only name the methods {METHODS}")


def _bands(major: str, significant: str, general: str) -> tuple[Band, ...]:
    return (
        Band(MAJOR, Decimal(major)),
        Band(SIGNIFICANT, Decimal(significant)),
        Band(GENERAL, Decimal(general)),
        Band(LOW, Decimal(0)),
    )


SHANXI = ProvinceProfile(
    code="shanxi",
    name=gettext_lazy("山西省"),
    bands={
        # LEC, R1e ([P]): D ≥ 320 重大; 160 ≤ D < 320 较大; 70 ≤ D < 160 一般; D < 70 低 (the classical D and E bands,
        # 20–70 and < 20, are both 低). Lower-inclusive bounds are a PROPOSAL: 70 and 20 arise from the value sets
        # (10×1×7, 0.5×1×40), 320 and 160 do not.
        LEC: _bands("320", "160", "70"),
        # LS, R2d Variant A (Shandong DB37/T 2882 type, [P], three agreeing reproductions): 20–25 重大; 15–16 较大;
        # 9–12 一般; 4–8 and 1–3 低. The default (PROPOSAL) because it comes from the special-equipment family.
        LS: _bands("20", "15", "9"),
        # MES, R3 ([P] at best, to verify): R ≥ 180 重大; 90 ≤ R < 180 较大; 50 ≤ R < 90 一般; R < 50 低. The one
        # reproduction seen has inconsistent boundaries.
        MES: _bands("180", "90", "50"),
    },
    # R1c, the classical casualty table ([P]); the multi-dimensional R1d table is the alternative.
    lec_consequence_table=LEC_CONSEQUENCE_CLASSICAL,
    # R4, PROPOSAL (sources tick different levels; configurable). Major at company level is also required by
    # 晋市监发〔2022〕116号 (see control_problems); each level is controlled by every level below it as well.
    minimum_control_level={
        MAJOR: CONTROL_COMPANY,
        SIGNIFICANT: CONTROL_DEPARTMENT,
        GENERAL: CONTROL_WORKSHOP,
        LOW: CONTROL_POST,
    },
    # PROPOSAL: re-assess at least yearly (§2.6), more often the higher the level. No source gives these periods.
    review_months={MAJOR: 3, SIGNIFICANT: 6, GENERAL: 12, LOW: 12},
    citation=(
        "晋市监发〔2022〕116号；山西省特种设备风险分级管控地方标准（DB14/T）文本未获取，"
        "评价分级暂参照山东 DB37/T 2882-2016、DB37/T 3078-2017 类做法"
    ),
    band_sources={
        LEC: Source(
            citation="作业条件危险性分析法（LEC）风险分级：D≥320 重大，160≤D<320 较大，70≤D<160 一般，D<70 低",
            confidence=SECONDARY,
            note="Four-level mapping of the classical five bands ([P]); lower-inclusive bounds are a PROPOSAL.",
        ),
        LS: Source(
            citation=(
                "风险矩阵法（LS）风险分级（山东 DB37/T 2882-2016 类）：20～25 重大，15～16 较大，9～12 一般，1～8 低"
            ),
            confidence=SECONDARY,
            note="Variant A, three agreeing reproductions ([P]); Variant B (17/11/5) is also in circulation.",
        ),
        MES: Source(
            citation="MES 评价法风险分级：R≥180 重大，90≤R<180 较大，50≤R<90 一般，R<50 低（待核实）",
            confidence=UNVERIFIED,
            note="The only reproduction seen has inconsistent boundaries; check against the adopted standard.",
        ),
    },
)

# The same as Shanxi except the LS bands: R2d Variant B ([P]), 17–25 重大, 11–16 较大, 5–10 一般, 1–4 低. Variant B is
# documented as a second threshold set in circulation, not as Shandong's own (Shandong's is Variant A).
LS_VARIANT_B = replace(
    SHANXI,
    code="ls_variant_b",
    name=gettext_lazy("风险矩阵 B 方案（17/11/5）"),
    bands={**SHANXI.bands, LS: _bands("17", "11", "5")},
    band_sources={
        **SHANXI.band_sources,
        LS: Source(
            citation="风险矩阵法（LS）风险分级 B 方案：17～25 重大，11～16 较大，5～10 一般，1～4 低",
            confidence=SECONDARY,
            note="Variant B ([P]); one of the two threshold sets in circulation.",
        ),
    },
)

PROFILES: Mapping[str, ProvinceProfile] = MappingProxyType({SHANXI.code: SHANXI, LS_VARIANT_B.code: LS_VARIANT_B})
DEFAULT_PROFILE = SHANXI.code


def profile(code: str = DEFAULT_PROFILE) -> ProvinceProfile:
    try:
        return PROFILES[code]
    except (KeyError, TypeError):
        raise ValueError(f"unknown province profile {code!r}; expected one of {tuple(PROFILES)}")


def _profile_or_default(given: ProvinceProfile | None) -> ProvinceProfile:
    return PROFILES[DEFAULT_PROFILE] if given is None else given


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown assessment method {method!r}; expected one of {METHODS}")


def factor_options(method: str, factor: str, profile: ProvinceProfile | None = None) -> tuple[FactorOption, ...]:
    """The values a factor may take under the profile (LEC's C follows the profile's consequence table)."""
    _check_method(method)
    if factor not in FACTOR_NAMES[method]:
        raise ValueError(f"method {method!r} has no factor {factor!r}; its factors are {FACTOR_NAMES[method]}")
    if method == LEC and factor == "C":
        return LEC_CONSEQUENCE_TABLES[_profile_or_default(profile).lec_consequence_table]
    return FACTOR_TABLES[method][factor]


def factor_source(method: str, factor: str, profile: ProvinceProfile | None = None) -> Source:
    factor_options(method, factor, profile)  # the same checks
    if method == LEC and factor == "C":
        return LEC_CONSEQUENCE_SOURCES[_profile_or_default(profile).lec_consequence_table]
    return FACTOR_SOURCES[method][factor]


# --- Validation and assessment -----------------------------------------------------------------------------------


class InvalidFactors(ValueError):
    """Factors that are missing, unknown or outside their table; `errors` maps a factor name to a message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


def _plain(value: Decimal) -> str:
    return format(value, "f")


def _allowed_text(options: tuple[FactorOption, ...]) -> str:
    # Translators: the separator between the allowed values of a risk factor, as in "10、6、3".
    return _("、").join(_plain(option.value) for option in options)


def _as_decimal(raw: object) -> Decimal | None:
    """A finite Decimal for ints, floats (by their shortest repr, so 0.1 is 0.1), Decimals and numeric strings."""
    if isinstance(raw, bool):  # True would otherwise pass as 1
        return None
    try:
        if isinstance(raw, Decimal | int):
            number = Decimal(raw)
        elif isinstance(raw, float):
            number = Decimal(repr(raw))
        elif isinstance(raw, str):
            number = Decimal(raw.strip())
        else:
            return None
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def validate_factors(
    method: str, factors: Mapping[str, object], profile: ProvinceProfile | None = None
) -> dict[str, Decimal]:
    """The factors as table values (Decimal), in the method's order; raises InvalidFactors naming every problem.

    A value must equal one of its table's values exactly (1.0 is 1; 0.3 is not 0.2). Blank values count as missing.
    An unknown method raises a plain ValueError.
    """
    _check_method(method)
    names = FACTOR_NAMES[method]
    if not isinstance(factors, Mapping):
        raise InvalidFactors(
            {
                name: _("须填写 %(factor)s 的取值（%(allowed)s 之一）")
                % {"factor": name, "allowed": _allowed_text(factor_options(method, name, profile))}
                for name in names
            }
        )
    errors: dict[str, str] = {}
    cleaned: dict[str, Decimal] = {}
    for name in names:
        options = factor_options(method, name, profile)
        raw = factors.get(name)
        if _is_blank(raw):
            errors[name] = _("须填写 %(factor)s 的取值（%(allowed)s 之一）") % {
                "factor": name,
                "allowed": _allowed_text(options),
            }
            continue
        number = _as_decimal(raw)
        match = next((option.value for option in options if number is not None and option.value == number), None)
        if match is None:
            errors[name] = _("%(factor)s 的取值须为 %(allowed)s 之一") % {
                "factor": name,
                "allowed": _allowed_text(options),
            }
        else:
            cleaned[name] = match
    for name in factors:
        if name not in names:
            errors[str(name)] = _("%(method)s 法没有因素 %(factor)s，只用 %(factors)s") % {
                "method": method.upper(),
                "factor": name,
                "factors": _("、").join(names),
            }
    if errors:
        raise InvalidFactors(errors)
    return cleaned


@dataclass(frozen=True)
class Assessment:
    method: str
    factors: dict[str, Decimal]
    score: Decimal
    level: str
    color: str

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]


SCORE_QUANTUM = Decimal("0.01")


def grade(method: str, score: Decimal, profile: ProvinceProfile | None = None) -> str:
    """The level of a raw score under the profile's bands (lower-inclusive)."""
    _check_method(method)
    if isinstance(score, bool) or not isinstance(score, Decimal | int):
        raise ValueError(f"a score must be a Decimal or an int, got {score!r}")
    score = Decimal(score)
    if not score.is_finite() or score < 0:
        raise ValueError(f"a score must be a finite number of at least 0, got {score!r}")
    for band in _profile_or_default(profile).bands[method]:
        if score >= band.lower:
            return band.level
    raise AssertionError("unreachable: the lowest band starts at 0")  # guaranteed by ProvinceProfile._check


def assess(method: str, factors: Mapping[str, object], profile: ProvinceProfile | None = None) -> Assessment:
    """Validate the factors, multiply them (quantised to 2 decimals) and grade the score."""
    cleaned = validate_factors(method, factors, profile)
    score = Decimal(1)
    for value in cleaned.values():
        score *= value
    # Every table value has at most one decimal place, so the products are exact to 0.01: quantising only fixes
    # the representation (70 → 70.00).
    score = score.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)
    level = grade(method, score, profile)
    return Assessment(method=method, factors=cleaned, score=score, level=level, color=LEVEL_COLORS[level])


# --- Control and review ------------------------------------------------------------------------------------------


def _check_level(level: str) -> None:
    level_rank(level)


def minimum_control_level(level: str, profile: ProvinceProfile | None = None) -> str:
    _check_level(level)
    return _profile_or_default(profile).minimum_control_level[level]


def next_review_on(level: str, reviewed_on: date, profile: ProvinceProfile | None = None) -> date:
    """The date of the next periodic re-assessment: the profile's months for the level, in calendar months."""
    _check_level(level)
    return add_months(reviewed_on, _profile_or_default(profile).review_months[level])


def control_problems(
    level: str, control_level: str | None, owner_roles: Iterable[str], profile: ProvinceProfile | None = None
) -> dict[str, str]:
    """What is wrong with how a graded risk is controlled, as field → message; empty when nothing is.

    晋市监发〔2022〕116号: a major risk not controlled at the top management level is itself a major accident hazard.
    So a major risk must be controlled at company level, and (the platform's reading of "top management", PROPOSAL)
    owned by someone holding the unit's principal role. Other levels must be controlled at the profile's minimum
    control level or above; their owner may hold any role. A missing control level counts as too low.
    """
    _check_level(level)
    if control_level:
        _control_index(control_level)
    roles = {str(role) for role in owner_roles}
    problems: dict[str, str] = {}
    if level == MAJOR:
        if control_level != CONTROL_COMPANY:
            problems["control_level"] = _(
                "重大风险须由公司级管控（晋市监发〔2022〕116号：重大风险未实施最高管理层级管控的，一律确定为重大事故隐患）"
            )
        if PRINCIPAL_ROLE not in roles:
            problems["owner"] = _(
                "重大风险须由单位主要负责人作为管控责任人（晋市监发〔2022〕116号：重大风险未实施最高管理层级管控的，"
                "一律确定为重大事故隐患）"
            )
        return problems
    minimum = minimum_control_level(level, profile)
    if not control_level or not control_level_at_least(control_level, minimum):
        problems["control_level"] = _("%(level)s的管控层级不得低于%(minimum)s") % {
            "level": LEVEL_LABELS[level],
            "minimum": CONTROL_LEVEL_LABELS[minimum],
        }
    return problems
