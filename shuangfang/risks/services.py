"""Risk services: identifying risks (by hand or from the template library), assessing and grading them,
controlling them at the right level, and flagging them for reassessment.

Each function checks the caller's role, runs in one transaction, writes its rows and appends one
event.  The equipment's `risk_level` (its highest current risk) is kept current here, set-based.
"""

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Action, Role
from shuangfang.core.events import record_event
from shuangfang.core.models import Attachment
from shuangfang.core.services import InvalidTransition, PermissionDenied, check_version, lock_for_update
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import Equipment

from . import library, rules
from .choices import IdentificationMethod, MeasureKind, RiskPointKind
from .models import Risk, RiskAssessment, RiskPoint, SitePlan


def _profile() -> rules.ProvinceProfile:
    return rules.profile(settings.PROVINCE_PROFILE)


def _require(actor: User) -> None:
    if not actor.may(Action.MANAGE_RISKS):
        raise PermissionDenied(_("您的角色不能维护风险分级管控信息。"))


def _own_unit(actor: User):
    if actor.organization is None:
        raise PermissionDenied(_("您的角色不能维护风险分级管控信息。"))
    return actor.organization


# -- risk points ---------------------------------------------------------------------------------------------------


def point_for_equipment(equipment: Equipment) -> RiskPoint:
    """The equipment's risk point (one device, one file), created when first needed."""
    point, _created = RiskPoint.objects.get_or_create(
        equipment=equipment,
        defaults={
            "organization_id": equipment.organization_id,
            "region_id": equipment.region_id,
            "kind": RiskPointKind.EQUIPMENT,
            "name": f"{equipment.name}（{equipment.code}）",
            "location": equipment.site,
        },
    )
    return point


def do_create_risk_point(*, actor: User, data: dict) -> RiskPoint:
    """A site or an operation as a risk point; equipment become risk points by themselves."""
    _require(actor)
    organization = _own_unit(actor)
    kind = data.get("kind")
    errors = {}
    if kind not in (RiskPointKind.SITE, RiskPointKind.ACTIVITY):
        errors["kind"] = _("请选择场所区域或作业活动；设备自动成为风险点。")
    if not (data.get("name") or "").strip():
        errors["name"] = _("请填写风险点名称。")
    if errors:
        raise ValidationError(errors)
    point = RiskPoint(
        organization=organization,
        region_id=organization.region_id,
        kind=kind,
        name=data["name"].strip(),
        location=(data.get("location") or "").strip(),
    )
    with transaction.atomic():
        point.save()
        record_event("risk_point.created", actor=actor, obj=point, data={"kind": kind, "name": point.name})
    return point


def do_place_risk_point(
    *, actor: User, point: RiskPoint, site_plan: SitePlan | None, x, y, expected_version
) -> RiskPoint:
    """Put a risk point on a site plan (or take it off with site_plan None) for the four-colour map."""
    _require(actor)
    errors = {}
    if site_plan is not None:
        if site_plan.organization_id != point.organization_id:
            errors["site_plan"] = _("平面图须属于本单位。")
        for name, value in (("plan_x", x), ("plan_y", y)):
            if value is None or not 0 <= float(value) <= 1:
                errors[name] = _("位置须在平面图范围内（0 到 1 之间）。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        point = lock_for_update(point)
        check_version(point, expected_version)
        point.site_plan = site_plan
        point.plan_x = round(float(x), 5) if site_plan else None
        point.plan_y = round(float(y), 5) if site_plan else None
        point.version += 1
        point.save(update_fields=["site_plan", "plan_x", "plan_y", "version"])
        record_event(
            "risk_point.placed",
            actor=actor,
            obj=point,
            data={"site_plan": site_plan.pk if site_plan else None, "x": point.plan_x, "y": point.plan_y},
        )
    return point


def do_add_site_plan(*, actor: User, name: str, image: Attachment) -> SitePlan:
    _require(actor)
    organization = _own_unit(actor)
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("请填写平面图名称。")
    if image is None or image.organization_id != organization.pk:
        errors["image"] = _("请先上传本单位的平面图图片。")
    elif not image.content_type.startswith("image/"):
        errors["image"] = _("平面图须为 JPEG 或 PNG 图片。")
    if errors:
        raise ValidationError(errors)
    plan = SitePlan(organization=organization, region_id=organization.region_id, name=name.strip(), image=image)
    with transaction.atomic():
        plan.save()
        record_event("site_plan.added", actor=actor, obj=plan, data={"name": plan.name, "image": image.pk})
    return plan


# -- assessing and grading -----------------------------------------------------------------------------------------


def _clean_measures(measures) -> list[dict]:
    if not isinstance(measures, list):
        raise ValidationError({"measures": _("管控措施须为列表。")})
    cleaned = []
    for position, measure in enumerate(measures, start=1):
        if not isinstance(measure, dict):
            raise ValidationError({"measures": _("第 %(n)d 条管控措施格式不正确。") % {"n": position}})
        kind = measure.get("kind")
        text = str(measure.get("text") or "").strip()
        if kind not in MeasureKind.values:
            raise ValidationError(
                {
                    "measures": _("第 %(n)d 条管控措施的类别须为：%(kinds)s。")
                    % {"n": position, "kinds": "、".join(MeasureKind.values)}
                }
            )
        if not text:
            raise ValidationError({"measures": _("第 %(n)d 条管控措施没有内容。") % {"n": position}})
        cleaned.append({"kind": kind, "text": text[:500], "check": bool(measure.get("check", False))})
    if not cleaned:
        raise ValidationError({"measures": _("至少需要一条管控措施。")})
    return cleaned


def _grade(risk: Risk, actor: User) -> None:
    """Assess, grade and check the control of a risk held in memory; raises one ValidationError with every problem."""
    profile = _profile()
    errors: dict[str, str] = {}
    try:
        assessment = rules.assess(risk.method, risk.factors, profile)
    except rules.InvalidFactors as invalid:
        errors.update({"factors": "；".join(invalid.errors.values())})
        assessment = None
    except ValueError:
        errors["method"] = _("评价方法须为 LEC、LS 或 MES。")
        assessment = None
    if assessment is not None:
        risk.factors = {name: _plain_number(value) for name, value in assessment.factors.items()}
        risk.score = assessment.score
        risk.level = assessment.level
        owner_roles = risk.owner.roles if risk.owner is not None else []
        errors.update(rules.control_problems(risk.level, risk.control_level, owner_roles, profile))
        below = bool(risk.minimum_level) and rules.level_rank(risk.level) < rules.level_rank(risk.minimum_level)
        risk.graded_below_minimum = below
        if below and not (risk.below_minimum_justification or "").strip():
            errors["below_minimum_justification"] = _(
                "该风险的辨识模板要求至少为“%(minimum)s”，评价为“%(level)s”须书面说明理由（将报送辖区监管部门）。"
            ) % {"minimum": rules.LEVEL_LABELS[risk.minimum_level], "level": rules.LEVEL_LABELS[risk.level]}
    if risk.owner is not None and risk.owner.organization_id != risk.organization_id:
        errors["owner"] = _("责任人须为本单位人员。")
    if not (risk.hazard_source or "").strip():
        errors["hazard_source"] = _("请填写危险源（危险有害因素）。")
    if not (risk.title or "").strip():
        errors["title"] = _("请填写风险名称。")
    if risk.accident_type and risk.accident_type not in library.ACCIDENT_TYPE_NAMES:
        errors["accident_type"] = _("事故类型须为 GB 6441-1986 的代码 01–20。")
    if errors:
        raise ValidationError(errors)
    risk.next_review_on = rules.next_review_on(risk.level, risk.reviewed_on, profile)


def _plain_number(value):
    """Factors are stored as JSON numbers: integers stay integers, 0.5 stays 0.5."""
    return int(value) if value == int(value) else float(value)


RISK_FIELDS = (
    "title",
    "hazard_source",
    "consequence",
    "accident_type",
    "identification_method",
    "method",
    "factors",
    "control_level",
    "owner",
    "measures",
    "emergency_actions",
    "below_minimum_justification",
)


def do_create_risk(
    *, actor: User, point: RiskPoint | None = None, data: dict, equipment: Equipment | None = None
) -> Risk:
    """A risk of a risk point, or of an equipment: its risk point is then created with the risk, so that a refused
    or invalid request leaves nothing behind."""
    if (point is None) == (equipment is None):
        raise TypeError("do_create_risk needs exactly one of point and equipment")
    _require(actor)
    subject = point if point is not None else equipment
    if subject.organization_id != actor.organization_id:
        raise PermissionDenied(_("只能为本单位的风险点辨识风险。"))
    values = {field: data[field] for field in RISK_FIELDS if field in data}
    values["measures"] = _clean_measures(values.get("measures", []))
    risk = Risk(
        organization_id=subject.organization_id,
        region_id=subject.region_id,
        risk_point=point,
        equipment_id=point.equipment_id if point is not None else equipment.pk,
        reviewed_on=timezone.localdate(),
        **values,
    )
    _grade(risk, actor)
    with transaction.atomic():
        if point is None:
            risk.risk_point = point_for_equipment(equipment)
        risk.save()
        _keep_assessment(risk, actor, _("首次评价"))
        refresh_equipment_risk_levels([risk.equipment_id])
        record_event("risk.created", actor=actor, obj=risk, data=_event_facts(risk))
    return risk


def do_update_risk(*, actor: User, risk: Risk, changes: dict, expected_version: int | None, reason: str = "") -> Risk:
    """Change a risk; a change of method or factors is a reassessment, kept in the history with its reason."""
    _require(actor)
    unknown = set(changes) - set(RISK_FIELDS)
    if unknown:
        raise ValidationError({field: _("该字段不能修改。") for field in unknown})
    if "measures" in changes:
        changes["measures"] = _clean_measures(changes["measures"])
    with transaction.atomic():
        risk = lock_for_update(risk)
        _require_active(risk)
        check_version(risk, expected_version)
        before = _event_facts(risk)
        for field, value in changes.items():
            setattr(risk, field, value)
        reassessed = (
            any(field in changes for field in ("method", "factors", "control_level")) or risk.needs_reassessment
        )
        if reassessed:
            risk.reviewed_on = timezone.localdate()
        _grade(risk, actor)
        if reassessed:
            if risk.needs_reassessment and not (reason or "").strip():
                raise ValidationError(
                    {
                        "reason": _("该风险已标记为需重新评价（%(why)s），请说明本次评价的依据。")
                        % {"why": risk.reassessment_reason}
                    }
                )
            risk.needs_reassessment = False
            risk.reassessment_reason = ""
        risk.version += 1
        risk.save()
        if reassessed:
            _keep_assessment(risk, actor, reason or _("重新评价"))
        refresh_equipment_risk_levels([risk.equipment_id])
        after = _event_facts(risk)
        record_event(
            "risk.reassessed" if reassessed else "risk.updated",
            actor=actor,
            obj=risk,
            data={"before": before, "after": after, "reason": reason},
        )
    return risk


def do_retire_risk(*, actor: User, risk: Risk, reason: str, expected_version: int | None) -> Risk:
    """A risk that no longer exists (the hazard source was removed): kept in the history, not in the list."""
    _require(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请说明原因。")})
    with transaction.atomic():
        risk = lock_for_update(risk)
        _require_active(risk)
        check_version(risk, expected_version)
        risk.is_active = False
        risk.version += 1
        risk.save(update_fields=["is_active", "version", "updated_at"])
        refresh_equipment_risk_levels([risk.equipment_id])
        record_event("risk.retired", actor=actor, obj=risk, data={"reason": reason})
    return risk


def _require_active(risk: Risk) -> None:
    # A retired risk is history: changing or retiring it again would rewrite what the unit once declared.
    if not risk.is_active:
        raise InvalidTransition(_("该风险已撤销，不能修改。"))


def _keep_assessment(risk: Risk, actor: User, reason: str) -> None:
    RiskAssessment.objects.create(
        risk=risk,
        method=risk.method,
        factors=risk.factors,
        score=risk.score,
        level=risk.level,
        control_level=risk.control_level,
        reason=reason[:500],
        assessed_by=actor,
    )


def _event_facts(risk: Risk) -> dict:
    return {
        "risk_point": risk.risk_point_id,
        "equipment": risk.equipment_id,
        "title": risk.title,
        "method": risk.method,
        "factors": risk.factors,
        "score": str(risk.score),
        "level": risk.level,
        "control_level": risk.control_level,
        "owner": risk.owner_id,
        "below_minimum": risk.graded_below_minimum,
    }


# -- the equipment's level -------------------------------------------------------------------------------------------


def refresh_equipment_risk_levels(equipment_ids: Iterable[int | None]) -> None:
    """Set each equipment's risk_level to its highest active risk, in one UPDATE."""
    ids = [pk for pk in set(equipment_ids) if pk is not None]
    if not ids:
        return
    rank = Case(
        *(When(level=level, then=Value(rules.level_rank(level))) for level in rules.LEVELS),
        output_field=IntegerField(),
    )
    highest = (
        Risk.objects.filter(equipment_id=OuterRef("pk"), is_active=True)
        .annotate(rank=rank)
        .order_by("-rank")
        .values("level")[:1]
    )
    Equipment.objects.filter(pk__in=ids).update(risk_level=Subquery(highest))


# -- reassessment triggers -----------------------------------------------------------------------------------------


def flag_for_reassessment(*, equipment_id: int, reason: str) -> int:
    """Mark the equipment's active risks as needing reassessment (after an accident, a major hazard, a failed
    periodic inspection or a modification).  Part of the caller's transaction and event; returns the count."""
    return Risk.objects.filter(equipment_id=equipment_id, is_active=True).update(
        needs_reassessment=True, reassessment_reason=reason[:200]
    )


# -- the template library ----------------------------------------------------------------------------------------------


def _default_owner(organization_id: int, level: str) -> User | None:
    """Who owns a risk applied from a template: the principal for a major risk (the 116号 rule), the safety
    director for a significant one, a safety officer otherwise."""
    wanted = {"major": Role.PRINCIPAL, "significant": Role.SAFETY_DIRECTOR}.get(level, Role.SAFETY_OFFICER)
    candidates = User.objects.filter(organization_id=organization_id, is_active=True).order_by("id")
    for user in candidates:
        if wanted in user.roles:
            return user
    return None


def do_apply_templates(
    *, actor: User, equipment: list[Equipment], template_codes: list[str] | None = None
) -> list[Risk]:
    """Identify the risks of many equipment at once from the template library: for each in-use equipment, each
    template of its catalog code (or only those named) that it does not have yet.  Set-based: the number of
    queries does not grow with the number of equipment."""
    _require(actor)
    organization = _own_unit(actor)
    # An equipment named twice is identified once.
    equipment = list({item.pk: item for item in equipment}.values())
    if not equipment:
        raise ValidationError({"equipment": _("请选择设备。")})
    foreign = [item.code for item in equipment if item.organization_id != organization.pk]
    if foreign:
        raise PermissionDenied(_("只能为本单位的设备辨识风险。"))
    not_in_use = [item.code for item in equipment if item.status != EquipmentStatus.IN_USE]
    if not_in_use:
        raise ValidationError(
            {"equipment": _("以下设备不在用，无需辨识：%(codes)s") % {"codes": "、".join(not_in_use[:20])}}
        )
    if template_codes is not None:
        known = {template.code for template in library.RISK_TEMPLATES}
        unknown = [code for code in template_codes if code not in known]
        if unknown:
            raise ValidationError({"templates": _("没有这些辨识模板：%(codes)s") % {"codes": "、".join(unknown)}})
    profile = _profile()
    owners = {level: _default_owner(organization.pk, level) for level in rules.LEVELS}
    if owners["major"] is None:
        needs_principal = [
            template.code
            for item in equipment
            for template in library.templates_for(item.category_id)
            if (template_codes is None or template.code in template_codes)
            and rules.assess(template.method, template.factors, profile).level == "major"
        ]
        if needs_principal:
            raise ValidationError(
                {"owner": _("本单位尚无“主要负责人”账户：重大风险须由主要负责人负责，请先在用户管理中设置主要负责人。")}
            )
    today = timezone.localdate()
    with transaction.atomic():
        points = _points_for(equipment)
        existing = set(
            Risk.objects.filter(equipment__in=equipment, is_active=True)
            .exclude(template_code="")
            .values_list("equipment_id", "template_code")
        )
        risks = []
        for item in equipment:
            for template in library.templates_for(item.category_id):
                if template_codes is not None and template.code not in template_codes:
                    continue
                if (item.pk, template.code) in existing:
                    continue
                risks.append(_risk_from_template(template, item, points[item.pk], owners, profile, today))
        Risk.objects.bulk_create(risks, batch_size=500)
        RiskAssessment.objects.bulk_create(
            [
                RiskAssessment(
                    risk=risk,
                    method=risk.method,
                    factors=risk.factors,
                    score=risk.score,
                    level=risk.level,
                    control_level=risk.control_level,
                    reason=_("按辨识模板 %(code)s 评价") % {"code": risk.template_code},
                    assessed_by=actor,
                )
                for risk in risks
            ],
            batch_size=500,
        )
        refresh_equipment_risk_levels(item.pk for item in equipment)
        record_event(
            "risk.templates_applied",
            actor=actor,
            organization=organization,
            data={
                "equipment": [item.pk for item in equipment],
                "risks": [risk.pk for risk in risks],
                "templates": sorted({risk.template_code for risk in risks}),
            },
        )
    return risks


def _points_for(equipment: list[Equipment]) -> dict[int, RiskPoint]:
    points = {point.equipment_id: point for point in RiskPoint.objects.filter(equipment__in=equipment)}
    missing = [
        RiskPoint(
            organization_id=item.organization_id,
            region_id=item.region_id,
            kind=RiskPointKind.EQUIPMENT,
            name=f"{item.name}（{item.code}）",
            equipment=item,
            location=item.site,
        )
        for item in equipment
        if item.pk not in points
    ]
    RiskPoint.objects.bulk_create(missing, batch_size=500)
    # bulk_create sets primary keys on SQLite 3.35+ and PostgreSQL; read back to be sure on every backend.
    if missing:
        points = {point.equipment_id: point for point in RiskPoint.objects.filter(equipment__in=equipment)}
    return points


def template_facts(template) -> dict:
    """The fields a risk takes from its identification template as they are (the grading is computed)."""
    return {
        "template_code": template.code,
        "title": template.title,
        "hazard_source": template.hazard_source,
        "consequence": template.consequence,
        "accident_type": template.accident_types[0] if template.accident_types else "",
        "identification_method": template.identification_method or IdentificationMethod.SCL,
        "method": template.method,
    }


def _risk_from_template(template, equipment: Equipment, point: RiskPoint, owners, profile, today: date) -> Risk:
    assessment = rules.assess(template.method, template.factors, profile)
    level = assessment.level
    return Risk(
        organization_id=equipment.organization_id,
        region_id=equipment.region_id,
        risk_point=point,
        equipment=equipment,
        **template_facts(template),
        factors={name: _plain_number(value) for name, value in assessment.factors.items()},
        score=assessment.score,
        level=level,
        control_level=rules.minimum_control_level(level, profile),
        owner=owners.get(level),
        measures=[{"kind": m.kind, "text": m.text, "check": m.check} for m in template.measures],
        emergency_actions=template.emergency_actions,
        minimum_level=template.minimum_level or "",
        graded_below_minimum=False,
        reviewed_on=today,
        next_review_on=rules.next_review_on(level, today, profile),
    )
