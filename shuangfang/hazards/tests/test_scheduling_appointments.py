"""The Order 74 duty cycle assigns its tasks from the unit's appointments (safety.Appointment): each piece of
equipment's daily check to the safety officer appointed for its category, the weekly sweep to the appointed safety
director; without an appointment, to the unit's first holder of the role.  An ended appointment is no longer used, and
a run for one unit touches that unit only."""

from datetime import date, timedelta

import time_machine

from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.hazards.models import InvestigationPlan, InvestigationTask
from shuangfang.hazards.scheduling import run_duty_cycle
from shuangfang.safety.choices import AppointmentRole
from shuangfang.safety.services import do_appoint, do_end_appointment

TODAY = date(2026, 6, 15)  # a Monday


@time_machine.travel("2026-06-15 08:05 +0800", tick=False)
class AppointedAssigneeTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.forklift = make_equipment(cls.unit_a, "51101405252026A0001", category="5110")
        cls.crane = make_equipment(cls.unit_a, "41101405252026A0001", category="4110")
        # Holds the director's role from before the appointments: the appointed director comes first all the same.
        cls.director_holder = make_user("director_holder", cls.unit_a, "safety_director")
        cls.lift_officer = make_user("lift_officer", cls.unit_a, "operator")
        cls.forklift_officer = make_user("forklift_officer", cls.unit_a, "operator")
        cls.director = make_user("director", cls.unit_a, "operator")
        cls.lift_appointment = cls.appoint(cls.lift_officer, AppointmentRole.SAFETY_OFFICER, ["3000"])
        cls.appoint(cls.forklift_officer, AppointmentRole.SAFETY_OFFICER, ["5000"])
        cls.appoint(cls.director, AppointmentRole.SAFETY_DIRECTOR, [])

    @classmethod
    def appoint(cls, person, role, categories, starts_on=date(2026, 5, 1)):
        return do_appoint(
            actor=cls.principal,
            organization=cls.unit_a,
            person=person,
            role=role,
            starts_on=starts_on,
            equipment_categories=categories,
        )

    def daily_assignee(self, equipment, day=TODAY):
        return InvestigationTask.objects.get(kind="daily", equipment=equipment, period_start=day).assignee

    def unit_task(self, kind, unit=None):
        return InvestigationTask.objects.get(organization=unit or self.unit_a, kind=kind, equipment__isnull=True)

    def test_each_officer_gets_the_daily_checks_of_their_own_equipment(self):
        run_duty_cycle(TODAY)
        self.assertEqual(self.daily_assignee(self.equipment_a), self.lift_officer)
        self.assertEqual(self.daily_assignee(self.forklift), self.forklift_officer)
        # No officer is appointed for the cranes: the unit's first safety officer by role takes them.
        self.assertEqual(self.daily_assignee(self.crane), self.owner)
        self.assertEqual(
            {task.assignee_role for task in InvestigationTask.objects.filter(kind="daily")}, {"safety_officer"}
        )

    def test_the_weekly_sweep_goes_to_the_appointed_director_and_the_monthly_meeting_to_the_principal(self):
        run_duty_cycle(TODAY)
        self.assertEqual(self.unit_task("weekly").assignee, self.director)
        self.assertEqual(self.unit_task("monthly").assignee, self.principal)

    def test_a_unit_without_appointments_falls_back_to_its_first_role_holder(self):
        second = make_user("second_officer", self.unit_c, "safety_officer")
        run_duty_cycle(TODAY)
        self.assertEqual(self.daily_assignee(self.equipment_c), self.other_unit_user)
        self.assertNotEqual(self.daily_assignee(self.equipment_c), second)
        self.assertIsNone(self.unit_task("weekly", self.unit_c).assignee)  # unit C has no safety director at all

    def test_an_ended_appointment_is_no_longer_used(self):
        do_end_appointment(
            actor=self.principal, appointment=self.lift_appointment, ends_on=TODAY, reason="调离", version=1
        )
        run_duty_cycle(TODAY)
        self.assertEqual(self.daily_assignee(self.equipment_a), self.lift_officer)  # in force through its last day
        tomorrow = TODAY + timedelta(days=1)
        run_duty_cycle(tomorrow)
        self.assertEqual(self.daily_assignee(self.equipment_a, tomorrow), self.owner)
        self.assertEqual(self.daily_assignee(self.forklift, tomorrow), self.forklift_officer)

    def test_an_appointment_not_yet_begun_is_not_used(self):
        successor = make_user("successor", self.unit_a, "operator")
        self.appoint(successor, AppointmentRole.SAFETY_OFFICER, ["4000"], starts_on=TODAY + timedelta(days=1))
        run_duty_cycle(TODAY)
        self.assertEqual(self.daily_assignee(self.crane), self.owner)
        tomorrow = TODAY + timedelta(days=1)
        run_duty_cycle(tomorrow)
        self.assertEqual(self.daily_assignee(self.crane, tomorrow), successor)

    def test_a_person_named_on_the_plan_comes_before_the_appointments(self):
        run_duty_cycle(TODAY)
        InvestigationPlan.objects.filter(organization=self.unit_a, kind="daily").update(assignee=self.owner)
        tomorrow = TODAY + timedelta(days=1)
        run_duty_cycle(tomorrow)
        self.assertEqual(self.daily_assignee(self.forklift, tomorrow), self.owner)

    def test_a_run_for_one_unit_touches_that_unit_only(self):
        result = run_duty_cycle(TODAY, units=[self.unit_a.pk])
        self.assertEqual(result["plans_created"], 3)
        self.assertEqual(set(InvestigationPlan.objects.values_list("organization_id", flat=True)), {self.unit_a.pk})
        self.assertEqual(set(InvestigationTask.objects.values_list("organization_id", flat=True)), {self.unit_a.pk})
        tasks_of_a = InvestigationTask.objects.count()
        self.assertEqual(result["tasks_created"], tasks_of_a)
        self.assertEqual(tasks_of_a, 3 + 2)  # a daily check per equipment in use, the weekly sweep, the meeting
        # A second run for the unit creates nothing; a run for all the others then serves them.
        self.assertEqual(run_duty_cycle(TODAY, units=[self.unit_a.pk])["tasks_created"], 0)
        result = run_duty_cycle(TODAY)
        self.assertEqual(result["plans_created"], 6)
        self.assertEqual(InvestigationTask.objects.filter(organization=self.unit_a).count(), tasks_of_a)
        self.assertEqual(
            set(InvestigationPlan.objects.values_list("organization_id", flat=True)),
            {self.unit_a.pk, self.unit_b.pk, self.unit_c.pk},
        )
