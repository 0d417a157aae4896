"""Exam questions made from a unit's own risk list: built from each risk with the right answers, the same risks giving
the same questions, a change reaching the bank (a question already on a paper replaced, never rewritten), retired
risks' questions withdrawn, a unit exam drawing them, and no other unit (nor a spot-check) ever seeing them."""

from datetime import date, timedelta

import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import Equipment
from shuangfang.risks.models import Risk
from shuangfang.risks.services import (
    do_apply_templates,
    do_create_risk,
    do_create_risk_point,
    do_retire_risk,
    do_update_risk,
)
from shuangfang.safety.choices import QuestionKind, QuestionTopic
from shuangfang.safety.models import Question
from shuangfang.safety.risk_questions import sync_unit_risk_questions
from shuangfang.safety.services import _clean_question, do_create_exam

TODAY = date(2026, 3, 2)
LEVELS = ["重大风险", "较大风险", "一般风险", "低风险"]
CONTROL_LEVELS = ["公司级", "部门级", "车间级", "班组级", "岗位级"]
ROPE_MEASURES = ["每月检查钢丝绳断丝和磨损", "钢丝绳张力每季度测量一次", "安全员每周巡查机房"]
BRAKE_MEASURES = ["每半月检查制动器间隙", "制动器检修后做制动试验"]


def risk_data(**extra) -> dict:
    data = {
        "title": "钢丝绳断丝",
        "hazard_source": "曳引钢丝绳断丝、磨损超标",
        "method": "ls",
        "factors": {"L": 2, "S": 3},  # low, controlled at post level
        "control_level": "post",
        "measures": [{"kind": "management", "text": text, "check": True} for text in ROPE_MEASURES],
    }
    data.update(extra)
    return data


def brake_data(**extra) -> dict:
    return risk_data(
        title="制动器失效",
        hazard_source="制动器间隙过大、制动力不足",
        factors={"L": 3, "S": 3},  # general, controlled at workshop level
        control_level="workshop",
        measures=[{"kind": "engineering", "text": text} for text in BRAKE_MEASURES],
        **extra,
    )


def question(risk: Risk, kind: str) -> Question:
    return Question.objects.get(code=f"risk-{risk.pk}-{kind}")


def snapshot(unit) -> dict:
    fields = ("kind", "text", "options", "answer", "equipment_category", "citation", "is_active")
    return {
        q["code"]: {f: q[f] for f in fields}
        for q in Question.objects.filter(organization=unit, code__startswith="risk-").values("code", *fields)
    }


class RiskQuestionTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # The platform's bank (loaded by migrate) stays out: these tests count the questions exams draw.
        Question.objects.filter(organization__isnull=True).update(is_active=False)
        Equipment.objects.filter(pk=cls.equipment_a.pk).update(name="1号客梯")
        cls.equipment_a.refresh_from_db()

    def setUp(self):
        traveller = time_machine.travel(TODAY, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def rope(self, **extra) -> Risk:
        return do_create_risk(actor=self.owner, equipment=self.equipment_a, data=risk_data(**extra))

    def brake(self) -> Risk:
        return do_create_risk(actor=self.owner, equipment=self.equipment_a, data=brake_data())

    def unit_exam(self, actor=None, **values):
        fields = {
            "title": "电梯安全员考试",
            "roles": ["safety_officer"],
            "question_count": 6,
            "equipment_category": "3000",
            "opens_on": TODAY,
            "closes_on": TODAY + timedelta(days=7),
            "seed": 3,
        }
        fields.update(values)
        return do_create_exam(actor=actor or self.unit_admin, **fields)


class BuildTests(RiskQuestionTestCase):
    def test_each_risk_gives_its_level_control_level_and_measures(self):
        rope, brake = self.rope(), self.brake()
        self.assertEqual(sync_unit_risk_questions(self.unit_a), 6)

        level = question(rope, "level")
        self.assertEqual(level.text, "「1号客梯」的风险「钢丝绳断丝」评定为哪一级？")
        self.assertEqual((level.kind, level.options), (QuestionKind.SINGLE, LEVELS))
        self.assertEqual(level.options[level.answer[0]], "低风险")
        self.assertEqual(question(brake, "level").answer, [LEVELS.index("一般风险")])

        control = question(rope, "control")
        self.assertEqual((control.kind, control.options), (QuestionKind.SINGLE, CONTROL_LEVELS))
        self.assertEqual(control.answer, [CONTROL_LEVELS.index("岗位级")])
        self.assertEqual(question(brake, "control").answer, [CONTROL_LEVELS.index("车间级")])

        measures = question(rope, "measures")
        self.assertEqual(measures.text, "下列哪些是「1号客梯」的风险「钢丝绳断丝」的管控措施？")
        self.assertEqual(measures.kind, QuestionKind.MULTIPLE)
        self.assertEqual({measures.options[i] for i in measures.answer}, set(ROPE_MEASURES))
        distractors = set(measures.options) - set(ROPE_MEASURES)
        self.assertEqual(len(distractors), 1)  # the unit's only other risk gives one
        self.assertLessEqual(distractors, set(BRAKE_MEASURES))
        brake_measures = question(brake, "measures")
        self.assertEqual({brake_measures.options[i] for i in brake_measures.answer}, set(BRAKE_MEASURES))

        for q in Question.objects.filter(organization=self.unit_a):
            self.assertEqual(q.topic, QuestionTopic.UNIT_RISKS)
            self.assertEqual((q.roles, q.equipment_category, q.is_active, q.version), ([], "3000", True, 1))
            self.assertTrue(q.citation.startswith("本单位安全风险管控清单："), q.citation)
            # Every question is one a manager could have typed in.
            self.assertEqual(_clean_question(q.kind, q.text, q.options, q.answer), (q.options, q.answer))
        self.assertEqual(question(brake, "level").citation, "本单位安全风险管控清单：制动器失效")

    def test_no_measures_question_without_the_material(self):
        alone = self.rope()
        sync_unit_risk_questions(self.unit_a)
        # Nothing else in the unit's list to offer as a wrong option.
        self.assertFalse(Question.objects.filter(code=f"risk-{alone.pk}-measures").exists())
        one_measure = self.rope(title="轿厢意外移动", measures=[{"kind": "management", "text": "检查轿厢意外移动保护"}])
        sync_unit_risk_questions(self.unit_a)
        self.assertFalse(Question.objects.filter(code=f"risk-{one_measure.pk}-measures").exists())
        self.assertTrue(question(alone, "measures").is_active)

    def test_templates_make_sound_questions_and_a_same_titled_risk_is_no_wrong_option(self):
        second = make_equipment(self.unit_a, "31101401012020A0002", name="2号客梯")
        risks = do_apply_templates(actor=self.owner, equipment=[self.equipment_a, second])
        # Unit A's second lift: the same hazard with its measures worded by the unit.
        twin = next(r for r in risks if r.equipment_id == second.pk and r.template_code == "ELV-SUSPENSION-ROPE")
        twin = do_update_risk(
            actor=self.owner,
            risk=twin,
            changes={"measures": [{"kind": "management", "text": "2号梯钢丝绳每周目测"}, *twin.measures]},
            expected_version=twin.version,
        )
        sync_unit_risk_questions(self.unit_a)
        risks = list(Risk.objects.filter(organization=self.unit_a, is_active=True))
        self.assertEqual(Question.objects.filter(organization=self.unit_a, kind="multiple").count(), len(risks))
        by_title: dict[str, set[str]] = {}
        for risk in risks:
            by_title.setdefault(risk.title, set()).update(m["text"] for m in risk.measures)
        for risk in risks:
            q = question(risk, "measures")
            _clean_question(q.kind, q.text, q.options, q.answer)
            own = {m["text"] for m in risk.measures}
            right = {q.options[i] for i in q.answer}
            wrong = set(q.options) - right
            self.assertTrue(2 <= len(right) <= 3 and 1 <= len(wrong) <= 2, q.options)
            self.assertLessEqual(right, own)
            self.assertFalse(wrong & by_title[risk.title], risk.title)
            self.assertEqual(
                question(risk, "level").options[question(risk, "level").answer[0]], risk.get_level_display()
            )

    def test_a_site_risk_belongs_to_every_category(self):
        point = do_create_risk_point(actor=self.owner, data={"kind": "site", "name": "锅炉房"})
        risk = do_create_risk(actor=self.owner, point=point, data=risk_data(title="锅炉房通风不良"))
        sync_unit_risk_questions(self.unit_a)
        level = question(risk, "level")
        self.assertEqual(level.text, "「锅炉房」的风险「锅炉房通风不良」评定为哪一级？")
        self.assertEqual(level.equipment_category, "")


class SyncTests(RiskQuestionTestCase):
    def test_the_same_risks_give_the_same_questions_and_a_second_sync_writes_nothing(self):
        self.rope(), self.brake()
        sync_unit_risk_questions(self.unit_a)
        before = snapshot(self.unit_a)
        versions = dict(Question.objects.filter(organization=self.unit_a).values_list("pk", "version"))
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(sync_unit_risk_questions(self.unit_a), 0)
        writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
        self.assertEqual(writes, [])
        self.assertLessEqual(len(queries.captured_queries), 6)  # a fixed number of reads, whatever the list's size
        self.assertEqual(dict(Question.objects.filter(organization=self.unit_a).values_list("pk", "version")), versions)
        Question.objects.filter(organization=self.unit_a).delete()
        self.assertEqual(sync_unit_risk_questions(self.unit_a), 6)
        self.assertEqual(snapshot(self.unit_a), before)

    def test_a_changed_level_updates_an_unused_question(self):
        rope, _brake = self.rope(), self.brake()
        sync_unit_risk_questions(self.unit_a)
        level, control = question(rope, "level"), question(rope, "control")
        do_update_risk(
            actor=self.owner,
            risk=rope,
            changes={"factors": {"L": 3, "S": 3}, "control_level": "workshop"},
            expected_version=rope.version,
        )
        self.assertEqual(sync_unit_risk_questions(self.unit_a), 2)
        updated = question(rope, "level")
        self.assertEqual((updated.pk, updated.version), (level.pk, 2))
        self.assertEqual(updated.options[updated.answer[0]], "一般风险")
        self.assertEqual(question(rope, "control").pk, control.pk)
        self.assertEqual(question(rope, "control").answer, [CONTROL_LEVELS.index("车间级")])
        self.assertEqual(question(rope, "measures").version, 1)

    def test_a_question_on_a_paper_is_replaced_and_the_paper_keeps_it(self):
        rope, _brake = self.rope(), self.brake()
        exam = self.unit_exam()  # every risk question of the unit
        old = question(rope, "level")
        self.assertIn(old, exam.questions.all())
        do_update_risk(
            actor=self.owner,
            risk=rope,
            changes={"factors": {"L": 3, "S": 3}, "control_level": "workshop"},
            expected_version=rope.version,
        )
        self.assertEqual(sync_unit_risk_questions(self.unit_a), 2)
        old.refresh_from_db()
        self.assertEqual((old.code, old.is_active), (None, False))
        self.assertEqual(old.options[old.answer[0]], "低风险")  # as it was asked
        new = question(rope, "level")
        self.assertNotEqual(new.pk, old.pk)
        self.assertEqual((new.options[new.answer[0]], new.is_active), ("一般风险", True))
        self.assertIn(old, exam.questions.all())
        self.assertNotIn(new, exam.questions.all())
        self.assertEqual(sync_unit_risk_questions(self.unit_a), 0)

    def test_a_retired_risk_withdraws_its_questions(self):
        rope, brake = self.rope(), self.brake()
        sync_unit_risk_questions(self.unit_a)
        do_retire_risk(actor=self.owner, risk=rope, reason="钢丝绳已更换为钢带", expected_version=rope.version)
        # Its three questions go, and the brake's measures question has no other risk to take a wrong option from.
        self.assertEqual(sync_unit_risk_questions(self.unit_a), 4)
        for kind in ("level", "control", "measures"):
            self.assertFalse(question(rope, kind).is_active, kind)
        self.assertFalse(question(brake, "measures").is_active)
        self.assertTrue(question(brake, "level").is_active)
        self.assertEqual(sync_unit_risk_questions(self.unit_a), 0)

    def test_a_scrapped_equipments_risks_are_not_asked(self):
        rope = self.rope()
        sync_unit_risk_questions(self.unit_a)
        Equipment.objects.filter(pk=self.equipment_a.pk).update(status=EquipmentStatus.SCRAPPED)
        self.assertEqual(sync_unit_risk_questions(self.unit_a), 2)
        self.assertFalse(question(rope, "level").is_active)


class ExamTests(RiskQuestionTestCase):
    def test_a_unit_exam_draws_the_units_risk_questions(self):
        rope, brake = self.rope(), self.brake()
        exam = self.unit_exam()  # no sync beforehand: making the exam brings the bank up to date
        self.assertEqual(
            set(exam.questions.values_list("code", flat=True)),
            {f"risk-{r.pk}-{kind}" for r in (rope, brake) for kind in ("level", "control", "measures")},
        )
        # An exam of another equipment category does not ask about the lifts.
        with self.assertRaises(ValidationError):
            self.unit_exam(equipment_category="4000", question_count=1)

    def test_another_unit_never_sees_them(self):
        self.rope(), self.brake()
        point = do_create_risk_point(actor=self.owner, data={"kind": "site", "name": "锅炉房"})
        site = do_create_risk(actor=self.owner, point=point, data=risk_data(title="锅炉房通风不良"))
        sync_unit_risk_questions(self.unit_a)
        ours = set(Question.objects.filter(organization=self.unit_a).values_list("pk", flat=True))
        self.assertEqual(len(ours), 9)
        for user in (self.owner, self.member, self.county_inspector, self.city_inspector):
            self.assertLessEqual(ours, set(Question.objects.visible_to(user).values_list("pk", flat=True)), user)
        for user in (self.other_unit_user, self.unit_b_user, self.sibling_inspector, self.other_city_inspector):
            self.assertFalse(Question.objects.visible_to(user).filter(pk__in=ours).exists(), user.username)
        # An exam of unit A with no category draws from all of the unit's own questions ...
        exam = self.unit_exam(equipment_category="", question_count=9)
        self.assertEqual(set(exam.questions.values_list("pk", flat=True)), ours)
        self.assertTrue(
            {f"risk-{site.pk}-{kind}" for kind in ("level", "control", "measures")}
            <= set(exam.questions.values_list("code", flat=True))
        )
        # ... but unit C's exam has nothing to draw, and a spot-check draws the platform's questions only.
        for actor, values in (
            (self.other_unit_user, {}),
            (self.other_unit_user, {"equipment_category": ""}),
            (self.county_inspector, {"equipment_category": ""}),
        ):
            with self.assertRaises(ValidationError) as raised:
                self.unit_exam(actor=actor, question_count=1, **values)
            self.assertIn("question_count", raised.exception.message_dict, actor.username)
