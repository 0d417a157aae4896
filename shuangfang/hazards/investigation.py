"""Hidden-hazard investigation (隐患排查): what a task asks to check, the unit's plans and own check items, and the
execution of a task — the 每日安全检查记录, 每周安全排查治理报告 and 每月安全调度会议纪要 of SAMR Order 74, and
the other investigation types (MEM dangerSrc 1–10).

A task's checklist is made when it is opened or executed, from three sources: the shipped library
(hazards.checklists, after DB37/T 3452), the check measures of the equipment's active risks (the 安全风险管控清单 is
checked on site), and the unit's own items. A failed item becomes a hidden hazard (SAWS Order 16) through
hazards.services.hazard_from_check_result; a daily check that finds nothing is recorded too (零风险报告).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import UNIT_MANAGERS, UNIT_ROLES, Role, role_label
from shuangfang.core.events import record_event
from shuangfang.core.models import Attachment
from shuangfang.core.services import (
    InvalidTransition,
    PermissionDenied,
    apply_changes,
    check_version,
    display_diff,
    lock_for_update,
)
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import CatalogEntry, Equipment
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.risks.models import Risk

from . import checklists, rules
from .choices import Cycle, InvestigationKind, ItemSource, Outcome, TaskStatus, WorkDays
from .models import CheckItem, CheckResult, InvestigationPlan, InvestigationTask
from .scheduling import is_duty_cycle_plan, prefix_covers, prefix_filter

# -- checklists ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    """One item a task asks to check: at one equipment (equipment_id) or for the unit (None)."""

    equipment_id: int | None
    item_source: str  # ItemSource
    item_code: str  # library code, "risk-<risk id>-<measure index>" or "unit-<check item id>"
    text: str
    standard: str
    gb45067_clause: str  # "" when a failure of the item is no major-hazard condition by itself
    equipment_name: str = ""

    @property
    def key(self) -> tuple[int | None, str]:
        return (self.equipment_id, self.item_code)


def risk_item_code(risk_id: int, index: int) -> str:
    return f"risk-{risk_id}-{index}"


def unit_item_code(check_item_id: int) -> str:
    return f"unit-{check_item_id}"


def _library_item(template: checklists.CheckItemTemplate, equipment_id=None, equipment_name="") -> ChecklistItem:
    return ChecklistItem(
        equipment_id=equipment_id,
        item_source=ItemSource.LIBRARY,
        item_code=template.code,
        text=template.text,
        standard=template.standard,
        gb45067_clause=template.gb45067_clause or "",
        equipment_name=equipment_name,
    )


def _own_item(item: CheckItem, equipment_id=None, equipment_name="") -> ChecklistItem:
    return ChecklistItem(
        equipment_id=equipment_id,
        item_source=ItemSource.UNIT,
        item_code=unit_item_code(item.pk),
        text=item.text,
        standard=item.standard,
        gb45067_clause=item.gb45067_clause,
        equipment_name=equipment_name,
    )


def library_items(category: str, family: str) -> list[checklists.CheckItemTemplate]:
    return [item for item in checklists.checklist_for(category) if item.family == family]


def equipment_items(equipment: QuerySet) -> list[ChecklistItem]:
    """The daily check of each equipment: the on-site library items of its category, the check measures of its active
    risks, and the unit's own items for it or for its category — equipment by equipment, in that order."""
    rows = list(equipment.order_by("pk").values_list("pk", "organization_id", "category_id", "name"))
    if not rows:
        return []
    risks = defaultdict(list)
    for risk in Risk.objects.filter(equipment__in=equipment.values("pk"), is_active=True).order_by("pk"):
        risks[risk.equipment_id].append(risk)
    units = {unit_id for _pk, unit_id, _category, _name in rows}
    own = list(
        CheckItem.objects.filter(organization_id__in=units, is_active=True)
        .filter(Q(equipment__in=equipment.values("pk")) | (Q(equipment__isnull=True) & ~Q(catalog_prefix="")))
        .order_by("pk")
    )
    onsite_by_category: dict[str, list] = {}
    items: list[ChecklistItem] = []
    for equipment_id, unit_id, category, name in rows:
        if category not in onsite_by_category:
            onsite_by_category[category] = library_items(category, checklists.FAMILY_ONSITE)
        items += [_library_item(template, equipment_id, name) for template in onsite_by_category[category]]
        for risk in risks[equipment_id]:
            for index, measure in enumerate(risk.measures or []):
                if measure.get("check"):
                    items.append(
                        ChecklistItem(
                            equipment_id=equipment_id,
                            item_source=ItemSource.RISK,
                            item_code=risk_item_code(risk.pk, index),
                            text=f"{risk.title}：{measure.get('text', '')}"[:500],
                            standard="",
                            gb45067_clause="",
                            equipment_name=name,
                        )
                    )
        for item in own:
            if item.organization_id != unit_id:
                continue
            if item.equipment_id == equipment_id or (
                item.equipment_id is None and prefix_covers(item.catalog_prefix, category)
            ):
                items.append(_own_item(item, equipment_id, name))
    return items


def unit_items(organization_id: int, equipment: QuerySet) -> list[ChecklistItem]:
    """The unit-level check (the weekly sweep): the basic-management library items of the categories of the equipment
    (each once), then the unit's own items bound to no equipment and no category."""
    categories = sorted(set(equipment.values_list("category_id", flat=True)))
    seen: set[str] = set()
    items: list[ChecklistItem] = []
    for category in categories:
        for template in library_items(category, checklists.FAMILY_BASIC):
            if template.code not in seen:
                seen.add(template.code)
                items.append(_library_item(template))
    own = CheckItem.objects.filter(
        organization_id=organization_id, is_active=True, equipment__isnull=True, catalog_prefix=""
    ).order_by("pk")
    items += [_own_item(item) for item in own]
    return items


def task_equipment(task: InvestigationTask) -> QuerySet:
    """The in-use equipment a unit-level task covers: the unit's, of the plan's catalog prefix."""
    prefix = task.plan.catalog_prefix if task.plan_id else ""
    return Equipment.objects.filter(
        prefix_filter(prefix), organization_id=task.organization_id, status=EquipmentStatus.IN_USE
    )


def checklist_for_task(task: InvestigationTask) -> list[ChecklistItem]:
    """What the task asks to check.

    Daily check: the equipment's items (on site, its risks' check measures, the unit's own). Weekly sweep: the
    basic-management items of the unit. Monthly meeting: none (its record is the decisions and the attendees). Other
    investigations: the basic-management items once, then the items of each in-use equipment the plan covers."""
    if task.kind == InvestigationKind.MONTHLY:
        return []
    if task.kind == InvestigationKind.DAILY and task.equipment_id is not None:
        return equipment_items(Equipment.objects.filter(pk=task.equipment_id))
    covered = task_equipment(task)
    if task.kind == InvestigationKind.WEEKLY:
        return unit_items(task.organization_id, covered)
    if task.equipment_id is not None:
        covered = Equipment.objects.filter(pk=task.equipment_id)
    return unit_items(task.organization_id, covered) + equipment_items(covered)


# -- who may do what -----------------------------------------------------------------------------------------------


def _require_unit_manager(actor: User, organization_id: int | None = None) -> None:
    organization = actor.organization
    if (
        organization is None
        or organization.kind not in EQUIPMENT_OWNING_KINDS
        or not actor.is_active
        or not actor.has_role(*UNIT_MANAGERS)
    ):
        raise PermissionDenied(_("只有使用单位的主要负责人、安全总监、安全员或单位管理员能维护排查计划和排查清单。"))
    if organization_id is not None and organization_id != organization.pk:
        raise PermissionDenied(_("只能维护本单位的排查计划和排查清单。"))


def may_manage_investigation(actor: User) -> bool:
    try:
        _require_unit_manager(actor)
    except PermissionDenied:
        return False
    return True


def require_executor(actor: User, task: InvestigationTask) -> None:
    """The task's assignee, a holder of its role, or the unit's principal or safety director (who answer for every
    check of the unit, Order 74)."""
    if (
        actor.is_active
        and actor.organization_id == task.organization_id
        and (
            task.assignee_id == actor.pk
            or actor.has_role(task.assignee_role)
            or actor.has_role(Role.PRINCIPAL, Role.SAFETY_DIRECTOR)
        )
    ):
        return
    raise PermissionDenied(
        _("只有任务执行人、本单位%(role)s或主要负责人、安全总监可以执行该排查任务。")
        % {"role": role_label(task.assignee_role)}
    )


def may_execute(actor: User, task: InvestigationTask) -> bool:
    try:
        require_executor(actor, task)
    except PermissionDenied:
        return False
    return True


# -- plans ---------------------------------------------------------------------------------------------------------

# Who a plan may give its tasks to: the people of the unit who check (not its IT administrator).
ASSIGNABLE_ROLES = (Role.PRINCIPAL, Role.SAFETY_DIRECTOR, Role.SAFETY_OFFICER, Role.OPERATOR)
PLAN_FIELDS = (
    "kind",
    "title",
    "cycle",
    "work_days",
    "catalog_prefix",
    "assignee_role",
    "assignee",
    "starts_on",
    "ends_on",
    "due_on",
    "description",
)
PLAN_UPDATABLE_FIELDS = (
    "title",
    "work_days",
    "assignee_role",
    "assignee",
    "starts_on",
    "ends_on",
    "due_on",
    "description",
    "is_active",
)
# What decides which tasks exist: fixed once the plan has tasks, so that the tasks keep meaning what they meant.
PLAN_FIXED_FIELDS = ("kind", "cycle", "catalog_prefix")

# The cycles each kind may run on. The Order 74 checks keep their own cadence; the pre-holiday check runs before
# every holiday or once (a major event); the other investigations run on a calendar cycle or once.
_CALENDAR_CYCLES = frozenset({Cycle.WEEKLY, Cycle.MONTHLY, Cycle.QUARTERLY, Cycle.HALF_YEARLY, Cycle.ONCE})
CYCLES_OF_KIND = {
    InvestigationKind.DAILY: frozenset({Cycle.DAILY}),
    InvestigationKind.WEEKLY: frozenset({Cycle.WEEKLY}),
    InvestigationKind.MONTHLY: frozenset({Cycle.MONTHLY}),
    InvestigationKind.PRE_HOLIDAY: frozenset({Cycle.BEFORE_HOLIDAY, Cycle.ONCE}),
}

_CATALOG_PREFIX = re.compile(r"^[0-9A-Z]{1,4}$")


def cycles_for(kind: str) -> frozenset[str]:
    return CYCLES_OF_KIND.get(kind, _CALENDAR_CYCLES)


def normalise_prefix(prefix: str | None) -> str:
    """A catalog prefix as stored: upper case, trailing zeros kept as given ("3100" and "31" both mean elevators)."""
    return (prefix or "").strip().upper()


def _validate_prefix(prefix: str, field: str, errors: dict) -> None:
    if not prefix:
        return
    stem = prefix.rstrip("0")
    if not _CATALOG_PREFIX.match(prefix) or not stem or not CatalogEntry.objects.filter(code__startswith=stem).exists():
        errors[field] = _("设备类别须为特种设备目录代码，如 3000（电梯）或 3110。")


def _validate_plan(plan: InvestigationPlan) -> None:
    errors: dict[str, str] = {}
    plan.title = (plan.title or "").strip()
    if not plan.title:
        errors["title"] = _("请填写计划名称。")
    if plan.kind not in InvestigationKind.values:
        errors["kind"] = _("请选择排查类型。")
    elif plan.cycle not in cycles_for(plan.kind):
        errors["cycle"] = _("%(kind)s不能按“%(cycle)s”安排，可选：%(allowed)s。") % {
            "kind": InvestigationKind(plan.kind).label,
            "cycle": Cycle(plan.cycle).label if plan.cycle in Cycle.values else plan.cycle,
            "allowed": "、".join(str(Cycle(c).label) for c in Cycle.values if c in cycles_for(plan.kind)),
        }
    if plan.work_days not in WorkDays.values:
        errors["work_days"] = _("请选择执行日。")
    elif plan.work_days != WorkDays.EVERY_DAY and plan.cycle != Cycle.DAILY:
        errors["work_days"] = _("只有每天执行的计划才能选择“法定工作日”。")
    _validate_prefix(plan.catalog_prefix, "catalog_prefix", errors)
    if plan.assignee_role not in ASSIGNABLE_ROLES:
        errors["assignee_role"] = _("执行角色须为：%(roles)s。") % {
            "roles": "、".join(role_label(role) for role in ASSIGNABLE_ROLES)
        }
    assignee = plan.assignee
    if assignee is not None and (
        assignee.organization_id != plan.organization_id
        or not assignee.is_active
        or not set(assignee.roles) & UNIT_ROLES
    ):
        errors["assignee"] = _("执行人须为本单位在职、具有单位角色的人员。")
    if plan.starts_on is None:
        errors["starts_on"] = _("请填写开始日期。")
    else:
        if plan.ends_on is not None and plan.ends_on < plan.starts_on:
            errors["ends_on"] = _("结束日期不能早于开始日期。")
        if plan.cycle == Cycle.ONCE:
            if plan.due_on is None:
                errors["due_on"] = _("一次性排查须填写完成期限。")
            elif plan.due_on < plan.starts_on:
                errors["due_on"] = _("完成期限不能早于开始日期。")
    if plan.cycle != Cycle.ONCE and plan.due_on is not None:
        errors["due_on"] = _("周期性排查的期限由周期决定，不填写完成期限。")
    if errors:
        raise ValidationError(errors)


def _plan_facts(plan: InvestigationPlan) -> dict:
    return {
        "kind": plan.kind,
        "cycle": plan.cycle,
        "work_days": plan.work_days,
        "catalog_prefix": plan.catalog_prefix,
        "assignee_role": plan.assignee_role,
        "assignee": plan.assignee_id,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "due_on": plan.due_on,
    }


def do_create_plan(*, actor: User, data: Mapping) -> InvestigationPlan:
    """A plan of the actor's unit: one of the other investigation types on a cycle or once, or a further daily, weekly
    or monthly check for a catalog prefix (the unit's Order 74 plans themselves are made by the scheduler)."""
    _require_unit_manager(actor)
    unknown = set(data) - set(PLAN_FIELDS)
    if unknown:
        raise ValidationError({field: _("该字段不能填写。") for field in sorted(unknown)})
    organization = actor.organization
    plan = InvestigationPlan(
        organization=organization,
        region_id=organization.region_id,
        kind=data.get("kind") or "",
        title=data.get("title") or "",
        cycle=data.get("cycle") or "",
        work_days=data.get("work_days") or WorkDays.EVERY_DAY,
        catalog_prefix=normalise_prefix(data.get("catalog_prefix")),
        assignee_role=data.get("assignee_role") or "",
        assignee=data.get("assignee"),
        starts_on=data.get("starts_on"),
        ends_on=data.get("ends_on"),
        due_on=data.get("due_on"),
        description=(data.get("description") or "").strip(),
        created_by=actor,
    )
    _validate_plan(plan)
    with transaction.atomic():
        if (
            is_duty_cycle_plan(plan)
            and InvestigationPlan.objects.filter(organization=organization, kind=plan.kind, catalog_prefix="").exists()
        ):
            raise ValidationError(
                {"kind": _("本单位已有%(kind)s计划（每单位一个），请修改该计划。") % {"kind": plan.get_kind_display()}}
            )
        plan.full_clean()
        plan.save()
        record_event("investigation_plan.created", actor=actor, obj=plan, data=_plan_facts(plan))
    return plan


def do_update_plan(
    *, actor: User, plan: InvestigationPlan, changes: Mapping, expected_version: int | None
) -> InvestigationPlan:
    """Change a plan's title, dates, assignee or description, or end it; its kind, cycle and equipment are fixed.
    The Order 74 plans cannot be ended (every unit using equipment keeps them)."""
    _require_unit_manager(actor, plan.organization_id)
    changes = dict(changes)
    errors = {}
    for field in PLAN_FIXED_FIELDS:
        if field in changes:
            value = normalise_prefix(changes[field]) if field == "catalog_prefix" else changes[field]
            if value != getattr(plan, field):
                errors[field] = _("排查类型、周期和设备类别不能修改；请新建计划。")
            changes.pop(field)
    unknown = set(changes) - set(PLAN_UPDATABLE_FIELDS)
    for field in sorted(unknown):
        errors[field] = _("该字段不能修改。")
    if errors:
        raise ValidationError(errors)
    if "description" in changes:
        changes["description"] = (changes["description"] or "").strip()

    def validate(row: InvestigationPlan) -> None:
        if is_duty_cycle_plan(row) and not row.is_active:
            raise ValidationError(
                {"is_active": _("日管控、周排查、月调度是使用单位的法定义务（总局令第74号），不能停止。")}
            )
        _validate_plan(row)

    with transaction.atomic():
        plan = lock_for_update(plan)
        check_version(plan, expected_version)
        diff = apply_changes(plan, changes, validate)
        if diff:
            record_event(
                "investigation_plan.updated", actor=actor, obj=plan, data={"changes": display_diff(plan, diff)}
            )
    return plan


# -- the unit's own check items ------------------------------------------------------------------------------------

CHECK_ITEM_FIELDS = ("catalog_prefix", "equipment", "text", "standard", "gb45067_clause")
CHECK_ITEM_UPDATABLE_FIELDS = ("text", "standard", "gb45067_clause", "is_active")


def _validate_check_item(item: CheckItem) -> None:
    errors: dict[str, str] = {}
    item.text = (item.text or "").strip()
    item.standard = (item.standard or "").strip()
    item.gb45067_clause = (item.gb45067_clause or "").strip()
    if not item.text:
        errors["text"] = _("请填写检查内容。")
    _validate_prefix(item.catalog_prefix, "catalog_prefix", errors)
    equipment = item.equipment
    if equipment is not None:
        if equipment.organization_id != item.organization_id:
            errors["equipment"] = _("设备须属于本单位。")
        if item.catalog_prefix:
            errors["catalog_prefix"] = _("检查项适用于一台设备或一类设备，不能同时指定。")
    clause = item.gb45067_clause
    if clause:
        if clause not in rules.CRITERIA_BY_CLAUSE:
            errors["gb45067_clause"] = _("%(clause)s 不是 GB 45067-2024 的重大事故隐患判定条款。") % {"clause": clause}
        elif equipment is not None and not rules.clause_applies(clause, equipment.category_id):
            errors["gb45067_clause"] = _("GB 45067-2024 %(clause)s 不适用于该类设备。") % {"clause": clause}
    if errors:
        raise ValidationError(errors)


def do_add_check_item(*, actor: User, data: Mapping) -> CheckItem:
    """An item of the unit's own checklist: for one equipment, for a catalog prefix (checked daily at each such
    equipment), or for the unit (checked in the weekly sweep)."""
    _require_unit_manager(actor)
    unknown = set(data) - set(CHECK_ITEM_FIELDS)
    if unknown:
        raise ValidationError({field: _("该字段不能填写。") for field in sorted(unknown)})
    organization = actor.organization
    item = CheckItem(
        organization=organization,
        region_id=organization.region_id,
        catalog_prefix=normalise_prefix(data.get("catalog_prefix")),
        equipment=data.get("equipment"),
        text=data.get("text") or "",
        standard=data.get("standard") or "",
        gb45067_clause=data.get("gb45067_clause") or "",
        created_by=actor,
    )
    _validate_check_item(item)
    with transaction.atomic():
        item.full_clean()
        item.save()
        record_event(
            "check_item.added",
            actor=actor,
            obj=item,
            data={
                "equipment": item.equipment_id,
                "catalog_prefix": item.catalog_prefix,
                "gb45067_clause": item.gb45067_clause,
            },
        )
    return item


def do_update_check_item(*, actor: User, item: CheckItem, changes: Mapping, expected_version: int | None) -> CheckItem:
    """Reword an own item, link it to a clause, or retire it (is_active false); what it applies to is fixed."""
    _require_unit_manager(actor, item.organization_id)
    unknown = set(changes) - set(CHECK_ITEM_UPDATABLE_FIELDS)
    if unknown:
        raise ValidationError({field: _("该字段不能修改。") for field in sorted(unknown)})
    with transaction.atomic():
        item = lock_for_update(item)
        check_version(item, expected_version)
        diff = apply_changes(item, dict(changes), _validate_check_item)
        if diff:
            record_event("check_item.updated", actor=actor, obj=item, data={"changes": display_diff(item, diff)})
    return item


# -- executing a task ----------------------------------------------------------------------------------------------

NOTE_MAX = 500


def _describe_key(key: tuple[int | None, str]) -> str:
    equipment_id, code = key
    return (
        code
        if equipment_id is None
        else _("%(code)s（设备 %(equipment)s）") % {"code": code, "equipment": equipment_id}
    )


def _describe_keys(keys: Iterable[tuple[int | None, str]]) -> str:
    return "、".join(_describe_key(key) for key in sorted(keys, key=lambda key: (key[0] or 0, key[1])))


def _pk(value) -> int | None:
    if value is None or value == "":
        return None
    return int(getattr(value, "pk", value))


def _photos_of(task: InvestigationTask, photos: Iterable) -> tuple[list[Attachment], bool]:
    """The photos as attachments of the task's unit; False when one is not."""
    ids = [_pk(photo) for photo in photos or []]
    ids = list(dict.fromkeys(pk for pk in ids if pk is not None))
    if not ids:
        # Most items carry no photo: building (and abandoning) a query for each would cost more than the item.
        return [], True
    found = Attachment.objects.filter(pk__in=ids, organization_id=task.organization_id).in_bulk()
    return [found[pk] for pk in ids if pk in found], len(found) == len(ids)


@dataclass
class _Answer:
    item: ChecklistItem
    outcome: str
    note: str
    photos: list[Attachment]


def _check_answers(task: InvestigationTask, checklist: list[ChecklistItem], results: Iterable[Mapping]) -> list:
    expected = {item.key: item for item in checklist}
    answers: dict[tuple[int | None, str], _Answer] = {}
    unknown, repeated, problems = [], [], []
    for result in results:
        try:
            key = (_pk(result.get("equipment")), str(result.get("item_code") or "").strip())
        except (TypeError, ValueError):
            problems.append(_("设备须为设备的数字 id。"))
            continue
        if key not in expected:
            unknown.append(key)
            continue
        if key in answers:
            repeated.append(key)
            continue
        outcome = result.get("outcome")
        note = (result.get("note") or "").strip()
        name = _describe_key(key)
        if outcome not in Outcome.values:
            problems.append(
                _("检查项 %(item)s 的结论须为 ok（符合）、not_ok（不符合）或 na（不适用）。") % {"item": name}
            )
        elif outcome == Outcome.NOT_OK and not note:
            problems.append(_("检查项 %(item)s 不符合，请说明发现的问题。") % {"item": name})
        if len(note) > NOTE_MAX:
            problems.append(_("检查项 %(item)s 的说明不超过 %(max)s 字。") % {"item": name, "max": NOTE_MAX})
        photos, all_found = _photos_of(task, result.get("photos"))
        if not all_found:
            problems.append(_("检查项 %(item)s 的照片须为本单位上传的附件。") % {"item": name})
        answers[key] = _Answer(expected[key], outcome, note, photos)
    missing = [key for key in expected if key not in answers]
    messages = []
    if unknown:
        messages.append(_("本任务的检查清单中没有这些检查项：%(items)s。") % {"items": _describe_keys(unknown)})
    if repeated:
        messages.append(_("这些检查项提交了不止一次：%(items)s。") % {"items": _describe_keys(repeated)})
    if missing:
        messages.append(_("这些检查项还没有结论：%(items)s。") % {"items": _describe_keys(missing)})
    messages += problems
    if messages:
        raise ValidationError({"results": messages})
    return [answers[item.key] for item in checklist]


def do_execute_task(
    *,
    actor: User,
    task: InvestigationTask,
    results: Iterable[Mapping],
    note: str = "",
    decisions: str = "",
    attendees: str = "",
    expected_version: int | None,
) -> InvestigationTask:
    """Record a task's check: every item of its checklist answered once (ok / not_ok with what was found / na), with
    photos of the unit; a failed item becomes a hidden hazard. The monthly meeting records its decisions and who
    attended. A daily check with no failed item is the day's zero-risk report (零风险报告, Order 74)."""
    require_executor(actor, task)
    results = list(results or [])
    note = (note or "").strip()
    decisions = (decisions or "").strip()
    attendees = (attendees or "").strip()
    with transaction.atomic():
        task = lock_for_update(task)
        if task.status == TaskStatus.DONE:
            raise InvalidTransition(
                _("该排查任务已是“%(status)s”状态，不能再次提交。") % {"status": task.get_status_display()}
            )
        check_version(task, expected_version)
        errors = {}
        if task.kind == InvestigationKind.MONTHLY:
            if not decisions:
                errors["decisions"] = _("请填写调度会议的决定和下月工作安排。")
            if not attendees:
                errors["attendees"] = _("请填写参会人员。")
        if len(attendees) > 500:
            errors["attendees"] = _("参会人员不超过 500 字。")
        try:
            answers = _check_answers(task, checklist_for_task(task), results)
        except ValidationError as refused:
            errors.update(refused.message_dict)
        if errors:
            raise ValidationError(errors)

        now = timezone.now()
        rows = CheckResult.objects.bulk_create(
            [
                CheckResult(
                    task=task,
                    equipment_id=answer.item.equipment_id,
                    item_source=answer.item.item_source,
                    item_code=answer.item.item_code,
                    text=answer.item.text[:500],
                    standard=answer.item.standard[:500],
                    gb45067_clause=answer.item.gb45067_clause,
                    outcome=answer.outcome,
                    note=answer.note,
                    checked_by=actor,
                    checked_at=now,
                )
                for answer in answers
            ]
        )
        CheckResult.photos.through.objects.bulk_create(
            [
                CheckResult.photos.through(checkresult_id=row.pk, attachment_id=photo.pk)
                for row, answer in zip(rows, answers, strict=True)
                for photo in answer.photos
            ]
        )
        hazards = []
        failed = [row for row in rows if row.outcome == Outcome.NOT_OK]
        if failed:
            from .services import hazard_from_check_result

            hazards = [hazard_from_check_result(result=row, actor=actor).pk for row in failed]

        task.status = TaskStatus.DONE
        task.completed_by = actor
        task.completed_at = now
        task.note = note
        task.decisions = decisions
        task.attendees = attendees
        task.version += 1
        task.save(update_fields=["status", "completed_by", "completed_at", "note", "decisions", "attendees", "version"])
        counts = {outcome: sum(1 for row in rows if row.outcome == outcome) for outcome in Outcome.values}
        completed_on: date = timezone.localdate(now)
        record_event(
            "investigation_task.completed",
            actor=actor,
            obj=task,
            data={
                "kind": task.kind,
                "equipment": task.equipment_id,
                "period_start": task.period_start,
                "due_on": task.due_on,
                "late": completed_on > task.due_on,
                "items": len(rows),
                "ok": counts[Outcome.OK],
                "not_ok": counts[Outcome.NOT_OK],
                "na": counts[Outcome.NOT_APPLICABLE],
                "hazards": hazards,
                # 零风险报告: the daily check found nothing wrong, and says so.
                "zero_risk_report": task.kind == InvestigationKind.DAILY and not failed,
            },
        )
    return task
