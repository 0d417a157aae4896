"""The jurisdiction figures of the regulators' cockpit (晋市监发〔2022〕116号: 分区域、分级别、分行业 supervision).

`rebuild_summary` recomputes every SummaryCell from the raw tables with one grouped query per source table and
replaces them in one transaction; the periodic task runs it every few minutes.  `figures_for` answers any region
and filter from the cells with a fixed number of queries, however many units and equipment the region holds.

What a cell holds, keyed by county, grid (the unit's grid in that county, or none), industry (the unit's), catalog
category (种类, "3000") and crowded-place flag:
- row figures (equipment, inspections, risks, hazards, listings, daily checks) on the category and crowded flag of
  the equipment they concern; rows about no equipment (a site's risk, a unit's hazard) on the empty category;
- unit figures twice: on the empty category for all units (crowded: the unit has equipment in a crowded place), and
  on each category the unit holds equipment of (crowded: it has equipment of that category in a crowded place).  So
  a sum over one category column never counts a unit twice.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.equipment.choices import EquipmentStatus, InspectionState, RiskLevel
from shuangfang.equipment.models import Equipment, inspection_state_q
from shuangfang.hazards.choices import (
    OPEN_STATUSES,
    HazardGrade,
    HazardStatus,
    InvestigationKind,
    ListingStatus,
    TaskStatus,
)
from shuangfang.hazards.models import Hazard, InvestigationTask, Listing
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Industry, Organization, Region
from shuangfang.risks.models import Risk

from .models import Grid, SummaryCell

# Daily checks (Order 74 日管控) count over the last 30 closed days: a check due today may still be done.
DAILY_WINDOW_DAYS = 30

UNIT_FIELDS = ("units", "units_fully_identified")
ROW_FIELDS = (
    "daily_tasks_due",
    "daily_tasks_done",
    "equipment",
    "equipment_in_use",
    "inspection_overdue",
    "risks_major",
    "risks_significant",
    "risks_general",
    "risks_low",
    "hazards_open",
    "major_hazards_open",
    "hazards_overdue",
    "hazards_reported",
    "hazards_rectifying",
    "hazards_awaiting_acceptance",
    "hazards_closed",
    "listings_open",
)
COUNT_FIELDS = UNIT_FIELDS + ROW_FIELDS
RISK_FIELDS = {
    RiskLevel.MAJOR: "risks_major",
    RiskLevel.SIGNIFICANT: "risks_significant",
    RiskLevel.GENERAL: "risks_general",
    RiskLevel.LOW: "risks_low",
}
IN_USE = Q(status=EquipmentStatus.IN_USE)


def hazard_figure_conditions(today) -> dict[str, Q]:
    """The hazards each hazard figure counts, by the cell's field name: the cells count them with these, and the hazard
    board counts a unit's or one device's hazards live with the same (hazards.views_pages)."""
    open_hazard = Q(status__in=OPEN_STATUSES)
    return {
        "hazards_open": open_hazard,
        "major_hazards_open": open_hazard & Q(grade=HazardGrade.MAJOR),
        "hazards_overdue": open_hazard & Q(deadline__lt=today),
        "hazards_reported": Q(status=HazardStatus.REPORTED),
        "hazards_rectifying": Q(status__in=[HazardStatus.CONFIRMED, HazardStatus.RECTIFYING]),
        "hazards_awaiting_acceptance": Q(status=HazardStatus.AWAITING_ACCEPTANCE),
        "hazards_closed": Q(status=HazardStatus.CLOSED),
    }


def _category_of(path: str):
    """The category of the equipment at `path` as an expression: its first digit followed by 000, or ""."""
    # Not Coalesce(Concat(…)): Concat treats NULL as "" on every backend, which would give "000".
    return Case(
        When(**{f"{path}__isnull": True}, then=Value("")),
        default=Concat(Substr(path, 1, 1), Value("000")),
        output_field=CharField(),
    )


# --------------------------------------------------------------------------------------------------------------------
# Rebuilding the cells
# --------------------------------------------------------------------------------------------------------------------


def _grid_of(organization_path: str, region_path: str) -> Subquery:
    """The grid of the row's unit in the row's county (a unit is in at most one grid of its county), or NULL."""
    memberships = Grid.units.through.objects.filter(
        organization_id=OuterRef(organization_path), grid__region_id=OuterRef(region_path)
    )
    return Subquery(memberships.order_by("grid_id").values("grid_id")[:1])


class _Cells:
    def __init__(self):
        self.cells: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(COUNT_FIELDS, 0))

    def add(self, region, grid, industry, category, crowded, **counts):
        cell = self.cells[(region, grid, industry or "", category or "", bool(crowded))]
        for name, value in counts.items():
            cell[name] += value or 0


def _add_units(cells: _Cells) -> None:
    owning = Organization.objects.filter(kind__in=EQUIPMENT_OWNING_KINDS)
    identified = Risk.objects.filter(equipment_id=OuterRef("pk"), is_active=True)
    equipment = Equipment.objects.filter(organization_id=OuterRef("pk"))
    in_use = equipment.filter(IN_USE)
    # All categories: one row per (region, industry, crowded, has in-use equipment, has some not identified).
    rows = (
        owning.annotate(
            crowded=Exists(equipment.filter(crowded_place=True)),
            has_in_use=Exists(in_use),
            unidentified=Exists(in_use.filter(~Exists(identified))),
        )
        .values("region_id", "industry_id", "crowded", "has_in_use", "unidentified", grid=_grid_of("pk", "region_id"))
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        fully = row["count"] if row["has_in_use"] and not row["unidentified"] else 0
        cells.add(
            row["region_id"],
            row["grid"],
            row["industry_id"],
            "",
            row["crowded"],
            units=row["count"],
            units_fully_identified=fully,
        )
    # Per category: one row per unit and category it holds equipment of, rolled up here.
    per_unit = (
        Equipment.objects.filter(organization__kind__in=EQUIPMENT_OWNING_KINDS)
        .annotate(identified=Exists(Risk.objects.filter(equipment_id=OuterRef("pk"), is_active=True)))
        .values(
            "organization_id",
            "organization__region_id",
            "organization__industry_id",
            cat=_category_of("category_id"),
            grid=_grid_of("organization_id", "organization__region_id"),
        )
        .annotate(
            crowded=Count("pk", filter=Q(crowded_place=True)),
            in_use=Count("pk", filter=IN_USE),
            identified_in_use=Count("pk", filter=IN_USE & Q(identified=True)),
        )
        .order_by()
    )
    for row in per_unit.iterator(chunk_size=5000):
        fully = 1 if row["in_use"] and row["in_use"] == row["identified_in_use"] else 0
        cells.add(
            row["organization__region_id"],
            row["grid"],
            row["organization__industry_id"],
            row["cat"],
            row["crowded"] > 0,
            units=1,
            units_fully_identified=fully,
        )


def _add_grouped(cells: _Cells, queryset, equipment_path: str, industry_path: str, counts: dict) -> None:
    crowded_path = f"{equipment_path}crowded_place" if equipment_path else "crowded_place"
    category_path = f"{equipment_path}category_id" if equipment_path else "category_id"
    rows = (
        queryset.values(
            "region_id",
            industry_path,
            crowded_path,
            cat=_category_of(category_path),
            grid=_grid_of("organization_id", "region_id"),
        )
        .annotate(**counts)
        .order_by()
    )
    for row in rows:
        cells.add(
            row["region_id"],
            row["grid"],
            row[industry_path],
            row["cat"],
            row[crowded_path],
            **{name: row[name] for name in counts},
        )


def compute_cells(today) -> dict[tuple, dict]:
    """Every cell's counts from the raw tables: one grouped query per source table (two for units)."""
    cells = _Cells()
    _add_units(cells)
    _add_grouped(
        cells,
        Equipment.objects.all(),
        "",
        "organization__industry_id",
        {
            "equipment": Count("pk"),
            "equipment_in_use": Count("pk", filter=IN_USE),
            "inspection_overdue": Count("pk", filter=IN_USE & inspection_state_q(InspectionState.OVERDUE, today)),
        },
    )
    _add_grouped(
        cells,
        Risk.objects.filter(is_active=True),
        "equipment__",
        "organization__industry_id",
        {name: Count("pk", filter=Q(level=level)) for level, name in RISK_FIELDS.items()},
    )
    _add_grouped(
        cells,
        Hazard.objects.all(),
        "equipment__",
        "organization__industry_id",
        {name: Count("pk", filter=condition) for name, condition in hazard_figure_conditions(today).items()},
    )
    _add_grouped(
        cells,
        Listing.objects.exclude(status=ListingStatus.DELISTED),
        "hazard__equipment__",
        "organization__industry_id",
        {"listings_open": Count("pk")},
    )
    _add_grouped(
        cells,
        InvestigationTask.objects.filter(
            kind=InvestigationKind.DAILY, due_on__gte=today - timedelta(days=DAILY_WINDOW_DAYS), due_on__lt=today
        ),
        "equipment__",
        "organization__industry_id",
        {"daily_tasks_due": Count("pk"), "daily_tasks_done": Count("pk", filter=Q(status=TaskStatus.DONE))},
    )
    return cells.cells


def rebuild_summary(today=None) -> int:
    """Recompute the cells and replace the old ones in one transaction (a reader sees the old set or the new one,
    never half of each).  Returns how many cells there are."""
    today = today or timezone.localdate()
    computed_at = timezone.now()
    cells = compute_cells(today)
    rows = [
        SummaryCell(
            region_id=region,
            grid_id=grid,
            industry=industry,
            category=category,
            crowded=crowded,
            computed_at=computed_at,
            **counts,
        )
        for (region, grid, industry, category, crowded), counts in cells.items()
    ]
    with transaction.atomic():
        SummaryCell.objects.all().delete()
        SummaryCell.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# --------------------------------------------------------------------------------------------------------------------
# Reading the figures
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The cockpit's filters: an industry code (a section letter covers its divisions), a catalog category code
    ("3000"), the crowded-place flag; None means no filter."""

    industry: str | None = None
    category: str | None = None
    crowded: bool | None = None


@dataclass
class Figures:
    units: int = 0
    units_fully_identified: int = 0
    daily_tasks_due: int = 0
    daily_tasks_done: int = 0
    equipment: int = 0
    equipment_in_use: int = 0
    inspection_overdue: int = 0
    risks_major: int = 0
    risks_significant: int = 0
    risks_general: int = 0
    risks_low: int = 0
    hazards_open: int = 0
    major_hazards_open: int = 0
    hazards_overdue: int = 0
    hazards_reported: int = 0
    hazards_rectifying: int = 0
    hazards_awaiting_acceptance: int = 0
    hazards_closed: int = 0
    listings_open: int = 0
    equipment_by_category: dict[str, int] = field(default_factory=dict)

    def add(self, row: dict, *, units: bool, rows: bool) -> None:
        for name in UNIT_FIELDS if units else ():
            setattr(self, name, getattr(self, name) + (row[name] or 0))
        for name in ROW_FIELDS if rows else ():
            setattr(self, name, getattr(self, name) + (row[name] or 0))
        if rows and row["category"] and row["equipment"]:
            category = row["category"]
            self.equipment_by_category[category] = self.equipment_by_category.get(category, 0) + row["equipment"]

    @property
    def risks_by_level(self) -> dict[str, int]:
        return {level.value: getattr(self, name) for level, name in RISK_FIELDS.items()}

    @property
    def daily_check_compliance(self) -> float | None:
        """Daily checks done of those due over the window (None when none were due)."""
        return round(self.daily_tasks_done / self.daily_tasks_due, 4) if self.daily_tasks_due else None

    @property
    def units_fully_identified_share(self) -> float | None:
        """The share of units whose in-use equipment all have an identified risk (None when there are no units)."""
        return round(self.units_fully_identified / self.units, 4) if self.units else None


@dataclass
class RegionFigures:
    region: Region
    figures: Figures


@dataclass
class GridFigures:
    """A county's child: one of its grids, or (grid None) the units in no grid."""

    grid: Grid | None
    name: str
    figures: Figures


@dataclass
class Summary:
    region: Region
    filters: Filters
    figures: Figures
    # The child regions; for a county with grids, its grids and the row of units in no grid.
    children: list[RegionFigures | GridFigures]
    # Figures on the region itself rather than on one of its children (rows registered at city level).
    unplaced: Figures
    computed_at: object = None
    # The grid the figures are narrowed to, if any.
    grid: Grid | None = None


def _industry_codes(code: str):
    """The industry codes a filter covers: the code and, for a section letter, its divisions (a subquery)."""
    return Industry.objects.filter(Q(code=code) | Q(parent_id=code)).values("code")


def figures_for(region: Region, filters: Filters | None = None, grid: Grid | None = None) -> Summary:
    """The figures of a region and of each of its children under the filters: four queries whatever the size.

    A county's children are its grids plus the units in no grid (when it has grids); with `grid` (a grid of
    `region`), the figures of that grid alone, without children."""
    filters = filters or Filters()
    if grid is not None:
        return _grid_figures(region, filters, grid)
    children = list(Region.objects.filter(parent=region).order_by("code"))
    if not children:
        grids = list(Grid.objects.filter(region=region).order_by("name", "pk"))
        if grids:
            return _county_figures(region, filters, grids)
    # A province's children are cities ("1405") and, for directly administered county-level cities, counties
    # ("429004"): group on the longest prefix among them and roll each group up to the child it starts with.
    key_length = max((len(child.prefix) for child in children), default=len(region.prefix))
    cells = _filtered_cells(SummaryCell.objects.filter(region__code__startswith=region.prefix), filters)
    groups = (
        cells.annotate(key=Substr("region_id", 1, key_length))
        .values("key", "category")
        .annotate(**{name: Sum(name) for name in COUNT_FIELDS})
        .order_by()
    )
    unit_category = filters.category or ""
    total = Figures()
    unplaced = Figures()
    by_prefix = {child.prefix: RegionFigures(child, Figures()) for child in children}
    prefix_lengths = sorted({len(prefix) for prefix in by_prefix}, reverse=True)

    def figures_of(key: str) -> Figures:
        for length in prefix_lengths:
            if key[:length] in by_prefix:
                return by_prefix[key[:length]].figures
        return unplaced

    for row in groups:
        units = row["category"] == unit_category
        total.add(row, units=units, rows=True)
        figures_of(row["key"]).add(row, units=units, rows=True)
    return Summary(region, filters, total, list(by_prefix.values()), unplaced, _computed_at())


def totals_under(prefix: str) -> tuple[Figures, object]:
    """The row figures of every cell under a region prefix ("" for all), summed in one query, and when the cells were
    computed: what a regulator's hazard board shows above its list."""
    sums = SummaryCell.objects.filter(region__code__startswith=prefix).aggregate(
        **{name: Sum(name) for name in ROW_FIELDS}
    )
    return Figures(**{name: value or 0 for name, value in sums.items()}), _computed_at()


def _computed_at():
    # Every cell of a rebuild carries the rebuild's time and the cells are only ever replaced all at once, so the
    # newest cell (one row read through the primary key) tells it without scanning every cell of the province.
    return SummaryCell.objects.order_by("-pk").values_list("computed_at", flat=True).first()


def _filtered_cells(cells, filters: Filters):
    if filters.industry:
        cells = cells.filter(industry__in=_industry_codes(filters.industry))
    if filters.crowded is not None:
        cells = cells.filter(crowded=filters.crowded)
    if filters.category:
        cells = cells.filter(category=filters.category)
    return cells


def _county_figures(region: Region, filters: Filters, grids: list[Grid]) -> Summary:
    cells = _filtered_cells(SummaryCell.objects.filter(region=region), filters)
    groups = cells.values("grid_id", "category").annotate(**{name: Sum(name) for name in COUNT_FIELDS}).order_by()
    unit_category = filters.category or ""
    total = Figures()
    by_grid = {grid.pk: GridFigures(grid, grid.name, Figures()) for grid in grids}
    # Cells of a grid deleted since the last rebuild are gone with it (CASCADE); any other stray id joins "no grid".
    no_grid = GridFigures(None, _("未划入网格"), Figures())
    for row in groups:
        units = row["category"] == unit_category
        total.add(row, units=units, rows=True)
        by_grid.get(row["grid_id"], no_grid).figures.add(row, units=units, rows=True)
    return Summary(region, filters, total, [*by_grid.values(), no_grid], Figures(), _computed_at())


def _grid_figures(region: Region, filters: Filters, grid: Grid) -> Summary:
    cells = _filtered_cells(SummaryCell.objects.filter(region=region, grid=grid), filters)
    groups = cells.values("category").annotate(**{name: Sum(name) for name in COUNT_FIELDS}).order_by()
    unit_category = filters.category or ""
    total = Figures()
    for row in groups:
        total.add(row, units=row["category"] == unit_category, rows=True)
    return Summary(region, filters, total, [], Figures(), _computed_at(), grid=grid)
