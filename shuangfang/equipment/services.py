"""Equipment services: registering, editing, status changes, periodic inspections, certificates.

Every function checks the caller's role, runs in one transaction, writes its rows and appends
exactly one event.  The web forms, the API, the ledger import and the demo generator call these.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Action
from shuangfang.core.events import record_event
from shuangfang.core.pii import masked_diff
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import (
    InvalidTransition,
    PermissionDenied,
    apply_changes,
    check_version,
    display_diff,
    lock_for_update,
)
from shuangfang.hazards.models import Hazard
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS, OrganizationKind
from shuangfang.orgs.models import Organization
from shuangfang.risks.services import flag_for_reassessment
from shuangfang.safety.compliance import refresh_after_commit

from . import rules
from .choices import FAILING_CONCLUSIONS, Conclusion, EquipmentStatus
from .models import NEXT_DUE_FROM_REPORT, Equipment, OperatorCertificate, PeriodicInspection
from .validation import CatalogFacts, equipment_field_errors, normalise_code

EQUIPMENT_FIELDS = (
    "code",
    "registration_no",
    "category",
    "name",
    "model",
    "serial_no",
    "manufacturer",
    "manufactured_on",
    "commissioned_on",
    "design_life_years",
    "region",
    "site",
    "crowded_place",
    "quick_opening",
    "signaller_required",
    "inspection_due_on",
    "last_inspected_on",
    "inspection_agency",
)


def require(actor: User, action: Action, message: str | None = None) -> None:
    if not actor.may(action):
        raise PermissionDenied(message or _("您的角色不能执行此操作。"))


def owning_organization_for(actor: User, organization: Organization | None) -> Organization:
    """The unit the equipment belongs to: a unit's own; a regulator names a unit in its jurisdiction."""
    scope = scope_of(actor)
    if scope.kind == ScopeKind.UNIT:
        if organization is not None and organization.pk != actor.organization_id:
            raise ValidationError({"organization": _("只能为本单位登记设备。")})
        return actor.organization
    if organization is None:
        raise ValidationError({"organization": _("请选择使用单位。")})
    if not Organization.objects.visible_to(actor).filter(pk=organization.pk).exists():
        raise ValidationError({"organization": _("单位不存在。")})
    if organization.kind not in EQUIPMENT_OWNING_KINDS:
        raise ValidationError({"organization": _("设备只能登记在使用单位或充装单位名下。")})
    return organization


def _as_values(equipment: Equipment) -> dict:
    return {
        "code": equipment.code,
        "name": equipment.name,
        "category": equipment.category_id,
        "region": equipment.region_id,
        "manufactured_on": equipment.manufactured_on,
        "commissioned_on": equipment.commissioned_on,
        "last_inspected_on": equipment.last_inspected_on,
        "inspection_due_on": equipment.inspection_due_on,
        "design_life_years": equipment.design_life_years,
    }


def _validate(equipment: Equipment, actor: User) -> None:
    organization = equipment.organization
    errors = equipment_field_errors(
        _as_values(equipment),
        catalog=CatalogFacts.load(),
        organization_region_prefix=organization.region.prefix,
        today=timezone.localdate(),
    )
    scope = scope_of(actor)
    if scope.kind == ScopeKind.REGULATOR and not equipment.region_id.startswith(scope.region_prefix):
        errors.setdefault("region", _("设备所在地区不在您的辖区内。"))
    agency = equipment.inspection_agency
    if agency is not None and agency.kind != OrganizationKind.INSPECTION_AGENCY:
        errors["inspection_agency"] = _("所选单位不是检验机构。")
    if "code" not in errors:
        holder = Equipment.all_objects.filter(code=equipment.code).exclude(pk=equipment.pk).first()
        if holder is not None:
            errors["code"] = code_taken_message(holder, actor)
    if errors:
        raise ValidationError(errors)


def code_taken_message(holder: Equipment, actor: User) -> str:
    """Why a code cannot be registered again.  The code stays with a deleted device (it is restorable, and the
    code is the device's identity, TSG 08 Annex A): whoever sees that device is told to restore it."""
    if holder.is_deleted and Equipment.all_objects.visible_to(actor).filter(pk=holder.pk).exists():
        return _(
            "设备代码 %(code)s 属于已删除的设备“%(name)s”（%(date)s 删除），不能重复登记；"
            "如需继续使用，请在回收站恢复该设备。"
        ) % {"code": holder.code, "name": holder.name, "date": timezone.localtime(holder.deleted_at).date()}
    return _("设备代码 %(code)s 已登记。") % {"code": holder.code}


def do_register_equipment(*, actor: User, data: dict) -> Equipment:
    require(actor, Action.MANAGE_EQUIPMENT, _("您的角色不能登记设备。"))
    organization = owning_organization_for(actor, data.get("organization"))
    values = {field: data[field] for field in EQUIPMENT_FIELDS if field in data}
    values["code"] = normalise_code(values.get("code", ""))
    if not values.get("region"):
        values["region"] = organization.region
    equipment = Equipment(organization=organization, **values)
    _validate(equipment, actor)
    with transaction.atomic():
        equipment.save()
        record_event(
            "equipment.registered",
            actor=actor,
            obj=equipment,
            data={"code": equipment.code, "category": equipment.category_id, "name": equipment.name},
        )
        # The unit's duties follow its equipment: a forklift needs a certified driver, 20 units a full-time officer.
        refresh_after_commit(organization.pk)
    return equipment


def do_update_equipment(
    *, actor: User, equipment: Equipment, changes: dict, expected_version: int | None, modification: str = ""
) -> Equipment:
    """Change the equipment's facts.  `modification` describes a 改造 or 重大修理 done to it (TSG 08 change
    registration): its risks are then flagged for reassessment."""
    require(actor, Action.MANAGE_EQUIPMENT, _("您的角色不能修改设备。"))
    unknown = set(changes) - set(EQUIPMENT_FIELDS)
    if unknown:
        raise ValidationError({field: _("该字段不能在此修改。") for field in unknown})
    if "code" in changes:
        changes["code"] = normalise_code(changes["code"])
    modification = (modification or "").strip()
    with transaction.atomic():
        equipment = lock_for_update(equipment)
        check_version(equipment, expected_version)
        diff = apply_changes(equipment, changes, lambda changed: _validate(changed, actor))
        if "category" in diff:
            Hazard.objects.filter(equipment_id=equipment.pk).take_catalog_codes()
        data = {"changes": display_diff(equipment, diff)}
        if modification:
            data["modification"] = modification
            data["risks_flagged_for_reassessment"] = flag_for_reassessment(
                equipment_id=equipment.pk, reason=_("设备改造或重大修理：%(what)s") % {"what": modification}
            )
        if diff or modification:
            record_event("equipment.updated", actor=actor, obj=equipment, data=data)
            refresh_after_commit(equipment.organization_id)
    return equipment


# The status actions of the contract: action → (states it may start from, state it leads to).
STATUS_TRANSITIONS = {
    "suspend": ({EquipmentStatus.IN_USE}, EquipmentStatus.SUSPENDED, "equipment.suspended"),
    "resume": ({EquipmentStatus.SUSPENDED}, EquipmentStatus.IN_USE, "equipment.resumed"),
    "scrap": ({EquipmentStatus.IN_USE, EquipmentStatus.SUSPENDED}, EquipmentStatus.SCRAPPED, "equipment.scrapped"),
}


def do_change_equipment_status(
    *, actor: User, equipment: Equipment, action: str, reason: str, expected_version: int | None
) -> Equipment:
    """停用 / 恢复使用 / 报废 (TSG 08: suspension notice within 30 days, scrap and deregistration)."""
    require(actor, Action.MANAGE_EQUIPMENT, _("您的角色不能变更设备状态。"))
    if action not in STATUS_TRANSITIONS:
        raise ValidationError({"action": _("未知的操作：%(action)s") % {"action": action}})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明原因。")})
    sources, target, event_type = STATUS_TRANSITIONS[action]
    with transaction.atomic():
        equipment = lock_for_update(equipment)
        check_version(equipment, expected_version)
        if equipment.status not in sources:
            raise InvalidTransition(
                _("设备当前状态为“%(state)s”，不能执行此操作。") % {"state": equipment.get_status_display()}
            )
        before = equipment.status
        apply_changes(equipment, {"status": target})
        record_event(
            event_type,
            actor=actor,
            obj=equipment,
            data={"status": [before, target], "reason": reason},
        )
        refresh_after_commit(equipment.organization_id)
    return equipment


def next_due_for(
    equipment: Equipment, *, inspected_on: date, conclusion: str, safety_grade: int | None
) -> rules.NextDue:
    try:
        return rules.compute_next_due(
            category=equipment.category_id,
            inspected_on=inspected_on,
            commissioned_on=equipment.commissioned_on,
            conclusion=conclusion,
            safety_grade=safety_grade,
            region_code=equipment.region_id,
            overrides=settings.INSPECTION_INTERVAL_OVERRIDES,
        )
    except ValueError as error:
        # No interval rule for this catalog code (or a grade outside the table): the report's date is needed.
        raise ValidationError(
            {
                "next_due_on": _("设备类别 %(code)s 没有适用的检验周期规则，请填写报告中的下次检验日期。")
                % {"code": equipment.category_id}
            }
        ) from error


def do_record_inspection(*, actor: User, equipment: Equipment, data: dict) -> PeriodicInspection:
    """Record a periodic (or first / supervisory) inspection and move the equipment's dates.

    特种设备安全法 art 40: equipment whose inspection failed or lapsed must not be used.
    """
    require(actor, Action.RECORD_INSPECTION, _("您的角色不能录入检验记录。"))
    scope = scope_of(actor)
    agency = data.get("agency")
    if scope.kind == ScopeKind.AGENCY:
        agency = actor.organization
    elif agency is not None and agency.kind != OrganizationKind.INSPECTION_AGENCY:
        raise ValidationError({"agency": _("所选单位不是检验机构。")})
    inspected_on = data.get("inspected_on")
    conclusion = data.get("conclusion")
    errors = {}
    if inspected_on is None:
        errors["inspected_on"] = _("请填写检验日期。")
    elif inspected_on > timezone.localdate():
        errors["inspected_on"] = _("检验日期不能晚于今天。")
    safety_grade = data.get("safety_grade")
    if safety_grade is not None and not 1 <= safety_grade <= 5:
        errors["safety_grade"] = _("安全状况等级须为 1 至 5 级。")
    next_due_on = data.get("next_due_on")
    if next_due_on and inspected_on and next_due_on <= inspected_on:
        errors["next_due_on"] = _("下次检验日期须晚于检验日期。")
    if next_due_on and conclusion in FAILING_CONCLUSIONS:
        # 特种设备安全法 art 40: failed equipment may not be used until re-inspected, so it has no due date.
        errors["next_due_on"] = _("检验结论为不合格时没有下次检验日期：设备须整改并复检合格后方可使用。")
    if errors:
        raise ValidationError(errors)
    rule_text = NEXT_DUE_FROM_REPORT
    if next_due_on is None:
        computed = next_due_for(equipment, inspected_on=inspected_on, conclusion=conclusion, safety_grade=safety_grade)
        if computed.due_on is None and conclusion not in FAILING_CONCLUSIONS:
            # A passing inspection whose interval the rules cannot give (a pressure vessel without its safety
            # grade, grade 4 monitored use): the date must come from the report, not be left empty.
            raise ValidationError(
                {
                    "next_due_on": _(
                        "按规则无法确定下次检验日期（%(rule)s），请填写安全状况等级或报告中的下次检验日期。"
                    )
                    % {"rule": computed.rule.label if computed.rule else equipment.category_id}
                }
            )
        next_due_on = computed.due_on
        rule_text = computed.rule.citation if computed.rule else ""
    with transaction.atomic():
        equipment = lock_for_update(equipment)
        inspection = PeriodicInspection.objects.create(
            equipment=equipment,
            organization_id=equipment.organization_id,
            region_id=equipment.region_id,
            agency=agency,
            kind=data.get("kind") or "periodic",
            inspected_on=inspected_on,
            conclusion=conclusion,
            safety_grade=safety_grade,
            next_due_on=next_due_on,
            next_due_rule=rule_text[:255],
            report_no=data.get("report_no", ""),
            findings=data.get("findings", ""),
            recorded_by=actor,
        )
        diff = {}
        # A report older than the latest one on file is history: it does not move the dates back.
        if equipment.last_inspected_on is None or inspected_on >= equipment.last_inspected_on:
            diff = apply_changes(equipment, {"last_inspected_on": inspected_on, "inspection_due_on": next_due_on})
        flagged = 0
        if conclusion in FAILING_CONCLUSIONS:
            # A failed periodic inspection puts the equipment's risk grading in doubt: reassess it.
            flagged = flag_for_reassessment(
                equipment_id=equipment.pk, reason=_("定期检验结论为%(c)s") % {"c": Conclusion(conclusion).label}
            )
        # A failed inspection of in-use equipment is a major hazard by itself (GB 45067-2024), and the agency's
        # findings are hazards of the unit: registered in the same transaction as the record.
        from shuangfang.hazards.services import do_record_findings, hazard_from_inspection

        hazards = []
        if conclusion in FAILING_CONCLUSIONS and equipment.status == EquipmentStatus.IN_USE:
            inspection.equipment = equipment
            failed_hazard = hazard_from_inspection(inspection=inspection, actor=actor)
            hazards += [failed_hazard] if failed_hazard is not None else []
        if data.get("hazard_findings"):
            hazards += do_record_findings(actor=actor, inspection=inspection, findings=data["hazard_findings"])
        record_event(
            "periodic_inspection.recorded",
            actor=actor,
            obj=inspection,
            organization=equipment.organization,
            region_code=equipment.region_id,
            data={
                "equipment": equipment.pk,
                "conclusion": conclusion,
                "inspected_on": inspected_on,
                "next_due_on": next_due_on,
                "agency": agency.pk if agency else None,
                "equipment_changes": display_diff(equipment, diff),
                "risks_flagged_for_reassessment": flagged,
                "hazards": [hazard.pk for hazard in hazards],
            },
        )
    return inspection


CERTIFICATE_FIELDS = ("holder_name", "holder", "id_number", "item", "cert_no", "issued_on", "expires_on")


def _validate_certificate(certificate: OperatorCertificate) -> None:
    errors = {}
    if certificate.issued_on and certificate.expires_on and certificate.expires_on <= certificate.issued_on:
        errors["expires_on"] = _("有效期至须晚于发证日期。")
    if certificate.issued_on and certificate.issued_on > timezone.localdate():
        errors["issued_on"] = _("发证日期不能晚于今天。")
    if not (certificate.holder_name or "").strip():
        errors["holder_name"] = _("请填写持证人姓名。")
    if not (certificate.cert_no or "").strip():
        errors["cert_no"] = _("请填写证书编号。")
    id_number = certificate.id_number or ""
    if not id_number or len(id_number) > 32:
        errors["id_number"] = _("请填写证件号码。")
    if certificate.holder is not None and certificate.holder.organization_id != certificate.organization_id:
        errors["holder"] = _("持证人须为本单位用户。")
    duplicate = OperatorCertificate.all_objects.filter(item=certificate.item, cert_no=certificate.cert_no).exclude(
        pk=certificate.pk
    )
    holder = duplicate.first() if "cert_no" not in errors else None
    if holder is not None and holder.is_deleted and holder.organization_id == certificate.organization_id:
        errors["cert_no"] = _(
            "该项目下证书编号属于一张已删除的作业人员证，不能重复添加；如需继续使用，请在回收站恢复该证。"
        )
    elif holder is not None:
        errors["cert_no"] = _("该项目下证书编号已存在。")
    if errors:
        raise ValidationError(errors)


def do_add_certificate(*, actor: User, data: dict) -> OperatorCertificate:
    require(actor, Action.MANAGE_CERTIFICATES, _("您的角色不能维护作业人员证。"))
    organization = actor.organization
    certificate = OperatorCertificate(
        organization=organization,
        region_id=organization.region_id,
        **{field: data[field] for field in CERTIFICATE_FIELDS if field in data},
    )
    _validate_certificate(certificate)
    with transaction.atomic():
        certificate.save()
        record_event(
            "certificate.added",
            actor=actor,
            obj=certificate,
            data={"item": certificate.item_id, "cert_no": certificate.cert_no, "expires_on": certificate.expires_on},
        )
        refresh_after_commit(organization.pk)
    return certificate


def do_update_certificate(
    *, actor: User, certificate: OperatorCertificate, changes: dict, expected_version: int | None
) -> OperatorCertificate:
    require(actor, Action.MANAGE_CERTIFICATES, _("您的角色不能维护作业人员证。"))
    unknown = set(changes) - set(CERTIFICATE_FIELDS)
    if unknown:
        raise ValidationError({field: _("该字段不能修改。") for field in unknown})
    with transaction.atomic():
        certificate = lock_for_update(certificate)
        check_version(certificate, expected_version)
        diff = apply_changes(certificate, changes, _validate_certificate)
        if diff:
            safe = masked_diff(display_diff(certificate, diff))
            record_event("certificate.updated", actor=actor, obj=certificate, data={"changes": safe})
            refresh_after_commit(certificate.organization_id)
    return certificate
