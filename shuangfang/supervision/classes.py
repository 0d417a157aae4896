"""The supervision class of every use unit (分类监管), computed from the records by the rules of rules_classes.

`compute_classes` reads each fact with one grouped query over its table (set-based: the number of queries does not
grow with the units), classifies each unit in Python by the rules as data and writes the UnitClass rows in one
transaction: new rows created, changed rows updated (their version raised), rows of units no longer counted removed.
The daily task and the `compute_classes` command run it for the whole platform; a regulator may rerun it for its
jurisdiction (do_recompute_classes).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core.events import record_event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import PermissionDenied
from shuangfang.equipment.choices import EquipmentStatus, InspectionState
from shuangfang.equipment.models import Equipment, inspection_state_q
from shuangfang.hazards.choices import OPEN_STATUSES, HazardGrade
from shuangfang.hazards.models import Hazard
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization

from . import rules_classes as rules
from .choices import BlacklistStatus, EvaluationKind, OrderStatus
from .models import Accident, BlacklistEntry, EnforcementOrder, Evaluation, UnitClass
from .rules import add_months

BATCH = 2000


def _thresholds():
    return rules.thresholds_from(getattr(settings, "SUPERVISION_CLASS_THRESHOLDS", None))


def _grouped(queryset, key: str, units: Q) -> dict[int, int]:
    rows = queryset.filter(units).values(key).annotate(n=Count("pk")).order_by()
    return {row[key]: row["n"] for row in rows}


def unit_facts(today, region_prefix: str = "") -> tuple[dict[int, str], dict[int, dict[str, int]]]:
    """(unit id → region code, unit id → facts) for every use unit under the region prefix: one query per fact."""
    units = dict(
        Organization.objects.filter(kind__in=EQUIPMENT_OWNING_KINDS, region__code__startswith=region_prefix)
        .values_list("pk", "region_id")
        .order_by("pk")
    )
    in_prefix = Q(region__code__startswith=region_prefix)
    in_use = Q(status=EquipmentStatus.IN_USE)
    counts = {
        rules.OPEN_MAJOR_HAZARDS: _grouped(
            Hazard.objects.filter(grade=HazardGrade.MAJOR, status__in=OPEN_STATUSES), "organization_id", in_prefix
        ),
        rules.OVERDUE_HAZARDS: _grouped(
            Hazard.objects.filter(status__in=OPEN_STATUSES, deadline__lt=today), "organization_id", in_prefix
        ),
        rules.OVERDUE_INSPECTIONS: _grouped(
            Equipment.objects.filter(in_use & inspection_state_q(InspectionState.OVERDUE, today)),
            "organization_id",
            in_prefix,
        ),
        rules.CROWDED_EQUIPMENT: _grouped(
            Equipment.objects.filter(in_use, crowded_place=True), "organization_id", in_prefix
        ),
        rules.ACCIDENTS_12M: _grouped(
            Accident.objects.filter(occurred_at__date__gte=add_months(today, -12), occurred_at__date__lte=today),
            "organization_id",
            in_prefix,
        ),
        rules.ACTIVE_BLACKLIST: _grouped(
            BlacklistEntry.objects.filter(status=BlacklistStatus.ACTIVE, until__gte=today), "organization_id", in_prefix
        ),
        rules.ORDERS_NOT_COMPLIED: _grouped(
            EnforcementOrder.objects.filter(status=OrderStatus.CLOSURE_RECOMMENDED), "unit_id", in_prefix
        ),
    }
    # The latest evaluation of each unit, by a regulator and of either kind: one ordered scan.
    latest_regulator: dict[int, tuple] = {}
    latest_any: dict[int, tuple] = {}
    evaluations = (
        Evaluation.objects.filter(in_prefix)
        .values_list("organization_id", "kind", "score", "vetoes")
        .order_by("organization_id", "-year", "-created_at", "-pk")
    )
    for organization_id, kind, score, vetoes in evaluations.iterator(chunk_size=5000):
        latest_any.setdefault(organization_id, (score, vetoes))
        if kind == EvaluationKind.REGULATOR:
            latest_regulator.setdefault(organization_id, (score, vetoes))
    facts: dict[int, dict[str, int]] = defaultdict(dict)
    for unit_id in units:
        row = {fact: table.get(unit_id, 0) for fact, table in counts.items()}
        row.update(rules.evaluation_facts(latest_regulator.get(unit_id), latest_any.get(unit_id)))
        facts[unit_id] = row
    return units, facts


@dataclass
class ComputeResult:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    by_class: Counter | None = None

    def as_data(self) -> dict:
        return {
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "by_class": dict(sorted((self.by_class or Counter()).items())),
        }


def compute_classes(today=None, region_prefix: str = "", *, actor: User | None = None) -> ComputeResult:
    """Classify every use unit under the region prefix ("" for all) and store the UnitClass rows in one transaction."""
    today = today or timezone.localdate()
    now = timezone.now()
    thresholds = _thresholds()
    units, facts = unit_facts(today, region_prefix)
    result = ComputeResult(by_class=Counter())
    with transaction.atomic():
        existing = {
            row.organization_id: row
            for row in UnitClass.objects.select_for_update().filter(region__code__startswith=region_prefix)
        }
        to_create, to_update = [], []
        for unit_id, region_code in units.items():
            outcome = rules.classify(facts[unit_id], thresholds=thresholds)
            described = rules.describe(outcome)
            result.by_class[outcome.supervision_class] += 1
            row = existing.pop(unit_id, None)
            if row is None:
                to_create.append(
                    UnitClass(
                        organization_id=unit_id,
                        region_id=region_code,
                        supervision_class=outcome.supervision_class,
                        score=outcome.score,
                        facts=described,
                        computed_at=now,
                    )
                )
                continue
            if (row.supervision_class, row.score, row.facts, row.region_id) != (
                outcome.supervision_class,
                outcome.score,
                described,
                region_code,
            ):
                row.supervision_class, row.score, row.facts, row.region_id = (
                    outcome.supervision_class,
                    outcome.score,
                    described,
                    region_code,
                )
                row.version += 1
                result.changed += 1
            else:
                result.unchanged += 1
            row.computed_at = now
            to_update.append(row)
        UnitClass.objects.bulk_create(to_create, batch_size=BATCH)
        UnitClass.objects.bulk_update(
            to_update, ["supervision_class", "score", "facts", "region", "version", "computed_at"], batch_size=BATCH
        )
        result.created = len(to_create)
        if existing:
            result.removed = UnitClass.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()[0]
        record_event(
            "supervision.classes_computed",
            actor=actor,
            organization=getattr(actor, "organization", None),
            region_code=region_prefix.ljust(6, "0") if region_prefix else "",
            data={"on": today, "region_prefix": region_prefix, **result.as_data()},
        )
    return result


def check_may_recompute(actor: User) -> None:
    if scope_of(actor).kind != ScopeKind.REGULATOR or not actor.has_role(Role.INSPECTOR, Role.REGULATOR_ADMIN):
        raise PermissionDenied(_("只有监管部门的监察人员或管理员可以重新计算监管类别。"))


def do_recompute_classes(*, actor: User, today=None) -> ComputeResult:
    """重新计算 the classes of the regulator's jurisdiction now (the daily job does it for all)."""
    check_may_recompute(actor)
    return compute_classes(today, scope_of(actor).region_prefix, actor=actor)
