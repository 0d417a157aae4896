"""The figures of the home page, one set per side, each computed by a fixed number of aggregate queries.

Inspection states are counted over equipment in use: suspended equipment needs no periodic
inspection while it stands still (TSG 08: it is inspected before it is used again) and scrapped
equipment none at all, so counting them would bury the real overdue cases.  Every figure links to
the equipment list filtered the same way, so the list shows exactly the rows behind the number.
"""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core.navigation import USER_PAGE_ROLES
from shuangfang.equipment.choices import CertificateState, EquipmentStatus, InspectionState
from shuangfang.equipment.models import (
    CERTIFICATE_EXPIRING_DAYS,
    DUE_SOON_DAYS,
    Equipment,
    OperatorCertificate,
    certificate_state_q,
    inspection_state_q,
)
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS, OrganizationKind, RegionLevel
from shuangfang.orgs.models import Organization, Region
from shuangfang.safety.choices import GapKind
from shuangfang.safety.compliance import gap_counts
from shuangfang.safety.models import ComplianceGap
from shuangfang.supervision.selectors_grids import my_grids

IN_USE = Q(status=EquipmentStatus.IN_USE)
# Most urgent first: the order of the figures on every home page.
STATE_ORDER = [
    InspectionState.OVERDUE,
    InspectionState.DUE_SOON,
    InspectionState.NEVER_INSPECTED,
    InspectionState.VALID,
]
DUE_LIST_LENGTH = 20
CERTIFICATE_LIST_LENGTH = 20
# A county can hold thousands of units: its breakdown shows those with the most to do.
UNIT_ROWS_LENGTH = 50


def equipment_list_url(**filters) -> str:
    query = urlencode({name: value for name, value in filters.items() if value not in (None, "")})
    return reverse("equipment:list") + (f"?{query}" if query else "")


def equipment_url(equipment_id: int) -> str:
    return reverse("equipment:detail", args=[equipment_id])


def certificate_list_url(**filters) -> str:
    query = urlencode(filters)
    return reverse("equipment:certificate-list") + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Figure:
    label: str
    value: int
    color: str = ""
    url: str = ""


@dataclass
class EquipmentSummary:
    total: int
    in_use: int
    states: list[Figure]
    statuses: list[Figure]

    def count(self, state: str) -> int:
        return next(figure.value for figure, code in zip(self.states, STATE_ORDER, strict=True) if code == state)


def state_aggregates(today: date) -> dict:
    """Count(…) expressions, one per inspection state, over equipment in use."""
    return {state.value: Count("pk", filter=IN_USE & inspection_state_q(state, today)) for state in STATE_ORDER}


def summarise_equipment(queryset, today: date, **link_filters) -> EquipmentSummary:
    """Totals by inspection state and by status: one query."""
    aggregates = state_aggregates(today)
    aggregates |= {f"status_{status.value}": Count("pk", filter=Q(status=status)) for status in EquipmentStatus}
    aggregates["total"] = Count("pk")
    counts = queryset.aggregate(**aggregates)
    states = [
        Figure(
            state.label,
            counts[state.value],
            state.color,
            equipment_list_url(status=EquipmentStatus.IN_USE, inspection_state=state.value, **link_filters),
        )
        for state in STATE_ORDER
    ]
    statuses = [
        Figure(status.label, counts[f"status_{status.value}"], "", equipment_list_url(status=status, **link_filters))
        for status in EquipmentStatus
    ]
    return EquipmentSummary(counts["total"], counts[f"status_{EquipmentStatus.IN_USE}"], states, statuses)


def needing_inspection(queryset, today: date, limit: int = DUE_LIST_LENGTH) -> list[Equipment]:
    """Equipment in use that is overdue or due within 30 days, the most urgent first (no due date at
    all after a failed inspection is the most urgent of all)."""
    urgent = inspection_state_q(InspectionState.OVERDUE, today) | inspection_state_q(InspectionState.DUE_SOON, today)
    rows = (
        queryset.filter(IN_USE & urgent)
        .with_inspection_state(today)
        .select_related("organization", "category")
        .order_by(F("inspection_due_on").asc(nulls_first=True), "pk")[:limit]
    )
    rows = list(rows)
    for row in rows:
        row.url = equipment_url(row.pk)
        row.days_left = (row.inspection_due_on - today).days if row.inspection_due_on else None
        row.days_overdue = -row.days_left if row.days_left is not None and row.days_left < 0 else 0
    return rows


@dataclass
class CertificateSummary:
    figures: list[Figure]
    rows: list[OperatorCertificate] = field(default_factory=list)


def summarise_certificates(queryset, today: date, *, with_rows: bool, linked: bool = True) -> CertificateSummary:
    """Operator certificates expired or expiring within 90 days: counts in one query, the list in another.

    `linked`: whether the figures link to the certificate list, which filters by state but not by
    region — so only where the figures cover everything the list shows."""
    states = [CertificateState.EXPIRED, CertificateState.EXPIRING]
    counts = queryset.aggregate(
        **{state.value: Count("pk", filter=certificate_state_q(state, today)) for state in states}
    )
    figures = [
        Figure(state.label, counts[state.value], state.color, certificate_list_url(state=state.value) if linked else "")
        for state in states
    ]
    rows = []
    if with_rows:
        attention = certificate_state_q(CertificateState.EXPIRED, today) | certificate_state_q(
            CertificateState.EXPIRING, today
        )
        rows = list(
            queryset.filter(attention).select_related("item").order_by("expires_on", "pk")[:CERTIFICATE_LIST_LENGTH]
        )
    return CertificateSummary(figures, rows)


# --------------------------------------------------------------------------------------------------------------------
# Use units
# --------------------------------------------------------------------------------------------------------------------


def unit_dashboard(user: User, today: date) -> dict:
    equipment = Equipment.objects.visible_to(user)
    summary = summarise_equipment(equipment, today)
    return {
        "summary": summary,
        "due": needing_inspection(equipment, today),
        "due_total": summary.count(InspectionState.OVERDUE) + summary.count(InspectionState.DUE_SOON),
        "certificates": summarise_certificates(OperatorCertificate.objects.visible_to(user), today, with_rows=True),
        "equipment_list_url": equipment_list_url(),
        "certificate_list_url": certificate_list_url(),
        "due_soon_days": DUE_SOON_DAYS,
        "certificate_days": CERTIFICATE_EXPIRING_DAYS,
    }


# --------------------------------------------------------------------------------------------------------------------
# Regulators
# --------------------------------------------------------------------------------------------------------------------

CHILD_FIGURES = ["units", "equipment", "overdue", "due_soon", "never_inspected"]


@dataclass
class ChildRow:
    """One line of the breakdown: a child region, or at county level a unit."""

    name: str
    code: str = ""
    url: str = ""
    units: int | None = 0
    equipment: int = 0
    overdue: int = 0
    due_soon: int = 0
    never_inspected: int = 0
    links: dict = field(default_factory=dict)


def _grouped(queryset, key, counts: dict) -> dict:
    return {row["key"]: row for row in queryset.annotate(key=key).values("key").annotate(**counts).order_by()}


def _action_counts(today: date) -> dict:
    counts = {"equipment": Count("pk")}
    for state in (InspectionState.OVERDUE, InspectionState.DUE_SOON, InspectionState.NEVER_INSPECTED):
        counts[state.value] = Count("pk", filter=IN_USE & inspection_state_q(state, today))
    return counts


def _figure_links(filters: dict) -> dict:
    links = {"equipment": equipment_list_url(**filters)}
    for state in (InspectionState.OVERDUE, InspectionState.DUE_SOON, InspectionState.NEVER_INSPECTED):
        links[state.value] = equipment_list_url(status=EquipmentStatus.IN_USE, inspection_state=state, **filters)
    return links


def region_breakdown(user: User, region: Region, today: date) -> list[ChildRow]:
    """One row per child region (a province's cities, a city's counties) from two grouped queries,
    however many units and equipment there are: equipment counts grouped by the leading digits of
    its region code, and unit counts grouped the same way."""
    children = list(Region.objects.filter(parent=region).order_by("code"))
    if not children:
        return []
    # A province's children are cities ("1405") and, for municipalities and the county-level cities a
    # province administers directly, counties ("429004"): group on the longest prefix among them and
    # roll the groups up to the child whose prefix they start with.
    key_length = max(len(child.prefix) for child in children)
    key = Substr("region_id", 1, key_length)
    equipment = Equipment.objects.visible_to(user).filter(region__code__startswith=region.prefix)
    units = Organization.objects.visible_to(user).filter(
        region__code__startswith=region.prefix, kind__in=EQUIPMENT_OWNING_KINDS
    )
    equipment_groups = _grouped(equipment, key, _action_counts(today))
    unit_groups = _grouped(units, key, {"units": Count("pk")})

    rows = {
        child.prefix: ChildRow(child.name, child.code, f"{reverse('home')}?region={child.code}") for child in children
    }
    prefix_lengths = sorted({len(prefix) for prefix in rows}, reverse=True)
    unplaced = ChildRow(_("%(region)s（本级）") % {"region": region.name}, units=0)

    def row_for(group_key: str) -> ChildRow:
        for length in prefix_lengths:
            if group_key[:length] in rows:
                return rows[group_key[:length]]
        return unplaced

    for group_key, counts in equipment_groups.items():
        row = row_for(group_key)
        row.equipment += counts["equipment"]
        row.overdue += counts[InspectionState.OVERDUE]
        row.due_soon += counts[InspectionState.DUE_SOON]
        row.never_inspected += counts[InspectionState.NEVER_INSPECTED]
    for group_key, counts in unit_groups.items():
        row_for(group_key).units += counts["units"]
    result = list(rows.values())
    for row in result:
        row.links = _figure_links({"region": row.code})
        row.links["units"] = units_list_url(row.code)
    if unplaced.equipment or unplaced.units:
        # Rows registered on the region itself rather than on one of its children.
        unplaced.links = _figure_links({"region": region.code})
        unplaced.links["units"] = units_list_url(region.code)
        result.append(unplaced)
    return result


def units_list_url(region_code: str) -> str:
    return f"{reverse('orgs:list')}?{urlencode({'kind': OrganizationKind.USE_UNIT, 'region': region_code})}"


def unit_breakdown(user: User, region: Region, today: date) -> tuple[list[ChildRow], int]:
    """At county level the children are the units: the UNIT_ROWS_LENGTH with the most overdue
    equipment (then due soon, never inspected, most equipment), from one grouped query and one name
    lookup; and how many units the county has in all."""
    equipment = Equipment.objects.visible_to(user).filter(region__code__startswith=region.prefix)
    counts = _action_counts(today)
    groups = list(
        equipment.values("organization_id")
        .annotate(**counts)
        .order_by(
            f"-{InspectionState.OVERDUE}",
            f"-{InspectionState.DUE_SOON}",
            f"-{InspectionState.NEVER_INSPECTED}",
            "-equipment",
            "organization_id",
        )[:UNIT_ROWS_LENGTH]
    )
    names = dict(
        Organization.objects.filter(pk__in=[group["organization_id"] for group in groups]).values_list("pk", "name")
    )
    unit_total = (
        Organization.objects.visible_to(user)
        .filter(region__code__startswith=region.prefix, kind__in=EQUIPMENT_OWNING_KINDS)
        .count()
    )
    rows = []
    for group in groups:
        organization_id = group["organization_id"]
        row = ChildRow(
            names.get(organization_id, str(organization_id)),
            url=reverse("orgs:detail", args=[organization_id]),
            units=None,
            equipment=group["equipment"],
            overdue=group[InspectionState.OVERDUE],
            due_soon=group[InspectionState.DUE_SOON],
            never_inspected=group[InspectionState.NEVER_INSPECTED],
        )
        row.links = _figure_links({"organization": organization_id})
        rows.append(row)
    return rows, unit_total


@dataclass(frozen=True)
class Crumb:
    name: str
    url: str


def trail(jurisdiction: Region, region: Region) -> list[Crumb]:
    """From the jurisdiction down to the region shown, each a link (at most three levels: one query)."""
    codes = []
    for length in (2, 4, 6):
        prefix = region.prefix[:length]
        if len(prefix) == length and len(prefix) >= len(jurisdiction.prefix) and prefix.startswith(jurisdiction.prefix):
            codes.append(prefix.ljust(6, "0"))
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [Crumb(regions[code].name, f"{reverse('home')}?region={code}") for code in codes if code in regions]


def compliance_gap_figures(user: User, jurisdiction: Region, region: Region) -> tuple[list[Figure], str]:
    """Open compliance gaps of the units in the region by kind (one grouped query), each linking to the list of
    them; and the link to all of them."""
    counts = gap_counts(ComplianceGap.objects.visible_to(user).filter(region__code__startswith=region.prefix))
    kept = {} if region.code == jurisdiction.code else {"region": region.code}

    def gaps_url(**query) -> str:
        query = {**query, **kept}
        return reverse("safety:gaps") + (f"?{urlencode(query)}" if query else "")

    figures = [
        Figure(str(label), counts[kind], "orange" if counts[kind] else "grey", gaps_url(kind=kind))
        for kind, label in GapKind.choices
    ]
    return figures, gaps_url()


def regulator_dashboard(user: User, jurisdiction: Region, region: Region, today: date) -> dict:
    equipment = Equipment.objects.visible_to(user).filter(region__code__startswith=region.prefix)
    if region.level == RegionLevel.COUNTY:
        children, unit_total = unit_breakdown(user, region, today)
        child_kind = "units"
    else:
        children = region_breakdown(user, region, today)
        unit_total = sum(child.units or 0 for child in children)
        child_kind = "regions"
    certificates = OperatorCertificate.objects.visible_to(user).filter(region__code__startswith=region.prefix)
    chart = {
        "names": [child.name for child in children],
        "series": [
            {
                "key": state.value,
                "name": str(state.label),
                "color": state.color,
                "data": [getattr(child, state.value) for child in children],
            }
            for state in (InspectionState.OVERDUE, InspectionState.DUE_SOON, InspectionState.NEVER_INSPECTED)
        ],
    }
    summary = summarise_equipment(equipment, today, region=region.code)
    gap_figures, gaps_url = compliance_gap_figures(user, jurisdiction, region)
    totals = {name: sum(getattr(child, name) or 0 for child in children) for name in CHILD_FIGURES}
    return {
        # An inspector's default view is its grid (网格化监管): the units it answers for, with what each has open.
        "my_grids": my_grids(user, today),
        "children_total": totals,
        "region": region,
        "jurisdiction": jurisdiction,
        "trail": trail(jurisdiction, region),
        "summary": summary,
        "unit_total": unit_total,
        "children": children,
        "child_kind": child_kind,
        "chart": chart,
        "due": needing_inspection(equipment, today),
        "due_total": summary.count(InspectionState.OVERDUE) + summary.count(InspectionState.DUE_SOON),
        "certificates": summarise_certificates(
            certificates, today, with_rows=False, linked=region.code == jurisdiction.code
        ),
        "equipment_list_url": equipment_list_url(region=region.code),
        "units_list_url": units_list_url(region.code),
        "gap_figures": gap_figures,
        "gap_total": sum(figure.value for figure in gap_figures),
        "gaps_url": gaps_url,
        "due_soon_days": DUE_SOON_DAYS,
        "certificate_days": CERTIFICATE_EXPIRING_DAYS,
    }


# --------------------------------------------------------------------------------------------------------------------
# Inspection agencies
# --------------------------------------------------------------------------------------------------------------------


def agency_dashboard(user: User, today: date) -> dict:
    """The equipment whose units engaged this agency: where it stands, and what to inspect next."""
    engaged = Equipment.objects.visible_to(user).filter(inspection_agency_id=user.organization_id)
    # The equipment list offers no agency filter, so the figures link to the agency's whole list
    # (engaged plus formerly inspected equipment) narrowed by state.
    summary = summarise_equipment(engaged, today)
    return {
        "summary": summary,
        "due": needing_inspection(engaged, today),
        "due_total": summary.count(InspectionState.OVERDUE) + summary.count(InspectionState.DUE_SOON),
        "due_soon_days": DUE_SOON_DAYS,
    }


# --------------------------------------------------------------------------------------------------------------------
# Platform administrators
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    label: str
    url: str
    description: str


def platform_tools(user: User) -> list[Tool]:
    """The pages each platform administrator works in (三权分立: each role has its own)."""
    tools = []
    if user.has_role(Role.SYSTEM_ADMIN):
        tools += [
            Tool(pgettext("section", "单位"), reverse("orgs:list"), _("查看和维护全平台的单位")),
            Tool(_("新建单位"), reverse("orgs:create"), _("新建监管部门、检验机构和使用单位")),
            Tool(_("用户"), reverse("accounts:user-list"), _("新建用户、分配角色、停用账户、重置密码")),
            Tool(_("新建平台管理员"), reverse("accounts:user-create"), _("系统、安全、审计管理员三者分设")),
        ]
    if user.has_role(Role.SECURITY_ADMIN):
        tools.append(Tool(_("用户"), reverse("accounts:user-list"), _("查看全平台账户及其启用状态")))
    if user.has_role(Role.AUDIT_ADMIN):
        tools.append(Tool(_("操作记录"), reverse("core:audit"), _("查阅全平台事件日志")))
    return tools


def platform_dashboard(user: User) -> dict:
    """Organizations by kind and users: two queries."""
    by_kind = dict(Organization.objects.values_list("kind").annotate(n=Count("pk")).order_by())
    organizations = [
        Figure(kind.label, by_kind.get(kind.value, 0), "", f"{reverse('orgs:list')}?kind={kind.value}")
        for kind in OrganizationKind
    ]
    users = User.objects.aggregate(total=Count("pk"), active=Count("pk", filter=Q(is_active=True)))
    users_url = reverse("accounts:user-list") if set(user.roles) & USER_PAGE_ROLES else ""
    user_figures = [
        Figure(_("用户"), users["total"], "blue", users_url),
        Figure(_("启用"), users["active"], "green", f"{users_url}?is_active=1" if users_url else ""),
        Figure(_("停用"), users["total"] - users["active"], "grey", f"{users_url}?is_active=0" if users_url else ""),
    ]
    return {
        "organizations": organizations,
        "organization_total": sum(by_kind.values()),
        "user_figures": user_figures,
        "tools": platform_tools(user),
    }
