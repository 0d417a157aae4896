"""The daily reminders: investigation tasks due today, hazard deadlines and their escalation, public reports left
unconfirmed, periodic inspections falling due or overdue, operator certificates running out.

Each reminder has a key naming what it is about and the date it is about, so the job may run any number of times a
day, or miss a day, without anyone hearing the same thing twice; a new date (a deadline extended, an equipment
inspected and due again) is a new key and reminds again. Each kind costs a fixed number of queries whatever the number
of rows: people and regulators are looked up in bulk (recipients), messages written in bulk (services.notify_many).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
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

from .models import Notification
from .recipients import holders, people_by_organization, regulator_people_by_region
from .services import KEY_BATCH, Message, notify_many

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
# Hazards per escalation UPDATE: far below SQLite's limit on bound parameters.
ADVANCE_BATCH = 500


def _batched(items: list, size: int):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


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
    return reverse("hazards:task", args=[pk])


def my_tasks_link() -> str:
    # The open tasks, overdue and today's first; "mine" narrows a manager's list, which shows the whole unit's.
    return reverse("hazards:tasks") + "?whose=mine"


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

# Titles named in the one message of a person with several tasks due the same day; the rest are only counted.
DUE_TASKS_NAMED = 5
# Task rows fetched at a time: the day's tasks of a province are streamed, only each person's summary is kept.
DUE_TASKS_CHUNK = 2000


@dataclass
class _DueTasks:
    """The tasks due today of one person: how many, and the first few (pk, title)."""

    user: User
    count: int = 0
    named: list[tuple[int, str]] = field(default_factory=list)

    def add(self, pk: int, title: str) -> None:
        self.count += 1
        if len(self.named) < DUE_TASKS_NAMED:
            self.named.append((pk, title))


def _due_tasks_by_person(today: date) -> dict[int, _DueTasks]:
    """Each person with investigation tasks due today and not done: the assignee of an assigned task, otherwise every
    holder of the task's role in its unit. Four queries whatever the number of tasks and people."""
    due = InvestigationTask.objects.filter(due_on=today).exclude(status=TaskStatus.DONE)
    unassigned = set(due.filter(assignee__isnull=True).values_list("organization_id", "assignee_role").distinct())
    people = people_by_organization({unit for unit, _role in unassigned}, {role for _unit, role in unassigned})
    role_holders = {(unit, role): holders(people.get(unit, []), role) for unit, role in unassigned}
    assignees = User.objects.filter(is_active=True, pk__in=due.filter(assignee__isnull=False).values("assignee_id"))
    assignee_by_pk = {user.pk: user for user in assignees}
    by_person: dict[int, _DueTasks] = {}
    rows = due.order_by("pk").values_list("pk", "title", "organization_id", "assignee_id", "assignee_role")
    for pk, title, unit, assignee_id, role in rows.iterator(chunk_size=DUE_TASKS_CHUNK):
        if assignee_id is not None:
            users = [assignee_by_pk[assignee_id]] if assignee_id in assignee_by_pk else []
        else:
            users = role_holders.get((unit, role), [])
        for user in users:
            if user.pk not in by_person:
                by_person[user.pk] = _DueTasks(user)
            by_person[user.pk].add(pk, title)
    return by_person


def _already_told_of_all(user_pks: list[int], key: str) -> set[int]:
    """Those of the people who already have the message with this key."""
    told: set[int] = set()
    for chunk in _batched(sorted(user_pks), KEY_BATCH):
        told.update(Notification.objects.filter(user_id__in=chunk, key=key).values_list("user_id", flat=True))
    return told


def remind_tasks_due(today: date) -> int:
    """Investigation tasks due today and not done, one message a person a day: to the assignee, or when a task has
    none to the unit's holders of the task's role (Order 74: the daily check is the safety officer's, the weekly sweep
    the safety director's). A person with one such task hears of that task; a person with several (an officer of a
    unit with 50 equipment has 50 daily checks) gets one message counting them and naming the first few."""
    by_person = _due_tasks_by_person(today)
    all_key = f"tasks:due:{today.isoformat()}"
    # Told of several this morning and left with one by noon: the task was named already, it is not news.
    told_of_all = _already_told_of_all([pk for pk, due in by_person.items() if due.count == 1], all_key)
    alone: dict[int, Message] = {}
    messages = []
    for due in by_person.values():
        if due.count == 1:
            if due.user.pk in told_of_all:
                continue
            pk, title = due.named[0]
            if pk not in alone:
                # The holders of an unassigned task's role share one message, as they share the task.
                alone[pk] = Message(
                    users=[],
                    kind=KIND_TASK_DUE,
                    key=f"task:{pk}:due",
                    title=_("排查任务今天到期：%(title)s") % {"title": title},
                    body=_("排查任务“%(title)s”的完成期限是今天（%(date)s），尚未完成。")
                    % {"title": title, "date": today.isoformat()},
                    link=task_link(pk),
                )
                messages.append(alone[pk])
            alone[pk].users.append(due.user)
            continue
        titles = "、".join(f"“{title}”" for _pk, title in due.named)
        if due.count > len(due.named):
            titles = _("%(titles)s等 %(count)d 项") % {"titles": titles, "count": due.count}
        messages.append(
            Message(
                users=[due.user],
                kind=KIND_TASK_DUE,
                key=all_key,
                title=_("今天有 %(count)d 项排查任务到期未完成") % {"count": due.count},
                body=_("以下排查任务的完成期限是今天（%(date)s），尚未完成：%(titles)s。")
                % {"date": today.isoformat(), "titles": titles},
                link=my_tasks_link(),
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
        # One UPDATE per step and deadline (a handful a day) instead of one per hazard. Only if the deadline is still
        # the one reminded of: an extension made meanwhile starts again at 0. The rows are locked while read, so that
        # those found are those advanced.
        groups: dict[tuple[int, date], list[int]] = defaultdict(list)
        for hazard, steps in due:
            groups[(steps[-1].number, hazard.deadline)].append(hazard.pk)
        advanced: set[int] = set()
        for (step, deadline), pks in groups.items():
            for chunk in _batched(pks, ADVANCE_BATCH):
                matching = Hazard.objects.filter(pk__in=chunk, deadline=deadline, escalation_step__lt=step)
                found = list(matching.select_for_update().values_list("pk", flat=True))
                if found:
                    Hazard.objects.filter(pk__in=found).update(escalation_step=step)
                    advanced.update(found)
        for hazard, steps in due:
            step = steps[-1].number
            if hazard.pk in advanced:
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
