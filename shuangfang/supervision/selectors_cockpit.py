"""Which region a cockpit request may show: the regulator's jurisdiction or a region inside it; anything else, and
anyone but a regulator, is "not found"."""

from django.http import Http404
from django.utils.translation import gettext as _

from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.orgs.models import Region

from .models import Grid


def cockpit_region(user, code: str | None) -> tuple[Region, Region]:
    """(jurisdiction, region shown).  Raises Http404 for a region outside the jurisdiction or a caller who is not a
    regulator: the jurisdiction figures are the regulators' alone."""
    if scope_of(user).kind != ScopeKind.REGULATOR:
        raise Http404(_("监管驾驶舱仅供监管部门使用。"))
    jurisdiction = user.organization.jurisdiction
    code = (code or "").strip()
    if not code:
        return jurisdiction, jurisdiction
    region = Region.objects.filter(code=code).first()
    if region is None or not region.prefix.startswith(jurisdiction.prefix):
        raise Http404(_("该地区不在您的辖区内。"))
    return jurisdiction, region


def cockpit_grid(user, region: Region, value: str | None) -> tuple[Region, Grid | None]:
    """(region shown, grid) for `?grid=<id>`: a grid the caller may see, inside the region asked for (the region
    shown becomes the grid's county).  Anything else is "not found"; no value means no grid."""
    value = (value or "").strip()
    if not value:
        return region, None
    grid = None
    if value.isdigit():
        grid = Grid.objects.visible_to(user).select_related("region").filter(pk=int(value)).first()
    if grid is None or not grid.region.prefix.startswith(region.prefix):
        raise Http404(_("网格不存在或不在您的辖区内。"))
    return grid.region, grid
