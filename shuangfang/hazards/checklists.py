"""The hazard-investigation checklist library (隐患排查清单).

Two families, after the DB37/T 3452 annexes: 基础管理类 (basic management: registration, inspection, certificates,
files, the Order 74 daily/weekly/monthly records, emergency preparedness) and 使用现场类 (on site: the safety
accessories and protective devices of each equipment family, checked at the equipment).

An item names the GB 45067-2024 clause that a failure of it meets only where the failure really is that major
hazard. Failed or overdue inspections are judged from inspection records (see rules.INSPECTION_FAILED_CLAUSE), so the
basic items about inspection link no clause.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

FAMILY_BASIC = "basic"  # 基础管理类
FAMILY_ONSITE = "onsite"  # 使用现场类
FAMILIES = (FAMILY_BASIC, FAMILY_ONSITE)

ALL_CATEGORIES = ("1000", "2000", "3000", "4000", "5000", "6000", "8000", "9000")
ELEVATORS = ("3100", "3200", "3400")  # lifts; escalators and moving walks (3300) have their own items
ESCALATORS = ("3300",)
VESSELS = ("2100", "2200")
FILLING = ("2200", "2300")  # filling of mobile vessels and cylinders
OUTDOOR_RAIL_CRANES = ("4100", "4200", "4700", "4900")
# Categories with operator certificate items in the 2019 scheme (TSG Z6001): boilers G, vessels R, cylinders P,
# cranes Q, vehicles N, rides Y, ropeways S. Elevator repair (T) is the maintenance contractor's, checked there.
WITH_OPERATORS = ("1000", "2000", "4000", "5000", "6000", "9000")
# Equipment whose safety valves, bursting discs and gauges are calibrated on a cycle.
WITH_PRESSURE_ACCESSORIES = ("1000", "2100", "2200", "2400", "8000")

LAW = "《特种设备安全法》"
ORDER_74 = "《特种设备使用单位落实使用安全主体责任监督管理规定》（市场监管总局令第74号）"
GB45067 = "GB 45067-2024"


@dataclass(frozen=True)
class CheckItemTemplate:
    code: str
    family: str
    catalog_prefixes: tuple[str, ...]
    text: str  # what to check, on site or in the files
    standard: str  # what "ok" means
    gb45067_clause: str | None  # the major-hazard clause a failure meets, only where it really corresponds
    citation: str

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"{self.code}: family must be one of {FAMILIES}, got {self.family!r}")
        if not self.catalog_prefixes:
            raise ValueError(f"{self.code}: at least one catalog prefix is required")


def _basic(code, prefixes, text, standard, citation, clause=None) -> CheckItemTemplate:
    return CheckItemTemplate(code, FAMILY_BASIC, tuple(prefixes), text, standard, clause, citation)


def _onsite(code, prefixes, text, standard, citation, clause=None) -> CheckItemTemplate:
    return CheckItemTemplate(code, FAMILY_ONSITE, tuple(prefixes), text, standard, clause, citation)


def _gb(clause: str) -> str:
    # "4.6b" → "GB 45067-2024 4.6 b)", the way the standard prints its items.
    return f"{GB45067} {clause[:-1]} {clause[-1]})"


CHECKLIST_LIBRARY: tuple[CheckItemTemplate, ...] = (
    # === 基础管理类 ==================================================================================================
    _basic(
        "BAS-REGISTRATION",
        ALL_CATEGORIES,
        "核查设备是否已办理使用登记，使用登记证是否在有效状态，登记标志是否置于设备显著位置",
        "投入使用前或投入使用后30日内已办理使用登记；登记信息与设备铭牌一致；登记标志张贴在设备上或附近显著位置",
        f"{LAW}第三十三条；TSG 08《特种设备使用管理规则》使用登记",
    ),
    _basic(
        "BAS-CHANGE-REGISTRATION",
        ALL_CATEGORIES,
        "核查设备改造、移装、变更使用单位或单位更名、达到设计使用年限后是否办理变更登记",
        "发生上述情形的，已在规定期限内办理变更登记；达到设计使用年限继续使用的，有检验或安全评估结论及单位批准记录",
        f"{LAW}第四十七条、第四十八条；TSG 08 变更登记",
    ),
    _basic(
        "BAS-SUSPENSION",
        ALL_CATEGORIES,
        "核查停用一年以上的设备是否采取保护措施、设置停用标志并告知登记机关，重新启用前是否经自行检查和启用手续",
        "停用设备有停用标志和停用告知记录；重新启用的设备有自行检查记录，超过检验有效期的已先行检验",
        "TSG 08《特种设备使用管理规则》停用",
    ),
    _basic(
        "BAS-INSPECTION-VALID",
        ALL_CATEGORIES,
        "核查定期检验是否在有效期内，是否在有效期届满1个月前向检验机构提出定期检验申请",
        "最近一次定期检验结论为合格（符合要求），下次检验日期未过；到期前已按时申报检验",
        f"{LAW}第四十条",
    ),
    _basic(
        "BAS-INSPECTION-MARK",
        ALL_CATEGORIES,
        "核查定期检验合格标志是否置于设备显著位置，标志上的下次检验日期与检验报告是否一致",
        "检验合格标志张贴（或标记）在规定位置，清晰可辨，日期与检验报告一致",
        f"{LAW}第四十条",
    ),
    _basic(
        "BAS-SAFETY-ROLES",
        ALL_CATEGORIES,
        "核查是否按设备种类任命安全总监、安全员，是否逐台明确责任安全员，任免是否存档",
        "有书面任命文件；每台设备有明确的责任安全员；安全总监、安全员经培训考核合格",
        f"{ORDER_74}（各章“安全总监、安全员”配备条款，如电梯第六十九条、第七十一条）",
    ),
    _basic(
        "BAS-SAFETY-MANAGER-CERTIFICATE",
        ALL_CATEGORIES,
        "核查规定须持证的安全管理负责人、专职安全管理员是否持有有效的特种设备安全管理（A）证",
        "符合TSG 08 设置安全管理机构或专职安全管理员条件的，相关人员持有在有效期内的A证",
        f"{LAW}第十四条；TSG 08《特种设备使用管理规则》安全管理人员",
    ),
    _basic(
        "BAS-OPERATOR-CERTIFICATES",
        WITH_OPERATORS,
        "核对现场作业人员的特种设备作业人员证：持证人与作业人员一致，作业项目与所操作设备对应，证件在有效期内",
        "每名作业人员持有对应项目（如G1、R1、P、Q2、N1、Y2、S2）的有效证件，无无证上岗或超项目作业",
        f"{LAW}第十四条；TSG Z6001《特种设备作业人员考核规则》",
    ),
    _basic(
        "BAS-RULES-AND-PROCEDURES",
        ALL_CATEGORIES,
        "核查是否建立岗位责任、隐患治理、应急救援等安全管理制度，并制定设备操作规程",
        "制度和操作规程成文、经批准发布，现场可查阅，内容与所用设备相符",
        f"{LAW}第三十四条；TSG 08《特种设备使用管理规则》安全管理制度",
    ),
    _basic(
        "BAS-TECHNICAL-FILE",
        ALL_CATEGORIES,
        "核查逐台安全技术档案：设计制造文件、安装改造维修资料、定期检验和自行检查记录、日常使用记录、维护保养记录、"
        "故障和事故记录",
        "档案逐台建立，所列资料齐全，最近的检验报告和维护保养记录已归档",
        f"{LAW}第三十五条",
    ),
    _basic(
        "BAS-RISK-CONTROL-LIST",
        ALL_CATEGORIES,
        "核查是否制定本单位该类设备的安全风险管控清单、安全总监职责和安全员守则",
        "三份文件齐全，与实际设备相符，风险变化后已更新",
        f"{ORDER_74}（如电梯第七十五条）",
    ),
    _basic(
        "BAS-DAILY-RECORDS",
        ALL_CATEGORIES,
        "抽查近一个月的《每日安全检查记录》：安全员是否每日对照风险管控清单检查在用设备并记录",
        "设备使用的每一天均有记录，未发现问题的有“零风险”记录，发现的问题有处理或报告记录",
        f"{ORDER_74}（日管控，如电梯第七十六条）",
    ),
    _basic(
        "BAS-WEEKLY-REPORTS",
        ALL_CATEGORIES,
        "抽查近一个月的《每周安全排查治理报告》：安全总监是否每周组织风险隐患排查",
        "每周至少一份报告，内容包括排查情况、日管控问题的处理和整改落实",
        f"{ORDER_74}（周排查，如电梯第七十七条）",
    ),
    _basic(
        "BAS-MONTHLY-MINUTES",
        ALL_CATEGORIES,
        "核查近三个月的《每月安全调度会议纪要》：主要负责人是否听取安全总监汇报并部署下月重点工作",
        "每月至少一份纪要，有主要负责人签字，列明当月问题和下月工作安排",
        f"{ORDER_74}（月调度，如电梯第七十八条）",
    ),
    _basic(
        "BAS-SELF-INSPECTION",
        ALL_CATEGORIES,
        "核查经常性维护保养和月度自行检查记录",
        "每月至少一次自行检查并记录；维护保养按规定周期进行并记录，发现的问题有处理结果",
        f"{LAW}第三十九条；《特种设备安全监察条例》第二十七条",
    ),
    _basic(
        "BAS-ACCESSORY-CALIBRATION",
        WITH_PRESSURE_ACCESSORIES,
        "核查安全阀、爆破片、压力表等安全附件和测量仪表的校验、检定和更换记录",
        "安全阀按规定周期校验并有校验报告，压力表在检定有效期内，更换有记录",
        f"{LAW}第三十九条",
    ),
    _basic(
        "BAS-HAZARD-LEDGER",
        ALL_CATEGORIES,
        "核查事故隐患排查治理台账：发现的隐患是否登记、定人定时整改并复查销号",
        "每条隐患有发现时间、整改责任人、期限、措施和验收结论；严重事故隐患有停用和报告记录",
        f"{LAW}第四十一条；{ORDER_74}（如电梯第七十条）",
    ),
    _basic(
        "BAS-EMERGENCY-PLAN",
        ALL_CATEGORIES,
        "核查是否制定特种设备事故应急专项预案（或在综合预案中包含特种设备内容），应急救援器材是否配备",
        "预案成文、经批准，内容针对所用设备，应急联系方式有效",
        f"{LAW}第六十九条；TSG 08《特种设备使用管理规则》应急预案",
    ),
    _basic(
        "BAS-EMERGENCY-DRILL",
        ALL_CATEGORIES,
        "核查应急演练记录：演练时间、参加人员、过程和总结评估",
        "按预案定期演练，须设专项预案的单位每年至少演练一次，记录和评估齐全",
        f"{LAW}第六十九条；TSG 08《特种设备使用管理规则》应急演练",
    ),
    _basic(
        "BAS-ELEVATOR-MAINTENANCE-CONTRACT",
        ("3000",),
        "核查是否与取得许可的电梯维护保养单位签订维保合同，合同是否在有效期内，维保人员是否持电梯修理（T）证",
        "维保合同在有效期内，维保单位许可范围覆盖该电梯，维保人员持有效T证",
        f"{LAW}第四十五条；TSG T5002《电梯维护保养规则》",
    ),
    _basic(
        "BAS-ELEVATOR-MAINTENANCE-RECORDS",
        ("3000",),
        "抽查维保记录：是否至少每15日维保一次，半月、季度、半年、年度项目是否按期完成，安全员是否签字确认",
        "相邻两次维保间隔不超过15日，各周期项目齐全，记录有维保人员和使用单位安全员签字",
        f"TSG T5002《电梯维护保养规则》；{ORDER_74}（电梯安全员职责）",
    ),
    # === 使用现场类：电梯 =============================================================================================
    _onsite(
        "ELV-DOOR-LOCK-CIRCUIT",
        ELEVATORS,
        "检查控制柜内门锁安全回路无短接线，检修短接装置处于正常位置；任一层门或轿门打开时电梯不能启动或运行",
        "门锁回路完整、未被短接，开门状态下电梯无法运行",
        _gb("4.6b"),
        "4.6b",
    ),
    _onsite(
        "ELV-GOVERNOR-SAFETY-GEAR",
        ELEVATORS,
        "查看限速器—安全钳联动试验记录（定期检验或年度维保），检查限速器铅封和动作速度校验有效期",
        "最近一次联动试验合格，限速器铅封完好，动作速度校验在有效期内",
        _gb("4.6c"),
        "4.6c",
    ),
    _onsite(
        "ELV-ALARM-INTERCOM",
        ELEVATORS,
        "在轿厢内按下紧急报警按钮，测试与值班室（或救援机构）的双向对讲",
        "报警装置有效，能与有人值守处双向通话，声音清晰",
        f"TSG T5002《电梯维护保养规则》；{ORDER_74}电梯风险管控清单（安全保护装置类）",
    ),
    _onsite(
        "ELV-LANDING-DOOR",
        ELEVATORS,
        "逐层检查层门：轿厢不在本层时层门能自动关闭并锁住，用手不能扒开，门扇无明显变形、门缝正常",
        "层门自闭装置有效，门锁啮合可靠，门扇无变形、无脱轨",
        "TSG T5002《电梯维护保养规则》（层门自动关门装置、门锁）",
    ),
    _onsite(
        "ELV-CAR-DOOR-PROTECTION",
        ELEVATORS,
        "在轿门关闭过程中遮挡光幕或触碰安全触板，检查门是否重新开启",
        "防止门夹人的保护装置动作有效，轿门反向开启",
        f"{ORDER_74}电梯风险管控清单（轿门防撞击保护装置）",
    ),
    _onsite(
        "ELV-MACHINE-ROOM",
        ELEVATORS,
        "检查机房（机器设备间）：门能锁闭且有警示标志，通道畅通，照明正常，无杂物，通风和温度适宜",
        "机房门锁闭、有“机房重地，闲人免进”等标志，无与电梯无关的设备和杂物，照明和通风正常",
        f"{ORDER_74}电梯风险管控清单（设备类：机房和通道）",
    ),
    _onsite(
        "ELV-RESCUE-TOOLS",
        ELEVATORS,
        "检查盘车手轮、松闸扳手、层门三角钥匙是否在指定位置，紧急救援操作说明是否张贴",
        "救援工具齐全、放在易取的指定位置，操作说明清晰，三角钥匙由专人保管",
        f"{ORDER_74}电梯风险管控清单（手动紧急操作装置和救援程序）",
    ),
    _onsite(
        "ELV-NOTICES",
        ("3000",),
        "检查轿厢内或出入口的使用标志、安全使用说明、安全注意事项和警示标志、应急救援电话",
        "标志和说明张贴在乘客易于注意的显著位置，内容清晰，救援电话有效",
        f"{LAW}第四十三条",
    ),
    # === 使用现场类：自动扶梯与自动人行道 ============================================================================
    _onsite(
        "ESC-EMERGENCY-STOP",
        ESCALATORS,
        "逐一按下出入口及中间位置的紧急停止开关，检查设备能否停止运行",
        "紧急停止开关齐全、标识清晰、无遮挡，按下后设备可靠停止",
        _gb("4.6d"),
        "4.6d",
    ),
    _onsite(
        "ESC-HANDRAIL-CLEARANCE",
        ESCALATORS,
        "测量扶手带外缘与墙壁、楼板开口边缘等障碍物的水平距离，距离小于400 mm处检查防护挡板",
        "距离不小于400 mm；小于400 mm处设有规定的防护挡板（防碰挡板）且完好",
        _gb("4.6e"),
        "4.6e",
    ),
    _onsite(
        "ESC-COMB-PLATE",
        ESCALATORS,
        "检查出入口梳齿板：梳齿有无断齿、变形，与梯级（踏板）齿槽啮合是否良好，梳齿板开关是否有效",
        "梳齿完好，无相邻两齿缺损，啮合良好，异物卡入时梳齿板开关能使设备停止",
        "TSG T5002《电梯维护保养规则》（自动扶梯梳齿板）",
    ),
    _onsite(
        "ESC-SKIRT-GUARD",
        ESCALATORS,
        "检查围裙板与梯级间隙及防夹装置（毛刷）",
        "单侧间隙不大于4 mm、两侧之和不大于7 mm，防夹毛刷完好无缺失",
        "TSG T5002《电梯维护保养规则》（围裙板）",
    ),
    _onsite(
        "ESC-ENTRY-AREA",
        ESCALATORS,
        "检查出入口：扶手带入口保护装置是否有效，出入口有无障碍物堆放，乘梯须知和警示标志是否齐全",
        "扶手带入口保护开关动作有效，出入口畅通，须知和警示标志清晰",
        f"{LAW}第四十三条；TSG T5002《电梯维护保养规则》",
    ),
    # === 使用现场类：起重机械 =========================================================================================
    _onsite(
        "CRN-EMERGENCY-STOP",
        ("4000",),
        "在司机室、操作台（遥控器）上操作紧急停止开关，检查能否切断总动力电源",
        "紧急停止开关齐全、标识为红色、非自动复位，动作后所有机构停止",
        _gb("4.7c"),
        "4.7c",
    ),
    _onsite(
        "CRN-LOAD-LIMITER",
        ("4000",),
        "检查起重量限制器（塔式、流动式起重机检查起重力矩限制器，施工升降机检查防坠安全器标定有效期）",
        "限制器（安全器）安装齐全、投入使用并动作有效，未被拆除或短接，防坠安全器在标定有效期内",
        _gb("4.7d"),
        "4.7d",
    ),
    _onsite(
        "CRN-WIND-ANTI-SLIDE",
        OUTDOOR_RAIL_CRANES,
        "检查室外轨道式起重机的夹轨器、锚定装置或铁鞋等抗风防滑装置，以及风速仪（如设置）",
        "抗风防滑装置齐全、动作灵活可靠，非工作状态按规定锚定",
        _gb("4.7e"),
        "4.7e",
    ),
    _onsite(
        "CRN-LIMIT-SWITCHES",
        ("4000",),
        "空载试验起升高度限位、下降深度限位、运行行程限位，检查端部止挡和缓冲器",
        "各限位开关动作可靠，端部止挡和缓冲器完好",
        "GB/T 6067.1《起重机械安全规程》；TSG 51《起重机械安全技术规程》",
    ),
    _onsite(
        "CRN-HOOK",
        ("4000",),
        "检查吊钩：防脱钩装置、裂纹、开口度和危险断面磨损",
        "防脱钩装置完好有效，无裂纹，开口度增加不超过原尺寸的10%，危险断面磨损不超过原尺寸的5%",
        "GB/T 6067.1《起重机械安全规程》（吊钩报废）",
    ),
    _onsite(
        "CRN-WIRE-ROPE",
        ("4000",),
        "检查钢丝绳：断丝、断股、扭结、压扁、磨损和锈蚀，绳端固定，吊钩在最低位置时卷筒上的余留圈数",
        "未达到GB/T 5972报废标准，绳端固定可靠，卷筒上除固定圈外至少保留2圈",
        "GB/T 5972《起重机 钢丝绳 保养、维护、检验和报废》；GB/T 6067.1《起重机械安全规程》",
    ),
    _onsite(
        "CRN-BRAKES",
        ("4000",),
        "试验起升、运行机构制动器，检查制动轮（盘）和摩擦片磨损",
        "制动器动作可靠，额定载荷下不溜钩，摩擦片磨损未超限",
        "GB/T 6067.1《起重机械安全规程》",
    ),
    # === 使用现场类：锅炉 =============================================================================================
    _onsite(
        "BLR-THERMAL-INSTRUMENTS",
        ("1000",),
        "检查压力表、温度计、流量计等热工仪表的显示和控制电源、气源",
        "仪表显示正常、在检定有效期内，控制电源和气源正常，能监视和调整主要运行参数",
        _gb("4.2b"),
        "4.2b",
    ),
    _onsite(
        "BLR-SAFETY-VALVE",
        ("1000",),
        "检查安全阀（爆破片）：铅封、校验标牌、排放管，安全阀与锅筒（集箱）之间有无加装阀门",
        "安全阀铅封完好、在校验有效期内，排放管畅通，中间未加装阀门",
        _gb("4.2c"),
        "4.2c",
    ),
    _onsite(
        "BLR-ALARM",
        ("1000",),
        "试验高低水位报警、超压（超温）报警等系统报警装置",
        "报警装置投入运行，试验时声光报警正常",
        _gb("4.2d"),
        "4.2d",
    ),
    _onsite(
        "BLR-INTERLOCK",
        ("1000",),
        "检查低水位联锁、超压（超温）联锁等联锁保护装置是否投入，查看联锁试验记录",
        "联锁保护全部投入、未被解除或短接，最近一次试验动作正常",
        _gb("4.2e"),
        "4.2e",
    ),
    _onsite(
        "BLR-FLAME-FAILURE",
        ("1000",),
        "检查燃油、燃气、煤粉锅炉的熄火保护装置（火焰检测）是否投入，查看试验记录",
        "熄火保护装置投入运行，熄火时能自动切断燃料供应",
        _gb("4.2f"),
        "4.2f",
    ),
    _onsite(
        "BLR-WATER-LEVEL",
        ("1100",),
        "检查蒸汽锅炉水位表：数量、清晰程度、最高最低安全水位标志，查看冲洗记录",
        "至少两个彼此独立的直读式水位表（另有规定的除外），水位清晰可见，标志明显，按班冲洗并记录",
        "TSG 11《锅炉安全技术规程》（水位测量与示控装置）",
    ),
    _onsite(
        "BLR-WATER-TREATMENT",
        ("1100", "1200"),
        "查看锅炉水（介质）处理和水质化验记录",
        "按规定进行水处理，水质化验按规定频次进行并记录，指标符合GB/T 1576",
        f"{LAW}第四十四条；GB/T 1576《工业锅炉水质》",
    ),
    # === 使用现场类：压力容器 =========================================================================================
    _onsite(
        "PV-SAFETY-DEVICES",
        VESSELS,
        "检查安全阀、爆破片装置、紧急切断装置：铅封、校验有效期、爆破片更换期限，切断阀门能否动作",
        "安全附件齐全，安全阀在校验有效期内，爆破片在更换期限内，紧急切断装置动作可靠",
        _gb("4.3c"),
        "4.3c",
    ),
    _onsite(
        "PV-QUICK-OPENING-INTERLOCK",
        ("2100",),
        "对快开门式压力容器试验安全联锁：门未完全关闭时能否升压，容器内有压力时能否打开快开门",
        "快开门未完全闭合时不能升压运行，内部压力未完全释放时不能打开快开门",
        _gb("4.3d"),
        "4.3d",
    ),
    _onsite(
        "PV-NOT-USED-AS-MOBILE",
        ("2100",),
        "检查固定式压力容器是否被装车移动、随车运输使用或用于移动充装",
        "固定式压力容器固定安装在登记位置使用，未作为移动式压力容器使用",
        _gb("4.3b"),
        "4.3b",
    ),
    _onsite(
        "PV-GAUGES",
        VESSELS,
        "检查压力表、液位计、温度计：量程、检定有效期、最高工作压力（液位）红线标记",
        "压力表量程为工作压力的1.5～3倍并在检定有效期内，有红线标记，液位计清晰无泄漏",
        "TSG 21《固定式压力容器安全技术监察规程》；TSG R0005《移动式压力容器安全技术监察规程》",
    ),
    _onsite(
        "PV-BODY-LEAKS",
        VESSELS,
        "目视检查容器本体、接管、焊缝、法兰和支座：泄漏、变形、腐蚀、保温层破损",
        "无泄漏、无明显变形和腐蚀，支座稳固，运行参数不超过铭牌规定",
        "TSG 21《固定式压力容器安全技术监察规程》（年度检查）",
    ),
    # === 使用现场类：氧舱 =============================================================================================
    _onsite(
        "OXY-GROUNDING",
        ("2400",),
        "检查氧舱接地装置：接地线连接、接地电阻测试记录",
        "接地装置完好、连接牢固，接地电阻测试合格并有记录",
        _gb("4.3e"),
        "4.3e",
    ),
    _onsite(
        "OXY-SAFETY-INTERLOCK",
        ("2400",),
        "试验氧舱安全联锁：舱内有压力时舱门能否打开，递物筒内外门联锁",
        "安全联锁功能有效，舱内带压时舱门和递物筒不能打开",
        _gb("4.3f"),
        "4.3f",
    ),
    _onsite(
        "OXY-OXYGEN-CONCENTRATION",
        ("2400",),
        "检查舱内氧浓度监测仪显示和报警设定，查看运行记录",
        "测氧仪在校准有效期内，空气加压舱舱内氧浓度控制在23%以下，超限报警有效",
        "TSG 24《氧舱安全技术监察规程》",
    ),
    _onsite(
        "OXY-FIRE-SAFETY",
        ("2400",),
        "检查进舱人员和物品管理、舱内灭火（水喷淋）装置",
        "有进舱须知，禁止携带火种和易燃品、禁止穿着易产生静电的服装，灭火装置有效",
        "TSG 24《氧舱安全技术监察规程》",
    ),
    # === 使用现场类：压力管道 =========================================================================================
    _onsite(
        "PIP-SAFETY-DEVICES",
        ("8000",),
        "检查管道上的安全阀、爆破片装置、紧急切断装置：铅封、校验有效期、能否动作",
        "安全附件齐全，在校验（更换）有效期内，紧急切断装置动作可靠",
        _gb("4.4b"),
        "4.4b",
    ),
    _onsite(
        "PIP-LEAKS",
        ("8000",),
        "巡查管道、法兰、阀门、焊缝：泄漏、异常振动、支吊架损坏",
        "无泄漏，无异常振动，支吊架完好",
        "TSG D7005《压力管道定期检验规则—工业管道》（年度检查）",
    ),
    _onsite(
        "PIP-CORROSION",
        ("8000",),
        "检查防腐层、保温层及裸露管段的腐蚀、减薄",
        "防腐层、保温层完好，无明显腐蚀减薄",
        "TSG D7005《压力管道定期检验规则—工业管道》（年度检查）",
    ),
    _onsite(
        "PIP-MARKINGS",
        ("8000",),
        "检查管道介质名称和流向标识、识别色",
        "标识清晰，介质名称和流向与实际一致",
        "GB 7231《工业管道的基本识别色、识别符号和安全标识》",
    ),
    _onsite(
        "PIP-ROUTE-PROTECTION",
        ("8100",),
        "巡查长输管道线路：标志桩、警示牌，管道中心线两侧各5 m范围内有无违章占压和施工",
        "标志齐全，管道中心线两侧各5 m内无建（构）筑物占压、无取土挖掘等危害管道的行为",
        "《石油天然气管道保护法》第三十条",
    ),
    # === 使用现场类：移动式压力容器和气瓶充装 ========================================================================
    _onsite(
        "FIL-LICENCE",
        FILLING,
        "核查充装单位的充装许可证：是否在有效期内，许可的充装介质和充装对象是否覆盖实际充装",
        "取得有效的移动式压力容器或气瓶充装许可，实际充装在许可范围内",
        f"{_gb('4.5a')}；{LAW}第四十九条",
        "4.5a",
    ),
    _onsite(
        "FIL-MEDIUM-CHECK",
        FILLING,
        "抽查充装前检查记录，现场核对瓶（罐）体标识的充装介质与所充介质是否一致",
        "充装前逐只（逐车）检查并记录，标识介质与所充介质一致，无错装",
        _gb("4.5b"),
        "4.5b",
    ),
    _onsite(
        "FIL-EMERGENCY-SHUTOFF",
        FILLING,
        "试验充装台、装卸臂（软管）的紧急切断装置",
        "紧急切断装置齐全，试验能迅速切断充装，失效时停止充装",
        _gb("4.5c"),
        "4.5c",
    ),
    _onsite(
        "CYL-INSPECTION-DATES",
        ("2300",),
        "抽查待充装和在用气瓶的检验钢印（检验色标、电子标签）日期",
        "气瓶在检验有效期内，超期未检或报废的气瓶未充装、未使用",
        "TSG 23《气瓶安全技术规程》",
    ),
    _onsite(
        "CYL-ACCESSORIES",
        ("2300",),
        "检查气瓶瓶阀、瓶帽（保护罩）、防震圈，瓶体有无鼓包、凹陷和严重腐蚀",
        "附件齐全完好，瓶体无明显损伤",
        "TSG 23《气瓶安全技术规程》",
    ),
    _onsite(
        "CYL-STORAGE",
        ("2300",),
        "检查气瓶存放：直立固定、空瓶实瓶分开、氧气瓶与可燃气体气瓶的隔离，远离热源和明火",
        "有防倾倒措施，空瓶实瓶分区并有标识，氧化性与可燃气体气瓶分开存放，通风良好",
        "TSG 23《气瓶安全技术规程》",
    ),
    # === 使用现场类：大型游乐设施 =====================================================================================
    _onsite(
        "RID-RESTRAINTS",
        ("6000",),
        "逐座检查乘客束缚装置（安全带、安全压杠、挡杆）：锁紧、解锁和磨损",
        "束缚装置齐全，锁紧可靠，运行中不能被乘客自行打开，无破损",
        _gb("4.9b"),
        "4.9b",
    ),
    _onsite(
        "RID-CABIN-DOOR-LOCKS",
        ("6000",),
        "逐个检查乘人舱门锁闭装置",
        "舱门锁闭装置齐全，关闭后锁紧可靠，运行中不能打开",
        _gb("4.9c"),
        "4.9c",
    ),
    _onsite(
        "RID-BRAKES-LIMITS",
        ("6000",),
        "检查制动、限位、防碰撞及缓冲、止逆行、限速装置，查看试验记录",
        "各装置齐全并投入使用，试验动作可靠",
        _gb("4.9d"),
        "4.9d",
    ),
    _onsite(
        "RID-STRUCTURE",
        ("6000",),
        "检查主要受力部件、重要焊缝和关键螺栓：裂纹、严重变形、松动，查看无损检测记录",
        "无裂纹、无严重变形，关键螺栓紧固并有防松措施，按规定进行无损检测",
        _gb("4.9e"),
        "4.9e",
    ),
    _onsite(
        "RID-DAILY-TEST-RUN",
        ("6000",),
        "查看当日运营前的试运行和例行安全检查记录",
        "每日投入使用前已试运行和例行检查，安全附件和安全保护装置经检查确认，记录有签字",
        f"{LAW}第四十三条",
    ),
    _onsite(
        "RID-NOTICES",
        ("6000",),
        "检查乘客须知、安全注意事项和警示标志，乘客身高、身体状况限制是否公示",
        "须知和警示标志置于乘客易于注意的显著位置，限制条件明确",
        f"{LAW}第四十三条",
    ),
    # === 使用现场类：场（厂）内专用机动车辆 ===========================================================================
    _onsite(
        "VEH-EMERGENCY-POWER-CUTOFF",
        ("5000",),
        "对电动车辆操作紧急断电开关",
        "紧急断电开关齐全、位置便于驾驶人操作，动作后切断动力电源",
        _gb("4.10b"),
        "4.10b",
    ),
    _onsite(
        "VEH-BRAKES",
        ("5000",),
        "试验行车制动和驻车制动",
        "行车制动有效、无跑偏，驻车制动能使车辆在规定坡道上停住",
        _gb("4.10c"),
        "4.10c",
    ),
    _onsite(
        "VEH-TRAIN-COUPLING",
        ("5200",),
        "检查观光列车牵引连接装置及其二次保护装置（保险链等）",
        "牵引连接装置和二次保护装置齐全，连接可靠，无裂纹和严重磨损",
        _gb("4.10d"),
        "4.10d",
    ),
    _onsite(
        "VEH-GRADIENT",
        ("5200",),
        "核对观光车辆运行线路的最大坡度与车辆允许的最大运行坡度",
        "运行线路最大坡度不超过车辆产品允许的最大运行坡度",
        _gb("4.10e"),
        "4.10e",
    ),
    _onsite(
        "VEH-LIGHTS-HORN",
        ("5000",),
        "检查照明灯、转向灯、制动灯、喇叭和倒车报警",
        "灯光和喇叭齐全有效，倒车报警（如设置）正常",
        "TSG 81《场（厂）内专用机动车辆安全技术规程》",
    ),
    _onsite(
        "VEH-FORKS-CHAINS",
        ("5100",),
        "检查叉车货叉、门架、起升链条和护顶架",
        "货叉无裂纹和明显变形，链条无异常伸长和损伤，护顶架完好",
        "TSG 81《场（厂）内专用机动车辆安全技术规程》",
    ),
    # === 使用现场类：客运索道 =========================================================================================
    _onsite(
        "ROP-EMERGENCY-STOPS",
        ("9000",),
        "在控制室、站台和机房逐一试验紧急停止开关",
        "紧急停止开关齐全、标识清晰，动作后索道停车",
        _gb("4.8b"),
        "4.8b",
    ),
    _onsite(
        "ROP-CABIN-DOORS",
        ("9000",),
        "检查客车、吊厢、吊篮的门锁闭装置和门未锁闭时的停车功能",
        "门能可靠锁闭，门未锁闭时索道停止运行",
        _gb("4.8c"),
        "4.8c",
    ),
    _onsite(
        "ROP-AUXILIARY-DRIVE",
        ("9000",),
        "启动辅助驱动（或备用电源），查看定期试验记录",
        "辅助驱动和备用电源能正常启动并驱动索道运行",
        _gb("4.8d"),
        "4.8d",
    ),
    _onsite(
        "ROP-SAFETY-CIRCUIT",
        ("9000",),
        "检查安全回路：控制柜内有无短接线，故障旁路开关位置，查看故障记录",
        "安全回路完整，未采用短接方式维持运行，故障已排除后才恢复运行",
        _gb("4.8e"),
        "4.8e",
    ),
    _onsite(
        "ROP-DAILY-TEST-RUN",
        ("9000",),
        "查看当日运营前的试运行和例行安全检查记录",
        "每日投入使用前已试运行和例行检查，安全附件和安全保护装置经检查确认，记录有签字",
        f"{LAW}第四十三条",
    ),
    _onsite(
        "ROP-HAUL-ROPE",
        ("9000",),
        "检查运载索（牵引索）外观和探伤记录，索夹位置",
        "钢丝绳无断丝超标、无断股和明显变形，按规定探伤并有记录，索夹无滑移",
        "GB 12352《客运架空索道安全规范》",
    ),
)

_ITEMS_BY_CODE: Mapping[str, CheckItemTemplate] = MappingProxyType({item.code: item for item in CHECKLIST_LIBRARY})


def _prefix_covers(prefix: str, category: str) -> bool:
    # "3100" covers "3110": trailing zeros mark the levels below the prefix.
    return category.startswith(prefix.rstrip("0"))


def checklist_for(category: str) -> list[CheckItemTemplate]:
    """The check items for equipment of this catalog code: basic-management items first, then on-site items.

    Within each family the items keep library order. A code that is not four characters long matches nothing.
    """
    code = category.strip().upper() if isinstance(category, str) else ""
    if len(code) != 4:
        return []
    matching = [item for item in CHECKLIST_LIBRARY if any(_prefix_covers(p, code) for p in item.catalog_prefixes)]
    return [item for family in FAMILIES for item in matching if item.family == family]


def item_by_code(code: str) -> CheckItemTemplate:
    """The check item with this code; LookupError when the library has none."""
    try:
        return _ITEMS_BY_CODE[code]
    except KeyError:
        raise LookupError(f"no check item with code {code!r} in the library") from None
