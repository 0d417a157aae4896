"""Scoped reads of grids: a grid by id for the caller, the units of grids with what each has open, and an inspector's
own grids.  The figures come from one grouped query per source table, however many units a grid holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.equipment.choices import EquipmentStatus, InspectionState
from shuangfang.equipment.models import Equipment, inspection_state_q
from shuangfang.hazards.models import Hazard
from shuangfang.orgs.models import Organization
from shuangfang.safety.models import ComplianceGap

from .models import Grid


def access_grid(user: User, pk: int) -> Grid:
    """A grid the caller may see (its own county's, or one in its jurisdiction); anything else is "not found"."""
    grid = Grid.objects.visible_to(user).select_related("organization", "region").filter(pk=pk).first()
    if grid is None:
        raise Http404(_("网格不存在。"))
    return grid


@dataclass
class UnitRow:
    unit: Organization
    hazards_open: int = 0
    gaps_open: int = 0
    inspections_overdue: int = 0
    links: dict = field(default_factory=dict)

    @property
    def attention(self) -> int:
        return self.hazards_open + self.gaps_open + self.inspections_overdue


def _by_unit(queryset, unit_ids: list[int]) -> dict[int, int]:
    return dict(
        queryset.filter(organization_id__in=unit_ids).values_list("organization_id").annotate(n=Count("pk")).order_by()
    )


def unit_figures(user: User, unit_ids: list[int], today: date) -> dict[int, dict[str, int]]:
    """Open hazards, open compliance gaps and in-use equipment overdue for inspection, per unit: three grouped
    queries over the caller's scope."""
    if not unit_ids:
        return {}
    hazards = _by_unit(Hazard.objects.visible_to(user).open(), unit_ids)
    gaps = _by_unit(ComplianceGap.objects.visible_to(user).filter(closed_at__isnull=True), unit_ids)
    overdue = _by_unit(
        Equipment.objects.visible_to(user).filter(
            inspection_state_q(InspectionState.OVERDUE, today), status=EquipmentStatus.IN_USE
        ),
        unit_ids,
    )
    return {
        pk: {
            "hazards_open": hazards.get(pk, 0),
            "gaps_open": gaps.get(pk, 0),
            "inspections_overdue": overdue.get(pk, 0),
        }
        for pk in unit_ids
    }


def _links(unit_id: int) -> dict[str, str]:
    equipment_query = urlencode(
        {"organization": unit_id, "status": EquipmentStatus.IN_USE, "inspection_state": InspectionState.OVERDUE}
    )
    return {
        "file": reverse("safety:unit-file", args=[unit_id]),
        "hazards": f"{reverse('hazards:board')}?{urlencode({'organization': unit_id, 'is_open': 'true'})}",
        # The unit file's compliance panel lists the unit's open gaps.
        "gaps": reverse("safety:unit-file", args=[unit_id]) + "#gaps",
        "inspections": f"{reverse('equipment:list')}?{equipment_query}",
    }


def unit_rows(user: User, units: list[Organization], today: date) -> list[UnitRow]:
    """The units with their figures and the links behind each figure, those with most to attend to first."""
    figures = unit_figures(user, [unit.pk for unit in units], today)
    rows = [UnitRow(unit, **figures.get(unit.pk, {}), links=_links(unit.pk)) for unit in units]
    rows.sort(key=lambda row: (-row.hazards_open, -row.inspections_overdue, -row.gaps_open, row.unit.name))
    return rows


@dataclass
class GridPanel:
    grid: Grid
    rows: list[UnitRow]

    @property
    def totals(self) -> dict[str, int]:
        return {
            name: sum(getattr(row, name) for row in self.rows)
            for name in ("hazards_open", "gaps_open", "inspections_overdue")
        }


def my_grids(user: User, today: date) -> list[GridPanel]:
    """The grids an inspector is assigned to (its default view), each with its units and their figures: two queries
    for the grids and their units, three for the figures of all of them together."""
    if scope_of(user).kind != ScopeKind.REGULATOR:
        return []
    units = Organization.objects.only("pk", "name", "kind", "region_id", "uscc").order_by("name", "pk")
    grids = list(
        Grid.objects.visible_to(user)
        .filter(inspectors=user)
        .prefetch_related(Prefetch("units", queryset=units))
        .order_by("name", "pk")
    )
    if not grids:
        return []
    all_units = {unit.pk: unit for grid in grids for unit in grid.units.all()}
    figures = unit_figures(user, list(all_units), today)
    panels = []
    for grid in grids:
        rows = [UnitRow(unit, **figures.get(unit.pk, {}), links=_links(unit.pk)) for unit in grid.units.all()]
        rows.sort(key=lambda row: (-row.hazards_open, -row.inspections_overdue, -row.gaps_open, row.unit.name))
        panels.append(GridPanel(grid, rows))
    return panels
