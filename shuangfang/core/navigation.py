"""The role-aware menu: each entry names the action or side that earns it."""

from dataclasses import dataclass

from django.urls import reverse

from shuangfang.core.scoping import ScopeKind, scope_of


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
    NavItem("首页", "home", ALL),
    NavItem("设备台账", "equipment:list", BUSINESS | {ScopeKind.PLATFORM}, frozenset()),
    NavItem("定期检验", "equipment:inspection-list", BUSINESS),
    NavItem("作业人员证", "equipment:certificate-list", frozenset({ScopeKind.UNIT, ScopeKind.REGULATOR})),
    NavItem("单位", "orgs:list", frozenset({ScopeKind.REGULATOR, ScopeKind.PLATFORM, ScopeKind.AGENCY})),
    NavItem("本单位", "orgs:mine", BUSINESS),
    NavItem(
        "用户", "accounts:user-list", ALL, frozenset({"org_admin", "regulator_admin", "system_admin", "security_admin"})
    ),
    NavItem(
        "操作记录",
        "core:audit",
        ALL,
        frozenset({"audit_admin", "org_admin", "principal", "regulator_admin", "regulator_leader"}),
    ),
]


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
