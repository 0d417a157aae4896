"""监管驾驶舱: the jurisdiction figures of a regulator, per child region, with charts; every figure links to the
list of the rows behind it (child region → its cockpit; units → the units list; equipment → the equipment list;
risks, hazards → their lists), each filtered the same way as far as that list's filters go.  A county's children are
its grids (each linking to the grid's page) and the units in no grid; `?grid=` narrows the page to one grid."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shuangfang.core.access import login_required
from shuangfang.equipment.choices import EquipmentStatus, InspectionState, RiskLevel
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Industry, Region

from .forms_cockpit import CockpitFilterForm
from .models import Grid
from .selectors_cockpit import cockpit_grid, cockpit_region
from .summaries import COUNT_FIELDS, Figures, Filters, GridFigures, figures_for


def _url(name: str, *args, **query) -> str:
    query = {key: value for key, value in query.items() if value not in (None, "", [])}
    return reverse(name, args=args) + (f"?{urlencode(query, doseq=True)}" if query else "")


def _filter_query(filters: Filters) -> dict:
    crowded = {True: "true", False: "false"}.get(filters.crowded, "")
    return {"industry": filters.industry or "", "category": filters.category or "", "crowded": crowded}


def figure_links(code: str, filters: Filters, grid: Grid | None = None) -> dict:
    """The list behind each figure of a region (or of one of its grids), narrowed by what that list can filter on:
    the units list by region, grid and industry; the equipment, risk and hazard lists by region, grid, industry,
    category and crowded place.  The daily task list filters on none of them: it opens on the caller's scope."""
    grid_id = grid.pk if grid else None
    narrow = {
        "grid": grid_id,
        "industry": filters.industry,
        "category": filters.category,
        "crowded_place": _filter_query(filters)["crowded"],
    }
    return {
        "cockpit": _url("supervision:cockpit", region=code, grid=grid_id, **_filter_query(filters)),
        "units": _url(
            "orgs:list",
            kind=sorted(EQUIPMENT_OWNING_KINDS),
            region=code,
            grid=grid_id,
            industry=filters.industry,
        ),
        "equipment": _url("equipment:list", region=code, **narrow),
        "equipment_in_use": _url("equipment:list", status=EquipmentStatus.IN_USE, region=code, **narrow),
        "inspection_overdue": _url(
            "equipment:list",
            status=EquipmentStatus.IN_USE,
            inspection_state=InspectionState.OVERDUE,
            region=code,
            **narrow,
        ),
        "risks": {
            level.value: _url("risks:list", region=code, level=level.value, is_active="true", **narrow)
            for level in RiskLevel
        },
        "hazards_open": _url("hazards:board", region=code, is_open="true", **narrow),
        "major_hazards_open": _url("hazards:board", region=code, is_open="true", grade="major", **narrow),
        "hazards_overdue": _url("hazards:board", region=code, overdue="true", **narrow),
        "listings_open": _url("hazards:board", region=code, listed="true", **narrow),
        "daily_tasks": _url("hazards:tasks", region=code, kind="daily"),
    }


def category_link(code: str, category: str, filters: Filters, grid: Grid | None = None) -> str:
    return _url(
        "equipment:list",
        region=code,
        grid=grid.pk if grid else None,
        industry=filters.industry,
        category=category,
        crowded_place=_filter_query(filters)["crowded"],
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _row(
    name: str, code: str, figures: Figures, filters: Filters, *, drill: bool, grid: Grid | None = None, links=True
) -> dict:
    return {
        "name": name,
        "code": code,
        "figures": figures,
        "links": figure_links(code, filters, grid) if links else None,
        "drill": drill,
        # A grid child's name leads to the grid's page (its units and what each has open).
        "drill_url": _url("supervision:grid-detail", grid.pk) if grid else None,
        "compliance": _percent(figures.daily_check_compliance),
        "identified_share": _percent(figures.units_fully_identified_share),
    }


def _child_row(child, region: Region, filters: Filters) -> dict:
    if isinstance(child, GridFigures):
        # Units in no grid: no list can narrow to them, so their figures are shown without links.
        grid = child.grid
        return _row(child.name, region.code, child.figures, filters, drill=True, grid=grid, links=grid is not None)
    return _row(child.region.name, child.region.code, child.figures, filters, drill=True)


def _trail(jurisdiction: Region, region: Region, filters: Filters, grid: Grid | None = None) -> list[dict]:
    codes = []
    for length in (2, 4, 6):
        prefix = region.prefix[:length]
        if len(prefix) == length and len(prefix) >= len(jurisdiction.prefix) and prefix.startswith(jurisdiction.prefix):
            codes.append(prefix.ljust(6, "0"))
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    query = _filter_query(filters)
    trail = [
        {"name": names[code], "url": _url("supervision:cockpit", region=code, **query)}
        for code in codes
        if code in names
    ]
    if grid is not None:
        trail.append({"name": grid.name, "url": _url("supervision:cockpit", region=region.code, grid=grid.pk, **query)})
    return trail


@login_required
@require_GET
def cockpit(request):
    jurisdiction, region = cockpit_region(request.user, request.GET.get("region"))
    region, grid = cockpit_grid(request.user, region, request.GET.get("grid"))
    form = CockpitFilterForm(request.GET)
    filters = form.filters() if form.is_valid() else Filters()
    summary = figures_for(region, filters, grid)
    categories = {entry.code: entry.name for entry in form.categories}
    rows = [_child_row(child, region, filters) for child in summary.children]
    grid_children = any(isinstance(child, GridFigures) for child in summary.children)
    unplaced = summary.unplaced
    # At county level there are no child regions: the totals are the whole story.
    if summary.children and any(getattr(unplaced, name) for name in COUNT_FIELDS):
        rows.append(
            _row(_("%(region)s（本级）") % {"region": region.name}, region.code, unplaced, filters, drill=False)
        )
    total = _row(grid.name if grid else region.name, region.code, summary.figures, filters, drill=False, grid=grid)
    levels = list(RiskLevel)
    chart = {
        "categories": [
            {
                "name": categories.get(code, code),
                "value": count,
                "url": category_link(region.code, code, filters, grid),
            }
            for code, count in sorted(summary.figures.equipment_by_category.items())
        ],
        "risks": [
            {
                "name": str(level.label),
                "value": summary.figures.risks_by_level[level.value],
                "color": level.color,
                "url": total["links"]["risks"][level.value],
            }
            for level in levels
        ],
        "children": {
            "names": [row["name"] for row in rows if row["drill"]],
            "urls": [row["drill_url"] or (row["links"] or {}).get("cockpit", "") for row in rows if row["drill"]],
            "series": [
                {
                    "name": _("未销号隐患"),
                    "color": "orange",
                    "data": [row["figures"].hazards_open for row in rows if row["drill"]],
                },
                {
                    "name": _("重大事故隐患"),
                    "color": "red",
                    "data": [row["figures"].major_hazards_open for row in rows if row["drill"]],
                },
                {
                    "name": _("超期未整改"),
                    "color": "grey",
                    "data": [row["figures"].hazards_overdue for row in rows if row["drill"]],
                },
            ],
        },
    }
    industry_name = ""
    if filters.industry:
        industry_name = Industry.objects.filter(code=filters.industry).values_list("name", flat=True).first() or ""
    context = {
        "jurisdiction": jurisdiction,
        "region": region,
        "form": form,
        "filters": filters,
        "industry_name": industry_name,
        "category_choices": form.categories,
        "total": total,
        "rows": rows,
        "category_rows": [
            {
                "code": code,
                "name": categories.get(code, code),
                "value": count,
                "url": category_link(region.code, code, filters, grid),
            }
            for code, count in sorted(summary.figures.equipment_by_category.items())
        ],
        "risk_rows": chart["risks"],
        "chart": chart,
        "computed_at": summary.computed_at,
        "trail": _trail(jurisdiction, region, filters, grid),
        "child_level_is_region": bool(summary.children) and not grid_children,
        "grid": grid,
        "grid_children": grid_children,
    }
    return render(request, "supervision/cockpit.html", context)
