"""Hazard deadline escalation: the steps of hazards.escalation in order, day by day, for a general and a major
hazard; an extension starts them again for the new deadline."""

from datetime import date, timedelta
from unittest import TestCase

from hypothesis import given
from hypothesis import strategies as st

from shuangfang.core.models import Event
from shuangfang.hazards import escalation
from shuangfang.hazards.escalation import STEPS, Audience
from shuangfang.hazards.models import Hazard
from shuangfang.hazards.services import do_extend_deadline
from shuangfang.notifications.models import Notification

from .helpers import NotificationCast, at

DEADLINE = date(2026, 3, 12)
COUNTY_PEOPLE = {"county_inspector", "county_admin"}


class StepTableTests(TestCase):
    """Pure: no database."""

    def test_the_table_is_ordered_and_numbered(self):
        self.assertEqual([step.number for step in STEPS], list(range(1, len(STEPS) + 1)))
        offsets = [step.offset_days for step in STEPS]
        self.assertEqual(offsets, sorted(offsets))
        self.assertEqual(
            [(step.offset_days, step.audience, step.major_only) for step in STEPS],
            [
                (-3, Audience.RESPONSIBLE, False),
                (1, Audience.SAFETY_DIRECTORS, False),
                (3, Audience.PRINCIPAL, False),
                (7, Audience.REGULATOR, True),
            ],
        )
        self.assertEqual(escalation.final_step(is_major=False), 3)
        self.assertEqual(escalation.final_step(is_major=True), 4)

    @given(
        days=st.integers(min_value=-30, max_value=30),
        done=st.integers(min_value=0, max_value=4),
        is_major=st.booleans(),
    )
    def test_steps_due_are_the_reached_steps_after_the_done_one(self, days, done, is_major):
        steps = escalation.steps_due(
            deadline=DEADLINE, today=DEADLINE + timedelta(days=days), is_major=is_major, done=done
        )
        self.assertEqual([step.number for step in steps], sorted(step.number for step in steps))
        for step in steps:
            self.assertGreater(step.number, done)
            self.assertLessEqual(step.offset_days, days)
            self.assertTrue(is_major or not step.major_only)
        for step in STEPS:
            if step.number > done and step.offset_days <= days and (is_major or not step.major_only):
                self.assertIn(step, steps)


class EscalationTests(NotificationCast):
    def recipients_by_day(self, hazard: Hazard, first: date, last: date) -> dict[int, set[tuple[str, int]]]:
        """Run the job (twice) each day from first to last; day offset from the deadline → (username, step) added."""

        def current():
            # The messages about the hazard's current deadline only: an earlier deadline's do not count.
            rows = Notification.objects.filter(
                key__startswith=f"hazard:{hazard.pk}:step", key__endswith=f":{hazard.deadline.isoformat()}"
            ).values_list("user__username", "key")
            return {(username, int(key.split(":")[2].removeprefix("step"))) for username, key in rows}

        seen = current()
        added = {}
        day = first
        while day <= last:
            self.run_day(day)
            now = current()
            if now - seen:
                added[(day - hazard.deadline).days] = now - seen
            seen = now
            day += timedelta(days=1)
        return added

    def test_a_general_hazard_over_twelve_days(self):
        hazard = self.hazard(deadline=DEADLINE, grade="general")
        added = self.recipients_by_day(hazard, DEADLINE - timedelta(days=5), DEADLINE + timedelta(days=8))
        self.assertEqual(
            added,
            {
                -3: {("member", 1)},
                1: {("director", 2)},
                3: {("principal", 3)},
            },
        )
        hazard.refresh_from_db()
        self.assertEqual(hazard.escalation_step, 3)
        keys = set(Notification.objects.filter(key__startswith=f"hazard:{hazard.pk}:").values_list("key", flat=True))
        self.assertEqual(keys, {f"hazard:{hazard.pk}:step{n}:{DEADLINE.isoformat()}" for n in (1, 2, 3)})
        events = Event.objects.filter(type="hazard.deadline_escalated", object_id=str(hazard.pk)).order_by("seq")
        self.assertEqual([event.data["step"] for event in events], [1, 2, 3])

    def test_a_major_hazard_reaches_the_regulator_a_week_overdue(self):
        hazard = self.hazard(deadline=DEADLINE, grade="major")
        added = self.recipients_by_day(hazard, DEADLINE - timedelta(days=4), DEADLINE + timedelta(days=9))
        self.assertEqual(
            added,
            {
                -3: {("member", 1)},
                1: {("director", 2)},
                3: {("principal", 3)},
                7: {("county_inspector", 4), ("county_admin", 4)},
            },
        )
        hazard.refresh_from_db()
        self.assertEqual(hazard.escalation_step, 4)
        message = Notification.objects.get(user=self.county_inspector, key__startswith=f"hazard:{hazard.pk}:")
        self.assertIn("重大事故隐患", message.title)
        self.assertIn("7", message.title)
        self.assertEqual(message.link, f"/hazards/{hazard.pk}/")
        self.assertEqual(message.kind, "hazard.deadline")

    def test_a_hazard_first_seen_overdue_catches_up_every_audience_once(self):
        hazard = self.hazard(deadline=DEADLINE, grade="major")
        self.run_day(DEADLINE + timedelta(days=10))
        self.assertEqual(
            set(
                Notification.objects.filter(key__startswith=f"hazard:{hazard.pk}:").values_list(
                    "user__username", flat=True
                )
            ),
            {"member", "director", "principal", *COUNTY_PEOPLE},
        )
        hazard.refresh_from_db()
        self.assertEqual(hazard.escalation_step, 4)

    def test_closed_rejected_and_deadline_free_hazards_are_not_escalated(self):
        closed = self.hazard(deadline=DEADLINE, status="closed")
        rejected = self.hazard(deadline=DEADLINE, status="rejected")
        reported = self.hazard(deadline=None, status="reported", responsible=None)
        self.run_day(DEADLINE + timedelta(days=10))
        for hazard in (closed, rejected, reported):
            self.assertFalse(Notification.objects.filter(key__startswith=f"hazard:{hazard.pk}:step").exists())

    def test_another_units_hazard_escalates_to_its_own_people(self):
        hazard = self.hazard(organization=self.unit_b, deadline=DEADLINE, grade="major", responsible=self.unit_b_user)
        self.run_day(DEADLINE + timedelta(days=7))
        users = set(
            Notification.objects.filter(key__startswith=f"hazard:{hazard.pk}:").values_list("user__username", flat=True)
        )
        # Unit B has no safety director or principal account: those steps reach nobody, and still count as done.
        self.assertEqual(users, {"unit_b_user", "sibling_inspector"})

    def test_an_extension_starts_the_steps_again_for_the_new_deadline(self):
        hazard = self.hazard(deadline=DEADLINE, grade="general")
        self.run_day(DEADLINE - timedelta(days=3))
        hazard.refresh_from_db()
        self.assertEqual(hazard.escalation_step, 1)
        new_deadline = DEADLINE + timedelta(days=10)
        with at(DEADLINE - timedelta(days=2), hour=10):
            do_extend_deadline(
                actor=self.director,
                hazard=hazard,
                new_deadline=new_deadline,
                reason="门锁备件到货延迟",
                interim_measures="停用该层门，设置警示标志",
                expected_version=hazard.version,
            )
        hazard.refresh_from_db()
        self.assertEqual((hazard.deadline, hazard.escalation_step), (new_deadline, 0))
        added = self.recipients_by_day(hazard, DEADLINE - timedelta(days=2), new_deadline + timedelta(days=1))
        # Offsets are from the new deadline now.
        self.assertEqual(added, {-3: {("member", 1)}, 1: {("director", 2)}})
        self.assertEqual(
            set(Notification.objects.filter(user=self.member).values_list("key", flat=True)),
            {
                f"hazard:{hazard.pk}:step1:{DEADLINE.isoformat()}",
                f"hazard:{hazard.pk}:step1:{new_deadline.isoformat()}",
            },
        )

    def test_a_step_reset_without_a_new_deadline_does_not_repeat_a_message(self):
        hazard = self.hazard(deadline=DEADLINE)
        self.run_day(DEADLINE + timedelta(days=1))
        Hazard.objects.filter(pk=hazard.pk).update(escalation_step=0)
        self.run_day(DEADLINE + timedelta(days=2))
        self.assertEqual(Notification.objects.filter(key__startswith=f"hazard:{hazard.pk}:").count(), 2)
        hazard.refresh_from_db()
        self.assertEqual(hazard.escalation_step, 2)
