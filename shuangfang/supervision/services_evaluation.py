"""Evaluation of a unit's dual prevention system (the scoring table of supervision.rules_evaluation) and the
demonstration enterprises (示范企业, 晋市监发〔2022〕116号).

Who may:
- a self-evaluation (单位自评): the unit's principal, safety director, safety officers or administrator, of their
  own unit;
- a regulator's evaluation: an inspector or administrator of a regulator whose jurisdiction covers the unit;
- nominating and revoking a demonstration enterprise: an inspector or administrator of the city regulator (a county or
  province regulator may not nominate; a province's may not revoke either: the city decides its 1–2 per category).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import UNIT_MANAGERS, Role
from shuangfang.core.events import record_event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import InvalidTransition, PermissionDenied, check_version, lock_for_update
from shuangfang.equipment.choices import CatalogLevel, EquipmentStatus, InspectionState, RiskLevel
from shuangfang.equipment.models import CatalogEntry, Equipment, inspection_state_q
from shuangfang.equipment.rules import category_of
from shuangfang.hazards.choices import OPEN_STATUSES, HazardGrade
from shuangfang.hazards.models import Hazard
from shuangfang.notifications.recipients import people_of
from shuangfang.notifications.services import notify, platform_language
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS, RegionLevel
from shuangfang.orgs.models import Organization, Region
from shuangfang.risks.choices import ControlLevel
from shuangfang.risks.models import Risk

from . import rules_evaluation as rules
from .choices import AccidentSeverity, BlacklistStatus, EvaluationKind
from .models import Accident, BlacklistEntry, DemonstrationEnterprise, Evaluation

FIRST_YEAR = 2018  # Order 74's predecessors: evaluations of the mechanism do not predate it
MAX_REASON = 2000
UNIT_NOTIFIED = (Role.PRINCIPAL, Role.SAFETY_DIRECTOR, Role.SAFETY_OFFICER)

SCORE_MESSAGES = {
    "missing": "请为此项打分，或标为不适用。",
    "not_a_number": "得分须为数字。",
    "negative": "得分不能为负数。",
    "above_max": "得分不能超过本项分值 %(points)s 分。",
    "precision": "得分最多保留一位小数。",
    "not_na": "此项适用于所有单位，不能标为不适用。",
    "unknown": "评分表中没有此项。",
    "none_applicable": "至少要有一项适用的评分项。",
}


def evaluation_link(evaluation: Evaluation) -> str:
    return reverse("supervision:evaluation", args=[evaluation.pk])


def demonstration_link(demonstration: DemonstrationEnterprise) -> str:
    return reverse("supervision:demonstration", args=[demonstration.pk])


# -- who may ------------------------------------------------------------------------------------------------------


def _covers(actor: User, region_code: str) -> bool:
    return region_code.startswith(scope_of(actor).region_prefix)


def is_regulator_writer(actor: User) -> bool:
    return scope_of(actor).kind == ScopeKind.REGULATOR and actor.has_role(Role.INSPECTOR, Role.REGULATOR_ADMIN)


def check_may_evaluate(actor: User) -> None:
    """A regulator's inspectors and administrators evaluate units; a unit's managers evaluate their own unit."""
    scope = scope_of(actor)
    if (
        scope.kind == ScopeKind.UNIT
        and actor.has_role(*UNIT_MANAGERS)
        and actor.organization.kind in EQUIPMENT_OWNING_KINDS
    ):
        return
    if is_regulator_writer(actor):
        return
    raise PermissionDenied(
        _("只有使用单位的主要负责人、安全总监、安全员或管理员（自评），或监管部门的监察人员、管理员可以评价。")
    )


def kind_for(actor: User) -> str:
    return EvaluationKind.REGULATOR if scope_of(actor).kind == ScopeKind.REGULATOR else EvaluationKind.SELF


def check_may_nominate(actor: User) -> None:
    """示范企业 are the city's: nominated and revoked by the city regulator's inspectors and administrators."""
    if not is_regulator_writer(actor) or actor.organization.jurisdiction.level != RegionLevel.CITY:
        raise PermissionDenied(_("示范企业由设区的市级市场监督管理部门的监察人员或管理员推荐和撤销。"))


# -- facts from the records ---------------------------------------------------------------------------------------


def detected_vetoes(organization: Organization, year: int, today: date | None = None) -> dict[str, str]:
    """The veto items the platform's own records show for the unit (code → what was found), one query per item."""
    today = today or timezone.localdate()
    found: dict[str, str] = {}
    accidents = Accident.objects.filter(organization=organization, occurred_at__year=year).filter(
        Q(deaths__gt=0) | Q(severity__in=[AccidentSeverity.MAJOR, AccidentSeverity.EXTRAORDINARY])
    )
    accident = accidents.order_by("occurred_at").first()
    if accident is not None:
        found["fatal_or_major_accident"] = _("%(date)s 发生%(severity)s，死亡 %(deaths)d 人。") % {
            "date": timezone.localtime(accident.occurred_at).strftime("%Y-%m-%d"),
            "severity": accident.get_severity_display(),
            "deaths": accident.deaths,
        }
    hazards = Hazard.objects.filter(organization=organization, grade=HazardGrade.MAJOR, status__in=OPEN_STATUSES)
    count = hazards.count()
    if count:
        found["unrectified_major_hazard"] = _("有 %(n)d 项重大事故隐患未整改销号。") % {"n": count}
    entry = BlacklistEntry.objects.filter(
        organization=organization, status=BlacklistStatus.ACTIVE, until__gte=today
    ).first()
    if entry is not None:
        found["listed"] = _("因“%(reason)s”在黑名单中，期限至 %(until)s。") % {
            "reason": entry.get_reason_display(),
            "until": entry.until.isoformat(),
        }
    overdue = Equipment.objects.filter(organization=organization, status=EquipmentStatus.IN_USE).filter(
        inspection_state_q(InspectionState.OVERDUE, today) | inspection_state_q(InspectionState.NEVER_INSPECTED, today)
    )
    count = overdue.count()
    if count:
        found["unregistered_or_uninspected"] = _("有 %(n)d 台在用设备超期未检或未检验。") % {"n": count}
    risks = Risk.objects.filter(organization=organization, is_active=True, level=RiskLevel.MAJOR).exclude(
        control_level=ControlLevel.COMPANY
    )
    count = risks.count()
    if count:
        found["major_risk_not_top_level"] = _("有 %(n)d 项重大风险未由公司级管控。") % {"n": count}
    return found


def veto_labels(codes: Iterable[str]) -> list[str]:
    return [_(rules.VETOES_BY_CODE[code].description) for code in codes if code in rules.VETOES_BY_CODE]


# -- evaluating ---------------------------------------------------------------------------------------------------


def _score_errors(scores) -> dict[str, str]:
    if not isinstance(scores, Mapping):
        return {"scores": _("评分须按评分项给出。")}
    problems = rules.scoring_errors(scores)
    errors = {}
    for code, problem in problems.items():
        item = rules.ITEMS_BY_CODE.get(code)
        message = _(SCORE_MESSAGES[problem]) % {"points": item.points if item else ""}
        if code == "__all__":
            errors["scores"] = message
        else:
            label = _("第 %(n)s 项“%(element)s”") % {"n": item.number, "element": _(item.element)} if item else code
            errors[f"score_{code}"] = message
            errors.setdefault("scores", _("%(label)s：%(message)s") % {"label": label, "message": message})
    return errors


def do_evaluate(
    *,
    actor: User,
    organization: Organization,
    year: int | None,
    scores: Mapping[str, object],
    vetoes: Iterable[str] = (),
) -> Evaluation:
    """Record one evaluation of a unit's dual prevention system: the unit's own (自评) when its manager fills it, the
    regulator's when a regulator covering the unit does.  Each item between 0 and its points (or not applicable where
    the table allows it), the score normalised to 100; the veto items the evaluator ticks, plus those the platform's
    records show, are kept with it.  A unit may be evaluated more than once a year: the latest counts."""
    check_may_evaluate(actor)
    kind = kind_for(actor)
    if kind == EvaluationKind.SELF and organization.pk != actor.organization_id:
        raise PermissionDenied(_("单位只能对本单位进行自评。"))
    if kind == EvaluationKind.REGULATOR and not _covers(actor, organization.region_id):
        raise PermissionDenied(_("该单位不在您的监管辖区内。"))
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if organization.kind not in EQUIPMENT_OWNING_KINDS:
        errors["organization"] = _("只能评价特种设备使用单位（所选单位为%(kind)s）。") % {
            "kind": organization.get_kind_display()
        }
    year = year or today.year
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not FIRST_YEAR <= year <= today.year:
        errors["year"] = _("评价年度须在 %(first)d 年到 %(last)d 年之间。") % {"first": FIRST_YEAR, "last": today.year}
    errors.update(_score_errors(scores))
    vetoes = list(vetoes or ())
    unknown = rules.unknown_vetoes(vetoes)
    if unknown:
        errors["vetoes"] = _("没有这些否决项：%(codes)s。") % {"codes": "、".join(unknown)}
    if errors:
        raise ValidationError(errors)
    detected = detected_vetoes(organization, int(year), today)
    held = rules.ordered_vetoes([*vetoes, *detected])
    with transaction.atomic():
        evaluation = Evaluation(
            organization=organization,
            region_id=organization.region_id,
            kind=kind,
            year=int(year),
            scores=rules.clean_scores(scores),
            vetoes=held,
            score=rules.normalised_score(scores),
            evaluated_by=actor,
            evaluator_organization=actor.organization,
        )
        evaluation.full_clean()
        evaluation.save()
        record_event(
            "evaluation.recorded",
            actor=actor,
            obj=evaluation,
            data={
                "kind": kind,
                "year": evaluation.year,
                "score": str(evaluation.score),
                "vetoes": held,
                "vetoes_detected": sorted(detected),
            },
        )
        if kind == EvaluationKind.REGULATOR:
            with platform_language():
                notify(
                    people_of(organization.pk, UNIT_NOTIFIED),
                    kind="evaluation.recorded",
                    key=f"evaluation:{evaluation.pk}",
                    title=_("%(authority)s对本单位双重预防机制作出 %(year)d 年度评价：%(score)s 分")
                    % {"authority": actor.organization.name, "year": evaluation.year, "score": evaluation.score},
                    body=_("否决项：%(vetoes)s") % {"vetoes": "、".join(veto_labels(held)) or _("无")},
                    link=evaluation_link(evaluation),
                )
    return evaluation


def latest_regulator_evaluation(organization: Organization, year: int) -> Evaluation | None:
    return (
        Evaluation.objects.filter(organization=organization, year=year, kind=EvaluationKind.REGULATOR)
        .order_by("-created_at", "-pk")
        .first()
    )


# -- demonstration enterprises ------------------------------------------------------------------------------------


def city_of(region_code: str) -> Region | None:
    """The city (设区的市) a county's or city's code belongs to."""
    return Region.objects.filter(code=region_code[:4] + "00", level=RegionLevel.CITY).first()


def categories_of(organization: Organization) -> list[CatalogEntry]:
    """The equipment categories (种类) of the unit's in-use equipment: those it may be a demonstration for."""
    codes = {
        category_of(code)
        for code in Equipment.objects.filter(organization=organization, status=EquipmentStatus.IN_USE).values_list(
            "category_id", flat=True
        )
    }
    return list(CatalogEntry.objects.filter(code__in=codes, level=CatalogLevel.CATEGORY).order_by("code"))


def active_demonstrations():
    return DemonstrationEnterprise.objects.filter(revoked_at__isnull=True)


def do_nominate_demonstration(
    *, actor: User, organization: Organization, equipment_category: str, year: int | None = None
) -> DemonstrationEnterprise:
    """推荐示范企业: the city regulator names a unit of the city for an equipment category and year, only when its
    latest regulator evaluation of that year scores at least 80 with no veto item (and the records show none), and the
    city has fewer than two demonstration enterprises of the category that year."""
    check_may_nominate(actor)
    if not _covers(actor, organization.region_id):
        raise PermissionDenied(_("该单位不在本市辖区内。"))
    today = timezone.localdate()
    try:
        year = int(year or today.year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("年度应为四位年份。")}) from None
    errors: dict[str, str] = {}
    if organization.kind not in EQUIPMENT_OWNING_KINDS:
        errors["organization"] = _("只能推荐特种设备使用单位（所选单位为%(kind)s）。") % {
            "kind": organization.get_kind_display()
        }
    if year not in (today.year, today.year - 1):
        errors["year"] = _("只能推荐本年度或上一年度的示范企业。")
    category = CatalogEntry.objects.filter(code=equipment_category or "", level=CatalogLevel.CATEGORY).first()
    if category is None:
        errors["equipment_category"] = _("请选择设备种类（如 3000 电梯）。")
    elif category.code not in {c.code for c in categories_of(organization)}:
        errors["equipment_category"] = _("该单位没有在用的%(category)s，不能作为该类设备的示范企业。") % {
            "category": category.name
        }
    if errors:
        raise ValidationError(errors)
    evaluation = latest_regulator_evaluation(organization, year)
    if evaluation is None:
        raise ValidationError(
            {"organization": _("该单位 %(year)d 年度还没有监管部门的评价，须先评价。") % {"year": year}}
        )
    if evaluation.score < rules.PASS_MARK_DEMONSTRATION:
        raise ValidationError(
            {
                "organization": _(
                    "该单位 %(year)d 年度最近一次监管部门评价得分 %(score)s 分，低于示范企业的 %(mark)s 分。"
                )
                % {"year": year, "score": evaluation.score, "mark": rules.PASS_MARK_DEMONSTRATION}
            }
        )
    vetoes = rules.ordered_vetoes([*evaluation.vetoes, *detected_vetoes(organization, year, today)])
    if vetoes:
        raise ValidationError(
            {
                "organization": _("该单位存在否决项，不能推荐为示范企业：%(vetoes)s。")
                % {"vetoes": "、".join(veto_labels(vetoes))}
            }
        )
    city = city_of(organization.region_id)
    if city is None:
        raise ValidationError({"organization": _("找不到该单位所在的设区的市。")})
    with transaction.atomic():
        # One city, one category, one year at a time: the count below and the insert are not raced.
        Region.objects.select_for_update().filter(pk=city.pk).first()
        current = list(
            active_demonstrations()
            .filter(city=city, equipment_category=category.code, year=year)
            .select_related("organization")
            .order_by("pk")
        )
        if any(d.organization_id == organization.pk for d in current):
            raise InvalidTransition(
                _("该单位已是 %(year)d 年度%(category)s示范企业。") % {"year": year, "category": category.name}
            )
        if len(current) >= rules.DEMONSTRATIONS_PER_CATEGORY_PER_CITY:
            raise InvalidTransition(
                _(
                    "%(city)s %(year)d 年度%(category)s示范企业已有 %(n)d 家（%(names)s），"
                    "每市每类设备最多 %(max)d 家；须先撤销一家才能再推荐。"
                )
                % {
                    "city": city.name,
                    "year": year,
                    "category": category.name,
                    "n": len(current),
                    "names": "、".join(d.organization.name for d in current),
                    "max": rules.DEMONSTRATIONS_PER_CATEGORY_PER_CITY,
                }
            )
        demonstration = DemonstrationEnterprise(
            organization=organization,
            region_id=organization.region_id,
            city=city,
            equipment_category=category.code,
            year=year,
            evaluation=evaluation,
            nominated_by=actor,
            nominated_by_organization=actor.organization,
        )
        demonstration.full_clean()
        demonstration.save()
        record_event(
            "demonstration.nominated",
            actor=actor,
            obj=demonstration,
            data={
                "equipment_category": category.code,
                "year": year,
                "city": city.code,
                "evaluation": evaluation.pk,
                "score": str(evaluation.score),
            },
        )
        with platform_language():
            notify(
                people_of(organization.pk, UNIT_NOTIFIED),
                kind="demonstration.nominated",
                key=f"demonstration:{demonstration.pk}:nominated",
                title=_("本单位被评为 %(year)d 年度%(category)s双重预防机制示范企业")
                % {"year": year, "category": category.name},
                body=_("推荐部门：%(authority)s。") % {"authority": actor.organization.name},
                link=demonstration_link(demonstration),
            )
    return demonstration


def do_revoke_demonstration(
    *, actor: User, demonstration: DemonstrationEnterprise, reason: str, expected_version
) -> DemonstrationEnterprise:
    """撤销示范企业 (an accident, a major hazard, a worse evaluation …): by the city regulator, with the reason."""
    check_may_nominate(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明撤销理由。")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("撤销理由不能超过 %(n)d 字。") % {"n": MAX_REASON}})
    with transaction.atomic():
        demonstration = lock_for_update(demonstration)
        if not _covers(actor, demonstration.city_id):
            raise PermissionDenied(_("该示范企业不属于本市。"))
        check_version(demonstration, expected_version)
        if demonstration.revoked_at is not None:
            raise InvalidTransition(
                _("该示范企业已于 %(date)s 撤销。") % {"date": timezone.localdate(demonstration.revoked_at).isoformat()}
            )
        demonstration.revoked_at = timezone.now()
        demonstration.revoke_reason = reason
        demonstration.version += 1
        demonstration.save(update_fields=["revoked_at", "revoke_reason", "version"])
        record_event("demonstration.revoked", actor=actor, obj=demonstration, data={"reason": reason})
        with platform_language():
            notify(
                people_of(demonstration.organization_id, UNIT_NOTIFIED),
                kind="demonstration.revoked",
                key=f"demonstration:{demonstration.pk}:revoked",
                title=_("本单位的 %(year)d 年度示范企业称号已撤销") % {"year": demonstration.year},
                body=reason[:200],
                link=demonstration_link(demonstration),
            )
    return demonstration


def public_demonstrations(year: int | None = None):
    """The public list: demonstration enterprises not revoked, of a year (by default this year's)."""
    year = year or timezone.localdate().year
    return (
        active_demonstrations()
        .filter(year=year)
        .select_related("organization", "city", "nominated_by_organization")
        .order_by("city_id", "equipment_category", "organization__name")
    )


def category_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(CatalogEntry.objects.filter(code__in=set(codes)).values_list("code", "name"))
