"""The compliance panel: what a use unit owes by the rule tables (safety.rules) and lacks in its data.

`findings(unit, today)` reads the unit's data and returns its gaps; `refresh_unit` keeps the ComplianceGap rows equal
to them — opening new gaps, closing those the data no longer shows — so that a regulator counts open gaps by kind with
one indexed query.  The services call `refresh_after_commit` after every change of the unit's file; the daily job
refreshes every unit, because dates pass (certificates expire, drills fall due) without anyone changing anything.

An operator gap (a device in use without a certified operator) also registers a hazard (source `system`) when the
gap opens — once, not on every refresh: the gap row carries the hazard while it stays open.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shuangfang.core.events import record_event
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import Equipment, OperatorCertificate
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization

from . import rules
from .choices import AppointmentRole, AttemptStatus, EmergencyPlanKind, ExamKind, GapKind
from .models import (
    ComplianceGap,
    Drill,
    EmergencyPlan,
    ExamAttempt,
    MonitoringPoint,
    Reading,
    SafetyDocument,
    SafetyProfile,
    TrainingSession,
    UnitLicence,
)
from .selectors import current_appointments

TSG_08_MANAGER = "TSG 08-2017《特种设备使用管理规则》2.4.1"
ORDER_74_TRAINING = rules.ORDER_74 + "第八十一条、第一百四十七条"
# Order 74 art 81/147 asks for training and tests of the roles; a unit with no training in this many days has a gap.
TRAINING_INTERVAL_DAYS = 365


@dataclass(frozen=True)
class Finding:
    kind: str
    key: str
    message: str
    citation: str
    equipment_id: int | None = None
    person_id: int | None = None


@functools.lru_cache(maxsize=64)
def category_label(code: str) -> str:
    """The catalog name of a category code; the catalog is reference data, so the answer is kept per process."""
    from shuangfang.equipment.models import CatalogEntry

    entry = CatalogEntry.objects.filter(code=code).only("name").first()
    return entry.name if entry else code


# -- facts ----------------------------------------------------------------------------------------------------------


def unit_facts(unit: Organization, profile: SafetyProfile | None = None) -> rules.UnitFacts:
    in_use = Equipment.objects.filter(organization=unit, status=EquipmentStatus.IN_USE)
    by_category = dict(in_use.values_list("category_id").annotate(n=Count("id")).order_by())
    crowded = in_use.filter(crowded_place=True, category__code__startswith="3").count()
    if profile is None:
        profile = SafetyProfile.objects.filter(organization=unit).first()
    return rules.UnitFacts(
        kind=unit.kind,
        equipment_by_category=by_category,
        crowded_elevators=crowded,
        public_elevator_business=bool(profile and profile.public_elevator_business),
        public_ride_business=bool(profile and profile.public_ride_business),
        power_station_boiler=bool(profile and profile.power_station_boiler),
        petrochemical_plant=bool(profile and profile.petrochemical_plant),
        boiler_over_2_5_mpa=bool(profile and profile.boiler_over_2_5_mpa),
        industrial_piping_km=float(profile.industrial_piping_km) if profile else 0.0,
    )


def _valid_items_by_person(unit_id: int, today: date) -> dict[int, set[str]]:
    held: dict[int, set[str]] = defaultdict(set)
    for holder_id, item in OperatorCertificate.objects.filter(
        organization_id=unit_id, holder__isnull=False, expires_on__gte=today
    ).values_list("holder_id", "item_id"):
        held[holder_id].add(item)
    return held


# -- the findings ---------------------------------------------------------------------------------------------------


def findings(unit: Organization, today: date | None = None) -> list[Finding]:
    """Every gap of the unit today, in a fixed order (the panel's order)."""
    today = today or timezone.localdate()
    profile = SafetyProfile.objects.filter(organization=unit).first()
    facts = unit_facts(unit, profile)
    found: list[Finding] = []
    found += _staffing(unit, facts, profile, today)
    found += _licences(unit, today)
    found += _appointments(unit, facts, today)
    found += _documents(unit, facts, today)
    found += _operators(unit, today)
    found += _emergency(unit, facts, today)
    found += _training(unit, today)
    found += _monitoring(unit)
    return found


def _conditions(triggered: list[rules.StaffingRule]) -> str:
    return "；".join(_(rule.condition) for rule in triggered)


def _staffing(unit, facts, profile, today) -> list[Finding]:
    triggers = rules.staffing_triggers(facts)
    appointments = list(current_appointments(unit.pk, None, today))
    a_holders = {person for person, items in _valid_items_by_person(unit.pk, today).items() if "A" in items}
    out = []
    if triggers[rules.BODY] and not (profile and profile.has_body):
        out.append(
            Finding(
                GapKind.STAFFING,
                "staffing:body",
                _("应当设置特种设备安全管理机构（%(why)s），尚未登记机构名称和设立日期。")
                % {"why": _conditions(triggers[rules.BODY])},
                triggers[rules.BODY][0].citation,
            )
        )
    managers = [a for a in appointments if a.role == AppointmentRole.SAFETY_MANAGER]
    if facts.equipment_by_category and not managers:
        out.append(
            Finding(
                GapKind.STAFFING,
                "staffing:manager",
                _("未任命特种设备安全管理负责人（应由单位最高管理层中主管特种设备安全的人员担任）。"),
                TSG_08_MANAGER,
            )
        )
    elif triggers[rules.BODY] and not any(a.person_id in a_holders for a in managers):
        out.append(
            Finding(
                GapKind.STAFFING,
                "staffing:manager_certificate",
                _("设置安全管理机构的单位，安全管理负责人应当持有有效的特种设备安全管理（A）证。"),
                TSG_08_MANAGER,
            )
        )
    officers = [a for a in appointments if a.role == AppointmentRole.SAFETY_OFFICER and a.full_time]
    if triggers[rules.FULL_TIME_OFFICER] and not any(a.person_id in a_holders for a in officers):
        out.append(
            Finding(
                GapKind.STAFFING,
                "staffing:full_time_officer",
                _("应当配备持有特种设备安全管理（A）证的专职安全管理员（%(why)s）。")
                % {"why": _conditions(triggers[rules.FULL_TIME_OFFICER])},
                triggers[rules.FULL_TIME_OFFICER][0].citation,
            )
        )
    return out


def _licences(unit, today) -> list[Finding]:
    required = rules.licence_rules_for(unit.kind)
    if not required:
        return []
    expiry: dict[str, date] = {}
    for kind, expires_on in UnitLicence.objects.filter(
        organization=unit, is_current=True, kind__in=[rule.kind for rule in required]
    ).values_list("kind", "expires_on"):
        expiry[kind] = max(expires_on, expiry.get(kind, expires_on))
    out = []
    for rule in required:
        state = rules.licence_state(expiry.get(rule.kind), today)
        if state is None:
            continue
        name = _(rule.name)
        message = (
            _("缺少有效的%(name)s。") % {"name": name}
            if state == "missing"
            else _("%(name)s已于 %(date)s 过期。") % {"name": name, "date": expiry[rule.kind].isoformat()}
        )
        out.append(Finding(GapKind.LICENCE, f"licence:{rule.code}", message, rule.citation))
    return out


def _appointments(unit, facts, today) -> list[Finding]:
    if not facts.equipment_by_category:
        return []
    appointments = list(current_appointments(unit.pk, None, today))
    out = []
    if not any(a.role == AppointmentRole.PRINCIPAL for a in appointments):
        out.append(
            Finding(
                GapKind.APPOINTMENT,
                "appointment:principal",
                _("未登记主要负责人的任职。"),
                rules.ORDER_74 + "第六十九条（各章同）",
            )
        )
    for category in facts.categories_in_use:
        if category not in rules.ORDER_74_CATEGORIES:
            continue
        label = category_label(category)
        for role, role_label in (
            (AppointmentRole.SAFETY_DIRECTOR, _("安全总监")),
            (AppointmentRole.SAFETY_OFFICER, _("安全员")),
        ):
            if not any(a.role == role and a.covers(category) for a in appointments):
                out.append(
                    Finding(
                        GapKind.APPOINTMENT,
                        f"appointment:{role}:{category}",
                        _("未任命%(category)s%(role)s。") % {"category": label, "role": role_label},
                        rules.appointment_citation(category),
                    )
                )
    # Order 74 art 81/147: a director or officer who fails the regulator's spot-check is to be replaced.
    failed = (
        ExamAttempt.objects.filter(
            organization=unit,
            exam__kind=ExamKind.SPOT_CHECK,
            status=AttemptStatus.SUBMITTED,
            passed=False,
            candidate_id__in=[
                a.person_id
                for a in appointments
                if a.role in (AppointmentRole.SAFETY_DIRECTOR, AppointmentRole.SAFETY_OFFICER)
            ],
        )
        .select_related("candidate", "exam")
        .order_by("candidate_id", "-submitted_at")
    )
    later_passes = set(
        ExamAttempt.objects.filter(organization=unit, exam__kind=ExamKind.SPOT_CHECK, passed=True).values_list(
            "candidate_id", "submitted_at"
        )
    )
    seen = set()
    for attempt in failed:
        if attempt.candidate_id in seen:
            continue
        seen.add(attempt.candidate_id)
        if any(person == attempt.candidate_id and at > attempt.submitted_at for person, at in later_passes):
            continue
        out.append(
            Finding(
                GapKind.TRAINING,
                f"training:spot_check_failed:{attempt.candidate_id}",
                _("%(person)s 在监管部门抽查考核“%(exam)s”中不合格（%(score)s 分），应当调整岗位或重新考核合格。")
                % {"person": attempt.candidate.display_name, "exam": attempt.exam.title, "score": attempt.score},
                ORDER_74_TRAINING,
                person_id=attempt.candidate_id,
            )
        )
    return out


def _documents(unit, facts, today) -> list[Finding]:
    if not facts.equipment_by_category:
        return []
    latest: dict[tuple[str, str], date] = {}
    for kind, category, effective_on in (
        SafetyDocument.objects.filter(organization=unit)
        .order_by("kind", "equipment_category", "-version_no")
        .values_list("kind", "equipment_category", "effective_on")
    ):
        latest.setdefault((kind, category), effective_on)
    categories = [c for c in facts.categories_in_use if c in rules.ORDER_74_CATEGORIES]
    out = []
    for rule in rules.DOCUMENT_RULES:
        targets = [""] if rule.scope == rules.UNIT else categories
        for category in targets:
            state = rules.document_state(rule, latest.get((rule.code, category)), today)
            if state is None:
                continue
            name = _(rule.name) if not category else f"{category_label(category)}{_(rule.name)}"
            message = {
                "missing": _("缺少《%(name)s》。"),
                "predates_rule": _("《%(name)s》生效日期早于要求它的规定施行之日，应当按现行规定修订。"),
                "review_overdue": _("《%(name)s》已超过评审修订期限。"),
            }[state] % {"name": name}
            out.append(Finding(GapKind.DOCUMENT, f"document:{rule.code}:{category or 'unit'}", message, rule.citation))
    return out


def _operators(unit, today) -> list[Finding]:
    from .models import OperatorAssignment

    equipment = list(
        Equipment.objects.filter(organization=unit, status=EquipmentStatus.IN_USE)
        .filter(Q(*[Q(category__code__startswith=rule.prefix) for rule in rules.CERTIFICATE_RULES], _connector=Q.OR))
        .order_by("pk")
        .only("pk", "name", "code", "category_id", "quick_opening", "signaller_required")
    )
    if not equipment:
        return []
    assigned: dict[int, list[OperatorCertificate]] = defaultdict(list)
    # A certificate counts while its holder works for the unit: a holder who left (account disabled or moved to
    # another organization) no longer operates the unit's equipment.
    for assignment in (
        OperatorAssignment.objects.filter(equipment__in=equipment, ended_on__isnull=True)
        .exclude(certificate__holder__is_active=False)
        .exclude(Q(certificate__holder__isnull=False) & ~Q(certificate__holder__organization_id=unit.pk))
        .select_related("certificate")
    ):
        assigned[assignment.equipment_id].append(assignment.certificate)
    out = []
    for device in equipment:
        features = [name for name in ("quick_opening", "signaller_required") if getattr(device, name)]
        certificates = assigned[device.pk]
        valid = {c.item_id for c in certificates if c.expires_on >= today}
        for rule in rules.unmet_certificate_rules(device.category_id, features, unit.kind, valid):
            expired = [c for c in certificates if c.item_id in rule.items]
            if expired:
                message = _("%(device)s 的作业人员证（%(items)s）已过期：%(names)s。") % {
                    "device": device,
                    "items": "/".join(rule.items),
                    "names": "、".join(f"{c.holder_name} {c.expires_on:%Y-%m-%d}" for c in expired),
                }
            else:
                message = _("%(device)s 在用但未安排持有效%(items)s证的作业人员。") % {
                    "device": device,
                    "items": "/".join(rule.items),
                }
            out.append(
                Finding(GapKind.OPERATOR, f"operator:{device.pk}:{rule.code}", message, rule.citation, device.pk)
            )
    return out


def _emergency(unit, facts, today) -> list[Finding]:
    required = rules.drill_requirements(facts)
    if not required:
        return []
    plans = list(EmergencyPlan.objects.filter(organization=unit, is_current=True, kind=EmergencyPlanKind.SPECIAL))
    last_drills = dict(
        Drill.objects.filter(organization=unit)
        .values_list("equipment_category")
        .annotate(last=Max("held_on"))
        .order_by()
    )
    out = []
    for rule, category in required:
        label = category_label(category)
        covering = [p for p in plans if p.equipment_category in (category, "")]
        if not covering:
            out.append(
                Finding(
                    GapKind.EMERGENCY_PLAN,
                    f"emergency_plan:{category}",
                    _("缺少%(category)s事故应急专项预案。") % {"category": label},
                    rule.citation,
                )
            )
        elif all(p.review_by < today for p in covering):
            out.append(
                Finding(
                    GapKind.EMERGENCY_PLAN,
                    f"emergency_plan_review:{category}",
                    _("%(category)s事故应急专项预案已超过评估修订期限（%(date)s）。")
                    % {"category": label, "date": max(p.review_by for p in covering).isoformat()},
                    "《生产安全事故应急预案管理办法》（应急管理部令第2号）第三十五条",
                )
            )
        last = max(filter(None, (last_drills.get(category), last_drills.get(""))), default=None)
        if last is None:
            out.append(
                Finding(
                    GapKind.DRILL,
                    f"drill:{category}",
                    _("没有%(category)s应急演练记录（每 %(months)s 个月至少一次）。")
                    % {"category": label, "months": rule.months},
                    rule.citation,
                )
            )
        elif rules.months_after(last, rule.months) < today:
            out.append(
                Finding(
                    GapKind.DRILL,
                    f"drill:{category}",
                    _("%(category)s应急演练已逾期：上次 %(last)s，应在 %(due)s 前再次演练。")
                    % {
                        "category": label,
                        "last": last.isoformat(),
                        "due": rules.months_after(last, rule.months).isoformat(),
                    },
                    rule.citation,
                )
            )
    return out


def drills_due(unit: Organization, today: date, within_days: int) -> list[tuple[str, date]]:
    """(category, due date) of the drills the unit must hold within the coming days, not yet overdue."""
    facts = unit_facts(unit)
    last_drills = dict(
        Drill.objects.filter(organization=unit)
        .values_list("equipment_category")
        .annotate(last=Max("held_on"))
        .order_by()
    )
    due = []
    for rule, category in rules.drill_requirements(facts):
        last = max(filter(None, (last_drills.get(category), last_drills.get(""))), default=None)
        if last is None:
            continue
        due_on = rules.months_after(last, rule.months)
        if today <= due_on <= today + timedelta(days=within_days):
            due.append((category, due_on))
    return due


def _training(unit, today) -> list[Finding]:
    if not Equipment.objects.filter(organization=unit, status=EquipmentStatus.IN_USE).exists():
        return []
    since = today - timedelta(days=TRAINING_INTERVAL_DAYS)
    if TrainingSession.objects.filter(organization=unit, held_on__gt=since).exists():
        return []
    return [
        Finding(
            GapKind.TRAINING,
            "training:none",
            _("近 %(days)s 天没有培训记录：安全总监、安全员应当定期接受培训和考核。")
            % {"days": TRAINING_INTERVAL_DAYS},
            ORDER_74_TRAINING,
        )
    ]


def _monitoring(unit) -> list[Finding]:
    points = list(MonitoringPoint.objects.filter(organization=unit, is_active=True, source__is_active=True))
    if not points:
        return []
    latest: dict[int, Reading] = {}
    for reading in Reading.objects.filter(point__in=points).order_by("point_id", "-measured_at", "-id"):
        latest.setdefault(reading.point_id, reading)
    out = []
    for point in points:
        reading = latest.get(point.pk)
        if reading is not None and reading.out_of_bounds:
            out.append(
                Finding(
                    GapKind.MONITORING,
                    f"monitoring:{point.pk}",
                    _("%(point)s 最近读数 %(value)s%(uom)s 超出安全范围。")
                    % {"point": point, "value": reading.value, "uom": point.unit_of_measure},
                    "《安全生产法》第四十条",
                )
            )
    return out


# -- keeping the rows current ---------------------------------------------------------------------------------------


def refresh_unit(unit: Organization, today: date | None = None) -> dict[str, int]:
    """Make the unit's open gaps equal to its findings; returns how many opened and closed."""
    from shuangfang.hazards.services import register_system_hazard

    today = today or timezone.localdate()
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        current = {finding.key: finding for finding in findings(unit, today)}
        open_gaps = {
            gap.key: gap
            for gap in ComplianceGap.objects.select_for_update().filter(organization=unit, closed_at__isnull=True)
        }
        closed = [gap for key, gap in open_gaps.items() if key not in current]
        for gap in closed:
            gap.closed_at = now
        ComplianceGap.objects.bulk_update(closed, ["closed_at"])
        opened = []
        for key, finding in current.items():
            gap = open_gaps.get(key)
            if gap is not None:
                # Compared as stored (truncated to the columns), so that a long message is not rewritten every run;
                # the citation follows the message, which names the rules that hold today.
                message, citation = finding.message[:500], finding.citation[:200]
                if (gap.message, gap.citation) != (message, citation):
                    gap.message, gap.citation = message, citation
                    gap.save(update_fields=["message", "citation"])
                continue
            gap = ComplianceGap.objects.create(
                organization=unit,
                region_id=unit.region_id,
                kind=finding.kind,
                key=key,
                message=finding.message[:500],
                citation=finding.citation[:200],
                equipment_id=finding.equipment_id,
                person_id=finding.person_id,
                opened_at=now,
            )
            if finding.kind == GapKind.OPERATOR:
                equipment = Equipment.objects.get(pk=finding.equipment_id)
                gap.hazard = register_system_hazard(
                    organization=unit,
                    equipment=equipment,
                    description=finding.message + _("（依据：%(citation)s）") % {"citation": finding.citation},
                    event_data={"compliance_gap": gap.pk},
                )
                gap.save(update_fields=["hazard"])
            opened.append(gap)
        if opened or closed:
            record_event(
                "compliance.refreshed",
                organization=unit,
                region_code=unit.region_id,
                data={"opened": sorted(g.key for g in opened), "closed": sorted(g.key for g in closed)},
            )
    return {"opened": len(opened), "closed": len(closed)}


# Units whose refresh is scheduled and not yet run, per thread: a transaction that changes a unit many times (a ledger
# import in chunks) refreshes it once, at commit.
_pending = threading.local()


def refresh_after_commit(unit_id: int) -> None:
    """Refresh the unit's gaps once the caller's transaction has committed (a failed change leaves them alone)."""
    pending = _pending.__dict__.setdefault("units", set())
    pending.add(unit_id)

    def run():
        if unit_id not in pending:
            return  # refreshed already by an earlier callback of the same commit
        pending.discard(unit_id)
        unit = Organization.objects.filter(pk=unit_id).first()
        if unit is not None:
            refresh_unit(unit)

    transaction.on_commit(run)


def refresh_all(today: date | None = None) -> dict[str, int]:
    """The daily run over every active unit that owns equipment."""
    totals: Counter = Counter()
    units = Organization.objects.filter(is_active=True, kind__in=EQUIPMENT_OWNING_KINDS).order_by("pk")
    for unit in units.iterator(chunk_size=200):
        totals.update(refresh_unit(unit, today))
        totals["units"] += 1
    return dict(totals)


def gap_counts(queryset) -> dict[str, int]:
    """Open gaps by kind over a (scoped) ComplianceGap queryset, every kind present."""
    counts = dict(queryset.filter(closed_at__isnull=True).values_list("kind").annotate(n=Count("id")).order_by())
    return {kind: counts.get(kind, 0) for kind in GapKind.values}
