"""The evaluation pages (双重预防机制评价) and the demonstration enterprises (示范企业): a unit's self-evaluation and
its history, a regulator's evaluations of the units of its jurisdiction, the city regulator's nominations and
revocations, and the public list without sign-in.  Thin faces: read through `visible_to(user)`, write through
services_evaluation."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangfang.core.access import login_required, public
from shuangfang.core.forms import submit_to_service
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import permitted
from shuangfang.core.views import list_response, paginate
from shuangfang.orgs.models import Organization

from . import rules_evaluation as rules
from . import services_evaluation as services
from .choices import EvaluationKind
from .forms_evaluation import (
    DemonstrationFilterForm,
    EvaluationFilterForm,
    EvaluationForm,
    NominateForm,
    PublicDemonstrationForm,
    RevokeForm,
)
from .models import DemonstrationEnterprise, Evaluation

PAGE_SIZE = 50


def may_evaluate(user) -> bool:
    return permitted(services.check_may_evaluate, user)


def may_nominate(user) -> bool:
    return permitted(services.check_may_nominate, user)


def _is_regulator(user) -> bool:
    return scope_of(user).kind == ScopeKind.REGULATOR


def _require_regulator(user) -> None:
    if not _is_regulator(user):
        raise PermissionDenied(_("该页面供市场监督管理部门使用。"))


def _evaluations(user):
    return Evaluation.objects.visible_to(user).select_related("organization", "evaluator_organization", "evaluated_by")


def _demonstrations(user):
    return DemonstrationEnterprise.objects.visible_to(user).select_related(
        "organization", "city", "nominated_by_organization", "evaluation"
    )


def _score_color(score) -> str:
    if rules.passes(score, rules.PASS_MARK_DEMONSTRATION):
        return "green"
    return "blue" if rules.passes(score) else "red"


def _nav_context(user) -> dict:
    return {
        "may_evaluate": may_evaluate(user),
        "may_nominate": may_nominate(user),
        "is_regulator": _is_regulator(user),
    }


# Evaluations -----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def evaluations(request):
    """A regulator: the evaluations of its jurisdiction's units (self and regulator); a unit: its own history."""
    user = request.user
    form = EvaluationFilterForm(request.GET)
    rows = form.filter(_evaluations(user)).order_by("-year", "-created_at", "-pk")
    page = paginate(request, rows, PAGE_SIZE)
    for evaluation in page.object_list:
        evaluation.url = reverse("supervision:evaluation", args=[evaluation.pk])
        evaluation.color = _score_color(evaluation.score)
    context = {
        "filter_form": form,
        "active_filters": sum(1 for name in form.fields if str(form.data.get(name, "")).strip()),
        "page": page,
        "pass_mark": rules.PASS_MARK_UNIT,
        **_nav_context(user),
    }
    return list_response(request, "supervision/evaluations/list.html", "supervision/evaluations/_rows.html", context)


def _resolve_unit(user, form: EvaluationForm | NominateForm) -> Organization | None:
    code = (form.cleaned_data.get("unit") or "").strip().upper()
    if not code:
        form.add_error("unit", _("请填写单位的统一社会信用代码。"))
        return None
    unit = Organization.objects.visible_to(user).filter(uscc=code).first()
    if unit is None:
        form.add_error("unit", _("您的辖区内没有统一社会信用代码为 %(code)s 的单位。") % {"code": code})
    return unit


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_create(request):
    """The scoring table: a unit's self-evaluation, or a regulator's evaluation of a unit of its jurisdiction
    (`?unit=<id>` fills the unit in)."""
    user = request.user
    if not may_evaluate(user):
        raise PermissionDenied(_("您没有评价的权限。"))
    regulator = _is_regulator(user)
    unit = None if regulator else user.organization
    status = 200
    if request.method == "POST":
        form = EvaluationForm(request.POST, regulator=regulator)
        status = 400
        if form.is_valid():
            if regulator:
                unit = _resolve_unit(user, form)
            if not form.errors:
                evaluation, status = submit_to_service(
                    form,
                    lambda: services.do_evaluate(
                        actor=user,
                        organization=unit,
                        year=form.cleaned_data["year"],
                        scores=form.scores(),
                        vetoes=form.cleaned_data["vetoes"],
                    ),
                )
                if evaluation:
                    messages.success(
                        request,
                        _("已保存%(unit)s %(year)d 年度的评价：%(score)s 分。")
                        % {"unit": evaluation.organization.name, "year": evaluation.year, "score": evaluation.score},
                    )
                    return redirect("supervision:evaluation", pk=evaluation.pk)
    else:
        initial = {}
        if regulator and str(request.GET.get("unit", "")).isdigit():
            unit = Organization.objects.visible_to(user).filter(pk=request.GET["unit"]).first()
            if unit is not None:
                initial["unit"] = unit.uscc
        form = EvaluationForm(initial=initial, regulator=regulator)
    year = str(form["year"].value() or "")
    year = int(year) if year.isdigit() else timezone.localdate().year
    detected = services.detected_vetoes(unit, year) if unit is not None else {}
    context = {
        "form": form,
        "unit": unit,
        "regulator": regulator,
        "kind_label": EvaluationKind.REGULATOR.label if regulator else EvaluationKind.SELF.label,
        "detected": [(rules.VETOES_BY_CODE[code], text) for code, text in detected.items()],
        "raw_total": rules.RAW_TOTAL,
        "pass_mark": rules.PASS_MARK_UNIT,
        "demonstration_mark": rules.PASS_MARK_DEMONSTRATION,
    }
    return render(request, "supervision/evaluations/form.html", context, status=status)


@login_required
@require_GET
def evaluation_detail(request, pk: int):
    """One evaluation: the table item by item, the applicable total, the normalised score and the veto items."""
    user = request.user
    evaluation = _evaluations(user).filter(pk=pk).first()
    if evaluation is None:
        raise Http404(_("评价记录不存在。"))
    rows = []
    earned = applicable = 0
    for item in rules.EVALUATION_ITEMS:
        points = evaluation.scores.get(item.code)
        rows.append({"item": item, "points": points, "na": points is None})
        if points is not None:
            earned += points
            applicable += item.points
    context = {
        "evaluation": evaluation,
        "rows": rows,
        "earned": round(earned, 1),
        "applicable": applicable,
        "color": _score_color(evaluation.score),
        "passed": rules.passes(evaluation.score),
        "demonstration_level": rules.passes(evaluation.score, rules.PASS_MARK_DEMONSTRATION),
        "vetoes": [rules.VETOES_BY_CODE[code] for code in evaluation.vetoes if code in rules.VETOES_BY_CODE],
        "pass_mark": rules.PASS_MARK_UNIT,
        "demonstration_mark": rules.PASS_MARK_DEMONSTRATION,
        "evaluate_again_url": (
            f"{reverse('supervision:evaluation-create')}?unit={evaluation.organization_id}"
            if _is_regulator(user) and may_evaluate(user)
            else ""
        ),
        **_nav_context(user),
    }
    return render(request, "supervision/evaluations/detail.html", context)


# Demonstration enterprises ---------------------------------------------------------------------------------------


@login_required
@require_GET
def demonstrations(request):
    """The demonstration enterprises of the jurisdiction, in force by default."""
    user = request.user
    _require_regulator(user)
    form = DemonstrationFilterForm(request.GET)
    rows = form.filter(_demonstrations(user)).order_by("-year", "city_id", "equipment_category", "pk")
    page = paginate(request, rows, PAGE_SIZE)
    names = services.category_names(d.equipment_category for d in page.object_list)
    for demonstration in page.object_list:
        demonstration.url = reverse("supervision:demonstration", args=[demonstration.pk])
        demonstration.category_name = names.get(demonstration.equipment_category, "")
    context = {
        "filter_form": form,
        "active_filters": sum(1 for name in form.fields if str(form.data.get(name, "")).strip()),
        "page": page,
        "quota": rules.DEMONSTRATIONS_PER_CATEGORY_PER_CITY,
        "criteria": rules.DEMONSTRATION_CRITERIA,
        **_nav_context(user),
    }
    return list_response(
        request,
        "supervision/evaluations/demonstrations.html",
        "supervision/evaluations/_demonstration_rows.html",
        context,
    )


@login_required
@require_http_methods(["GET", "POST"])
def demonstration_create(request):
    """推荐示范企业 by the city regulator."""
    user = request.user
    _require_regulator(user)
    if not may_nominate(user):
        raise PermissionDenied(_("示范企业由设区的市级市场监督管理部门的监察人员或管理员推荐和撤销。"))
    status = 200
    if request.method == "POST":
        form = NominateForm(request.POST)
        status = 400
        if form.is_valid():
            unit = _resolve_unit(user, form)
            if not form.errors:
                demonstration, status = submit_to_service(
                    form,
                    lambda: services.do_nominate_demonstration(
                        actor=user,
                        organization=unit,
                        equipment_category=form.cleaned_data["equipment_category"],
                        year=form.cleaned_data["year"],
                    ),
                )
                if demonstration:
                    messages.success(
                        request, _("已将%(unit)s推荐为示范企业。") % {"unit": demonstration.organization.name}
                    )
                    return redirect("supervision:demonstration", pk=demonstration.pk)
    else:
        initial = {}
        if str(request.GET.get("unit", "")).isdigit():
            unit = Organization.objects.visible_to(user).filter(pk=request.GET["unit"]).first()
            if unit is not None:
                initial["unit"] = unit.uscc
        form = NominateForm(initial=initial)
    context = {
        "form": form,
        "criteria": rules.DEMONSTRATION_CRITERIA,
        "quota": rules.DEMONSTRATIONS_PER_CATEGORY_PER_CITY,
        "authority": user.organization,
    }
    return render(request, "supervision/evaluations/demonstration_form.html", context, status=status)


def _demonstration_page(request, demonstration, form, status=200):
    user = request.user
    revocable = demonstration.revoked_at is None and may_nominate(user)
    if form is None and revocable:
        form = RevokeForm(initial={"version": demonstration.version})
    context = {
        "demonstration": demonstration,
        "category_name": services.category_names([demonstration.equipment_category]).get(
            demonstration.equipment_category, ""
        ),
        "evaluation_url": reverse("supervision:evaluation", args=[demonstration.evaluation_id]),
        "form": form if revocable else None,
        **_nav_context(user),
    }
    return render(request, "supervision/evaluations/demonstration.html", context, status=status)


def _access_demonstration(user, pk):
    demonstration = _demonstrations(user).filter(pk=pk).first()
    if demonstration is None:
        raise Http404(_("示范企业记录不存在。"))
    return demonstration


@login_required
@require_GET
def demonstration_detail(request, pk: int):
    return _demonstration_page(request, _access_demonstration(request.user, pk), None)


@login_required
@require_POST
def demonstration_revoke(request, pk: int):
    user = request.user
    demonstration = _access_demonstration(user, pk)
    if not may_nominate(user):
        raise PermissionDenied(_("示范企业由设区的市级市场监督管理部门的监察人员或管理员推荐和撤销。"))
    form = RevokeForm(request.POST)
    status = 400
    if form.is_valid():
        revoked, status = submit_to_service(
            form,
            lambda: services.do_revoke_demonstration(
                actor=user,
                demonstration=demonstration,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            ),
        )
        if revoked:
            messages.success(request, _("已撤销%(unit)s的示范企业称号。") % {"unit": demonstration.organization.name})
            return redirect("supervision:demonstration", pk=demonstration.pk)
    return _demonstration_page(request, demonstration, form, status)


# The public list -------------------------------------------------------------------------------------------------


@public
@require_GET
def public_demonstrations(request):
    """The demonstration enterprises of a year (this year by default) not revoked, without sign-in."""
    form = PublicDemonstrationForm(request.GET)
    year = q = None
    if form.is_valid():
        year = form.cleaned_data["year"]
        q = (form.cleaned_data["q"] or "").strip()
    rows = services.public_demonstrations(year)
    if q:
        rows = rows.filter(organization__name__contains=q)
    page = paginate(request, rows, PAGE_SIZE)
    names = services.category_names(d.equipment_category for d in page.object_list)
    for demonstration in page.object_list:
        demonstration.category_name = names.get(demonstration.equipment_category, "")
    response = list_response(
        request,
        "supervision/evaluations/public.html",
        "supervision/evaluations/_public_rows.html",
        {"page": page, "form": form, "year": year or timezone.localdate().year},
    )
    response["Cache-Control"] = "no-store"
    return response
