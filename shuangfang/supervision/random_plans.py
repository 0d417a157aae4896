"""双随机、一公开: random inspection plans drawn from the supervision classes.

A plan covers a region of the regulator's jurisdiction and a period.  Its units are drawn per class with the class's
ratio (rules_classes.RATIO_RANGES, by default the top of each range), its inspectors for each unit from the unit's grid
(Grid.inspectors) and, where the grid has too few or the unit has none, from the regulator's own inspectors.  The draw
is a pure function of the population, the ratios and the recorded seed (random.Random(seed)); the population is kept
in the plan's creation event, so `redraw` reproduces the plan at any later time.  Publishing (一公开) puts the plan's
units on the public page.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core.events import record_event
from shuangfang.core.models import Event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import InvalidTransition, PermissionDenied, check_version, lock_for_update
from shuangfang.notifications.recipients import has_any_role
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization, Region

from . import rules_classes as rules
from .models import Grid, RandomInspectionItem, RandomInspectionPlan

MAX_TITLE = 200
MAX_INSPECTORS_PER_UNIT = 5
MAX_PERIOD_DAYS = 366
SEED_BITS = 48


def ratio_overrides() -> dict:
    return getattr(settings, "RANDOM_PLAN_RATIO_RANGES", None) or {}


# -- the pure draw ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    unit_id: int
    supervision_class: str
    inspector_ids: tuple[int, ...]


def draw(
    population: Mapping[str, Sequence[int]],
    ratios: Mapping[str, int],
    seed: int,
    grid_inspectors: Mapping[int, Sequence[int]],
    fallback_inspectors: Sequence[int],
    per_unit: int,
) -> list[Drawn]:
    """The plan's units and inspectors, the same for the same arguments: classes in the order A–D, each class's units
    sorted by id before sampling, the drawn units sorted by id before their inspectors are drawn."""
    rng = random.Random(seed)
    chosen: list[tuple[int, str]] = []
    for klass in rules.CLASSES:
        pool = sorted(population.get(klass, ()))
        count = rules.draw_count(len(pool), int(ratios.get(klass, 0)))
        chosen += [(unit_id, klass) for unit_id in rng.sample(pool, count)]
    fallback = sorted(set(fallback_inspectors))
    result = []
    for unit_id, klass in sorted(chosen):
        grid = sorted(set(grid_inspectors.get(unit_id, ())))
        picked = rng.sample(grid, min(per_unit, len(grid)))
        rest = [pk for pk in fallback if pk not in picked]
        picked += rng.sample(rest, min(per_unit - len(picked), len(rest)))
        result.append(Drawn(unit_id, klass, tuple(sorted(picked))))
    return result


# -- who may ------------------------------------------------------------------------------------------------------


def check_may_plan(actor: User) -> None:
    """Plans belong to a regulator's inspectors and administrators; its leader reads."""
    if scope_of(actor).kind != ScopeKind.REGULATOR or not actor.has_role(Role.INSPECTOR, Role.REGULATOR_ADMIN):
        raise PermissionDenied(_("只有监管部门的监察人员或管理员可以制定和公开双随机抽查计划。"))


# -- the population -----------------------------------------------------------------------------------------------


def population_of(region: Region) -> dict[str, list[int]]:
    """The use units of the region by their stored class; a unit not yet classified counts as B (R9: B by default)."""
    rows = (
        Organization.objects.filter(kind__in=EQUIPMENT_OWNING_KINDS, region__code__startswith=region.prefix)
        .values_list("pk", "supervision_class__supervision_class")
        .order_by("pk")
    )
    population: dict[str, list[int]] = {klass: [] for klass in rules.CLASSES}
    for pk, klass in rows:
        population[klass or rules.B].append(pk)
    return population


def grid_inspectors_of(unit_ids) -> dict[int, list[int]]:
    """Unit id → the active inspectors of the grids holding it: two queries whatever the number of units."""
    links = Grid.units.through.objects.filter(organization_id__in=unit_ids).values_list("grid_id", "organization_id")
    grids_of: dict[int, list[int]] = defaultdict(list)
    for grid_id, unit_id in links:
        grids_of[grid_id].append(unit_id)
    people = Grid.inspectors.through.objects.filter(grid_id__in=grids_of, user__is_active=True).values_list(
        "grid_id", "user_id"
    )
    found: dict[int, list[int]] = defaultdict(list)
    for grid_id, user_id in people:
        for unit_id in grids_of[grid_id]:
            found[unit_id].append(user_id)
    return found


def inspectors_of(organization_id: int) -> list[int]:
    """The regulator's own active inspectors."""
    return list(
        User.objects.filter(has_any_role([Role.INSPECTOR]), organization_id=organization_id, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# -- creating and publishing --------------------------------------------------------------------------------------


def _clean_ratios(ratios, errors: dict) -> dict[str, int]:
    ranges = rules.ratio_ranges(ratio_overrides())
    defaults = rules.default_ratios(ratio_overrides())
    if ratios is None:
        return defaults
    if not isinstance(ratios, Mapping):
        errors["ratios"] = _('抽查比例应按类别填写，如 {"A": 5, "B": 20, "C": 60, "D": 100}。')
        return defaults
    unknown = sorted(set(map(str, ratios)) - set(rules.CLASSES))
    if unknown:
        errors["ratios"] = _("没有监管类别“%(names)s”，类别只有 A、B、C、D。") % {"names": "、".join(unknown)}
        return defaults
    cleaned = {}
    problems = []
    for klass in rules.CLASSES:
        value = ratios.get(klass, defaults[klass])
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            problems.append(_("%(cls)s 类的抽查比例应为整数百分比。") % {"cls": klass})
            continue
        low, high = ranges[klass]
        if not low <= number <= high:
            problems.append(
                _("%(cls)s 类的抽查比例应在 %(low)d%%–%(high)d%% 之间（填写的是 %(value)d%%）。")
                % {"cls": klass, "low": low, "high": high, "value": number}
            )
        cleaned[klass] = number
    if problems:
        errors["ratios"] = " ".join(problems)
    return cleaned


def do_create_random_plan(
    *,
    actor: User,
    title: str,
    period_start: date | None,
    period_end: date | None,
    region: Region | None = None,
    ratios: Mapping[str, int] | None = None,
    inspectors_per_unit: int = 2,
    seed: int | None = None,
) -> RandomInspectionPlan:
    """制定双随机抽查计划: draw the units of the region (the regulator's jurisdiction by default) per class and their
    inspectors, with the seed given or a new one, and record the plan, its items and the population drawn from."""
    check_may_plan(actor)
    scope = scope_of(actor)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("请填写计划名称。")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("计划名称不能超过 %(n)d 字。") % {"n": MAX_TITLE}
    if period_start is None:
        errors["period_start"] = _("请填写抽查期间的开始日期。")
    if period_end is None:
        errors["period_end"] = _("请填写抽查期间的结束日期。")
    if period_start and period_end:
        if period_end < period_start:
            errors["period_end"] = _("结束日期 %(end)s 早于开始日期 %(start)s。") % {
                "end": period_end.isoformat(),
                "start": period_start.isoformat(),
            }
        elif (period_end - period_start).days >= MAX_PERIOD_DAYS:
            errors["period_end"] = _("抽查期间不能超过一年。")
    if region is None:
        region = Region.objects.filter(prefix=scope.region_prefix).order_by("code").first()
    if region is None or not region.code.startswith(scope.region_prefix):
        errors["region"] = _("抽查范围须在您的监管辖区内。")
    try:
        inspectors_per_unit = int(inspectors_per_unit)
    except (TypeError, ValueError):
        inspectors_per_unit = 0
    if not 1 <= inspectors_per_unit <= MAX_INSPECTORS_PER_UNIT:
        errors["inspectors_per_unit"] = _("每户执法人员数应在 1 到 %(n)d 之间（执法检查不少于 2 人为宜）。") % {
            "n": MAX_INSPECTORS_PER_UNIT
        }
    if seed is not None:
        try:
            seed = int(seed)
        except (TypeError, ValueError):
            seed = -1
        if not 0 <= seed < 2**63:
            errors["seed"] = _("随机种子应为非负整数。")
    cleaned_ratios = _clean_ratios(ratios, errors)
    if errors:
        raise ValidationError(errors)
    seed = int(seed) if seed is not None else secrets.randbits(SEED_BITS)
    with transaction.atomic():
        population = population_of(region)
        all_units = [pk for pks in population.values() for pk in pks]
        grid_people = grid_inspectors_of(all_units)
        fallback = inspectors_of(actor.organization_id)
        drawn = draw(population, cleaned_ratios, seed, grid_people, fallback, inspectors_per_unit)
        plan = RandomInspectionPlan.objects.create(
            organization=actor.organization,
            region=region,
            title=title,
            period_start=period_start,
            period_end=period_end,
            ratios=cleaned_ratios,
            inspectors_per_unit=inspectors_per_unit,
            seed=seed,
            created_by=actor,
        )
        items = RandomInspectionItem.objects.bulk_create(
            [RandomInspectionItem(plan=plan, unit_id=d.unit_id, supervision_class=d.supervision_class) for d in drawn]
        )
        Through = RandomInspectionItem.inspectors.through
        Through.objects.bulk_create(
            [
                Through(randominspectionitem_id=item.pk, user_id=user_id)
                for item, d in zip(items, drawn, strict=True)
                for user_id in d.inspector_ids
            ]
        )
        record_event(
            "supervision.random_plan_created",
            actor=actor,
            obj=plan,
            data={
                "seed": seed,
                "ratios": cleaned_ratios,
                "inspectors_per_unit": inspectors_per_unit,
                "population": population,
                "grid_inspectors": {str(k): sorted(v) for k, v in grid_people.items()},
                "fallback_inspectors": fallback,
                "drawn": {klass: sum(1 for d in drawn if d.supervision_class == klass) for klass in rules.CLASSES},
            },
        )
    return plan


def redraw(plan: RandomInspectionPlan) -> list[Drawn]:
    """The plan's draw recomputed from its recorded seed, ratios and population: equal to its items unless tampered."""
    event = Event.objects.filter(
        type="supervision.random_plan_created", object_type="supervision.randominspectionplan", object_id=str(plan.pk)
    ).first()
    if event is None:
        return []
    data = event.data
    return draw(
        {k: [int(pk) for pk in v] for k, v in data["population"].items()},
        plan.ratios,
        plan.seed,
        {int(k): v for k, v in data["grid_inspectors"].items()},
        data["fallback_inspectors"],
        plan.inspectors_per_unit,
    )


def items_as_drawn(plan: RandomInspectionPlan) -> list[Drawn]:
    return [
        Drawn(item.unit_id, item.supervision_class, tuple(sorted(u.pk for u in item.inspectors.all())))
        for item in plan.items.prefetch_related("inspectors").order_by("unit_id")
    ]


def do_publish_random_plan(*, actor: User, plan: RandomInspectionPlan, expected_version=None) -> RandomInspectionPlan:
    """一公开: the plan's units go on the public page; a published plan stays as it is."""
    check_may_plan(actor)
    with transaction.atomic():
        plan = lock_for_update(plan)
        if not plan.region_id.startswith(scope_of(actor).region_prefix):
            raise PermissionDenied(_("该计划不在您的监管辖区内。"))
        check_version(plan, expected_version)
        if plan.published_at is not None:
            raise InvalidTransition(
                _("该计划已于 %(date)s 公开。") % {"date": timezone.localtime(plan.published_at).strftime("%Y-%m-%d")}
            )
        plan.published_at = timezone.now()
        plan.version += 1
        plan.save(update_fields=["published_at", "version"])
        record_event("supervision.random_plan_published", actor=actor, obj=plan, data={"units": plan.items.count()})
    return plan


def published_plans():
    """The public list: published plans, the latest first."""
    return (
        RandomInspectionPlan.objects.filter(published_at__isnull=False)
        .select_related("organization", "region")
        .order_by("-published_at", "-pk")
    )
