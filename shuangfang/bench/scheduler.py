"""Benchmark 3: the daily run of the scheduled jobs over the whole database, in the order of the day — the duty cycle
(plans, today's tasks, overdue), the compliance refresh (06:30), the drill reminders (06:45), the reminders and the
hazard-deadline escalation (07:00) — then the same day again, which must create and change nothing.

The run is made for the day after the data's last daily task (so that it has tasks to make) inside one transaction
that is rolled back at the end: the database is left as it was, and the benchmark can be run again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.urls import get_resolver
from django.utils import translation

from shuangfang.hazards import scheduling
from shuangfang.hazards.choices import OPEN_STATUSES
from shuangfang.notifications import reminders
from shuangfang.safety import compliance
from shuangfang.safety.tasks import remind_drills_due

from .framework import BenchContext, Measurement, explain, stopwatch

# It writes (or rolls back what it wrote): the suite vacuums after it.
WRITES = True
TITLE = "Daily scheduler run (duty cycle, compliance refresh, reminders, escalation)"
BENCHMARK = "3 daily scheduler"
TARGET_SECONDS = 600
TARGET = "whole run ≤ 10 min at 1 M equipment / 150 k units"
PROVINCE_UNITS = 150_000
PROVINCE_EQUIPMENT = 1_000_000

# The tables whose rows the jobs create or change; the second run of the day must leave every count as it was.
WATCHED = {
    "plans": "SELECT count(*) FROM hazards_investigationplan",
    "tasks": "SELECT count(*) FROM hazards_investigationtask",
    "overdue tasks": "SELECT count(*) FROM hazards_investigationtask WHERE status = 'overdue'",
    "open gaps": "SELECT count(*) FROM safety_compliancegap WHERE closed_at IS NULL",
    "gaps": "SELECT count(*) FROM safety_compliancegap",
    "hazards": "SELECT count(*) FROM hazards_hazard",
    "escalation steps": "SELECT coalesce(sum(escalation_step), 0) FROM hazards_hazard",
    "notifications": "SELECT count(*) FROM notifications_notification",
    "events": "SELECT count(*) FROM core_event",
}


def _scalar(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _counts() -> dict[str, int]:
    return {name: _scalar(sql) for name, sql in WATCHED.items()}


def _run_day() -> date:
    """The day after the last daily task's: a day whose tasks do not exist yet."""
    last = _scalar("SELECT max(period_start) FROM hazards_investigationtask WHERE kind = 'daily'")
    return (last or date.today()) + timedelta(days=1)


def _jobs(today: date) -> list[tuple[str, str, Callable[[], object]]]:
    """(name, what its cost grows with, call) in the order of the day."""

    def stored_language(function):
        def call():
            with translation.override(settings.LANGUAGE_CODE):
                return function(today)

        return call

    return [
        ("duty-cycle plans", "units", lambda: scheduling.ensure_duty_cycle_plans(today)),
        ("task generation", "equipment", lambda: scheduling.generate_tasks(today)),
        ("overdue marking", "tasks", lambda: scheduling.mark_overdue(today)),
        ("compliance refresh", "units", lambda: compliance.refresh_all(today)),
        ("drill reminders", "units", lambda: remind_drills_due(today)),
        ("task-due reminders", "equipment", stored_language(reminders.remind_tasks_due)),
        ("hazard escalation", "hazards", stored_language(reminders.escalate_hazard_deadlines)),
        ("unconfirmed reports", "hazards", stored_language(reminders.remind_unconfirmed_public_reports)),
        ("inspections due", "equipment", stored_language(reminders.remind_inspections_due)),
        ("inspections overdue", "equipment", stored_language(reminders.remind_inspections_overdue)),
        ("certificates expiring", "units", stored_language(reminders.remind_certificates_expiring)),
    ]


def _touched(result: object) -> int:
    if isinstance(result, int):
        return result
    if isinstance(result, dict):
        return sum(value for key, value in result.items() if key != "units" and isinstance(value, int))
    return 0


def _run_all(today: date, report) -> list[tuple[str, str, float, int]]:
    rows = []
    for name, grows_with, call in _jobs(today):
        with stopwatch() as elapsed:
            result = call()
        rows.append((name, grows_with, elapsed[0], _touched(result)))
        report(f"  {name:<22} {elapsed[0]:8.2f} s  {_touched(result):>9,} rows  {result}")
    return rows


# -- the lower bounds: the set-based core of each job in raw SQL -----------------------------------------------------

DAILY_TASKS_SELECT = """
    SELECT e.organization_id, e.region_code, p.id, p.kind, 'daily ' || %s || ' ' || e.name, e.id, %s, %s,
           p.assignee_role
    FROM hazards_investigationplan p
    JOIN orgs_organization o ON o.id = p.organization_id AND o.is_active
    JOIN equipment_equipment e ON e.organization_id = p.organization_id AND e.status = 'in_use'
    WHERE p.is_active AND p.cycle = 'daily' AND p.starts_on <= %s AND (p.ends_on IS NULL OR p.ends_on >= %s)
      AND e.category_code LIKE rtrim(p.catalog_prefix, '0') || '%%'
"""
DAILY_TASKS_INSERT = (
    "INSERT INTO bench_scheduler_tasks (organization_id, region_code, plan_id, kind, title, equipment_id, period_start,"
    " due_on, assignee_role)" + DAILY_TASKS_SELECT
)

# The grouped reads a set-based compliance refresh makes for all units at once: the facts per unit and category, the
# appointments, certificates, documents, drills, plans and trainings of every unit, and the open gaps.
COMPLIANCE_READS = [
    "SELECT organization_id, category_code, count(*), count(*) FILTER (WHERE crowded_place) FROM equipment_equipment "
    "WHERE status = 'in_use' GROUP BY 1, 2",
    "SELECT organization_id, role, person_id, equipment_categories FROM safety_appointment "
    "WHERE starts_on <= %(today)s AND (ends_on IS NULL OR ends_on >= %(today)s)",
    "SELECT organization_id, holder_id, item_code FROM equipment_operatorcertificate "
    "WHERE holder_id IS NOT NULL AND expires_on >= %(today)s",
    "SELECT organization_id, kind, equipment_category, max(version_no) FROM safety_safetydocument GROUP BY 1, 2, 3",
    "SELECT organization_id, equipment_category, max(held_on) FROM safety_drill GROUP BY 1, 2",
    "SELECT organization_id, equipment_category, review_by FROM safety_emergencyplan WHERE is_current",
    "SELECT organization_id, max(held_on) FROM safety_trainingsession GROUP BY 1",
    "SELECT organization_id, key, message, citation FROM safety_compliancegap WHERE closed_at IS NULL",
]


def _lower_bound_tasks(today: date) -> tuple[float, int]:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_scheduler_tasks AS SELECT * FROM hazards_investigationtask WHERE 1 = 0")
        params = [today.isoformat(), today, today, today, today]
        with stopwatch() as elapsed:
            cursor.execute(DAILY_TASKS_INSERT, params)
        inserted = cursor.rowcount
        cursor.execute("DROP TABLE bench_scheduler_tasks")
    return elapsed[0], inserted


def _lower_bound_compliance(today: date) -> float:
    with connection.cursor() as cursor, stopwatch() as elapsed:
        for sql in COMPLIANCE_READS:
            cursor.execute(sql, {"today": today})
            cursor.fetchall()
    return elapsed[0]


HAZARDS_NEAR_DEADLINE = (
    "SELECT id, organization_id, deadline, grade, escalation_step FROM hazards_hazard WHERE deadline <= %s "  # noqa: S608
    f"AND status IN ({', '.join(['%s'] * len(OPEN_STATUSES))})"
)


def _lower_bound_reminders(today: date) -> float:
    """The reads of the reminders: tasks due today with their assignee, hazards near their deadline, equipment near
    or past its inspection, certificates near expiry — each one indexed scan, no messages made."""
    queries = [
        (
            "SELECT id, organization_id, assignee_id, title FROM hazards_investigationtask WHERE due_on = %s "
            "AND status <> 'done'",
            [today],
        ),
        (
            HAZARDS_NEAR_DEADLINE,
            [today + timedelta(days=3), *OPEN_STATUSES],
        ),
        (
            "SELECT id, organization_id, inspection_due_on FROM equipment_equipment WHERE status = 'in_use' "
            "AND inspection_due_on <= %s",
            [today + timedelta(days=30)],
        ),
        (
            "SELECT id, organization_id, expires_on FROM equipment_operatorcertificate "
            "WHERE expires_on BETWEEN %s AND %s",
            [today, today + timedelta(days=90)],
        ),
    ]
    with connection.cursor() as cursor, stopwatch() as elapsed:
        for sql, params in queries:
            cursor.execute(sql, params)
            cursor.fetchall()
    return elapsed[0]


# -- the benchmark ---------------------------------------------------------------------------------------------------


def _scale() -> tuple[int, int]:
    units = _scalar(
        "SELECT count(*) FROM orgs_organization WHERE is_active AND kind IN ('use_unit', 'filling_station')"
    )
    equipment = _scalar("SELECT count(*) FROM equipment_equipment WHERE status = 'in_use'")
    return units, equipment


def run(context: BenchContext) -> list[Measurement]:
    today = _run_day()
    units, equipment = _scale()
    # The URL patterns load at the first reverse(): once per process, not a cost of the first job that links.
    get_resolver().url_patterns  # noqa: B018
    context.report(f"  run day {today}; {units:,} units owning equipment, {equipment:,} equipment in use")
    with transaction.atomic():
        before = _counts()
        context.report("  first run of the day:")
        first = _run_all(today, context.report)
        after_first = _counts()
        context.report("  the same day again:")
        second = _run_all(today, context.report)
        after_second = _counts()
        task_bound, task_rows = _lower_bound_tasks(today)
        compliance_bound = _lower_bound_compliance(today)
        reminder_bound = _lower_bound_reminders(today)
        plan = explain(DAILY_TASKS_SELECT, [today.isoformat(), today, today, today, today])
        transaction.set_rollback(True)

    changed_by_second = {name: after_second[name] - after_first[name] for name in WATCHED}
    created_by_first = {name: after_first[name] - before[name] for name in WATCHED}
    second_rows = sum(abs(value) for value in changed_by_second.values()) + sum(row[3] for row in second)

    bounds = {"task generation": (task_bound, "INSERT … SELECT"), "compliance refresh": (compliance_bound, "raw SQL")}
    measurements = []
    for name, grows_with, seconds, touched in first:
        bound, label = bounds.get(name, (None, ""))
        if name == "task-due reminders":
            bound, label = reminder_bound, "raw SQL reads (all reminders)"
        per = {"units": (units, "unit"), "equipment": (equipment, "equipment")}.get(grows_with)
        note = f"{touched:,} rows"
        if per:
            note += f"; {seconds / max(per[0], 1) * 1000:.3f} ms per {per[1]}"
        measurements.append(
            Measurement(BENCHMARK, f"{name} (first run)", seconds, "s", bound, label if bound else "—", "—", True, note)
        )
    first_total = sum(row[2] for row in first)
    second_total = sum(row[2] for row in second)
    province = _extrapolate(first, units, equipment)
    lower_total = task_bound + compliance_bound + reminder_bound
    measurements += [
        Measurement(BENCHMARK, "whole first run", first_total, "s", lower_total, "raw SQL cores", "—", True),
        Measurement(BENCHMARK, "whole second run (same day)", second_total, "s", None, "—", "—", True),
        Measurement(
            BENCHMARK,
            "rows created or changed by the second run",
            second_rows,
            "rows",
            None,
            "—",
            "0",
            second_rows == 0,
            ", ".join(f"{name} {value:+,}" for name, value in changed_by_second.items() if value) or "none",
        ),
        Measurement(
            BENCHMARK,
            f"whole run extrapolated to {PROVINCE_EQUIPMENT:,} equipment / {PROVINCE_UNITS:,} units",
            province,
            "s",
            lower_total * PROVINCE_EQUIPMENT / max(equipment, 1),
            "raw SQL cores, scaled",
            TARGET,
            province <= TARGET_SECONDS,
            "each job scaled by what its cost grows with (units or equipment; tasks and hazards as equipment)",
        ),
    ]
    context.add_section(
        "3 daily scheduler: rows",
        "Created by the first run: "
        + ", ".join(f"{name} {value:+,}" for name, value in created_by_first.items())
        + f".\n\nRaw SQL lower bound of task generation: {task_rows:,} daily task rows in {task_bound:.2f} s."
        + "\n\nPer job (first run / second run, seconds):\n\n"
        + "\n".join(
            f"- {a[0]}: {a[2]:.2f} / {b[2]:.2f} ({a[3]:,} / {b[3]:,} rows)" for a, b in zip(first, second, strict=True)
        ),
    )
    context.add_section(
        "3 daily scheduler: what stays linear",
        LINEAR_NOTES.format(
            per_unit=_per(first, "compliance refresh", units), per_equipment=_per(first, "task generation", equipment)
        ),
    )
    if plan:
        context.add_section("3 daily scheduler: EXPLAIN of the daily tasks' INSERT … SELECT", f"```\n{plan}\n```")
    return measurements


LINEAR_NOTES = """\
- Task generation: one INSERT … SELECT per round of 100 plans joins the equipment in use to the rows decided in
  Python (one per plan, catalog code and period: who the task goes to depends on the category); Python does per unit
  and category, not per equipment. Measured {per_equipment} ms per equipment in use.
- Compliance refresh: the files of 500 units are read in about fifteen queries; the rule check (compliance.findings)
  stays in Python per unit, and only a unit whose gaps changed is written (one transaction each, a system hazard per new
  operator gap). Measured {per_unit} ms per unit. The first run over units never refreshed writes every gap and is
  much slower (a one-off catch-up).
- Reminders: a message object per reminder sent (tasks due today with someone to tell, hazards at a step, equipment
  due or overdue, certificates); the existence check of their keys asks the (user, key) index in batches of 500. The
  task-due reminder is one message per task due today whose assignee or role holder is an active user: where every
  daily task has one, that is a message per equipment in use every day, and this job grows with the equipment.
- Escalation: one UPDATE per step and deadline; one event per hazard advanced (the audit chain).
"""


def _per(rows, name: str, count: int) -> str:
    seconds = next((row[2] for row in rows if row[0] == name), 0.0)
    return f"{seconds / max(count, 1) * 1000:.3f}"


def _extrapolate(rows, units: int, equipment: int) -> float:
    total = 0.0
    for _name, grows_with, seconds, _touched in rows:
        if grows_with == "units":
            total += seconds * PROVINCE_UNITS / max(units, 1)
        else:
            total += seconds * PROVINCE_EQUIPMENT / max(equipment, 1)
    return total
