"""The role-aware menu: each entry names the action or side that earns it."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shuangfang.core.deletion import restorer_roles
from shuangfang.core.scoping import ScopeKind, scope_of

# Who reads the event log in the web UI: the audit administrator all of it, a unit's principal and
# administrator their organization's events, a regulator's leader and administrator their
# jurisdiction's (Event.objects.visible_to narrows the rows).  The system and security
# administrators read none of it (三权分立).
AUDIT_READER_ROLES = frozenset({"audit_admin", "org_admin", "principal", "regulator_admin", "regulator_leader"})

# Who opens the user pages: those who manage users, and the security administrator, who reviews
# accounts without changing them (the services give it no right to change users).
USER_PAGE_ROLES = frozenset({"org_admin", "regulator_admin", "system_admin", "security_admin"})

# Who opens the recycle bin (回收站): those who may delete and restore some kind of record (core.deletion.KINDS).
RECYCLE_BIN_ROLES = restorer_roles()


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    sides: frozenset[str]
    roles: frozenset[str] = frozenset()

    @property
    def url(self) -> str:
        return reverse(self.url_name)


BUSINESS = frozenset({ScopeKind.UNIT, ScopeKind.REGULATOR, ScopeKind.AGENCY})
ALL = BUSINESS | {ScopeKind.PLATFORM}

MENU = [
    NavItem(_("首页"), "home", ALL),
    NavItem(_("设备台账"), "equipment:list", BUSINESS | {ScopeKind.PLATFORM}, frozenset()),
    NavItem(pgettext_lazy("section", "定期检验"), "equipment:inspection-list", BUSINESS),
    NavItem(_("作业人员证"), "equipment:certificate-list", frozenset({ScopeKind.UNIT, ScopeKind.REGULATOR})),
    NavItem(_("风险分级管控"), "risks:list", frozenset({ScopeKind.UNIT, ScopeKind.REGULATOR})),
    NavItem(_("隐患排查治理"), "hazards:board", frozenset({ScopeKind.UNIT, ScopeKind.REGULATOR, ScopeKind.AGENCY})),
    NavItem(_("排查任务"), "hazards:tasks", frozenset({ScopeKind.UNIT})),
    NavItem(_("排查记录"), "hazards:record-daily", frozenset({ScopeKind.UNIT, ScopeKind.REGULATOR})),
    NavItem(_("重大隐患"), "hazards:major-hazards", frozenset({ScopeKind.REGULATOR})),
    NavItem(_("挂牌督办"), "hazards:listings", frozenset({ScopeKind.UNIT, ScopeKind.REGULATOR})),
    NavItem(_("安全管理档案"), "safety:file", frozenset({ScopeKind.UNIT})),
    NavItem(_("简易模式"), "safety:simple-home", frozenset({ScopeKind.UNIT})),
    NavItem(_("合规缺项"), "safety:gaps", frozenset({ScopeKind.REGULATOR})),
    NavItem(_("监管驾驶舱"), "supervision:cockpit", frozenset({ScopeKind.REGULATOR})),
    NavItem(_("网格"), "supervision:grids", frozenset({ScopeKind.REGULATOR})),
    NavItem(_("黑名单"), "supervision:blacklist", frozenset({ScopeKind.REGULATOR})),
    NavItem(_("事故"), "supervision:accidents", frozenset({ScopeKind.REGULATOR})),
    NavItem(_("分类监管"), "supervision:classes", frozenset({ScopeKind.REGULATOR})),
    NavItem(_("执法检查"), "supervision:enforcement", frozenset({ScopeKind.UNIT, ScopeKind.REGULATOR})),
    NavItem(_("评价和示范"), "supervision:evaluations", frozenset({ScopeKind.UNIT, ScopeKind.REGULATOR})),
    NavItem(_("地区考核"), "supervision:assessments", frozenset({ScopeKind.REGULATOR})),
    NavItem(_("培训考核"), "safety:exams", frozenset({ScopeKind.UNIT, ScopeKind.REGULATOR})),
    NavItem(_("上报事项"), "hazards:inbox", frozenset({ScopeKind.REGULATOR})),
    NavItem(
        pgettext_lazy("section", "单位"),
        "orgs:list",
        frozenset({ScopeKind.REGULATOR, ScopeKind.PLATFORM, ScopeKind.AGENCY}),
    ),
    NavItem(_("本单位"), "orgs:mine", BUSINESS),
    NavItem(_("消息中心"), "notifications:inbox", ALL),
    NavItem(_("我的导出"), "core:exports", ALL),
    NavItem(_("用户"), "accounts:user-list", ALL, USER_PAGE_ROLES),
    NavItem(_("操作记录"), "core:audit", ALL, AUDIT_READER_ROLES),
    NavItem(_("回收站"), "core:recycle-bin", BUSINESS, RECYCLE_BIN_ROLES),
    NavItem(_("账户解锁"), "accounts:security-admin", ALL, frozenset({"security_admin"})),
    NavItem(_("账户安全"), "accounts:security-mine", ALL),
]


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url: str
    current: bool


def menu_for(user) -> list[NavItem]:
    side = scope_of(user).kind
    items = []
    for item in MENU:
        if side not in item.sides:
            continue
        if item.roles and not (item.roles & set(user.roles)):
            continue
        items.append(item)
    return items


def menu_entries(user, path: str) -> list[MenuEntry]:
    """The menu as links, the entry whose section holds `path` marked current.

    An entry whose page is not routed in this installation (a module left out of the URL
    configuration) is left out of the menu rather than breaking every page."""
    entries = []
    for item in menu_for(user):
        try:
            url = item.url
        except NoReverseMatch:
            continue
        current = path == url if url == "/" else path.startswith(url)
        entries.append(MenuEntry(str(item.label), url, current))
    # Only the longest matching section is current ("/equipment/" must not light up with
    # "/equipment/inspections/").
    longest = max((entry.url for entry in entries if entry.current), key=len, default=None)
    return [MenuEntry(entry.label, entry.url, entry.url == longest) for entry in entries]
