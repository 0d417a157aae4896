"""Differentiated supervision pages (分类监管, 双随机、一公开): the units' classes with the facts behind each, the
random inspection plans (list, create, detail, publish) and the public list of published plans.  Thin faces: read
through `visible_to(user)`, write through classes / random_plans."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangfang.accounts.models import User
from shuangfang.core.access import login_required, public
from shuangfang.core.forms import submit_to_service
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import PermissionDenied as ServicePermissionDenied
from shuangfang.core.services import permitted
from shuangfang.core.views import list_response, paginate
from shuangfang.orgs.models import Region, unit_named

from . import classes as class_services
from . import random_plans as services
from . import rules_classes as rules
from .choices import SupervisionClass
from .forms_classes import ClassFilterForm, PublishForm, RandomPlanForm
from .models import RandomInspectionItem, RandomInspectionPlan, UnitClass

PAGE_SIZE = 50
CLASS_COLORS = {"A": "green", "B": "blue", "C": "orange", "D": "red"}


def _require_regulator(user) -> None:
    if scope_of(user).kind != ScopeKind.REGULATOR:
        raise PermissionDenied(_("该页面供市场监督管理部门使用。"))


def may_plan(user) -> bool:
    return permitted(services.check_may_plan, user)


# The classes -------------------------------------------------------------------------------------------------------


def _filtered_classes(user, form: ClassFilterForm):
    data = form.values()
    rows = UnitClass.objects.visible_to(user).select_related("organization", "region")
    if data.get("supervision_class"):
        rows = rows.filter(supervision_class=data["supervision_class"])
    if data.get("region"):
        region = Region.objects.filter(code=data["region"]).first()
        if region is not None:
            rows = rows.filter(region__code__startswith=region.prefix)
    if data.get("rule"):
        # The facts are stored as written by json.dumps: the quoted pair matches one rule's code exactly.
        rows = rows.filter(facts__icontains=f'"rule": "{data["rule"]}"')
    if (data.get("unit") or "").strip():
        rows = rows.filter(unit_named(data["unit"]))
    return rows.order_by("-score", "organization__name", "pk")


@login_required
@require_GET
def class_list(request):
    """The jurisdiction's units by class, the highest risk first, each with the facts that produced its class."""
    user = request.user
    _require_regulator(user)
    form = ClassFilterForm(request.GET, region_prefix=scope_of(user).region_prefix)
    rows = _filtered_classes(user, form)
    page = paginate(request, rows, PAGE_SIZE)
    for row in page.object_list:
        row.color = CLASS_COLORS.get(row.supervision_class, "grey")
    counts = dict(
        UnitClass.objects.visible_to(user)
        .values_list("supervision_class")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("supervision_class", "n")
    )
    latest = UnitClass.objects.visible_to(user).order_by("-computed_at").values_list("computed_at", flat=True).first()
    context = {
        "filter_form": form,
        "active_filters": sum(1 for name in form.fields if str(form.data.get(name, "")).strip()),
        "page": page,
        "class_counts": [
            (value, label, counts.get(value, 0), CLASS_COLORS[value]) for value, label in SupervisionClass.choices
        ],
        "computed_at": latest,
        "rules": rules.CLASS_RULES,
        "thresholds": class_services._thresholds(),
        "base_points": rules.BASE_POINTS,
        "may_recompute": permitted(class_services.check_may_recompute, user),
    }
    return list_response(request, "supervision/classes/list.html", "supervision/classes/_rows.html", context)


@login_required
@require_POST
def recompute_classes(request):
    """重新计算 the jurisdiction's classes now."""
    user = request.user
    _require_regulator(user)
    try:
        result = class_services.do_recompute_classes(actor=user)
    except ServicePermissionDenied as denied:
        raise PermissionDenied(denied.message) from denied
    data = result.as_data()
    messages.success(
        request,
        _("已重新计算 %(n)d 家单位的监管类别，其中 %(changed)d 家类别或依据有变化。")
        % {"n": sum(data["by_class"].values()), "changed": data["changed"] + data["created"]},
    )
    return redirect("supervision:classes")


# The random inspection plans ---------------------------------------------------------------------------------------


def _plans(user):
    return RandomInspectionPlan.objects.visible_to(user).select_related("organization", "region", "created_by")


def access_plan(user, pk: int) -> RandomInspectionPlan:
    plan = _plans(user).filter(pk=pk).first()
    if plan is None:
        raise Http404(_("抽查计划不存在。"))
    return plan


@login_required
@require_GET
def plan_list(request):
    user = request.user
    _require_regulator(user)
    plans = _plans(user).annotate(unit_count=Count("items")).order_by("-period_start", "-pk")
    page = paginate(request, plans, PAGE_SIZE)
    context = {"page": page, "may_plan": may_plan(user)}
    return list_response(request, "supervision/classes/plans.html", "supervision/classes/_plan_rows.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    """制定双随机抽查计划: the units drawn per class, the inspectors from the grids."""
    user = request.user
    _require_regulator(user)
    if not may_plan(user):
        raise PermissionDenied(_("只有监管部门的监察人员或管理员可以制定和公开双随机抽查计划。"))
    prefix = scope_of(user).region_prefix
    ranges = rules.ratio_ranges(services.ratio_overrides())
    status = 200
    if request.method == "POST":
        form = RandomPlanForm(request.POST, region_prefix=prefix, ranges=ranges)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            region = Region.objects.filter(code=data["region"]).first() if data.get("region") else None
            plan, status = submit_to_service(
                form,
                lambda: services.do_create_random_plan(
                    actor=user,
                    title=data["title"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    region=region,
                    ratios=form.ratios(),
                    inspectors_per_unit=data["inspectors_per_unit"] or 2,
                    seed=data["seed"],
                ),
            )
            if plan:
                messages.success(
                    request,
                    _("已生成抽查计划“%(title)s”，抽取 %(n)d 家单位；核对后可公开。")
                    % {"title": plan.title, "n": plan.items.count()},
                )
                return redirect("supervision:random-plan", pk=plan.pk)
    else:
        initial = {f"ratio_{k}": v for k, v in rules.default_ratios(services.ratio_overrides()).items()}
        initial["inspectors_per_unit"] = 2
        form = RandomPlanForm(initial=initial, region_prefix=prefix, ranges=ranges)
    context = {"form": form, "ranges": rules.RATIO_RANGES}
    return render(request, "supervision/classes/plan_form.html", context, status=status)


def _plan_page(request, plan: RandomInspectionPlan, form: PublishForm | None = None, status: int = 200):
    user = request.user
    items = list(
        plan.items.select_related("unit")
        .prefetch_related(Prefetch("inspectors", queryset=User.objects.only("pk", "full_name", "username")))
        .order_by("supervision_class", "unit__name")
    )
    drawn_again = services.redraw(plan)
    reproducible = bool(drawn_again) and drawn_again == services.items_as_drawn(plan)
    for item in items:
        item.color = CLASS_COLORS.get(item.supervision_class, "grey")
        item.short = len(item.inspectors.all()) < plan.inspectors_per_unit
    publishable = plan.published_at is None and may_plan(user)
    if publishable and form is None:
        form = PublishForm(initial={"version": plan.version})
    context = {
        "plan": plan,
        "items": items,
        "reproducible": reproducible,
        "form": form if publishable else None,
        "ratios": [(k, plan.ratios.get(k), sum(1 for i in items if i.supervision_class == k)) for k in rules.CLASSES],
    }
    return render(request, "supervision/classes/plan_detail.html", context, status=status)


@login_required
@require_GET
def plan_detail(request, pk: int):
    user = request.user
    _require_regulator(user)
    return _plan_page(request, access_plan(user, pk))


@login_required
@require_POST
def plan_publish(request, pk: int):
    """一公开."""
    user = request.user
    _require_regulator(user)
    plan = access_plan(user, pk)
    form = PublishForm(request.POST)
    status = 400
    if form.is_valid():
        published, status = submit_to_service(
            form,
            lambda: services.do_publish_random_plan(
                actor=user, plan=plan, expected_version=form.cleaned_data["version"]
            ),
        )
        if published:
            messages.success(request, _("抽查计划“%(title)s”已向社会公开。") % {"title": plan.title})
            return redirect("supervision:random-plan", pk=plan.pk)
    return _plan_page(request, plan, form, status)


# The public list ---------------------------------------------------------------------------------------------------


def _public_units():
    return Prefetch(
        "items",
        queryset=RandomInspectionItem.objects.select_related("unit")
        .only("plan_id", "unit__name", "unit__uscc")
        .order_by("unit__name"),
    )


@public
@require_GET
def public_plans(request):
    """双随机抽查计划公示 (一公开): the published plans and their units, without sign-in; no classes, no inspectors."""
    plans = services.published_plans().annotate(unit_count=Count("items"))
    page = paginate(request, plans, 20)
    response = render(request, "supervision/classes/public_plans.html", {"page": page})
    response["Cache-Control"] = "no-store"
    return response


@public
@require_GET
def public_plan(request, pk: int):
    plan = services.published_plans().filter(pk=pk).prefetch_related(_public_units()).first()
    if plan is None:
        raise Http404(_("抽查计划不存在或尚未公开。"))
    units = [item.unit for item in plan.items.all()]
    response = render(request, "supervision/classes/public_plan.html", {"plan": plan, "units": units})
    response["Cache-Control"] = "no-store"
    return response
