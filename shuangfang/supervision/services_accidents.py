"""Recording a special-equipment accident (《特种设备安全法》 ch. 5; 《特种设备事故报告和调查处理规定》) by a regulator
whose jurisdiction covers the unit.  The record starts the reverse tracing (倒查, supervision.tracing) and marks the
equipment's risks for reassessment (晋市监发〔2022〕116号: an accident means the risks were not identified or not
controlled)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core.events import record_event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import PermissionDenied
from shuangfang.equipment.models import Equipment
from shuangfang.notifications.recipients import people_of
from shuangfang.notifications.services import notify, platform_language
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization
from shuangfang.risks.library import ACCIDENT_TYPE_NAMES
from shuangfang.risks.services import flag_for_reassessment

from .choices import AccidentSeverity
from .models import Accident

CASUALTY_FIELDS = ("deaths", "serious_injuries", "minor_injuries")


def accident_link(accident: Accident) -> str:
    return reverse("supervision:accident", args=[accident.pk])


def accident_type_label(code: str) -> str:
    return ACCIDENT_TYPE_NAMES.get(code, code)


def check_may_record_accident(actor: User) -> None:
    """Accidents are recorded by a regulator's inspectors and administrators; its leader reads."""
    if scope_of(actor).kind != ScopeKind.REGULATOR or not actor.has_role(Role.INSPECTOR, Role.REGULATOR_ADMIN):
        raise PermissionDenied(_("只有监管部门的监察人员可以登记事故。"))


def _count(value, label: str, errors: dict, field: str) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        errors[field] = _("%(label)s须为整数。") % {"label": label}
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = _("%(label)s须为整数。") % {"label": label}
        return 0
    if number != value and str(number) != str(value).strip():
        errors[field] = _("%(label)s须为整数。") % {"label": label}
        return 0
    if number < 0:
        errors[field] = _("%(label)s不能为负数。") % {"label": label}
    return number


def _loss(value, errors: dict) -> Decimal:
    if value is None or value == "":
        return Decimal("0")
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors["direct_loss"] = _("直接经济损失须为数字（万元）。")
        return Decimal("0")
    if not amount.is_finite():
        errors["direct_loss"] = _("直接经济损失须为数字（万元）。")
    elif amount < 0:
        errors["direct_loss"] = _("直接经济损失不能为负数。")
    elif amount >= Decimal("10000000000"):
        errors["direct_loss"] = _("直接经济损失过大，请以万元为单位填写。")
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else Decimal("0")


def do_record_accident(
    *,
    actor: User,
    organization: Organization,
    equipment: Equipment | None,
    occurred_at: datetime,
    accident_type: str,
    severity: str,
    description: str,
    deaths=0,
    serious_injuries=0,
    minor_injuries=0,
    direct_loss=0,
) -> Accident:
    """Record an accident of a unit in the actor's jurisdiction; the equipment's risks are flagged for reassessment,
    the unit's principal and safety director are told, and one event is recorded."""
    check_may_record_accident(actor)
    scope = scope_of(actor)
    region = equipment.region_id if equipment is not None else organization.region_id
    if not organization.region_id.startswith(scope.region_prefix) or not region.startswith(scope.region_prefix):
        raise PermissionDenied(_("该单位不在您的监管辖区内。"))
    errors: dict[str, str] = {}
    if organization.kind not in EQUIPMENT_OWNING_KINDS:
        errors["organization"] = _("事故单位须为特种设备使用单位（含充装单位）。")
    if equipment is not None and equipment.organization_id != organization.pk:
        errors["equipment"] = _("该设备不属于所选单位。")
    if occurred_at is None:
        errors["occurred_at"] = _("请填写事故发生时间。")
    else:
        if timezone.is_naive(occurred_at):
            occurred_at = timezone.make_aware(occurred_at)
        if occurred_at > timezone.now():
            errors["occurred_at"] = _("事故发生时间不能晚于现在。")
    if accident_type not in ACCIDENT_TYPE_NAMES:
        errors["accident_type"] = _("事故类型须为 GB 6441-1986 的事故类别（代码 01–20）。")
    if severity not in AccidentSeverity.values:
        errors["severity"] = _("事故等级须为：%(levels)s。") % {
            "levels": "、".join(str(label) for label in AccidentSeverity.labels)
        }
    labels = {"deaths": _("死亡人数"), "serious_injuries": _("重伤人数"), "minor_injuries": _("轻伤人数")}
    counts = {
        "deaths": _count(deaths, labels["deaths"], errors, "deaths"),
        "serious_injuries": _count(serious_injuries, labels["serious_injuries"], errors, "serious_injuries"),
        "minor_injuries": _count(minor_injuries, labels["minor_injuries"], errors, "minor_injuries"),
    }
    loss = _loss(direct_loss, errors)
    description = (description or "").strip()
    if not description:
        errors["description"] = _("请填写事故经过。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        accident = Accident.objects.create(
            organization=organization,
            region_id=region,
            equipment=equipment,
            occurred_at=occurred_at,
            accident_type=accident_type,
            severity=severity,
            description=description,
            direct_loss=loss,
            recorded_by=actor,
            recorded_by_organization=actor.organization,
            **counts,
        )
        local = timezone.localtime(occurred_at)
        flagged = 0
        if equipment is not None:
            flagged = flag_for_reassessment(
                equipment_id=equipment.pk,
                reason=_("%(date)s 发生%(type)s事故")
                % {"date": f"{local:%Y-%m-%d}", "type": accident_type_label(accident_type)},
            )
        record_event(
            "accident.recorded",
            actor=actor,
            obj=accident,
            data={
                "equipment": equipment.pk if equipment is not None else None,
                "occurred_at": occurred_at.isoformat(),
                "accident_type": accident_type,
                "severity": severity,
                **counts,
                "direct_loss": str(loss),
                "risks_flagged": flagged,
            },
        )
        with platform_language():
            notify(
                people_of(organization.pk, (Role.PRINCIPAL, Role.SAFETY_DIRECTOR)),
                kind="accident.recorded",
                key=f"accident:{accident.pk}:recorded",
                title=_("监管部门已登记本单位的特种设备事故"),
                body=_("%(date)s %(type)s（%(severity)s）。相关设备的安全风险须重新评价，请配合事故倒查。")
                % {
                    "date": f"{local:%Y-%m-%d %H:%M}",
                    "type": accident_type_label(accident_type),
                    "severity": accident.get_severity_display(),
                },
                link=accident_link(accident),
            )
    return accident
