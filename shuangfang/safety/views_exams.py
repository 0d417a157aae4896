"""Web pages of training exams and the regulator's spot-check (抽查考核, SAMR Order 74 art 81/147): the exams a unit
organised and those its people sit, a regulator's spot-checks over its jurisdiction with their results by unit, making
an exam, sitting one on a phone, and the question bank.

Thin faces: read through `visible_to(user)`, write through the services, render.  The answer key of a paper reaches
a candidate's page only after the candidate has handed in and the exam has closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import xlsxwriter
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shuangfang.accounts.roles import Action, role_label
from shuangfang.core.access import login_required
from shuangfang.core.exports import begin_export
from shuangfang.core.forms import submit_to_service
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.views import paginate
from shuangfang.core.xlsx import DATE_FORMAT, HEADER_STYLE, output_file, write_cells
from shuangfang.orgs.models import Region

from .choices import AttemptStatus, ExamKind, QuestionKind, QuestionTopic
from .compliance import category_label
from .forms_exams import AnswerSheetForm, ExamForm, QuestionForm, option_letter
from .models import Exam, ExamAttempt, Question
from .services import do_add_question, do_create_exam, do_submit_attempt

PAGE_SIZE = 50
UNITS_PER_PAGE = 50
# A new exam is open for two weeks unless the organiser says otherwise.
DEFAULT_WINDOW_DAYS = 14


# Shared pieces ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Badge:
    label: str
    color: str


def window_badge(exam: Exam, today) -> Badge:
    if today < exam.opens_on:
        return Badge(_("未开考"), "grey")
    if today > exam.closes_on:
        return Badge(_("已截止"), "grey")
    return Badge(_("进行中"), "blue")


def result_badge(attempt: ExamAttempt) -> Badge:
    if attempt.status != AttemptStatus.SUBMITTED:
        return Badge(_("未考"), "grey")
    return Badge(_("合格"), "green") if attempt.passed else Badge(_("不合格"), "red")


def pass_rate(passed: int, submitted: int) -> str:
    """Passed of those who sat, as a percentage ("—" while nobody has)."""
    return f"{round(100 * passed / submitted)}%" if submitted else "—"


def roles_text(roles) -> str:
    return "、".join(role_label(role) for role in roles) or _("所有岗位")


def category_text(code: str) -> str:
    return f"{code} {category_label(code)}" if code else _("不限")


def _may_manage_unit(user) -> bool:
    return scope_of(user).kind == ScopeKind.UNIT and user.may(Action.MANAGE_SAFETY)


def _sees_results(user) -> bool:
    """Regulators and the platform see every result in scope; in a unit only the managers see their colleagues'
    results, everyone else their own."""
    kind = scope_of(user).kind
    return kind in (ScopeKind.REGULATOR, ScopeKind.PLATFORM) or _may_manage_unit(user)


def access_exam(user, pk: int) -> Exam:
    """One exam in the caller's scope; missing and out-of-scope are the same "not found"."""
    exam = Exam.objects.visible_to(user).select_related("organization", "region", "created_by").filter(pk=pk).first()
    if exam is None:
        raise Http404(_("考试不存在。"))
    return exam


def _attempt_scope(user) -> Q:
    """Which of an exam's attempts the caller counts: its own unit's people, or those in its jurisdiction."""
    scope = scope_of(user)
    if scope.kind == ScopeKind.REGULATOR:
        return Q(attempts__region__code__startswith=scope.region_prefix)
    if scope.kind == ScopeKind.PLATFORM:
        return Q(attempts__isnull=False)
    return Q(attempts__organization_id=scope.organization_id)


def with_counts(exams, attempts: Q):
    return exams.annotate(
        candidate_count=Count("attempts", filter=attempts),
        submitted_count=Count("attempts", filter=attempts & Q(attempts__status=AttemptStatus.SUBMITTED)),
        passed_count=Count("attempts", filter=attempts & Q(attempts__passed=True)),
        failed_count=Count("attempts", filter=attempts & Q(attempts__passed=False)),
    )


def decorate_exams(exams, today) -> None:
    for exam in exams:
        exam.window_badge = window_badge(exam, today)
        exam.roles_text = roles_text(exam.roles)
        exam.pass_rate = pass_rate(exam.passed_count, exam.submitted_count)


# The list ------------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def exam_list(request):
    """A unit: the exams its people are to sit or have sat (the signed-in person's own), and for its managers the
    exams it organised and the spot-checks its people sat.  A regulator: its jurisdiction's spot-checks (or, on the
    second tab, the units' own exams) with how many sat, passed and failed."""
    user = request.user
    scope = scope_of(user)
    today = timezone.localdate()
    context = {"today": today, "scope_kind": scope.kind}
    if scope.kind == ScopeKind.UNIT:
        attempts = list(
            ExamAttempt.objects.visible_to(user)
            .filter(candidate=user)
            .select_related("exam")
            .order_by("-exam__opens_on", "-pk")[:PAGE_SIZE]
        )
        for attempt in attempts:
            attempt.window_badge = window_badge(attempt.exam, today)
            attempt.result_badge = result_badge(attempt)
            attempt.may_sit = attempt.status == AttemptStatus.ASSIGNED and (
                attempt.exam.opens_on <= today <= attempt.exam.closes_on
            )
        context["my_attempts"] = attempts
        if user.may(Action.MANAGE_SAFETY):
            exams = (
                with_counts(Exam.objects.visible_to(user), _attempt_scope(user))
                .select_related("organization", "region")
                .order_by("-opens_on", "-pk")
            )
            page = paginate(request, exams, PAGE_SIZE)
            decorate_exams(page.object_list, today)
            context.update(page=page, may_create=True, may_manage_questions=True)
    else:
        kind = request.GET.get("kind")
        kind = kind if kind in ExamKind.values else ExamKind.SPOT_CHECK
        exams = (
            with_counts(Exam.objects.visible_to(user).filter(kind=kind), _attempt_scope(user))
            .select_related("organization", "region")
            .order_by("-opens_on", "-pk")
        )
        page = paginate(request, exams, PAGE_SIZE)
        decorate_exams(page.object_list, today)
        context.update(
            page=page,
            kind=kind,
            kinds=[(value, label) for value, label in ExamKind.choices],
            may_create=scope.kind == ScopeKind.REGULATOR and user.may(Action.RUN_SPOT_CHECK),
            may_manage_questions=scope.kind in (ScopeKind.REGULATOR, ScopeKind.PLATFORM),
        )
    return render(request, "safety/exams/list.html", context)


# A new exam -----------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def exam_new(request):
    user = request.user
    scope = scope_of(user)
    if scope.kind == ScopeKind.REGULATOR:
        if not user.may(Action.RUN_SPOT_CHECK):
            raise PermissionDenied(_("您的角色不能组织抽查考核。"))
        jurisdiction = user.organization.jurisdiction
        regions = list(Region.objects.filter(code__startswith=jurisdiction.prefix).order_by("code"))
    elif scope.kind == ScopeKind.UNIT:
        if not user.may(Action.MANAGE_SAFETY):
            raise PermissionDenied(_("只有本单位的主要负责人、安全总监、安全员或单位管理员可以组织考试。"))
        regions = None
    else:
        raise PermissionDenied(_("只有使用单位和监管部门可以组织考试。"))
    today = timezone.localdate()
    form = ExamForm(
        request.POST if request.method == "POST" else None,
        regions=regions,
        initial={"opens_on": today, "closes_on": today + timedelta(days=DEFAULT_WINDOW_DAYS)},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            exam, status = submit_to_service(form, lambda: do_create_exam(actor=user, **form.service_kwargs()))
            if exam:
                messages.success(
                    request,
                    _("考试“%(title)s”已发布，%(n)s 名考生已收到通知。")
                    % {"title": exam.title, "n": exam.attempts.count()},
                )
                return redirect("safety:exam", pk=exam.pk)
    context = {"form": form, "spot_check": regions is not None}
    return render(request, "safety/exams/exam_form.html", context, status=status)


# An exam's results ----------------------------------------------------------------------------------------------------


@dataclass
class UnitResults:
    organization_id: int
    name: str
    candidates: int
    submitted: int
    passed: int
    failed: int
    rows: list = field(default_factory=list)

    @property
    def not_sat(self) -> int:
        return self.candidates - self.submitted

    @property
    def pass_rate(self) -> str:
        return pass_rate(self.passed, self.submitted)


def _unit_summaries(attempts) -> list[UnitResults]:
    grouped = (
        attempts.order_by()
        .values("organization_id", "organization__name")
        .annotate(
            n_candidates=Count("pk"),
            n_submitted=Count("pk", filter=Q(status=AttemptStatus.SUBMITTED)),
            n_passed=Count("pk", filter=Q(passed=True)),
            n_failed=Count("pk", filter=Q(passed=False)),
        )
        .order_by("organization__name", "organization_id")
    )
    return [
        UnitResults(
            organization_id=row["organization_id"],
            name=row["organization__name"],
            candidates=row["n_candidates"],
            submitted=row["n_submitted"],
            passed=row["n_passed"],
            failed=row["n_failed"],
        )
        for row in grouped
    ]


def _question_rates(questions: list[Question], attempts) -> list[dict]:
    """How many of those who sat answered each question right: which questions people fail."""
    right: dict[str, int] = {}
    sat = 0
    for marks in attempts.filter(status=AttemptStatus.SUBMITTED).values_list("marks", flat=True).iterator():
        sat += 1
        for qid, mark in (marks or {}).items():
            if mark:
                right[qid] = right.get(qid, 0) + 1
    if not sat:
        return []
    return [
        {"question": q, "right": right.get(str(q.pk), 0), "rate": pass_rate(right.get(str(q.pk), 0), sat)}
        for q in questions
    ]


def _paper(exam: Exam) -> list[Question]:
    return list(exam.questions.order_by("topic", "pk"))


@login_required
@require_GET
def exam_detail(request, pk: int):
    """The organiser's view: the results by unit (a regulator's spot-check: a table per unit with each candidate);
    a unit sees only its own people, and a person who does not manage the unit only their own sitting."""
    user = request.user
    exam = access_exam(user, pk)
    today = timezone.localdate()
    sees_results = _sees_results(user)
    attempts = ExamAttempt.objects.visible_to(user).filter(exam=exam)
    if not sees_results:
        attempts = attempts.filter(candidate=user)
    own_attempt = ExamAttempt.objects.filter(exam=exam, candidate=user).first()
    if own_attempt is not None:
        own_attempt.result_badge = result_badge(own_attempt)
        own_attempt.may_sit = own_attempt.status == AttemptStatus.ASSIGNED and exam.opens_on <= today <= exam.closes_on

    summaries = _unit_summaries(attempts)
    total = UnitResults(
        organization_id=0,
        name=_("合计"),
        candidates=sum(s.candidates for s in summaries),
        submitted=sum(s.submitted for s in summaries),
        passed=sum(s.passed for s in summaries),
        failed=sum(s.failed for s in summaries),
    )
    page = paginate(request, summaries, UNITS_PER_PAGE)
    on_page = {s.organization_id: s for s in page.object_list}
    rows = (
        attempts.filter(organization_id__in=list(on_page))
        .select_related("candidate")
        .order_by("organization_id", "candidate__full_name", "candidate_id")
    )
    for attempt in rows:
        attempt.result_badge = result_badge(attempt)
        attempt.roles_text = "、".join(
            role_label(role) for role in attempt.candidate.roles if role in exam.roles
        ) or roles_text(attempt.candidate.roles)
        on_page[attempt.organization_id].rows.append(attempt)

    questions = _paper(exam)
    # Someone still to sit this exam does not see the paper's questions here before their turn.
    still_to_sit = own_attempt is not None and own_attempt.status != AttemptStatus.SUBMITTED
    context = {
        "exam": exam,
        "kind_label": ExamKind(exam.kind).label,
        "window_badge": window_badge(exam, today),
        "roles_text": roles_text(exam.roles),
        "category_text": category_text(exam.equipment_category),
        "question_count": len(questions),
        "own_attempt": own_attempt,
        "sees_results": sees_results,
        "page": page,
        "total": total,
        "figures": [
            {"value": total.candidates, "label": _("考生"), "color": "total"},
            {"value": total.submitted, "label": _("已交卷"), "color": "blue"},
            {"value": total.passed, "label": _("合格"), "color": "green"},
            {"value": total.failed, "label": _("不合格"), "color": "red"},
            {"value": total.pass_rate, "label": _("合格率"), "color": "grey"},
        ],
        "question_rates": _question_rates(questions, attempts) if sees_results and not still_to_sit else [],
        "spot_check": exam.kind == ExamKind.SPOT_CHECK,
    }
    return render(request, "safety/exams/detail.html", context)


def _export_headers() -> list[tuple[str, int]]:
    return [
        (_("序号"), 6),
        (_("单位"), 30),
        (_("统一社会信用代码"), 22),
        (_("考生"), 14),
        (_("岗位"), 16),
        (_("状态"), 8),
        (_("得分"), 8),
        (_("结果"), 8),
        (_("交卷时间"), 18),
    ]


def exam_results_file(exam: Exam, attempts):
    """The results the page shows, one row per candidate, as a temporary .xlsx."""
    output = output_file()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    sheet = workbook.add_worksheet(_("考试成绩"))
    date_format = workbook.add_format({"num_format": DATE_FORMAT + " hh:mm"})
    header = workbook.add_format(HEADER_STYLE)
    title_format = workbook.add_format({"bold": True, "font_size": 13})
    sheet.write_string(
        0,
        0,
        _("%(title)s（%(opens)s 至 %(closes)s，%(pass)s 分合格）")
        % {"title": exam.title, "opens": exam.opens_on, "closes": exam.closes_on, "pass": exam.pass_score},
        title_format,
    )
    for column, (title, width) in enumerate(_export_headers()):
        sheet.set_column(column, column, width)
        sheet.write_string(1, column, title, header)
    rows = attempts.select_related("organization", "candidate").order_by(
        "organization__name", "organization_id", "candidate__full_name", "candidate_id"
    )
    row_no = 2
    for number, attempt in enumerate(rows.iterator(chunk_size=2000), start=1):
        submitted = attempt.status == AttemptStatus.SUBMITTED
        write_cells(
            sheet,
            row_no,
            [
                number,
                attempt.organization.name,
                attempt.organization.uscc,
                attempt.candidate.display_name,
                roles_text([r for r in attempt.candidate.roles if r in exam.roles] or attempt.candidate.roles),
                str(AttemptStatus(attempt.status).label),
                attempt.score if submitted else None,
                str(result_badge(attempt).label),
                timezone.localtime(attempt.submitted_at) if attempt.submitted_at else None,
            ],
            date_format,
        )
        row_no += 1
    workbook.close()
    output.seek(0)
    return output


@login_required
@require_GET
def exam_export(request, pk: int):
    user = request.user
    exam = access_exam(user, pk)
    if not _sees_results(user):
        raise PermissionDenied(_("只有单位管理人员和监管部门可以导出考试成绩。"))
    attempts = ExamAttempt.objects.visible_to(user).filter(exam=exam)
    begin_export(request, "exam_results", attempts, obj=exam)
    filename = _("考试成绩-%(id)s-%(date)s.xlsx") % {"id": exam.pk, "date": timezone.localdate().strftime("%Y%m%d")}
    return FileResponse(exam_results_file(exam, attempts), as_attachment=True, filename=filename)


# Sitting an exam ------------------------------------------------------------------------------------------------------


def _result_rows(questions: list[Question], attempt: ExamAttempt, reveal_key: bool) -> list[dict]:
    """Each question after handing in: the options with what was chosen, the mark and the citation — and what was
    right once the exam has closed, so that no key reaches colleagues still to sit the same paper."""
    rows = []
    for number, question in enumerate(questions, start=1):
        chosen = set(attempt.answers.get(str(question.pk)) or [])
        key = set(question.answer) if reveal_key else set()
        rows.append(
            {
                "number": number,
                "question": question,
                "right": bool(attempt.marks.get(str(question.pk))),
                "options": [
                    {"letter": option_letter(i), "text": text, "chosen": i in chosen, "correct": i in key}
                    for i, text in enumerate(question.options)
                ],
                "chosen_text": "".join(option_letter(i) for i in sorted(chosen)) or _("未作答"),
                "key_text": "".join(option_letter(i) for i in sorted(key)),
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def exam_take(request, attempt_pk: int):
    """The candidate's own sitting, and no one else's: the paper while the exam is open, the marked paper once handed
    in."""
    user = request.user
    attempt = (
        ExamAttempt.objects.visible_to(user)
        .select_related("exam", "exam__organization")
        .filter(pk=attempt_pk, candidate=user)
        .first()
    )
    if attempt is None:
        raise Http404(_("考试记录不存在。"))
    exam = attempt.exam
    questions = _paper(exam)
    today = timezone.localdate()
    context = {
        "attempt": attempt,
        "exam": exam,
        "kind_label": ExamKind(exam.kind).label,
        "question_count": len(questions),
    }
    if attempt.status == AttemptStatus.SUBMITTED:
        if request.method == "POST":
            messages.info(request, _("已经交卷，不能重复提交。"))
            return redirect("safety:exam-take", attempt_pk=attempt.pk)
        context.update(
            result_badge=result_badge(attempt),
            result_rows=_result_rows(questions, attempt, reveal_key=today > exam.closes_on),
            key_revealed=today > exam.closes_on,
            right_count=sum(1 for mark in attempt.marks.values() if mark),
        )
        return render(request, "safety/exams/take.html", context)

    is_open = exam.opens_on <= today <= exam.closes_on
    form = AnswerSheetForm(request.POST if request.method == "POST" else None, questions=questions)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            submitted, status = submit_to_service(
                form, lambda: do_submit_attempt(actor=user, attempt=attempt, answers=form.answers())
            )
            if submitted:
                if submitted.passed:
                    messages.success(request, _("已交卷：%(score)s 分，合格。") % {"score": submitted.score})
                else:
                    messages.warning(request, _("已交卷：%(score)s 分，不合格。") % {"score": submitted.score})
                return redirect("safety:exam-take", attempt_pk=attempt.pk)
    context.update(
        is_open=is_open,
        not_yet=today < exam.opens_on,
        form=form if is_open else None,
        errors=form.non_field_errors() if request.method == "POST" else [],
    )
    return render(request, "safety/exams/take.html", context, status=status)


# The question bank ----------------------------------------------------------------------------------------------------


def _decorate_questions(questions) -> None:
    for question in questions:
        question.option_rows = [{"letter": option_letter(i), "text": text} for i, text in enumerate(question.options)]
        question.key_text = "".join(option_letter(i) for i in question.answer)
        question.roles_text = roles_text(question.roles)
        question.category_text = category_text(question.equipment_category)


@login_required
@require_GET
def question_list(request):
    """A unit's own questions with their answers, and how many questions the platform's bank holds by topic; the
    platform's answers are shown to regulators only, never to a unit whose people sit them."""
    user = request.user
    scope = scope_of(user)
    if scope.kind == ScopeKind.UNIT:
        if not user.may(Action.MANAGE_SAFETY):
            raise PermissionDenied(_("只有本单位的管理人员可以查看和维护题库。"))
        listed = Question.objects.visible_to(user).filter(organization_id=scope.organization_id, is_active=True)
        listed = listed.order_by("-pk")
    elif scope.kind in (ScopeKind.REGULATOR, ScopeKind.PLATFORM):
        listed = Question.objects.filter(organization__isnull=True, is_active=True).order_by("topic", "code", "pk")
    else:
        raise PermissionDenied(_("题库供使用单位和监管部门使用。"))
    bank = (
        Question.objects.filter(organization__isnull=True, is_active=True)
        .order_by()
        .values("topic", "kind")
        .annotate(n=Count("pk"))
    )
    by_topic: dict[str, dict[str, int]] = {}
    for row in bank:
        by_topic.setdefault(row["topic"], {})[row["kind"]] = row["n"]
    topic_rows = [
        {
            "label": label,
            "counts": [by_topic.get(value, {}).get(kind, 0) for kind in QuestionKind.values],
            "total": sum(by_topic.get(value, {}).values()),
        }
        for value, label in QuestionTopic.choices
    ]
    page = paginate(request, listed, PAGE_SIZE)
    _decorate_questions(page.object_list)
    context = {
        "page": page,
        "topic_rows": topic_rows,
        "kind_labels": QuestionKind.labels,
        "bank_total": sum(row["total"] for row in topic_rows),
        "unit": scope.kind == ScopeKind.UNIT,
        "may_add": scope.kind == ScopeKind.UNIT,
    }
    return render(request, "safety/exams/questions.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def question_new(request):
    user = request.user
    if not _may_manage_unit(user):
        raise PermissionDenied(_("只有本单位的主要负责人、安全总监、安全员或单位管理员可以添加考题。"))
    form = QuestionForm(request.POST if request.method == "POST" else None, initial={"kind": QuestionKind.SINGLE})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            question, status = submit_to_service(
                form,
                lambda: do_add_question(actor=user, organization=user.organization, **form.service_kwargs()),
            )
            if question:
                messages.success(request, _("考题已加入本单位题库。"))
                return redirect("safety:questions")
    return render(request, "safety/exams/question_form.html", {"form": form}, status=status)
