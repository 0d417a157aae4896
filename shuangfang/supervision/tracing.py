"""The reverse-tracing report of an accident (事故倒查, 晋市监发〔2022〕116号): for the accident's equipment and unit
over the period before it (12 months unless asked otherwise), what the unit's dual prevention records say — which risks
were identified and how they were graded, which control measures existed, which checks were due and done or missed,
which hazards were found and how they were handled, which periodic inspections were made, who operated the equipment
with which certificate, and who was responsible at each step.

Read from the rows as they are, in a fixed number of queries; the report is plain values (dates, strings, numbers),
the same for the page, the API and the .xlsx export."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.models import Event
from shuangfang.equipment.models import PeriodicInspection
from shuangfang.hazards.choices import InvestigationKind, Outcome, TaskStatus
from shuangfang.hazards.models import CheckResult, Hazard, InvestigationTask
from shuangfang.risks.choices import ControlLevel, RiskLevel
from shuangfang.risks.models import Risk, RiskAssessment
from shuangfang.safety.choices import AppointmentRole
from shuangfang.safety.models import Appointment, OperatorAssignment

from .models import Accident
from .services_accidents import accident_type_label

DEFAULT_MONTHS = 12
MAX_MONTHS = 60
# The kinds whose compliance the report counts first (Order 74: 日管控、周排查、月调度).
ROUTINE_KINDS = (InvestigationKind.DAILY, InvestigationKind.WEEKLY, InvestigationKind.MONTHLY)


def months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _name(user) -> str:
    if user is None:
        return ""
    return user.full_name or user.username


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def _local_date(moment) -> date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def build_report(accident: Accident, *, months: int = DEFAULT_MONTHS) -> dict:
    """The report as a dict of sections; `months` is the period before the accident it covers."""
    occurred_on = _local_date(accident.occurred_at)
    start = months_before(occurred_on, months)
    equipment = accident.equipment
    unit = accident.organization
    report = {
        "accident": {
            "id": accident.pk,
            "organization": unit.pk,
            "organization_name": unit.name,
            "equipment": equipment.pk if equipment is not None else None,
            "equipment_code": equipment.code if equipment is not None else "",
            "equipment_name": equipment.name if equipment is not None else "",
            "occurred_at": accident.occurred_at,
            "accident_type": accident.accident_type,
            "accident_type_label": accident_type_label(accident.accident_type),
            "severity": accident.severity,
            "severity_label": accident.get_severity_display(),
            "deaths": accident.deaths,
            "serious_injuries": accident.serious_injuries,
            "minor_injuries": accident.minor_injuries,
            "direct_loss": accident.direct_loss,
            "description": accident.description,
        },
        "period": {"start": start, "end": occurred_on, "months": months},
    }
    report["risks"] = _risks(accident, start)
    report["checks"] = _checks(accident, start, occurred_on)
    report["hazards"] = _hazards(accident, start)
    report["inspections"] = _inspections(accident, start, occurred_on)
    report["operators"] = _operators(accident, start, occurred_on)
    report["appointments"] = _appointments(accident, start, occurred_on)
    report["responsibility"] = _responsibility(report)
    report["findings"] = _findings(report)
    return report


# -- risks and measures ------------------------------------------------------------------------------------------------


def _risks(accident: Accident, start: date) -> list[dict]:
    """The risks identified before the accident (of the equipment; of the unit when no equipment is named), each with
    the grade in force when it happened and every grading of the period."""
    risks = Risk.objects.filter(organization_id=accident.organization_id, created_at__lte=accident.occurred_at)
    if accident.equipment_id:
        risks = risks.filter(equipment_id=accident.equipment_id)
    risks = list(risks.select_related("owner", "risk_point").order_by("id"))
    history = defaultdict(list)
    for assessment in (
        RiskAssessment.objects.filter(risk__in=risks, assessed_at__lte=accident.occurred_at)
        .select_related("assessed_by")
        .order_by("assessed_at", "id")
    ):
        history[assessment.risk_id].append(assessment)
    rows = []
    for risk in risks:
        gradings = history[risk.pk]
        in_force = gradings[-1] if gradings else None
        rows.append(
            {
                "id": risk.pk,
                "title": risk.title,
                "risk_point": risk.risk_point.name,
                "hazard_source": risk.hazard_source,
                "accident_type_label": accident_type_label(risk.accident_type) if risk.accident_type else "",
                "level": in_force.level if in_force else risk.level,
                "level_label": _label(RiskLevel, in_force.level if in_force else risk.level),
                "control_level_label": _label(ControlLevel, in_force.control_level if in_force else risk.control_level),
                "owner": _name(risk.owner),
                "identified_on": _local_date(risk.created_at),
                "graded_below_minimum": risk.graded_below_minimum,
                "minimum_level_label": _label(RiskLevel, risk.minimum_level) if risk.minimum_level else "",
                "measures": [
                    {
                        "kind": measure.get("kind", ""),
                        "text": measure.get("text", ""),
                        "check": bool(measure.get("check")),
                    }
                    for measure in risk.measures
                ],
                "is_active": risk.is_active,
                "gradings": [
                    {
                        "assessed_on": _local_date(grading.assessed_at),
                        "method": grading.method,
                        "score": grading.score,
                        "level": grading.level,
                        "level_label": _label(RiskLevel, grading.level),
                        "control_level_label": _label(ControlLevel, grading.control_level),
                        "reason": grading.reason,
                        "assessed_by": _name(grading.assessed_by),
                    }
                    for grading in gradings
                    if grading is in_force or _local_date(grading.assessed_at) >= start
                ],
            }
        )
    return rows


# -- checks ------------------------------------------------------------------------------------------------------------


def _task_queryset(accident: Accident, start: date, end: date):
    """The tasks due in the period for the equipment, and the unit's tasks not tied to one equipment (weekly sweeps,
    monthly meetings)."""
    tasks = InvestigationTask.objects.filter(organization_id=accident.organization_id, due_on__gte=start)
    tasks = tasks.filter(Q(period_start__lte=end))
    if accident.equipment_id:
        tasks = tasks.filter(Q(equipment_id=accident.equipment_id) | Q(equipment__isnull=True))
    return tasks


def _missed(task: InvestigationTask, end: date) -> bool:
    """Not done by its deadline, as it stood on the accident day."""
    if task.status == TaskStatus.DONE and task.completed_at is not None:
        return _local_date(task.completed_at) > task.due_on
    return task.due_on < end


def _checks(accident: Accident, start: date, end: date) -> dict:
    tasks = list(
        _task_queryset(accident, start, end).select_related("assignee", "completed_by").order_by("due_on", "id")
    )
    summary = {}
    for kind in InvestigationKind:
        of_kind = [task for task in tasks if task.kind == kind]
        if not of_kind and kind not in ROUTINE_KINDS:
            continue
        due = [task for task in of_kind if task.due_on <= end]
        done = [task for task in due if task.status == TaskStatus.DONE and not _missed(task, end)]
        late = [task for task in due if task.status == TaskStatus.DONE and _missed(task, end)]
        missed = [task for task in due if task.status != TaskStatus.DONE and _missed(task, end)]
        summary[kind.value] = {
            "kind": kind.value,
            "label": str(kind.label),
            "due": len(due),
            "done": len(done),
            "late": len(late),
            "missed": len(missed),
            "rate": round(len(done) * 100 / len(due), 1) if due else None,
        }
    rows = [
        {
            "id": task.pk,
            "kind": task.kind,
            "kind_label": _label(InvestigationKind, task.kind),
            "title": task.title,
            "period_start": task.period_start,
            "due_on": task.due_on,
            "status": task.status,
            "status_label": _label(TaskStatus, task.status),
            "missed": _missed(task, end) and task.due_on <= end,
            "assignee_role": task.assignee_role,
            "assignee": _name(task.assignee),
            "completed_at": task.completed_at,
            "completed_by": _name(task.completed_by),
        }
        for task in tasks
        if task.due_on <= end or task.period_start <= end
    ]
    failed = CheckResult.objects.filter(
        task__organization_id=accident.organization_id,
        outcome=Outcome.NOT_OK,
        checked_at__date__gte=start,
        checked_at__lte=accident.occurred_at,
    )
    if accident.equipment_id:
        failed = failed.filter(Q(equipment_id=accident.equipment_id) | Q(task__equipment_id=accident.equipment_id))
    failed_rows = [
        {
            "checked_at": result.checked_at,
            "text": result.text,
            "note": result.note,
            "checked_by": _name(result.checked_by),
        }
        for result in failed.select_related("checked_by").order_by("checked_at", "id")
    ]
    results = CheckResult.objects.filter(task__in=[task.pk for task in tasks]).aggregate(
        total=Count("id"), not_ok=Count("id", filter=Q(outcome=Outcome.NOT_OK))
    )
    return {"summary": list(summary.values()), "tasks": rows, "failed_items": failed_rows, "results": results}


# -- hazards -----------------------------------------------------------------------------------------------------------


def _hazards(accident: Accident, start: date) -> list[dict]:
    """Hazards found in the period (of the equipment, or of the unit), with their handling and their timeline."""
    hazards = Hazard.objects.filter(
        organization_id=accident.organization_id, found_at__date__gte=start, found_at__lte=accident.occurred_at
    )
    if accident.equipment_id:
        hazards = hazards.filter(equipment_id=accident.equipment_id)
    hazards = list(
        hazards.select_related("responsible", "accepted_by", "reported_by", "confirmed_by").order_by("found_at", "id")
    )
    events = defaultdict(list)
    for event in Event.objects.filter(
        object_type="hazards.hazard", object_id__in=[str(hazard.pk) for hazard in hazards], at__lte=accident.occurred_at
    ).order_by("seq"):
        events[event.object_id].append(event)
    occurred_on = _local_date(accident.occurred_at)
    rows = []
    for hazard in hazards:
        closed_before = hazard.closed_at is not None and hazard.closed_at <= accident.occurred_at
        rows.append(
            {
                "id": hazard.pk,
                "description": hazard.description,
                "grade": hazard.grade,
                "grade_label": hazard.get_grade_display(),
                "source_label": hazard.get_source_display(),
                "found_at": hazard.found_at,
                "reported_by": _name(hazard.reported_by),
                "confirmed_by": _name(hazard.confirmed_by),
                "responsible": _name(hazard.responsible),
                "deadline": hazard.deadline,
                "measures": hazard.measures,
                "rectification": hazard.rectification,
                "accepted_by": _name(hazard.accepted_by),
                "closed_at": hazard.closed_at,
                "status_label": hazard.get_status_display(),
                "open_at_accident": not closed_before and hazard.status != "rejected",
                "overdue_at_accident": (
                    not closed_before and hazard.deadline is not None and hazard.deadline < occurred_on
                ),
                "timeline": [
                    {"at": event.at, "type": event.type, "actor": event.actor_name} for event in events[str(hazard.pk)]
                ],
            }
        )
    return rows


# -- inspections, operators, appointments ------------------------------------------------------------------------------


def _inspections(accident: Accident, start: date, end: date) -> dict:
    rows = []
    overdue = None
    if accident.equipment_id:
        inspections = list(
            PeriodicInspection.objects.filter(equipment_id=accident.equipment_id, inspected_on__lte=end)
            .select_related("agency")
            .order_by("-inspected_on", "-id")
        )
        last = inspections[0] if inspections else None
        due = last.next_due_on if last is not None else accident.equipment.inspection_due_on
        overdue = due is not None and due < end
        rows = [
            {
                "inspected_on": inspection.inspected_on,
                "kind_label": inspection.get_kind_display(),
                "agency": inspection.agency.name if inspection.agency else "",
                "conclusion": inspection.conclusion,
                "conclusion_label": inspection.get_conclusion_display(),
                "next_due_on": inspection.next_due_on,
                "report_no": inspection.report_no,
                "findings": inspection.findings,
            }
            for inspection in inspections
            if inspection.inspected_on >= start
        ]
        return {"rows": rows, "due_on_at_accident": due, "overdue_at_accident": overdue}
    return {"rows": rows, "due_on_at_accident": None, "overdue_at_accident": overdue}


def _operators(accident: Accident, start: date, end: date) -> list[dict]:
    if not accident.equipment_id:
        return []
    assignments = (
        OperatorAssignment.objects.filter(equipment_id=accident.equipment_id, assigned_on__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .select_related("certificate", "certificate__item")
        .order_by("assigned_on", "id")
    )
    return [
        {
            "holder": assignment.certificate.holder_name,
            "item": assignment.certificate.item_id,
            "cert_no": assignment.certificate.cert_no,
            "expires_on": assignment.certificate.expires_on,
            "assigned_on": assignment.assigned_on,
            "ended_on": assignment.ended_on,
            "on_duty_at_accident": assignment.ended_on is None or assignment.ended_on >= end,
            "certificate_valid_at_accident": assignment.certificate.expires_on >= end,
        }
        for assignment in assignments
    ]


def _appointments(accident: Accident, start: date, end: date) -> list[dict]:
    appointments = (
        Appointment.objects.filter(organization_id=accident.organization_id, starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .select_related("person")
        .order_by("role", "starts_on", "id")
    )
    category = accident.equipment.category_id if accident.equipment_id else ""
    return [
        {
            "role": appointment.role,
            "role_label": appointment.get_role_display(),
            "person": _name(appointment.person),
            "starts_on": appointment.starts_on,
            "ends_on": appointment.ends_on,
            "in_office_at_accident": appointment.ends_on is None or appointment.ends_on >= end,
        }
        for appointment in appointments
        if not category or appointment.covers(category)
    ]


# -- who was responsible, and what the records show --------------------------------------------------------------------


def _responsibility(report: dict) -> list[dict]:
    """One row per step of the mechanism and person: the appointments, the risk owners, the check assignees and
    executors, the hazard's responsible people."""
    rows = []
    for appointment in report["appointments"]:
        rows.append(
            {
                "step": _("岗位任命"),
                "duty": appointment["role_label"],
                "person": appointment["person"],
                "when": f"{appointment['starts_on']} – {appointment['ends_on'] or _('至今')}",
            }
        )
    for risk in report["risks"]:
        if risk["owner"]:
            rows.append(
                {"step": _("风险管控"), "duty": risk["title"], "person": risk["owner"], "when": risk["identified_on"]}
            )
    people = defaultdict(lambda: {"assigned": 0, "done": 0, "missed": 0})
    for task in report["checks"]["tasks"]:
        key = (task["kind_label"], task["assignee"] or task["assignee_role"])
        people[key]["assigned"] += 1
        if task["missed"]:
            people[key]["missed"] += 1
        elif task["status"] == TaskStatus.DONE:
            people[key]["done"] += 1
    for (kind_label, person), counts in people.items():
        rows.append(
            {
                "step": _("隐患排查"),
                "duty": kind_label,
                "person": person,
                "when": _("应查 %(assigned)d 次，按时完成 %(done)d 次，未按时完成 %(missed)d 次") % counts,
            }
        )
    for hazard in report["hazards"]:
        for duty, person in (
            (_("发现/报告"), hazard["reported_by"]),
            (_("确认"), hazard["confirmed_by"]),
            (_("整改责任人"), hazard["responsible"]),
            (_("验收"), hazard["accepted_by"]),
        ):
            if person:
                rows.append(
                    {
                        "step": _("隐患治理"),
                        "duty": f"{duty}：{hazard['description'][:40]}",
                        "person": person,
                        "when": hazard["found_at"],
                    }
                )
    return rows


def _findings(report: dict) -> list[str]:
    """What the records show against the mechanism, in the order of the mechanism (the conclusions are the
    investigators')."""
    findings = []
    accident = report["accident"]
    if accident["equipment"] and not report["risks"]:
        findings.append(_("事故设备在事故发生前未辨识安全风险。"))
    for risk in report["risks"]:
        if risk["graded_below_minimum"]:
            findings.append(
                _("风险“%(title)s”评价等级（%(level)s）低于辨识模板要求的最低等级（%(minimum)s）。")
                % {"title": risk["title"], "level": risk["level_label"], "minimum": risk["minimum_level_label"]}
            )
        if not any(measure["check"] for measure in risk["measures"]):
            findings.append(_("风险“%(title)s”的管控措施没有纳入排查清单。") % {"title": risk["title"]})
    for row in report["checks"]["summary"]:
        if row["missed"] or row["late"]:
            findings.append(_("%(label)s：应查 %(due)d 次，未完成 %(missed)d 次，逾期完成 %(late)d 次。") % row)
        elif not row["due"] and row["kind"] == InvestigationKind.DAILY and accident["equipment"]:
            findings.append(_("期间没有事故设备的日管控（日常排查）任务。"))
    open_hazards = [hazard for hazard in report["hazards"] if hazard["open_at_accident"]]
    if open_hazards:
        findings.append(_("事故发生时有 %(n)d 项隐患未整改销号。") % {"n": len(open_hazards)})
    overdue_hazards = [hazard for hazard in report["hazards"] if hazard["overdue_at_accident"]]
    if overdue_hazards:
        findings.append(_("其中 %(n)d 项已超过整改期限。") % {"n": len(overdue_hazards)})
    if report["inspections"]["overdue_at_accident"]:
        findings.append(
            _("事故发生时设备定期检验已超期（应于 %(due)s 前检验）。")
            % {"due": report["inspections"]["due_on_at_accident"]}
        )
    if accident["equipment"]:
        on_duty = [row for row in report["operators"] if row["on_duty_at_accident"]]
        if not on_duty:
            findings.append(_("事故发生时设备没有登记持证作业人员。"))
        for row in on_duty:
            if not row["certificate_valid_at_accident"]:
                findings.append(
                    _("作业人员 %(holder)s 的作业人员证已于 %(date)s 过期。")
                    % {"holder": row["holder"], "date": row["expires_on"]}
                )
    in_office = {row["role"] for row in report["appointments"] if row["in_office_at_accident"]}
    for role in (AppointmentRole.PRINCIPAL, AppointmentRole.SAFETY_OFFICER):
        if role not in in_office:
            findings.append(_("事故发生时没有在任的%(role)s任命记录。") % {"role": role.label})
    return findings
