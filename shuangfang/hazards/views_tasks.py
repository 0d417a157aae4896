"""Web pages of hidden-hazard investigation (隐患排查), the unit's side: my tasks, executing a task on a phone (the
checklist, an outcome per item, photos), the equipment's QR path to today's checks, the unit's investigation plans and
its checklist (the shipped library and its own items).

The phone path: scan the equipment's QR code → today's tasks of that equipment → the checklist → photos → submit; a
failed item becomes a hidden hazard (SAWS Order 16) and a daily check with none is the day's 零风险报告 (SAMR Order 74).
"""

from __future__ import annotations

from collections import OrderedDict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shuangfang.accounts.roles import role_label
from shuangfang.core.access import login_required
from shuangfang.core.forms import submit_to_service
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.views import paginate
from shuangfang.equipment.models import CatalogEntry, Equipment
from shuangfang.equipment.selectors import equipment_by_public_token, may_see_equipment

from . import checklists, investigation, rules
from .choices import OPEN_STATUSES, InvestigationKind, Outcome, TaskStatus
from .forms import (
    CheckItemEditForm,
    CheckItemForm,
    PlanEditForm,
    PlanForm,
    TaskExecutionForm,
    TaskFilterForm,
)
from .models import CheckItem, CheckResult, Hazard, InvestigationPlan, InvestigationTask
from .scheduling import is_duty_cycle_plan
from .views_pages import attachment_url, decorate_hazards

PAGE_SIZE = 30
OPEN_TASK_STATUSES = (TaskStatus.PENDING, TaskStatus.OVERDUE)
OUTCOME_COLORS = {Outcome.OK: "green", Outcome.NOT_OK: "red", Outcome.NOT_APPLICABLE: "grey"}


def _is_unit(user) -> bool:
    return scope_of(user).kind == ScopeKind.UNIT


def _may_manage(user) -> bool:
    return _is_unit(user) and investigation.may_manage_investigation(user)


def _require_manager(user) -> None:
    if not _may_manage(user):
        raise PermissionDenied(_("只有使用单位的主要负责人、安全总监、安全员或单位管理员能维护排查计划和排查清单。"))


def mine_q(user) -> Q:
    """My tasks: given to me, or given to nobody and of a role I hold."""
    return Q(assignee_id=user.pk) | Q(assignee__isnull=True, assignee_role__in=list(user.roles))


def _when(task: InvestigationTask, today) -> tuple[str, str]:
    """Where a task stands in time, as its badge says it."""
    if task.status == TaskStatus.DONE:
        return _("已完成"), "green"
    if task.due_on < today:
        return _("已逾期"), "red"
    if task.period_start <= today:
        return (_("今日到期"), "orange") if task.due_on == today else (_("进行中"), "blue")
    return _("待开始"), "grey"


def decorate_tasks(tasks, user, today) -> None:
    for task in tasks:
        task.when_label, task.when_color = _when(task, today)
        task.may_execute = not task.is_done and investigation.may_execute(user, task)
        task.role_label = role_label(task.assignee_role)


def access_task(user, pk: int) -> InvestigationTask:
    task = (
        InvestigationTask.objects.visible_to(user)
        .select_related("equipment", "plan", "assignee", "completed_by", "organization")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404(_("排查任务不存在。"))
    return task


# My tasks ------------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def task_list(request):
    """Today's and overdue tasks first, then the coming ones; a unit's managers see every task of the unit."""
    user = request.user
    today = timezone.localdate()
    unit = _is_unit(user)
    manager = _may_manage(user)
    form = TaskFilterForm(request.GET, manager=manager)
    status, kind, whose = "open", "", "all" if manager else "mine"
    if form.is_valid():
        status = form.cleaned_data["status"] or status
        kind = form.cleaned_data["kind"]
        whose = form.cleaned_data.get("whose") or whose
    tasks = InvestigationTask.objects.visible_to(user).select_related("equipment", "assignee", "organization")
    if unit and whose == "mine":
        tasks = tasks.filter(mine_q(user))
    if status == "open":
        tasks = tasks.filter(status__in=OPEN_TASK_STATUSES)
    elif status in TaskStatus.values:
        tasks = tasks.filter(status=status)
    if kind:
        tasks = tasks.filter(kind=kind)
    tasks = tasks.annotate(
        bucket=Case(
            When(status=TaskStatus.DONE, then=Value(3)),
            When(due_on__lt=today, then=Value(0)),
            When(period_start__lte=today, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    ordering = ["-due_on", "-id"] if status == TaskStatus.DONE else ["bucket", "due_on", "id"]
    page = paginate(request, tasks.order_by(*ordering), PAGE_SIZE)
    decorate_tasks(page.object_list, user, today)
    context = {
        "form": form,
        "page": page,
        "today": today,
        "show_unit": not unit,
        "may_manage": manager,
    }
    return render(request, "hazards/tasks.html", context)


# A task --------------------------------------------------------------------------------------------------------------


def _group_rows(rows, key, name) -> list[dict]:
    """Rows under their equipment, in checklist order; the unit's own items (no equipment) under 基础管理."""
    groups: OrderedDict = OrderedDict()
    for row in rows:
        equipment_id = key(row)
        if equipment_id not in groups:
            groups[equipment_id] = {"equipment_id": equipment_id, "name": name(row) or _("基础管理"), "rows": []}
        groups[equipment_id]["rows"].append(row)
    return list(groups.values())


def _done_context(task: InvestigationTask) -> dict:
    results = list(
        CheckResult.objects.filter(task=task)
        .select_related("equipment", "checked_by")
        .prefetch_related("photos")
        .order_by("id")
    )
    hazards = {hazard.check_result_id: hazard for hazard in Hazard.objects.filter(check_result__in=results)}
    decorate_hazards(hazards.values())
    for result in results:
        result.outcome_color = OUTCOME_COLORS.get(result.outcome, "grey")
        result.hazard_row = hazards.get(result.pk)
        result.photo_links = [
            {"url": attachment_url(photo.pk), "name": photo.original_name} for photo in result.photos.all()
        ]
    counts = {outcome: sum(1 for result in results if result.outcome == outcome) for outcome in Outcome.values}
    return {
        "result_groups": _group_rows(
            results,
            key=lambda result: result.equipment_id,
            name=lambda result: f"{result.equipment.name}（{result.equipment.code}）" if result.equipment else "",
        ),
        "counts": [
            {"label": Outcome(outcome).label, "value": counts[outcome], "color": OUTCOME_COLORS[outcome]}
            for outcome in Outcome.values
        ],
        "raised": list(hazards.values()),
        "zero_risk": task.kind == InvestigationKind.DAILY and not counts[Outcome.NOT_OK],
    }


def _execution_groups(form: TaskExecutionForm) -> list[dict]:
    return _group_rows(
        list(form.rows()),
        key=lambda row: row["item"].equipment_id,
        name=lambda row: row["item"].equipment_name,
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request, pk: int):
    """Execute a task: every item answered (nothing is ticked in advance), a note and photos where needed. A done task
    shows its results and the hazards they raised."""
    user = request.user
    today = timezone.localdate()
    task = access_task(user, pk)
    decorate_tasks([task], user, today)
    context = {"task": task, "kind_label": InvestigationKind(task.kind).label}
    if task.is_done and request.method == "GET":
        context.update(_done_context(task))
        return render(request, "hazards/task.html", context)
    if request.method == "POST" and not investigation.may_execute(user, task):
        raise PermissionDenied(
            _("只有任务执行人、本单位%(role)s或主要负责人、安全总监可以执行该排查任务。")
            % {"role": role_label(task.assignee_role)}
        )
    checklist = investigation.checklist_for_task(task)
    posted = request.method == "POST"
    form = TaskExecutionForm(
        request.POST if posted else None, request.FILES if posted else None, task=task, checklist=checklist
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():

            def execute():
                with transaction.atomic():
                    return investigation.do_execute_task(
                        actor=user,
                        task=task,
                        results=form.service_results(user),
                        note=form.cleaned_data["note"],
                        decisions=form.cleaned_data.get("decisions", ""),
                        attendees=form.cleaned_data.get("attendees", ""),
                        expected_version=form.cleaned_data["version"],
                    )

            done, status = submit_to_service(form, execute)
            if done is not None:
                failed = CheckResult.objects.filter(task=done, outcome=Outcome.NOT_OK).count()
                if failed:
                    messages.warning(
                        request,
                        _("检查已提交：%(count)d 项不符合，已登记为隐患，请安全管理人员确认定级。") % {"count": failed},
                    )
                elif done.kind == InvestigationKind.DAILY:
                    messages.success(request, _("检查已提交：未发现问题（零风险报告）。"))
                else:
                    messages.success(request, _("已提交。"))
                return redirect("hazards:task", pk=done.pk)
        task = access_task(user, pk)
        decorate_tasks([task], user, today)
        context["task"] = task
        if task.is_done:
            # Someone else finished it meanwhile: say so above what they recorded.
            for error in form.non_field_errors():
                messages.error(request, error)
            context.update(_done_context(task))
            return render(request, "hazards/task.html", context, status=status)
    context.update(
        {
            "form": form,
            "groups": _execution_groups(form),
            "item_count": len(checklist),
            "may_execute": task.may_execute,
            "conflict": status == 409,
        }
    )
    return render(request, "hazards/task.html", context, status=status)


# The QR path ---------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def scan(request, token: str):
    """The equipment behind its QR code, for a signed-in person of its unit (or its regulator): today's checks of it
    and the button to report a hazard."""
    user = request.user
    equipment = equipment_by_public_token(token)
    if not may_see_equipment(user, equipment):
        raise Http404(_("设备不存在。"))
    today = timezone.localdate()
    tasks = list(
        InvestigationTask.objects.visible_to(user)
        .filter(equipment=equipment)
        .filter(
            Q(status__in=OPEN_TASK_STATUSES, period_start__lte=today)
            | Q(status=TaskStatus.DONE, completed_at__date=today)
        )
        .select_related("assignee", "equipment")
        .order_by("due_on", "id")
    )
    decorate_tasks(tasks, user, today)
    hazards = list(
        Hazard.objects.visible_to(user)
        .filter(equipment=equipment, status__in=OPEN_STATUSES)
        .order_by("-grade", "deadline", "-id")[:20]
    )
    decorate_hazards(hazards)
    context = {
        "equipment": equipment,
        "tasks": tasks,
        "hazards": hazards,
        "may_report": _is_unit(user) and user.organization_id == equipment.organization_id,
        "board_url": f"{reverse('hazards:board')}?equipment={equipment.pk}&is_open=true",
    }
    return render(request, "hazards/scan.html", context)


# Plans ---------------------------------------------------------------------------------------------------------------


def access_plan(user, pk: int) -> InvestigationPlan:
    plan = InvestigationPlan.objects.visible_to(user).select_related("assignee").filter(pk=pk).first()
    if plan is None:
        raise Http404(_("排查计划不存在。"))
    return plan


@login_required
@require_GET
def plan_list(request):
    user = request.user
    plans = (
        InvestigationPlan.objects.visible_to(user)
        .select_related("assignee", "organization")
        .order_by("-is_active", "organization_id", "id")
    )
    page = paginate(request, plans, PAGE_SIZE)
    for plan in page.object_list:
        plan.role_label = role_label(plan.assignee_role)
        plan.is_duty_cycle = is_duty_cycle_plan(plan)
    context = {"page": page, "may_manage": _may_manage(user), "show_unit": not _is_unit(user)}
    return render(request, "hazards/plans.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    user = request.user
    _require_manager(user)
    posted = request.method == "POST"
    form = PlanForm(request.POST if posted else None, user=user, initial={"starts_on": timezone.localdate()})
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            plan, status = submit_to_service(
                form, lambda: investigation.do_create_plan(actor=user, data=form.service_data())
            )
            if plan is not None:
                messages.success(request, _("排查计划“%(title)s”已添加。") % {"title": plan.title})
                return redirect("hazards:plans")
    return render(request, "hazards/plan_form.html", {"form": form, "plan": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    user = request.user
    plan = access_plan(user, pk)
    _require_manager(user)
    posted = request.method == "POST"
    form = PlanEditForm(request.POST if posted else None, user=user, plan=plan)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            changes, version = form.service_changes()
            updated, status = submit_to_service(
                form,
                lambda: investigation.do_update_plan(actor=user, plan=plan, changes=changes, expected_version=version),
            )
            if updated is not None:
                messages.success(request, _("排查计划“%(title)s”已保存。") % {"title": updated.title})
                return redirect("hazards:plans")
    context = {
        "form": form,
        "plan": plan,
        "kind_label": InvestigationKind(plan.kind).label,
        "conflict": status == 409,
    }
    return render(request, "hazards/plan_form.html", context, status=status)


# The checklist -------------------------------------------------------------------------------------------------------


def _categories(user) -> list[tuple[str, str]]:
    """The categories a unit has equipment of; for everyone else (and a unit with none) the catalog's kinds."""
    if _is_unit(user):
        rows = (
            Equipment.objects.visible_to(user)
            .order_by("category_id")
            .values_list("category_id", "category__name")
            .distinct()
        )
        if rows:
            return list(rows)
    return list(
        CatalogEntry.objects.filter(code__in=checklists.ALL_CATEGORIES).order_by("code").values_list("code", "name")
    )


def _own_item_scope(item: CheckItem) -> str:
    if item.equipment_id:
        return f"{item.equipment.name}（{item.equipment.code}）"
    if item.catalog_prefix:
        return _("%(prefix)s 类设备") % {"prefix": item.catalog_prefix}
    return _("本单位（每周排查）")


@login_required
@require_GET
def checklist(request):
    """The library items of a category (each with the GB 45067-2024 clause a failure of it meets) and the unit's own
    items."""
    user = request.user
    categories = _categories(user)
    category = request.GET.get("category", "").strip().upper()
    if not category and categories:
        category = categories[0][0]
    library = checklists.checklist_for(category) if category else []
    families = []
    for family, label in ((checklists.FAMILY_BASIC, _("基础管理类")), (checklists.FAMILY_ONSITE, _("使用现场类"))):
        items = [
            {"item": item, "criterion": rules.CRITERIA_BY_CLAUSE.get(item.gb45067_clause or "")}
            for item in library
            if item.family == family
        ]
        if items:
            families.append({"label": label, "items": items})
    own = list(CheckItem.objects.visible_to(user).select_related("equipment").order_by("-is_active", "id"))
    for item in own:
        item.scope_text = _own_item_scope(item)
        item.criterion = rules.CRITERIA_BY_CLAUSE.get(item.gb45067_clause) if item.gb45067_clause else None
    context = {
        "categories": categories,
        "category": category,
        "families": families,
        "own": own,
        "may_manage": _may_manage(user),
    }
    return render(request, "hazards/checklist.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def check_item_create(request):
    user = request.user
    _require_manager(user)
    posted = request.method == "POST"
    initial = {}
    if request.GET.get("category"):
        initial["catalog_prefix"] = request.GET["category"]
    form = CheckItemForm(request.POST if posted else None, user=user, initial=initial)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            item, status = submit_to_service(
                form, lambda: investigation.do_add_check_item(actor=user, data=form.service_data())
            )
            if item is not None:
                messages.success(request, _("检查项已添加。"))
                return redirect("hazards:checklist")
    return render(request, "hazards/check_item_form.html", {"form": form, "item": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def check_item_edit(request, pk: int):
    user = request.user
    item = CheckItem.objects.visible_to(user).select_related("equipment").filter(pk=pk).first()
    if item is None:
        raise Http404(_("检查项不存在。"))
    _require_manager(user)
    posted = request.method == "POST"
    form = CheckItemEditForm(request.POST if posted else None, item=item)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            changes, version = form.service_changes()
            updated, status = submit_to_service(
                form,
                lambda: investigation.do_update_check_item(
                    actor=user, item=item, changes=changes, expected_version=version
                ),
            )
            if updated is not None:
                messages.success(request, _("检查项已保存。"))
                return redirect("hazards:checklist")
    item.scope_text = _own_item_scope(item)
    context = {"form": form, "item": item, "conflict": status == 409}
    return render(request, "hazards/check_item_form.html", context, status=status)
