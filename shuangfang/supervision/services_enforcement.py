"""Enforcement inspections of a use unit's dual prevention system (双重预防体系执法检查, 晋市监发〔2022〕116号
part (五)) and their orders (监察指令).

The one-action rule: a finding on a checklist item flagged `one_action` (a risk that should have been graded major and
was not, a major risk not controlled at the top level, control measures not carried out) makes, in the same
transaction as the inspection, a major hazard of the unit (hazards.services.do_regulator_finding), lists it for
supervision at the inspecting regulator's level (hazards.services.do_list_hazard) and records a published
stop-and-rectify order linked to both.  An order past its deadline without compliance records the closure
recommendation (逾期仍达不到要求的一律依法予以关闭) through the daily job.

Who may: the inspectors and administrators of a regulator whose jurisdiction covers the unit (the same split as
挂牌督办: the regulator's leader reads).  The unit reads its inspections and orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core.events import record_event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import InvalidTransition, PermissionDenied, check_version, lock_for_update
from shuangfang.equipment.models import Equipment
from shuangfang.hazards import services as hazard_services
from shuangfang.hazards.choices import HazardGrade
from shuangfang.notifications.recipients import people_of, regulator_people
from shuangfang.notifications.services import notify, platform_language
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization

from . import rules_enforcement as rules
from .choices import OrderStatus
from .models import EnforcementInspection, EnforcementOrder

MAX_TEXT = 4000
MAX_ORDERS = 20
UNIT_RECIPIENTS = (Role.PRINCIPAL, Role.SAFETY_DIRECTOR)


def inspection_link(inspection: EnforcementInspection) -> str:
    return reverse("supervision:enforcement-inspection", args=[inspection.pk])


def check_may_enforce(actor: User) -> None:
    """Inspections, orders and their follow-up belong to a regulator's inspectors and administrators."""
    if scope_of(actor).kind != ScopeKind.REGULATOR or not actor.has_role(Role.INSPECTOR, Role.REGULATOR_ADMIN):
        raise PermissionDenied(_("只有监管部门的监察人员可以记录执法检查和监察指令。"))


def _covers(actor: User, region_code: str) -> bool:
    return region_code.startswith(scope_of(actor).region_prefix)


def _text(value, field: str, label: str, errors: dict, *, required: bool) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        errors[field] = _("请填写%(label)s。") % {"label": label}
    elif len(value) > MAX_TEXT:
        errors[field] = _("%(label)s不能超过 %(n)d 字。") % {"label": label, "n": MAX_TEXT}
    return value


def _clean_orders(orders: Iterable[Mapping], today: date, errors: dict) -> list[dict]:
    cleaned = []
    orders = list(orders or [])
    if len(orders) > MAX_ORDERS:
        errors["orders"] = _("一次检查最多下达 %(n)d 条监察指令。") % {"n": MAX_ORDERS}
        return []
    for number, order in enumerate(orders, start=1):
        content = (order.get("content") or "").strip()
        deadline = order.get("deadline")
        if not content:
            errors["orders"] = _("第 %(n)d 条监察指令：请填写指令内容。") % {"n": number}
        elif len(content) > MAX_TEXT:
            errors["orders"] = _("第 %(n)d 条监察指令：内容不能超过 %(max)d 字。") % {"n": number, "max": MAX_TEXT}
        elif not isinstance(deadline, date):
            errors["orders"] = _("第 %(n)d 条监察指令：请填写有效的整改期限。") % {"n": number}
        elif deadline < today:
            errors["orders"] = _("第 %(n)d 条监察指令：整改期限不能早于今天。") % {"n": number}
        else:
            cleaned.append({"content": content, "deadline": deadline, "stop_use": bool(order.get("stop_use"))})
    return cleaned


def _clean_inspectors(actor: User, inspectors: Iterable[User] | None, errors: dict) -> list[User]:
    people = list({person.pk: person for person in (inspectors or [actor])}.values())
    foreign = [
        person.display_name
        for person in people
        if person.organization_id != actor.organization_id or not person.has_role(Role.INSPECTOR, Role.REGULATOR_ADMIN)
    ]
    if foreign:
        errors["inspectors"] = _("执法人员须为本部门的监察人员：%(names)s。") % {"names": "、".join(foreign)}
    return people


def _one_action(
    *,
    actor: User,
    inspection: EnforcementInspection,
    item: rules.CheckItem,
    note: str,
    equipment: Equipment | None,
    deadline: date,
) -> EnforcementOrder:
    """One finding under the one-action rule: the major hazard, its listing at the regulator's level and the
    published stop-and-rectify order — through the hazards services, inside the caller's transaction."""
    description = _("执法检查发现：%(label)s（检查项 %(code)s：%(text)s）。%(note)s") % {
        "label": item.one_action_label,
        "code": item.code,
        "text": item.text,
        "note": note,
    }
    hazard = hazard_services.do_regulator_finding(
        actor=actor,
        organization=inspection.unit,
        equipment=equipment,
        description=description.strip(),
        grade=HazardGrade.MAJOR,
    )
    requirements = _("依据%(citation)s，一律确定为重大事故隐患并挂牌督办；责令停止使用、限期整改。") % {
        "citation": rules.NOTICE_116
    }
    listing = hazard_services.do_list_hazard(
        actor=actor,
        hazard=hazard,
        level=hazard_services.listing_level_of(actor.organization),
        deadline=deadline,
        requirements=requirements,
    )
    content = _("%(label)s：责令停止使用相关特种设备、停产停业整改，于 %(deadline)s 前整改完毕并报告。%(note)s") % {
        "label": item.one_action_label,
        "deadline": deadline.isoformat(),
        "note": note,
    }
    return EnforcementOrder.objects.create(
        inspection=inspection,
        organization=actor.organization,
        region_id=inspection.region_id,
        unit=inspection.unit,
        content=content.strip(),
        stop_use=True,
        deadline=deadline,
        hazard=hazard,
        listing=listing,
        published=True,
    )


def do_record_inspection(
    *,
    actor: User,
    unit: Organization,
    inspected_on: date | None,
    results: Mapping[str, str],
    notes: Mapping[str, str] | None = None,
    findings: str = "",
    orders: Iterable[Mapping] = (),
    inspectors: Iterable[User] | None = None,
    equipment: Equipment | None = None,
    one_action_deadline: date | None = None,
) -> EnforcementInspection:
    """Record an enforcement inspection of a unit in the actor's jurisdiction: the checklist results (item code →
    ok / finding / na), per-item notes, the findings, the orders with their deadlines, and — for every one-action
    finding — a major hazard listed for supervision with a published stop-and-rectify order.  All or nothing."""
    check_may_enforce(actor)
    if not _covers(actor, unit.region_id):
        raise PermissionDenied(_("该单位不在您的监管辖区内。"))
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if unit.kind not in EQUIPMENT_OWNING_KINDS:
        errors["unit"] = _("只能对特种设备使用单位进行双重预防体系执法检查（所选单位为%(kind)s）。") % {
            "kind": unit.get_kind_display()
        }
    inspected_on = inspected_on or today
    if inspected_on > today:
        errors["inspected_on"] = _("检查日期不能晚于今天。")
    results = dict(results or {})
    errors.update(rules.check_results(results, inspected_on))
    notes = {code: str(text or "").strip() for code, text in (notes or {}).items() if str(text or "").strip()}
    unknown_notes = sorted(code for code in notes if code not in rules.CHECK_ITEMS)
    if unknown_notes:
        errors["notes"] = _("不是检查表中的检查项：%(codes)s。") % {"codes": "、".join(unknown_notes)}
    findings = _text(findings, "findings", _("发现的问题"), errors, required=False)
    found = rules.findings_of(results) if "results" not in errors else []
    if found and not findings and not any(notes.get(item.code) for item in found):
        errors["findings"] = _("有“发现问题”的检查项时，请写明发现的问题。")
    cleaned_orders = _clean_orders(orders, today, errors)
    people = _clean_inspectors(actor, inspectors, errors)
    if equipment is not None and equipment.organization_id != unit.pk:
        errors["equipment"] = _("该设备不属于被检查单位。")
    one_action = rules.one_action_findings(results) if "results" not in errors else []
    if one_action:
        one_action_deadline = one_action_deadline or today + timedelta(days=rules.DEFAULT_ONE_ACTION_DAYS)
        if one_action_deadline < today:
            errors["one_action_deadline"] = _("限期整改的期限不能早于今天。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        inspection = EnforcementInspection.objects.create(
            organization=actor.organization,
            region_id=unit.region_id,
            unit=unit,
            inspected_on=inspected_on,
            results=results,
            findings=_findings_text(findings, found, notes),
            created_by=actor,
        )
        inspection.inspectors.set(people)
        created = [
            EnforcementOrder.objects.create(
                inspection=inspection,
                organization=actor.organization,
                region_id=unit.region_id,
                unit=unit,
                **order,
            )
            for order in cleaned_orders
        ]
        for item in one_action:
            created.append(
                _one_action(
                    actor=actor,
                    inspection=inspection,
                    item=item,
                    note=notes.get(item.code, ""),
                    equipment=equipment,
                    deadline=one_action_deadline,
                )
            )
        record_event(
            "enforcement.inspected",
            actor=actor,
            obj=inspection,
            data={
                "unit": unit.pk,
                "inspected_on": inspected_on,
                "findings": [item.code for item in found],
                "one_action": [item.code for item in one_action],
                "orders": [order.pk for order in created],
                "hazards": [order.hazard_id for order in created if order.hazard_id],
                "listings": [order.listing_id for order in created if order.listing_id],
            },
        )
        if created:
            with platform_language():
                notify(
                    people_of(unit.pk, UNIT_RECIPIENTS),
                    kind="enforcement.orders",
                    key=f"enforcement:{inspection.pk}:orders",
                    title=_("监管部门下达监察指令 %(n)d 条") % {"n": len(created)},
                    body=_("%(authority)s于 %(date)s 对本单位进行双重预防体系执法检查。%(stop)s")
                    % {
                        "authority": actor.organization.name,
                        "date": inspected_on.isoformat(),
                        "stop": _("其中责令停止使用、限期整改的 %(n)d 条，已挂牌督办并公开。") % {"n": len(one_action)}
                        if one_action
                        else "",
                    },
                    link=inspection_link(inspection),
                )
    return inspection


def _findings_text(findings: str, found: list[rules.CheckItem], notes: Mapping[str, str]) -> str:
    """The inspector's summary followed by one line per finding item (with its note), so the record reads alone."""
    lines = [findings] if findings else []
    for item in found:
        note = notes.get(item.code, "")
        lines.append(f"[{item.code}] {item.text}" + (f"：{note}" if note else ""))
    return "\n".join(lines)


def do_record_compliance(*, actor: User, order: EnforcementOrder, follow_up: str, expected_version) -> EnforcementOrder:
    """The regulator's follow-up finds the order complied with (已整改).  An order under the one-action rule is complied
    with only when its major hazard is closed (the listing's verification by the listing authority)."""
    check_may_enforce(actor)
    errors: dict[str, str] = {}
    follow_up = _text(follow_up, "follow_up", _("跟踪情况"), errors, required=True)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = lock_for_update(order)
        if not _covers(actor, order.region_id):
            raise PermissionDenied(_("该单位不在您的监管辖区内。"))
        check_version(order, expected_version)
        if order.status != OrderStatus.ISSUED:
            raise InvalidTransition(
                _("该监察指令的状态为“%(status)s”，不能再记录整改完成。") % {"status": order.get_status_display()}
            )
        if order.hazard_id and order.hazard.is_open:
            raise InvalidTransition(
                _("关联的重大事故隐患尚未整改销号（状态为“%(status)s”），不能记录监察指令已整改。")
                % {"status": order.hazard.get_status_display()}
            )
        order.status = OrderStatus.COMPLIED
        order.follow_up = follow_up
        order.closed_at = timezone.now()
        order.version += 1
        order.save(update_fields=["status", "follow_up", "closed_at", "version"])
        record_event("enforcement_order.complied", actor=actor, obj=order, data={"follow_up": follow_up})
        with platform_language():
            notify(
                people_of(order.unit_id, UNIT_RECIPIENTS),
                kind="enforcement.complied",
                key=f"enforcement_order:{order.pk}:complied",
                title=_("监察指令已确认整改完成"),
                body=follow_up[:200],
                link=inspection_link(order.inspection),
            )
    return order


def recommend_closures(today: date | None = None) -> int:
    """The daily job: every order issued and past its deadline without compliance records the closure recommendation
    (逾期仍达不到要求的，一律依法予以关闭), with an event and a notice to the unit and to the regulators of its region.
    Returns how many."""
    today = today or timezone.localdate()
    marked = 0
    due = EnforcementOrder.objects.filter(status=OrderStatus.ISSUED, deadline__lt=today).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            order = (
                EnforcementOrder._base_manager.select_for_update()
                .select_related("unit", "inspection")
                .filter(pk=pk)
                .first()
            )
            if order is None or order.status != OrderStatus.ISSUED or not rules.past_deadline(order.deadline, today):
                continue
            order.status = OrderStatus.CLOSURE_RECOMMENDED
            order.closed_at = timezone.now()
            order.version += 1
            order.save(update_fields=["status", "closed_at", "version"])
            record_event(
                "enforcement_order.closure_recommended",
                obj=order,
                data={"deadline": order.deadline, "hazard": order.hazard_id, "listing": order.listing_id},
            )
            title = _("监察指令逾期未整改，提出关闭建议：%(unit)s") % {"unit": order.unit.name}
            body = _(
                "整改期限 %(deadline)s 已过，未确认整改完成。依据%(citation)s，逾期仍达不到要求的，依法予以关闭。"
            ) % {
                "deadline": order.deadline.isoformat(),
                "citation": rules.NOTICE_116,
            }
            link = inspection_link(order.inspection)
            with platform_language():
                notify(
                    regulator_people(order.region_id),
                    kind="enforcement.closure_recommended",
                    key=f"enforcement_order:{order.pk}:closure",
                    title=title,
                    body=body,
                    link=link,
                )
                notify(
                    people_of(order.unit_id, UNIT_RECIPIENTS),
                    kind="enforcement.closure_recommended",
                    key=f"enforcement_order:{order.pk}:closure",
                    title=title,
                    body=body,
                    link=link,
                )
            marked += 1
    return marked


# The public list --------------------------------------------------------------------------------------------------


def published_orders(*, region_prefix: str = "", status: str = ""):
    """The public list of orders (一公开): the published ones only — those of the one-action rule — the latest first,
    with everything the list shows read in the same query (the unit, its region, the issuing regulator, the listing,
    the inspection's date).  `region_prefix` narrows to a region and the regions below it, `status` to one status."""
    orders = EnforcementOrder.objects.filter(published=True)
    if region_prefix:
        orders = orders.filter(region__code__startswith=region_prefix)
    if status:
        orders = orders.filter(status=status)
    return orders.select_related("unit", "region", "organization", "listing", "inspection").order_by(
        "-inspection__inspected_on", "-pk"
    )
