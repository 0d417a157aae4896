"""Enforcement inspections (双重预防体系执法检查) and orders (监察指令): the list of inspections, the list of orders
with their follow-up, the record form with the checklist (a unit of the jurisdiction first), and one inspection with its
orders and the compliance form.  A unit reads its own inspections and orders on the same pages, without the forms.
The public list of published orders (一公开) needs no sign-in.
Thin faces: read through `visible_to(user)`, write through services_enforcement."""

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangfang.core.access import login_required, public
from shuangfang.core.forms import submit_to_service
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import permitted
from shuangfang.core.views import list_response, paginate
from shuangfang.equipment.models import Equipment
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.filtersets import region_prefix_of
from shuangfang.orgs.models import Organization, unit_named

from . import rules_enforcement as rules
from . import services_enforcement as services
from .choices import OrderStatus
from .forms_enforcement import ComplianceForm, InspectionForm, OrderFilterForm
from .models import EnforcementInspection, EnforcementOrder

PAGE_SIZE = 50
UNIT_CHOICES = 30
EQUIPMENT_SUGGESTIONS = 500
STATUS_COLORS = {
    OrderStatus.ISSUED: "orange",
    OrderStatus.COMPLIED: "green",
    OrderStatus.CLOSURE_RECOMMENDED: "red",
}


def may_enforce(user) -> bool:
    return permitted(services.check_may_enforce, user)


def _require_reader(user) -> None:
    if scope_of(user).kind not in (ScopeKind.REGULATOR, ScopeKind.UNIT, ScopeKind.PLATFORM):
        raise PermissionDenied(_("该页面供监管部门和使用单位使用。"))


def _require_writer(user) -> None:
    if not may_enforce(user):
        raise PermissionDenied(_("只有监管部门的监察人员可以记录执法检查和监察指令。"))


def _units(user):
    return Organization.objects.visible_to(user).filter(
        kind__in=EQUIPMENT_OWNING_KINDS, is_active=True, region__code__startswith=scope_of(user).region_prefix
    )


def _decorate_order(order: EnforcementOrder, today) -> None:
    order.color = STATUS_COLORS.get(order.status, "grey")
    order.overdue = order.status == OrderStatus.ISSUED and rules.past_deadline(order.deadline, today)


@login_required
@require_GET
def inspection_list(request):
    """The inspections in the caller's scope (a unit: those of itself), the latest first."""
    user = request.user
    _require_reader(user)
    inspections = (
        EnforcementInspection.objects.visible_to(user)
        .select_related("unit", "organization")
        .annotate(
            order_count=Count("orders"),
            open_orders=Count("orders", filter=Q(orders__status=OrderStatus.ISSUED)),
            one_action_count=Count("orders", filter=Q(orders__hazard__isnull=False)),
        )
    )
    query = request.GET.get("q", "").strip()[:100]
    if query:
        inspections = inspections.filter(unit_named(query, via="unit"))
    page = paginate(request, inspections.order_by("-inspected_on", "-pk"), PAGE_SIZE)
    context = {
        "page": page,
        "query": query,
        "may_enforce": may_enforce(user),
        "is_unit": scope_of(user).kind == ScopeKind.UNIT,
    }
    return render(request, "supervision/enforcement/list.html", context)


@login_required
@require_GET
def order_list(request):
    """The orders in the caller's scope with their deadlines and status: what needs following up."""
    user = request.user
    _require_reader(user)
    form = OrderFilterForm(request.GET)
    orders = form.filter(
        EnforcementOrder.objects.visible_to(user).select_related("unit", "organization", "hazard", "listing")
    ).order_by("deadline", "pk")
    page = paginate(request, orders, PAGE_SIZE)
    today = timezone.localdate()
    for order in page.object_list:
        _decorate_order(order, today)
    context = {
        "page": page,
        "filter_form": form,
        "is_unit": scope_of(user).kind == ScopeKind.UNIT,
        "may_enforce": may_enforce(user),
    }
    return render(request, "supervision/enforcement/orders.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def inspection_create(request):
    """First the unit (searched in the jurisdiction), then the checklist."""
    user = request.user
    _require_writer(user)
    unit_id = request.POST.get("unit") if request.method == "POST" else request.GET.get("unit")
    if not unit_id:
        query = request.GET.get("q", "").strip()[:100]
        units = _units(user).select_related("region").order_by("name")
        if query:
            units = units.filter(Q(name__contains=query) | Q(uscc__startswith=query.upper()))
        rows = list(units[: UNIT_CHOICES + 1])
        context = {"query": query, "units": rows[:UNIT_CHOICES], "more": len(rows) > UNIT_CHOICES}
        return render(request, "supervision/enforcement/choose_unit.html", context)
    unit = _units(user).filter(pk=unit_id).first() if str(unit_id).isdigit() else None
    if unit is None:
        raise Http404(_("该单位不在您的监管辖区内。"))
    form = InspectionForm(request.POST if request.method == "POST" else None, unit=unit, regulator=user.organization)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            inspection, status = submit_to_service(
                form,
                lambda: services.do_record_inspection(
                    actor=user,
                    unit=unit,
                    inspected_on=data["inspected_on"],
                    results=form.results(),
                    notes=form.notes(),
                    findings=data["findings"],
                    orders=form.orders(),
                    inspectors=list(data["inspectors"]) or None,
                    equipment=data["equipment_code"],
                    one_action_deadline=data["one_action_deadline"],
                ),
            )
            if inspection:
                listed = inspection.orders.filter(hazard__isnull=False).count()
                if listed:
                    messages.warning(
                        request,
                        _("已记录执法检查：%(n)d 项问题依规一律确定为重大事故隐患，已挂牌督办、责令停止使用并公开。")
                        % {"n": listed},
                    )
                else:
                    messages.success(request, _("已记录执法检查。"))
                return redirect("supervision:enforcement-inspection", pk=inspection.pk)
    suggestions = list(
        Equipment.objects.filter(organization=unit).order_by("code").values_list("code", "name")[:EQUIPMENT_SUGGESTIONS]
    )
    context = {
        "form": form,
        "unit": unit,
        "suggestions": suggestions,
        "one_action_labels": list(rules.ONE_ACTION_LABELS.values()),
        "notice": rules.NOTICE_116,
    }
    return render(request, "supervision/enforcement/form.html", context, status=status)


def access_inspection(user, pk: int) -> EnforcementInspection:
    _require_reader(user)
    inspection = (
        EnforcementInspection.objects.visible_to(user)
        .select_related("unit", "organization", "created_by")
        .filter(pk=pk)
        .first()
    )
    if inspection is None:
        raise Http404(_("执法检查记录不存在。"))
    return inspection


def _inspection_page(request, inspection, forms_by_order=None, status=200):
    user = request.user
    writer = may_enforce(user)
    today = timezone.localdate()
    orders = list(inspection.orders.select_related("hazard", "listing").order_by("deadline", "pk"))
    forms_by_order = forms_by_order or {}
    for order in orders:
        _decorate_order(order, today)
        order.form = None
        if writer and order.status == OrderStatus.ISSUED:
            order.form = forms_by_order.get(order.pk) or ComplianceForm(
                initial={"version": order.version}, prefix=f"order{order.pk}"
            )
    rows = [
        (item, inspection.results.get(item.code), rules.RESULT_LABELS.get(inspection.results.get(item.code), "—"))
        for item in rules.ENFORCEMENT_CHECKLIST
        if item.code in inspection.results
    ]
    context = {
        "inspection": inspection,
        "inspectors": list(inspection.inspectors.all()),
        "rows": rows,
        "orders": orders,
        "is_regulator": scope_of(user).kind == ScopeKind.REGULATOR,
        "finding": rules.FINDING,
    }
    return render(request, "supervision/enforcement/detail.html", context, status=status)


@login_required
@require_GET
def inspection_detail(request, pk: int):
    """One inspection: its checklist results, findings and orders (with their hazard and listing), and for the
    regulator the compliance form of each open order."""
    return _inspection_page(request, access_inspection(request.user, pk))


@login_required
@require_POST
def order_comply(request, pk: int):
    """整改完成: the regulator's follow-up confirms the order complied with."""
    user = request.user
    _require_reader(user)
    order = EnforcementOrder.objects.visible_to(user).select_related("inspection", "hazard").filter(pk=pk).first()
    if order is None:
        raise Http404(_("监察指令不存在。"))
    _require_writer(user)
    form = ComplianceForm(request.POST, prefix=f"order{order.pk}")
    status = 400
    if form.is_valid():
        complied, status = submit_to_service(
            form,
            lambda: services.do_record_compliance(
                actor=user,
                order=order,
                follow_up=form.cleaned_data["follow_up"],
                expected_version=form.cleaned_data["version"],
            ),
        )
        if complied:
            messages.success(request, _("已记录监察指令整改完成。"))
            return redirect("supervision:enforcement-inspection", pk=order.inspection_id)
    inspection = access_inspection(user, order.inspection_id)
    return _inspection_page(request, inspection, {order.pk: form}, status)


# The public list -------------------------------------------------------------------------------------------------


class PublicOrderFilterForm(forms.Form):
    region = forms.CharField(
        label=gettext_lazy("地区代码"),
        required=False,
        max_length=6,
        help_text=gettext_lazy("如 1405（晋城市）或 140525（泽州县），含下级地区"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), required=False, choices=[("", gettext_lazy("全部")), *OrderStatus.choices]
    )

    def clean_region(self) -> str:
        value = self.cleaned_data["region"].strip()
        if value and not re.fullmatch(r"\d{2,6}", value):
            raise forms.ValidationError(_("地区代码须为 2 至 6 位数字，如 1405（晋城市）或 140525（泽州县）。"))
        return value


@public
@require_GET
def public_orders(request):
    """The published orders (一公开: the stop-and-rectify orders of the one-action rule), without sign-in: the unit's
    name and USCC, the region, the order, its status and the issuing regulator — no people."""
    form = PublicOrderFilterForm(request.GET)
    form.is_valid()
    # A field in error is left out of the filter; the page says why.
    data = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if name not in form.errors}
    region, status = data.get("region", ""), data.get("status", "")
    orders = services.published_orders(region_prefix=region_prefix_of(region) if region else "", status=status)
    page = paginate(request, orders, PAGE_SIZE)
    for order in page.object_list:
        order.color = STATUS_COLORS.get(order.status, "grey")
    response = list_response(
        request,
        "supervision/enforcement/public.html",
        "supervision/enforcement/_public_rows.html",
        {"page": page, "form": form},
    )
    response["Cache-Control"] = "no-store"
    return response
