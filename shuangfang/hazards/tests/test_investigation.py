"""Investigation services: what a task asks to check (library, risks' check measures, the unit's own items), plans
and own items with their rules, and executing a task — the zero-risk report, failed items becoming hazards, and
every refusal."""

from datetime import date

import time_machine
from django.core.exceptions import ValidationError

from shuangfang.core.models import Attachment, Event
from shuangfang.core.services import InvalidTransition, PermissionDenied, VersionConflict
from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.hazards import checklists
from shuangfang.hazards.investigation import (
    checklist_for_task,
    do_add_check_item,
    do_create_plan,
    do_execute_task,
    do_update_check_item,
    do_update_plan,
)
from shuangfang.hazards.models import CheckResult, Hazard, InvestigationPlan, InvestigationTask
from shuangfang.hazards.scheduling import ensure_duty_cycle_plans, generate_tasks
from shuangfang.risks.services import do_create_risk, do_retire_risk

TODAY = date(2026, 10, 12)  # a Monday


def risk_data(title, measures):
    return {
        "title": title,
        "hazard_source": "层门门锁失效",
        "method": "ls",
        "factors": {"L": 2, "S": 3},
        "control_level": "post",
        "measures": measures,
    }


def library_codes(category, family):
    return [item.code for item in checklists.checklist_for(category) if item.family == family]


def attachment_of(unit, user, name="photo.png"):
    return Attachment.objects.create(
        organization=unit,
        region_id=unit.region_id,
        file=f"attachments/{name}",
        original_name=name,
        sha256="0" * 64,
        content_type="image/png",
        size=1,
        uploaded_by=user,
    )


def answers(task, outcome="ok", **special):
    """A result for every checklist item of the task; `special` maps item codes to (outcome, note)."""
    results = []
    for item in checklist_for_task(task):
        chosen, note = special.get(item.item_code, (outcome, ""))
        results.append({"equipment": item.equipment_id, "item_code": item.item_code, "outcome": chosen, "note": note})
    return results


class InvestigationTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(f"{TODAY.isoformat()} 09:00 +0800", tick=False):
            cls.crane_a = make_equipment(cls.unit_a, "41101401012020A0002", category="4110")
            cls.risk_a = do_create_risk(
                actor=cls.owner,
                equipment=cls.equipment_a,
                data=risk_data(
                    "层门",
                    [
                        {"kind": "engineering", "text": "门锁啮合深度不小于 7 mm", "check": True},
                        {"kind": "management", "text": "维保单位每半月检查门锁", "check": False},
                        {"kind": "management", "text": "每日试验层门自动关闭", "check": True},
                    ],
                ),
            )
            retired = do_create_risk(
                actor=cls.owner,
                equipment=cls.equipment_a,
                data=risk_data("旧风险", [{"kind": "management", "text": "已拆除的设施", "check": True}]),
            )
            do_retire_risk(actor=cls.owner, risk=retired, reason="设施已拆除", expected_version=retired.version)
            cls.item_equipment = do_add_check_item(
                actor=cls.owner, data={"equipment": cls.equipment_a, "text": "1号梯轿厢照明", "gb45067_clause": ""}
            )
            cls.item_elevators = do_add_check_item(
                actor=cls.owner, data={"catalog_prefix": "3000", "text": "电梯使用标志完好", "standard": "张贴在轿厢内"}
            )
            cls.item_cranes = do_add_check_item(
                actor=cls.owner, data={"catalog_prefix": "4000", "text": "吊钩防脱钩装置"}
            )
            cls.item_unit = do_add_check_item(actor=cls.owner, data={"text": "安全生产责任制公示"})
            retired_item = do_add_check_item(actor=cls.owner, data={"text": "已作废的检查项"})
            do_update_check_item(actor=cls.owner, item=retired_item, changes={"is_active": False}, expected_version=1)
            do_add_check_item(actor=cls.other_unit_user, data={"text": "丙单位的检查项"})
            do_add_check_item(actor=cls.other_unit_user, data={"catalog_prefix": "3000", "text": "丙单位的电梯检查项"})
            ensure_duty_cycle_plans(TODAY)
            generate_tasks(TODAY)

    def setUp(self):
        traveller = time_machine.travel(f"{TODAY.isoformat()} 15:00 +0800", tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def task(self, kind, equipment=None, unit=None):
        return InvestigationTask.objects.get(
            organization=unit or self.unit_a, kind=kind, equipment=equipment, plan__catalog_prefix=""
        )


class ChecklistTests(InvestigationTestCase):
    def test_the_daily_check_holds_library_risk_measures_and_own_items(self):
        items = checklist_for_task(self.task("daily", self.equipment_a))
        self.assertEqual(
            [item.item_code for item in items],
            [
                *library_codes("3110", checklists.FAMILY_ONSITE),
                f"risk-{self.risk_a.pk}-0",
                f"risk-{self.risk_a.pk}-2",
                f"unit-{self.item_equipment.pk}",
                f"unit-{self.item_elevators.pk}",
            ],
        )
        self.assertEqual({item.equipment_id for item in items}, {self.equipment_a.pk})
        by_code = {item.item_code: item for item in items}
        self.assertEqual(by_code["ELV-DOOR-LOCK-CIRCUIT"].gb45067_clause, "4.6b")
        self.assertEqual(by_code["ELV-DOOR-LOCK-CIRCUIT"].item_source, "library")
        measure = by_code[f"risk-{self.risk_a.pk}-2"]
        self.assertEqual((measure.item_source, measure.text), ("risk", "层门：每日试验层门自动关闭"))
        own = by_code[f"unit-{self.item_elevators.pk}"]
        self.assertEqual((own.item_source, own.text, own.standard), ("unit", "电梯使用标志完好", "张贴在轿厢内"))
        self.assertFalse([item for item in items if item.item_code.startswith("BAS-")])  # basic items are weekly

    def test_the_daily_check_of_a_crane_holds_crane_items_only(self):
        codes = [item.item_code for item in checklist_for_task(self.task("daily", self.crane_a))]
        self.assertEqual(codes, [*library_codes("4110", checklists.FAMILY_ONSITE), f"unit-{self.item_cranes.pk}"])

    def test_the_weekly_sweep_holds_the_basic_items_of_the_units_equipment_once(self):
        items = checklist_for_task(self.task("weekly"))
        basic = list(dict.fromkeys(library_codes("3110", "basic") + library_codes("4110", "basic")))
        self.assertEqual([item.item_code for item in items], [*basic, f"unit-{self.item_unit.pk}"])
        self.assertIn("BAS-OPERATOR-CERTIFICATES", basic)  # the crane's, not the elevator's
        self.assertEqual({item.equipment_id for item in items}, {None})

    def test_the_monthly_meeting_has_no_items(self):
        self.assertEqual(checklist_for_task(self.task("monthly")), [])

    def test_other_investigations_hold_the_basic_items_and_each_covered_equipments_items(self):
        plan = do_create_plan(
            actor=self.owner,
            data={
                "kind": "seasonal",
                "cycle": "once",
                "title": "电梯汛期检查",
                "catalog_prefix": "3000",
                "assignee_role": "safety_officer",
                "starts_on": TODAY,
                "due_on": date(2026, 10, 20),
            },
        )
        generate_tasks(TODAY)
        task = InvestigationTask.objects.get(plan=plan)
        items = checklist_for_task(task)
        unit_level = [item.item_code for item in items if item.equipment_id is None]
        at_elevator = [item.item_code for item in items if item.equipment_id == self.equipment_a.pk]
        self.assertEqual(unit_level, [*library_codes("3110", "basic"), f"unit-{self.item_unit.pk}"])
        self.assertEqual(
            at_elevator, [item.item_code for item in checklist_for_task(self.task("daily", self.equipment_a))]
        )
        self.assertEqual(len(items), len(unit_level) + len(at_elevator))  # nothing of the crane


class ExecuteTests(InvestigationTestCase):
    def test_an_all_ok_daily_check_is_the_zero_risk_report(self):
        task = self.task("daily", self.equipment_a)
        results = answers(task, **{"ELV-RESCUE-TOOLS": ("na", "")})
        done = do_execute_task(actor=self.owner, task=task, results=results, note="正常", expected_version=1)
        self.assertEqual((done.status, done.completed_by, done.version, done.note), ("done", self.owner, 2, "正常"))
        self.assertIsNotNone(done.completed_at)
        self.assertEqual(CheckResult.objects.filter(task=task).count(), len(results))
        self.assertEqual(CheckResult.objects.get(task=task, item_code="ELV-RESCUE-TOOLS").outcome, "na")
        self.assertFalse(Hazard.objects.exists())
        event = Event.objects.get(type="investigation_task.completed")
        self.assertEqual(event.object_id, str(task.pk))
        self.assertTrue(event.data["zero_risk_report"])
        self.assertEqual(
            (event.data["items"], event.data["ok"], event.data["not_ok"], event.data["na"], event.data["hazards"]),
            (len(results), len(results) - 1, 0, 1, []),
        )
        self.assertFalse(event.data["late"])
        result = CheckResult.objects.get(task=task, item_code=f"unit-{self.item_elevators.pk}")
        self.assertEqual((result.item_source, result.text, result.checked_by), ("unit", "电梯使用标志完好", self.owner))

    def test_a_failed_item_becomes_a_hazard_with_its_photo(self):
        task = self.task("daily", self.equipment_a)
        photo = attachment_of(self.unit_a, self.owner)
        results = answers(
            task,
            **{
                "ELV-DOOR-LOCK-CIRCUIT": ("not_ok", "三层层门门锁被短接"),
                f"risk-{self.risk_a.pk}-2": ("not_ok", "二层层门不能自动关闭"),
            },
        )
        for result in results:
            if result["item_code"] == "ELV-DOOR-LOCK-CIRCUIT":
                result["photos"] = [photo]
        do_execute_task(actor=self.owner, task=task, results=results, expected_version=1)
        failed = CheckResult.objects.filter(task=task, outcome="not_ok").order_by("id")
        self.assertEqual(failed.count(), 2)
        hazards = Hazard.objects.filter(check_result__in=failed).order_by("check_result_id")
        self.assertEqual(hazards.count(), 2)
        lock, measure = hazards
        self.assertEqual((lock.source, lock.investigation_kind, lock.equipment), ("check", "daily", self.equipment_a))
        self.assertIn("三层层门门锁被短接", lock.description)
        self.assertEqual(lock.grade, "major")  # the item is GB 45067-2024 4.6 b)
        self.assertEqual(measure.grade, "general")
        self.assertEqual(list(failed[0].photos.all()), [photo])
        event = Event.objects.get(type="investigation_task.completed")
        self.assertEqual(sorted(event.data["hazards"]), sorted(hazard.pk for hazard in hazards))
        self.assertFalse(event.data["zero_risk_report"])
        self.assertEqual(event.data["not_ok"], 2)

    def test_who_may_execute(self):
        task = self.task("daily", self.equipment_a)
        for outsider in (self.member, self.unit_admin, self.other_unit_user, self.county_inspector):
            with self.subTest(user=outsider.username), self.assertRaises(PermissionDenied):
                do_execute_task(actor=outsider, task=task, results=answers(task), expected_version=1)
        # Another safety officer of the unit holds the task's role.
        colleague = make_user("officer_two", self.unit_a, "safety_officer")
        do_execute_task(actor=colleague, task=task, results=answers(task), expected_version=1)
        # The weekly sweep is the safety director's: a safety officer may not, the principal may.
        weekly = self.task("weekly")
        with self.assertRaises(PermissionDenied):
            do_execute_task(actor=self.owner, task=weekly, results=answers(weekly), expected_version=1)
        done = do_execute_task(actor=self.principal, task=weekly, results=answers(weekly), expected_version=1)
        self.assertEqual(done.status, "done")

    def test_a_done_task_is_not_executed_twice(self):
        task = self.task("daily", self.crane_a)
        do_execute_task(actor=self.owner, task=task, results=answers(task), expected_version=1)
        with self.assertRaises(InvalidTransition) as refused:
            do_execute_task(actor=self.owner, task=task, results=answers(task), expected_version=2)
        self.assertIn("已完成", refused.exception.message)
        self.assertEqual(CheckResult.objects.filter(task=task).count(), len(answers(task)))

    def test_every_item_answered_exactly_once(self):
        task = self.task("daily", self.equipment_a)
        complete = answers(task)
        cases = {
            "missing": (complete[1:], complete[0]["item_code"]),
            "unknown": ([*complete, {**complete[0], "item_code": "NO-SUCH-ITEM"}], "NO-SUCH-ITEM"),
            "elsewhere": ([*complete, {**complete[0], "equipment": self.crane_a.pk}], str(self.crane_a.pk)),
            "twice": ([*complete, complete[0]], complete[0]["item_code"]),
            "no note": (
                [{**complete[0], "outcome": "not_ok"}, *complete[1:]],
                complete[0]["item_code"],
            ),
            "bad outcome": ([{**complete[0], "outcome": "maybe"}, *complete[1:]], complete[0]["item_code"]),
            "foreign photo": (
                [{**complete[0], "photos": [attachment_of(self.unit_c, self.other_unit_user)]}, *complete[1:]],
                complete[0]["item_code"],
            ),
        }
        for case, (results, named) in cases.items():
            with self.subTest(case=case):
                with self.assertRaises(ValidationError) as refused:
                    do_execute_task(actor=self.owner, task=task, results=results, expected_version=1)
                messages = " ".join(refused.exception.message_dict["results"])
                self.assertIn(named, messages)
        task.refresh_from_db()
        self.assertEqual((task.status, task.version), ("pending", 1))
        self.assertFalse(CheckResult.objects.exists())

    def test_a_stale_version_is_refused(self):
        task = self.task("daily", self.equipment_a)
        with self.assertRaises(VersionConflict):
            do_execute_task(actor=self.owner, task=task, results=answers(task), expected_version=7)
        with self.assertRaises(ValidationError):
            do_execute_task(actor=self.owner, task=task, results=answers(task), expected_version=None)

    def test_the_monthly_meeting_records_its_decisions_and_attendees(self):
        task = self.task("monthly")
        with self.assertRaises(ValidationError) as refused:
            do_execute_task(actor=self.principal, task=task, results=[], expected_version=1)
        self.assertEqual(set(refused.exception.message_dict), {"decisions", "attendees"})
        done = do_execute_task(
            actor=self.principal,
            task=task,
            results=[],
            decisions="十月完成全部电梯门锁回路检查；十一月起每周试验层门",
            attendees="主要负责人、安全总监、安全员",
            expected_version=1,
        )
        self.assertEqual(done.status, "done")
        self.assertIn("门锁", done.decisions)
        self.assertFalse(Event.objects.get(type="investigation_task.completed").data["zero_risk_report"])

    def test_an_overdue_task_can_still_be_done_and_is_marked_late(self):
        task = self.task("daily", self.equipment_a)
        InvestigationTask.objects.filter(pk=task.pk).update(status="overdue")
        task.refresh_from_db()
        with time_machine.travel("2026-10-13 10:00 +0800", tick=False):
            done = do_execute_task(actor=self.owner, task=task, results=answers(task), expected_version=1)
        self.assertEqual(done.status, "done")
        self.assertTrue(Event.objects.get(type="investigation_task.completed").data["late"])


class PlanTests(InvestigationTestCase):
    def plan_data(self, **extra):
        data = {
            "kind": "comprehensive",
            "cycle": "half_yearly",
            "title": "半年综合性排查",
            "assignee_role": "safety_director",
            "starts_on": TODAY,
        }
        data.update(extra)
        return data

    def test_unit_managers_create_plans(self):
        for user in (self.owner, self.unit_admin, self.principal):
            with self.subTest(user=user.username):
                plan = do_create_plan(actor=user, data=self.plan_data(assignee=self.principal))
                self.assertEqual((plan.organization, plan.region_id, plan.created_by), (self.unit_a, self.ZEZHOU, user))
        self.assertEqual(Event.objects.filter(type="investigation_plan.created", actor=self.owner).count(), 1)
        for user in (self.member, self.county_inspector, self.agency_user, self.system_admin):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                do_create_plan(actor=user, data=self.plan_data())

    def test_plan_rules(self):
        leaver = make_user("leaver", self.unit_a, "safety_officer")
        leaver.is_active = False
        leaver.save()
        cases = {
            "cycle": self.plan_data(kind="daily", cycle="weekly"),
            "work_days": self.plan_data(cycle="monthly", work_days="working_days"),
            "due_on": self.plan_data(cycle="once"),
            "catalog_prefix": self.plan_data(catalog_prefix="ZZ"),
            "assignee_role": self.plan_data(assignee_role="org_admin"),
            "assignee": self.plan_data(assignee=self.unit_b_user),
            "title": self.plan_data(title="  "),
            "ends_on": self.plan_data(ends_on=date(2026, 1, 1)),
        }
        cases["kind"] = self.plan_data(kind="daily", cycle="daily")  # unit A has its daily plan already
        for field, data in cases.items():
            with self.subTest(field=field), self.assertRaises(ValidationError) as refused:
                do_create_plan(actor=self.owner, data=data)
            self.assertIn(field, refused.exception.message_dict)
        with self.assertRaises(ValidationError) as refused:
            do_create_plan(actor=self.owner, data=self.plan_data(cycle="once", due_on=date(2026, 10, 1)))
        self.assertIn("due_on", refused.exception.message_dict)
        with self.assertRaises(ValidationError) as refused:
            do_create_plan(actor=self.owner, data=self.plan_data(assignee=leaver))
        self.assertIn("assignee", refused.exception.message_dict)
        # A further daily check for a kind of equipment is fine, on working days too.
        plan = do_create_plan(
            actor=self.owner,
            data=self.plan_data(kind="daily", cycle="daily", catalog_prefix="4000", work_days="working_days"),
        )
        self.assertEqual(plan.catalog_prefix, "4000")

    def test_updating_a_plan(self):
        plan = do_create_plan(actor=self.owner, data=self.plan_data())
        updated = do_update_plan(
            actor=self.principal,
            plan=plan,
            changes={"title": "下半年综合性排查", "assignee": self.owner},
            expected_version=1,
        )
        self.assertEqual((updated.title, updated.assignee, updated.version), ("下半年综合性排查", self.owner, 2))
        event = Event.objects.get(type="investigation_plan.updated")
        self.assertEqual(event.data["changes"]["assignee"], [None, self.owner.pk])
        with self.assertRaises(VersionConflict):
            do_update_plan(actor=self.owner, plan=updated, changes={"title": "x"}, expected_version=1)
        with self.assertRaises(ValidationError) as refused:
            do_update_plan(actor=self.owner, plan=updated, changes={"cycle": "quarterly"}, expected_version=2)
        self.assertIn("cycle", refused.exception.message_dict)
        with self.assertRaises(PermissionDenied):
            do_update_plan(actor=self.other_unit_user, plan=updated, changes={"title": "x"}, expected_version=2)
        ended = do_update_plan(actor=self.owner, plan=updated, changes={"is_active": False}, expected_version=2)
        self.assertFalse(ended.is_active)

    def test_the_order_74_plans_cannot_be_stopped(self):
        daily = InvestigationPlan.objects.get(organization=self.unit_a, kind="daily", catalog_prefix="")
        with self.assertRaises(ValidationError) as refused:
            do_update_plan(actor=self.principal, plan=daily, changes={"is_active": False}, expected_version=1)
        self.assertIn("is_active", refused.exception.message_dict)
        changed = do_update_plan(
            actor=self.principal, plan=daily, changes={"work_days": "working_days"}, expected_version=1
        )
        self.assertEqual(changed.work_days, "working_days")
        daily.refresh_from_db()
        self.assertTrue(daily.is_active)


class CheckItemTests(InvestigationTestCase):
    def test_clauses_and_targets(self):
        item = do_add_check_item(
            actor=self.owner, data={"equipment": self.equipment_a, "text": "门锁回路", "gb45067_clause": "4.6b"}
        )
        self.assertEqual(item.gb45067_clause, "4.6b")
        cases = {
            "gb45067_clause": {"text": "x", "gb45067_clause": "9.9z"},
            "catalog_prefix": {"text": "x", "equipment": self.equipment_a, "catalog_prefix": "3000"},
            "equipment": {"text": "x", "equipment": self.equipment_c},
            "text": {"text": " "},
        }
        for field, data in cases.items():
            with self.subTest(field=field), self.assertRaises(ValidationError) as refused:
                do_add_check_item(actor=self.owner, data=data)
            self.assertIn(field, refused.exception.message_dict)
        # A crane clause does not apply to an elevator.
        with self.assertRaises(ValidationError) as refused:
            do_add_check_item(
                actor=self.owner, data={"equipment": self.equipment_a, "text": "x", "gb45067_clause": "4.7c"}
            )
        self.assertIn("gb45067_clause", refused.exception.message_dict)
        with self.assertRaises(PermissionDenied):
            do_add_check_item(actor=self.member, data={"text": "x"})

    def test_updating_an_item(self):
        item = do_update_check_item(
            actor=self.principal, item=self.item_unit, changes={"text": "安全生产责任制上墙公示"}, expected_version=1
        )
        self.assertEqual((item.text, item.version), ("安全生产责任制上墙公示", 2))
        self.assertTrue(Event.objects.filter(type="check_item.updated", object_id=str(item.pk)).exists())
        with self.assertRaises(VersionConflict):
            do_update_check_item(actor=self.owner, item=item, changes={"text": "y"}, expected_version=1)
        with self.assertRaises(PermissionDenied):
            do_update_check_item(actor=self.other_unit_user, item=item, changes={"text": "y"}, expected_version=2)
        with self.assertRaises(ValidationError) as refused:
            do_update_check_item(actor=self.owner, item=item, changes={"equipment": self.crane_a}, expected_version=2)
        self.assertIn("equipment", refused.exception.message_dict)
        retired = do_update_check_item(actor=self.owner, item=item, changes={"is_active": False}, expected_version=2)
        self.assertNotIn(f"unit-{retired.pk}", [entry.item_code for entry in checklist_for_task(self.task("weekly"))])
