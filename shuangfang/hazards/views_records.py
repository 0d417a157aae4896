"""Pages of the three Order 74 records (每日安全检查记录, 每周安全排查治理报告, 每月安全调度会议纪要): printable, with
signature lines, and the same record as .xlsx with ?format=xlsx.

A unit reads its own records; a regulator names a unit of its jurisdiction with ?organization=<id> (a unit outside it
is "not found"). Inspection agencies and the platform administrators keep no such records and read none.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from shuangfang.core.access import login_required
from shuangfang.core.exports import begin_export
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization

from . import records

# Records before this year are refused as a mistyped date rather than computed (and the previous-period link of year
# 1 would not exist).
EARLIEST_YEAR = 2000
# How many units a regulator's chooser lists; a larger jurisdiction opens a unit's records from the unit's page.
CHOOSER_LIMIT = 300


class BadPeriod(ValueError):
    """A period parameter that names no record: shown on the page, with status 400."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    param: str  # the value of the query parameter that names it
    label: str


# Periods -------------------------------------------------------------------------------------------------------------


def _check_range(start: date, today: date) -> None:
    if start.year < EARLIEST_YEAR:
        raise BadPeriod(_("日期超出范围：请选择 %(year)d 年以后的日期。") % {"year": EARLIEST_YEAR})
    if start > today:
        raise BadPeriod(_("所选日期尚未到来，还没有记录。"))


def day_period(day: date) -> Period:
    return Period(day, day, day.isoformat(), f"{day:%Y-%m-%d}")


def week_period(monday: date) -> Period:
    year, week, _weekday = monday.isocalendar()
    sunday = monday + timedelta(days=6)
    return Period(monday, sunday, f"{year}-W{week:02d}", f"{year}-W{week:02d} ({monday:%m-%d} – {sunday:%m-%d})")


def month_period(first: date) -> Period:
    return Period(first, records.month_end_of(first), f"{first:%Y-%m}", f"{first:%Y-%m}")


def parse_day(text: str, today: date) -> Period:
    if not text:
        return day_period(today)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadPeriod(_("日期格式不正确，应为 年-月-日，例如 2026-03-02。"))
    _check_range(day, today)
    return day_period(day)


def parse_week(text: str, today: date) -> Period:
    if not text:
        return week_period(today - timedelta(days=today.weekday()))
    try:
        year, week = text.upper().split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise BadPeriod(_("周的格式不正确，应为 年-W周次，例如 2026-W10。"))
    _check_range(monday, today)
    return week_period(monday)


def parse_month(text: str, today: date) -> Period:
    if not text:
        return month_period(today.replace(day=1))
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(text)
        first = date(int(year), int(month), 1)
    except ValueError:
        raise BadPeriod(_("月份格式不正确，应为 年-月，例如 2026-03。"))
    _check_range(first, today)
    return month_period(first)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def next_month(first: date) -> date:
    return (records.month_end_of(first) + timedelta(days=1)).replace(day=1)


# Whose records -------------------------------------------------------------------------------------------------------


def _record_unit(request) -> Organization | None:
    """The unit whose records the caller reads: their own unit, or for a regulator the unit it names.

    None when a regulator has not named one yet (the page then offers the units of its jurisdiction)."""
    user = request.user
    scope = scope_of(user)
    if scope.kind not in (ScopeKind.UNIT, ScopeKind.REGULATOR):
        raise PermissionDenied(_("检查记录由使用单位保存，供本单位和辖区监管部门查阅。"))
    raw = request.GET.get("organization", "").strip()
    if scope.kind == ScopeKind.UNIT and not raw:
        raw = str(scope.organization_id)
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404(_("单位不存在。"))
    units = Organization.objects.visible_to(user).filter(kind__in=EQUIPMENT_OWNING_KINDS)
    if scope.kind == ScopeKind.UNIT:
        units = units.filter(pk=scope.organization_id)
    else:
        units = units.filter(region__code__startswith=scope.region_prefix)
    unit = units.select_related("region").filter(pk=int(raw)).first()
    if unit is None:
        raise Http404(_("单位不存在。"))
    return unit


def _units_to_choose(user):
    scope = scope_of(user)
    rows = (
        Organization.objects.visible_to(user)
        .filter(kind__in=EQUIPMENT_OWNING_KINDS, is_active=True, region__code__startswith=scope.region_prefix)
        .order_by("name", "id")
    )
    units = list(rows[: CHOOSER_LIMIT + 1])
    return units[:CHOOSER_LIMIT], len(units) > CHOOSER_LIMIT


# Pages ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordKind:
    url_name: str
    param: str
    title: str
    template: str
    parse: object
    shift: object  # (start, steps) → start of the period `steps` away
    make: object  # (period) → Period


DAILY = RecordKind(
    "hazards:record-daily",
    "date",
    gettext_noop("每日安全检查记录"),
    "hazards/records/daily.html",
    parse_day,
    lambda start, steps: start + timedelta(days=steps),
    day_period,
)
WEEKLY = RecordKind(
    "hazards:record-weekly",
    "week",
    gettext_noop("每周安全排查治理报告"),
    "hazards/records/weekly.html",
    parse_week,
    lambda start, steps: start + timedelta(days=7 * steps),
    week_period,
)
MONTHLY = RecordKind(
    "hazards:record-monthly",
    "month",
    gettext_noop("每月安全调度会议纪要"),
    "hazards/records/monthly.html",
    parse_month,
    lambda start, steps: next_month(start) if steps > 0 else previous_month(start),
    month_period,
)


def _url(kind: RecordKind, unit: Organization | None, param: str = "", **extra) -> str:
    query = {}
    if unit is not None:
        query["organization"] = unit.pk
    if param:
        query[kind.param] = param
    query.update(extra)
    return reverse(kind.url_name) + (f"?{urlencode(query)}" if query else "")


def _navigation(kind: RecordKind, unit: Organization | None, period: Period, today: date) -> dict:
    previous = kind.make(kind.shift(period.start, -1))
    following = kind.make(kind.shift(period.start, 1))
    return {
        "previous_url": _url(kind, unit, previous.param) if previous.start.year >= EARLIEST_YEAR else "",
        "previous_label": previous.label,
        "next_url": _url(kind, unit, following.param) if following.start <= today else "",
        "next_label": following.label,
        "current_url": _url(kind, unit),
    }


def _record_page(request, kind: RecordKind, build, write):
    today = timezone.localdate()
    unit = _record_unit(request)
    show_organization = scope_of(request.user).kind == ScopeKind.REGULATOR
    context = {
        "kind": kind,
        "unit": unit,
        "param": kind.param,
        "param_value": request.GET.get(kind.param, ""),
        "show_organization": show_organization,
        "today": today,
        "daily_url": _url(DAILY, unit if show_organization else None),
        "weekly_url": _url(WEEKLY, unit if show_organization else None),
        "monthly_url": _url(MONTHLY, unit if show_organization else None),
    }
    if unit is None:
        units, more = _units_to_choose(request.user)
        context |= {"units": units, "more_units": more}
        return render(request, "hazards/records/choose_unit.html", context)
    try:
        period = kind.parse(request.GET.get(kind.param, "").strip(), today)
    except BadPeriod as error:
        context |= {"error": str(error), "current_url": _url(kind, unit if show_organization else None)}
        return render(request, kind.template, context, status=400)
    record = build(unit, period, today, request.user)
    if request.GET.get("format") == "xlsx":
        begin_export(request, "record_" + kind.url_name.rpartition("-")[2], obj=unit)
        return FileResponse(
            write(record),
            as_attachment=True,
            filename=records.record_filename(_(kind.title), unit, period.param),
        )
    context |= {
        "record": record,
        "period": period,
        "param_value": period.param,
        "xlsx_url": _url(kind, unit if show_organization else None, period.param, format="xlsx"),
        **_navigation(kind, unit if show_organization else None, period, today),
    }
    return render(request, kind.template, context)


@login_required
@require_GET
def daily_record(request):
    return _record_page(
        request,
        DAILY,
        lambda unit, period, today, viewer: records.daily_record(unit, period.start, viewer=viewer),
        records.daily_record_file,
    )


@login_required
@require_GET
def weekly_report(request):
    return _record_page(
        request,
        WEEKLY,
        lambda unit, period, today, viewer: records.weekly_report(unit, period.start, today=today, viewer=viewer),
        records.weekly_report_file,
    )


@login_required
@require_GET
def monthly_minutes(request):
    return _record_page(
        request,
        MONTHLY,
        lambda unit, period, today, viewer: records.monthly_minutes(unit, period.start, today=today, viewer=viewer),
        records.monthly_minutes_file,
    )
