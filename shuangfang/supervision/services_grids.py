"""Grids (网格化监管, 晋市监发〔2022〕116号): a county regulator divides its county into grids, puts each of the
county's use units into at most one of them and assigns its own inspectors.

Who defines grids: the county regulator's administrator (监管部门管理员) and its leader (监管部门负责人).  Inspectors
are assigned to grids, they do not draw them; city and province regulators read the grids of their jurisdiction and
change none.  Each `do_…` runs in one transaction, checks who may, writes its rows and appends one event.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core.events import record_event
from shuangfang.core.services import PermissionDenied, check_version, lock_for_update
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS, OrganizationKind, RegionLevel
from shuangfang.orgs.models import Organization

from .models import Grid

GRID_EDITOR_ROLES = frozenset({Role.REGULATOR_ADMIN, Role.REGULATOR_LEADER})
GRID_FIELDS = ("name", "description", "units", "inspectors")
NAME_MAX = 100
DESCRIPTION_MAX = 500


# -- who may ---------------------------------------------------------------------------------------------------------


def _county_regulator(actor: User) -> Organization | None:
    organization = actor.organization if actor is not None else None
    if (
        organization is None
        or organization.kind != OrganizationKind.REGULATOR
        or organization.jurisdiction is None
        or organization.jurisdiction.level != RegionLevel.COUNTY
    ):
        return None
    return organization


def check_may_define_grids(actor: User) -> Organization:
    """The county regulator's administrator or leader; returns the regulator that will own the grid."""
    organization = _county_regulator(actor)
    if organization is None:
        raise PermissionDenied(_("网格由县级监管部门划分。"))
    if not (actor.is_active and set(actor.roles) & GRID_EDITOR_ROLES):
        raise PermissionDenied(_("只有县级监管部门的管理员或负责人可以划分和调整网格。"))
    return organization


def check_may_edit_grid(actor: User, grid: Grid) -> None:
    """Only the county regulator that owns the grid changes it; the regulators above it read it."""
    organization = check_may_define_grids(actor) if actor.organization_id == grid.organization_id else None
    if organization is None:
        raise PermissionDenied(_("网格只能由划分它的县级监管部门调整。"))


# -- what may go into a grid -----------------------------------------------------------------------------------------


def _clean_text(value, field: str, *, required: bool, max_length: int) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("请填写网格名称。")})
    if len(text) > max_length:
        raise ValidationError({field: _("不能超过 %(n)s 个字。") % {"n": max_length}})
    return text


def _check_name(owner: Organization, name: str, grid: Grid | None) -> None:
    taken = Grid.objects.filter(organization=owner, name=name)
    if grid is not None:
        taken = taken.exclude(pk=grid.pk)
    if taken.exists():
        raise ValidationError({"name": _("本部门已有名为“%(name)s”的网格。") % {"name": name}})


def _check_units(owner: Organization, units: list[Organization], grid: Grid | None) -> None:
    """The county's use units only (equipment-owning kinds located in the county), each in at most one grid of the
    county."""
    county = owner.jurisdiction
    not_units = [unit.name for unit in units if unit.kind not in EQUIPMENT_OWNING_KINDS]
    if not_units:
        raise ValidationError(
            {"units": _("只有使用特种设备的单位可以划入网格：%(names)s 不是。") % {"names": "、".join(not_units)}}
        )
    elsewhere = [unit.name for unit in units if not county.contains(unit.region_id)]
    if elsewhere:
        raise ValidationError(
            {
                "units": _("%(names)s 不在%(county)s，不能划入本县网格。")
                % {"names": "、".join(elsewhere), "county": county.name}
            }
        )
    inactive = [unit.name for unit in units if not unit.is_active]
    if inactive:
        raise ValidationError({"units": _("%(names)s 已停用，不能划入网格。") % {"names": "、".join(inactive)}})
    others = Grid.units.through.objects.filter(
        grid__region_id=county.code, organization_id__in=[unit.pk for unit in units]
    ).select_related("grid", "organization")
    if grid is not None:
        others = others.exclude(grid_id=grid.pk)
    taken = sorted(f"{row.organization.name}（{row.grid.name}）" for row in others)
    if taken:
        raise ValidationError(
            {
                "units": _("一个单位只能属于本县的一个网格，下列单位已在其他网格：%(names)s。请先从原网格中移出。")
                % {"names": "、".join(taken)}
            }
        )


def _check_inspectors(owner: Organization, inspectors: list[User]) -> None:
    """The owning regulator's own people holding the inspector role."""
    strangers = [person.display_name for person in inspectors if person.organization_id != owner.pk]
    if strangers:
        raise ValidationError(
            {"inspectors": _("%(names)s 不是本部门人员，不能派入网格。") % {"names": "、".join(strangers)}}
        )
    not_inspectors = [
        person.display_name for person in inspectors if not person.is_active or Role.INSPECTOR not in person.roles
    ]
    if not_inspectors:
        raise ValidationError(
            {"inspectors": _("%(names)s 不是在职的监察人员，不能派入网格。") % {"names": "、".join(not_inspectors)}}
        )


def _distinct(values: Iterable | None) -> list:
    seen, result = set(), []
    for value in values or []:
        if value.pk not in seen:
            seen.add(value.pk)
            result.append(value)
    return result


def _ids(values: Iterable) -> list[int]:
    return sorted(value.pk for value in values)


# -- the services ----------------------------------------------------------------------------------------------------


def do_create_grid(
    *,
    actor: User,
    name: str,
    description: str = "",
    units: Iterable[Organization] = (),
    inspectors: Iterable[User] = (),
) -> Grid:
    owner = check_may_define_grids(actor)
    name = _clean_text(name, "name", required=True, max_length=NAME_MAX)
    description = _clean_text(description, "description", required=False, max_length=DESCRIPTION_MAX)
    units, inspectors = _distinct(units), _distinct(inspectors)
    with transaction.atomic():
        # One writer per county at a time: "a unit in at most one grid" holds under concurrent edits.
        lock_for_update(owner)
        _check_name(owner, name, None)
        _check_units(owner, units, None)
        _check_inspectors(owner, inspectors)
        grid = Grid(organization=owner, region_id=owner.jurisdiction_id, name=name, description=description)
        grid.full_clean()
        grid.save()
        grid.units.set(units)
        grid.inspectors.set(inspectors)
        record_event(
            "supervision.grid_created",
            actor=actor,
            obj=grid,
            organization=owner,
            data={"name": name, "units": _ids(units), "inspectors": _ids(inspectors)},
        )
    return grid


def do_update_grid(*, actor: User, grid: Grid, changes: dict, version: int | None) -> Grid:
    """Change the name, description, units or inspectors (each given replaces the old value) of the version read."""
    check_may_edit_grid(actor, grid)
    unknown = set(changes) - set(GRID_FIELDS)
    if unknown:
        raise ValidationError({field: _("该字段不能修改。") for field in sorted(unknown)})
    owner = actor.organization
    with transaction.atomic():
        lock_for_update(owner)
        grid = lock_for_update(grid)
        check_version(grid, version)
        diff: dict = {}
        if "name" in changes:
            name = _clean_text(changes["name"], "name", required=True, max_length=NAME_MAX)
            _check_name(owner, name, grid)
            if name != grid.name:
                diff["name"] = [grid.name, name]
                grid.name = name
        if "description" in changes:
            description = _clean_text(changes["description"], "description", required=False, max_length=DESCRIPTION_MAX)
            if description != grid.description:
                diff["description"] = [grid.description, description]
                grid.description = description
        for field, check in (("units", _check_units), ("inspectors", None)):
            if field not in changes:
                continue
            values = _distinct(changes[field])
            if check is not None:
                check(owner, values, grid)
            else:
                _check_inspectors(owner, values)
            before = set(getattr(grid, field).values_list("pk", flat=True))
            after = {value.pk for value in values}
            if before != after:
                diff[field] = {"added": sorted(after - before), "removed": sorted(before - after)}
                getattr(grid, field).set(values)
        if diff:
            grid.version += 1
            grid.full_clean()
            grid.save(update_fields=["name", "description", "version"])
            record_event("supervision.grid_updated", actor=actor, obj=grid, organization=owner, data={"changes": diff})
    return grid
