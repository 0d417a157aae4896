"""Simple mode for small and micro enterprises: the guided start's steps follow the data, its two forms go through
the services (do_appoint, do_start_duty_cycle) and refuse bad input, the one-screen home shows the signed-in person's
checks and the unit's hazards and what is due — nothing of another unit — and a small or micro unit's home page
leads there."""

from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.urls import reverse

from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment, make_organization, make_user
from shuangfang.equipment.models import CertificateItem, OperatorCertificate
from shuangfang.hazards.choices import InvestigationKind, TaskStatus
from shuangfang.hazards.models import InvestigationPlan, InvestigationTask
from shuangfang.hazards.scheduling import is_duty_cycle_plan, run_duty_cycle
from shuangfang.hazards.services import register_system_hazard
from shuangfang.risks.services import do_apply_templates
from shuangfang.safety import compliance, services
from shuangfang.safety.choices import AppointmentRole
from shuangfang.safety.models import Appointment, ComplianceGap, Drill
from shuangfang.safety.views_simple import start_state

# A Monday: the weekly sweep is due on Sunday and the monthly meeting at the month's end, so today's checks are the
# daily ones alone.
TODAY = date(2026, 6, 1)
FROZEN = time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo(settings.TIME_ZONE)), tick=False)
START = reverse("safety:simple-start")
HOME = reverse("safety:simple-home")


def states(steps) -> dict[str, bool]:
    return {step.key: step.done for step in steps}


def appoint_three(unit, actor, principal, director, officer, categories=()):
    for role, person in (
        (AppointmentRole.PRINCIPAL, principal),
        (AppointmentRole.SAFETY_DIRECTOR, director),
        (AppointmentRole.SAFETY_OFFICER, officer),
    ):
        services.do_appoint(
            actor=actor,
            organization=unit,
            person=person,
            role=role,
            starts_on=TODAY,
            equipment_categories=categories if role != AppointmentRole.PRINCIPAL else (),
        )


@FROZEN
class GuidedStartStepsTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.small = make_organization("某小微企业", "use_unit", cls.ZEZHOU, seed=31)
        cls.small.small_micro = True
        cls.small.save(update_fields=["small_micro"])
        cls.boss = make_user("boss", cls.small, "org_admin", "principal")
        cls.worker = make_user("worker", cls.small, "operator")

    def steps(self):
        return start_state(self.boss, self.small, TODAY).steps

    def test_each_step_flips_as_the_data_changes(self):
        self.assertEqual(
            states(self.steps()), {"equipment": False, "risks": False, "people": False, "plan": False, "print": False}
        )
        self.assertTrue(self.steps()[0].current)

        elevator = make_equipment(self.small, "31101401012020S0001")
        self.assertEqual(states(self.steps())["equipment"], True)
        self.assertEqual(states(self.steps())["risks"], False)
        self.assertTrue(self.steps()[1].current)

        do_apply_templates(actor=self.boss, equipment=[elevator])
        self.assertEqual(states(self.steps())["risks"], True)

        # The safety officer for elevators only: confirmed while the unit uses nothing else.
        appoint_three(self.small, self.boss, self.boss, self.boss, self.worker, categories=["3000"])
        self.assertEqual(states(self.steps())["people"], True)

        services.do_start_duty_cycle(actor=self.boss, organization=self.small)
        self.assertEqual(
            states(self.steps()), {"equipment": True, "risks": True, "people": True, "plan": True, "print": True}
        )
        self.assertFalse(any(step.current for step in self.steps()))

        # A crane in use: it has no risks yet, and nobody is appointed for cranes.
        crane = make_equipment(self.small, "41101401012020S0002", category="4110")
        steps = states(self.steps())
        self.assertEqual((steps["risks"], steps["people"], steps["print"]), (False, False, False))
        roles = {state.role: state for state in start_state(self.boss, self.small, TODAY).roles}
        self.assertTrue(roles[AppointmentRole.PRINCIPAL].confirmed)
        self.assertFalse(roles[AppointmentRole.SAFETY_OFFICER].confirmed)
        self.assertEqual(roles[AppointmentRole.SAFETY_OFFICER].uncovered, [compliance.category_label("4000")])

        crane.status = "scrapped"
        crane.save(update_fields=["status"])
        self.assertTrue(all(states(self.steps()).values()))

    def test_an_ended_appointment_unconfirms_the_role(self):
        make_equipment(self.small, "31101401012020S0001")
        appoint_three(self.small, self.boss, self.boss, self.boss, self.worker)
        self.assertTrue(states(self.steps())["people"])
        officer = Appointment.objects.get(organization=self.small, role=AppointmentRole.SAFETY_OFFICER)
        services.do_end_appointment(
            actor=self.boss, appointment=officer, ends_on=TODAY, reason="离职", version=officer.version
        )
        # Ended today: still in force today, gone tomorrow.
        self.assertTrue(states(start_state(self.boss, self.small, TODAY).steps)["people"])
        self.assertFalse(states(start_state(self.boss, self.small, TODAY + timedelta(days=1)).steps)["people"])

    def test_the_plan_step_needs_all_three_duty_cycle_plans(self):
        make_equipment(self.small, "31101401012020S0001")
        services.do_start_duty_cycle(actor=self.boss, organization=self.small)
        plans = [p for p in InvestigationPlan.objects.filter(organization=self.small) if is_duty_cycle_plan(p)]
        self.assertEqual(len(plans), 3)
        self.assertTrue(states(self.steps())["plan"])
        # A plan narrowed to a catalog prefix is not one of the three.
        monthly = next(p for p in plans if p.kind == InvestigationKind.MONTHLY)
        monthly.catalog_prefix = "3000"
        monthly.save(update_fields=["catalog_prefix"])
        self.assertFalse(states(self.steps())["plan"])

    def test_the_page_shows_the_steps_with_their_actions(self):
        response = self.web(self.boss).get(START)
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "safety/simple/start.html")
        self.assertContains(response, 'data-step="equipment" data-done="false"')
        self.assertContains(response, f'href="{reverse("equipment:import")}"')
        self.assertContains(response, f'href="{reverse("equipment:create")}"')
        self.assertContains(response, f'href="{reverse("equipment:labels")}?status=in_use"')
        self.assertContains(response, f'href="{reverse("risks:cards")}"')
        make_equipment(self.small, "31101401012020S0001")
        response = self.web(self.boss).get(START)
        self.assertContains(response, 'data-step="equipment" data-done="true"')
        self.assertContains(response, f'href="{reverse("risks:apply-templates")}?unidentified=on&amp;select=all"')

    def test_an_operator_sees_the_steps_without_the_forms(self):
        make_equipment(self.small, "31101401012020S0001")
        response = self.web(self.worker).get(START)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'name="step" value="people"')
        self.assertNotContains(response, 'name="step" value="plan"')
        self.assertNotContains(response, f'href="{reverse("equipment:import")}"')

    def test_the_date_is_offered_as_the_browser_reads_it(self):
        response = self.web(self.boss).get(START)
        self.assertContains(response, 'type="date" name="starts_on" value="2026-06-01"')


@FROZEN
class AppointmentFormTests(CastTestCase):
    """Unit A: its elevator in use; owner (safety officer), principal, unit_admin and member are its people."""

    def post(self, user=None, **data):
        return self.web(user or self.unit_admin).post(START, {"step": "people", "starts_on": "2026-06-01", **data})

    def test_the_form_appoints_the_three_through_do_appoint(self):
        with mock.patch("shuangfang.safety.views_simple.services.do_appoint", wraps=services.do_appoint) as appoint:
            response = self.post(
                principal=self.principal.pk, safety_director=self.unit_admin.pk, safety_officer=self.owner.pk
            )
        self.assertRedirects(response, START + "#step-3", fetch_redirect_response=False)
        self.assertEqual(appoint.call_count, 3)
        made = {a.role: a for a in Appointment.objects.filter(organization=self.unit_a)}
        self.assertEqual(
            {role: a.person for role, a in made.items()},
            {
                AppointmentRole.PRINCIPAL: self.principal,
                AppointmentRole.SAFETY_DIRECTOR: self.unit_admin,
                AppointmentRole.SAFETY_OFFICER: self.owner,
            },
        )
        for appointment in made.values():
            self.assertEqual(appointment.equipment_categories, [])
            self.assertEqual(appointment.starts_on, TODAY)
            self.assertEqual(appointment.appointed_by, self.unit_admin)
        self.assertEqual(Event.objects.filter(type="safety.appointed").count(), 3)
        self.unit_admin.refresh_from_db()
        self.assertIn("safety_director", self.unit_admin.roles)

        page = self.web(self.unit_admin).get(START)
        self.assertContains(page, 'data-step="people" data-done="true"')
        self.assertContains(page, "sm-role-confirmed", count=3)
        self.assertNotContains(page, 'name="step" value="people"')
        # Posted again all the same: nothing more to appoint.
        again = self.post(principal=self.member.pk)
        self.assertEqual(again.status_code, 400)
        self.assertEqual(Appointment.objects.count(), 3)

    def test_confirmed_roles_are_not_asked_again(self):
        services.do_appoint(
            actor=self.unit_admin,
            organization=self.unit_a,
            person=self.principal,
            role=AppointmentRole.PRINCIPAL,
            starts_on=TODAY,
        )
        page = self.web(self.unit_admin).get(START)
        form = page.context["appoint_form"]
        self.assertEqual(list(form.fields), ["safety_director", "safety_officer", "starts_on"])
        # A principal posted anyway is not a field of the form: ignored, not a second principal.
        response = self.post(principal=self.member.pk, safety_officer=self.owner.pk)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            list(Appointment.objects.filter(role=AppointmentRole.PRINCIPAL).values_list("person", flat=True)),
            [self.principal.pk],
        )

    def test_a_person_of_another_unit_is_refused_and_nothing_changes(self):
        response = self.post(principal=self.principal.pk, safety_officer=self.other_unit_user.pk)
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["appoint_form"].errors["safety_officer"])
        self.assertFalse(Appointment.objects.exists())

    def test_nobody_chosen_or_no_date_is_refused(self):
        response = self.post()
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "请至少为一个岗位选择人员。", status_code=400)
        response = self.post(principal=self.principal.pk, starts_on="")
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["appoint_form"].errors["starts_on"])
        self.assertFalse(Appointment.objects.exists())

    def test_a_refusal_of_the_service_leaves_every_role_unappointed(self):
        # The owner is already safety officer for cranes only: the role is not confirmed for the elevator, and
        # appointing the same person again is the service's refusal — the principal chosen with it is not kept.
        services.do_appoint(
            actor=self.unit_admin,
            organization=self.unit_a,
            person=self.owner,
            role=AppointmentRole.SAFETY_OFFICER,
            starts_on=TODAY,
            equipment_categories=["4000"],
        )
        response = self.post(principal=self.principal.pk, safety_officer=self.owner.pk)
        self.assertEqual(response.status_code, 400)
        self.assertIn("此人已在任该岗位", " ".join(response.context["appoint_form"].errors["safety_officer"]))
        self.assertFalse(Appointment.objects.filter(role=AppointmentRole.PRINCIPAL).exists())
        self.assertEqual(Appointment.objects.count(), 1)

    def test_an_operator_may_not_appoint(self):
        response = self.post(self.member, principal=self.principal.pk)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Appointment.objects.exists())

    def test_an_unknown_step_is_refused(self):
        response = self.web(self.unit_admin).post(START, {"step": "other"})
        self.assertEqual(response.status_code, 400)


@FROZEN
class PlanButtonTests(CastTestCase):
    def test_the_button_makes_the_three_plans_and_todays_tasks(self):
        appoint_three(self.unit_a, self.unit_admin, self.principal, self.unit_admin, self.owner)
        with mock.patch(
            "shuangfang.safety.views_simple.services.do_start_duty_cycle", wraps=services.do_start_duty_cycle
        ) as start:
            client = self.web(self.unit_admin)
            response = client.post(START, {"step": "plan"})
        self.assertRedirects(response, START + "#step-4", fetch_redirect_response=False)
        start.assert_called_once()
        plans = [p for p in InvestigationPlan.objects.filter(organization=self.unit_a) if is_duty_cycle_plan(p)]
        self.assertEqual(
            sorted(p.kind for p in plans),
            sorted([InvestigationKind.DAILY, InvestigationKind.WEEKLY, InvestigationKind.MONTHLY]),
        )
        daily = InvestigationTask.objects.get(equipment=self.equipment_a, kind=InvestigationKind.DAILY)
        self.assertEqual((daily.period_start, daily.assignee), (TODAY, self.owner))
        today_count = InvestigationTask.objects.filter(organization=self.unit_a, period_start__lte=TODAY).count()
        self.assertEqual(today_count, 3)  # the daily check, this week's sweep, this month's meeting

        page = client.get(START)
        self.assertContains(page, 'data-step="plan" data-done="true"')
        self.assertEqual(page.context["state"].tasks_today, 3)
        self.assertContains(page, "今日排查任务 3 项，已完成 0 项。")
        self.assertContains(page, "已生成排查计划 3 项；今日排查任务共 3 项。")
        # Pressed again: nothing new.
        self.web(self.unit_admin).post(START, {"step": "plan"})
        self.assertEqual(InvestigationPlan.objects.filter(organization=self.unit_a).count(), 3)
        self.assertEqual(InvestigationTask.objects.filter(organization=self.unit_a).count(), 3)

    def test_a_unit_without_equipment_in_use_is_told_why(self):
        empty = make_organization("无设备单位", "use_unit", self.ZEZHOU, seed=32)
        admin = make_user("empty_admin", empty, "org_admin")
        response = self.web(admin).post(START, {"step": "plan"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "先登记在用设备", status_code=400)
        self.assertFalse(InvestigationPlan.objects.filter(organization=empty).exists())

    def test_an_operator_may_not_generate(self):
        response = self.web(self.member).post(START, {"step": "plan"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(InvestigationPlan.objects.exists())


@FROZEN
class SimpleHomeTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        appoint_three(cls.unit_a, cls.unit_admin, cls.principal, cls.unit_admin, cls.owner)
        cls.due_soon = make_equipment(
            cls.unit_a, "31101401012020A0002", inspection_due_on=TODAY + timedelta(days=10), crowded_place=True
        )
        # Yesterday's daily checks, left undone and now overdue, and today's.
        run_duty_cycle(TODAY - timedelta(days=1), units=[cls.unit_a.pk, cls.unit_c.pk])
        run_duty_cycle(TODAY, units=[cls.unit_a.pk, cls.unit_c.pk])
        cls.hazard_a = register_system_hazard(
            organization=cls.unit_a, equipment=cls.equipment_a, description="甲单位电梯层门锁失效"
        )
        cls.hazard_c = register_system_hazard(
            organization=cls.unit_c, equipment=cls.equipment_c, description="丙单位电梯制动器异响"
        )
        item = CertificateItem.objects.first()
        cls.certificate = OperatorCertificate.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            holder_name="持证人甲",
            id_number="140525199001011234",
            item=item,
            cert_no="SM-1",
            issued_on=TODAY - timedelta(days=1000),
            expires_on=TODAY + timedelta(days=20),
        )
        # The crowded elevator asks for a yearly drill; the last one was eleven months ago.
        Drill.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            equipment_category="3000",
            held_on=date(2025, 6, 20),
            scenario="困人救援",
            recorded_by=cls.unit_admin,
        )
        compliance.refresh_unit(cls.unit_a, TODAY)
        compliance.refresh_unit(cls.unit_c, TODAY)

    def test_the_officer_sees_todays_and_overdue_checks_and_nobody_elses(self):
        response = self.web(self.owner).get(HOME)
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "safety/simple/home.html")
        tasks = response.context["tasks"]
        mine = InvestigationTask.objects.filter(
            organization=self.unit_a, kind=InvestigationKind.DAILY, status__in=[TaskStatus.PENDING, TaskStatus.OVERDUE]
        )
        self.assertEqual({t.pk for t in tasks}, set(mine.values_list("pk", flat=True)))
        self.assertEqual(len(tasks), 4)  # two elevators, yesterday's (overdue) and today's
        self.assertEqual([t.due_on for t in tasks], [TODAY - timedelta(days=1)] * 2 + [TODAY] * 2)
        for task in tasks:
            self.assertContains(response, f'href="{reverse("hazards:task", args=[task.pk])}"')
        # The weekly sweeps are the director's: last week's, due yesterday (Sunday), is overdue and shows; this
        # week's, due next Sunday, is counted as later.  The officer sees neither.
        self.assertEqual(response.context["later_tasks"], 0)
        director = self.web(self.unit_admin).get(HOME)
        self.assertEqual(
            [(t.kind, t.due_on) for t in director.context["tasks"]], [(InvestigationKind.WEEKLY, date(2026, 5, 31))]
        )
        self.assertEqual(director.context["later_tasks"], 1)

    def test_a_done_check_leaves_the_list(self):
        task = InvestigationTask.objects.filter(organization=self.unit_a, assignee=self.owner).first()
        task.status = TaskStatus.DONE
        task.save(update_fields=["status"])
        response = self.web(self.owner).get(HOME)
        self.assertNotIn(task.pk, [t.pk for t in response.context["tasks"]])
        self.assertNotContains(response, f'data-task="{task.pk}"')

    def test_hazards_of_the_unit_only(self):
        response = self.web(self.member).get(HOME)
        self.assertEqual(response.context["hazard_count"], 1)
        self.assertEqual([h.pk for h in response.context["hazards"]], [self.hazard_a.pk])
        self.assertContains(response, f'href="{reverse("hazards:detail", args=[self.hazard_a.pk])}"')
        self.assertContains(response, f'href="{reverse("hazards:report")}"')
        self.assertNotContains(response, "丙单位电梯制动器异响")

    def test_what_is_due(self):
        response = self.web(self.owner).get(HOME)
        gaps = ComplianceGap.objects.filter(organization=self.unit_a, closed_at__isnull=True)
        self.assertTrue(gaps.exists())
        self.assertEqual(response.context["gap_count"], gaps.count())
        shown = {g.pk for g in response.context["gaps"]}
        self.assertEqual(len(shown), min(gaps.count(), 10))
        self.assertLessEqual(shown, set(gaps.values_list("pk", flat=True)))
        for gap in response.context["gaps"]:
            self.assertContains(response, f'data-gap="{gap.pk}"')
            self.assertTrue(gap.url)
        other_gaps = ComplianceGap.objects.filter(organization=self.unit_c)
        self.assertTrue(other_gaps.exists())
        for gap in other_gaps:
            self.assertNotContains(response, f'data-gap="{gap.pk}"')
        self.assertEqual([e.pk for e in response.context["inspections"]], [self.due_soon.pk])
        self.assertEqual([c.pk for c in response.context["certificates"]], [self.certificate.pk])
        drill = response.context["drill"]
        self.assertEqual((drill["due_on"], drill["soon"]), (date(2026, 6, 20), True))

    def test_nothing_of_another_unit(self):
        response = self.web(self.other_unit_user).get(HOME)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([h.pk for h in response.context["hazards"]], [self.hazard_c.pk])
        self.assertNotContains(response, "甲单位电梯层门锁失效")
        self.assertNotContains(response, self.equipment_a.code)
        self.assertEqual(response.context["inspections"], [])
        self.assertEqual(response.context["certificates"], [])
        self.assertIsNone(response.context["drill"])
        for gap in ComplianceGap.objects.filter(organization=self.unit_a):
            self.assertNotContains(response, f'data-gap="{gap.pk}"')

    def test_the_banner_leads_to_the_guided_start_while_steps_remain(self):
        response = self.web(self.owner).get(HOME)
        # The new elevator has no risks yet.
        self.assertGreater(response.context["start"].remaining, 0)
        self.assertContains(response, f'href="{START}" data-start-banner')
        self.assertContains(response, 'href="/?full=1" data-full-version')
        do_apply_templates(actor=self.unit_admin, equipment=[self.equipment_a, self.due_soon])
        response = self.web(self.owner).get(HOME)
        self.assertEqual(response.context["start"].remaining, 0)
        self.assertNotContains(response, "data-start-banner")


class SimpleModeAccessTests(CastTestCase):
    def test_people_outside_a_use_unit_get_not_found(self):
        for user in (self.county_inspector, self.province_leader, self.agency_user, self.system_admin):
            for url in (HOME, START):
                response = self.web(user).get(url)
                self.assertEqual(response.status_code, 404, f"{user.username} {url}")
            self.assertEqual(self.web(user).post(START, {"step": "plan"}).status_code, 404)

    def test_anonymous_is_sent_to_sign_in(self):
        for url in (HOME, START):
            response = self.web().get(url)
            self.assertEqual(response.status_code, 302)
            self.assertIn(reverse("accounts:login"), response["Location"])

    def test_every_unit_member_may_open_simple_mode_from_the_menu(self):
        response = self.web(self.member).get(reverse("hazards:tasks"))
        self.assertContains(response, f'href="{HOME}"')
        self.assertEqual(self.web(self.member).get(HOME).status_code, 200)
        self.assertEqual(self.web(self.member).get(START).status_code, 200)


class SmallMicroHomeTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.unit_c.small_micro = True
        cls.unit_c.save(update_fields=["small_micro"])

    def test_a_small_micro_units_people_land_in_simple_mode(self):
        response = self.web(self.other_unit_user).get("/")
        self.assertRedirects(response, HOME, fetch_redirect_response=False)

    def test_other_units_and_regulators_keep_the_dashboard(self):
        for user, template in (
            (self.owner, "core/home_unit.html"),
            (self.county_inspector, "core/home_regulator.html"),
        ):
            response = self.web(user).get("/")
            self.assertEqual(response.status_code, 200)
            self.assertTemplateUsed(response, template)

    def test_the_full_version_stays_chosen_until_simple_mode_is_opened_again(self):
        client = self.web(self.other_unit_user)
        response = client.get("/?full=1")
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "core/home_unit.html")
        self.assertEqual(client.get("/").status_code, 200)
        self.assertEqual(client.get(HOME).status_code, 200)
        self.assertRedirects(client.get("/"), HOME, fetch_redirect_response=False)
