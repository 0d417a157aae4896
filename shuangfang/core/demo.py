"""The demo province: a deterministic Shanxi with regulators, units, equipment, inspections, certificates and users,
and two demo units in Zezhou whose safety management files (一企一档) are kept: a coal company with a safety body,
and a small food factory (小微企业) that signs in to the simple mode.

One seed gives the same rows on every database (`random.Random(seed)`, fixed iteration orders, dates relative to the
`today` handed in), so that screenshots, manuals and benchmarks can name real rows. The generator writes in chunks
with `bulk_create`, keeps only the current chunk and one small descriptor per unit in memory, hashes the demo password
once, and appends a single `demo.generated` event: it is built to run at the province scale (a million equipment) as
well as at the small scale `make run` loads.

Sources of the shapes: 设备代码 and 使用登记证编号 follow TSG 08 Annex A and B; next due dates
come from `equipment.rules.compute_next_due`, exactly as the inspection service computes them; certificate items
follow TSG Z6001-2019 (valid four years); USCCs follow GB 32100-2015 with the GB 11714 organisation code inside.
"""

from __future__ import annotations

import math
import random
import struct
import time
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role, role_label
from shuangfang.equipment import rules
from shuangfang.equipment.choices import Conclusion, EquipmentStatus, InspectionKind
from shuangfang.equipment.models import (
    DUE_SOON_DAYS,
    CatalogEntry,
    CertificateItem,
    Equipment,
    OperatorCertificate,
    PeriodicInspection,
)
from shuangfang.equipment.rules import category_of
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS, OrganizationKind
from shuangfang.orgs.models import Industry, Organization, Region
from shuangfang.orgs.uscc import USCC_ALPHABET, make_uscc
from shuangfang.safety import models as safety_models

from .bulkload import insert_instances
from .crypto import blind_index
from .events import record_event

DEMO_SEED = 20260501
DEMO_PASSWORD = "Demo-2026-shuangfang"
DEFAULT_CHUNK_SIZE = 5000

PROVINCE_CODE = "140000"
JINCHENG_CODE = "140500"
ZEZHOU_CODE = "140525"


def tiny_png() -> bytes:
    """A valid 1×1 grey PNG: the demo's evidence photos (and the tests' uploads) without shipping image files."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\x80")  # filter byte 0, one grey pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def tiny_pdf(title: str = "") -> bytes:
    """A valid one-page blank A4 PDF whose document title is `title`: the demo's rules, plans and appointment
    letters without shipping documents.  Different titles give different files."""
    title_hex = ("FEFF" + title.encode("utf-16-be").hex().upper()).encode()
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
        b"<< /Title <" + title_hex + b"> >>",
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


class DemoError(Exception):
    """The demo cannot be generated here (missing reference data, a taken demo username)."""


# ----------------------------------------------------------------------------------------------------------------------
# Sizes
# ----------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSizes:
    use_units: int
    equipment: int
    maintenance_units: int
    # City branches of the provincial inspection institute; Jincheng's comes first so that every size has one.
    agency_branches: int

    @property
    def agencies(self) -> int:
        return 1 + self.agency_branches


SMALL = DemoSizes(use_units=200, equipment=2000, maintenance_units=3, agency_branches=7)
# A Shanxi-sized province: a million registered equipment over 150,000 use units.
PROVINCE = DemoSizes(use_units=150_000, equipment=1_000_000, maintenance_units=1500, agency_branches=10)
MAX_AGENCY_BRANCHES = 10
# Sizes above the small one get the generated units' history (risks, checks, hazards, listings, events).
HISTORY_ABOVE_EQUIPMENT = SMALL.equipment
# Sizes above this load with PostgreSQL's triggers off (DemoGenerator._bulk_load_mode); the tests' sizes are below.
TRIGGERS_OFF_ABOVE_EQUIPMENT = 100_000


def sizes_for_scale(scale: str) -> DemoSizes:
    """`small`, `province`, or a positive multiplier of the small sizes (`0.1`, `500`)."""
    text = str(scale).strip().lower()
    if text == "small":
        return SMALL
    if text == "province":
        return PROVINCE
    try:
        factor = float(text)
    except ValueError:
        raise ValueError(_("规模须为 small、province 或正数倍数，而不是“%(scale)s”。") % {"scale": scale})
    if not math.isfinite(factor) or factor <= 0:
        raise ValueError(_("规模倍数须为正数，而不是“%(scale)s”。") % {"scale": scale})
    use_units = max(1, round(SMALL.use_units * factor))
    return DemoSizes(
        use_units=use_units,
        equipment=max(use_units, round(SMALL.equipment * factor)),
        maintenance_units=max(1, round(SMALL.maintenance_units * factor)),
        agency_branches=min(MAX_AGENCY_BRANCHES, max(1, round(SMALL.agency_branches * factor))),
    )


# ----------------------------------------------------------------------------------------------------------------------
# Shanxi: cities and the words real names are built from
# ----------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CityFacts:
    plate_letter: str  # 晋A … 晋M: used by registration numbers (登记机关代号)
    area_code: str  # telephone area code
    weight: float  # share of units: population in millions (2020 census, rounded), the capital weighted up


CITY_FACTS: dict[str, CityFacts] = {
    "140100": CityFacts("A", "0351", 5.3 * 1.5),
    "140200": CityFacts("B", "0352", 3.1),
    "140300": CityFacts("C", "0353", 1.3),
    "140400": CityFacts("D", "0355", 3.2),
    "140500": CityFacts("E", "0356", 2.2),
    "140600": CityFacts("F", "0349", 1.6),
    "140700": CityFacts("K", "0354", 3.4),
    "140800": CityFacts("M", "0359", 4.8),
    "140900": CityFacts("H", "0350", 2.7),
    "141000": CityFacts("L", "0357", 4.0),
    "141100": CityFacts("J", "0358", 3.4),
}

# Cities that get an inspection branch, in order; Taiyuan is served by the provincial institute itself.
AGENCY_BRANCH_CITIES = (
    "140500",
    "140200",
    "140400",
    "141000",
    "140800",
    "141100",
    "140700",
    "140900",
    "140300",
    "140600",
)

TRADE_WORDS = (
    "华鑫", "恒泰", "鑫源", "宏达", "晋丰", "永盛", "瑞丰", "泰和", "金鼎", "昌盛", "兴旺", "德润", "天和", "广源",
    "弘远", "嘉禾", "东方", "新鑫", "汇通", "中兴", "博远", "锦程", "同创", "鼎盛", "万通", "盛世", "隆泰", "太行",
    "龙城", "凤鸣", "三晋", "汾河", "沁园", "晋阳", "丰源", "聚源", "通达", "鑫泰", "华润", "恒通", "金泉", "正大",
    "宏图", "天成", "福瑞", "亿通", "安泰", "润丰", "晟源", "国泰", "长兴", "新兴", "振兴", "富达", "光明", "益民",
)  # fmt: skip
ROAD_WORDS = (
    "解放", "建设", "迎宾", "新华", "长治", "府西", "滨河", "太行", "文昌", "红星", "中原", "凤台", "泽州", "人民",
    "和平", "胜利", "友谊", "工业", "兴业", "开发", "育才", "北环", "南环", "东环", "西环", "朝阳", "五一", "青年",
)  # fmt: skip
ROAD_SUFFIXES = ("路", "街", "大街", "大道")
SURNAMES = (
    "王", "李", "张", "刘", "杨", "赵", "郭", "武", "贾", "梁", "霍", "闫", "段", "韩", "孙", "陈", "胡", "吕", "高",
    "马", "任", "田", "宋", "郝", "冯", "乔", "薛", "白", "申", "牛", "卫", "常", "史", "程", "范", "苗", "秦", "靳",
)  # fmt: skip
GIVEN_NAME_CHARACTERS = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "建", "国", "志", "文", "斌", "鹏", "宇", "浩", "凯", "俊", "晨", "鑫", "晶", "瑞",
    "婷", "雪", "慧", "亮", "峰", "波", "辉", "红", "玲", "丹", "琳", "海", "东", "晓", "春", "永", "福", "新", "彬",
)  # fmt: skip


# ----------------------------------------------------------------------------------------------------------------------
# Equipment kinds: names, makers, models, sites
# ----------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Maker:
    name: str
    # 制造单位代码 in the 设备代码: the licensing authority's two-digit region ("10" = national) and the licence's
    # three-digit sequence number.
    code: str


@dataclass(frozen=True)
class EquipmentKind:
    names: tuple[str, ...]
    makers: tuple[Maker, ...]
    models: tuple[str, ...]
    sites: tuple[str, ...]  # {n} and {m} become small numbers
    design_life_years: int | None = None
    # Ridden or walked on by the public: counts as a crowded place where the unit's premises are one.
    public_facing: bool = False
    # Safety grades (安全状况等级) an inspection of this kind records, with their weights.
    safety_grades: tuple[tuple[int, float], ...] = ()


ELEVATOR_MAKERS = (
    Maker("上海三菱电梯有限公司", "10012"),
    Maker("日立电梯（中国）有限公司", "10035"),
    Maker("奥的斯电梯（中国）有限公司", "10008"),
    Maker("通力电梯有限公司", "10041"),
    Maker("迅达（中国）电梯有限公司", "10027"),
    Maker("康力电梯股份有限公司", "10093"),
    Maker("西子奥的斯电梯有限公司", "10056"),
    Maker("广州广日电梯工业有限公司", "10071"),
)
BOILER_MAKERS = (
    Maker("太原锅炉集团有限公司", "14003"),
    Maker("郑州锅炉股份有限公司", "41012"),
    Maker("无锡华光环保能源集团股份有限公司", "32021"),
    Maker("山东华源锅炉有限公司", "37045"),
)
VESSEL_MAKERS = (
    Maker("山西阳煤化工机械（集团）有限公司", "14011"),
    Maker("兰州兰石重型装备股份有限公司", "62002"),
    Maker("张家港化工机械股份有限公司", "32108"),
    Maker("山西汾西重工有限责任公司", "14026"),
    Maker("南京宝色股份公司", "32056"),
)
RECEIVER_MAKERS = (
    Maker("上海申江压力容器有限公司", "31033"),
    Maker("浙江开山压缩机股份有限公司", "33071"),
    Maker("山西晋南压力容器制造有限公司", "14037"),
)
CYLINDER_MAKERS = (
    Maker("北京天海工业有限公司", "11006"),
    Maker("山东永安特种装备有限公司", "37051"),
    Maker("浙江金盾压力容器有限公司", "33018"),
)
CRANE_MAKERS = (
    Maker("太原重工股份有限公司", "14001"),
    Maker("河南卫华重型机械股份有限公司", "41003"),
    Maker("纽科伦（新乡）起重机有限公司", "41022"),
    Maker("河南省矿山起重机有限公司", "41017"),
    Maker("大连华锐重工集团股份有限公司", "21004"),
)
FORKLIFT_MAKERS = (
    Maker("杭叉集团股份有限公司", "33001"),
    Maker("安徽合力股份有限公司", "34001"),
    Maker("龙工（上海）叉车有限公司", "31022"),
    Maker("林德（中国）叉车有限公司", "37009"),
)
RIDE_MAKERS = (
    Maker("中山市金马科技娱乐设备股份有限公司", "44005"),
    Maker("北京实宝来游乐设备有限公司", "11014"),
    Maker("温州南方游乐设备工程有限公司", "33025"),
)
PIPING_INSTALLERS = (
    Maker("中国化学工程第十三建设有限公司", "13021"),
    Maker("山西省工业设备安装集团有限公司", "14008"),
    Maker("中国能源建设集团山西电力建设有限公司", "14015"),
)

PRESSURE_VESSEL_GRADES = ((1, 0.35), (2, 0.5), (3, 0.15))
PIPING_GRADES = ((1, 0.3), (2, 0.55), (3, 0.15))
ELEVATOR_SITES = ("{n}号楼{m}单元", "{n}号楼{m}号梯", "主楼{m}号客梯", "{n}号楼东侧{m}号梯")
CRANE_SITES = ("{n}号车间", "{n}号厂房", "装配车间{m}跨", "原料库", "成品库", "机修车间")
BOILER_SITES = ("锅炉房{n}号炉", "{n}号锅炉房", "供热站{n}号炉")
VESSEL_SITES = ("{n}号装置区", "空压站", "罐区{n}号罐", "{n}号车间", "换热站")

EQUIPMENT_KINDS: dict[str, EquipmentKind] = {
    "1100": EquipmentKind(
        ("燃气蒸汽锅炉", "燃煤蒸汽锅炉", "生物质蒸汽锅炉"),
        BOILER_MAKERS,
        ("WNS4-1.25-Q", "WNS6-1.25-Q", "SZS10-1.25-Q", "DZL4-1.25-AII", "SZL10-1.6-AII", "WNS2-1.0-Q"),
        BOILER_SITES,
    ),
    "1200": EquipmentKind(
        ("燃气热水锅炉", "燃煤热水锅炉", "电热水锅炉"),
        BOILER_MAKERS,
        ("WNS2.8-1.0/95/70-Q", "WNS4.2-1.0/95/70-Q", "SZS14-1.6/130/70-Q", "SZL29-1.6/130/70-AII", "CLDR0.72-0.7"),
        BOILER_SITES,
    ),
    "2130": EquipmentKind(
        ("液化石油气储罐", "液氨储罐", "加氢反应器"),
        VESSEL_MAKERS,
        ("Φ3000×15000", "Φ2600×12000", "Φ2200×9800", "Φ3200×16500"),
        VESSEL_SITES,
        design_life_years=20,
        safety_grades=PRESSURE_VESSEL_GRADES,
    ),
    "2150": EquipmentKind(
        ("分汽缸", "换热器", "反应釜", "缓冲罐", "蒸压釜", "分离器"),
        VESSEL_MAKERS,
        ("Φ1200×4500", "Φ800×3200", "Φ1600×6000", "Φ2000×21000", "Φ600×2400"),
        VESSEL_SITES,
        design_life_years=20,
        safety_grades=PRESSURE_VESSEL_GRADES,
    ),
    "2170": EquipmentKind(
        ("储气罐", "压缩空气储罐", "稳压罐"),
        RECEIVER_MAKERS,
        ("C-1.0/0.8", "C-2.0/0.8", "C-3.0/1.0", "C-6.0/0.8", "C-10/1.0"),
        VESSEL_SITES,
        design_life_years=20,
        safety_grades=PRESSURE_VESSEL_GRADES,
    ),
    "2220": EquipmentKind(
        ("液化石油气汽车罐车", "液化天然气汽车罐车"),
        (Maker("荆门宏图特种飞行器制造有限公司", "42015"), Maker("河南骏通车辆有限公司", "41030")),
        ("HTZ5320GYQ", "JTZ9400GDY", "HTZ5260GYQ"),
        ("车辆停放场", "{n}号停车位"),
        design_life_years=15,
        safety_grades=PRESSURE_VESSEL_GRADES,
    ),
    "2310": EquipmentKind(
        ("氧气瓶", "二氧化碳气瓶", "氮气瓶", "氩气瓶"),
        CYLINDER_MAKERS,
        ("WZG-219-40-15", "WZG-219-40-20", "WZG-232-50-15"),
        ("气瓶间", "气瓶库", "{n}号气瓶间"),
        design_life_years=30,
    ),
    "2320": EquipmentKind(
        ("液化石油气钢瓶",),
        (Maker("宁波明欣化工机械有限责任公司", "33040"), Maker("山西晋南钢瓶有限公司", "14052")),
        ("YSP35.5", "YSP118", "YSP12"),
        ("气瓶库", "充装站瓶库"),
        design_life_years=8,
    ),
    "23T0": EquipmentKind(
        ("溶解乙炔气瓶", "车用液化天然气气瓶"),
        (Maker("北京天海工业有限公司", "11006"), Maker("查特深冷工程系统（常州）有限公司", "32090")),
        ("CDP-3-40", "CDPW1-450-335-1.59"),
        ("气瓶库", "{n}号车"),
        design_life_years=15,
    ),
    "2410": EquipmentKind(
        ("医用空气加压氧舱",),
        (Maker("烟台宏远氧业股份有限公司", "37068"),),
        ("YC3250-20", "YC2800-12"),
        ("高压氧治疗中心",),
        design_life_years=20,
        safety_grades=PRESSURE_VESSEL_GRADES,
    ),
    "3110": EquipmentKind(
        ("乘客电梯",),
        ELEVATOR_MAKERS,
        (
            "GPS-CR 1000/1.75",
            "NPX 1050/2.0",
            "HGP 800/1.5",
            "LEHY-Ⅲ 1000/1.75",
            "MonoSpace 1050/1.75",
            "3300AP 1000/1.0",
            "KLK2 1350/2.5",
            "GeN2 1600/2.5",
        ),
        ELEVATOR_SITES,
        public_facing=True,
    ),
    "3120": EquipmentKind(
        ("载货电梯",),
        ELEVATOR_MAKERS,
        ("THJ1000/0.5", "THJ2000/0.5", "THJ3000/0.5", "THJ5000/0.25"),
        ("{n}号货梯", "仓库货梯", "{n}号楼货梯"),
    ),
    "3310": EquipmentKind(
        ("自动扶梯",),
        ELEVATOR_MAKERS,
        ("1000-30°", "800-30°", "1000-35°"),
        ("{n}层{m}号扶梯", "中庭{m}号扶梯"),
        public_facing=True,
    ),
    "3320": EquipmentKind(
        ("自动人行道",),
        ELEVATOR_MAKERS,
        ("1000-12°", "800-10°"),
        ("{n}层{m}号人行道",),
        public_facing=True,
    ),
    "3430": EquipmentKind(
        ("杂物电梯",),
        ELEVATOR_MAKERS,
        ("TWJ100/0.4", "TWJ200/0.4", "TWJ250/0.5"),
        ("后厨{m}号杂物梯", "{n}层配餐间"),
    ),
    "4110": EquipmentKind(
        ("通用桥式起重机",),
        CRANE_MAKERS,
        ("QD5-16.5A5", "QD10-22.5A5", "QD16/3.2-19.5A5", "QD20/5-25.5A5", "QD32/5-28.5A6"),
        CRANE_SITES,
    ),
    "4150": EquipmentKind(
        ("铸造起重机", "冶金桥式起重机"),
        CRANE_MAKERS,
        ("YZ100/32-22A7", "YZ75/20-19A7", "YZ140/40-24A7"),
        ("炼钢车间{n}跨", "浇铸跨"),
    ),
    "4170": EquipmentKind(
        ("电动单梁起重机",),
        CRANE_MAKERS,
        ("LD3-13.5A3", "LD5-16.5A3", "LD10-19.5A3", "LD2-10.5A3"),
        CRANE_SITES,
    ),
    "4210": EquipmentKind(
        ("通用门式起重机",),
        CRANE_MAKERS,
        ("MG10-24A5", "MG20/5-30A5", "MH10-20A3", "MG32/10-35A5"),
        ("料场", "{n}号露天货场", "预制场"),
    ),
    "4310": EquipmentKind(
        ("塔式起重机",),
        (Maker("中联重科股份有限公司", "43002"), Maker("徐州建机工程机械有限公司", "32033")),
        ("QTZ63(5610)", "QTZ80(6010)", "QTZ125(6015)", "QTZ160(6516)"),
        ("{n}号楼施工现场", "工地{m}号塔吊"),
    ),
    "4410": EquipmentKind(
        ("轮胎起重机", "汽车起重机"),
        (Maker("徐州重型机械有限公司", "32004"), Maker("三一汽车起重机械有限公司", "43016")),
        ("QY25K5", "QY50KA", "STC250"),
        ("设备停放场",),
    ),
    "4860": EquipmentKind(
        ("施工升降机",),
        (Maker("广州京龙工程机械有限公司", "44009"), Maker("中联重科股份有限公司", "43002")),
        ("SC200/200", "SC100/100", "SC200/200G"),
        ("{n}号楼施工现场",),
    ),
    "4D00": EquipmentKind(
        ("升降横移类机械式停车设备", "垂直循环类机械式停车设备"),
        (Maker("江苏普腾停车设备有限公司", "32141"), Maker("杭州西子智能停车股份有限公司", "33087")),
        ("PSH2D1-12", "PSH3D1-24", "PCX10-12"),
        ("地下车库{m}区", "{n}号立体车库"),
    ),
    "5110": EquipmentKind(
        ("内燃平衡重式叉车", "蓄电池平衡重式叉车", "蓄电池前移式叉车"),
        FORKLIFT_MAKERS,
        ("CPCD30", "CPCD50", "CPD20", "CPD25", "CPQD25", "CPCD35", "CQD16"),
        ("成品库", "原料库", "{n}号仓库", "装卸区"),
    ),
    "5200": EquipmentKind(
        ("电动观光车", "观光列车"),
        (Maker("广东绿通新能源电动车科技股份有限公司", "44031"), Maker("苏州益高电动车辆制造有限公司", "32077")),
        ("LT-S14", "LT-S23", "EG6158K"),
        ("景区游览线路", "{n}号停车场"),
        public_facing=True,
    ),
    "6100": EquipmentKind(("摩天轮",), RIDE_MAKERS, ("MTL-42", "MTL-60"), ("游乐区",), public_facing=True),
    "6200": EquipmentKind(("过山车", "矿山车"), RIDE_MAKERS, ("GSC-20", "KSC-16"), ("游乐区",), public_facing=True),
    "6400": EquipmentKind(("大摆锤", "陀螺"), RIDE_MAKERS, ("DBC-24", "TL-16"), ("游乐区",), public_facing=True),
    "6500": EquipmentKind(("旋转飞椅",), RIDE_MAKERS, ("XZFY-36",), ("游乐区",), public_facing=True),
    "6600": EquipmentKind(("豪华转马",), RIDE_MAKERS, ("ZM-36", "ZM-48"), ("儿童游乐区",), public_facing=True),
    "6800": EquipmentKind(("卡丁车",), RIDE_MAKERS, ("KDC-2",), ("卡丁车场",), public_facing=True),
    "6900": EquipmentKind(("小火车",), RIDE_MAKERS, ("XHC-40",), ("儿童游乐区",), public_facing=True),
    "6A00": EquipmentKind(("碰碰车",), RIDE_MAKERS, ("PPC-20",), ("碰碰车场",), public_facing=True),
    "6B00": EquipmentKind(("高山滑道",), RIDE_MAKERS, ("GSHD-1200",), ("景区滑道",), public_facing=True),
    "6D20": EquipmentKind(("水滑梯",), RIDE_MAKERS, ("SHT-4",), ("水上乐园",), public_facing=True),
    "6E40": EquipmentKind(("滑索",), RIDE_MAKERS, ("HS-600",), ("景区滑索",), public_facing=True),
    "8120": EquipmentKind(
        ("天然气输气管道",),
        PIPING_INSTALLERS,
        ("DN300 GA2", "DN500 GA1"),
        ("{n}号阀室至末站",),
        safety_grades=PIPING_GRADES,
    ),
    "8210": EquipmentKind(
        ("城镇燃气管道",),
        PIPING_INSTALLERS,
        ("DN200 GB1", "DN150 GB1"),
        ("{n}号调压站出口",),
        safety_grades=PIPING_GRADES,
    ),
    "8220": EquipmentKind(
        ("城镇热力管道",),
        PIPING_INSTALLERS,
        ("DN400 GB2", "DN300 GB2"),
        ("{n}号换热站一次网",),
        safety_grades=PIPING_GRADES,
    ),
    "8310": EquipmentKind(
        ("蒸汽管道", "天然气管道", "氨管道", "氢气管道", "压缩空气管道"),
        PIPING_INSTALLERS,
        ("DN50 GC2", "DN100 GC2", "DN150 GC2", "DN200 GC1", "DN80 GC3"),
        ("{n}号装置区", "管廊{m}段"),
        safety_grades=PIPING_GRADES,
    ),
    "8320": EquipmentKind(
        ("主蒸汽管道", "给水管道"),
        PIPING_INSTALLERS,
        ("DN250 GD1", "DN150 GD2"),
        ("主厂房", "锅炉房"),
        safety_grades=PIPING_GRADES,
    ),
    "9110": EquipmentKind(
        ("往复式客运架空索道",),
        (Maker("北京起重运输机械设计研究院有限公司", "11002"),),
        ("2S-80", "WFS-60"),
        ("景区上站—下站",),
        public_facing=True,
    ),
    "9120": EquipmentKind(
        ("循环式客运架空索道",),
        (Maker("北京起重运输机械设计研究院有限公司", "11002"),),
        ("8MGD", "4CLD"),
        ("景区上站—下站",),
        public_facing=True,
    ),
}

# 使用登记证编号 prefix by catalog code: the category's one-character name (TSG 08 Annex B).
REGISTRATION_PREFIXES = (("23", "瓶"), ("1", "锅"), ("2", "容"), ("3", "梯"), ("4", "起"), ("5", "车"), ("6", "游"),
                         ("8", "管"), ("9", "索"))  # fmt: skip

FINDINGS = {
    "1": ("安全阀未按期校验", "水位表照明不足", "排污阀泄漏"),
    "2": ("压力表超过检定有效期", "安全阀校验报告缺失", "容器外表面局部腐蚀"),
    "3": ("制动器制动力不足", "层门自动关闭装置失效", "轿厢意外移动保护装置未试验", "紧急报警装置不能正常工作"),
    "4": ("起升高度限位器失效", "吊钩防脱钩装置损坏", "钢丝绳断丝超标"),
    "5": ("制动性能不符合要求", "护顶架变形", "喇叭失效"),
    "6": ("安全压杠锁紧装置异常", "座椅安全带磨损"),
    "8": ("管道支吊架松动", "局部壁厚减薄"),
    "9": ("抱索器检测记录不全", "驱动轮衬垫磨损"),
}


# ----------------------------------------------------------------------------------------------------------------------
# Kinds of use unit
# ----------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitProfile:
    key: str
    weight: float  # share of units
    industries: tuple[str, ...]  # GB/T 4754 divisions
    # {short}: the county's short name, {county}: its full name, {word}: a trade word (字号)
    names: tuple[str, ...]
    equipment_mix: tuple[tuple[str, float], ...]
    mean_equipment: float
    small_micro_share: float
    crowded: bool = False  # the premises are a crowded place (人员密集场所): malls, hospitals, hotels, parks


UNIT_PROFILES: tuple[UnitProfile, ...] = (
    UnitProfile(
        "property",
        18,
        ("70",),
        ("{short}{word}物业管理有限公司", "{short}{word}房地产开发有限公司", "山西{word}物业服务有限公司"),
        (("3110", 87), ("3120", 3), ("4D00", 8), ("3430", 2)),
        14,
        0.25,
    ),
    UnitProfile(
        "retail",
        6,
        ("52",),
        ("{short}{word}商贸有限公司", "{short}{word}购物广场有限公司", "{short}{word}百货有限公司"),
        (("3110", 38), ("3310", 40), ("3320", 5), ("3120", 10), ("4D00", 7)),
        13,
        0.3,
        crowded=True,
    ),
    UnitProfile(
        "hospital",
        4,
        ("84",),
        ("{county}人民医院", "{county}中医医院", "{county}妇幼保健院", "{short}{word}医院有限公司"),
        (("3110", 56), ("3120", 10), ("3430", 4), ("2150", 10), ("2170", 4), ("2310", 10), ("1200", 2), ("2410", 4)),
        12,
        0.1,
        crowded=True,
    ),
    UnitProfile(
        "hotel",
        5,
        ("61",),
        ("{short}{word}酒店管理有限公司", "{short}{word}宾馆有限公司", "{short}{word}大酒店有限公司"),
        (("3110", 80), ("3120", 8), ("3430", 7), ("1200", 5)),
        6,
        0.4,
        crowded=True,
    ),
    UnitProfile(
        "school",
        3,
        ("83",),
        ("{county}第一中学", "{county}职业中学", "{short}{word}教育科技有限公司"),
        (("3110", 85), ("1200", 15)),
        4,
        0.2,
        crowded=True,
    ),
    UnitProfile(
        "machinery",
        12,
        ("34", "35", "33"),
        ("{short}{word}机械制造有限公司", "{short}{word}重工有限公司", "{short}{word}金属制品有限公司"),
        (("4110", 22), ("4170", 24), ("4210", 8), ("5110", 24), ("2170", 18), ("2150", 4)),
        10,
        0.45,
    ),
    UnitProfile(
        "chemical",
        7,
        ("26",),
        ("{short}{word}化工有限公司", "山西{word}化学有限公司"),
        (("2150", 40), ("2130", 8), ("2170", 14), ("8310", 16), ("5110", 8), ("2310", 8), ("1100", 3), ("2220", 3)),
        22,
        0.2,
    ),
    UnitProfile(
        "coal",
        6,
        ("06", "25"),
        ("{short}{word}煤业有限公司", "{short}{word}焦化有限公司", "山西{word}煤化工有限公司"),
        (
            ("4110", 14),
            ("4170", 10),
            ("1100", 5),
            ("2150", 20),
            ("2170", 14),
            ("8310", 14),
            ("5110", 15),
            ("3120", 5),
            ("4860", 4),
            ("3110", 5),
        ),
        18,
        0.1,
    ),
    UnitProfile(
        "steel",
        2,
        ("31",),
        ("{short}{word}钢铁有限公司", "{short}{word}铸造有限公司"),
        (("4150", 18), ("4110", 26), ("4210", 10), ("1100", 5), ("2170", 10), ("8310", 10), ("5110", 21)),
        25,
        0.1,
    ),
    UnitProfile(
        "logistics",
        6,
        ("59", "54"),
        ("{short}{word}物流有限公司", "{short}{word}仓储有限公司"),
        (("5110", 76), ("3120", 10), ("4210", 10), ("2220", 4)),
        8,
        0.45,
    ),
    UnitProfile(
        "construction",
        6,
        ("47",),
        ("{short}{word}建筑工程有限公司", "山西{word}建设集团有限公司"),
        (("4310", 52), ("4860", 40), ("4410", 8)),
        6,
        0.35,
    ),
    UnitProfile(
        "heating",
        4,
        ("44",),
        ("{short}{word}热力有限公司", "{short}{word}供热有限公司"),
        (("1200", 44), ("1100", 14), ("2150", 10), ("8320", 14), ("8220", 12), ("5110", 6)),
        8,
        0.2,
    ),
    UnitProfile(
        "gas",
        3,
        ("45",),
        ("{short}{word}燃气有限公司", "{short}{word}液化气有限公司"),
        (("2310", 28), ("2320", 34), ("2150", 14), ("2220", 6), ("8210", 10), ("23T0", 5), ("8120", 3)),
        14,
        0.3,
    ),
    UnitProfile(
        "food",
        5,
        ("14", "13", "15"),
        ("{short}{word}食品有限公司", "{short}{word}酒业有限公司", "{short}{word}农产品加工有限公司"),
        (("1200", 8), ("1100", 8), ("2170", 24), ("2150", 20), ("5110", 28), ("3120", 12)),
        6,
        0.55,
    ),
    UnitProfile(
        "power",
        1.5,
        ("44",),
        ("山西{word}发电有限公司", "{short}{word}热电有限公司"),
        (("1100", 14), ("2150", 20), ("8320", 16), ("4110", 20), ("4210", 10), ("5110", 10), ("3120", 10)),
        25,
        0.0,
    ),
    UnitProfile(
        "scenic",
        1.5,
        ("78",),
        ("{short}{word}旅游开发有限公司", "{short}{word}景区管理有限公司"),
        (("5200", 48), ("9110", 10), ("9120", 8), ("6E40", 10), ("6B00", 10), ("3110", 14)),
        5,
        0.3,
        crowded=True,
    ),
    UnitProfile(
        "amusement",
        1,
        ("90",),
        ("{short}{word}游乐园有限公司", "{short}{word}文化旅游有限公司"),
        (
            ("6100", 8),
            ("6200", 10),
            ("6400", 12),
            ("6500", 10),
            ("6600", 15),
            ("6A00", 15),
            ("6D20", 8),
            ("6800", 6),
            ("6900", 6),
            ("5200", 10),
        ),
        8,
        0.3,
        crowded=True,
    ),
)
PROFILE_BY_KEY = {profile.key: profile for profile in UNIT_PROFILES}
DEMO_UNIT_PROFILE = "coal"
# The second demo unit: a small food factory (小微企业) in the same county, which signs in to the simple mode.
SMALL_UNIT_PROFILE = "food"
SMALL_UNIT_NOISE = 2.0
# Up to this many use units, every failed inspection of equipment in use registers its hazard through the service
# (≈ 50 ms each: notifications, reassessment flags); beyond, only the demo county's do (DemoGenerator._investigate).
SERVICE_HAZARDS_MAX_UNITS = 1000

# The certificate items a unit's people need for its equipment (TSG Z6001-2019): catalog prefix → (item, people per
# equipment, the most people of that item). Elevators need no operator: only some units keep a T holder.
CERTIFICATE_NEEDS = (
    ("1", "G1", 2.0, 12),
    ("21", "R1", 0.25, 6),
    ("22", "R2", 0.5, 6),
    ("23", "P", 0.2, 10),
    ("24", "R3", 1.0, 2),
    ("4", "Q2", 1.0, 30),
    ("4", "Q1", 0.35, 10),
    ("5110", "N1", 0.7, 40),
    ("5200", "N2", 1.0, 20),
    ("6", "Y2", 1.0, 20),
    ("6", "Y1", 0.2, 3),
    ("9", "S2", 2.0, 8),
    ("9", "S1", 0.5, 3),
)
CERTIFICATE_VALIDITY_MONTHS = 48


# ----------------------------------------------------------------------------------------------------------------------
# Codes: USCC, 设备代码, 使用登记证编号, 身份证号
# ----------------------------------------------------------------------------------------------------------------------

_ORGANIZATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_SIX_CHARACTER_SPACE = len(USCC_ALPHABET) ** 6


def organization_code_check(body: str) -> str:
    """GB 11714-1997 check character of an eight-character organisation code (the USCC's positions 9–17)."""
    total = sum(int(character, 36) * weight for character, weight in zip(body, _ORGANIZATION_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def organization_code(sequence: int, style: str) -> str:
    """A nine-character organisation code, unique for each (sequence, style).

    Styles: "MA" (enterprises registered since 2015), "MB" (public bodies re-established since 2018), "numeric"
    (older codes of eight digits). Each maps the sequence through a bijection, so codes look scattered but never
    repeat, and the three styles never meet because their first characters differ.
    """
    if style == "numeric":
        value = (sequence * 7_654_321 + 10_000_000) % 100_000_000
        body = f"{value:08d}"
    else:
        value = (sequence * 387_420_489 + 12_345) % _SIX_CHARACTER_SPACE
        characters = []
        for _position in range(6):
            value, index = divmod(value, len(USCC_ALPHABET))
            characters.append(USCC_ALPHABET[index])
        body = style + "".join(reversed(characters))
    return body + organization_code_check(body)


def build_uscc(registration: str, region_code: str, sequence: int, style: str) -> str:
    """registration: "91" enterprise, "12" public institution, "11" government body (GB 32100-2015 positions 1–2)."""
    return make_uscc(registration + region_code + organization_code(sequence, style))


def serial_text(serial: int) -> str:
    """Five-character serial of the 设备代码: digits up to 99999, then a letter and four digits."""
    if serial <= 99_999:
        return f"{serial:05d}"
    overflow = serial - 100_000
    letter_index, number = divmod(overflow, 10_000)
    return f"{USCC_ALPHABET[10 + letter_index]}{number:04d}"


def registration_prefix(category: str) -> str:
    for prefix, character in REGISTRATION_PREFIXES:
        if category.startswith(prefix):
            return character
    return "特"


# ----------------------------------------------------------------------------------------------------------------------
# Result
# ----------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    organization: str


@dataclass
class DemoResult:
    counts: dict[str, int]
    accounts: list[DemoAccount]
    seconds: float
    password: str = DEMO_PASSWORD

    @property
    def rows(self) -> int:
        return sum(self.counts[key] for key in ROW_COUNT_KEYS)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


# Keys of DemoResult.counts that are table rows (the rest are breakdowns of them).
ROW_COUNT_KEYS = ("regulators", "agencies", "maintenance_units", "use_units", "users", "equipment", "inspections",
                  "certificates", "risks", "investigation_tasks", "hazards", "safety_records",
                  "compliance_gaps", "unit_classes", "history_risks", "history_tasks", "history_check_results",
                  "history_listings", "history_events")  # fmt: skip

COUNT_LABELS = {
    "regulators": "监管部门",
    "agencies": "检验机构",
    "maintenance_units": "维保单位",
    "use_units": "使用单位",
    "users": "用户",
    "equipment": "设备",
    "equipment_in_use": "  在用",
    "equipment_suspended": "  停用",
    "equipment_scrapped": "  报废",
    "in_use_valid": "  在用·在有效期内",
    "in_use_due_soon": "  在用·30日内到期",
    "in_use_overdue": "  在用·超期未检（含不合格）",
    "in_use_failed": "  在用·最近一次检验不合格",
    "in_use_never_inspected": "  在用·未检验",
    "inspections": "定期检验记录",
    "certificates": "作业人员证",
    "certificates_expiring": "  90日内到期",
    "certificates_expired": "  已过期",
    "operator_assignments": "设备作业人员安排（持证上岗）",
    "risks": "安全风险（演示单位，按辨识模板）",
    "investigation_tasks": "今日排查任务（各单位日管控、周排查、月调度）",
    "hazards": "事故隐患",
    "hazards_failed_inspection": "  检验不合格仍在用（系统判定重大隐患）",
    "hazards_system": "  系统登记（设备无持证作业人员、重大危险源监测超限）",
    "safety_records": "安全管理档案记录（两个演示单位：任命、制度、培训、持证上岗、应急、监测、考试）",
    "compliance_gaps": "合规缺项（各单位，未消除）",
    "grids": "监管网格（泽州县）",
    "accidents": "特种设备事故（已登记，可倒查）",
    "blacklist_entries": "黑名单（在列）",
    "evaluations": "双重预防机制评价（演示单位：自评、监管部门评价）",
    "enforcement_orders": "执法检查监察指令",
    "unit_classes": "监管类别（各单位，分类监管）",
    "unit_classes_A": "  A类（风险低）",
    "unit_classes_B": "  B类（风险一般）",
    "unit_classes_C": "  C类（风险较高）",
    "unit_classes_D": "  D类（风险高）",
    "random_plan_units": "双随机抽查计划抽中单位（泽州县下月，已公开）",
    "regional_assessments": "地区考核（晋城市对所辖县区）",
    # Above the small size: the generated units' past (core.demo_history).
    "history_risks": "各单位已辨识的安全风险（历史）",
    "history_tasks": "以往的日管控排查任务（历史）",
    "history_check_results": "日管控检查结果（历史）",
    "history_hazards": "各单位的事故隐患（历史，各状态）",
    "history_listings": "重大事故隐患挂牌督办（历史）",
    "history_events": "事件日志记录（历史）",
}
HISTORY_COUNTS = tuple(key for key in COUNT_LABELS if key.startswith("history_"))


# The rows of the units' safety management files the demo counts.
SAFETY_FILE_MODELS = (safety_models.SafetyProfile, safety_models.Appointment, safety_models.SafetyDocument,
                      safety_models.TrainingPlan, safety_models.TrainingSession, safety_models.OperatorAssignment,
                      safety_models.EmergencyPlan, safety_models.Drill, safety_models.MajorHazardSource,
                      safety_models.MonitoringPoint, safety_models.Reading, safety_models.Exam,
                      safety_models.ExamAttempt)  # fmt: skip


def organizations_exist() -> bool:
    return Organization.objects.exists()


# ----------------------------------------------------------------------------------------------------------------------
# The generator
# ----------------------------------------------------------------------------------------------------------------------

# Target inspection states of in-use equipment, with their shares.
TARGET_STATES = (
    ("overdue", 0.05),
    ("due_soon", 0.05),
    ("failed", 0.01),
    ("never_inspected", 0.005),
    ("valid", 0.885),
)
# The demo unit shows every state on its first equipment; the small unit has one inspection falling due.
DEMO_UNIT_STATES = ("overdue", "due_soon", "failed")
SMALL_UNIT_STATES = ("valid", "due_soon")
# The demo unit's first equipment of these categories has the feature that asks for a second certificate item
# (safety.rules.CERTIFICATE_RULES): a crane whose lifts need a signaller (Q1), a quick-opening vessel (R1).
DEMO_UNIT_FEATURES = {"4110": ("signaller_required", ""), "2150": ("quick_opening", "蒸压釜")}
# The demo's accident, by the first digit of the equipment's catalog code: the GB 6441 type and what happened.
ACCIDENT_STORIES = {
    "1": ("07", "排污时排污阀泄漏，司炉工右臂被热水烫伤（轻伤）。"),
    "2": ("07", "检修时未泄压即拆卸法兰，作业人员面部被蒸汽灼伤（轻伤）。"),
    "3": ("20", "层门关闭时防夹保护失效，乘客进出时被层门夹伤（轻伤）。"),
    "4": ("04", "吊运工件时吊钩防脱钩装置失效，吊物滑落砸伤地面指挥人员（轻伤）。"),
    "5": ("02", "叉车倒车时未鸣笛瞭望，撞伤库区装卸人员（轻伤）。"),
    "": ("20", "运行中发生故障，现场作业人员受伤（轻伤）。"),
}
STATUS_SHARES = ((EquipmentStatus.IN_USE, 0.97), (EquipmentStatus.SUSPENDED, 0.02), (EquipmentStatus.SCRAPPED, 0.01))
MAX_AGE_DAYS = 20 * 365
HISTORY_STEPS = 16


@dataclass
class _UnitPlan:
    """What the equipment pass needs of a use unit: small, one per unit, kept for the whole run."""

    pk: int
    region_code: str
    city_code: str
    profile: str
    equipment_count: int
    agency_pk: int
    crowded: bool
    small_micro: bool
    is_demo_unit: bool = False
    is_small_unit: bool = False

    @property
    def forced_states(self) -> tuple[str, ...]:
        """The inspection states the showcase units' first equipment are given (every other unit draws them)."""
        if self.is_demo_unit:
            return DEMO_UNIT_STATES
        return SMALL_UNIT_STATES if self.is_small_unit else ()


@dataclass
class _Record:
    """One inspection in the simulated history of an equipment."""

    inspected_on: date
    kind: str
    conclusion: str
    next_due_on: date | None = None
    rule_text: str = ""


@dataclass
class _Agency:
    pk: int
    user_pk: int
    city_code: str
    report_prefix: str


@dataclass
class _Progress:
    report: Callable[[str], None]
    started: float = field(default_factory=time.monotonic)
    rows: int = 0

    def add(self, rows: int) -> None:
        self.rows += rows

    def say(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        rate = self.rows / elapsed if elapsed else 0.0
        self.report(
            _("%(message)s（累计 %(rows)s 行，%(rate)s 行/秒）")
            % {"message": message, "rows": f"{self.rows:,}", "rate": f"{rate:,.0f}"}
        )


def _weighted_choice(rng: random.Random, options):
    values = [value for value, _weight in options]
    weights = [weight for _value, weight in options]
    return rng.choices(values, weights=weights, k=1)[0]


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights`, summing exactly to `total` (cumulative rounding)."""
    weight_sum = sum(weights)
    counts = []
    running = 0.0
    previous = 0
    for weight in weights:
        running += weight
        current = round(total * running / weight_sum) if weight_sum else 0
        counts.append(current - previous)
        previous = current
    return counts


# The named demo accounts: username, role, organization (platform, or the demo province/city/county/unit).
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("sysadmin", Role.SYSTEM_ADMIN, "platform"),
    ("secadmin", Role.SECURITY_ADMIN, "platform"),
    ("auditadmin", Role.AUDIT_ADMIN, "platform"),
    ("province", Role.INSPECTOR, "province"),
    ("province_admin", Role.REGULATOR_ADMIN, "province"),
    ("province_leader", Role.REGULATOR_LEADER, "province"),
    ("city_jincheng", Role.INSPECTOR, "city"),
    ("city_jincheng_admin", Role.REGULATOR_ADMIN, "city"),
    ("city_jincheng_leader", Role.REGULATOR_LEADER, "city"),
    ("county_zezhou", Role.INSPECTOR, "county"),
    ("county_zezhou_admin", Role.REGULATOR_ADMIN, "county"),
    ("county_zezhou_leader", Role.REGULATOR_LEADER, "county"),
    ("unit_principal", Role.PRINCIPAL, "unit"),
    ("unit_director", Role.SAFETY_DIRECTOR, "unit"),
    ("unit_officer", Role.SAFETY_OFFICER, "unit"),
    ("unit_officer2", Role.SAFETY_OFFICER, "unit"),
    ("unit_operator", Role.OPERATOR, "unit"),
    ("unit_admin", Role.ORG_ADMIN, "unit"),
    # The small unit (小微企业, simple mode): its owner and its part-time safety officer.
    ("small_principal", Role.PRINCIPAL, "small_unit"),
    ("small_officer", Role.SAFETY_OFFICER, "small_unit"),
)


def existing_demo_accounts() -> list[DemoAccount]:
    """The named demo accounts present in the database, in the order they were created (for `make run`, which
    prints them on every start)."""
    usernames = [username for username, _role, _where in DEMO_USERS] + ["agency"]
    users = User.objects.filter(username__in=usernames).select_related("organization")
    by_name = {user.username: user for user in users}
    return [
        DemoAccount(
            username,
            ", ".join(role_label(role) for role in by_name[username].roles),
            by_name[username].organization.name if by_name[username].organization else _("平台"),
        )
        for username in usernames
        if username in by_name
    ]


class DemoGenerator:
    """Generates the demo province in one transaction. Each phase draws from its own seeded stream, so that a change
    to one phase does not reshuffle the random choices of the others."""

    def __init__(
        self,
        *,
        sizes: DemoSizes,
        today: date,
        seed: int = DEMO_SEED,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        report: Callable[[str], None] = lambda message: None,
    ):
        self.sizes = sizes
        self.today = today
        self.seed = seed
        self.chunk_size = max(100, chunk_size)
        self.progress = _Progress(report)
        self.counts: Counter[str] = Counter()
        self.password_hash = ""
        self.organization_sequence = 0
        self.accounts: list[DemoAccount] = []
        self.demo_users: dict[str, int] = {}
        self.serials: dict[tuple[str, str, int], int] = {}
        self.registration_serials: dict[tuple[str, str], int] = {}
        self.report_serials: dict[int, int] = {}
        self.certificate_sequence = 0
        self.interval_days: dict[tuple[str, int | None], int] = {}

    def _rng(self, phase: str) -> random.Random:
        # String seeds are hashed with SHA-512 by random.seed: stable across processes and PYTHONHASHSEED.
        return random.Random(f"{self.seed}:{phase}")

    # -- reference data ------------------------------------------------------------------------------------------------

    def _load_reference(self) -> None:
        regions = list(
            Region.objects.filter(code__startswith="14").order_by("code").values_list("code", "name", "level")
        )
        by_code = {code: (name, level) for code, name, level in regions}
        if PROVINCE_CODE not in by_code or ZEZHOU_CODE not in by_code:
            raise DemoError(_("缺少行政区划参考数据（山西省），请先运行 migrate。"))
        self.region_names = {code: name for code, (name, _level) in by_code.items()}
        self.cities = [code for code, _name, level in regions if level == "city"]
        self.counties_by_city = {
            city: [code for code, _name, level in regions if level == "county" and code[:4] == city[:4]]
            for city in self.cities
        }
        missing_cities = [city for city in self.cities if city not in CITY_FACTS]
        if missing_cities:
            raise DemoError(_("山西省的地市与演示数据不一致：%(codes)s") % {"codes": ", ".join(missing_cities)})
        catalog = dict(CatalogEntry.objects.values_list("code", "registrable"))
        unusable = sorted(code for code in EQUIPMENT_KINDS if not catalog.get(code))
        if unusable:
            raise DemoError(_("设备目录缺少或不可登记：%(codes)s，请先运行 migrate。") % {"codes": ", ".join(unusable)})
        industries = set(Industry.objects.values_list("code", flat=True))
        needed = {code for profile in UNIT_PROFILES for code in profile.industries} | {"43", "74"}
        if not needed <= industries:
            raise DemoError(_("缺少国民经济行业分类参考数据，请先运行 migrate。"))
        items = set(CertificateItem.objects.values_list("code", flat=True))
        needed_items = {item for _prefix, item, _per, _most in CERTIFICATE_NEEDS} | {"A", "T"}
        if not needed_items <= items:
            raise DemoError(_("缺少作业人员证项目参考数据，请先运行 migrate。"))

    def _check_usernames(self) -> None:
        usernames = [username for username, _role, _where in DEMO_USERS]
        taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
        if taken:
            raise DemoError(_("演示账户的用户名已被占用：%(names)s") % {"names": ", ".join(taken)})

    # -- names and small facts -----------------------------------------------------------------------------------------

    def _city_short(self, city_code: str) -> str:
        return self.region_names[city_code].removesuffix("市")

    def _county_short(self, county_code: str) -> str:
        name = self.region_names[county_code]
        if name in ("城区", "矿区", "郊区"):
            return self._city_short(county_code[:4] + "00")
        short = name[:-1]
        return short if len(short) >= 2 else name

    def _county_full(self, county_code: str) -> str:
        """The name a bureau or a hospital carries: districts (区) are named with their city."""
        name = self.region_names[county_code]
        return self.region_names[county_code[:4] + "00"] + name if name.endswith("区") else name

    def _address(self, rng: random.Random, county_code: str) -> str:
        city = self.region_names[county_code[:4] + "00"]
        road = rng.choice(ROAD_WORDS) + rng.choice(ROAD_SUFFIXES)
        return f"山西省{city}{self.region_names[county_code]}{road}{rng.randint(1, 399)}号"

    def _phone(self, rng: random.Random, county_code: str) -> str:
        return f"{CITY_FACTS[county_code[:4] + '00'].area_code}-{rng.randint(2_000_000, 8_999_999)}"

    def _mobile(self, rng: random.Random) -> str:
        return f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"

    def _person_name(self, rng: random.Random) -> str:
        given = rng.choice(GIVEN_NAME_CHARACTERS)
        if rng.random() < 0.7:
            given += rng.choice(GIVEN_NAME_CHARACTERS)
        return rng.choice(SURNAMES) + given

    def _id_number(self, rng: random.Random, county_code: str) -> str:
        """A 身份证号 (GB 11643-1999) of a working-age person born in the county; check digit by python-stdnum."""
        born = self.today - timedelta(days=rng.randint(22 * 365, 58 * 365))
        body = f"{county_code}{born:%Y%m%d}{rng.randint(1, 999):03d}"
        return body + ric.calc_check_digit(body)

    def _uscc(self, registration: str, region_code: str, style: str) -> str:
        self.organization_sequence += 1
        return build_uscc(registration, region_code, self.organization_sequence, style)

    def _user(self, username: str, organization_pk: int | None, roles: list[str], full_name: str, phone: str) -> User:
        return User(
            username=username,
            password=self.password_hash,
            organization_id=organization_pk,
            roles=roles,
            full_name=full_name,
            phone=phone,
            # Set at generation (not chosen by an administrator for someone else), so not forced to change at sign-in.
            password_changed_at=timezone.make_aware(datetime.combine(self.today, time_of_day(0))),
        )

    # -- writing -------------------------------------------------------------------------------------------------------

    def _insert(self, model, rows: list, counter: str) -> list:
        insert_instances(model, rows)
        if rows and rows[0].pk is None:
            raise DemoError(_("数据库不返回批量插入的主键，无法生成演示数据。"))
        self.counts[counter] += len(rows)
        self.progress.add(len(rows))
        return rows

    # -- phase 1: regulators -------------------------------------------------------------------------------------------

    def _create_regulators(self) -> None:
        rng = self._rng("regulators")
        rows = [
            Organization(
                name="山西省市场监督管理局",
                uscc=self._uscc("11", PROVINCE_CODE, "MB"),
                kind=OrganizationKind.REGULATOR,
                region_id=PROVINCE_CODE,
                jurisdiction_id=PROVINCE_CODE,
                address=self._address(rng, "140105"),
                contact_phone=self._phone(rng, "140105"),
            )
        ]
        for city in self.cities:
            rows.append(
                Organization(
                    name=f"{self.region_names[city]}市场监督管理局",
                    uscc=self._uscc("11", city, "MB"),
                    kind=OrganizationKind.REGULATOR,
                    region_id=city,
                    jurisdiction_id=city,
                    address=self._address(rng, self.counties_by_city[city][0]),
                    contact_phone=self._phone(rng, self.counties_by_city[city][0]),
                )
            )
            for county in self.counties_by_city[city]:
                rows.append(
                    Organization(
                        name=f"{self._county_full(county)}市场监督管理局",
                        uscc=self._uscc("11", county, "MB"),
                        kind=OrganizationKind.REGULATOR,
                        region_id=county,
                        jurisdiction_id=county,
                        address=self._address(rng, county),
                        contact_phone=self._phone(rng, county),
                    )
                )
        self._insert(Organization, rows, "regulators")
        self.regulator_pk = {organization.jurisdiction_id: organization.pk for organization in rows}
        self.organization_names = {organization.pk: organization.name for organization in rows}
        self.progress.say(_("监管部门 %(count)s 个") % {"count": len(rows)})

    # -- phase 2: inspection agencies and maintenance units ----------------------------------------------------------

    def _create_agencies(self) -> None:
        rng = self._rng("agencies")
        branch_cities = AGENCY_BRANCH_CITIES[: self.sizes.agency_branches]
        # The institute sits in Taiyuan's Xiaodian district; each branch in the first district of its city.
        places = [("山西省检验检测中心", "140105", "SXTJ")]
        for city in branch_cities:
            letter = CITY_FACTS[city].plate_letter
            places.append(
                (f"山西省检验检测中心{self._city_short(city)}分中心", self.counties_by_city[city][0], f"SXTJ{letter}")
            )
        organizations = [
            Organization(
                name=name,
                uscc=self._uscc("12", county, "MB"),
                kind=OrganizationKind.INSPECTION_AGENCY,
                region_id=county,
                industry_id="74",
                address=self._address(rng, county),
                contact_phone=self._phone(rng, county),
            )
            for name, county, _prefix in places
        ]
        self._insert(Organization, organizations, "agencies")
        self.organization_names.update({organization.pk: organization.name for organization in organizations})
        jincheng_branch = organizations[1]
        users = []
        for organization in organizations:
            username = "agency" if organization is jincheng_branch else f"org{organization.pk}"
            users.append(
                self._user(
                    username, organization.pk, [Role.AGENCY_INSPECTOR], self._person_name(rng), self._mobile(rng)
                )
            )
        self._insert(User, users, "users")
        self.agency_account = DemoAccount("agency", role_label(Role.AGENCY_INSPECTOR), jincheng_branch.name)
        self.agencies = [
            _Agency(organization.pk, user.pk, organization.region_id[:4] + "00", prefix)
            for organization, user, (_name, _county, prefix) in zip(organizations, users, places, strict=True)
        ]
        self.agency_by_city = {agency.city_code: agency for agency in self.agencies[1:]}
        self.agency_by_pk = {agency.pk: agency for agency in self.agencies}
        self.provincial_agency = self.agencies[0]
        self.progress.say(_("检验机构 %(count)s 个") % {"count": len(organizations)})

    def _create_maintenance_units(self) -> None:
        rng = self._rng("maintenance")
        remaining = self.sizes.maintenance_units
        certificate_rows: list[OperatorCertificate] = []
        while remaining:
            batch = min(remaining, self.chunk_size)
            remaining -= batch
            organizations = []
            for _index in range(batch):
                county = self._pick_county(rng)
                word = rng.choice(TRADE_WORDS)
                name = rng.choice(
                    (f"山西{word}电梯工程有限公司", f"{self._county_short(county)}{word}电梯安装维修有限公司")
                )
                organizations.append(
                    Organization(
                        name=name,
                        uscc=self._uscc("91", county, "MA"),
                        kind=OrganizationKind.MAINTENANCE_UNIT,
                        region_id=county,
                        industry_id="43",
                        address=self._address(rng, county),
                        contact_phone=self._phone(rng, county),
                        small_micro=rng.random() < 0.5,
                    )
                )
            self._insert(Organization, organizations, "maintenance_units")
            users = [
                self._user(f"org{organization.pk}", organization.pk, [Role.ORG_ADMIN], self._person_name(rng), "")
                for organization in organizations
            ]
            self._insert(User, users, "users")
            for organization in organizations:
                # Elevator maintenance staff hold T (电梯修理); the manager holds A.
                certificate_rows.append(self._certificate(rng, organization.pk, organization.region_id, "A"))
                for _person in range(rng.randint(4, 10)):
                    certificate_rows.append(self._certificate(rng, organization.pk, organization.region_id, "T"))
            if len(certificate_rows) >= self.chunk_size:
                self._insert(OperatorCertificate, certificate_rows, "certificates")
                certificate_rows = []
        if certificate_rows:
            self._insert(OperatorCertificate, certificate_rows, "certificates")
        self.progress.say(_("维保单位 %(count)s 个") % {"count": self.counts["maintenance_units"]})

    # -- phase 3: use units and their administrators -----------------------------------------------------------------

    def _pick_county(self, rng: random.Random) -> str:
        city = rng.choices(self.cities, weights=[CITY_FACTS[city].weight for city in self.cities], k=1)[0]
        counties = self.counties_by_city[city]
        # Districts (区) of the city proper hold more enterprises than counties; county-level cities (市) sit between.
        weights = [{"区": 3.0, "市": 2.0}.get(self.region_names[county][-1], 1.0) for county in counties]
        return rng.choices(counties, weights=weights, k=1)[0]

    def _create_use_units(self) -> None:
        rng = self._rng("units")
        total = self.sizes.use_units
        profiles = [profile.key for profile in UNIT_PROFILES]
        profile_weights = [profile.weight for profile in UNIT_PROFILES]
        plans: list[_UnitPlan] = []
        weights: list[float] = []
        created = 0
        while created < total:
            batch = min(total - created, self.chunk_size)
            organizations = []
            batch_plans = []
            for index in range(created, created + batch):
                is_demo_unit, is_small_unit = index == 0, index == 1
                if is_demo_unit or is_small_unit:
                    county = ZEZHOU_CODE
                    profile = PROFILE_BY_KEY[DEMO_UNIT_PROFILE if is_demo_unit else SMALL_UNIT_PROFILE]
                else:
                    county = self._pick_county(rng)
                    profile = PROFILE_BY_KEY[rng.choices(profiles, weights=profile_weights, k=1)[0]]
                small_micro = is_small_unit or (not is_demo_unit and rng.random() < profile.small_micro_share)
                # The demo units carry their county in their names, so the demo accounts read naturally.
                template = profile.names[0] if is_demo_unit or is_small_unit else rng.choice(profile.names)
                name = template.format(
                    short=self._county_short(county), county=self._county_full(county), word=rng.choice(TRADE_WORDS)
                )
                enterprise = name.endswith("公司")
                style = ("MA" if rng.random() < 0.6 else "numeric") if enterprise else "numeric"
                organizations.append(
                    Organization(
                        name=name,
                        uscc=self._uscc("91" if enterprise else "12", county, style),
                        kind=OrganizationKind.USE_UNIT,
                        region_id=county,
                        industry_id=rng.choice(profile.industries),
                        address=self._address(rng, county),
                        contact_phone=self._phone(rng, county),
                        small_micro=small_micro,
                    )
                )
                city = county[:4] + "00"
                agency = self.agency_by_city.get(city, self.provincial_agency)
                batch_plans.append(
                    _UnitPlan(
                        pk=0,
                        region_code=county,
                        city_code=city,
                        profile=profile.key,
                        equipment_count=0,
                        agency_pk=agency.pk,
                        crowded=profile.crowded,
                        small_micro=small_micro,
                        is_demo_unit=is_demo_unit,
                        is_small_unit=is_small_unit,
                    )
                )
                # Equipment per unit is heavy-tailed: most units own a few, a few own many.
                if is_demo_unit or is_small_unit:
                    noise = 3.0 if is_demo_unit else SMALL_UNIT_NOISE
                else:
                    noise = rng.lognormvariate(0, 0.8)
                weights.append(profile.mean_equipment * noise * (0.4 if small_micro else 1.0))
            self._insert(Organization, organizations, "use_units")
            for plan, organization in zip(batch_plans, organizations, strict=True):
                plan.pk = organization.pk
            plans.extend(batch_plans)
            if created == 0:
                self.demo_unit = organizations[0]
                self.organization_names[self.demo_unit.pk] = self.demo_unit.name
                self.small_unit = organizations[1] if len(organizations) > 1 else None
                if self.small_unit is not None:
                    self.organization_names[self.small_unit.pk] = self.small_unit.name
            users = [
                self._user(f"org{organization.pk}", organization.pk, [Role.ORG_ADMIN], self._person_name(rng), "")
                for organization in organizations
                if organization.pk != self.demo_unit.pk
            ]
            self._insert(User, users, "users")
            created += batch
            self.progress.say(_("使用单位 %(done)s / %(total)s") % {"done": f"{created:,}", "total": f"{total:,}"})
        # Every unit owns at least one equipment; the rest is shared out by weight.
        extra = _apportion(max(0, self.sizes.equipment - len(plans)), weights)
        for plan, count in zip(plans, extra, strict=True):
            plan.equipment_count = 1 + count
        self.unit_plans = plans

    # -- phase 4: the named demo accounts ----------------------------------------------------------------------------

    def _create_demo_accounts(self) -> None:
        rng = self._rng("accounts")
        organizations = {
            "platform": None,
            "province": self.regulator_pk[PROVINCE_CODE],
            "city": self.regulator_pk[JINCHENG_CODE],
            "county": self.regulator_pk[ZEZHOU_CODE],
            "unit": self.demo_unit.pk,
            "small_unit": self.small_unit.pk if self.small_unit is not None else None,
        }
        users = []
        for username, role, where in DEMO_USERS:
            if where == "small_unit" and self.small_unit is None:
                continue  # a province of one use unit has no small unit
            organization_pk = organizations[where]
            users.append(self._user(username, organization_pk, [role], self._person_name(rng), self._mobile(rng)))
            organization_name = self.organization_names[organization_pk] if organization_pk else _("平台")
            self.accounts.append(DemoAccount(username, role_label(role), organization_name))
        self._insert(User, users, "users")
        self.accounts.append(self.agency_account)
        self.demo_users.update({user.username: user.pk for user in users})
        self.demo_user_names = {user.username: user.full_name for user in users}

    # -- phase 6: the demo unit identifies its risks ------------------------------------------------------------------

    def _identify_demo_unit_risks(self) -> None:
        """The demo unit has applied the template library to its in-use equipment, as a unit does on its first day;
        every other unit has not yet, so the regulators' "no identified risks" list is realistic."""
        from shuangfang.risks.services import do_apply_templates

        principal = User.objects.get(username="unit_principal")
        equipment = list(Equipment.objects.filter(organization=self.demo_unit, status=EquipmentStatus.IN_USE))
        if equipment:
            self.counts["risks"] += len(do_apply_templates(actor=principal, equipment=equipment))
        self.progress.say(_("演示单位安全风险 %(count)s 项") % {"count": self.counts["risks"]})

    # -- phase 7: the demo units' safety management files (一企一档) ---------------------------------------------------

    def _safety_day(self) -> date:
        """The day the safety files' past events count back from: the demo's today, but never after the real one,
        which the services check trainings, drills, readings and exam sittings against."""
        return min(self.today, timezone.localdate())

    def _document(self, actor: User, name: str, *, photo: bool = False):
        """An attachment uploaded by the actor for its unit: a PDF titled by its name, or a photo."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from shuangfang.core.attachments import do_upload_attachment

        content = tiny_png() if photo else tiny_pdf(name.rsplit(".", 1)[0])
        kind = "image/png" if photo else "application/pdf"
        return do_upload_attachment(actor=actor, uploaded=SimpleUploadedFile(name, content, content_type=kind))

    def _build_safety_files(self) -> None:
        """The two demo units keep their safety management files, so that the file, its compliance panel, the simple
        mode and the regulator's gap counts are alive on the first sign-in.  Everything goes through the safety
        services (their checks, events and notifications are real); the gaps are computed once, at the end of the
        run.  What is missing is missing on purpose, so that the panel shows each kind of gap."""
        from shuangfang.safety import services as safety

        users = {
            user.username: user
            for user in User.objects.filter(username__in=[username for username, _role, _where in DEMO_USERS])
        }
        self._demo_unit_file(users)
        if self.small_unit is not None:
            self._small_unit_file(users)
        # The post_migrate hook loads the platform's questions; the demo does not rely on it having run.
        safety.sync_question_bank()
        self._exams(users)
        self.counts["safety_records"] = sum(model.objects.count() for model in SAFETY_FILE_MODELS)
        self.progress.say(_("演示单位安全管理档案记录 %(count)s 条") % {"count": self.counts["safety_records"]})

    def _demo_unit_file(self, users: dict[str, User]) -> None:
        from shuangfang.safety import services as safety
        from shuangfang.safety.choices import AppointmentRole, EmergencyPlanKind, HazardSourceGrade, ReadingSource
        from shuangfang.safety.compliance import category_label
        from shuangfang.safety.rules import ORDER_74_CATEGORIES, ORDER_74_EFFECTIVE

        unit = self.demo_unit
        principal, director, officer = users["unit_principal"], users["unit_director"], users["unit_officer"]
        officer2, operator, admin = users["unit_officer2"], users["unit_operator"], users["unit_admin"]
        day = self._safety_day()

        def ago(days: int) -> date:
            return day - timedelta(days=days)

        in_use = Equipment.objects.filter(organization=unit, status=EquipmentStatus.IN_USE)
        categories = sorted({category_of(code) for code in in_use.values_list("category_id", flat=True)})
        categories = [category for category in categories if category in ORDER_74_CATEGORIES]
        labels = {category: category_label(category) for category in categories}
        # What the demo unit lacks on purpose: everything for its last category (piping in the full demo), one
        # Order 74 document older than the order, a drill overdue, one device without an operator.
        lacking = categories[-1] if len(categories) > 1 else ""
        predating = "4000" if "4000" in categories else (categories[0] if categories else "")
        overdue = "3000" if "3000" in categories and lacking != "3000" else ""

        # The safety management body, and the facts the staffing rules cannot read from the register.
        safety.do_save_profile(
            actor=admin,
            organization=unit,
            version=1,
            changes={
                "body_name": "安全环保部",
                "body_established_on": ago(1500),
                "body_document": self._document(admin, "关于设立安全环保部的决定.pdf"),
                "industrial_piping_km": Decimal("6.80"),
            },
        )

        # Appointments (Order 74; TSG 08 2.4): the officers split the categories ten months ago, so that history shows.
        officer_split = ago(300)
        appoint = [
            (principal, AppointmentRole.PRINCIPAL, (), False, ago(2200), "关于任命主要负责人的决定.pdf"),
            (director, AppointmentRole.SAFETY_MANAGER, (), False, ago(1500), "关于任命安全管理负责人的通知.pdf"),
            (director, AppointmentRole.SAFETY_DIRECTOR, (), True, ago(900), "关于任命安全总监的通知.pdf"),
            (officer, AppointmentRole.SAFETY_OFFICER, (), True, ago(900), "关于任命安全员的通知.pdf"),
        ]
        appointments = {}
        for person, role, covered, full_time, starts_on, letter in appoint:
            appointments[(person.pk, role)] = safety.do_appoint(
                actor=admin,
                organization=unit,
                person=person,
                role=role,
                equipment_categories=covered,
                full_time=full_time,
                starts_on=starts_on,
                document=self._document(admin, letter),
            )
        first_term = appointments[(officer.pk, AppointmentRole.SAFETY_OFFICER)]
        safety.do_end_appointment(
            actor=admin,
            appointment=first_term,
            ends_on=officer_split - timedelta(days=1),
            reason="安全员分工调整：锅炉、压力容器、压力管道改由专人负责",
            version=first_term.version,
        )
        split = [
            (officer, [c for c in categories if c in ("3000", "4000", "5000", "6000", "9000")], True),
            (officer2, [c for c in categories if c in ("1000", "2000", "8000")], False),
        ]
        for person, covered, full_time in split:
            if covered:
                safety.do_appoint(
                    actor=admin,
                    organization=unit,
                    person=person,
                    role=AppointmentRole.SAFETY_OFFICER,
                    equipment_categories=covered,
                    full_time=full_time,
                    starts_on=officer_split,
                    document=self._document(admin, f"关于调整安全员分工的通知（{person.full_name}）.pdf"),
                )

        # The required documents, versioned; one kind missing, the last category's missing, one predating Order 74.
        unit_documents = [
            ("management_rules", "特种设备安全管理制度", ago(1800)),
            ("management_rules", "特种设备安全管理制度", ago(200)),
            ("post_responsibilities", "特种设备安全管理岗位责任制度", ago(1100)),
            ("risk_control_rules", "特种设备安全风险分级管控制度", ago(700)),
        ]
        for kind, title, effective_on in unit_documents:
            title = f"{title}（{effective_on.year}年版）"
            safety.do_upload_document(
                actor=director,
                organization=unit,
                kind=kind,
                title=title,
                effective_on=effective_on,
                attachment=self._document(director, f"{title}.pdf"),
            )
        per_category = (("operating_procedures", "安全操作规程", 600), ("director_duties", "安全总监职责", 500),
                        ("officer_code", "安全员守则", 500))  # fmt: skip
        for category in categories:
            if category == lacking:
                continue
            for kind, name, days in per_category:
                effective_on = ago(days)
                if kind == "director_duties" and category == predating:
                    # Issued while Order 74 was being published: to be reissued under it.
                    effective_on = ORDER_74_EFFECTIVE - timedelta(days=65)
                title = f"{labels[category]}{name}"
                safety.do_upload_document(
                    actor=director,
                    organization=unit,
                    kind=kind,
                    equipment_category=category,
                    title=title,
                    effective_on=effective_on,
                    attachment=self._document(director, f"{title}.pdf"),
                )

        # Training: the year's plan and three sessions with their attendees.
        plan = safety.do_create_training_plan(
            actor=officer,
            organization=unit,
            year=day.year,
            title=f"{day.year}年度特种设备安全教育培训计划",
            content="一、安全总监、安全员每季度集中学习一次；二、作业人员每半年安全操作规程培训一次；"
            "三、新任命人员上岗前完成总局令第74号职责培训并考试合格。",
            attachment=self._document(officer, f"{day.year}年度特种设备安全教育培训计划.pdf"),
        )
        county_trainer = "泽州县市场监督管理局特种设备安全监察股"
        sessions = [
            (240, "总局令第74号：安全总监、安全员职责与日管控、周排查、月调度", "4", county_trainer,
             [principal, director, officer, officer2]),
            (120, "起重机械、叉车安全操作规程与GB 45067重大事故隐患判定", "3", director.full_name,
             [officer, operator, officer2]),
            (25, "锅炉和压力容器事故应急处置", "2", officer2.full_name, [officer2, operator, officer]),
        ]  # fmt: skip
        for days, topic, hours, trainer, attendees in sessions:
            held_on = ago(days)
            safety.do_record_training(
                actor=officer,
                organization=unit,
                topic=topic,
                held_on=held_on,
                hours=hours,
                trainer=trainer,
                attendees=attendees,
                location="公司三楼会议室",
                plan=plan if held_on.year == plan.year else None,
                materials=self._document(officer, f"{topic}.pdf"),
                sign_in_photo=self._document(officer, f"签到表{held_on:%Y%m%d}.png", photo=True),
            )

        self._assign_operators(unit, officer, leave_out_one=True)

        # Emergency: a comprehensive plan, special plans per category but the lacking one, and drills (one overdue).
        safety.do_record_emergency_plan(
            actor=director,
            organization=unit,
            title="生产安全事故综合应急预案",
            approved_on=ago(700),
            kind=EmergencyPlanKind.COMPREHENSIVE,
            attachment=self._document(director, "生产安全事故综合应急预案.pdf"),
        )
        scenarios = {
            "1000": "锅炉严重缺水事故应急处置",
            "2000": "压力容器泄漏应急处置",
            "3000": "电梯困人应急救援",
            "4000": "起重机械吊物坠落和人员受困应急处置",
            "5000": "叉车碰撞伤人事故应急处置",
            "6000": "大型游乐设施停机困人应急救援",
            "8000": "压力管道泄漏应急处置",
            "9000": "客运索道停车救援",
        }
        for index, category in enumerate(categories):
            if category == lacking:
                continue
            label = labels[category]
            emergency_plan = safety.do_record_emergency_plan(
                actor=director,
                organization=unit,
                title=f"{label}事故应急专项预案",
                approved_on=ago(500 + 10 * index),
                kind=EmergencyPlanKind.SPECIAL,
                equipment_category=category,
                attachment=self._document(director, f"{label}事故应急专项预案.pdf"),
            )
            # The first category falls due within the reminder window; the overdue one was drilled 13 months ago.
            days = 400 if category == overdue else (345 if index == 0 else 40 + 35 * index)
            safety.do_record_drill(
                actor=director,
                organization=unit,
                plan=emergency_plan,
                held_on=ago(days),
                scenario=scenarios.get(category, f"{label}事故应急处置"),
                participants="、".join(p.full_name for p in (director, officer, officer2, operator)),
                participant_count=12,
                evaluation="响应及时，分工明确；通讯联络和现场警戒需加强，已列入下次演练改进项。",
                photos=[self._document(director, f"演练{category}.png", photo=True)],
            )

        # A major hazard source watched by two points, with a week of readings; one pressure reading out of bounds.
        vessel = in_use.filter(category__code__startswith="21", quick_opening=False).order_by("pk").first()
        source = safety.do_create_hazard_source(
            actor=director,
            organization=unit,
            name="化产车间液氨储罐区",
            grade=HazardSourceGrade.FOURTH,
            equipment=vessel,
            location="化产车间东侧罐区",
            description="脱硫用液氨储罐2台，最大储量约12吨（临界量10吨），依据GB 18218-2018辨识为四级重大危险源。",
        )
        pressure = safety.do_add_monitoring_point(
            actor=director, source=source, name="1号储罐压力", quantity="压力", unit_of_measure="MPa", high="1.600"
        )
        level = safety.do_add_monitoring_point(
            actor=director,
            source=source,
            name="1号储罐液位",
            quantity="液位",
            unit_of_measure="%",
            low="15.000",
            high="85.000",
        )
        rng = self._rng("safety")
        for days in range(7, 0, -1):
            for hour in (8, 20):
                measured_at = timezone.make_aware(datetime.combine(ago(days), time_of_day(hour)))
                value = Decimal(f"{rng.uniform(1.05, 1.35):.3f}")
                if days == 4 and hour == 20:
                    value = Decimal("1.720")  # the excursion: a control-failure investigation and a hazard
                safety.do_record_reading(actor=operator, point=pressure, value=value, measured_at=measured_at)
                safety.do_record_reading(
                    actor=officer,
                    point=level,
                    value=Decimal(f"{rng.uniform(48, 72):.1f}"),
                    measured_at=measured_at,
                    source=ReadingSource.API,
                )

    def _small_unit_file(self, users: dict[str, User]) -> None:
        """The small unit has started: its owner and part-time officer are appointed, two rules are written, its
        forklift driver is on record, one training held.  No safety director yet and most rules missing: the
        simple mode's home shows what is due."""
        from shuangfang.safety import services as safety
        from shuangfang.safety.choices import AppointmentRole

        unit = self.small_unit
        principal, officer = users["small_principal"], users["small_officer"]
        day = self._safety_day()
        safety.do_save_profile(
            actor=principal,
            organization=unit,
            version=1,
            changes={"boiler_over_2_5_mpa": False, "industrial_piping_km": Decimal("0")},
        )
        for person, role, days in (
            (principal, AppointmentRole.PRINCIPAL, 1500),
            (officer, AppointmentRole.SAFETY_OFFICER, 400),
        ):
            safety.do_appoint(
                actor=principal,
                organization=unit,
                person=person,
                role=role,
                starts_on=day - timedelta(days=days),
                document=self._document(principal, f"任命书（{person.full_name}）.pdf"),
            )
        for kind, title in (("management_rules", "特种设备安全管理制度"), ("post_responsibilities", "岗位责任制度")):
            safety.do_upload_document(
                actor=principal,
                organization=unit,
                kind=kind,
                title=title,
                effective_on=day - timedelta(days=400),
                attachment=self._document(principal, f"{title}.pdf"),
            )
        safety.do_record_training(
            actor=officer,
            organization=unit,
            topic="叉车安全操作和每日检查",
            held_on=day - timedelta(days=60),
            hours="2",
            trainer=officer.full_name,
            attendees=[principal, officer],
            sign_in_photo=self._document(officer, "签到表.png", photo=True),
        )
        self._assign_operators(unit, officer, leave_out_one=False)

    def _assign_operators(self, unit: Organization, actor: User, *, leave_out_one: bool) -> None:
        """Put certified operators on the unit's equipment that needs them, sharing the valid certificates of each
        item in turn.  With leave_out_one, the last forklift (or the last such device) gets none, and the last crane
        keeps a driver whose certificate has since expired: the two operator gaps, each with its system hazard."""
        from shuangfang.safety import rules as safety_rules
        from shuangfang.safety import services as safety

        valid_from = max(self.today, timezone.localdate()) + timedelta(days=1)
        valid: dict[str, list[OperatorCertificate]] = {}
        lapsed: dict[str, list[OperatorCertificate]] = {}
        for certificate in OperatorCertificate.objects.filter(organization=unit).order_by("cert_no"):
            pools = valid if certificate.expires_on >= valid_from else lapsed
            pools.setdefault(certificate.item_id, []).append(certificate)
        devices = []
        for device in Equipment.objects.filter(organization=unit, status=EquipmentStatus.IN_USE).order_by("pk"):
            features = [name for name in ("quick_opening", "signaller_required") if getattr(device, name)]
            needed = safety_rules.certificate_rules_for(device.category_id, features, unit.kind)
            if needed:
                devices.append((device, needed))
        left_out = expired_driver = None
        if leave_out_one and devices:
            forklifts = [device for device, needed in devices if any(rule.code == "forklift" for rule in needed)]
            left_out = forklifts[-1] if forklifts else devices[-1][0]
            cranes = [
                device
                for device, needed in devices
                if device != left_out and [rule.code for rule in needed] == ["crane_driver"]
            ]
            if cranes and lapsed.get("Q2"):
                expired_driver = cranes[-1]
        turns: Counter[str] = Counter()
        for device, needed in devices:
            if device == left_out:
                continue
            for rule in needed:
                if device == expired_driver:
                    certificate = lapsed["Q2"][0]
                    assigned_on = certificate.issued_on + timedelta(days=30)
                else:
                    item = next((item for item in rule.items if valid.get(item)), None)
                    if item is None:
                        continue  # nobody at the unit holds the item: the gap is real
                    certificate = valid[item][turns[item] % len(valid[item])]
                    turns[item] += 1
                    assigned_on = max(certificate.issued_on, device.commissioned_on)
                safety.do_assign_operator(
                    actor=actor, equipment=device, certificate=certificate, assigned_on=assigned_on
                )

    def _exams(self, users: dict[str, User]) -> None:
        """The demo unit's own exam of its safety staff, all handed in (one below the pass mark), and the county's
        spot-check of the safety directors and officers in Zezhou: the small unit's officer fails it (flagged to the
        unit, a gap), the demo unit's officer has it still to sit.  Exams are open around the real today, which
        the sittings are checked against."""
        from shuangfang.safety import services as safety
        from shuangfang.safety.models import ExamAttempt

        county = users.get("county_zezhou")
        real_today = timezone.localdate()
        year = self._safety_day().year
        exams = [
            (
                users["unit_director"],
                f"{year}年度安全总监、安全员安全知识考试",
                {"unit_director": 10, "unit_officer": 9, "unit_officer2": 6},
                (real_today - timedelta(days=5), real_today + timedelta(days=2)),
            ),
            (
                county,
                f"泽州县{year}年度特种设备安全总监、安全员抽查考核",
                {"unit_director": 9, "unit_officer2": 8, "small_officer": 5},
                (real_today - timedelta(days=2), real_today + timedelta(days=14)),
            ),
        ]
        for number, (actor, title, right_answers, (opens_on, closes_on)) in enumerate(exams):
            if actor is None:
                continue
            exam = safety.do_create_exam(
                actor=actor,
                title=title,
                roles=[Role.SAFETY_DIRECTOR, Role.SAFETY_OFFICER],
                question_count=10,
                opens_on=opens_on,
                closes_on=closes_on,
                seed=self.seed + number,
            )
            questions = list(exam.questions.order_by("pk"))
            attempts = ExamAttempt.objects.filter(exam=exam, candidate__username__in=right_answers)
            for attempt in attempts.select_related("candidate", "exam").order_by("pk"):
                right = right_answers[attempt.candidate.username]
                answers = {}
                for index, question in enumerate(questions):
                    key = list(question.answer)
                    answers[str(question.pk)] = key if index < right else [(key[0] + 1) % len(question.options)]
                safety.do_submit_attempt(actor=attempt.candidate, attempt=attempt, answers=answers)

    # -- phase 8: the duty cycle starts, and the demo unit's hazards are at every step of the loop -------------------

    def _investigate(self) -> None:
        """Today's Order 74 tasks for every unit; the platform's major hazards for in-use equipment whose latest
        inspection failed; and the demo unit's own hazards, one at each step of the closed loop and one under
        the county's 挂牌督办, all made through the services so that their events and notifications are real."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from shuangfang.core.attachments import do_upload_attachment
        from shuangfang.hazards import services as hazards
        from shuangfang.hazards.choices import HazardGrade
        from shuangfang.hazards.models import Hazard
        from shuangfang.hazards.scheduling import run_duty_cycle

        self.counts["investigation_tasks"] += run_duty_cycle(self.today)["tasks_created"]

        failing = PeriodicInspection.objects.filter(
            equipment__status=EquipmentStatus.IN_USE,
            equipment__last_inspected_on=models.F("inspected_on"),
            conclusion__in=[Conclusion.FAIL, Conclusion.RETEST_FAIL],
        ).select_related("equipment", "equipment__organization", "agency")
        if self.sizes.use_units > SERVICE_HAZARDS_MAX_UNITS:
            # Each goes through the service (its notifications and reassessment flags, ≈ 50 ms): the demo county's
            # at the province's size; the other units' past hazards come with their history (core.demo_history).
            failing = failing.filter(equipment__region_id=ZEZHOU_CODE)
        for inspection in failing:
            if hazards.hazard_from_inspection(inspection=inspection, actor=None) is not None:
                self.counts["hazards_failed_inspection"] += 1

        users = {user.username: user for user in User.objects.filter(organization=self.demo_unit)}
        officer, director, principal = users["unit_officer"], users["unit_director"], users["unit_principal"]
        operator = users["unit_operator"]
        in_use = list(
            Equipment.objects.filter(organization=self.demo_unit, status=EquipmentStatus.IN_USE).order_by("id")[:6]
        )
        if len(in_use) < 5:
            return
        elevator = next((e for e in in_use if e.category_id.startswith("3")), in_use[0])

        def photo(name: str):
            return do_upload_attachment(
                actor=director, uploaded=SimpleUploadedFile(name, tiny_png(), content_type="image/png")
            )

        # Deadlines count from the real today, which the services check them against (self.today dates the data).
        today = timezone.localdate()

        def five(grade=HazardGrade.GENERAL, days=7, **extra):
            return {
                "grade": grade,
                "handling": "deadline",
                "deadline": today + timedelta(days=days),
                "responsible": officer,
                "measures": "更换损坏部件，整改后复查",
                "funds": "500元，安全生产费用列支",
                "contingency": "整改期间设置警示标志，专人巡查",
                **extra,
            }

        with transaction.atomic():
            hazards.do_report_hazard(
                actor=operator, equipment=in_use[1], description="操作室门口消防通道堆放杂物", location="操作室"
            )
            rectifying = hazards.do_report_hazard(
                actor=officer, equipment=in_use[2], description="安全警示标志脱落", location="出入口"
            )
            hazards.do_confirm_hazard(actor=director, hazard=rectifying, data=five(), expected_version=1)
            waiting = hazards.do_report_hazard(actor=officer, equipment=in_use[3], description="紧急停止按钮护罩破损")
            waiting = hazards.do_confirm_hazard(actor=director, hazard=waiting, data=five(days=3), expected_version=1)
            hazards.do_submit_rectification(
                actor=officer,
                hazard=waiting,
                description="已更换护罩并试验紧急停止功能有效",
                evidence=[photo("after.png")],
                expected_version=waiting.version,
            )
            fixed = hazards.do_report_hazard(actor=officer, equipment=in_use[4], description="维护保养记录未及时填写")
            hazards.do_confirm_hazard(
                actor=director,
                hazard=fixed,
                data={**five(), "handling": "immediate", "evidence": [photo("record.png")]},
                expected_version=1,
            )
            major = hazards.do_report_hazard(
                actor=officer,
                equipment=elevator,
                description="层门门锁安全回路被短接，电梯仍在运行",
                clauses=[c for c in ["4.6b"] if elevator.category_id.startswith("3")],
                grade=HazardGrade.MAJOR,
            )
            plan = {
                "goal": "恢复门锁安全回路，消除短接",
                "methods": "停梯，由维保单位检查门锁电气安全装置并更换损坏部件",
                "funds_materials": "维修费用 3000 元，门锁组件 2 套",
                "organization_people": "安全总监牵头，维保单位技术负责人实施",
                "timeline": "15 日内完成，完成后申请监管部门核查",
                "safety_contingency": "停梯并设置警示，启动电梯困人应急预案",
            }
            major = hazards.do_confirm_hazard(
                actor=principal,
                hazard=major,
                data=five(HazardGrade.MAJOR, days=15, responsible=director, plan=plan),
                expected_version=major.version,
            )
            county = User.objects.filter(username="county_zezhou").first()
            if county is not None and major.region_id.startswith(county.organization.jurisdiction.prefix):
                hazards.do_list_hazard(
                    actor=county,
                    hazard=major,
                    level=hazards.listing_level_of(county.organization),
                    deadline=today + timedelta(days=30),
                    requirements="停用整改，完成后报县局核查",
                )
        self.counts["hazards"] = Hazard.objects.count()
        self.progress.say(_("事故隐患 %(count)s 项") % {"count": self.counts["hazards"]})

    # -- phase 9: every unit's compliance gaps -------------------------------------------------------------------------

    def _assign_operators_in_bulk(self) -> None:
        """Operators on the other units' equipment, from the certificates those units hold: most units put a certified
        operator on every device that needs one, about one in eight leaves some device without, so that the
        regulator's gap counts and the system hazards they raise look like a province rather than like no one ever
        recorded an operator.  Written in bulk like the rest of the generated province (no per-row events)."""
        from shuangfang.safety import rules as safety_rules
        from shuangfang.safety.models import OperatorAssignment

        rng = self._rng("operators")
        day = self._safety_day()
        filed = set(OperatorAssignment.objects.values_list("organization_id", flat=True).distinct())
        valid: dict[tuple[int, str], int] = {}
        for unit_id, item, certificate_id in (
            OperatorCertificate.objects.filter(expires_on__gte=day)
            .exclude(organization_id__in=filed)
            .order_by("organization_id", "item_id", "pk")
            .values_list("organization_id", "item_id", "pk")
        ):
            valid.setdefault((unit_id, item), certificate_id)
        careless = {unit_id for unit_id, _item in valid if rng.random() < 0.125}
        rows = []
        equipment = (
            Equipment.objects.filter(status=EquipmentStatus.IN_USE, organization__kind__in=EQUIPMENT_OWNING_KINDS)
            .exclude(organization_id__in=filed)
            .order_by("pk")
            .values_list("pk", "organization_id", "region_id", "category_id", "quick_opening", "signaller_required")
        )
        kinds = dict(Organization.objects.values_list("pk", "kind"))
        # Each generated unit's administrator (username org<pk>) records its operators.
        admins = dict(
            User.objects.filter(username__in=[f"org{unit_id}" for unit_id, _item in valid]).values_list(
                "organization_id", "pk"
            )
        )
        for pk, unit_id, region_id, category, quick_opening, signaller in equipment.iterator(chunk_size=2000):
            flags = (("quick_opening", quick_opening), ("signaller_required", signaller))
            features = [name for name, on in flags if on]
            for rule in safety_rules.certificate_rules_for(category, features, kinds[unit_id]):
                if unit_id in careless and rng.random() < 0.5:
                    continue
                certificate_id = next((valid[(unit_id, item)] for item in rule.items if (unit_id, item) in valid), None)
                if certificate_id is not None and unit_id in admins:
                    rows.append(
                        OperatorAssignment(
                            organization_id=unit_id,
                            region_id=region_id,
                            equipment_id=pk,
                            certificate_id=certificate_id,
                            assigned_on=day,
                            assigned_by_id=admins[unit_id],
                        )
                    )
        OperatorAssignment.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        self.counts["operator_assignments"] = OperatorAssignment.objects.count()

    # -- phase 10: the regulators' side ------------------------------------------------------------------------------

    def _supervise(self) -> None:
        """The regulators' side, alive on the first sign-in, all through the supervision services (their checks,
        events and notifications are real): Zezhou's two grids with its inspector; an accident a few months back on a
        generated unit's equipment and that unit on the blacklist for it; the county's evaluation of the demo unit and
        the unit's own; an enforcement inspection of a generated unit with two ordinary orders (no one-action finding:
        the demo unit's listed major hazard stays the only one the county supervises); every unit's supervision class;
        Zezhou's random inspection plan for next month, drawn with the demo's seed and published; and Jincheng's
        assessment of its counties for the year.

        Past facts are dated up to the safety day, deadlines count from the real today (which the services check them
        against), as in the other phases."""
        from shuangfang.supervision.assessment import FIRST_YEAR as ASSESSMENT_FIRST_YEAR
        from shuangfang.supervision.assessment import do_run_assessment
        from shuangfang.supervision.choices import BlacklistStatus
        from shuangfang.supervision.classes import compute_classes
        from shuangfang.supervision.models import BlacklistEntry, Evaluation, UnitClass

        usernames = [username for username, _role, _where in DEMO_USERS]
        users = {
            user.username: user
            for user in User.objects.filter(username__in=usernames).select_related("organization__jurisdiction")
        }
        excluded = [self.demo_unit.pk] + ([self.small_unit.pk] if self.small_unit is not None else [])
        self._grids(users)
        accident_unit = self._accident(users, excluded)
        self._evaluations(users)
        self._enforcement(users, excluded + ([accident_unit.pk] if accident_unit is not None else []))
        result = compute_classes(self.today)
        self._random_plan(users)
        year = self._safety_day().year
        if year >= ASSESSMENT_FIRST_YEAR:  # nothing to assess before the notice
            self.counts["regional_assessments"] = len(do_run_assessment(actor=users["city_jincheng_leader"], year=year))
        self.counts["blacklist_entries"] = BlacklistEntry.objects.filter(status=BlacklistStatus.ACTIVE).count()
        self.counts["evaluations"] = Evaluation.objects.count()
        self.counts["unit_classes"] = UnitClass.objects.count()
        for klass, count in (result.by_class or {}).items():
            self.counts[f"unit_classes_{klass}"] = count
        self.progress.say(
            _("监管：网格 %(grids)s 个，事故 %(accidents)s 起，监管类别 %(classes)s 个单位")
            % {
                "grids": self.counts["grids"],
                "accidents": self.counts["accidents"],
                "classes": f"{self.counts['unit_classes']:,}",
            }
        )

    @staticmethod
    def _covering_regulator(users: dict[str, User], region_code: str) -> str:
        """The username of the narrowest demo regulator covering the region: Zezhou's, Jincheng's, else the
        province's (its administrator is the same name with `_admin`)."""
        for prefix, username in ((ZEZHOU_CODE, "county_zezhou"), (JINCHENG_CODE[:4], "city_jincheng")):
            if region_code.startswith(prefix) and username in users:
                return username
        return "province"

    def _generated_units_near(self, excluded: list[int]):
        """Generated use units with in-use equipment, Zezhou's first, then the rest of Jincheng, then the province's:
        a small province may have no other unit in the demo county."""
        for prefix in (ZEZHOU_CODE, JINCHENG_CODE[:4], ""):
            units = (
                Organization.objects.filter(
                    kind__in=EQUIPMENT_OWNING_KINDS,
                    is_active=True,
                    region__code__startswith=prefix,
                    equipment__status=EquipmentStatus.IN_USE,
                )
                .exclude(pk__in=excluded)
                .distinct()
                .order_by("pk")
            )
            found = list(units[:5])
            if found:
                return found
        return []

    def _grids(self, users: dict[str, User]) -> None:
        """Zezhou's use units shared between two grids (alternately by registration order, so that each demo unit
        sits in one of them), the county's inspectors assigned to both."""
        from shuangfang.supervision.services_grids import do_create_grid

        admin = users["county_zezhou_admin"]
        inspectors = [
            user
            for user in User.objects.filter(organization_id=admin.organization_id, is_active=True).order_by("pk")
            if Role.INSPECTOR in user.roles
        ]
        units = Organization.objects.filter(kind__in=EQUIPMENT_OWNING_KINDS, is_active=True, region_id=ZEZHOU_CODE)
        units = list(units.order_by("pk"))
        grids = (
            ("泽州县第一网格（巴公、北义城、高都片区）", "北部乡镇及工业园区的使用单位，县局特种设备安全监察股负责。"),
            ("泽州县第二网格（南村、金村、周村片区）", "南部乡镇及城郊的使用单位，县局特种设备安全监察股负责。"),
        )
        for index, (name, description) in enumerate(grids):
            do_create_grid(
                actor=admin,
                name=name,
                description=description,
                units=units[index :: len(grids)],
                inspectors=inspectors,
            )
            self.counts["grids"] += 1

    def _accident(self, users: dict[str, User], excluded: list[int]) -> Organization | None:
        """An accident a few months back on a generated unit's equipment (a crane or a forklift where there is one),
        recorded by the regulator covering it, and the unit listed on the blacklist for it by the same."""
        from shuangfang.supervision.choices import AccidentSeverity, BlacklistReason
        from shuangfang.supervision.services_accidents import do_record_accident
        from shuangfang.supervision.services_blacklist import do_list_unit

        units = self._generated_units_near(excluded)
        if not units:
            return None
        in_use = Equipment.objects.filter(organization__in=units, status=EquipmentStatus.IN_USE)
        equipment = None
        for category in ("4", "5", ""):
            equipment = in_use.filter(category__code__startswith=category).order_by("organization_id", "pk").first()
            if equipment is not None:
                break
        unit = next(unit for unit in units if unit.pk == equipment.organization_id)
        accident_type, description = ACCIDENT_STORIES.get(equipment.category_id[0], ACCIDENT_STORIES[""])
        day = self._safety_day() - timedelta(days=80)
        occurred_at = timezone.make_aware(datetime.combine(day, time_of_day(14, 20)))
        regulator = users[self._covering_regulator(users, unit.region_id)]
        accident = do_record_accident(
            actor=regulator,
            organization=unit,
            equipment=equipment,
            occurred_at=occurred_at,
            accident_type=accident_type,
            severity=AccidentSeverity.GENERAL,
            description=f"{equipment.site}{equipment.name}（设备代码 {equipment.code}）：{description}",
            minor_injuries=1,
            direct_loss="3.60",
        )
        do_list_unit(
            actor=regulator,
            organization=unit,
            reason=BlacklistReason.ACCIDENT,
            detail=(
                f"{day:%Y年%m月%d日}，该单位{equipment.name}（设备代码 {equipment.code}）发生一般事故，轻伤 1 人。"
                "事故倒查发现该设备未辨识安全风险、未开展日管控。依据晋市监发〔2022〕116号，对发生特种设备事故的"
                "使用单位列入黑名单并向社会公布。"
            ),
            listed_on=day + timedelta(days=21),
            accident=accident,
        )
        self.counts["accidents"] += 1
        return unit

    def _evaluations(self, users: dict[str, User]) -> None:
        """The demo unit's self-evaluation by its safety director, then the county's evaluation: both pass, the
        county's lower, scored on what the file shows (a category without documents and plans, a document older than
        Order 74, an overdue drill, a major hazard under supervision; the platform not yet a year in use).  The veto
        items the records show (the open major hazard, the overdue inspection) are added by the service."""
        from shuangfang.supervision.services_evaluation import do_evaluate

        year = self._safety_day().year
        self_scores = {"organization": 10, "documents": 8, "training": 9, "identification": 19, "grading": 13,
                       "investigation": 13, "treatment": 12, "improvement": None}  # fmt: skip
        county_scores = {"organization": 9, "documents": 6, "training": 8, "identification": 18, "grading": 11,
                         "investigation": 11, "treatment": 9, "improvement": None}  # fmt: skip
        for actor, scores in ((users["unit_director"], self_scores), (users["county_zezhou"], county_scores)):
            do_evaluate(actor=actor, organization=self.demo_unit, year=year, scores=scores)

    def _enforcement(self, users: dict[str, User], excluded: list[int]) -> None:
        """The county's enforcement inspection of a generated unit (another than the accident's where there is one):
        no risks identified, no appointments, no daily records — three findings and two ordinary orders.  Nothing to
        grade or control without identified risks, so the one-action items do not apply."""
        from shuangfang.supervision.rules_enforcement import ENFORCEMENT_CHECKLIST, FINDING, NOT_APPLICABLE, OK
        from shuangfang.supervision.services_enforcement import do_record_inspection

        units = self._generated_units_near(excluded) or self._generated_units_near(excluded[:2])
        if not units:
            return
        unit = units[0]
        base = self._covering_regulator(users, unit.region_id)
        actor = users[base]
        findings = {"R1": "在用特种设备未登记风险点，未开展危险源辨识", "P1": "未书面任命安全总监、安全员",
                    "C1": "近一个月无日管控记录"}  # fmt: skip
        not_applicable = {"R2", "R3", "R4", "R5"}
        results = {
            item.code: FINDING if item.code in findings else NOT_APPLICABLE if item.code in not_applicable else OK
            for item in ENFORCEMENT_CHECKLIST
        }
        today = timezone.localdate()
        inspection = do_record_inspection(
            actor=actor,
            unit=unit,
            inspected_on=self._safety_day() - timedelta(days=6),
            results=results,
            notes=findings,
            findings="双重预防机制尚未建立：风险未辨识，安全管理人员未任命，日管控未落实。",
            orders=[
                {
                    "content": "15日内按总局令第74号书面任命安全总监、安全员，并落实日管控、周排查、月调度。",
                    "deadline": today + timedelta(days=15),
                },
                {
                    "content": "30日内完成全部在用特种设备的风险点登记、危险源辨识和风险评价分级，报县局备查。",
                    "deadline": today + timedelta(days=30),
                },
            ],
            inspectors=[person for person in (actor, users.get(f"{base}_admin")) if person is not None],
        )
        self.counts["enforcement_orders"] += inspection.orders.count()

    def _random_plan(self, users: dict[str, User]) -> None:
        """Zezhou's 双随机 plan for the month after the demo's today, drawn with the demo's seed and published."""
        from shuangfang.supervision.random_plans import do_create_random_plan, do_publish_random_plan

        actor = users["county_zezhou"]
        start = rules.add_months(self.today.replace(day=1), 1)
        end = rules.add_months(start, 1) - timedelta(days=1)
        plan = do_create_random_plan(
            actor=actor,
            title=f"泽州县{start.year}年{start.month}月特种设备使用单位双随机抽查计划",
            period_start=start,
            period_end=end,
            seed=self.seed,
        )
        plan = do_publish_random_plan(actor=actor, plan=plan, expected_version=plan.version)
        self.counts["random_plan_units"] = plan.items.count()

    def _history(self) -> None:
        """Above the small size, the generated units' past: risks, a year of daily checks, hazards in every state,
        listings and their events (core.demo_history).  The small demo keeps only the stories told through the
        services, so that its lists stay readable."""
        from shuangfang.hazards.choices import ListingLevel
        from shuangfang.hazards.models import Hazard

        from .demo_history import generate_history

        if self.sizes.equipment <= HISTORY_ABOVE_EQUIPMENT:
            return
        users = {
            user.username: user
            for user in User.objects.filter(username__in=["province", "city_jincheng", "county_zezhou"])
        }
        levels = {
            "county_zezhou": ListingLevel.COUNTY,
            "city_jincheng": ListingLevel.CITY,
            "province": ListingLevel.PROVINCE,
        }

        def listing_users(region_code: str) -> tuple[int, int, str]:
            user = users[self._covering_regulator(users, region_code)]
            return user.pk, user.organization_id, levels[user.username]

        excluded = [self.demo_unit.pk] + ([self.small_unit.pk] if self.small_unit is not None else [])
        counts = generate_history(
            today=self.today,
            seed=self.seed,
            equipment_total=self.sizes.equipment,
            excluded_units=excluded,
            password_hash=self.password_hash,
            listing_users=listing_users,
            person_name=self._person_name,
            say=self.progress.say,
        )
        for key in ("risks", "tasks", "check_results", "hazards", "listings", "events"):
            self.counts[f"history_{key}"] = getattr(counts, key)
        self.counts["users"] += counts.officers
        self.progress.add(
            counts.officers
            + 2 * counts.risk_points
            + counts.risks * 2
            + counts.tasks
            + counts.check_results
            + counts.hazards
            + counts.listings
            + counts.events
        )
        self.counts["hazards"] = Hazard.objects.count()

    def _refresh_summary(self) -> None:
        """The regulators' figures (the cockpit), as the five-minute job would compute them."""
        from shuangfang.supervision.summaries import rebuild_summary

        rebuild_summary()

    def _refresh_compliance(self) -> None:
        """The daily compliance run, once, as of the demo's today: every unit's gaps by the rule tables, and one system
        hazard for each device in use without a certified operator.  Set-based per batch of units (safety.compliance):
        about 1.5 ms a unit, some four minutes at the province's size."""
        from shuangfang.hazards.choices import HazardSource
        from shuangfang.hazards.models import Hazard
        from shuangfang.safety.compliance import refresh_all
        from shuangfang.safety.models import ComplianceGap

        refresh_all(self.today)
        self.counts["compliance_gaps"] = ComplianceGap.objects.filter(closed_at__isnull=True).count()
        self.counts["hazards"] = Hazard.objects.count()
        self.counts["hazards_system"] = Hazard.objects.filter(source=HazardSource.SYSTEM).count()
        self.progress.say(_("合规缺项 %(count)s 项") % {"count": f"{self.counts['compliance_gaps']:,}"})

    # -- phase 5: equipment, inspections, certificates ---------------------------------------------------------------

    def _next_due(
        self, category: str, inspected_on: date, commissioned_on: date, conclusion: str, grade: int | None, region: str
    ) -> tuple[date | None, str]:
        """The due date the inspection service would compute, with the text it stores as next_due_rule."""
        try:
            computed = rules.compute_next_due(
                category=category,
                inspected_on=inspected_on,
                commissioned_on=commissioned_on,
                conclusion=conclusion,
                safety_grade=grade,
                region_code=region,
                overrides=settings.INSPECTION_INTERVAL_OVERRIDES,
            )
        except ValueError as error:
            computed = self._fallback_next_due(category, inspected_on, conclusion, str(error))
        rule_text = computed.rule.citation if computed.rule else computed.reason
        return computed.due_on, rule_text[:255]

    @staticmethod
    def _fallback_next_due(category: str, inspected_on: date, conclusion: str, why: str) -> rules.NextDue:
        """No rule applies: the table row's plain interval when there is one, else no date (the report gives it)."""
        try:
            rule = rules.rule_for(category)
        except ValueError:
            rule = None
        if conclusion in rules.FAILED_CONCLUSIONS or rule is None or rule.months is None:
            return rules.NextDue(None, rule, why)
        return rules.NextDue(rules.add_months(inspected_on, rule.months), rule, why)

    def _simulate(
        self,
        rng: random.Random,
        *,
        category: str,
        commissioned_on: date,
        region: str,
        grade: int | None,
        horizon: date,
    ) -> list[_Record]:
        """Inspections from the commissioning (or the last few cycles) up to the horizon, each brought forward a
        little before its due date as units do."""
        interval_days = self._typical_interval_days(category, grade, region)
        earliest = horizon - timedelta(days=int(interval_days * rng.uniform(3.2, 4.2)))
        if commissioned_on >= earliest:
            current = commissioned_on
            kind = InspectionKind.FIRST if category.startswith("5") else InspectionKind.SUPERVISORY
        else:
            current, kind = earliest, InspectionKind.PERIODIC
        records: list[_Record] = []
        for _step in range(HISTORY_STEPS):
            conclusion = Conclusion.CONDITIONAL if rng.random() < 0.06 else Conclusion.PASS
            due, rule_text = self._next_due(category, current, commissioned_on, conclusion, grade, region)
            records.append(_Record(current, kind, conclusion, due, rule_text))
            if due is None:
                break
            following = max(current + timedelta(days=30), due - timedelta(days=rng.randint(0, 40)))
            if following > horizon:
                break
            current, kind = following, InspectionKind.PERIODIC
        return records

    def _typical_interval_days(self, category: str, grade: int | None, region: str) -> int:
        """Days between inspections under today's rules: where a simulated history starts. Elevators follow a
        schedule of one to three years, so they take two."""
        if category.startswith("3"):
            return 730
        key = (category, grade)
        if key not in self.interval_days:
            probe_on = self.today - timedelta(days=400)
            due, _rule = self._next_due(category, probe_on, probe_on, Conclusion.PASS, grade, region)
            self.interval_days[key] = max(60, (due - probe_on).days) if due else 365
        return self.interval_days[key]

    def _recompute(self, records: list[_Record], *, category, commissioned_on, region, grade) -> None:
        for record in records:
            record.next_due_on, record.rule_text = self._next_due(
                category, record.inspected_on, commissioned_on, record.conclusion, grade, region
            )

    def _state(self, records: list[_Record]) -> str:
        if not records:
            return rules.STATE_NEVER_INSPECTED
        return rules.inspection_state(records[-1].next_due_on, records[-1].inspected_on, self.today, DUE_SOON_DAYS)

    def _history_for_target(self, rng: random.Random, target: str, *, category, commissioned_on, region, grade):
        """A history whose latest inspection leaves the equipment in (about) the target state.

        The timeline is simulated up to today, then nudged: one more recent inspection for `valid`, the last one
        dropped for `overdue`, a failing conclusion for `failed`; where a date must move, the whole timeline
        (commissioning included) shifts, and every due date is recomputed by the rules, so the rows stay consistent.
        Returns the records and the shift in days applied to the commissioning and manufacture dates.
        """
        arguments = {"category": category, "region": region, "grade": grade}
        records = self._simulate(rng, commissioned_on=commissioned_on, horizon=self.today, **arguments)
        shift = 0
        state = self._state(records)
        last = records[-1]
        if target == "valid" and state == rules.STATE_DUE_SOON:
            gap = (self.today - last.inspected_on).days
            if gap >= 1:
                inspected_on = self.today - timedelta(days=rng.randint(0, min(gap - 1, 20)))
                records.append(_Record(inspected_on, InspectionKind.PERIODIC, Conclusion.PASS))
                records[-1].next_due_on, records[-1].rule_text = self._next_due(
                    category, inspected_on, commissioned_on, Conclusion.PASS, grade, region
                )
        elif target == "due_soon" and state != rules.STATE_DUE_SOON and last.next_due_on:
            wanted = self.today + timedelta(days=rng.randint(0, DUE_SOON_DAYS))
            shift = -max(0, (last.next_due_on - wanted).days)
        elif target == "overdue":
            if len(records) > 1:
                records.pop()
            overdue_days = min(720, 1 + int(rng.expovariate(1 / 60)))
            wanted = self.today - timedelta(days=overdue_days)
            due = records[-1].next_due_on
            shift = -max(0, (due - wanted).days) if due else 0
        elif target == "failed":
            lag = (self.today - last.inspected_on).days
            shift = max(0, lag - rng.randint(3, 90))
            last.conclusion = Conclusion.RETEST_FAIL if rng.random() < 0.2 else Conclusion.FAIL
            last.next_due_on, last.rule_text = self._next_due(
                category, last.inspected_on, commissioned_on, last.conclusion, grade, region
            )
        if shift:
            for record in records:
                record.inspected_on += timedelta(days=shift)
            self._recompute(records, commissioned_on=commissioned_on + timedelta(days=shift), **arguments)
        return records, shift

    def _equipment_rows(self, rng: random.Random, plan: _UnitPlan):
        """The unit's equipment, each with its inspection records (newest last)."""
        profile = PROFILE_BY_KEY[plan.profile]
        mix = profile.equipment_mix
        categories = [_weighted_choice(rng, mix) for _index in range(plan.equipment_count)]
        if plan.is_demo_unit or plan.is_small_unit:
            # The demo units show each of their kinds at least once.
            by_weight = [code for code, _weight in sorted(mix, key=lambda pair: (-pair[1], pair[0]))]
            categories[: len(by_weight)] = by_weight[: len(categories)]
        rows = []
        featured: set[str] = set()
        letter = CITY_FACTS[plan.city_code].plate_letter
        for index, category in enumerate(categories):
            kind = EQUIPMENT_KINDS[category]
            maker = rng.choice(kind.makers)
            grade = _weighted_choice(rng, kind.safety_grades) if kind.safety_grades else None
            showcase = plan.is_demo_unit or plan.is_small_unit
            status = EquipmentStatus.IN_USE if showcase else _weighted_choice(rng, STATUS_SHARES)
            if status == EquipmentStatus.IN_USE:
                forced = plan.forced_states
                target = (
                    forced[index]
                    if index < len(forced)
                    else ("valid" if plan.is_small_unit else _weighted_choice(rng, TARGET_STATES))
                )
                horizon = self.today
            else:
                target = "stopped"
                horizon = self.today - timedelta(days=rng.randint(30, 900))
            max_age = min(MAX_AGE_DAYS, (kind.design_life_years or 20) * 365 - 180)
            if target == "never_inspected":
                age_days = rng.randint(5, 150)
            else:
                # Age density falls linearly: the registry grows, so there is more new equipment than old.
                age_days = int(max_age * (1 - math.sqrt(rng.random())))
            commissioned_on = horizon - timedelta(days=age_days)
            build_lead = timedelta(days=rng.randint(20, 400))
            arguments = {"category": category, "region": plan.region_code, "grade": grade}
            if target == "never_inspected":
                records, shift = [], 0
            elif target == "stopped":
                records = self._simulate(rng, commissioned_on=commissioned_on, horizon=horizon, **arguments)
                shift = 0
            else:
                records, shift = self._history_for_target(rng, target, commissioned_on=commissioned_on, **arguments)
            commissioned_on += timedelta(days=shift)
            manufactured_on = commissioned_on - build_lead
            kept = records[-rng.choice((1, 2, 2, 3)) :] if records else []
            latest = kept[-1] if kept else None
            serial_key = (category, maker.code, manufactured_on.year)
            serial = self.serials.get(serial_key) or rng.randint(1, 3000)
            serial += rng.randint(1, 12)
            self.serials[serial_key] = serial
            registration_key = (letter, category[:3])
            registration_serial = self.registration_serials.get(registration_key, 0) + 1
            self.registration_serials[registration_key] = registration_serial
            site = rng.choice(kind.sites).format(n=rng.randint(1, 12), m=rng.randint(1, 6))
            equipment = Equipment(
                organization_id=plan.pk,
                code=f"{category}{maker.code}{manufactured_on.year}{serial_text(serial)}",
                registration_no=(
                    f"{registration_prefix(category)}{category[1:3]}晋{letter}{registration_serial:05d}"
                    f"({commissioned_on.year % 100:02d})"
                ),
                category_id=category,
                name=rng.choice(kind.names),
                model=rng.choice(kind.models),
                serial_no=f"{manufactured_on.year % 100:02d}{serial_text(serial)}",
                manufacturer=maker.name,
                manufactured_on=manufactured_on,
                commissioned_on=commissioned_on,
                design_life_years=kind.design_life_years,
                region_id=plan.region_code,
                site=site,
                crowded_place=plan.crowded and kind.public_facing,
                status=status,
                last_inspected_on=latest.inspected_on if latest else None,
                inspection_due_on=latest.next_due_on if latest else None,
                inspection_agency_id=plan.agency_pk,
            )
            if plan.is_demo_unit and category in DEMO_UNIT_FEATURES and category not in featured:
                featured.add(category)
                feature, name = DEMO_UNIT_FEATURES[category]
                setattr(equipment, feature, True)
                equipment.name = name or equipment.name
            rows.append((equipment, kept, grade))
            self._count_equipment(equipment, kept)
        return rows

    def _count_equipment(self, equipment: Equipment, kept: list[_Record]) -> None:
        self.counts[f"equipment_{str(equipment.status)}"] += 1
        if equipment.status != EquipmentStatus.IN_USE:
            return
        state = self._state(kept)
        self.counts[f"in_use_{state}"] += 1
        if kept and kept[-1].conclusion in rules.FAILED_CONCLUSIONS:
            self.counts["in_use_failed"] += 1

    def _inspection_rows(self, rng: random.Random, plan: _UnitPlan, equipment: Equipment, kept, grade):
        agency = self.agency_by_pk[plan.agency_pk]
        inspections = []
        for record in kept:
            self.report_serials[agency.pk] = self.report_serials.get(agency.pk, 0) + 1
            findings = ""
            if record.conclusion != Conclusion.PASS:
                findings = rng.choice(FINDINGS[equipment.category_id[0]])
            inspections.append(
                PeriodicInspection(
                    equipment_id=equipment.pk,
                    organization_id=plan.pk,
                    region_id=plan.region_code,
                    agency_id=agency.pk,
                    kind=record.kind,
                    inspected_on=record.inspected_on,
                    conclusion=record.conclusion,
                    safety_grade=grade,
                    next_due_on=record.next_due_on,
                    next_due_rule=record.rule_text,
                    report_no=f"{agency.report_prefix}-{record.inspected_on.year}-{self.report_serials[agency.pk]:06d}",
                    findings=findings,
                    recorded_by_id=agency.user_pk,
                )
            )
        return inspections

    def _certificate(
        self, rng: random.Random, organization_pk: int, region_code: str, item: str, *, holder=None, holder_name=""
    ) -> OperatorCertificate:
        # Issue dates spread over a little more than the four-year validity: some lapsed, some about to.
        issued_on = self.today - timedelta(days=rng.randint(0, CERTIFICATE_VALIDITY_MONTHS * 365 // 12 + 150))
        self.certificate_sequence += 1
        letter = CITY_FACTS[region_code[:4] + "00"].plate_letter
        expires_on = rules.add_months(issued_on, CERTIFICATE_VALIDITY_MONTHS)
        if expires_on < self.today:
            self.counts["certificates_expired"] += 1
        elif (expires_on - self.today).days <= 90:
            self.counts["certificates_expiring"] += 1
        return OperatorCertificate(
            organization_id=organization_pk,
            region_id=region_code,
            holder_name=holder_name or self._person_name(rng),
            holder_id=holder,
            id_number=(id_number := self._id_number(rng, region_code)),
            id_number_index=blind_index(id_number),  # bulk_create does not call save(), which sets it
            item_id=item,
            cert_no=f"晋{letter}{issued_on.year}{self.certificate_sequence:08d}",
            issued_on=issued_on,
            expires_on=expires_on,
        )

    def _certificate_rows(self, rng: random.Random, plan: _UnitPlan, categories: list[str]):
        """The unit's certificates: A for its safety staff, and the operator items its equipment needs."""
        needs: list[str] = ["A"] if plan.small_micro else ["A", "A"]
        if any(category.startswith("3") for category in categories) and rng.random() < 0.25:
            needs.append("T")
        for prefix, item, per_equipment, most in CERTIFICATE_NEEDS:
            count = sum(1 for category in categories if category.startswith(prefix))
            if count:
                needs.extend([item] * min(most, max(1, round(count * per_equipment))))
        holders: dict[int, tuple[int, str]] = {}
        names = self.demo_user_names
        if plan.is_demo_unit:
            # The demo unit's director and officer hold A; its operator holds the first operator item.
            holders[0] = (self.demo_users["unit_director"], names["unit_director"])
            holders[1] = (self.demo_users["unit_officer"], names["unit_officer"])
            holders[2] = (self.demo_users["unit_operator"], names["unit_operator"])
        elif plan.is_small_unit:
            # The small unit's part-time officer holds A.
            holders[0] = (self.demo_users["small_officer"], names["small_officer"])
        rows = []
        for index, item in enumerate(needs):
            holder, holder_name = holders.get(index, (None, ""))
            rows.append(self._certificate(rng, plan.pk, plan.region_code, item, holder=holder, holder_name=holder_name))
        return rows

    def _create_equipment(self) -> None:
        rng = self._rng("equipment")
        certificate_rng = self._rng("certificates")
        pending: list[tuple[_UnitPlan, Equipment, list[_Record], int | None]] = []
        certificates: list[OperatorCertificate] = []
        total = self.sizes.equipment

        def flush_equipment():
            if not pending:
                return
            self._insert(Equipment, [equipment for _plan, equipment, _kept, _grade in pending], "equipment")
            inspections = []
            for plan, equipment, kept, grade in pending:
                inspections.extend(self._inspection_rows(rng, plan, equipment, kept, grade))
            self._insert(PeriodicInspection, inspections, "inspections")
            pending.clear()
            done, inspected = self.counts["equipment"], self.counts["inspections"]
            self.progress.say(
                _("设备 %(done)s / %(total)s，检验记录 %(inspections)s")
                % {"done": f"{done:,}", "total": f"{total:,}", "inspections": f"{inspected:,}"}
            )

        for plan in self.unit_plans:
            rows = self._equipment_rows(rng, plan)
            pending.extend((plan, equipment, kept, grade) for equipment, kept, grade in rows)
            certificates.extend(
                self._certificate_rows(certificate_rng, plan, [equipment.category_id for equipment, _k, _g in rows])
            )
            if len(pending) >= self.chunk_size:
                flush_equipment()
            if len(certificates) >= self.chunk_size:
                self._insert(OperatorCertificate, certificates, "certificates")
                certificates = []
        flush_equipment()
        if certificates:
            self._insert(OperatorCertificate, certificates, "certificates")
        self.progress.say(_("作业人员证 %(count)s 张") % {"count": f"{self.counts['certificates']:,}"})

    def _bulk_load_mode(self) -> None:
        """Above TRIGGERS_OFF_ABOVE_EQUIPMENT devices on PostgreSQL, the load runs with the tables' triggers off for
        this transaction, as pg_restore --disable-triggers does: the foreign-key checks PostgreSQL otherwise queues
        for every row and runs at COMMIT took 9 minutes for the province's 19 million rows.  The rows are consistent
        by construction (their keys are those of the rows just written); the smaller sizes the test suite generates
        keep every check on.  A role that may not change session_replication_role keeps the checks too."""
        if connection.vendor != "postgresql" or self.sizes.equipment <= TRIGGERS_OFF_ABOVE_EQUIPMENT:
            return
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            self.progress.say(_("数据库角色无权关闭触发器：外键检查照常进行（提交时较慢）"))
            return
        self.progress.say(_("批量写入期间关闭触发器（外键检查）"))

    @staticmethod
    def _vacuum() -> None:
        """VACUUM (ANALYZE) after the load, outside its transaction: the planner's statistics, and the visibility
        map without which a regulator's count cannot be an index-only scan (autovacuum would set it too, in its own
        time).  Inside a caller's transaction (the tests) only ANALYZE can run."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and not connection.in_atomic_block:
                cursor.execute("VACUUM (ANALYZE)")
            else:
                cursor.execute("ANALYZE")

    @staticmethod
    def _analyze() -> None:
        """The planner's statistics after a bulk load.  Without them a table loaded in this transaction still looks
        empty, and the scheduler's per-round queries scan all the equipment (20 minutes at the province's size);
        ANALYZE counts the rows the transaction itself inserted."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # -- the whole run -------------------------------------------------------------------------------------------------

    def run(self) -> DemoResult:
        self._load_reference()
        self._check_usernames()
        # One hash for every generated user: Argon2 is slow on purpose, and all demo users share one password.
        self.password_hash = make_password(DEMO_PASSWORD)
        with transaction.atomic():
            self._bulk_load_mode()
            self._create_regulators()
            self._create_agencies()
            self._create_maintenance_units()
            self._create_use_units()
            self._create_demo_accounts()
            self._create_equipment()
            self._analyze()
            self._identify_demo_unit_risks()
            self._build_safety_files()
            self._assign_operators_in_bulk()
            self._investigate()
            self._history()
            self._analyze()
            self._refresh_compliance()
            self._supervise()
            self._refresh_summary()
            counts = {key: self.counts[key] for key in COUNT_LABELS}
            record_event(
                "demo.generated",
                data={
                    "seed": self.seed,
                    "today": self.today,
                    "sizes": {
                        "use_units": self.sizes.use_units,
                        "equipment": self.sizes.equipment,
                        "maintenance_units": self.sizes.maintenance_units,
                        "agencies": self.sizes.agencies,
                    },
                    "counts": counts,
                },
            )
        self._vacuum()
        return DemoResult(counts=counts, accounts=self.accounts, seconds=time.monotonic() - self.progress.started)


def generate_demo(
    *,
    sizes: DemoSizes,
    today: date,
    seed: int = DEMO_SEED,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    report: Callable[[str], None] = lambda message: None,
) -> DemoResult:
    """Generate the demo province into an empty database (the caller checks `organizations_exist()` first)."""
    return DemoGenerator(sizes=sizes, today=today, seed=seed, chunk_size=chunk_size, report=report).run()


def display_width(text: str) -> int:
    """Terminal columns of a text: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))
