"""The investigation scheduler: the Order 74 plans of every unit using equipment, and the tasks of each day, week,
month, quarter and holiday, run day by day through a month with a statutory holiday and adjusted working days.

2026 around National Day (国办发明电〔2025〕7号, as carried by chinese_calendar): Mid-autumn 09-25..09-27 off,
National Day 10-01..10-07 off, Sunday 09-20 and Saturday 10-10 worked instead.
"""

from datetime import date, datetime, timedelta

import time_machine
from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext

from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment, make_organization, make_user
from shuangfang.hazards import holidays
from shuangfang.hazards.investigation import do_create_plan
from shuangfang.hazards.models import InvestigationPlan, InvestigationTask
from shuangfang.hazards.scheduling import (
    ensure_duty_cycle_plans,
    generate_tasks,
    mark_overdue,
    run_duty_cycle,
)
from shuangfang.hazards.tasks import run_investigation_duty_cycle

FIRST, LAST = date(2026, 9, 14), date(2026, 10, 31)
# The days off of FIRST..LAST: weekends, Mid-autumn and National Day, but not the adjusted working days.
DAYS_OFF = {
    date(2026, 9, 19),
    date(2026, 9, 25),
    date(2026, 9, 26),
    date(2026, 9, 27),
    *(date(2026, 10, day) for day in range(1, 8)),
    date(2026, 10, 11),
    date(2026, 10, 17),
    date(2026, 10, 18),
    date(2026, 10, 24),
    date(2026, 10, 25),
    date(2026, 10, 31),
}


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class HolidayTests(SimpleTestCase):
    def test_working_days_follow_the_state_council_arrangement(self):
        self.assertTrue(holidays.is_working_day(date(2026, 9, 20)))  # Sunday worked instead
        self.assertTrue(holidays.is_working_day(date(2026, 10, 10)))  # Saturday worked instead
        self.assertFalse(holidays.is_working_day(date(2026, 10, 1)))
        self.assertFalse(holidays.is_working_day(date(2026, 9, 25)))  # a Friday, Mid-autumn
        self.assertFalse(holidays.is_working_day(date(2026, 10, 17)))  # a plain Saturday
        self.assertEqual([d for d in days(FIRST, LAST) if not holidays.is_working_day(d)], sorted(DAYS_OFF))

    def test_holidays_starting_in_a_window_with_their_first_day_and_name(self):
        self.assertEqual(
            holidays.holidays_starting_between(date(2026, 9, 18), date(2026, 10, 8)),
            [
                holidays.StatutoryHoliday(date(2026, 9, 25), "中秋节"),
                holidays.StatutoryHoliday(date(2026, 10, 1), "国庆节"),
            ],
        )
        # A break that began before the window does not begin in it.
        self.assertEqual(holidays.holidays_starting_between(date(2026, 10, 2), date(2026, 10, 9)), [])
        # Two holidays run together are one break (2023: Mid-autumn 09-29, National Day from 09-30).
        self.assertEqual(
            holidays.holidays_starting_between(date(2023, 9, 25), date(2023, 10, 5)),
            [holidays.StatutoryHoliday(date(2023, 9, 29), "中秋节、国庆节")],
        )
        # A plain weekend is no holiday.
        self.assertEqual(holidays.holidays_starting_between(date(2026, 10, 12), date(2026, 10, 26)), [])

    def test_last_working_day_before_a_holiday(self):
        self.assertEqual(holidays.last_working_day_before(date(2026, 10, 1)), date(2026, 9, 30))
        self.assertEqual(holidays.last_working_day_before(date(2026, 9, 25)), date(2026, 9, 24))
        self.assertEqual(holidays.last_working_day_before(date(2026, 10, 12)), date(2026, 10, 10))

    def test_a_year_the_package_does_not_carry_falls_back_to_the_plain_week(self):
        later = date(2040, 1, 1)  # a Sunday
        self.assertFalse(holidays.is_covered(later))
        self.assertTrue(holidays.is_covered(date(2026, 1, 1)))
        self.assertFalse(holidays.is_working_day(later))
        self.assertTrue(holidays.is_working_day(date(2040, 1, 2)))  # a Monday: New Year's Day unknown, so worked
        self.assertEqual(holidays.holidays_starting_between(date(2039, 12, 25), date(2040, 2, 28)), [])
        self.assertEqual(holidays.last_working_day_before(date(2040, 1, 2)), date(2039, 12, 30))


class DutyCyclePlanTests(CastTestCase):
    def test_every_unit_using_equipment_gets_its_three_plans_once(self):
        no_equipment = make_organization("丁单位", "use_unit", self.ZEZHOU, seed=40)
        scrapped_only = make_organization("戊单位", "use_unit", self.ZEZHOU, seed=41)
        make_equipment(scrapped_only, "31101401012020E0001", status="scrapped")
        closed = make_organization("己单位", "use_unit", self.ZEZHOU, seed=42)
        closed.is_active = False
        closed.save()
        make_equipment(closed, "31101401012020F0001")
        station = make_organization("庚充装站", "filling_station", self.ZEZHOU, seed=43)
        make_equipment(station, "23101401012020G0001", category="2310")

        created = ensure_duty_cycle_plans(FIRST)

        units = {self.unit_a.pk, self.unit_b.pk, self.unit_c.pk, station.pk}
        self.assertEqual(created, 12)
        plans = InvestigationPlan.objects.all()
        self.assertEqual({plan.organization_id for plan in plans}, units)
        self.assertNotIn(no_equipment.pk, {plan.organization_id for plan in plans})
        by_kind = {plan.kind: plan for plan in plans.filter(organization=self.unit_a)}
        self.assertEqual(
            {kind: (plan.cycle, plan.assignee_role) for kind, plan in by_kind.items()},
            {
                "daily": ("daily", "safety_officer"),
                "weekly": ("weekly", "safety_director"),
                "monthly": ("monthly", "principal"),
            },
        )
        self.assertEqual(by_kind["daily"].title, "日管控：每日安全检查")
        self.assertTrue(all(plan.starts_on == FIRST and plan.region_id == self.ZEZHOU for plan in by_kind.values()))
        self.assertEqual(Event.objects.filter(type="investigation_plan.created").count(), 12)

        self.assertEqual(ensure_duty_cycle_plans(FIRST + timedelta(days=1)), 0)
        self.assertEqual(InvestigationPlan.objects.count(), 12)

    def test_the_duty_cycle_runs_hourly_in_the_background(self):
        from huey.contrib.djhuey import HUEY

        task_class = run_investigation_duty_cycle.task_class
        self.assertIn(task_class.__name__, {task.name for task in HUEY._registry.periodic_tasks})
        task = task_class()
        self.assertTrue(all(task.validate_datetime(datetime(2026, 10, 12, hour, 5)) for hour in range(24)))
        self.assertFalse(task.validate_datetime(datetime(2026, 10, 12, 10, 6)))

    def test_a_missing_plan_is_made_again_and_the_others_are_left_alone(self):
        ensure_duty_cycle_plans(FIRST)
        InvestigationPlan.objects.filter(organization=self.unit_a, kind="weekly").delete()
        self.assertEqual(ensure_duty_cycle_plans(FIRST), 1)
        self.assertEqual(InvestigationPlan.objects.filter(organization=self.unit_a).count(), 3)


class MonthOfSchedulingTests(CastTestCase):
    """unit A: its Order 74 plans, an elevator check on working days only, a pre-holiday check, a quarterly
    comprehensive check and a one-off check; day by day from FIRST to LAST, each day run twice."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.crane_a = make_equipment(cls.unit_a, "41101401012020A0002", category="4110")
        cls.scrapped_a = make_equipment(cls.unit_a, "31101401012020A0003", status="scrapped")
        with time_machine.travel(date(2026, 9, 1), tick=False):
            plan = {"assignee_role": "safety_officer", "starts_on": FIRST}
            cls.working_days = do_create_plan(
                actor=cls.principal,
                data={
                    **plan,
                    "kind": "daily",
                    "cycle": "daily",
                    "work_days": "working_days",
                    "catalog_prefix": "3000",
                    "title": "电梯工作日检查",
                },
            )
            cls.pre_holiday = do_create_plan(
                actor=cls.principal,
                data={**plan, "kind": "pre_holiday", "cycle": "before_holiday", "title": "节前检查"},
            )
            cls.quarterly = do_create_plan(
                actor=cls.principal,
                data={**plan, "kind": "comprehensive", "cycle": "quarterly", "title": "季度综合检查"},
            )
            cls.once = do_create_plan(
                actor=cls.principal,
                data={
                    **plan,
                    "kind": "restart",
                    "cycle": "once",
                    "title": "节后复工检查",
                    "starts_on": date(2026, 10, 8),
                    "due_on": date(2026, 10, 9),
                },
            )
            cls.short = do_create_plan(
                actor=cls.principal,
                data={
                    **plan,
                    "kind": "specialist",
                    "cycle": "weekly",
                    "title": "起重机械专项检查",
                    "catalog_prefix": "4000",
                    "starts_on": date(2026, 10, 14),
                    "ends_on": date(2026, 10, 20),
                },
            )
        cls.runs = {}
        for day in days(FIRST, LAST):
            with time_machine.travel(f"{day.isoformat()} 08:05 +0800", tick=False):
                first = run_investigation_duty_cycle.call_local()
                second = run_investigation_duty_cycle.call_local()
            cls.runs[day] = (first, second)

    def tasks(self, plan, **filters):
        return InvestigationTask.objects.filter(plan=plan, **filters).order_by("period_start", "equipment_id")

    def duty_plan(self, kind, unit=None):
        return InvestigationPlan.objects.get(organization=unit or self.unit_a, kind=kind, catalog_prefix="")

    def test_the_second_run_of_each_day_creates_nothing(self):
        for day, (first, second) in self.runs.items():
            with self.subTest(day=day):
                self.assertEqual(second["plans_created"], 0)
                self.assertEqual(second["tasks_created"], 0)
                self.assertGreater(first["tasks_created"], 0)
        self.assertEqual(self.runs[FIRST][0]["plans_created"], 9)
        before = InvestigationTask.objects.count()
        self.assertEqual(run_duty_cycle(LAST)["tasks_created"], 0)
        self.assertEqual(generate_tasks(date(2026, 10, 20)), 0)  # an earlier day again: still nothing twice
        self.assertEqual(InvestigationTask.objects.count(), before)

    def test_the_daily_check_is_one_task_per_in_use_equipment_every_day(self):
        daily = self.duty_plan("daily")
        for equipment in (self.equipment_a, self.crane_a):
            tasks = self.tasks(daily, equipment=equipment)
            self.assertEqual([task.period_start for task in tasks], days(FIRST, LAST))
            self.assertTrue(all(task.due_on == task.period_start for task in tasks))
        self.assertFalse(InvestigationTask.objects.filter(equipment=self.scrapped_a).exists())
        # Every unit's own equipment under its own plan, and the task where the equipment is.
        for unit, equipment in ((self.unit_b, self.equipment_b), (self.unit_c, self.equipment_c)):
            tasks = self.tasks(self.duty_plan("daily", unit))
            self.assertEqual({task.equipment_id for task in tasks}, {equipment.pk})
            self.assertEqual(tasks.count(), len(days(FIRST, LAST)))
            self.assertEqual({task.region_id for task in tasks}, {equipment.region_id})
        task = self.tasks(daily, equipment=self.equipment_a, period_start=date(2026, 10, 10)).get()
        self.assertEqual(task.title, f"日管控（日常排查） 2026-10-10 {self.equipment_a.name}")
        self.assertEqual(task.assignee, self.owner)  # unit A's safety officer
        self.assertEqual(
            (task.kind, task.assignee_role, task.organization_id), ("daily", "safety_officer", self.unit_a.pk)
        )

    def test_a_working_days_plan_skips_holidays_and_weekends_and_keeps_adjusted_working_days(self):
        tasks = self.tasks(self.working_days)
        self.assertEqual({task.equipment_id for task in tasks}, {self.equipment_a.pk})  # elevators only
        dates = [task.period_start for task in tasks]
        self.assertEqual(dates, [day for day in days(FIRST, LAST) if day not in DAYS_OFF])
        self.assertIn(date(2026, 9, 20), dates)
        self.assertIn(date(2026, 10, 10), dates)
        self.assertNotIn(date(2026, 10, 1), dates)
        self.assertNotIn(date(2026, 9, 25), dates)

    def test_the_weekly_sweep_runs_monday_to_sunday(self):
        tasks = self.tasks(self.duty_plan("weekly"))
        mondays = [date(2026, 9, 14) + timedelta(weeks=n) for n in range(7)]
        self.assertEqual([task.period_start for task in tasks], mondays)
        self.assertEqual([task.due_on for task in tasks], [monday + timedelta(days=6) for monday in mondays])
        self.assertTrue(all(task.equipment_id is None for task in tasks))
        # Unit A has no safety director: the task waits for whoever holds the role.
        self.assertTrue(all(task.assignee_id is None and task.assignee_role == "safety_director" for task in tasks))
        self.assertEqual(tasks[0].title, "周排查 2026-09-14至2026-09-20")

    def test_the_monthly_meeting_is_due_on_the_last_day_of_the_month(self):
        tasks = self.tasks(self.duty_plan("monthly"))
        self.assertEqual(
            [(task.period_start, task.due_on) for task in tasks],
            [(date(2026, 9, 1), date(2026, 9, 30)), (date(2026, 10, 1), date(2026, 10, 31))],
        )
        self.assertEqual({task.assignee_id for task in tasks}, {self.principal.pk})
        self.assertEqual(tasks[1].title, "月调度 2026年10月")

    def test_the_pre_holiday_check_is_made_a_week_ahead_and_due_on_the_last_working_day(self):
        tasks = self.tasks(self.pre_holiday)
        self.assertEqual(
            [(task.period_start, task.due_on) for task in tasks],
            [(date(2026, 9, 25), date(2026, 9, 24)), (date(2026, 10, 1), date(2026, 9, 30))],
        )
        self.assertIn("中秋节", tasks[0].title)
        self.assertIn("国庆节", tasks[1].title)
        # Made seven days before each holiday began.
        self.assertEqual(tasks[0].created_at.date(), date(2026, 9, 18))
        self.assertEqual(tasks[1].created_at.date(), date(2026, 9, 24))

    def test_quarterly_one_off_and_bounded_plans(self):
        self.assertEqual(
            [(task.period_start, task.due_on) for task in self.tasks(self.quarterly)],
            [(date(2026, 7, 1), date(2026, 9, 30)), (date(2026, 10, 1), date(2026, 12, 31))],
        )
        once = self.tasks(self.once).get()
        self.assertEqual((once.period_start, once.due_on), (date(2026, 10, 8), date(2026, 10, 9)))
        self.assertEqual(once.created_at.date(), date(2026, 10, 8))
        # From 10-14 to 10-20: the weeks of 10-12 and 10-19, and none after the plan ended.
        self.assertEqual(
            [task.period_start for task in self.tasks(self.short)], [date(2026, 10, 12), date(2026, 10, 19)]
        )

    def test_tasks_past_their_due_date_are_overdue(self):
        pending = InvestigationTask.objects.filter(status="pending")
        self.assertTrue(all(task.due_on >= LAST for task in pending))
        overdue = InvestigationTask.objects.filter(status="overdue")
        self.assertTrue(overdue.exists())
        self.assertTrue(all(task.due_on < LAST for task in overdue))
        self.assertEqual(
            set(pending.filter(plan=self.duty_plan("daily")).values_list("period_start", flat=True)), {LAST}
        )
        self.assertEqual(overdue.filter(version__gt=1).count(), 0)  # overdue is no edit
        self.assertEqual(mark_overdue(LAST), 0)
        due_last = pending.filter(due_on=LAST).count()
        self.assertGreater(due_last, 0)
        self.assertEqual(mark_overdue(LAST + timedelta(days=1)), due_last)


class SchedulerCostTests(CastTestCase):
    def test_the_queries_of_a_run_do_not_grow_with_the_equipment(self):
        ensure_duty_cycle_plans(FIRST)
        day = date(2026, 10, 12)
        for number in range(3):
            make_equipment(self.unit_a, f"3110140101202000{number:03d}")
        with CaptureQueriesContext(connection) as few:
            created_few = generate_tasks(day)
        InvestigationTask.objects.all().delete()
        for number in range(3, 40):
            make_equipment(self.unit_a, f"3110140101202000{number:03d}")
        with CaptureQueriesContext(connection) as many:
            created_many = generate_tasks(day)
        self.assertEqual(created_many - created_few, 37)
        self.assertEqual(len(many), len(few))

    def test_an_assignee_who_left_the_unit_is_replaced_by_a_holder_of_the_role(self):
        ensure_duty_cycle_plans(FIRST)
        director = make_user("director_a", self.unit_a, "safety_director")
        leaver = make_user("leaver_a", self.unit_a, "safety_director")
        weekly = InvestigationPlan.objects.get(organization=self.unit_a, kind="weekly")
        weekly.assignee = leaver
        weekly.save()
        leaver.is_active = False
        leaver.save()
        generate_tasks(FIRST)
        self.assertEqual(InvestigationTask.objects.get(plan=weekly).assignee, director)
