"""The daily reminders: investigation tasks due today, hazard deadlines and their escalation, public reports left
unconfirmed, periodic inspections falling due or overdue, operator certificates running out.

Each reminder has a key naming what it is about and the date it is about, so the job may run any number of times a
day, or miss a day, without anyone hearing the same thing twice; a new date (a deadline extended, an equipment
inspected and due again) is a new key and reminds again. Each kind costs a fixed number of queries whatever the number
of rows: people and regulators are looked up in bulk (recipients), messages written in bulk (services.notify_many).
"""

from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shuangfang.accounts.roles import Role
from shuangfang.core.events import record_event
from shuangfang.equipment.choices import EquipmentStatus, InspectionState
from shuangfang.equipment.models import (
    CERTIFICATE_EXPIRING_DAYS,
    Equipment,
    OperatorCertificate,
    inspection_state_q,
)
from shuangfang.hazards import escalation
from shuangfang.hazards.choices import OPEN_STATUSES, HazardGrade, HazardSource, HazardStatus, TaskStatus
from shuangfang.hazards.escalation import Audience
from shuangfang.hazards.models import Hazard, InvestigationTask

from .recipients import holders, people_by_organization, regulator_people_by_region
from .services import Message, notify_many

KIND_TASK_DUE = "task.due"
KIND_HAZARD_DEADLINE = "hazard.deadline"
KIND_HAZARD_UNCONFIRMED = "hazard.unconfirmed"
KIND_INSPECTION_DUE = "equipment.inspection_due"
KIND_INSPECTION_OVERDUE = "equipment.inspection_overdue"
KIND_CERTIFICATE_EXPIRING = "certificate.expiring"

# Notice before an operator certificate runs out, in days: the first when it enters the "expiring" state of the
# certificate list, the second a month before, so that the holder still applies for review (复审) in time.
CERTIFICATE_NOTICE_DAYS = (CERTIFICATE_EXPIRING_DAYS, 30)

# Who in a unit hears of each thing.
INSPECTION_ROLES = (Role.SAFETY_DIRECTOR, Role.SAFETY_OFFICER)
CERTIFICATE_ROLES = (Role.ORG_ADMIN, Role.PRINCIPAL, Role.SAFETY_DIRECTOR)
UNCONFIRMED_REPORT_ROLES = (Role.PRINCIPAL,)
ESCALATION_ROLES = {Audience.SAFETY_DIRECTORS: (Role.SAFETY_DIRECTOR,), Audience.PRINCIPAL: (Role.PRINCIPAL,)}


def send_reminders(today: date | None = None) -> dict[str, int]:
    """Every kind of reminder due today; returns how many inbox messages each kind added. The texts are stored in the
    platform's language whoever runs the job: each recipient reads the same message."""
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        return {
            KIND_TASK_DUE: remind_tasks_due(today),
            KIND_HAZARD_DEADLINE: escalate_hazard_deadlines(today),
            KIND_HAZARD_UNCONFIRMED: remind_unconfirmed_public_reports(today),
            KIND_INSPECTION_DUE: remind_inspections_due(today),
            KIND_INSPECTION_OVERDUE: remind_inspections_overdue(today),
            KIND_CERTIFICATE_EXPIRING: remind_certificates_expiring(today),
        }


# Links ---------------------------------------------------------------------------------------------------------------


def _link(url_name: str, pk: int, fallback: str) -> str:
    """The page of an object by its URL name, or the agreed path while that page is not routed yet."""
    try:
        return reverse(url_name, args=[pk])
    except NoReverseMatch:
        return fallback.format(pk=pk)


def hazard_link(pk: int) -> str:
    return _link("hazards:detail", pk, "/hazards/{pk}/")


def task_link(pk: int) -> str:
    return _link("hazards:task-detail", pk, "/hazards/tasks/{pk}/")


def equipment_link(pk: int) -> str:
    return reverse("equipment:detail", args=[pk])


def certificates_link() -> str:
    return reverse("equipment:certificate-list") + "?state=expiring"


def _send(messages: list[Message], then: Callable[[], None] | None = None) -> int:
    with transaction.atomic():
        count = notify_many(messages)
        if then is not None:
            then()
    return count


# Investigation tasks -------------------------------------------------------------------------------------------------


def remind_tasks_due(today: date) -> int:
    """An investigation task due today and not done: to its assignee, or when it has none to the unit's holders of the
    task's role (Order 74: the daily check is the safety officer's, the weekly sweep the safety director's)."""
    tasks = list(
        InvestigationTask.objects.filter(due_on=today).exclude(status=TaskStatus.DONE).select_related("assignee")
    )
    unassigned = [task for task in tasks if task.assignee_id is None]
    people = people_by_organization(
        {task.organization_id for task in unassigned}, {task.assignee_role for task in unassigned}
    )
    messages = []
    for task in tasks:
        users = (
            [task.assignee] if task.assignee_id else holders(people.get(task.organization_id, []), task.assignee_role)
        )
        messages.append(
            Message(
                users=users,
                kind=KIND_TASK_DUE,
                key=f"task:{task.pk}:due",
                title=_("排查任务今天到期：%(title)s") % {"title": task.title},
                body=_("排查任务“%(title)s”的完成期限是今天（%(date)s），尚未完成。")
                % {"title": task.title, "date": today.isoformat()},
                link=task_link(task.pk),
            )
        )
    return _send(messages)


# Hazard deadlines ----------------------------------------------------------------------------------------------------


def _hazard_name(hazard: Hazard) -> str:
    text = " ".join(hazard.description.split())
    return text if len(text) <= 40 else text[:40] + "…"


def _deadline_title(hazard: Hazard, today: date) -> str:
    days = (hazard.deadline - today).days
    values = {"hazard": _hazard_name(hazard), "days": abs(days)}
    if hazard.is_major and days < 0:
        return _("重大事故隐患整改已逾期 %(days)d 天：%(hazard)s") % values
    if days < 0:
        return _("隐患整改已逾期 %(days)d 天：%(hazard)s") % values
    if days == 0:
        return _("隐患整改期限是今天：%(hazard)s") % values
    return _("隐患整改期限还有 %(days)d 天：%(hazard)s") % values


def _deadline_body(hazard: Hazard, audience: Audience) -> str:
    facts = _("%(unit)s的%(grade)s“%(description)s”，整改期限 %(deadline)s。") % {
        "unit": hazard.organization.name,
        "grade": hazard.get_grade_display(),
        "description": _hazard_name(hazard),
        "deadline": hazard.deadline.isoformat(),
    }
    ask = {
        Audience.RESPONSIBLE: _("请按期完成整改并报请验收；不能按期完成的，请在期限前申请延期。"),
        Audience.SAFETY_DIRECTORS: _("请督促整改责任人落实整改措施和临时管控措施。"),
        Audience.PRINCIPAL: _("请督促落实整改；主要负责人对本单位事故隐患排查治理工作全面负责。"),
        Audience.REGULATOR: _("该重大事故隐患逾期未完成整改，请核查并依法督办。"),
    }[audience]
    return f"{facts}{ask}"


def _hazards_to_escalate(today: date):
    """Open hazards with a deadline near enough for a step, not yet at the last step their grade can reach."""
    major_final = escalation.final_step(is_major=True)
    general_final = escalation.final_step(is_major=False)
    return (
        Hazard.objects.filter(
            status__in=OPEN_STATUSES,
            deadline__isnull=False,
            deadline__lte=today + timedelta(days=escalation.LEAD_DAYS),
        )
        .filter(
            Q(grade=HazardGrade.MAJOR, escalation_step__lt=major_final)
            | (~Q(grade=HazardGrade.MAJOR) & Q(escalation_step__lt=general_final))
        )
        .select_related("organization", "responsible")
    )


def escalate_hazard_deadlines(today: date) -> int:
    """The deadline steps of escalation.STEPS due today: a reminder to the responsible person before the deadline,
    then the safety directors, the principal and, for a major hazard, the regulator as it stays overdue."""
    due = []
    for hazard in _hazards_to_escalate(today):
        steps = escalation.steps_due(
            deadline=hazard.deadline, today=today, is_major=hazard.is_major, done=hazard.escalation_step
        )
        if steps:
            due.append((hazard, steps))
    audiences = {step.audience for _hazard, steps in due for step in steps}
    unit_roles = {role for audience in audiences for role in ESCALATION_ROLES.get(audience, ())}
    people = people_by_organization({hazard.organization_id for hazard, _steps in due}, unit_roles)
    regulators = regulator_people_by_region(
        {hazard.region_id for hazard, steps in due if any(step.audience == Audience.REGULATOR for step in steps)}
    )

    def audience_of(hazard: Hazard, audience: Audience) -> list:
        if audience == Audience.RESPONSIBLE:
            return [hazard.responsible] if hazard.responsible_id else []
        if audience == Audience.REGULATOR:
            return regulators.get(hazard.region_id, [])
        return holders(people.get(hazard.organization_id, []), *ESCALATION_ROLES[audience])

    messages = []
    for hazard, steps in due:
        for step in steps:
            messages.append(
                Message(
                    users=audience_of(hazard, step.audience),
                    kind=KIND_HAZARD_DEADLINE,
                    key=f"hazard:{hazard.pk}:step{step.number}:{hazard.deadline.isoformat()}",
                    title=_deadline_title(hazard, today),
                    body=_deadline_body(hazard, step.audience),
                    link=hazard_link(hazard.pk),
                )
            )

    def advance():
        for hazard, steps in due:
            step = steps[-1].number
            # Only if the deadline is still the one reminded of: an extension made meanwhile starts again at 0.
            advanced = Hazard.objects.filter(pk=hazard.pk, deadline=hazard.deadline, escalation_step__lt=step).update(
                escalation_step=step
            )
            if advanced:
                hazard.escalation_step = step
                record_event(
                    "hazard.deadline_escalated",
                    obj=hazard,
                    data={
                        "step": step,
                        "deadline": hazard.deadline,
                        "audiences": [str(item.audience) for item in steps],
                    },
                )

    return _send(messages, then=advance)


# Public reports ------------------------------------------------------------------------------------------------------


def remind_unconfirmed_public_reports(today: date) -> int:
    """A public report (公众举报) the unit has not confirmed or rejected by its confirm_by date: to the unit's principal
    and to the local regulator, who follows up on reports from the public."""
    hazards = list(
        Hazard.objects.filter(
            source=HazardSource.PUBLIC, status=HazardStatus.REPORTED, confirm_by__lt=today
        ).select_related("organization")
    )
    people = people_by_organization({hazard.organization_id for hazard in hazards}, UNCONFIRMED_REPORT_ROLES)
    regulators = regulator_people_by_region({hazard.region_id for hazard in hazards})
    messages = [
        Message(
            users=[*people.get(hazard.organization_id, []), *regulators.get(hazard.region_id, [])],
            kind=KIND_HAZARD_UNCONFIRMED,
            key=f"hazard:{hazard.pk}:unconfirmed",
            title=_("公众举报的隐患逾期未确认：%(hazard)s") % {"hazard": _hazard_name(hazard)},
            body=_("%(unit)s收到的公众举报“%(description)s”应于 %(date)s 前确认或驳回，至今未处理。")
            % {
                "unit": hazard.organization.name,
                "description": _hazard_name(hazard),
                "date": hazard.confirm_by.isoformat(),
            },
            link=hazard_link(hazard.pk),
        )
        for hazard in hazards
    ]
    return _send(messages)


# Periodic inspections ------------------------------------------------------------------------------------------------


def _in_use_equipment(state: str, today: date):
    # Suspended and scrapped equipment is not used, so it needs no inspection until it is put back into use.
    return (
        Equipment.objects.filter(status=EquipmentStatus.IN_USE)
        .filter(inspection_state_q(state, today))
        .select_related("organization")
    )


def remind_inspections_due(today: date) -> int:
    """Equipment whose periodic inspection falls due within 30 days: to the unit's safety directors and officers, who
    must apply to the inspection agency a month before (特种设备安全法 art 40; TSG 08)."""
    equipment = list(_in_use_equipment(InspectionState.DUE_SOON, today))
    people = people_by_organization({item.organization_id for item in equipment}, INSPECTION_ROLES)
    messages = [
        Message(
            users=people.get(item.organization_id, []),
            kind=KIND_INSPECTION_DUE,
            key=f"equipment:{item.pk}:due:{item.inspection_due_on.isoformat()}",
            title=_("设备定期检验即将到期：%(equipment)s") % {"equipment": item},
            body=_("%(equipment)s的下次检验日期是 %(date)s，请在检验有效期届满前一个月向检验机构提出定期检验要求。")
            % {"equipment": item, "date": item.inspection_due_on.isoformat()},
            link=equipment_link(item.pk),
        )
        for item in equipment
    ]
    return _send(messages)


def remind_inspections_overdue(today: date) -> int:
    """Equipment past its periodic inspection (or failed and not re-inspected), still in use: to the unit's safety
    directors and officers, and to the local regulator, who must know the equipment used without a valid inspection
    (特种设备安全法 art 40: it may not be used)."""
    equipment = list(_in_use_equipment(InspectionState.OVERDUE, today))
    people = people_by_organization({item.organization_id for item in equipment}, INSPECTION_ROLES)
    regulators = regulator_people_by_region({item.region_id for item in equipment})
    messages = []
    for item in equipment:
        if item.inspection_due_on:
            key = f"equipment:{item.pk}:overdue:{item.inspection_due_on.isoformat()}"
            title = _("设备超期未检：%(equipment)s") % {"equipment": item}
            body = _(
                "%(unit)s的%(equipment)s应于 %(date)s 前完成定期检验，已超期。未经定期检验的设备不得继续使用。"
            ) % {
                "unit": item.organization.name,
                "equipment": item,
                "date": item.inspection_due_on.isoformat(),
            }
        else:
            # A failed inspection leaves no due date: the key is the failed inspection's date.
            key = f"equipment:{item.pk}:overdue:failed:{item.last_inspected_on.isoformat()}"
            title = _("设备检验不合格且未重新检验：%(equipment)s") % {"equipment": item}
            body = _(
                "%(unit)s的%(equipment)s在 %(date)s 的检验中不合格，尚无合格的检验记录。检验不合格的设备不得继续使用。"
            ) % {
                "unit": item.organization.name,
                "equipment": item,
                "date": item.last_inspected_on.isoformat(),
            }
        messages.append(
            Message(
                users=[*people.get(item.organization_id, []), *regulators.get(item.region_id, [])],
                kind=KIND_INSPECTION_OVERDUE,
                key=key,
                title=title,
                body=body,
                link=equipment_link(item.pk),
            )
        )
    return _send(messages)


# Operator certificates -----------------------------------------------------------------------------------------------


def certificate_notice(expires_on: date, today: date) -> int | None:
    """The notice (days) an operator certificate expiring on that date is due for today: the shortest notice period
    it has entered, or None when it is further off or already expired."""
    days_left = (expires_on - today).days
    if days_left < 0:
        return None
    entered = [days for days in CERTIFICATE_NOTICE_DAYS if days_left <= days]
    return min(entered) if entered else None


def remind_certificates_expiring(today: date) -> int:
    """Operator certificates running out within 90 and again within 30 days: to the unit's administrator, principal
    and safety directors, who keep the operators certified (特种设备安全法 art 14)."""
    certificates = list(
        OperatorCertificate.objects.filter(
            expires_on__gte=today, expires_on__lte=today + timedelta(days=max(CERTIFICATE_NOTICE_DAYS))
        ).select_related("item")
    )
    people = people_by_organization({certificate.organization_id for certificate in certificates}, CERTIFICATE_ROLES)
    messages = []
    for certificate in certificates:
        notice = certificate_notice(certificate.expires_on, today)
        if notice is None:
            continue
        values = {
            "holder": certificate.holder_name,
            "item": f"{certificate.item_id} {certificate.item.name}",
            "number": certificate.cert_no,
            "date": certificate.expires_on.isoformat(),
            "days": (certificate.expires_on - today).days,
        }
        messages.append(
            Message(
                users=people.get(certificate.organization_id, []),
                kind=KIND_CERTIFICATE_EXPIRING,
                key=f"certificate:{certificate.pk}:{notice}:{certificate.expires_on.isoformat()}",
                title=_("作业人员证还有 %(days)d 天到期：%(holder)s %(item)s") % values,
                body=_("%(holder)s的特种设备作业人员证（%(item)s，证号 %(number)s）有效期至 %(date)s，请及时办理复审。")
                % values,
                link=certificates_link(),
            )
        )
    return _send(messages)
