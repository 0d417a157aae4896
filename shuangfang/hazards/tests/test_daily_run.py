"""The whole daily run of the scheduled jobs over the demo data: run twice on the same day, the second run creates and
changes nothing; the compliance refresh that reads units in batches finds what the one-unit reading finds."""

from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command
from django.db.models import Sum
from django.test import TestCase

from shuangfang.core.models import Event
from shuangfang.hazards.models import Hazard, InvestigationPlan, InvestigationTask
from shuangfang.hazards.scheduling import run_duty_cycle
from shuangfang.notifications.models import Notification
from shuangfang.notifications.reminders import send_reminders
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization
from shuangfang.safety import compliance
from shuangfang.safety.models import ComplianceGap
from shuangfang.safety.tasks import remind_drills_due

DEMO_DAY = date(2026, 11, 15)
# The day after the demo's: the scheduler has daily tasks to make, and deadlines and inspections have moved on.
RUN_DAY = DEMO_DAY + timedelta(days=1)


def daily_run(today: date) -> dict[str, object]:
    """The jobs of a day in their order: the duty cycle, the compliance refresh, the drill reminders, the reminders
    and the hazard-deadline escalation."""
    return {
        "duty_cycle": run_duty_cycle(today),
        "compliance": compliance.refresh_all(today),
        "drills": remind_drills_due(today),
        "reminders": send_reminders(today),
    }


def state() -> dict[str, object]:
    return {
        "plans": InvestigationPlan.objects.count(),
        "tasks": sorted(InvestigationTask.objects.values_list("pk", "status", "assignee_id", "title")),
        "gaps": sorted(ComplianceGap.objects.values_list("pk", "key", "closed_at", "message", "hazard_id")),
        "hazards": Hazard.objects.count(),
        "escalation": Hazard.objects.aggregate(steps=Sum("escalation_step"))["steps"],
        "notifications": Notification.objects.count(),
        "events": Event.objects.count(),
    }


class DailyRunTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("demo", "--scale=0.05", f"--today={DEMO_DAY}", stdout=StringIO())

    def test_the_second_run_of_a_day_creates_and_changes_nothing(self):
        first = daily_run(RUN_DAY)
        self.assertGreater(first["duty_cycle"]["tasks_created"], 0)
        before = state()
        second = daily_run(RUN_DAY)
        self.assertEqual(state(), before)
        self.assertEqual(second["duty_cycle"], {"plans_created": 0, "tasks_created": 0, "tasks_overdue": 0})
        self.assertEqual((second["compliance"]["opened"], second["compliance"]["closed"]), (0, 0))
        self.assertEqual(second["drills"], 0)
        self.assertEqual(sum(second["reminders"].values()), 0)

    def test_the_daily_tasks_are_those_of_each_unit_s_equipment_in_use(self):
        run_duty_cycle(RUN_DAY)
        daily = InvestigationTask.objects.filter(kind="daily", period_start=RUN_DAY)
        self.assertTrue(daily.exists())
        for task in daily.select_related("equipment", "plan")[:200]:
            self.assertEqual(task.equipment.organization_id, task.organization_id)
            self.assertEqual(task.region_id, task.equipment.region_id)
            self.assertEqual(task.status, "pending")
            self.assertEqual((task.due_on, task.assignee_role), (RUN_DAY, task.plan.assignee_role))
            self.assertTrue(task.title.endswith(task.equipment.name), task.title)
        self.assertEqual(
            daily.count(), daily.values("plan_id", "equipment_id").distinct().count(), "one task per equipment"
        )

    def test_the_batched_refresh_finds_what_each_unit_s_own_reading_finds(self):
        compliance.refresh_all(RUN_DAY)
        units = Organization.objects.filter(is_active=True, kind__in=EQUIPMENT_OWNING_KINDS)
        self.assertTrue(units.exists())
        files = compliance.load_files(list(units), RUN_DAY)
        for unit in units:
            alone = compliance.findings(unit, RUN_DAY)
            self.assertEqual(compliance.findings(unit, RUN_DAY, files[unit.pk]), alone, unit)
            open_keys = set(
                ComplianceGap.objects.filter(organization=unit, closed_at__isnull=True).values_list("key", flat=True)
            )
            self.assertEqual(open_keys, {finding.key for finding in alone}, unit)
