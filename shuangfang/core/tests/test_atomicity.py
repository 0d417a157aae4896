"""All or nothing: an operation that writes many rows leaves no trace when it fails half-way.

Each multi-row operation is run with the event recorder failing on its Nth call — every N the operation reaches — and
after each failure every table of the platform must be as it was: the same rows, the same versions, the same values.
A service whose writes are not in one transaction leaves the rows written before the failure, and its test fails.
"""

import sys
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from unittest import mock

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from shuangfang.core import events
from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.equipment import ledger
from shuangfang.equipment.models import Equipment
from shuangfang.equipment.tests.test_ledger import ledger_row, upload, workbook_bytes
from shuangfang.hazards import scheduling
from shuangfang.hazards import services as hazard_services
from shuangfang.hazards.investigation import checklist_for_task, do_execute_task
from shuangfang.hazards.models import InvestigationPlan, InvestigationTask
from shuangfang.risks.services import do_apply_templates
from shuangfang.safety import services as safety_services
from shuangfang.supervision import rules_enforcement
from shuangfang.supervision.services_enforcement import do_record_inspection

PLAN = {
    "goal": "消除门锁回路短接",
    "methods": "恢复门锁安全回路，更换门锁",
    "funds_materials": "2000 元，门锁两套",
    "organization_people": "安全员负责，维保单位实施",
    "timeline": "7 日内完成",
    "safety_contingency": "停梯并设置警示，困人应急救援预案",
}
# Reference tables loaded by migrate: counted, not read row by row.
LARGE_TABLE = 2000


class EventFailure(Exception):
    """The failure injected into the operation."""


def platform_models():
    return [model for model in apps.get_models() if model.__module__.startswith("shuangfang.")]


def database_state() -> dict:
    """Every row of every table of the platform (the reference tables by count)."""
    state = {}
    for model in platform_models():
        rows = model._base_manager.order_by("pk")
        count = rows.count()
        state[model._meta.label] = count if count > LARGE_TABLE else repr(list(rows.values_list()))
    return state


def record_event_bindings():
    """Every module of the platform that imported record_event by name, and the module that defines it."""
    original = events.record_event
    return [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("shuangfang.") and getattr(module, "record_event", None) is original
    ]


@contextmanager
def record_event_failing_on(call_number: int | None):
    """record_event as it is, except that its call number `call_number` raises; yields the calls made."""
    original = events.record_event
    calls = []

    def recorder(*args, **kwargs):
        calls.append(args[0] if args else kwargs.get("type"))
        if len(calls) == call_number:
            raise EventFailure(f"event {call_number} refused")
        return original(*args, **kwargs)

    with ExitStack() as stack:
        for module in record_event_bindings():
            stack.enter_context(mock.patch.object(module, "record_event", recorder))
        yield calls


class AtomicityTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.director = make_user("director", cls.unit_a, "safety_director")
        cls.elevator_2 = make_equipment(cls.unit_a, "31101405252020A0002")

    def assert_all_or_nothing(self, operation, *, at_least=1):
        """Run `operation` once to count its events (rolled back), then once failing at each of them."""
        with self.assertRaises(EventFailure), record_event_failing_on(None) as calls, transaction.atomic():
            operation()
            counted = list(calls)
            raise EventFailure("count only")
        self.assertGreaterEqual(len(counted), at_least, f"the operation records too few events: {counted}")
        before = database_state()
        for call_number in range(1, len(counted) + 1):
            with self.subTest(failing_event=call_number, of=counted):
                with self.assertRaises(EventFailure), record_event_failing_on(call_number):
                    operation()
                after = database_state()
                changed = sorted(label for label in before if after[label] != before[label])
                self.assertEqual(changed, [], f"tables changed although event {call_number} failed")
        return counted

    # -- the operations -----------------------------------------------------------------------------------------------

    def confirmed_major_hazard(self):
        hazard = hazard_services.do_report_hazard(
            actor=self.member, equipment=self.equipment_a, description="门锁安全回路被短接", clauses=["4.6b"]
        )
        data = {
            "grade": "major",
            "handling": "deadline",
            "deadline": timezone.localdate() + timedelta(days=10),
            "responsible": self.principal,
            "measures": "恢复门锁回路",
            "funds": "2000 元",
            "contingency": "停梯",
            "plan": PLAN,
        }
        return hazard_services.do_confirm_hazard(
            actor=self.director, hazard=hazard, data=data, expected_version=hazard.version
        )

    def test_ledger_import_imports_all_rows_or_none(self):
        rows = [ledger_row(f"ATOM{number:05d}") for number in range(1, 4)]
        data = workbook_bytes(rows)
        # One chunk per row: the import writes (and records) three times inside its one transaction.
        with mock.patch.object(ledger, "CHUNK_ROWS", 1):
            counted = self.assert_all_or_nothing(
                lambda: ledger.import_ledger(actor=self.owner, uploaded=upload(data)), at_least=3
            )
        self.assertEqual(counted, ["equipment.imported"] * 3)
        self.assertFalse(Equipment.objects.filter(code__startswith="ATOM").exists())

    def test_applying_risk_templates_creates_all_risks_or_none(self):
        self.assert_all_or_nothing(
            lambda: do_apply_templates(actor=self.owner, equipment=[self.equipment_a, self.elevator_2])
        )

    def test_listing_a_hazard_writes_hazard_listing_and_notifications_or_nothing(self):
        hazard = self.confirmed_major_hazard()
        self.assert_all_or_nothing(
            lambda: hazard_services.do_list_hazard(
                actor=self.county_inspector,
                hazard=hazard,
                level="county",
                deadline=timezone.localdate() + timedelta(days=30),
            )
        )

    def test_the_one_action_inspection_writes_hazard_listing_and_stop_order_or_nothing(self):
        results = {item.code: "ok" for item in rules_enforcement.ENFORCEMENT_CHECKLIST}
        one_action = next(item for item in rules_enforcement.ENFORCEMENT_CHECKLIST if item.one_action)
        results[one_action.code] = rules_enforcement.FINDING
        counted = self.assert_all_or_nothing(
            lambda: do_record_inspection(
                actor=self.county_inspector,
                unit=self.unit_a,
                inspected_on=None,
                results=results,
                notes={one_action.code: "重大风险由车间级管控"},
                equipment=self.equipment_a,
                orders=[{"content": "补齐周排查报告", "deadline": timezone.localdate() + timedelta(days=30)}],
            ),
            at_least=3,
        )
        self.assertIn("enforcement.inspected", counted)

    def test_an_exam_submission_scores_and_records_or_changes_nothing(self):
        safety_services.do_add_question(
            actor=self.owner,
            organization=self.unit_a,
            kind="single",
            text="层门打不开时应当？",
            options=["停梯报修", "扒门"],
            answer=[0],
        )
        today = timezone.localdate()
        exam = safety_services.do_create_exam(
            actor=self.owner,
            title="作业人员考试",
            roles=["operator"],
            question_count=1,
            opens_on=today,
            closes_on=today + timedelta(days=7),
            seed=1,
        )
        attempt = exam.attempts.get(candidate=self.member)
        answers = {str(question.pk): [1] for question in exam.questions.all()}
        self.assert_all_or_nothing(
            lambda: safety_services.do_submit_attempt(actor=self.member, attempt=attempt, answers=answers)
        )

    def test_a_failed_check_writes_the_task_and_every_hazard_it_finds_or_nothing(self):
        plan = InvestigationPlan.objects.create(
            organization=self.unit_a,
            region_id=self.unit_a.region_id,
            kind="comprehensive",
            title="综合性排查",
            cycle="once",
            assignee_role="safety_officer",
            starts_on=timezone.localdate(),
            due_on=timezone.localdate() + timedelta(days=30),
            created_by=self.owner,
        )
        task = InvestigationTask.objects.create(
            organization=self.unit_a,
            region_id=self.unit_a.region_id,
            plan=plan,
            kind="comprehensive",
            title="综合性排查",
            period_start=timezone.localdate(),
            due_on=timezone.localdate() + timedelta(days=30),
            assignee_role="safety_officer",
        )
        items = checklist_for_task(task)
        self.assertGreaterEqual(len(items), 2)
        equipment_by_pk = Equipment.objects.in_bulk({item.equipment_id for item in items if item.equipment_id})
        results = [
            {
                "equipment": equipment_by_pk.get(item.equipment_id),
                "item_code": item.item_code,
                "outcome": "not_ok" if index < 2 else "ok",
                "note": f"发现问题 {index}" if index < 2 else "",
            }
            for index, item in enumerate(items)
        ]
        self.assert_all_or_nothing(
            lambda: do_execute_task(actor=self.owner, task=task, results=results, expected_version=task.version),
            at_least=3,
        )

    def test_each_duty_cycle_plan_is_created_with_its_event_or_not_at_all(self):
        """The scheduler writes a round's Order 74 plans and their events in one transaction: when the events cannot
        be written no plan stays; the next run makes them all, each with its event."""
        today = timezone.localdate()
        InvestigationPlan.objects.filter(organization=self.unit_a).delete()
        with (
            mock.patch.object(Event.objects, "bulk_create", side_effect=EventFailure("the log is unavailable")),
            self.assertRaises(EventFailure),
        ):
            scheduling.ensure_duty_cycle_plans(today, units=[self.unit_a.pk])
        self.assertFalse(InvestigationPlan.objects.filter(organization=self.unit_a).exists())
        self.assertEqual(scheduling.ensure_duty_cycle_plans(today, units=[self.unit_a.pk]), 3)
        for plan in InvestigationPlan.objects.filter(organization=self.unit_a):
            self.assertTrue(Event.objects.filter(type="investigation_plan.created", object_id=str(plan.pk)).exists())
        self.assertEqual(scheduling.ensure_duty_cycle_plans(today, units=[self.unit_a.pk]), 0)
