"""The daily reminders: each kind reaches the right people once, and never again on a second run or the days after."""

from datetime import date, datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuangfang.core.testing import make_organization, make_user
from shuangfang.notifications import recipients, reminders
from shuangfang.notifications.models import Notification
from shuangfang.notifications.tasks import daily_at, daily_digest, daily_reminders

from .helpers import NotificationCast, at

TODAY = date(2026, 3, 2)  # far from the cast's equipment due dates (2026-12-31)


class TaskReminderTests(NotificationCast):
    def test_a_task_due_today_reminds_its_assignee_once(self):
        task = self.task(due_on=TODAY, assignee=self.member)
        sent = self.run_day(TODAY)
        self.assertEqual(sent[reminders.KIND_TASK_DUE], 1)
        notification = Notification.objects.get(user=self.member, key=f"task:{task.pk}:due")
        self.assertEqual(notification.kind, "task.due")
        self.assertIn(task.title, notification.title)
        self.assertEqual(notification.link, f"/hazards/tasks/{task.pk}/")
        self.assertEqual(Notification.objects.filter(key=f"task:{task.pk}:due").count(), 1)
        # The next days: it is no longer due today, and was reminded already.
        self.run_day(TODAY + timedelta(days=1))
        self.assertEqual(Notification.objects.filter(key=f"task:{task.pk}:due").count(), 1)

    def test_an_unassigned_task_reminds_the_holders_of_its_role_in_its_unit(self):
        task = self.task(due_on=TODAY, assignee_role="safety_officer")
        self.run_day(TODAY)
        key = f"task:{task.pk}:due"
        self.assertEqual(set(Notification.objects.filter(key=key).values_list("user__username", flat=True)), {"owner"})

    def test_done_tasks_and_tasks_due_later_are_not_reminded_until_due(self):
        done = self.task(due_on=TODAY, assignee=self.member, status="done")
        tomorrow = self.task(due_on=TODAY + timedelta(days=1), assignee=self.member)
        self.run_day(TODAY)
        self.assertEqual(self.keys_of(self.member), set())
        self.run_day(TODAY + timedelta(days=1))
        self.assertEqual(self.keys_of(self.member), {f"task:{tomorrow.pk}:due"})
        self.assertNotIn(f"task:{done.pk}:due", self.keys_of(self.member))

    def test_an_overdue_task_is_reminded_on_its_due_day(self):
        task = self.task(due_on=TODAY, assignee=self.member, status="overdue")
        self.run_day(TODAY)
        self.assertEqual(self.keys_of(self.member), {f"task:{task.pk}:due"})

    def test_several_tasks_due_today_make_one_message_naming_their_count(self):
        tasks = [self.task(due_on=TODAY, assignee=self.member) for _ in range(3)]
        sent = self.run_day(TODAY)
        self.assertEqual(sent[reminders.KIND_TASK_DUE], 1)
        notification = Notification.objects.get(user=self.member)
        self.assertEqual(notification.kind, "task.due")
        self.assertEqual(notification.key, f"tasks:due:{TODAY.isoformat()}")
        self.assertEqual(notification.title, "今天有 3 项排查任务到期未完成")
        for task in tasks:
            self.assertIn(f"“{task.title}”", notification.body)
        self.assertNotIn("等", notification.body)
        self.assertEqual(notification.link, "/hazards/tasks/?whose=mine")

    def test_the_message_names_five_tasks_and_counts_the_rest(self):
        tasks = [self.task(due_on=TODAY, assignee=self.member) for _ in range(7)]
        self.run_day(TODAY)
        notification = Notification.objects.get(user=self.member)
        self.assertEqual(notification.title, "今天有 7 项排查任务到期未完成")
        for task in tasks[:5]:
            self.assertIn(task.title, notification.body)
        for task in tasks[5:]:
            self.assertNotIn(task.title, notification.body)
        self.assertIn("等 7 项", notification.body)

    def test_unassigned_tasks_reach_each_holder_of_their_role_in_one_message(self):
        second_officer = make_user("second_officer", self.unit_a, "safety_officer")
        for _ in range(3):
            self.task(due_on=TODAY, assignee_role="safety_officer")
        sweep = self.task(due_on=TODAY, assignee_role="safety_director")
        self.task(due_on=TODAY, organization=self.unit_c, assignee_role="safety_officer")
        sent = self.run_day(TODAY)
        self.assertEqual(sent[reminders.KIND_TASK_DUE], 4)
        several = f"tasks:due:{TODAY.isoformat()}"
        for officer in (self.owner, second_officer):
            with self.subTest(officer=officer.username):
                self.assertEqual(self.keys_of(officer), {several})
                self.assertEqual(Notification.objects.get(user=officer).title, "今天有 3 项排查任务到期未完成")
        # One task of the director's role: the director hears of that task, as before.
        self.assertEqual(self.keys_of(self.director), {f"task:{sweep.pk}:due"})
        self.assertEqual(len(self.keys_of(self.other_unit_user)), 1)
        self.assertFalse(Notification.objects.filter(user=self.member).exists())

    def test_a_second_run_the_same_day_adds_nothing_even_when_tasks_were_done_meanwhile(self):
        tasks = [self.task(due_on=TODAY, assignee=self.member) for _ in range(3)]
        with at(TODAY):
            self.assertEqual(reminders.remind_tasks_due(TODAY), 1)
            self.assertEqual(reminders.remind_tasks_due(TODAY), 0)
            # Two done by noon: the one left was named in the morning's message already.
            for task in tasks[:2]:
                task.status = "done"
                task.save(update_fields=["status"])
            self.assertEqual(reminders.remind_tasks_due(TODAY), 0)
        self.assertEqual(Notification.objects.filter(user=self.member).count(), 1)
        # The next day's tasks are the next day's message.
        later = [self.task(due_on=TODAY + timedelta(days=1), assignee=self.member) for _ in range(2)]
        self.run_day(TODAY + timedelta(days=1))
        self.assertEqual(
            self.keys_of(self.member),
            {f"tasks:due:{TODAY.isoformat()}", f"tasks:due:{(TODAY + timedelta(days=1)).isoformat()}"},
        )
        self.assertTrue(later)

    def test_the_queries_do_not_grow_with_the_tasks_or_the_people(self):
        def queries(units: int) -> int:
            """Each new unit's officer has two daily checks, the member one task per unit, the principal one."""
            Notification.objects.all().delete()
            for _ in range(units):
                unit = make_organization(f"单位 {self.serial()}", "use_unit", "140522", seed=7000 + self.serial())
                make_user(f"due_officer_{self.serial()}", unit, "safety_officer")
                for _ in range(2):
                    self.task(due_on=TODAY, organization=unit, kind="daily")
                self.task(due_on=TODAY, assignee=self.member)
            with CaptureQueriesContext(connection) as captured, at(TODAY):
                sent = reminders.remind_tasks_due(TODAY)
            self.assertGreaterEqual(sent, units + 2)  # every officer, the member and the principal once
            return len(captured)

        self.task(due_on=TODAY, assignee=self.principal)
        self.assertEqual(queries(1), queries(10))  # 4 tasks, then 31


class PublicReportReminderTests(NotificationCast):
    def test_a_public_report_left_unconfirmed_reaches_the_principal_and_the_county_once(self):
        report = self.hazard(
            deadline=None, status="reported", source="public", confirm_by=TODAY, responsible=None, handling=""
        )
        key = f"hazard:{report.pk}:unconfirmed"
        self.run_day(TODAY)  # confirm_by is today: still time
        self.assertFalse(Notification.objects.filter(key=key).exists())
        self.run_day(TODAY + timedelta(days=1))
        self.assertEqual(
            set(Notification.objects.filter(key=key).values_list("user__username", flat=True)),
            {"principal", "county_inspector", "county_admin"},
        )
        self.run_day(TODAY + timedelta(days=2))
        self.assertEqual(Notification.objects.filter(key=key).count(), 3)

    def test_a_confirmed_or_own_report_is_not_reminded(self):
        confirmed = self.hazard(deadline=TODAY + timedelta(days=30), source="public", confirm_by=TODAY)
        own = self.hazard(deadline=None, status="reported", source="report", confirm_by=TODAY, handling="")
        self.run_day(TODAY + timedelta(days=2))
        for hazard in (confirmed, own):
            self.assertFalse(Notification.objects.filter(key=f"hazard:{hazard.pk}:unconfirmed").exists())


class InspectionReminderTests(NotificationCast):
    def test_due_within_30_days_reaches_the_safety_director_and_officers_once(self):
        due_on = TODAY + timedelta(days=30)
        equipment = self.equipment(inspection_due_on=due_on)
        later = self.equipment(inspection_due_on=TODAY + timedelta(days=31))
        key = f"equipment:{equipment.pk}:due:{due_on.isoformat()}"
        self.run_day(TODAY)
        self.assertEqual(
            set(Notification.objects.filter(key=key).values_list("user__username", flat=True)), {"director", "owner"}
        )
        notification = Notification.objects.get(key=key, user=self.owner)
        self.assertEqual(notification.link, f"/equipment/{equipment.pk}/")
        self.assertEqual(notification.kind, "equipment.inspection_due")
        self.assertFalse(Notification.objects.filter(key__startswith=f"equipment:{later.pk}:").exists())
        for offset in range(1, 4):
            self.run_day(TODAY + timedelta(days=offset))
        self.assertEqual(Notification.objects.filter(key=key).count(), 2)
        self.assertTrue(Notification.objects.filter(key__startswith=f"equipment:{later.pk}:due:").exists())

    def test_overdue_equipment_also_reaches_the_local_regulator_once(self):
        due_on = TODAY - timedelta(days=1)
        equipment = self.equipment(inspection_due_on=due_on)
        self.run_day(TODAY)
        key = f"equipment:{equipment.pk}:overdue:{due_on.isoformat()}"
        self.assertEqual(
            set(Notification.objects.filter(key=key).values_list("user__username", flat=True)),
            {"director", "owner", "county_inspector", "county_admin"},
        )
        self.run_day(TODAY + timedelta(days=1))
        self.assertEqual(Notification.objects.filter(key=key).count(), 4)

    def test_a_new_due_date_reminds_again(self):
        equipment = self.equipment(inspection_due_on=TODAY + timedelta(days=10))
        self.run_day(TODAY)
        equipment.inspection_due_on = TODAY + timedelta(days=20)
        equipment.save(update_fields=["inspection_due_on"])
        self.run_day(TODAY + timedelta(days=1))
        self.assertEqual(
            {key for key in self.keys_of(self.owner) if key.startswith(f"equipment:{equipment.pk}:")},
            {
                f"equipment:{equipment.pk}:due:{(TODAY + timedelta(days=10)).isoformat()}",
                f"equipment:{equipment.pk}:due:{(TODAY + timedelta(days=20)).isoformat()}",
            },
        )

    def test_failed_and_not_reinspected_equipment_is_overdue(self):
        failed = self.equipment(inspection_due_on=None, last_inspected_on=TODAY - timedelta(days=5))
        self.run_day(TODAY)
        key = f"equipment:{failed.pk}:overdue:failed:{(TODAY - timedelta(days=5)).isoformat()}"
        self.assertIn(key, self.keys_of(self.county_inspector))

    def test_suspended_scrapped_and_never_inspected_equipment_is_not_reminded(self):
        suspended = self.equipment(inspection_due_on=TODAY - timedelta(days=3), status="suspended")
        scrapped = self.equipment(inspection_due_on=TODAY + timedelta(days=3), status="scrapped")
        never = self.equipment(inspection_due_on=None, last_inspected_on=None)
        self.run_day(TODAY)
        for equipment in (suspended, scrapped, never):
            self.assertFalse(Notification.objects.filter(key__startswith=f"equipment:{equipment.pk}:").exists())

    def test_a_unit_in_another_county_reaches_its_own_county(self):
        equipment = self.equipment(organization=self.unit_b, inspection_due_on=TODAY - timedelta(days=1))
        self.run_day(TODAY)
        users = set(
            Notification.objects.filter(key__startswith=f"equipment:{equipment.pk}:").values_list(
                "user__username", flat=True
            )
        )
        self.assertEqual(users, {"unit_b_user", "sibling_inspector"})


class CertificateReminderTests(NotificationCast):
    def test_90_and_30_days_before_expiry_each_once(self):
        expires_on = TODAY + timedelta(days=90)
        certificate = self.certificate(expires_on=expires_on)
        self.run_day(TODAY)
        key_90 = f"certificate:{certificate.pk}:90:{expires_on.isoformat()}"
        key_30 = f"certificate:{certificate.pk}:30:{expires_on.isoformat()}"
        self.assertEqual(
            set(Notification.objects.filter(key=key_90).values_list("user__username", flat=True)),
            {"unit_admin", "principal", "director"},
        )
        self.run_day(TODAY + timedelta(days=59))  # 31 days left: nothing new
        self.assertEqual(Notification.objects.filter(key__startswith=f"certificate:{certificate.pk}:").count(), 3)
        self.run_day(TODAY + timedelta(days=60))  # 30 days left
        self.assertEqual(Notification.objects.filter(key=key_30).count(), 3)
        self.run_day(TODAY + timedelta(days=75))
        self.run_day(TODAY + timedelta(days=91))  # expired
        self.assertEqual(Notification.objects.filter(key__startswith=f"certificate:{certificate.pk}:").count(), 6)

    def test_a_certificate_added_with_little_time_left_gets_the_nearer_notice_only(self):
        certificate = self.certificate(expires_on=TODAY + timedelta(days=10))
        far = self.certificate(expires_on=TODAY + timedelta(days=91))
        expired = self.certificate(expires_on=TODAY - timedelta(days=1))
        self.run_day(TODAY)
        self.assertEqual(
            {key for key in self.keys_of(self.principal) if key.startswith("certificate:")},
            {f"certificate:{certificate.pk}:30:{certificate.expires_on.isoformat()}"},
        )
        self.assertNotIn(far.pk, [int(key.split(":")[1]) for key in self.keys_of(self.principal)])
        self.assertFalse(Notification.objects.filter(key__startswith=f"certificate:{expired.pk}:").exists())

    def test_notice_thresholds(self):
        self.assertEqual(reminders.certificate_notice(TODAY + timedelta(days=91), TODAY), None)
        self.assertEqual(reminders.certificate_notice(TODAY + timedelta(days=90), TODAY), 90)
        self.assertEqual(reminders.certificate_notice(TODAY + timedelta(days=31), TODAY), 90)
        self.assertEqual(reminders.certificate_notice(TODAY + timedelta(days=30), TODAY), 30)
        self.assertEqual(reminders.certificate_notice(TODAY, TODAY), 30)
        self.assertEqual(reminders.certificate_notice(TODAY - timedelta(days=1), TODAY), None)


class RecipientTests(NotificationCast):
    def test_regulator_people_are_those_of_the_most_local_regulator_with_people(self):
        self.assertEqual(
            {user.username for user in recipients.regulator_people(self.ZEZHOU)}, {"county_inspector", "county_admin"}
        )
        # Lingchuan county (140524) has no regulator on the platform: the city's people hear of it.
        found = recipients.regulator_people_by_region(["140524", self.YANGCHENG])
        self.assertEqual({user.username for user in found["140524"]}, {"city_inspector"})
        self.assertEqual({user.username for user in found[self.YANGCHENG]}, {"sibling_inspector"})

    def test_a_regulator_without_active_people_passes_to_the_next_level(self):
        for user in (self.county_inspector, self.county_admin):
            user.is_active = False
            user.save(update_fields=["is_active"])
        self.assertEqual({user.username for user in recipients.regulator_people(self.ZEZHOU)}, {"city_inspector"})

    def test_people_by_organization_checks_each_role_exactly(self):
        found = recipients.people_by_organization([self.unit_a.pk, self.unit_c.pk], ["safety_director"])
        self.assertEqual([user.username for user in found[self.unit_a.pk]], ["director"])
        self.assertEqual([user.username for user in found[self.unit_c.pk]], ["unit_c_director"])


class BoundedQueryTests(NotificationCast):
    """A reminder kind costs the same number of reads for 3 rows as for 12 (writes are one bulk insert)."""

    def queries(self, call) -> int:
        with CaptureQueriesContext(connection) as captured, at(TODAY):
            call()
        return len(captured)

    def add_rows(self, count: int):
        for number in range(count):
            unit = make_organization(f"单位 {self.serial()}", "use_unit", "140522", seed=5000 + self.serial())
            make_user(f"officer_{self.serial()}", unit, "safety_officer", "safety_director", "principal", "org_admin")
            self.task(due_on=TODAY, organization=unit)
            self.equipment(organization=unit, inspection_due_on=TODAY + timedelta(days=number % 20))
            self.equipment(organization=unit, inspection_due_on=TODAY - timedelta(days=1 + number))
            self.certificate(organization=unit, expires_on=TODAY + timedelta(days=10 + number))
            self.hazard(
                organization=unit,
                deadline=None,
                status="reported",
                source="public",
                confirm_by=TODAY - timedelta(days=1),
                responsible=None,
            )

    def test_each_kind_costs_a_fixed_number_of_queries(self):
        kinds = {
            "tasks": lambda: reminders.remind_tasks_due(TODAY),
            "due": lambda: reminders.remind_inspections_due(TODAY),
            "overdue": lambda: reminders.remind_inspections_overdue(TODAY),
            "certificates": lambda: reminders.remind_certificates_expiring(TODAY),
            "unconfirmed": lambda: reminders.remind_unconfirmed_public_reports(TODAY),
        }
        self.add_rows(3)
        few = {name: self.queries(call) for name, call in kinds.items()}
        Notification.objects.all().delete()
        self.add_rows(12)
        for name, call in kinds.items():
            with self.subTest(kind=name):
                self.assertEqual(self.queries(call), few[name])
        self.assertGreaterEqual(Notification.objects.filter(kind="equipment.inspection_overdue").count(), 15 * 2)

    def test_escalation_reads_a_fixed_number_of_rows_and_writes_one_update_and_event_per_hazard(self):
        def selects(count: int) -> int:
            for _ in range(count):
                self.hazard(deadline=TODAY - timedelta(days=8), grade="major")
            with CaptureQueriesContext(connection) as captured, at(TODAY):
                reminders.escalate_hazard_deadlines(TODAY)
            return sum(1 for query in captured if query["sql"].lstrip().upper().startswith("SELECT"))

        self.assertEqual(selects(2), selects(9))


class ScheduleTests(NotificationCast):
    def test_the_jobs_fire_at_china_time_on_huey_utc_clock(self):
        reminders_at, digest_at = daily_at(7, 0), daily_at(7, 30)
        # Huey hands its periodic checks a naive UTC time: 23:00 UTC is 07:00 in Shanghai.
        self.assertTrue(reminders_at(datetime(2026, 3, 1, 23, 0)))
        self.assertFalse(reminders_at(datetime(2026, 3, 2, 7, 0)))
        self.assertTrue(digest_at(datetime(2026, 3, 1, 23, 30)))
        self.assertFalse(digest_at(datetime(2026, 3, 1, 23, 0)))

    def test_the_periodic_jobs_run_the_reminders_and_the_digest(self):
        task = self.task(due_on=TODAY, assignee=self.member)
        with at(TODAY):
            daily_reminders.call_local()
            daily_digest.call_local()
        self.assertEqual(self.keys_of(self.member), {f"task:{task.pk}:due"})
