"""The three records of the Order 74 duty cycle (SAMR Order 74 arts 76–78 / 142–144), built from the data:

- 每日安全检查记录 (日管控): every equipment in use and its daily check of the day, the items found not ok and
  the hazards raised from them; a day on which everything was checked and found ok is recorded as a 零风险报告.
- 每周安全排查治理报告 (周排查): the week's daily-check completion, hazards found, closed, open and overdue, major
  hazards with their 挂牌督办, and the safety director's weekly sweep.
- 每月安全调度会议纪要 (月调度): the month's figures the principal hears from the safety director, and the meeting
  itself (attendees and decisions, recorded by executing the monthly task).

Builders read the ORM only (each a fixed number of aggregate queries, none per row) and take an optional `viewer`: when
given, every row is read through `visible_to(viewer)`. The records are also written as .xlsx for filing and hand-over.

Figures are as of the record's end, or today while the period is still running. Hazard states of a past period are
reconstructed from found_at and closed_at; rejected reports (not a hazard after all) are left out. Risks by level are
the current ones (a risk's level history lives in its assessments, not summed here); inspection and certificate states
are computed on the current due dates as of the record's date.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import xlsxwriter
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.xlsx import DATE_FORMAT, HEADER_STYLE, output_file, write_cells
from shuangfang.equipment.choices import CertificateState, EquipmentStatus, InspectionState
from shuangfang.equipment.models import (
    CERTIFICATE_EXPIRING_DAYS,
    DUE_SOON_DAYS,
    Equipment,
    OperatorCertificate,
    certificate_state_q,
    inspection_state_q,
)
from shuangfang.notifications.recipients import people_of
from shuangfang.risks import rules as risk_rules
from shuangfang.risks.models import Risk

from . import holidays
from .choices import OPEN_STATUSES, HazardGrade, HazardStatus, InvestigationKind, Outcome, TaskStatus, WorkDays
from .models import CheckResult, Hazard, InvestigationPlan, InvestigationTask, Listing

# Long lists in the monthly minutes (equipment due for inspection, certificates) stop here; the figure gives the total.
LIST_LIMIT = 50
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


# Shared pieces -------------------------------------------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _rows(model, viewer):
    return model.objects.visible_to(viewer) if viewer is not None else model.objects.all()


def _names(users) -> list[str]:
    return [user.display_name for user in users]


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment else None


@dataclass
class ItemCounts:
    """How the items of a task came out."""

    ok: int = 0
    not_ok: int = 0
    not_applicable: int = 0

    @property
    def checked(self) -> int:
        return self.ok + self.not_ok + self.not_applicable


def _item_counts(task_ids) -> dict[int, ItemCounts]:
    counts: dict[int, ItemCounts] = defaultdict(ItemCounts)
    rows = (
        CheckResult.objects.filter(task_id__in=task_ids).values("task_id", "outcome").annotate(n=Count("pk")).order_by()
    )
    attribute = {Outcome.OK: "ok", Outcome.NOT_OK: "not_ok", Outcome.NOT_APPLICABLE: "not_applicable"}
    for row in rows:
        name = attribute.get(row["outcome"])
        if name:
            setattr(counts[row["task_id"]], name, getattr(counts[row["task_id"]], name) + row["n"])
    return counts


def _not_ok_results(task_ids) -> dict[int, list[CheckResult]]:
    """The items found not ok, with the hazard raised from each (if any), by task."""
    by_task: dict[int, list[CheckResult]] = defaultdict(list)
    results = (
        CheckResult.objects.filter(task_id__in=task_ids, outcome=Outcome.NOT_OK)
        .select_related("hazard", "checked_by", "equipment", "task__equipment")
        .order_by("task_id", "id")
    )
    for result in results:
        result.found_hazard = getattr(result, "hazard", None)
        result.subject = result.equipment or result.task.equipment
        by_task[result.task_id].append(result)
    return by_task


def _checks_due(organization, viewer):
    """Whether the daily checks are due on a day: every day (Order 74 art 76), unless the unit runs its daily plan on
    statutory working days only (MEM workDayType), in which case rest days and holidays expect none."""
    working_days_only = (
        _rows(InvestigationPlan, viewer)
        .filter(organization=organization, kind=InvestigationKind.DAILY, catalog_prefix="", is_active=True)
        .filter(work_days=WorkDays.WORKING_DAYS)
        .exists()
    )
    if working_days_only:
        return holidays.is_working_day
    return lambda day: True


def _expected_equipment(organization, viewer) -> list[tuple[int, date]]:
    """Equipment in use, with the day it came onto the platform: Order 74 art 76 wants every equipment in use checked
    every day it is in use, so each is expected from that day on."""
    rows = (
        _rows(Equipment, viewer)
        .filter(organization=organization, status=EquipmentStatus.IN_USE)
        .values_list("pk", "created_at")
        .order_by()
    )
    return [(pk, timezone.localtime(created).date()) for pk, created in rows]


@dataclass
class DayCompletion:
    """The daily checks of one day: equipment expected (in use, or given a task) and those whose check is done."""

    day: date
    expected: int = 0
    done: int = 0
    future: bool = False

    @property
    def missing(self) -> int:
        return max(self.expected - self.done, 0)

    @property
    def due(self) -> bool:
        return not self.future and self.expected > 0

    @property
    def complete(self) -> bool:
        return self.due and self.done >= self.expected


def _daily_completion(organization, first: date, last: date, as_of: date, viewer) -> list[DayCompletion]:
    """Per day of [first, last]: two queries whatever the length of the period."""
    tasks = (
        _rows(InvestigationTask, viewer)
        .filter(
            organization=organization,
            kind=InvestigationKind.DAILY,
            equipment__isnull=False,
            period_start__gte=first,
            period_start__lte=min(last, as_of),
        )
        .values_list("period_start", "equipment_id", "status")
        .order_by()
    )
    tasked: dict[date, set[int]] = defaultdict(set)
    done: dict[date, set[int]] = defaultdict(set)
    for day, equipment_id, status in tasks:
        tasked[day].add(equipment_id)
        if status == TaskStatus.DONE:
            done[day].add(equipment_id)
    in_use = _expected_equipment(organization, viewer)
    due = _checks_due(organization, viewer)
    days = []
    day = first
    while day <= last:
        if day > as_of:
            days.append(DayCompletion(day, future=True))
        else:
            expected = tasked[day] | ({pk for pk, since in in_use if since <= day} if due(day) else set())
            days.append(DayCompletion(day, len(expected), len(done[day] & expected)))
        day += timedelta(days=1)
    return days


def _hazard_rows(organization, viewer):
    return (
        _rows(Hazard, viewer)
        .filter(organization=organization)
        .exclude(status=HazardStatus.REJECTED)
        .select_related("equipment", "responsible")
    )


def _open_at(end: datetime) -> Q:
    """Not closed at the moment `end`: found before it, and still open or closed only later."""
    return Q(found_at__lt=end) & (Q(status__in=OPEN_STATUSES) | Q(closed_at__gte=end))


def _sweep_tasks(organization, kind: str, first: date, last: date, viewer) -> list[InvestigationTask]:
    """The unit-level tasks of a kind (weekly sweep, monthly meeting) whose period starts in [first, last], with their
    item counts and not-ok items."""
    tasks = list(
        _rows(InvestigationTask, viewer)
        .filter(organization=organization, kind=kind, period_start__gte=first, period_start__lte=last)
        .select_related("assignee", "completed_by")
        .order_by("period_start", "id")
    )
    ids = [task.pk for task in tasks]
    counts = _item_counts(ids)
    not_ok = _not_ok_results(ids)
    for task in tasks:
        task.items = counts.get(task.pk, ItemCounts())
        task.not_ok_items = not_ok.get(task.pk, [])
        task.executor = task.completed_by or task.assignee
        task.completed_local = _local(task.completed_at)
    return tasks


def _signatures(*labels) -> list[str]:
    return [str(label) for label in labels]


# 每日安全检查记录 -----------------------------------------------------------------------------------------------------


@dataclass
class DailyRow:
    """One equipment on the daily record: its daily task of the day (or none) and what the check found."""

    equipment: Equipment
    task: InvestigationTask | None
    items: ItemCounts = field(default_factory=ItemCounts)
    not_ok_items: list[CheckResult] = field(default_factory=list)

    @property
    def checked(self) -> bool:
        return self.task is not None and self.task.status == TaskStatus.DONE

    @property
    def status_label(self) -> str:
        if self.checked:
            return _("已检查")
        if self.task is None:
            return _("未检查（无检查任务）")
        return _("未检查（%(status)s）") % {"status": self.task.get_status_display()}

    @property
    def checked_by(self) -> str:
        return self.task.completed_by.display_name if self.checked and self.task.completed_by else ""

    @property
    def checked_at(self) -> datetime | None:
        return _local(self.task.completed_at) if self.checked else None

    @property
    def hazards(self) -> list[Hazard]:
        return [result.found_hazard for result in self.not_ok_items if result.found_hazard]


@dataclass
class DailyRecord:
    organization: object
    day: date
    rows: list[DailyRow]
    safety_directors: list[str]
    signatures: list[str]
    rest_day: bool = False

    # An equipment given two daily tasks (two plans cover it) is one equipment to check: checked once either is done.
    @property
    def expected(self) -> int:
        return len({row.equipment.pk for row in self.rows})

    @property
    def checked(self) -> int:
        return len({row.equipment.pk for row in self.rows if row.checked})

    @property
    def unchecked(self) -> int:
        return self.expected - self.checked

    @property
    def not_ok_items(self) -> list[CheckResult]:
        return [result for row in self.rows for result in row.not_ok_items]

    @property
    def hazards(self) -> list[Hazard]:
        return [hazard for row in self.rows for hazard in row.hazards]

    @property
    def zero_risk(self) -> bool:
        """零风险报告: every equipment checked and every item found ok (or not applicable)."""
        return bool(self.rows) and self.unchecked == 0 and not self.not_ok_items

    @property
    def conclusion(self) -> str:
        if not self.rows:
            if self.rest_day:
                return _("本单位日管控在法定工作日执行，当日为休息日，无检查任务。")
            return _("当日无在用设备，无需检查。")
        if self.zero_risk:
            return _("今日检查未发现风险隐患")
        parts = []
        if self.not_ok_items:
            parts.append(
                _("发现不符合项 %(items)d 项，登记隐患 %(hazards)d 项")
                % {"items": len(self.not_ok_items), "hazards": len(self.hazards)}
            )
        if self.unchecked:
            parts.append(_("%(count)d 台设备未检查") % {"count": self.unchecked})
        return "；".join(parts) + "。"


def daily_record(organization, day: date, *, viewer=None) -> DailyRecord:
    """每日安全检查记录 of one unit for one day (SAMR Order 74 art 76 / 142)."""
    end = _start_of(day + timedelta(days=1))
    tasks = list(
        _rows(InvestigationTask, viewer)
        .filter(organization=organization, kind=InvestigationKind.DAILY, period_start=day, equipment__isnull=False)
        .select_related("equipment__category", "completed_by")
        .order_by("equipment__code", "id")
    )
    ids = [task.pk for task in tasks]
    counts = _item_counts(ids)
    not_ok = _not_ok_results(ids)
    rows = [
        DailyRow(task.equipment, task, counts.get(task.pk, ItemCounts()), not_ok.get(task.pk, [])) for task in tasks
    ]
    rest_day = not _checks_due(organization, viewer)(day)
    if not rest_day:
        tasked = {task.equipment_id for task in tasks}
        untasked = (
            _rows(Equipment, viewer)
            .filter(organization=organization, status=EquipmentStatus.IN_USE, created_at__lt=end)
            .exclude(pk__in=tasked)
            .select_related("category")
        )
        rows += [DailyRow(equipment, None) for equipment in untasked]
    rows.sort(key=lambda row: (row.equipment.code, row.task.pk if row.task else 0))
    return DailyRecord(
        organization=organization,
        day=day,
        rows=rows,
        safety_directors=_names(people_of(organization.pk, ["safety_director"])),
        signatures=_signatures(_("检查人"), _("安全总监"), _("主要负责人")),
        rest_day=rest_day,
    )


# 每周安全排查治理报告 -------------------------------------------------------------------------------------------------


@dataclass
class WeeklyReport:
    organization: object
    week_start: date
    week_end: date
    as_of: date
    days: list[DayCompletion]
    found: list[Hazard]
    closed: list[Hazard]
    open_at_end: list[Hazard]
    major: list[Hazard]
    sweeps: list[InvestigationTask]
    safety_directors: list[str]
    signatures: list[str]

    @property
    def daily_expected(self) -> int:
        return sum(day.expected for day in self.days)

    @property
    def daily_done(self) -> int:
        return sum(day.done for day in self.days)

    @property
    def daily_missing(self) -> int:
        return sum(day.missing for day in self.days)

    @property
    def overdue(self) -> list[Hazard]:
        return [hazard for hazard in self.open_at_end if hazard.overdue_at_end]

    @property
    def sweep_done(self) -> bool:
        return any(task.status == TaskStatus.DONE for task in self.sweeps)


def weekly_report(organization, week_start: date, *, today: date | None = None, viewer=None) -> WeeklyReport:
    """每周安全排查治理报告 of one unit for the week starting on Monday `week_start` (SAMR Order 74 art 77 / 143)."""
    today = today or timezone.localdate()
    week_end = week_start + timedelta(days=6)
    as_of = min(today, week_end)
    start, end = _start_of(week_start), _start_of(as_of + timedelta(days=1))
    hazards = _hazard_rows(organization, viewer)
    found = list(hazards.filter(found_at__gte=start, found_at__lt=end).order_by("found_at", "id"))
    closed = list(hazards.filter(closed_at__gte=start, closed_at__lt=end).order_by("closed_at", "id"))
    open_at_end = list(hazards.filter(_open_at(end)).order_by(F("deadline").asc(nulls_last=True), "found_at", "id"))
    for hazard in open_at_end:
        hazard.overdue_at_end = bool(hazard.deadline and hazard.deadline < as_of)
    major_ids = {h.pk for h in found + open_at_end if h.grade == HazardGrade.MAJOR}
    major = list(hazards.filter(pk__in=major_ids).order_by("found_at", "id"))
    _attach_listings(major, viewer)
    return WeeklyReport(
        organization=organization,
        week_start=week_start,
        week_end=week_end,
        as_of=as_of,
        days=_daily_completion(organization, week_start, week_end, as_of, viewer),
        found=found,
        closed=closed,
        open_at_end=open_at_end,
        major=major,
        sweeps=_sweep_tasks(organization, InvestigationKind.WEEKLY, week_start, week_end, viewer),
        safety_directors=_names(people_of(organization.pk, ["safety_director"])),
        signatures=_signatures(_("检查人"), _("安全总监"), _("主要负责人")),
    )


def _attach_listings(hazards: list[Hazard], viewer) -> None:
    listings = defaultdict(list)
    rows = (
        _rows(Listing, viewer)
        .filter(hazard_id__in=[hazard.pk for hazard in hazards])
        .select_related("listing_authority")
        .order_by("listed_on", "id")
    )
    for listing in rows:
        listings[listing.hazard_id].append(listing)
    for hazard in hazards:
        hazard.listing_rows = listings.get(hazard.pk, [])


# 每月安全调度会议纪要 -------------------------------------------------------------------------------------------------


@dataclass
class GradeFigures:
    label: str
    found: int
    closed: int
    open: int
    overdue: int


@dataclass
class LevelFigure:
    level: str
    label: str
    color: str
    count: int


@dataclass
class MonthlyMinutes:
    organization: object
    month_start: date
    month_end: date
    as_of: date
    days: list[DayCompletion]
    sweeps: list[InvestigationTask]
    hazards_by_grade: list[GradeFigures]
    hazard_totals: GradeFigures
    risks_by_level: list[LevelFigure]
    inspection_overdue: int
    inspection_due_soon: int
    inspection_rows: list[Equipment]
    certificates_expiring: int
    certificates_expired: int
    certificate_rows: list[OperatorCertificate]
    meetings: list[InvestigationTask]
    principals: list[str]
    safety_directors: list[str]
    signatures: list[str]
    due_soon_days: int = DUE_SOON_DAYS
    certificate_days: int = CERTIFICATE_EXPIRING_DAYS

    @property
    def daily_expected(self) -> int:
        return sum(day.expected for day in self.days if not day.future)

    @property
    def daily_done(self) -> int:
        return sum(day.done for day in self.days if not day.future)

    @property
    def daily_missing(self) -> int:
        return sum(day.missing for day in self.days if not day.future)

    @property
    def days_complete(self) -> int:
        return sum(1 for day in self.days if day.complete)

    @property
    def days_due(self) -> int:
        return sum(1 for day in self.days if day.due)

    @property
    def sweeps_done(self) -> int:
        return sum(1 for task in self.sweeps if task.status == TaskStatus.DONE)

    @property
    def held_meetings(self) -> list[InvestigationTask]:
        return [task for task in self.meetings if task.status == TaskStatus.DONE]

    @property
    def meeting_pending(self) -> bool:
        return not self.held_meetings

    @property
    def risks_total(self) -> int:
        return sum(figure.count for figure in self.risks_by_level)


def month_end_of(month_start: date) -> date:
    return month_start.replace(day=calendar.monthrange(month_start.year, month_start.month)[1])


def _hazard_figures(organization, start: datetime, end: datetime, as_of: date, viewer) -> dict[str, dict[str, int]]:
    """Found, closed, open and overdue per grade: one query."""
    open_then = _open_at(end)
    measures = {
        "found": Q(found_at__gte=start, found_at__lt=end),
        "closed": Q(closed_at__gte=start, closed_at__lt=end),
        "open": open_then,
        "overdue": open_then & Q(deadline__lt=as_of),
    }
    aggregates = {
        f"{grade}_{name}": Count("pk", filter=Q(grade=grade) & condition)
        for grade in HazardGrade.values
        for name, condition in measures.items()
    }
    counts = _hazard_rows(organization, viewer).order_by().aggregate(**aggregates)
    return {grade: {name: counts[f"{grade}_{name}"] for name in measures} for grade in HazardGrade.values}


def monthly_minutes(organization, month_start: date, *, today: date | None = None, viewer=None) -> MonthlyMinutes:
    """每月安全调度会议纪要 of one unit for the month starting on `month_start` (SAMR Order 74 art 78 / 144)."""
    today = today or timezone.localdate()
    month_end = month_end_of(month_start)
    as_of = min(today, month_end)
    start, end = _start_of(month_start), _start_of(as_of + timedelta(days=1))

    figures = _hazard_figures(organization, start, end, as_of, viewer)
    by_grade = [GradeFigures(str(label), **figures[grade]) for grade, label in HazardGrade.choices]
    totals = GradeFigures(
        _("合计"), *(sum(getattr(row, name) for row in by_grade) for name in ("found", "closed", "open", "overdue"))
    )

    risk_counts = dict(
        _rows(Risk, viewer)
        .filter(organization=organization, is_active=True)
        .values_list("level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    risks_by_level = [
        LevelFigure(
            level, str(risk_rules.LEVEL_LABELS[level]), risk_rules.LEVEL_COLORS[level], risk_counts.get(level, 0)
        )
        for level in risk_rules.LEVELS
    ]

    in_use = _rows(Equipment, viewer).filter(organization=organization, status=EquipmentStatus.IN_USE)
    overdue_q = inspection_state_q(InspectionState.OVERDUE, as_of)
    due_soon_q = inspection_state_q(InspectionState.DUE_SOON, as_of)
    inspection = in_use.order_by().aggregate(
        overdue=Count("pk", filter=overdue_q), due_soon=Count("pk", filter=due_soon_q)
    )
    inspection_rows = list(
        in_use.filter(overdue_q | due_soon_q)
        .with_inspection_state(as_of)
        .select_related("category")
        .order_by(F("inspection_due_on").asc(nulls_first=True), "code")[:LIST_LIMIT]
    )

    certificates = _rows(OperatorCertificate, viewer).filter(organization=organization)
    expiring_q = certificate_state_q(CertificateState.EXPIRING, as_of)
    expired_q = certificate_state_q(CertificateState.EXPIRED, as_of)
    certificate_counts = certificates.order_by().aggregate(
        expiring=Count("pk", filter=expiring_q), expired=Count("pk", filter=expired_q)
    )
    certificate_rows = list(
        certificates.filter(expiring_q | expired_q).select_related("item").order_by("expires_on", "id")[:LIST_LIMIT]
    )
    for certificate in certificate_rows:
        state = CertificateState.EXPIRED if certificate.expires_on < as_of else CertificateState.EXPIRING
        certificate.state_then, certificate.state_then_label = state.value, state.label

    return MonthlyMinutes(
        organization=organization,
        month_start=month_start,
        month_end=month_end,
        as_of=as_of,
        days=_daily_completion(organization, month_start, month_end, as_of, viewer),
        sweeps=_sweep_tasks(organization, InvestigationKind.WEEKLY, month_start, month_end, viewer),
        hazards_by_grade=by_grade,
        hazard_totals=totals,
        risks_by_level=risks_by_level,
        inspection_overdue=inspection["overdue"],
        inspection_due_soon=inspection["due_soon"],
        inspection_rows=inspection_rows,
        certificates_expiring=certificate_counts["expiring"],
        certificates_expired=certificate_counts["expired"],
        certificate_rows=certificate_rows,
        meetings=_sweep_tasks(organization, InvestigationKind.MONTHLY, month_start, month_end, viewer),
        principals=_names(people_of(organization.pk, ["principal"])),
        safety_directors=_names(people_of(organization.pk, ["safety_director"])),
        signatures=_signatures(_("记录人"), _("安全总监"), _("主要负责人")),
    )


# Workbooks -----------------------------------------------------------------------------------------------------------

# Characters a worksheet name may not hold (Excel), and its length limit.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FILE_NAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|\s]+')


class _Workbook:
    """A record as a workbook: a first sheet of label/value lines (the record's heading, figures and signature lines),
    then one sheet per table, each with its header on the first row."""

    def __init__(self):
        self.output = output_file()
        self.book = xlsxwriter.Workbook(self.output, {"in_memory": True})
        self.header = self.book.add_format(HEADER_STYLE)
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.label = self.book.add_format({"bold": True, "valign": "top"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.date = self.book.add_format({"num_format": DATE_FORMAT, "valign": "top", "align": "left"})
        self.datetime = self.book.add_format({"num_format": DATETIME_FORMAT, "valign": "top", "align": "left"})
        self.names: set[str] = set()

    def _sheet(self, name: str):
        name = _SHEET_NAME_FORBIDDEN.sub("_", str(name))[:31]
        while name in self.names:
            name = name[:29] + f"_{len(self.names)}"
        self.names.add(name)
        return self.book.add_worksheet(name)

    def summary(self, name: str, title: str, lines: list[tuple[str, object]]) -> None:
        sheet = self._sheet(name)
        sheet.set_column(0, 0, 22, self.label)
        sheet.set_column(1, 1, 60, self.wrap)
        write_cells(sheet, 0, [title], self.date, self.title)
        for row, (label, value) in enumerate(lines, start=2):
            write_cells(sheet, row, [label], self.date, self.label)
            self._value(sheet, row, 1, value)

    def table(self, name: str, headers: list[tuple[str, int]], rows: list[list]) -> None:
        sheet = self._sheet(name)
        for column, (title, width) in enumerate(headers):
            sheet.set_column(column, column, width, self.wrap)
            sheet.write_string(0, column, str(title), self.header)
        sheet.freeze_panes(1, 0)
        for row, cells in enumerate(rows, start=1):
            for column, value in enumerate(cells):
                self._value(sheet, row, column, value)

    def _value(self, sheet, row: int, column: int, value) -> None:
        if isinstance(value, datetime):
            sheet.write_datetime(row, column, timezone.localtime(value).replace(tzinfo=None), self.datetime)
        else:
            cells = [None] * column + [value]
            write_cells(sheet, row, cells, self.date, self.wrap)

    def close(self):
        self.book.close()
        self.output.seek(0)
        return self.output


def record_filename(title: str, organization, period: str) -> str:
    unit = _FILE_NAME_FORBIDDEN.sub("_", organization.name).strip("_")
    return f"{_FILE_NAME_FORBIDDEN.sub('_', title)}_{unit}_{period}.xlsx"


def _people(names: list[str]) -> str:
    return "、".join(names)


def _hazard_headers() -> list[tuple[str, int]]:
    return [
        (_("序号"), 6),
        (_("发现时间"), 17),
        (_("设备代码"), 22),
        (_("隐患描述"), 40),
        (_("来源"), 14),
        (_("隐患等级"), 14),
        (_("状态"), 10),
        (_("整改期限"), 12),
        (_("销号时间"), 17),
    ]


def _hazard_cells(number: int, hazard: Hazard) -> list:
    return [
        number,
        hazard.found_at,
        hazard.equipment.code if hazard.equipment else "",
        hazard.description,
        hazard.get_source_display(),
        hazard.get_grade_display(),
        hazard.get_status_display(),
        hazard.deadline,
        hazard.closed_at,
    ]


def _not_ok_headers() -> list[tuple[str, int]]:
    return [
        (_("序号"), 6),
        (_("设备代码"), 22),
        (_("检查内容"), 36),
        (_("检查标准"), 30),
        (_("说明"), 30),
        (_("检查人"), 10),
        (_("检查时间"), 17),
        (_("隐患等级"), 14),
        (_("隐患状态"), 10),
    ]


def _not_ok_cells(number: int, result: CheckResult) -> list:
    hazard = result.found_hazard
    return [
        number,
        result.subject.code if result.subject else "",
        result.text,
        result.standard,
        result.note,
        result.checked_by.display_name,
        result.checked_at,
        hazard.get_grade_display() if hazard else _("未登记隐患"),
        hazard.get_status_display() if hazard else "",
    ]


def _signature_lines(signatures: list[str]) -> list[tuple[str, object]]:
    return [(_("%(role)s（签字）") % {"role": role}, _("日期：")) for role in signatures]


def _task_headers() -> list[tuple[str, int]]:
    return [
        (_("任务"), 30),
        (_("周期开始"), 12),
        (_("状态"), 10),
        (_("执行人"), 12),
        (_("完成时间"), 17),
        (_("检查项"), 8),
        (_("符合"), 8),
        (_("不符合"), 8),
        (_("不适用"), 8),
        (_("情况说明"), 40),
    ]


def _task_cells(task: InvestigationTask) -> list:
    return [
        task.title,
        task.period_start,
        task.get_status_display(),
        task.executor.display_name if task.executor else "",
        task.completed_at,
        task.items.checked,
        task.items.ok,
        task.items.not_ok,
        task.items.not_applicable,
        task.note,
    ]


def daily_record_file(record: DailyRecord):
    book = _Workbook()
    title = _("每日安全检查记录")
    book.summary(
        title,
        title,
        [
            (_("使用单位"), record.organization.name),
            (_("检查日期"), record.day),
            (_("应检设备"), record.expected),
            (_("已检查"), record.checked),
            (_("未检查"), record.unchecked),
            (_("不符合项"), len(record.not_ok_items)),
            (_("发现隐患"), len(record.hazards)),
            (_("检查结论"), record.conclusion),
            (_("安全总监"), _people(record.safety_directors)),
            *_signature_lines(record.signatures),
        ],
    )
    book.table(
        _("检查情况"),
        [
            (_("序号"), 6),
            (_("设备代码"), 22),
            (_("设备名称"), 24),
            (_("检查状态"), 18),
            (_("检查人"), 10),
            (_("检查时间"), 17),
            (_("检查项"), 8),
            (_("符合"), 8),
            (_("不符合"), 8),
            (_("不适用"), 8),
            (_("发现隐患"), 8),
        ],
        [
            [
                number,
                row.equipment.code,
                row.equipment.name,
                row.status_label,
                row.checked_by,
                row.checked_at,
                row.items.checked,
                row.items.ok,
                row.items.not_ok,
                row.items.not_applicable,
                len(row.hazards),
            ]
            for number, row in enumerate(record.rows, start=1)
        ],
    )
    book.table(
        _("不符合项"),
        _not_ok_headers(),
        [_not_ok_cells(number, result) for number, result in enumerate(record.not_ok_items, start=1)],
    )
    return book.close()


def weekly_report_file(report: WeeklyReport):
    book = _Workbook()
    title = _("每周安全排查治理报告")
    book.summary(
        title,
        title,
        [
            (_("使用单位"), report.organization.name),
            (_("排查周"), f"{report.week_start:%Y-%m-%d} — {report.week_end:%Y-%m-%d}"),
            (_("统计截至"), report.as_of),
            (_("安全总监"), _people(report.safety_directors)),
            (_("日管控完成（已检/应检）"), f"{report.daily_done}/{report.daily_expected}"),
            (_("本周发现隐患"), len(report.found)),
            (_("本周销号隐患"), len(report.closed)),
            (_("周末未销号隐患"), len(report.open_at_end)),
            (_("逾期未整改隐患"), len(report.overdue)),
            (_("重大事故隐患"), len(report.major)),
            (_("周排查"), _("已完成") if report.sweep_done else _("未完成")),
            *_signature_lines(report.signatures),
        ],
    )
    book.table(
        _("日管控完成情况"),
        [(_("日期"), 12), (_("应检"), 8), (_("已检"), 8), (_("未检"), 8)],
        [[day.day, day.expected, day.done, day.missing] for day in report.days if not day.future],
    )
    book.table(
        _("本周发现隐患"),
        _hazard_headers(),
        [_hazard_cells(n, hazard) for n, hazard in enumerate(report.found, start=1)],
    )
    book.table(
        _("本周销号隐患"),
        _hazard_headers(),
        [_hazard_cells(n, hazard) for n, hazard in enumerate(report.closed, start=1)],
    )
    book.table(
        _("周末未销号隐患"),
        [*_hazard_headers(), (_("逾期"), 6)],
        [
            [*_hazard_cells(n, hazard), _("是") if hazard.overdue_at_end else ""]
            for n, hazard in enumerate(report.open_at_end, start=1)
        ],
    )
    book.table(
        _("重大隐患及挂牌督办"),
        [
            (_("设备代码"), 22),
            (_("隐患描述"), 40),
            (_("状态"), 10),
            (_("整改期限"), 12),
            (_("督办级别"), 10),
            (_("督办状态"), 12),
            (_("督办期限"), 12),
            (_("挂牌单位"), 24),
        ],
        [
            [
                hazard.equipment.code if hazard.equipment else "",
                hazard.description,
                hazard.get_status_display(),
                hazard.deadline,
                *(
                    [
                        listing.get_level_display(),
                        listing.get_status_display(),
                        listing.deadline,
                        listing.listing_authority.name,
                    ]
                    if listing
                    else ["", "", None, ""]
                ),
            ]
            for hazard in report.major
            for listing in (hazard.listing_rows or [None])
        ],
    )
    book.table(_("周排查"), _task_headers(), [_task_cells(task) for task in report.sweeps])
    results = [result for task in report.sweeps for result in task.not_ok_items]
    book.table(
        _("周排查不符合项"), _not_ok_headers(), [_not_ok_cells(n, result) for n, result in enumerate(results, start=1)]
    )
    return book.close()


def monthly_minutes_file(minutes: MonthlyMinutes):
    book = _Workbook()
    title = _("每月安全调度会议纪要")
    meeting_lines: list[tuple[str, object]] = []
    for meeting in minutes.held_meetings:
        meeting_lines += [
            (_("会议时间"), meeting.completed_at),
            (_("主持人"), meeting.executor.display_name if meeting.executor else ""),
            (_("参会人员"), meeting.attendees),
            (_("调度会议决定"), meeting.decisions),
            (_("情况说明"), meeting.note),
        ]
    if minutes.meeting_pending:
        meeting_lines.append((_("调度会议"), _("尚未召开：主要负责人执行月调度任务、记录会议决定后列入纪要。")))
    book.summary(
        title,
        title,
        [
            (_("使用单位"), minutes.organization.name),
            (_("调度月份"), f"{minutes.month_start:%Y-%m}"),
            (_("统计截至"), minutes.as_of),
            (_("主要负责人"), _people(minutes.principals)),
            (_("安全总监"), _people(minutes.safety_directors)),
            (_("日管控完成（已检/应检）"), f"{minutes.daily_done}/{minutes.daily_expected}"),
            (_("全部完成检查的天数（完成/应检）"), f"{minutes.days_complete}/{minutes.days_due}"),
            (_("周排查完成"), f"{minutes.sweeps_done}/{len(minutes.sweeps)}"),
            (_("本月发现隐患"), minutes.hazard_totals.found),
            (_("本月销号隐患"), minutes.hazard_totals.closed),
            (_("未销号隐患"), minutes.hazard_totals.open),
            (_("逾期未整改隐患"), minutes.hazard_totals.overdue),
            (_("有效风险"), minutes.risks_total),
            (_("超期未检设备"), minutes.inspection_overdue),
            (_("30日内到期检验"), minutes.inspection_due_soon),
            (_("90日内到期作业人员证"), minutes.certificates_expiring),
            (_("已过期作业人员证"), minutes.certificates_expired),
            *meeting_lines,
            *_signature_lines(minutes.signatures),
        ],
    )
    book.table(
        _("隐患统计"),
        [(_("隐患等级"), 16), (_("本月发现"), 10), (_("本月销号"), 10), (_("未销号"), 10), (_("逾期"), 10)],
        [
            [row.label, row.found, row.closed, row.open, row.overdue]
            for row in [*minutes.hazards_by_grade, minutes.hazard_totals]
        ],
    )
    book.table(
        _("风险分级"),
        [(_("风险等级"), 14), (_("数量"), 10)],
        [[figure.label, figure.count] for figure in minutes.risks_by_level],
    )
    book.table(
        _("定期检验"),
        [(_("设备代码"), 22), (_("设备名称"), 24), (_("下次检验日期"), 14), (_("检验状态"), 14)],
        [
            [row.code, row.name, row.inspection_due_on, InspectionState(row.inspection_state).label]
            for row in minutes.inspection_rows
        ],
    )
    book.table(
        _("作业人员证"),
        [(_("持证人"), 12), (_("作业项目"), 20), (_("证书编号"), 22), (_("有效期至"), 12), (_("状态"), 12)],
        [
            [row.holder_name, str(row.item), row.cert_no, row.expires_on, row.state_then_label]
            for row in minutes.certificate_rows
        ],
    )
    book.table(_("周排查"), _task_headers(), [_task_cells(task) for task in minutes.sweeps])
    return book.close()
