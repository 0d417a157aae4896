"""The blacklist (黑名单, 晋市监发〔2022〕116号): candidates computed from the data by the rules of supervision.rules, a
regulator's confirmation (列入), the lifting (移出: 信用修复 or the term ended) and the daily expiry.

Who may: the inspectors and administrators of a regulator whose jurisdiction covers the unit list and lift; the
regulator's leader reads (the same split as 挂牌督办).  Units read their own entries; the public list shows the active
ones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core.events import record_event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import InvalidTransition, PermissionDenied, check_version, lock_for_update
from shuangfang.hazards.choices import OPEN_STATUSES, HazardGrade
from shuangfang.hazards.models import Hazard
from shuangfang.notifications.recipients import people_of
from shuangfang.notifications.services import notify, platform_language
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization

from . import rules
from .choices import BlacklistReason, BlacklistStatus
from .models import Accident, BlacklistEntry

EXPIRED_LIFT_REASON = "期满自动移出"
MAX_DETAIL = 4000


def term_overrides() -> dict:
    return getattr(settings, "BLACKLIST_TERM_YEARS", None) or {}


def default_until(reason: str, listed_on: date) -> date:
    return rules.default_until(reason, listed_on, term_overrides())


def entry_link(entry: BlacklistEntry) -> str:
    return reverse("supervision:blacklist-entry", args=[entry.pk])


# -- who may ------------------------------------------------------------------------------------------------------


def check_may_blacklist(actor: User) -> None:
    """Listing and lifting belong to a regulator's inspectors and administrators; its leader reads."""
    if scope_of(actor).kind != ScopeKind.REGULATOR or not actor.has_role(Role.INSPECTOR, Role.REGULATOR_ADMIN):
        raise PermissionDenied(_("只有监管部门的监察人员或管理员可以列入或移出黑名单。"))


def _covers(actor: User, region_code: str) -> bool:
    return region_code.startswith(scope_of(actor).region_prefix)


# -- candidates ---------------------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A unit the rules name for the blacklist under one rule, with the records that make it one."""

    organization: Organization
    rule: rules.BlacklistRule
    accidents: list[Accident] = field(default_factory=list)
    hazards: list[Hazard] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return self.rule.reason

    @property
    def first_accident(self) -> Accident | None:
        return self.accidents[0] if self.accidents else None

    @property
    def first_hazard(self) -> Hazard | None:
        return self.hazards[0] if self.hazards else None


def blacklist_candidates(user: User, today: date | None = None) -> list[Candidate]:
    """The units of the user's scope that meet a rule and are not already listed for that reason: a few set-based
    queries whatever the number of units (one per fact, one for the active entries)."""
    today = today or timezone.localdate()
    accident_rules = [r for r in rules.BLACKLIST_RULES if r.fact == rules.ACCIDENT]
    starts = [rules.window_start(r, today) for r in accident_rules]
    earliest = None if any(s is None for s in starts) else min(starts, default=today)
    accidents = Accident.objects.visible_to(user).filter(occurred_at__date__lte=today).select_related("equipment")
    if earliest is not None:
        accidents = accidents.filter(occurred_at__date__gte=earliest)
    accidents = list(accidents.order_by("-occurred_at")) if accident_rules else []
    hazards = list(
        Hazard.objects.visible_to(user)
        .filter(grade=HazardGrade.MAJOR, status__in=OPEN_STATUSES, deadline__lt=today)
        .select_related("equipment")
        .order_by("deadline", "pk")
    )
    by_unit: dict[int, dict] = defaultdict(lambda: {"accidents": [], "hazards": []})
    for accident in accidents:
        by_unit[accident.organization_id]["accidents"].append(accident)
    for hazard in hazards:
        by_unit[hazard.organization_id]["hazards"].append(hazard)
    if not by_unit:
        return []
    units = {
        unit.pk: unit
        for unit in Organization.objects.filter(pk__in=by_unit, kind__in=EQUIPMENT_OWNING_KINDS).select_related(
            "region"
        )
    }
    listed = set(
        BlacklistEntry.objects.filter(organization_id__in=units, status=BlacklistStatus.ACTIVE).values_list(
            "organization_id", "reason"
        )
    )
    candidates = []
    for unit_id, found in by_unit.items():
        unit = units.get(unit_id)
        if unit is None:
            continue
        record = rules.UnitRecord(
            accidents=tuple(rules.AccidentFact(a.pk, timezone.localdate(a.occurred_at)) for a in found["accidents"]),
            major_hazards=tuple(rules.MajorHazardFact(h.pk, h.deadline, True) for h in found["hazards"]),
        )
        for match in rules.matches(record, today):
            if (unit_id, match.rule.reason) in listed:
                continue
            ids = set(match.evidence)
            is_accident = match.rule.fact == rules.ACCIDENT
            candidates.append(
                Candidate(
                    organization=unit,
                    rule=match.rule,
                    accidents=[a for a in found["accidents"] if a.pk in ids] if is_accident else [],
                    hazards=[h for h in found["hazards"] if h.pk in ids] if not is_accident else [],
                )
            )
    candidates.sort(key=lambda c: (c.organization.region_id, c.organization.name, c.rule.code))
    return candidates


# -- listing ------------------------------------------------------------------------------------------------------


def do_list_unit(
    *,
    actor: User,
    organization: Organization,
    reason: str,
    detail: str,
    listed_on: date | None = None,
    until: date | None = None,
    accident: Accident | None = None,
    hazard: Hazard | None = None,
) -> BlacklistEntry:
    """列入黑名单: a regulator whose jurisdiction covers the unit lists it for one reason (one active entry per unit and
    reason), on the facts and basis it states, until a date (by default the reason's term)."""
    check_may_blacklist(actor)
    if not _covers(actor, organization.region_id):
        raise PermissionDenied(_("该单位不在您的监管辖区内。"))
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if organization.kind not in EQUIPMENT_OWNING_KINDS:
        errors["organization"] = _("只能将特种设备使用单位列入黑名单（所选单位为%(kind)s）。") % {
            "kind": organization.get_kind_display()
        }
    if reason not in BlacklistReason.values:
        errors["reason"] = _("请选择列入事由。")
    detail = (detail or "").strip()
    if not detail:
        errors["detail"] = _("请写明列入的事实和依据。")
    elif len(detail) > MAX_DETAIL:
        errors["detail"] = _("事实和依据不能超过 %(n)d 字。") % {"n": MAX_DETAIL}
    listed_on = listed_on or today
    if listed_on > today:
        errors["listed_on"] = _("列入日期不能晚于今天。")
    if until is None and reason in BlacklistReason.values:
        until = default_until(reason, listed_on)
    if until is not None and until <= listed_on:
        errors["until"] = _("列入期限必须晚于列入日期 %(date)s。") % {"date": listed_on.isoformat()}
    elif until is not None and until < today:
        errors["until"] = _("列入期限不能早于今天。")
    if accident is not None and accident.organization_id != organization.pk:
        errors["accident"] = _("所选事故不属于该单位。")
    if hazard is not None and hazard.organization_id != organization.pk:
        errors["hazard"] = _("所选隐患不属于该单位。")
    if hazard is not None and reason == BlacklistReason.MAJOR_HAZARD_OVERDUE and hazard.grade != HazardGrade.MAJOR:
        errors["hazard"] = _("“重大事故隐患逾期未整改”须关联一项重大事故隐患。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        organization = lock_for_update(organization)
        if BlacklistEntry.objects.filter(
            organization=organization, reason=reason, status=BlacklistStatus.ACTIVE
        ).exists():
            raise InvalidTransition(
                _("该单位已因“%(reason)s”在黑名单中，不能重复列入。") % {"reason": BlacklistReason(reason).label}
            )
        entry = BlacklistEntry(
            organization=organization,
            region_id=organization.region_id,
            reason=reason,
            detail=detail,
            listed_on=listed_on,
            until=until,
            accident=accident,
            hazard=hazard,
            listed_by=actor,
            listed_by_organization=actor.organization,
        )
        entry.full_clean()
        entry.save()
        record_event(
            "blacklist.listed",
            actor=actor,
            obj=entry,
            data={
                "reason": reason,
                "listed_on": listed_on,
                "until": until,
                "accident": getattr(accident, "pk", None),
                "hazard": getattr(hazard, "pk", None),
                "authority": actor.organization_id,
            },
        )
        with platform_language():
            notify(
                people_of(organization.pk, (Role.PRINCIPAL, Role.SAFETY_DIRECTOR)),
                kind="blacklist.listed",
                key=f"blacklist:{entry.pk}:listed",
                title=_("本单位被列入特种设备安全黑名单：%(reason)s") % {"reason": entry.get_reason_display()},
                body=_("列入部门：%(authority)s；期限至 %(until)s。%(detail)s")
                % {"authority": actor.organization.name, "until": until.isoformat(), "detail": detail[:200]},
                link=entry_link(entry),
            )
    return entry


# -- lifting ------------------------------------------------------------------------------------------------------


def _lift(entry: BlacklistEntry, *, reason: str, actor: User | None, today: date) -> None:
    entry.status = BlacklistStatus.LIFTED
    entry.lifted_on = today
    entry.lift_reason = reason
    entry.lifted_by = actor
    entry.version += 1
    entry.save(update_fields=["status", "lifted_on", "lift_reason", "lifted_by", "version"])


def do_lift_entry(*, actor: User, entry: BlacklistEntry, reason: str, expected_version) -> BlacklistEntry:
    """移出黑名单 before the term ends (信用修复, or a listing revoked): the reason is required."""
    check_may_blacklist(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明移出理由（如信用修复的依据）。")})
    if len(reason) > MAX_DETAIL:
        raise ValidationError({"reason": _("移出理由不能超过 %(n)d 字。") % {"n": MAX_DETAIL}})
    with transaction.atomic():
        entry = lock_for_update(entry)
        if not _covers(actor, entry.region_id):
            raise PermissionDenied(_("该单位不在您的监管辖区内。"))
        check_version(entry, expected_version)
        if entry.status != BlacklistStatus.ACTIVE:
            raise InvalidTransition(
                _("该记录已于 %(date)s 移出黑名单。")
                % {"date": entry.lifted_on.isoformat() if entry.lifted_on else "—"}
            )
        _lift(entry, reason=reason, actor=actor, today=timezone.localdate())
        record_event("blacklist.lifted", actor=actor, obj=entry, data={"reason": reason})
        with platform_language():
            notify(
                people_of(entry.organization_id, (Role.PRINCIPAL, Role.SAFETY_DIRECTOR)),
                kind="blacklist.lifted",
                key=f"blacklist:{entry.pk}:lifted",
                title=_("本单位已移出特种设备安全黑名单：%(reason)s") % {"reason": entry.get_reason_display()},
                body=reason[:200],
                link=entry_link(entry),
            )
    return entry


def expire_entries(today: date | None = None) -> int:
    """The daily job: every active entry whose term ended before today is lifted (期满自动移出); returns how many."""
    today = today or timezone.localdate()
    lifted = 0
    due = BlacklistEntry.objects.filter(status=BlacklistStatus.ACTIVE, until__lt=today).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            entry = BlacklistEntry._base_manager.select_for_update().filter(pk=pk).first()
            if entry is None or entry.status != BlacklistStatus.ACTIVE or entry.until >= today:
                continue
            _lift(entry, reason=EXPIRED_LIFT_REASON, actor=None, today=today)
            record_event("blacklist.expired", obj=entry, data={"until": entry.until})
            lifted += 1
    return lifted


def active_public_entries(today: date | None = None):
    """The public list: entries in force today (the expiry job may not have run yet today)."""
    today = today or timezone.localdate()
    return (
        BlacklistEntry.objects.filter(Q(status=BlacklistStatus.ACTIVE) & Q(until__gte=today))
        .select_related("organization", "listed_by_organization")
        .order_by("-listed_on", "-pk")
    )
