"""The blacklist pages (黑名单): the regulator's list, the candidates the rules name, the listing and lifting forms, and
the public list without sign-in.  Thin faces: read through `visible_to(user)`, write through services_blacklist."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangfang.core.access import login_required, public
from shuangfang.core.forms import submit_to_service
from shuangfang.core.models import Event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import permitted
from shuangfang.core.views import list_response, paginate
from shuangfang.hazards.models import Hazard
from shuangfang.orgs.models import Organization, unit_named

from . import rules
from . import services_blacklist as services
from .choices import BlacklistReason, BlacklistStatus
from .forms_blacklist import BlacklistFilterForm, LiftForm, ListUnitForm, PublicSearchForm
from .models import Accident, BlacklistEntry

PAGE_SIZE = 50
STATUS_COLORS = {BlacklistStatus.ACTIVE: "red", BlacklistStatus.LIFTED: "grey"}
EVENT_LABELS = {
    "blacklist.listed": gettext_lazy("列入黑名单"),
    "blacklist.lifted": gettext_lazy("移出黑名单"),
    "blacklist.expired": gettext_lazy("期满自动移出"),
}


def may_blacklist(user) -> bool:
    return permitted(services.check_may_blacklist, user)


def _require_regulator(user) -> None:
    if scope_of(user).kind != ScopeKind.REGULATOR:
        raise PermissionDenied(_("该页面供市场监督管理部门使用。"))


def _require_writer(user) -> None:
    if not may_blacklist(user):
        raise PermissionDenied(_("只有监管部门的监察人员或管理员可以列入或移出黑名单。"))


def _entries(user):
    return BlacklistEntry.objects.visible_to(user).select_related(
        "organization", "listed_by_organization", "accident", "hazard"
    )


def access_entry(user, pk: int) -> BlacklistEntry:
    entry = _entries(user).filter(pk=pk).first()
    if entry is None:
        raise Http404(_("黑名单记录不存在。"))
    return entry


# The regulator's list --------------------------------------------------------------------------------------------


@login_required
@require_GET
def blacklist(request):
    """The jurisdiction's entries: those in force by default, the status and reason filters, the latest first."""
    user = request.user
    _require_regulator(user)
    form = BlacklistFilterForm(request.GET)
    entries = form.filter(_entries(user)).order_by("-listed_on", "-pk")
    page = paginate(request, entries, PAGE_SIZE)
    for entry in page.object_list:
        entry.color = STATUS_COLORS.get(entry.status, "grey")
        entry.url = reverse("supervision:blacklist-entry", args=[entry.pk])
    context = {
        "filter_form": form,
        "active_filters": sum(1 for name in form.fields if str(form.data.get(name, "")).strip()),
        "page": page,
        "may_blacklist": may_blacklist(user),
        "candidate_count": len(services.blacklist_candidates(user)),
    }
    return list_response(request, "supervision/blacklist/list.html", "supervision/blacklist/_rows.html", context)


@login_required
@require_GET
def candidates(request):
    """The units the rules name (rules as data), each with its records and a 列入 button that fills in the form."""
    user = request.user
    _require_regulator(user)
    found = services.blacklist_candidates(user)
    writer = may_blacklist(user)
    for candidate in found:
        params = {"organization": candidate.organization.pk, "reason": candidate.reason}
        if candidate.first_accident:
            params["accident"] = candidate.first_accident.pk
        if candidate.first_hazard:
            params["hazard"] = candidate.first_hazard.pk
        candidate.list_url = f"{reverse('supervision:blacklist-create')}?{urlencode(params)}" if writer else ""
        for hazard in candidate.hazards:
            hazard.url = reverse("hazards:detail", args=[hazard.pk])
    context = {"candidates": found, "rules": rules.BLACKLIST_RULES, "may_blacklist": writer}
    return render(request, "supervision/blacklist/candidates.html", context)


# Listing a unit --------------------------------------------------------------------------------------------------


def _prefill(user, params) -> tuple[dict, Organization | None, Accident | None, Hazard | None]:
    """The form's initial values from a candidate's button: the unit, the reason and the record it rests on."""
    initial: dict = {}
    unit = accident = hazard = None
    if str(params.get("organization", "")).isdigit():
        unit = Organization.objects.visible_to(user).filter(pk=params["organization"]).first()
        if unit is not None:
            initial["unit"] = unit.uscc
    if params.get("reason"):
        initial["reason"] = params["reason"]
    if str(params.get("accident", "")).isdigit():
        accident = Accident.objects.visible_to(user).filter(pk=params["accident"]).first()
        if accident is not None:
            initial["accident"] = accident.pk
            initial["detail"] = _("%(date)s 发生特种设备事故（%(type)s，%(severity)s）：%(text)s") % {
                "date": timezone.localtime(accident.occurred_at).strftime("%Y-%m-%d"),
                "type": accident.accident_type,
                "severity": accident.get_severity_display(),
                "text": accident.description[:200],
            }
    if str(params.get("hazard", "")).isdigit():
        hazard = Hazard.objects.visible_to(user).filter(pk=params["hazard"]).first()
        if hazard is not None:
            initial["hazard"] = hazard.pk
            initial["detail"] = _("重大事故隐患“%(text)s”整改期限 %(deadline)s 已过，仍未整改销号。") % {
                "text": hazard.description[:100],
                "deadline": hazard.deadline.isoformat() if hazard.deadline else "—",
            }
    return initial, unit, accident, hazard


def _resolve(user, form: ListUnitForm):
    """The unit, accident and hazard the form names, each through the user's scope; an unknown one is a form error."""
    data = form.cleaned_data
    unit = accident = hazard = None
    code = (data.get("unit") or "").strip().upper()
    if not code:
        form.add_error("unit", _("请填写单位的统一社会信用代码。"))
    else:
        unit = Organization.objects.visible_to(user).filter(uscc=code).first()
        if unit is None:
            form.add_error("unit", _("您的辖区内没有统一社会信用代码为 %(code)s 的单位。") % {"code": code})
    if data.get("accident"):
        accident = Accident.objects.visible_to(user).filter(pk=data["accident"]).first()
        if accident is None:
            form.add_error(None, _("关联的事故不存在。"))
    if data.get("hazard"):
        hazard = Hazard.objects.visible_to(user).filter(pk=data["hazard"]).first()
        if hazard is None:
            form.add_error(None, _("关联的隐患不存在。"))
    return unit, accident, hazard


@login_required
@require_http_methods(["GET", "POST"])
def list_unit(request):
    """列入黑名单 form; a candidate's button opens it filled in."""
    user = request.user
    _require_regulator(user)
    _require_writer(user)
    status = 200
    if request.method == "POST":
        form = ListUnitForm(request.POST)
        status = 400
        if form.is_valid():
            unit, accident, hazard = _resolve(user, form)
            if not form.errors:
                entry, status = submit_to_service(
                    form,
                    lambda: services.do_list_unit(
                        actor=user,
                        organization=unit,
                        reason=form.cleaned_data["reason"],
                        detail=form.cleaned_data["detail"],
                        listed_on=form.cleaned_data["listed_on"],
                        until=form.cleaned_data["until"],
                        accident=accident,
                        hazard=hazard,
                    ),
                )
                if entry:
                    messages.success(
                        request,
                        _("已将%(unit)s列入黑名单，期限至 %(until)s。")
                        % {"unit": entry.organization.name, "until": entry.until.isoformat()},
                    )
                    return redirect("supervision:blacklist-entry", pk=entry.pk)
        _initial, unit, accident, hazard = _prefill(user, request.POST)
    else:
        initial, unit, accident, hazard = _prefill(user, request.GET)
        form = ListUnitForm(initial=initial)
    context = {
        "form": form,
        "unit": unit,
        "accident": accident,
        "hazard": hazard,
        "hazard_url": reverse("hazards:detail", args=[hazard.pk]) if hazard else "",
        "authority": user.organization,
        "default_terms": [
            (label, rules.term_years(reason, services.term_overrides())) for reason, label in BlacklistReason.choices
        ],
    }
    return render(request, "supervision/blacklist/list_unit.html", context, status=status)


# One entry and its lifting ---------------------------------------------------------------------------------------


def _entry_page(request, entry: BlacklistEntry, form: LiftForm | None, status: int = 200):
    user = request.user
    liftable = entry.status == BlacklistStatus.ACTIVE and may_blacklist(user)
    if form is None and liftable:
        form = LiftForm(initial={"version": entry.version})
    history = (
        Event.objects.filter(object_type="supervision.blacklistentry", object_id=str(entry.pk))
        .select_related("actor")
        .order_by("seq")
    )
    for event in history:
        event.label = EVENT_LABELS.get(event.type, event.type)
    context = {
        "entry": entry,
        "color": STATUS_COLORS.get(entry.status, "grey"),
        "form": form if liftable else None,
        "history": history,
        "hazard_url": reverse("hazards:detail", args=[entry.hazard_id]) if entry.hazard_id else "",
        "is_regulator": scope_of(user).kind == ScopeKind.REGULATOR,
    }
    return render(request, "supervision/blacklist/entry.html", context, status=status)


@login_required
@require_GET
def entry_detail(request, pk: int):
    """One entry: its facts, the records it rests on, its history and, while in force, the lifting form.  A unit reads
    its own entries here (the link of its notification)."""
    entry = access_entry(request.user, pk)
    return _entry_page(request, entry, None)


@login_required
@require_POST
def lift_entry(request, pk: int):
    """移出黑名单 (信用修复 or revoked)."""
    user = request.user
    entry = access_entry(user, pk)
    _require_writer(user)
    form = LiftForm(request.POST)
    status = 400
    if form.is_valid():
        lifted, status = submit_to_service(
            form,
            lambda: services.do_lift_entry(
                actor=user,
                entry=entry,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            ),
        )
        if lifted:
            messages.success(request, _("已将%(unit)s移出黑名单。") % {"unit": entry.organization.name})
            return redirect("supervision:blacklist-entry", pk=entry.pk)
    return _entry_page(request, entry, form, status)


# The public list -------------------------------------------------------------------------------------------------


@public
@require_GET
def public_blacklist(request):
    """The public blacklist (一公开): the entries in force, without sign-in; names, USCC, reasons and dates only."""
    form = PublicSearchForm(request.GET)
    entries = services.active_public_entries()
    if form.is_valid() and form.cleaned_data["q"].strip():
        q = form.cleaned_data["q"].strip()
        entries = entries.filter(unit_named(q))
    page = paginate(request, entries, PAGE_SIZE)
    response = list_response(
        request,
        "supervision/blacklist/public.html",
        "supervision/blacklist/_public_rows.html",
        {"page": page, "form": form},
    )
    response["Cache-Control"] = "no-store"
    return response
