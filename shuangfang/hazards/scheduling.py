"""The investigation scheduler: the Order 74 duty cycle (日管控、周排查、月调度) of every unit using equipment, and the
tasks of every plan for the current day, week, month, quarter, half year or coming holiday.

It runs every hour (hazards.tasks) and may run any number of times a day: plans are unique per unit and kind, tasks per
plan, equipment and period (database constraints), so a second run creates nothing. Tasks are made for the day the
scheduler runs; a day the scheduler did not run at all gets no daily tasks afterwards.
"""

from __future__ import annotations

import calendar
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core.bulkload import RowShape, insert_ignoring_conflicts
from shuangfang.core.events import build_event
from shuangfang.core.models import Event
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import Equipment
from shuangfang.notifications.recipients import has_any_role, people_of
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization
from shuangfang.safety.models import Appointment
from shuangfang.safety.selectors import current_appointments, first_covering

from . import holidays
from .choices import Cycle, InvestigationKind, TaskStatus, WorkDays
from .models import InvestigationPlan, InvestigationTask

# Rows per INSERT (unit tasks; for the daily tasks, rows of plan and catalog code), and plans handled per round (a
# round reads the equipment of its plans' units).
BATCH_SIZE = 1000
PLANS_PER_ROUND = 100
# A pre-holiday check is scheduled for the holidays beginning within this many days.
PRE_HOLIDAY_LOOKAHEAD_DAYS = 7


@dataclass(frozen=True)
class DutyCyclePlan:
    kind: str
    cycle: str
    assignee_role: str
    title: str  # stored in the source language, like every row's data


# SAMR Order 74: the 安全员 checks every in-use equipment every day (每日安全检查记录), the 安全总监 sweeps at
# least weekly (每周安全排查治理报告), the 主要负责人 holds the monthly meeting (每月安全调度会议纪要).
DUTY_CYCLE = (
    DutyCyclePlan(InvestigationKind.DAILY, Cycle.DAILY, Role.SAFETY_OFFICER, "日管控：每日安全检查"),
    DutyCyclePlan(InvestigationKind.WEEKLY, Cycle.WEEKLY, Role.SAFETY_DIRECTOR, "周排查：每周安全排查治理"),
    DutyCyclePlan(InvestigationKind.MONTHLY, Cycle.MONTHLY, Role.PRINCIPAL, "月调度：每月安全调度会议"),
)
DUTY_CYCLE_KINDS = frozenset(plan.kind for plan in DUTY_CYCLE)


def is_duty_cycle_plan(plan: InvestigationPlan) -> bool:
    """One of the unit's three Order 74 plans (the ones the scheduler keeps; prefix "" is the whole unit)."""
    return plan.kind in DUTY_CYCLE_KINDS and not plan.catalog_prefix


def prefix_filter(prefix: str, field: str = "category__code") -> Q:
    """Equipment whose catalog code the prefix covers: "3100" (or "31") covers "3110"; "" covers everything."""
    stem = (prefix or "").rstrip("0")
    return Q(**{f"{field}__startswith": stem}) if stem else Q()


def prefix_covers(prefix: str, category_code: str) -> bool:
    return category_code.startswith((prefix or "").rstrip("0"))


def _in_use_equipment() -> Q:
    return Q(status=EquipmentStatus.IN_USE)


# -- the duty cycle ------------------------------------------------------------------------------------------------


def ensure_duty_cycle_plans(today: date, units: Iterable[int] | None = None) -> int:
    """Give every active use unit and filling station with in-use equipment (or only the given units) its three
    Order 74 plans, where missing; returns how many plans were created."""
    lacking = {
        plan.kind: ~Exists(
            InvestigationPlan.objects.filter(organization_id=OuterRef("pk"), kind=plan.kind, catalog_prefix="")
        )
        for plan in DUTY_CYCLE
    }
    candidates = (
        Organization.objects.filter(is_active=True, kind__in=EQUIPMENT_OWNING_KINDS)
        .filter(Exists(Equipment.objects.filter(_in_use_equipment(), organization_id=OuterRef("pk"))))
        .annotate(**{f"lacks_{kind}": condition for kind, condition in lacking.items()})
        .filter(Q(**{f"lacks_{kind}": True for kind in lacking}, _connector=Q.OR))
        .order_by("pk")
    )
    if units is not None:
        candidates = candidates.filter(pk__in=list(units))
    # Read once, then written round by round: a cursor kept open over the candidates while their plans are inserted
    # would re-probe a growing plans table on every fetch.
    candidates = list(candidates.only("pk", "region"))
    created = 0
    for chunk in _chunks(candidates, PLANS_PER_ROUND):
        created += _create_duty_cycle_plans(chunk, today)
    return created


def _create_duty_cycle_plans(units: list[Organization], today: date) -> int:
    """The missing plans of a round of units in one statement, and their events in another.  A plan another run
    created a moment ago is skipped by plan_one_duty_cycle_per_unit (ON CONFLICT DO NOTHING) and gets no event."""
    shape = RowShape(InvestigationPlan, keyed=False)
    templates = {template.kind: template for template in DUTY_CYCLE}
    rows = [
        shape.row(
            organization_id=unit.pk,
            region_id=unit.region_id,
            kind=template.kind,
            title=template.title,
            cycle=template.cycle,
            work_days=WorkDays.EVERY_DAY,
            assignee_role=template.assignee_role,
            starts_on=today,
        )
        for unit in units
        for template in DUTY_CYCLE
        if getattr(unit, f"lacks_{template.kind}")
    ]
    by_pk = {unit.pk: unit for unit in units}
    with transaction.atomic():
        inserted = insert_ignoring_conflicts(shape, rows, ["id", "organization_id", "kind"])
        events = []
        for pk, unit_id, kind in inserted:
            template = templates[kind]
            unit = by_pk[unit_id]
            plan = InvestigationPlan(
                pk=pk,
                organization=unit,
                region_id=unit.region_id,
                kind=kind,
                title=template.title,
                cycle=template.cycle,
                assignee_role=template.assignee_role,
            )
            events.append(
                build_event(
                    "investigation_plan.created",
                    obj=plan,
                    data={
                        "kind": kind,
                        "cycle": template.cycle,
                        "assignee_role": template.assignee_role,
                        "duty_cycle": True,
                    },
                )
            )
        Event.objects.bulk_create(events, batch_size=1000)
    return len(inserted)


# -- periods -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    due_on: date
    label: str


def _last_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def periods_of(plan: InvestigationPlan, today: date, upcoming: Iterable[holidays.StatutoryHoliday]) -> list[Period]:
    """The periods of a plan that have a task today: the current week, month, quarter or half year, each holiday
    beginning soon, the plan's one period, or today itself."""
    cycle = plan.cycle
    if cycle == Cycle.DAILY:
        if plan.work_days == WorkDays.WORKING_DAYS and not holidays.is_working_day(today):
            return []
        return [Period(today, today, today.isoformat())]
    if cycle == Cycle.WEEKLY:
        monday = today - timedelta(days=today.weekday())
        sunday = monday + timedelta(days=6)
        return [Period(monday, sunday, f"{monday.isoformat()}至{sunday.isoformat()}")]
    if cycle == Cycle.MONTHLY:
        return [Period(today.replace(day=1), _last_of_month(today.year, today.month), f"{today.year}年{today.month}月")]
    if cycle == Cycle.QUARTERLY:
        quarter = (today.month - 1) // 3
        first_month = quarter * 3 + 1
        return [
            Period(
                date(today.year, first_month, 1),
                _last_of_month(today.year, first_month + 2),
                f"{today.year}年第{quarter + 1}季度",
            )
        ]
    if cycle == Cycle.HALF_YEARLY:
        first_half = today.month <= 6
        start = date(today.year, 1 if first_half else 7, 1)
        end = date(today.year, 6, 30) if first_half else date(today.year, 12, 31)
        return [Period(start, end, f"{today.year}年{'上' if first_half else '下'}半年")]
    if cycle == Cycle.BEFORE_HOLIDAY:
        return [
            Period(
                holiday.first_day,
                holidays.last_working_day_before(holiday.first_day),
                f"{holiday.name}（{holiday.first_day.isoformat()}起）前",
            )
            for holiday in upcoming
        ]
    if cycle == Cycle.ONCE and plan.due_on is not None:
        return [Period(plan.starts_on, plan.due_on, f"{plan.starts_on.isoformat()}至{plan.due_on.isoformat()}")]
    return []


# -- tasks ---------------------------------------------------------------------------------------------------------


class _Assignees:
    """Who a plan's tasks go to: the plan's assignee while an active member of the unit; else the person appointed to
    the plan's role for the equipment's category (Order 74 art 71/137: a named officer for every unit of equipment;
    safety.Appointment); else the unit's first active holder of the role; else nobody.  `prefetch` reads the
    appointments and role holders of a whole round's units in two queries; a unit and role it did not read costs one
    query each, asked only when a task is to be made."""

    def __init__(self, today: date):
        self.today = today
        self._appointed: dict[tuple[int, str], list] = {}
        self._by_role: dict[tuple[int, str], int | None] = {}

    @staticmethod
    def _has_own_assignee(plan: InvestigationPlan) -> bool:
        assignee = plan.assignee
        return assignee is not None and assignee.is_active and assignee.organization_id == plan.organization_id

    def prefetch(self, plans: Iterable[InvestigationPlan]) -> None:
        """Read, for the plans that need them, the appointments and role holders of their units; the previous round's
        are forgotten, so that memory stays flat over a province."""
        keys = {(plan.organization_id, plan.assignee_role) for plan in plans if not self._has_own_assignee(plan)}
        self._appointed, self._by_role = {key: [] for key in keys}, dict.fromkeys(keys)
        if not keys:
            return
        units = {unit for unit, _role in keys}
        roles = {role for _unit, role in keys}
        appointments = (
            Appointment.objects.filter(organization_id__in=units, role__in=roles, starts_on__lte=self.today)
            .filter(person__is_active=True)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=self.today))
            .order_by("starts_on", "pk")
        )
        for appointment in appointments:
            key = (appointment.organization_id, appointment.role)
            if key in self._appointed:
                self._appointed[key].append(appointment)
        for user in (
            User.objects.filter(has_any_role(roles), organization_id__in=units, is_active=True)
            .order_by("id")
            .only("id", "organization_id", "roles")
        ):
            for role in user.roles:
                key = (user.organization_id, role)
                if key in self._by_role and self._by_role[key] is None:
                    self._by_role[key] = user.pk

    def for_plan(self, plan: InvestigationPlan, category: str = "") -> int | None:
        if self._has_own_assignee(plan):
            return plan.assignee.pk
        key = (plan.organization_id, plan.assignee_role)
        if key not in self._appointed:
            self._appointed[key] = list(current_appointments(plan.organization_id, plan.assignee_role, self.today))
        appointed = first_covering(self._appointed[key], category)
        if appointed is not None:
            return appointed
        if key not in self._by_role:
            holders = people_of(plan.organization_id, [plan.assignee_role])
            self._by_role[key] = holders[0].pk if holders else None
        return self._by_role[key]


def _title(plan: InvestigationPlan, period: Period, equipment_name: str = "") -> str:
    parts = [str(InvestigationKind(plan.kind).label), period.label]
    if equipment_name:
        parts.append(equipment_name)
    return " ".join(parts)[:200]


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class _Writer:
    """Buffers new tasks and writes them in batches; a task that exists already is skipped by the constraints."""

    def __init__(self):
        self.buffer: list[InvestigationTask] = []
        self.written = 0

    def add(self, task: InvestigationTask) -> None:
        self.buffer.append(task)
        if len(self.buffer) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            InvestigationTask.objects.bulk_create(self.buffer, ignore_conflicts=True)
            self.written += len(self.buffer)
            self.buffer = []


def generate_tasks(today: date, units: Iterable[int] | None = None) -> int:
    """Create today's tasks of every active plan in force (or of the given units' plans); returns how many were
    written (tasks that existed already are not written again)."""
    upcoming = holidays.holidays_starting_between(
        today + timedelta(days=1), today + timedelta(days=PRE_HOLIDAY_LOOKAHEAD_DAYS)
    )
    plans = (
        InvestigationPlan.objects.filter(is_active=True, organization__is_active=True, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("assignee")
        .order_by("pk")
    )
    if units is not None:
        plans = plans.filter(organization_id__in=list(units))
    writer = _Writer()
    assignees = _Assignees(today)
    # Titles are stored data: written in the source language whatever language is active.
    with translation.override(settings.LANGUAGE_CODE):
        for round_plans in _chunks(plans.iterator(chunk_size=PLANS_PER_ROUND), PLANS_PER_ROUND):
            _generate_round(round_plans, today, upcoming, writer, assignees)
        writer.flush()
    return writer.written


def _generate_round(plans, today, upcoming, writer: _Writer, assignees: _Assignees) -> None:
    planned = [(plan, periods_of(plan, today, upcoming)) for plan in plans]
    planned = [(plan, periods) for plan, periods in planned if periods]
    if not planned:
        return
    assignees.prefetch(plan for plan, _periods in planned)
    per_equipment = [(plan, periods) for plan, periods in planned if plan.cycle == Cycle.DAILY]
    per_unit = [(plan, periods) for plan, periods in planned if plan.cycle != Cycle.DAILY]
    _generate_unit_tasks(per_unit, writer, assignees)
    _generate_equipment_tasks(per_equipment, writer, assignees)


def _generate_unit_tasks(planned, writer: _Writer, assignees: _Assignees) -> None:
    if not planned:
        return
    plan_ids = [plan.pk for plan, _periods in planned]
    starts = {period.start for _plan, periods in planned for period in periods}
    existing = set(
        InvestigationTask.objects.filter(
            plan_id__in=plan_ids, equipment__isnull=True, period_start__in=starts
        ).values_list("plan_id", "period_start")
    )
    # The weekly sweep and monthly meeting serve the equipment in use: a unit whose equipment is all suspended or
    # scrapped gets none until it uses equipment again.
    duty_units = {plan.organization_id for plan, _periods in planned if is_duty_cycle_plan(plan)}
    units_in_use = set(
        Equipment.objects.filter(_in_use_equipment(), organization_id__in=duty_units)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    for plan, periods in planned:
        if is_duty_cycle_plan(plan) and plan.organization_id not in units_in_use:
            continue
        for period in periods:
            if (plan.pk, period.start) in existing:
                continue
            writer.add(
                InvestigationTask(
                    organization_id=plan.organization_id,
                    region_id=plan.region_id,
                    plan=plan,
                    kind=plan.kind,
                    title=_title(plan, period),
                    period_start=period.start,
                    due_on=period.due_on,
                    assignee_role=plan.assignee_role,
                    assignee_id=assignees.for_plan(plan),
                )
            )


# The daily tasks of a round in one statement: the equipment in use of the round's units joined to the rows the
# scheduler decided in Python, one per plan, catalog code and period (who the task goes to depends on the category, so
# it is chosen once per category, not per equipment). A task that exists is skipped, by NOT EXISTS and, against a
# concurrent run, by the unique constraint.
_EQUIPMENT_TASKS_INSERT = """
    {insert} INTO hazards_investigationtask (version, organization_id, region_code, plan_id, kind, title, equipment_id,
        period_start, due_on, assignee_role, assignee_id, status, completed_at, completed_by_id, note, decisions,
        attendees, created_at)
    WITH planned (plan_id, unit_id, category, assignee_id, title, period_start, due_on) AS (VALUES {values})
    SELECT 1, e.organization_id, e.region_code, p.id, p.kind,
           SUBSTR(CASE WHEN e.name = '' THEN planned.title ELSE planned.title || ' ' || e.name END, 1, 200), e.id,
           planned.period_start, planned.due_on, p.assignee_role, CAST(planned.assignee_id AS INTEGER), %s, NULL,
           NULL, '', '', '', %s
    FROM planned
    JOIN hazards_investigationplan p ON p.id = planned.plan_id
    JOIN equipment_equipment e ON e.organization_id = planned.unit_id AND e.category_code = planned.category
    WHERE e.status = %s
      AND NOT EXISTS (
          SELECT 1 FROM hazards_investigationtask t
          WHERE t.plan_id = p.id AND t.equipment_id = e.id AND t.period_start = planned.period_start
      )
    {on_conflict}
"""


def _generate_equipment_tasks(planned, writer: _Writer, assignees: _Assignees) -> None:
    if not planned:
        return
    categories_by_unit: dict[int, list[str]] = defaultdict(list)
    for unit_id, category in (
        Equipment.objects.filter(_in_use_equipment(), organization_id__in={plan.organization_id for plan, _ in planned})
        .values_list("organization_id", "category_id")
        .distinct()
        .order_by("organization_id", "category_id")
    ):
        categories_by_unit[unit_id].append(category)
    rows = []
    for plan, periods in planned:
        for category in categories_by_unit[plan.organization_id]:
            if not prefix_covers(plan.catalog_prefix, category):
                continue
            assignee = assignees.for_plan(plan, category)
            rows += [
                (plan.pk, plan.organization_id, category, assignee, _title(plan, period), period.start, period.due_on)
                for period in periods
            ]
    if not rows:
        return
    postgresql = connection.vendor == "postgresql"
    now = timezone.now()
    # Chunks of BATCH_SIZE rows: seven parameters a row stays far below SQLite's limit on bound parameters.
    for chunk in _chunks(rows, BATCH_SIZE):
        sql = _EQUIPMENT_TASKS_INSERT.format(
            insert="INSERT" if postgresql else "INSERT OR IGNORE",
            values=", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk)),
            on_conflict="ON CONFLICT DO NOTHING" if postgresql else "",
        )
        params = [value for row in chunk for value in row]
        params += [TaskStatus.PENDING, now, EquipmentStatus.IN_USE]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            writer.written += cursor.rowcount


def mark_overdue(today: date, units: Iterable[int] | None = None) -> int:
    """Pending tasks past their due date become overdue, in one UPDATE; returns how many.

    The version is left alone: overdue is the calendar's doing, not an edit, and a person about to submit the
    task's results must not be told that someone changed it."""
    tasks = InvestigationTask.objects.filter(status=TaskStatus.PENDING, due_on__lt=today)
    if units is not None:
        tasks = tasks.filter(organization_id__in=list(units))
    return tasks.update(status=TaskStatus.OVERDUE)


def run_duty_cycle(today: date, units: Iterable[int] | None = None) -> dict[str, int]:
    """The hourly run: plans where missing, today's tasks, and what fell overdue."""
    units = list(units) if units is not None else None
    return {
        "plans_created": ensure_duty_cycle_plans(today, units),
        "tasks_created": generate_tasks(today, units),
        "tasks_overdue": mark_overdue(today, units),
    }
