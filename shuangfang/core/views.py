"""The home page of each side, the audit page, and what every web page shares: how a service's
refusal reaches a form, how lists are paged, and how htmx gets only the part it asked for."""

import json
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from shuangfang.accounts.roles import role_label
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Region

from . import dashboard
from .access import login_required
from .models import Event
from .navigation import AUDIT_READER_ROLES
from .scoping import ScopeKind, scope_of

__all__ = ["FULL_HOME_SESSION_KEY", "audit", "home", "list_response", "login_required", "paginate"]

# Set when a small or micro unit's person chose the full dashboard ("完整版"); opening simple mode clears it.
FULL_HOME_SESSION_KEY = "home_full"


def paginate(request, queryset, per_page: int) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def list_response(request, template: str, partial: str, context: dict):
    """The whole page, or for an htmx request (a filter changed, a page link followed) only the
    results part it swaps in."""
    htmx = request.htmx
    name = partial if htmx and not htmx.boosted and not htmx.history_restore_request else template
    response = render(request, name, context)
    # The same URL answers with the page or its part depending on HX-Request: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# --------------------------------------------------------------------------------------------------------------------
# Home
# --------------------------------------------------------------------------------------------------------------------


@login_required
def home(request):
    user = request.user
    scope = scope_of(user)
    today = timezone.localdate()
    if scope.kind == ScopeKind.UNIT:
        if user.organization.small_micro and user.organization.kind in EQUIPMENT_OWNING_KINDS:
            # Small and micro enterprises start in simple mode (简便、实用、管用); ?full=1 keeps the full dashboard
            # for the rest of the session.
            if request.GET.get("full") == "1":
                request.session[FULL_HOME_SESSION_KEY] = True
            elif not request.session.get(FULL_HOME_SESSION_KEY):
                return redirect("safety:simple-home")
        context = dashboard.unit_dashboard(user, today)
        template = "core/home_unit.html"
    elif scope.kind == ScopeKind.REGULATOR:
        jurisdiction = user.organization.jurisdiction
        region = _region_within(request.GET.get("region"), jurisdiction)
        context = dashboard.regulator_dashboard(user, jurisdiction, region, today)
        template = "core/home_regulator.html"
    elif scope.kind == ScopeKind.AGENCY:
        context = dashboard.agency_dashboard(user, today)
        template = "core/home_agency.html"
    elif scope.kind == ScopeKind.PLATFORM:
        context = dashboard.platform_dashboard(user)
        template = "core/home_platform.html"
    else:
        context = {}
        template = "core/home_none.html"
    context["today"] = today
    return render(request, template, context)


def _region_within(code: str | None, jurisdiction: Region) -> Region:
    """The region a regulator drills down to: its own jurisdiction, or a region inside it.  A region
    outside the jurisdiction is "not found", like every object outside scope."""
    if not code:
        return jurisdiction
    region = Region.objects.filter(code=code.strip()).first()
    if region is None or not region.code.startswith(jurisdiction.prefix):
        raise Http404(_("该地区不在您的辖区内。"))
    return region


# --------------------------------------------------------------------------------------------------------------------
# Audit
# --------------------------------------------------------------------------------------------------------------------

EVENTS_PER_PAGE = 50


class AuditFilterForm(forms.Form):
    type = forms.CharField(label=gettext_lazy("事件类型（前缀）"), required=False, max_length=64)
    actor = forms.CharField(label=gettext_lazy("操作人用户名"), required=False, max_length=150)
    outcome = forms.ChoiceField(
        label=gettext_lazy("结果"),
        required=False,
        choices=[("", gettext_lazy("全部")), ("success", gettext_lazy("成功")), ("failure", gettext_lazy("失败"))],
    )
    source_ip = forms.GenericIPAddressField(label=gettext_lazy("来源地址"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def filter(self, events):
        data = self.cleaned_data
        if data["type"]:
            events = events.filter(type__startswith=data["type"].strip())
        if data["actor"]:
            events = events.filter(actor_name__iexact=data["actor"].strip())
        if data["outcome"]:
            events = events.filter(outcome=data["outcome"])
        if data["source_ip"]:
            events = events.filter(source_ip=data["source_ip"])
        # Whole local days, as datetime bounds so that the index on the time serves them.
        if data["date_from"]:
            events = events.filter(at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            events = events.filter(at__lt=_start_of(data["date_to"] + timedelta(days=1)))
        return events

    def query(self, **cursor) -> str:
        """The filters as a query string, with a new cursor in place of the old one."""
        params = {
            name: self.data.get(name, "") for name in ("type", "actor", "outcome", "source_ip", "date_from", "date_to")
        }
        params.update(cursor)
        return "?" + urlencode({name: value for name, value in params.items() if value not in ("", None)})


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _may_read_audit(user) -> bool:
    return bool(set(user.roles) & AUDIT_READER_ROLES)


@login_required
def audit(request):
    """The event log newest first, in keyset pages (`before`/`after` a sequence number): a log of
    millions of rows pages in constant time, and a page does not shift while new events arrive."""
    if not _may_read_audit(request.user):
        raise Forbidden(_("您的角色不能查阅操作记录。"))
    events = Event.objects.visible_to(request.user)
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        rows, newer, older = [], "", ""
    else:
        events = form.filter(events)
        rows, newer, older = _keyset_page(form, events)
    for event in rows:
        event.data_text = json.dumps(event.data, ensure_ascii=False, indent=2, sort_keys=True)
        separator = pgettext("list separator", "、")
        event.actor_role_labels = separator.join(role_label(code) for code in event.actor_roles.split(",") if code)
    context = {"form": form, "events": rows, "newer_url": newer, "older_url": older}
    return list_response(request, "core/audit.html", "core/_audit_rows.html", context)


def _keyset_page(form: AuditFilterForm, events):
    before, after = form.cleaned_data["before"], form.cleaned_data["after"]
    if after is not None:
        rows = list(events.filter(seq__gt=after).order_by("seq")[: EVENTS_PER_PAGE + 1])
        has_newer = len(rows) > EVENTS_PER_PAGE
        rows = rows[:EVENTS_PER_PAGE][::-1]
        has_older = bool(rows) and events.filter(seq__lt=rows[-1].seq).exists()
    else:
        if before is not None:
            events = events.filter(seq__lt=before)
        rows = list(events.order_by("-seq")[: EVENTS_PER_PAGE + 1])
        has_older = len(rows) > EVENTS_PER_PAGE
        rows = rows[:EVENTS_PER_PAGE]
        has_newer = before is not None
    newer = form.query(after=rows[0].seq) if has_newer and rows else (form.query() if has_newer else "")
    older = form.query(before=rows[-1].seq) if has_older else ""
    return rows, newer, older
