"""Grid pages (网格化监管): the grids of the jurisdiction, a grid with its units and what each has open, and the
county regulator's forms to define and adjust a grid.  Thin faces: read through `visible_to(user)`, write through
`services_grids`, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shuangfang.core.access import login_required
from shuangfang.core.forms import submit_to_service
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import PermissionDenied as ServicePermissionDenied
from shuangfang.core.services import permitted
from shuangfang.core.views import list_response, paginate

from . import services_grids
from .forms_grids import GridForm
from .models import Grid
from .selectors_grids import access_grid, unit_rows

PAGE_SIZE = 50


def _regulator_only(user) -> None:
    """Grids are the regulators' own working division: nobody else has these pages."""
    if scope_of(user).kind != ScopeKind.REGULATOR:
        raise Http404(_("页面不存在。"))


def _require(check, *args) -> None:
    try:
        check(*args)
    except ServicePermissionDenied as denied:
        raise PermissionDenied(denied.message) from denied


@login_required
@require_GET
def grid_list(request):
    user = request.user
    _regulator_only(user)
    grids = (
        Grid.objects.visible_to(user)
        .select_related("organization", "region")
        .annotate(unit_count=Count("units", distinct=True), inspector_count=Count("inspectors", distinct=True))
        .order_by("region_id", "name", "pk")
    )
    context = {
        "page": paginate(request, grids, PAGE_SIZE),
        "may_define": permitted(services_grids.check_may_define_grids, user),
    }
    return list_response(request, "supervision/grids/list.html", "supervision/grids/_rows.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def grid_new(request):
    user = request.user
    _regulator_only(user)
    _require(services_grids.check_may_define_grids, user)
    posted = request.method == "POST"
    form = GridForm(request.POST if posted else None, owner=user.organization)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            grid, status = submit_to_service(
                form, lambda: services_grids.do_create_grid(actor=user, **form.service_values())
            )
            if grid is not None:
                messages.success(request, _("已建立网格“%(name)s”。") % {"name": grid.name})
                return redirect("supervision:grid-detail", pk=grid.pk)
    return render(request, "supervision/grids/form.html", {"form": form, "grid": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def grid_edit(request, pk: int):
    user = request.user
    _regulator_only(user)
    grid = access_grid(user, pk)
    _require(services_grids.check_may_edit_grid, user, grid)
    posted = request.method == "POST"
    form = GridForm(request.POST if posted else None, owner=grid.organization, grid=grid)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            saved, status = submit_to_service(
                form,
                lambda: services_grids.do_update_grid(
                    actor=user, grid=grid, changes=form.service_values(), version=form.cleaned_data["version"]
                ),
            )
            if saved is not None:
                messages.success(request, _("已保存网格“%(name)s”。") % {"name": saved.name})
                return redirect("supervision:grid-detail", pk=saved.pk)
    return render(request, "supervision/grids/form.html", {"form": form, "grid": grid}, status=status)


@login_required
@require_GET
def grid_detail(request, pk: int):
    user = request.user
    _regulator_only(user)
    grid = access_grid(user, pk)
    units = list(grid.units.order_by("name", "pk"))
    rows = unit_rows(user, units, timezone.localdate())
    context = {
        "grid": grid,
        "rows": rows,
        "totals": {
            name: sum(getattr(row, name) for row in rows)
            for name in ("hazards_open", "gaps_open", "inspections_overdue")
        },
        "inspectors": list(grid.inspectors.order_by("full_name", "username")),
        "may_edit": permitted(services_grids.check_may_edit_grid, user, grid),
    }
    return render(request, "supervision/grids/detail.html", context)
