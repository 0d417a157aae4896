"""Training exams and the regulator's spot-check (抽查考核, SAMR Order 74 art 81/147): the scoring rule, who becomes a
candidate (a unit's own people; a regulator's jurisdiction and nothing beyond it), handing in (once, by the candidate,
inside the window; a failed spot-check flagged to the unit), and the pages (the answer key hidden until handed in,
404 for anyone but the candidate and for regulators out of jurisdiction)."""

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from django.urls import reverse
from python_calamine import CalamineWorkbook

from shuangfang.core.services import PermissionDenied
from shuangfang.core.testing import CastTestCase, make_organization, make_user
from shuangfang.notifications.models import Notification
from shuangfang.safety import rules
from shuangfang.safety.choices import AttemptStatus, ExamKind, QuestionKind, QuestionTopic
from shuangfang.safety.models import ComplianceGap, Exam, ExamAttempt, Question
from shuangfang.safety.services import do_appoint, do_create_exam, do_submit_attempt

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
SECRET_CITATION = "测试依据第九十九条"


def platform_question(number: int, **values) -> Question:
    fields = {
        "topic": QuestionTopic.ORDER_74,
        "kind": QuestionKind.SINGLE,
        "text": f"平台单选题{number:02d}：下列哪一项正确？",
        "options": [f"第{number}题甲项", f"第{number}题乙项", f"第{number}题丙项", f"第{number}题丁项"],
        "answer": [number % 4],
        "citation": f"{SECRET_CITATION}（{number}）",
    }
    fields.update(values)
    return Question.objects.create(**fields)


def right_answers(exam: Exam) -> dict[str, list[int]]:
    return {str(q.pk): list(q.answer) for q in exam.questions.all()}


def wrong_answers(exam: Exam) -> dict[str, list[int]]:
    return {str(q.pk): [(q.answer[0] + 1) % len(q.options)] for q in exam.questions.all()}


class ScoreAnswersTests(SimpleTestCase):
    """rules.score_answers is pure: no database."""

    KEY = {"1": [0], "2": [1], "3": [0, 2], "4": [1]}

    def test_all_right_is_100(self):
        self.assertEqual(
            rules.score_answers(self.KEY, {"1": [0], "2": [1], "3": [2, 0], "4": [1]}),
            (100, dict.fromkeys(self.KEY, True)),
        )

    def test_partial(self):
        score, marks = rules.score_answers(self.KEY, {"1": [0], "2": [0], "3": [0, 2], "4": [3]})
        self.assertEqual(score, 50)
        self.assertEqual(marks, {"1": True, "2": False, "3": True, "4": False})

    def test_multiple_choice_needs_the_exact_set(self):
        for given in ([0], [2], [0, 1, 2], [1]):
            _score, marks = rules.score_answers(self.KEY, {"3": given})
            self.assertFalse(marks["3"], given)
        _score, marks = rules.score_answers(self.KEY, {"3": [2, 0, 0]})
        self.assertTrue(marks["3"])

    def test_empty(self):
        self.assertEqual(rules.score_answers(self.KEY, {}), (0, dict.fromkeys(self.KEY, False)))
        self.assertEqual(rules.score_answers({}, {"1": [0]}), (0, {}))

    def test_rounding(self):
        score, _marks = rules.score_answers({"1": [0], "2": [0], "3": [0]}, {"1": [0], "2": [0]})
        self.assertEqual(score, 67)


class ExamTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # The platform's bank (when migrate has loaded it) stays out: these tests count the questions they draw from.
        Question.objects.filter(organization__isnull=True).update(is_active=False)
        cls.questions = [platform_question(n) for n in range(1, 13)]
        cls.multiple = platform_question(
            13, kind=QuestionKind.MULTIPLE, text="平台多选题：下列哪些正确？", answer=[0, 2], topic=QuestionTopic.LAWS
        )
        cls.unit_c_question = Question.objects.create(
            organization=cls.unit_c,
            topic=QuestionTopic.UNIT_RISKS,
            kind=QuestionKind.JUDGE,
            text="丙单位自己的题目",
            options=["正确", "错误"],
            answer=[0],
        )
        # A unit in another city (Taiyuan, Xiaodian district) with a safety officer.
        cls.unit_t = make_organization("丁单位", "use_unit", cls.XIAODIAN, seed=4)
        cls.unit_t_officer = make_user("unit_t_officer", cls.unit_t, "safety_officer")
        cls.unit_a_director = make_user("unit_a_director", cls.unit_a, "safety_director")

    def setUp(self):
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def unit_exam(self, actor=None, **values) -> Exam:
        fields = {
            "title": "2026年度安全员考试",
            "roles": ["safety_officer"],
            "question_count": 4,
            "opens_on": TODAY - timedelta(days=1),
            "closes_on": TODAY + timedelta(days=13),
            "seed": 7,
        }
        fields.update(values)
        return do_create_exam(actor=actor or self.unit_admin, **fields)

    def spot_check(self, actor=None, **values) -> Exam:
        fields = {"title": "安全员抽查考核", "roles": ["safety_director", "safety_officer"]}
        fields.update(values)
        return self.unit_exam(actor=actor or self.county_inspector, **fields)

    def candidates(self, exam: Exam) -> set[str]:
        return set(exam.attempts.values_list("candidate__username", flat=True))

    def attempt(self, exam: Exam, person) -> ExamAttempt:
        return ExamAttempt.objects.get(exam=exam, candidate=person)


class CreateExamTests(ExamTestCase):
    def test_unit_exam_candidates_are_the_units_people_with_the_roles(self):
        exam = self.unit_exam()
        self.assertEqual(exam.kind, ExamKind.UNIT)
        self.assertEqual(exam.organization, self.unit_a)
        self.assertEqual(exam.pass_score, rules.DEFAULT_PASS_SCORE)
        self.assertEqual(self.candidates(exam), {"owner"})
        exam = self.unit_exam(roles=["operator", "safety_officer", "safety_director"])
        self.assertEqual(self.candidates(exam), {"owner", "member", "unit_a_director"})
        attempt = self.attempt(exam, self.member)
        self.assertEqual(
            (attempt.organization, attempt.region_id, attempt.status), (self.unit_a, self.ZEZHOU, "assigned")
        )
        self.assertTrue(Notification.objects.filter(user=self.member, kind="exam.assigned").exists())
        self.assertFalse(Notification.objects.filter(user=self.other_unit_user, kind="exam.assigned").exists())

    def test_a_unit_exam_never_draws_another_units_questions(self):
        own = Question.objects.create(
            organization=self.unit_a,
            topic="unit_risks",
            kind="judge",
            text="甲单位的题",
            options=["正确", "错误"],
            answer=[1],
        )
        exam = self.unit_exam(question_count=len(self.questions) + 2)  # every question it may draw
        drawn = set(exam.questions.all())
        self.assertIn(own, drawn)
        self.assertNotIn(self.unit_c_question, drawn)

    def test_only_the_units_managers_organise_its_exams(self):
        for actor in (self.member, self.agency_user):
            with self.assertRaises(PermissionDenied, msg=actor.username):
                self.unit_exam(actor=actor)
        self.assertFalse(Exam.objects.exists())

    def test_county_spot_check_stays_in_the_county(self):
        b_director = make_user("unit_b_director", self.unit_b, "safety_director")
        exam = self.spot_check()
        self.assertEqual(exam.kind, ExamKind.SPOT_CHECK)
        self.assertEqual((exam.organization, exam.region_id), (self.county, self.ZEZHOU))
        # Units A and C in Zezhou; never unit B in the sibling county (Yangcheng) nor Taiyuan; and the operator
        # and the principal are not what a spot-check examines.
        self.assertEqual(self.candidates(exam), {"owner", "unit_a_director", "other_unit"})
        self.assertNotIn(b_director.username, self.candidates(exam))
        self.assertEqual(set(exam.attempts.values_list("organization", flat=True)), {self.unit_a.pk, self.unit_c.pk})

    def test_city_spot_check_covers_both_counties_and_no_other_city(self):
        exam = self.spot_check(actor=self.city_inspector)
        self.assertEqual(self.candidates(exam), {"owner", "unit_a_director", "other_unit", "unit_b_user"})
        self.assertEqual(exam.region_id, self.JINCHENG)

    def test_a_region_within_the_jurisdiction_narrows_it(self):
        from shuangfang.orgs.models import Region

        exam = self.spot_check(actor=self.city_inspector, region=Region.objects.get(code=self.YANGCHENG))
        self.assertEqual(self.candidates(exam), {"unit_b_user"})

    def test_a_region_outside_the_jurisdiction_is_refused(self):
        from shuangfang.orgs.models import Region

        for actor, code in (
            (self.county_inspector, self.YANGCHENG),
            (self.county_inspector, self.JINCHENG),
            (self.city_inspector, self.TAIYUAN),
            (self.sibling_inspector, self.ZEZHOU),
        ):
            with self.assertRaises(ValidationError, msg=f"{actor.username} {code}") as refused:
                self.spot_check(actor=actor, region=Region.objects.get(code=code))
            self.assertIn("region", refused.exception.message_dict)
        self.assertFalse(Exam.objects.exists())

    def test_a_spot_check_examines_directors_and_officers_only(self):
        with self.assertRaises(ValidationError) as refused:
            self.spot_check(roles=["operator"])
        self.assertIn("roles", refused.exception.message_dict)

    def test_too_few_questions_in_the_bank(self):
        with self.assertRaises(ValidationError) as refused:
            self.unit_exam(question_count=50)
        self.assertIn("question_count", refused.exception.message_dict)
        self.assertIn("50", refused.exception.message_dict["question_count"][0])
        self.assertFalse(Exam.objects.exists())

    def test_the_draw_is_reproducible_from_the_seed(self):
        first = set(self.unit_exam(seed=12345, question_count=5).questions.values_list("pk", flat=True))
        again = set(self.unit_exam(seed=12345, question_count=5).questions.values_list("pk", flat=True))
        other = set(self.unit_exam(seed=54321, question_count=5).questions.values_list("pk", flat=True))
        self.assertEqual(first, again)
        self.assertEqual(len(first), 5)
        self.assertNotEqual(first, other)  # 5 of 13: the chance two seeds agree is 1 in 1287, and these two do not


class SubmitAttemptTests(ExamTestCase):
    def test_score_and_passed_are_stored(self):
        exam = self.unit_exam()
        attempt = do_submit_attempt(
            actor=self.owner, attempt=self.attempt(exam, self.owner), answers=right_answers(exam)
        )
        attempt.refresh_from_db()
        self.assertEqual((attempt.score, attempt.passed, attempt.status), (100, True, AttemptStatus.SUBMITTED))
        self.assertIsNotNone(attempt.submitted_at)
        self.assertEqual(attempt.marks, dict.fromkeys(right_answers(exam), True))

    def test_below_the_pass_score_fails(self):
        exam = self.unit_exam(roles=["operator"])
        answers = right_answers(exam)
        first = next(iter(answers))
        answers[first] = [(answers[first][0] + 1) % 4]  # 3 of 4 right: 75 < 80
        attempt = do_submit_attempt(actor=self.member, attempt=self.attempt(exam, self.member), answers=answers)
        self.assertEqual((attempt.score, attempt.passed), (75, False))
        # A unit's own exam flags nobody.
        self.assertFalse(Notification.objects.filter(kind="exam.failed").exists())

    def test_handing_in_twice_is_refused(self):
        exam = self.unit_exam()
        attempt = self.attempt(exam, self.owner)
        do_submit_attempt(actor=self.owner, attempt=attempt, answers=wrong_answers(exam))
        with self.assertRaises(ValidationError):
            do_submit_attempt(actor=self.owner, attempt=self.attempt(exam, self.owner), answers=right_answers(exam))
        self.assertEqual(self.attempt(exam, self.owner).score, 0)

    def test_only_the_candidate_hands_in(self):
        exam = self.unit_exam()
        for actor in (self.unit_admin, self.principal, self.county_inspector):
            with self.assertRaises(PermissionDenied, msg=actor.username):
                do_submit_attempt(actor=actor, attempt=self.attempt(exam, self.owner), answers=right_answers(exam))
        self.assertEqual(self.attempt(exam, self.owner).status, AttemptStatus.ASSIGNED)

    def test_out_of_the_window_is_refused(self):
        for opens_on, closes_on in (
            (TODAY + timedelta(days=1), TODAY + timedelta(days=5)),
            (TODAY - timedelta(days=9), TODAY - timedelta(days=1)),
        ):
            exam = self.unit_exam(opens_on=opens_on, closes_on=closes_on)
            with self.assertRaises(ValidationError) as refused:
                do_submit_attempt(actor=self.owner, attempt=self.attempt(exam, self.owner), answers=right_answers(exam))
            self.assertIn("answers", refused.exception.message_dict)
            self.assertEqual(self.attempt(exam, self.owner).status, AttemptStatus.ASSIGNED)

    def test_a_question_not_on_the_paper_is_refused(self):
        exam = self.unit_exam(question_count=2)
        outside = next(q for q in self.questions if not exam.questions.filter(pk=q.pk).exists())
        with self.assertRaises(ValidationError):
            do_submit_attempt(actor=self.owner, attempt=self.attempt(exam, self.owner), answers={str(outside.pk): [0]})

    def _appoint_owner(self):
        do_appoint(
            actor=self.unit_admin,
            organization=self.unit_a,
            person=self.owner,
            role="safety_officer",
            starts_on=TODAY - timedelta(days=30),
        )

    def test_a_failed_spot_check_flags_the_unit_and_opens_a_gap_after_commit(self):
        self._appoint_owner()
        exam = self.spot_check()
        key = f"training:spot_check_failed:{self.owner.pk}"
        with self.captureOnCommitCallbacks(execute=True):
            attempt = do_submit_attempt(
                actor=self.owner, attempt=self.attempt(exam, self.owner), answers=wrong_answers(exam)
            )
            self.assertFalse(ComplianceGap.objects.filter(key=key).exists())
        self.assertEqual((attempt.score, attempt.passed), (0, False))
        gap = ComplianceGap.objects.get(organization=self.unit_a, key=key, closed_at__isnull=True)
        self.assertEqual((gap.kind, gap.person), ("training", self.owner))
        flagged = set(Notification.objects.filter(kind="exam.failed").values_list("user__username", flat=True))
        self.assertIn("principal", flagged)
        self.assertFalse(flagged & {"other_unit", "unit_b_user", "owner", "member"})

    def test_a_passed_spot_check_flags_nobody(self):
        self._appoint_owner()
        exam = self.spot_check()
        with self.captureOnCommitCallbacks(execute=True):
            do_submit_attempt(actor=self.owner, attempt=self.attempt(exam, self.owner), answers=right_answers(exam))
        self.assertFalse(ComplianceGap.objects.filter(key__startswith="training:spot_check_failed").exists())
        self.assertFalse(Notification.objects.filter(kind="exam.failed").exists())


class ExamPagesTests(ExamTestCase):
    def take_url(self, attempt) -> str:
        return reverse("safety:exam-take", args=[attempt.pk])

    def test_the_list_shows_a_units_own_attempts_and_a_regulators_spot_checks(self):
        unit_exam = self.unit_exam(title="甲单位自考")
        spot = self.spot_check(title="泽州抽查")
        do_submit_attempt(actor=self.owner, attempt=self.attempt(spot, self.owner), answers=right_answers(spot))
        response = self.web(self.member).get(reverse("safety:exams"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "甲单位自考")  # the operator is no candidate, and does not manage
        response = self.web(self.owner).get(reverse("safety:exams"))
        self.assertContains(response, "甲单位自考")
        self.assertContains(response, self.take_url(self.attempt(unit_exam, self.owner)))
        self.assertContains(response, "泽州抽查")
        response = self.web(self.county_inspector).get(reverse("safety:exams"))
        self.assertContains(response, "泽州抽查")
        self.assertNotContains(response, "甲单位自考")
        # 3 candidates, 1 handed in and passed.
        row = response.content.decode().split("泽州抽查")[1]
        for label, value in (("考生", 3), ("已交卷", 1), ("合格", 1), ("不合格", 0)):
            self.assertIn(f'data-label="{label}">{value}<', row)
        self.assertContains(self.web(self.county_inspector).get(reverse("safety:exams") + "?kind=unit"), "甲单位自考")
        for outsider in (self.sibling_inspector, self.other_city_inspector):
            self.assertNotContains(self.web(outsider).get(reverse("safety:exams")), "泽州抽查")

    def test_a_unit_manager_creates_an_exam(self):
        data = {
            "title": "叉车安全员考试",
            "roles": ["safety_officer"],
            "equipment_category": "",
            "question_count": "3",
            "pass_score": "80",
            "opens_on": "2026-03-02",
            "closes_on": "2026-03-09",
        }
        response = self.web(self.unit_admin).post(reverse("safety:exam-new"), data)
        exam = Exam.objects.get(title="叉车安全员考试")
        self.assertRedirects(response, reverse("safety:exam", args=[exam.pk]))
        self.assertEqual(exam.questions.count(), 3)
        self.assertEqual(self.candidates(exam), {"owner"})

    def test_the_services_message_shows_on_bad_input(self):
        data = {
            "title": "题目不够的考试",
            "roles": ["safety_officer"],
            "question_count": "60",
            "pass_score": "80",
            "opens_on": "2026-03-02",
            "closes_on": "2026-03-09",
        }
        response = self.web(self.unit_admin).post(reverse("safety:exam-new"), data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "少于要抽取的 60 道", status_code=400)
        self.assertFalse(Exam.objects.exists())

    def test_a_regulator_creates_a_spot_check_within_its_jurisdiction_only(self):
        data = {
            "title": "阳城抽查",
            "region": self.YANGCHENG,
            "roles": ["safety_director", "safety_officer"],
            "question_count": "3",
            "pass_score": "80",
            "opens_on": "2026-03-02",
            "closes_on": "2026-03-09",
        }
        response = self.web(self.county_inspector).post(reverse("safety:exam-new"), data)
        self.assertContains(response, "抽查范围应在本辖区内", status_code=400)
        response = self.web(self.city_inspector).post(reverse("safety:exam-new"), data)
        exam = Exam.objects.get(title="阳城抽查")
        self.assertRedirects(response, reverse("safety:exam", args=[exam.pk]))
        self.assertEqual((exam.kind, exam.region_id), (ExamKind.SPOT_CHECK, self.YANGCHENG))
        self.assertEqual(self.candidates(exam), {"unit_b_user"})
        page = self.web(self.city_inspector).get(reverse("safety:exam-new"))
        self.assertContains(page, f'value="{self.YANGCHENG}"')
        self.assertNotContains(page, f'value="{self.TAIYUAN}"')

    def test_who_may_open_the_new_exam_form(self):
        self.assertEqual(self.web(self.member).get(reverse("safety:exam-new")).status_code, 403)
        self.assertEqual(self.web(self.agency_user).get(reverse("safety:exam-new")).status_code, 403)
        self.assertEqual(self.web(self.unit_admin).get(reverse("safety:exam-new")).status_code, 200)
        self.assertEqual(self.web(self.county_admin).get(reverse("safety:exam-new")).status_code, 200)

    def test_results_by_unit_and_scope(self):
        spot = self.spot_check(actor=self.city_inspector, title="晋城抽查")
        do_submit_attempt(actor=self.owner, attempt=self.attempt(spot, self.owner), answers=right_answers(spot))
        do_submit_attempt(
            actor=self.unit_b_user, attempt=self.attempt(spot, self.unit_b_user), answers=wrong_answers(spot)
        )
        url = reverse("safety:exam", args=[spot.pk])
        response = self.web(self.city_inspector).get(url)
        self.assertEqual(response.status_code, 200)
        for name in ("甲单位", "乙单位", "丙单位", "owner", "unit_b_user", "other_unit", "合格", "不合格", "未考"):
            self.assertContains(response, name)
        # Unit A's managers see their own people only.
        response = self.web(self.unit_admin).get(url)
        self.assertContains(response, "owner")
        self.assertNotContains(response, "unit_b_user")
        self.assertNotContains(response, "乙单位")
        # A county regulator is out of scope of the city's spot-check, and so are the others.
        for outsider in (self.county_inspector, self.sibling_inspector, self.other_city_inspector, self.agency_user):
            self.assertEqual(self.web(outsider).get(url).status_code, 404, outsider.username)
        county = self.spot_check(title="泽州抽查")
        for outsider in (self.sibling_inspector, self.other_city_inspector, self.unit_b_user):
            self.assertEqual(self.web(outsider).get(reverse("safety:exam", args=[county.pk])).status_code, 404)

    def test_the_results_page_does_not_query_per_candidate(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        small = self.spot_check(title="小")
        for n in range(5):
            unit = make_organization(f"新增单位{n}", "use_unit", self.ZEZHOU, seed=30 + n)
            make_user(f"officer_{n}_1", unit, "safety_officer")
            make_user(f"officer_{n}_2", unit, "safety_director")
        large = self.spot_check(title="大")
        self.assertEqual(large.attempts.count(), small.attempts.count() + 10)
        for exam in (small, large):
            do_submit_attempt(actor=self.owner, attempt=self.attempt(exam, self.owner), answers=right_answers(exam))
        client = self.web(self.county_inspector)
        counts = []
        for exam in (small, large):
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(client.get(reverse("safety:exam", args=[exam.pk])).status_code, 200)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])

    def test_a_candidate_who_does_not_manage_sees_only_their_own_row(self):
        exam = self.unit_exam(roles=["operator", "safety_officer"])
        response = self.web(self.member).get(reverse("safety:exam", args=[exam.pk]))
        self.assertContains(response, self.take_url(self.attempt(exam, self.member)))
        self.assertNotContains(response, ">owner<")
        self.assertEqual(self.web(self.member).get(reverse("safety:exam-export", args=[exam.pk])).status_code, 403)

    def test_export_of_results(self):
        spot = self.spot_check(actor=self.city_inspector)
        do_submit_attempt(actor=self.owner, attempt=self.attempt(spot, self.owner), answers=right_answers(spot))
        response = self.web(self.city_inspector).get(reverse("safety:exam-export", args=[spot.pk]))
        self.assertEqual(response.status_code, 200)
        rows = (
            CalamineWorkbook.from_filelike(BytesIO(b"".join(response.streaming_content)))
            .get_sheet_by_index(0)
            .to_python()
        )
        body = rows[2:]
        self.assertEqual(len(body), 4)
        owner_row = next(row for row in body if row[3] == "owner")
        self.assertEqual((owner_row[1], owner_row[6], owner_row[7]), ("甲单位", 100, "合格"))
        response = self.web(self.unit_admin).get(reverse("safety:exam-export", args=[spot.pk]))
        rows = (
            CalamineWorkbook.from_filelike(BytesIO(b"".join(response.streaming_content)))
            .get_sheet_by_index(0)
            .to_python()
        )
        self.assertEqual({row[1] for row in rows[2:]}, {"甲单位"})
        self.assertEqual(
            self.web(self.county_inspector).get(reverse("safety:exam-export", args=[spot.pk])).status_code, 404
        )

    def test_taking_hides_the_answers_until_handed_in(self):
        exam = self.unit_exam(question_count=len(self.questions) + 1)  # every platform question, the multiple one too
        url = self.take_url(self.attempt(exam, self.owner))
        response = self.web(self.owner).get(url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'type="radio"')
        self.assertContains(response, 'type="checkbox"')
        self.assertContains(response, "第1题甲项")
        for hidden in (SECRET_CITATION, "正确答案", "ex-correct", "answer"):
            self.assertNotContains(response, hidden)
        answers = right_answers(exam)
        data = {f"q{qid}": values if len(values) > 1 else values[0] for qid, values in answers.items()}
        response = self.web(self.owner).post(url, data)
        self.assertRedirects(response, url)
        self.assertEqual(self.attempt(exam, self.owner).score, 100)
        response = self.web(self.owner).get(url)
        self.assertContains(response, "100")
        self.assertContains(response, "合格")
        self.assertContains(response, "正确答案")
        self.assertContains(response, SECRET_CITATION)
        self.assertNotContains(response, 'type="radio"')
        # A second hand-in changes nothing.
        self.web(self.owner).post(url, {})
        self.assertEqual(self.attempt(exam, self.owner).score, 100)

    def test_a_blank_sheet_scores_zero_and_shows_the_right_answers(self):
        exam = self.unit_exam()
        url = self.take_url(self.attempt(exam, self.owner))
        self.assertRedirects(self.web(self.owner).post(url, {}), url)
        response = self.web(self.owner).get(url)
        self.assertContains(response, "不合格")
        self.assertContains(response, "未作答")

    def test_only_the_candidate_opens_the_sheet(self):
        exam = self.unit_exam()
        url = self.take_url(self.attempt(exam, self.owner))
        for other in (self.unit_admin, self.principal, self.member, self.county_inspector, self.other_unit_user):
            self.assertEqual(self.web(other).get(url).status_code, 404, other.username)
            self.assertEqual(self.web(other).post(url, {}).status_code, 404, other.username)
        self.assertEqual(self.attempt(exam, self.owner).status, AttemptStatus.ASSIGNED)

    def test_outside_the_window_a_message_and_no_form(self):
        for opens_on, closes_on, message in (
            (TODAY + timedelta(days=2), TODAY + timedelta(days=9), "考试尚未开始"),
            (TODAY - timedelta(days=9), TODAY - timedelta(days=1), "已于 2026-03-01 截止"),
        ):
            exam = self.unit_exam(opens_on=opens_on, closes_on=closes_on)
            url = self.take_url(self.attempt(exam, self.owner))
            response = self.web(self.owner).get(url)
            self.assertContains(response, message)
            self.assertNotContains(response, 'name="hand_in"')
            self.assertNotContains(response, 'type="radio"')
            response = self.web(self.owner).post(url, {})
            self.assertEqual(response.status_code, 400)
            self.assertContains(response, "不在考试时间内", status_code=400)
            self.assertEqual(self.attempt(exam, self.owner).status, AttemptStatus.ASSIGNED)

    def test_the_question_bank_shows_only_the_units_own_answers(self):
        own = Question.objects.create(
            organization=self.unit_a,
            topic="unit_risks",
            kind="single",
            text="甲单位叉车作业前应当检查什么？",
            options=["制动和转向", "油漆颜色"],
            answer=[0],
            citation="甲单位叉车操作规程第三条",
        )
        response = self.web(self.owner).get(reverse("safety:questions"))
        self.assertContains(response, own.text)
        self.assertContains(response, "甲单位叉车操作规程第三条")
        self.assertNotContains(response, "平台单选题")
        self.assertNotContains(response, SECRET_CITATION)
        self.assertNotContains(response, self.unit_c_question.text)
        self.assertContains(response, "共 13 题")  # the platform bank's size (its answers are not listed)
        self.assertEqual(self.web(self.member).get(reverse("safety:questions")).status_code, 403)
        self.assertContains(self.web(self.county_inspector).get(reverse("safety:questions")), SECRET_CITATION)

    def test_adding_a_question(self):
        data = {
            "kind": "multiple",
            "text": "锅炉房应当具备哪些条件？",
            "options": "通风良好\n\n照明充足\n堆放杂物",
            "answer": ["A", "B"],
            "roles": ["operator"],
            "equipment_category": "1000",
            "citation": "本单位锅炉房管理制度",
        }
        response = self.web(self.owner).post(reverse("safety:question-new"), data)
        self.assertRedirects(response, reverse("safety:questions"))
        question = Question.objects.get(organization=self.unit_a)
        self.assertEqual(
            (question.kind, question.options, question.answer, question.roles, question.equipment_category),
            ("multiple", ["通风良好", "照明充足", "堆放杂物"], [0, 1], ["operator"], "1000"),
        )
        # A single-choice question with two right answers: the service's message, nothing saved.
        data.update(kind="single", text="另一题")
        response = self.web(self.owner).post(reverse("safety:question-new"), data)
        self.assertContains(response, "单选题和判断题只有一个正确答案", status_code=400)
        data.update(answer=["D"])
        response = self.web(self.owner).post(reverse("safety:question-new"), data)
        self.assertContains(response, "没有对应的选项", status_code=400)
        data.update(kind="judge", options="", answer=["B"], text="判断题")
        self.assertRedirects(
            self.web(self.owner).post(reverse("safety:question-new"), data), reverse("safety:questions")
        )
        self.assertEqual(Question.objects.get(text="判断题").answer, [1])
        self.assertEqual(Question.objects.filter(organization=self.unit_a).count(), 2)
        self.assertEqual(self.web(self.member).post(reverse("safety:question-new"), data).status_code, 403)
        self.assertEqual(self.web(self.county_inspector).get(reverse("safety:question-new")).status_code, 403)
