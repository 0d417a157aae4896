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
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

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


@functools.lru_cache(maxsize=1024)
def _translated(language: str | None, message: str) -> str:
    return gettext(message)


def _(message: str) -> str:
    """gettext, remembered per language: the daily run translates the same few dozen texts for every unit."""
    return _translated(translation.get_language(), message)


@functools.lru_cache(maxsize=64)
def category_label(code: str) -> str:
    """The catalog name of a category code; the catalog is reference data, so the answer is kept per process."""
    from shuangfang.equipment.models import CatalogEntry

    entry = CatalogEntry.objects.filter(code=code).only("name").first()
    return entry.name if entry else code


# -- facts ----------------------------------------------------------------------------------------------------------


def _facts_of(unit: Organization, profile, by_category: dict[str, int], crowded: int) -> rules.UnitFacts:
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


def unit_facts(unit: Organization, profile: SafetyProfile | None = None) -> rules.UnitFacts:
    in_use = Equipment.objects.filter(organization=unit, status=EquipmentStatus.IN_USE)
    by_category = dict(in_use.values_list("category_id").annotate(n=Count("id")).order_by())
    crowded = in_use.filter(crowded_place=True, category__code__startswith="3").count()
    if profile is None:
        profile = SafetyProfile.objects.filter(organization=unit).first()
    return _facts_of(unit, profile, by_category, crowded)


@dataclass
class UnitFile:
    """What the findings read of one unit's file, loaded for many units at once by `load_files`."""

    profile: SafetyProfile | None = None
    equipment_by_category: dict[str, int] = field(default_factory=dict)
    crowded_elevators: int = 0
    # Appointments in force today, earliest first (safety.selectors.current_appointments).
    appointments: list = field(default_factory=list)
    valid_items_by_person: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    licences: list[tuple[str, date]] = field(default_factory=list)  # (kind, expires_on) of the current ones
    failed_spot_checks: list = field(default_factory=list)  # newest first per candidate
    spot_check_passes: set[tuple[int, object]] = field(default_factory=set)  # (candidate, submitted_at)
    documents: list[tuple[str, str, date]] = field(default_factory=list)  # newest version first per kind, category
    operated_equipment: list = field(default_factory=list)
    assigned: dict[int, list[OperatorCertificate]] = field(default_factory=lambda: defaultdict(list))
    special_plans: list = field(default_factory=list)
    last_drills: dict[str, date] = field(default_factory=dict)
    trained_recently: bool = False
    monitoring_points: list = field(default_factory=list)
    latest_readings: dict[int, Reading] = field(default_factory=dict)

    def facts(self, unit: Organization) -> rules.UnitFacts:
        return _facts_of(unit, self.profile, self.equipment_by_category, self.crowded_elevators)


def _needs_certificate() -> Q:
    return Q(*[Q(category__code__startswith=rule.prefix) for rule in rules.CERTIFICATE_RULES], _connector=Q.OR)


def load_files(units: list[Organization], today: date) -> dict[int, UnitFile]:
    """The files of the units, in a fixed number of queries whatever their number (one per kind of record): the daily
    refresh reads a province in batches of units instead of twenty queries per unit."""
    from .models import Appointment, OperatorAssignment

    ids = [unit.pk for unit in units]
    files = {pk: UnitFile() for pk in ids}
    for profile in SafetyProfile.objects.filter(organization_id__in=ids).order_by("pk"):
        if files[profile.organization_id].profile is None:
            files[profile.organization_id].profile = profile
    in_use = Equipment.objects.filter(organization_id__in=ids, status=EquipmentStatus.IN_USE)
    for unit_id, category, count in (
        in_use.values_list("organization_id", "category_id").annotate(n=Count("id")).order_by()
    ):
        files[unit_id].equipment_by_category[category] = count
    for unit_id, count in (
        in_use.filter(crowded_place=True, category__code__startswith="3")
        .values_list("organization_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        files[unit_id].crowded_elevators = count
    for appointment in (
        Appointment.objects.filter(organization_id__in=ids, starts_on__lte=today, person__is_active=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("starts_on", "pk")
    ):
        files[appointment.organization_id].appointments.append(appointment)
    for unit_id, holder_id, item in OperatorCertificate.objects.filter(
        organization_id__in=ids, holder__isnull=False, expires_on__gte=today
    ).values_list("organization_id", "holder_id", "item_id"):
        files[unit_id].valid_items_by_person[holder_id].add(item)
    licence_kinds = {rule.kind for rule in rules.LICENCE_RULES}
    for unit_id, kind, expires_on in UnitLicence.objects.filter(
        organization_id__in=ids, is_current=True, kind__in=licence_kinds
    ).values_list("organization_id", "kind", "expires_on"):
        files[unit_id].licences.append((kind, expires_on))
    for attempt in (
        ExamAttempt.objects.filter(
            organization_id__in=ids,
            exam__kind=ExamKind.SPOT_CHECK,
            status=AttemptStatus.SUBMITTED,
            passed=False,
        )
        .select_related("candidate", "exam")
        .order_by("candidate_id", "-submitted_at")
    ):
        files[attempt.organization_id].failed_spot_checks.append(attempt)
    for unit_id, candidate_id, submitted_at in ExamAttempt.objects.filter(
        organization_id__in=ids, exam__kind=ExamKind.SPOT_CHECK, passed=True
    ).values_list("organization_id", "candidate_id", "submitted_at"):
        files[unit_id].spot_check_passes.add((candidate_id, submitted_at))
    for unit_id, kind, category, effective_on in (
        SafetyDocument.objects.filter(organization_id__in=ids)
        .order_by("organization_id", "kind", "equipment_category", "-version_no")
        .values_list("organization_id", "kind", "equipment_category", "effective_on")
    ):
        files[unit_id].documents.append((kind, category, effective_on))
    operated = (
        in_use.filter(_needs_certificate())
        .order_by("pk")
        .only("pk", "name", "code", "category_id", "quick_opening", "signaller_required", "organization_id")
    )
    for device in operated:
        files[device.organization_id].operated_equipment.append(device)
    # A certificate counts while its holder works for the unit: a holder who left (account disabled or moved to
    # another organization) no longer operates the unit's equipment.
    for assignment in (
        OperatorAssignment.objects.filter(equipment__in=operated.values("pk"), ended_on__isnull=True)
        .exclude(certificate__holder__is_active=False)
        .exclude(
            Q(certificate__holder__isnull=False)
            & ~Q(certificate__holder__organization_id=F("equipment__organization_id"))
        )
        .select_related("certificate")
        .annotate(unit_id=F("equipment__organization_id"))
    ):
        files[assignment.unit_id].assigned[assignment.equipment_id].append(assignment.certificate)
    for plan in EmergencyPlan.objects.filter(organization_id__in=ids, is_current=True, kind=EmergencyPlanKind.SPECIAL):
        files[plan.organization_id].special_plans.append(plan)
    for unit_id, category, last in (
        Drill.objects.filter(organization_id__in=ids)
        .values_list("organization_id", "equipment_category")
        .annotate(last=Max("held_on"))
        .order_by()
    ):
        files[unit_id].last_drills[category] = last
    since = today - timedelta(days=TRAINING_INTERVAL_DAYS)
    for unit_id in (
        TrainingSession.objects.filter(organization_id__in=ids, held_on__gt=since)
        .values_list("organization_id", flat=True)
        .distinct()
    ):
        files[unit_id].trained_recently = True
    points = list(MonitoringPoint.objects.filter(organization_id__in=ids, is_active=True, source__is_active=True))
    for point in points:
        files[point.organization_id].monitoring_points.append(point)
    if points:
        latest: dict[int, Reading] = {}
        for reading in Reading.objects.filter(point__in=points).order_by("point_id", "-measured_at", "-id"):
            latest.setdefault(reading.point_id, reading)
        for point in points:
            if point.pk in latest:
                files[point.organization_id].latest_readings[point.pk] = latest[point.pk]
    return files


# -- the findings ---------------------------------------------------------------------------------------------------


def findings(unit: Organization, today: date | None = None, file: UnitFile | None = None) -> list[Finding]:
    """Every gap of the unit today, in a fixed order (the panel's order); `file` when loaded already with others."""
    today = today or timezone.localdate()
    if file is None:
        file = load_files([unit], today)[unit.pk]
    facts = file.facts(unit)
    found: list[Finding] = []
    found += _staffing(unit, facts, file, today)
    found += _licences(unit, file, today)
    found += _appointments(unit, facts, file)
    found += _documents(unit, facts, file, today)
    found += _operators(unit, file, today)
    found += _emergency(unit, facts, file, today)
    found += _training(file)
    found += _monitoring(file)
    return found


def _conditions(triggered: list[rules.StaffingRule]) -> str:
    return "；".join(_(rule.condition) for rule in triggered)


def _staffing(unit, facts, file: UnitFile, today) -> list[Finding]:
    triggers = rules.staffing_triggers(facts)
    profile = file.profile
    appointments = file.appointments
    a_holders = {person for person, items in file.valid_items_by_person.items() if "A" in items}
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


def _licences(unit, file: UnitFile, today) -> list[Finding]:
    required = rules.licence_rules_for(unit.kind)
    if not required:
        return []
    required_kinds = {rule.kind for rule in required}
    expiry: dict[str, date] = {}
    for kind, expires_on in file.licences:
        if kind in required_kinds:
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


def _appointments(unit, facts, file: UnitFile) -> list[Finding]:
    if not facts.equipment_by_category:
        return []
    appointments = file.appointments
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
    checked = {
        a.person_id for a in appointments if a.role in (AppointmentRole.SAFETY_DIRECTOR, AppointmentRole.SAFETY_OFFICER)
    }
    failed = [attempt for attempt in file.failed_spot_checks if attempt.candidate_id in checked]
    later_passes = file.spot_check_passes
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


DOCUMENT_STATE_MESSAGES = {
    "missing": gettext_noop("缺少《%(name)s》。"),
    "predates_rule": gettext_noop("《%(name)s》生效日期早于要求它的规定施行之日，应当按现行规定修订。"),
    "review_overdue": gettext_noop("《%(name)s》已超过评审修订期限。"),
}


def _documents(unit, facts, file: UnitFile, today) -> list[Finding]:
    if not facts.equipment_by_category:
        return []
    latest: dict[tuple[str, str], date] = {}
    for kind, category, effective_on in file.documents:
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
            # Only the message of the state found is translated: this runs for every rule of every unit.
            message = _(DOCUMENT_STATE_MESSAGES[state]) % {"name": name}
            out.append(Finding(GapKind.DOCUMENT, f"document:{rule.code}:{category or 'unit'}", message, rule.citation))
    return out


def _operators(unit, file: UnitFile, today) -> list[Finding]:
    equipment = file.operated_equipment
    if not equipment:
        return []
    assigned = file.assigned
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


def _emergency(unit, facts, file: UnitFile, today) -> list[Finding]:
    required = rules.drill_requirements(facts)
    if not required:
        return []
    plans = file.special_plans
    last_drills = file.last_drills
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


def drills_due(
    unit: Organization, today: date, within_days: int, file: UnitFile | None = None
) -> list[tuple[str, date]]:
    """(category, due date) of the drills the unit must hold within the coming days, not yet overdue; `file` when
    loaded already with other units' (load_files)."""
    if file is not None:
        facts, last_drills = file.facts(unit), file.last_drills
    else:
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


def _training(file: UnitFile) -> list[Finding]:
    # Any equipment in use (equipment_by_category counts every in-use device under its category).
    if not file.equipment_by_category:
        return []
    if file.trained_recently:
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


def _monitoring(file: UnitFile) -> list[Finding]:
    points = file.monitoring_points
    if not points:
        return []
    latest = file.latest_readings
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


def refresh_unit(unit: Organization, today: date | None = None, found: list[Finding] | None = None) -> dict[str, int]:
    """Make the unit's open gaps equal to its findings (`found` when the daily run has them already); returns how many
    opened and closed.  The same writing as the daily run's batches (`_write_changes`): a ledger import that leaves
    thousands of devices without an operator registers their hazards together, not one by one."""
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        current = found if found is not None else findings(unit, today)
        totals = _write_changes([(unit, current)])
    return {"opened": totals["opened"], "closed": totals["closed"]}


# Units whose refresh is scheduled and not yet run, per thread: a transaction that changes a unit many times (a ledger
# import in chunks) refreshes it once, at commit.
_pending = threading.local()


# A unit with at most this many devices is refreshed in the request that changed it, so the next page shows its gaps;
# a larger one by a background job queued at the commit (a ledger of 100,000 devices takes about half a minute to
# check, longer than a request may wait).  The daily run refreshes every unit whatever happens to the job.
REFRESH_INLINE_MAX_EQUIPMENT = 2_000


def refresh_after_commit(unit_id: int) -> None:
    """Refresh the unit's gaps once the caller's transaction has committed (a failed change leaves them alone): in
    the request for a unit of up to REFRESH_INLINE_MAX_EQUIPMENT devices, by a background job for a larger one."""
    pending = _pending.__dict__.setdefault("units", set())
    pending.add(unit_id)

    def run():
        if unit_id not in pending:
            return  # refreshed already by an earlier callback of the same commit
        pending.discard(unit_id)
        if _is_large(unit_id):
            refresh_in_background(unit_id)
        else:
            refresh_unit_by_id(unit_id)

    transaction.on_commit(run)


def _is_large(unit_id: int) -> bool:
    # Counting stops one past the limit: the question costs the same for a unit of 3,000 devices as of 300,000.
    devices = Equipment.objects.filter(organization_id=unit_id, deleted_at__isnull=True).values("pk")
    return devices[: REFRESH_INLINE_MAX_EQUIPMENT + 1].count() > REFRESH_INLINE_MAX_EQUIPMENT


def refresh_unit_by_id(unit_id: int) -> dict[str, int] | None:
    unit = Organization.objects.filter(pk=unit_id).first()
    return refresh_unit(unit) if unit is not None else None


def refresh_in_background(unit_id: int) -> None:
    from .tasks import refresh_unit_gaps  # the tasks module imports this one

    refresh_unit_gaps(unit_id)


# Units read together by the daily run: a fixed number of queries per batch instead of about twenty per unit.
REFRESH_BATCH = 500


def _stored(finding: Finding) -> tuple[str, str]:
    """A finding's message and citation as the gap row stores them (truncated to the columns)."""
    return finding.message[:500], finding.citation[:200]


def refresh_all(today: date | None = None) -> dict[str, int]:
    """The daily run over every active unit that owns equipment.

    The files of a batch of units are read together and their findings compared with their open gaps, read together
    too; only the units whose gaps differ are written (`_write_changes`, as `refresh_unit` would, under the lock of
    their gap rows). On a day without changes the run writes nothing and takes no lock."""
    today = today or timezone.localdate()
    totals: Counter = Counter()
    units = Organization.objects.filter(is_active=True, kind__in=EQUIPMENT_OWNING_KINDS).order_by("pk")
    batch: list[Organization] = []
    for unit in units.iterator(chunk_size=REFRESH_BATCH):
        batch.append(unit)
        if len(batch) >= REFRESH_BATCH:
            totals.update(_refresh_batch(batch, today))
            batch = []
    if batch:
        totals.update(_refresh_batch(batch, today))
    return dict(totals)


def _refresh_batch(units: list[Organization], today: date) -> Counter:
    totals: Counter = Counter()
    files = load_files(units, today)
    stored: dict[int, dict[str, tuple[str, str]]] = defaultdict(dict)
    for unit_id, key, message, citation in ComplianceGap.objects.filter(
        organization_id__in=[unit.pk for unit in units], closed_at__isnull=True
    ).values_list("organization_id", "key", "message", "citation"):
        stored[unit_id][key] = (message, citation)
    changed = []
    with translation.override(settings.LANGUAGE_CODE):
        for unit in units:
            found = findings(unit, today, files[unit.pk])
            if {finding.key: _stored(finding) for finding in found} != stored[unit.pk]:
                changed.append((unit, found))
    if changed:
        totals.update(_write_changes(changed))
    totals["units"] += len(units)
    totals.setdefault("opened", 0)
    totals.setdefault("closed", 0)
    return totals


def _write_changes(changed: list[tuple[Organization, list[Finding]]]) -> Counter:
    """`refresh_unit` for the changed units of a batch together, right after the batch's reading: one transaction, the
    units' open gap rows locked in one query and compared under that lock, every new gap and every hazard of a new
    operator gap inserted together (register_system_hazards) instead of one by one.  The new gaps are written as plain
    rows (COPY on PostgreSQL): the first run over units never refreshed opens some twenty gaps per unit."""
    from shuangfang.core.bulkload import RowShape, insert_instances, reserve_ids
    from shuangfang.core.events import build_event
    from shuangfang.core.models import Event
    from shuangfang.hazards.services import SystemHazard, register_system_hazards

    now = timezone.now()
    totals: Counter = Counter()
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        open_gaps: dict[int, dict[str, ComplianceGap]] = defaultdict(dict)
        for gap in (
            ComplianceGap.objects.select_for_update()
            .filter(organization_id__in=[unit.pk for unit, _found in changed], closed_at__isnull=True)
            .order_by("pk")
        ):
            open_gaps[gap.organization_id][gap.key] = gap
        closed, rewritten, fresh = [], [], []  # fresh: (unit, finding) of the gaps to open
        changes = []  # (unit, opened keys, closed keys)
        for unit, found in changed:
            current = {finding.key: finding for finding in found}
            gaps = open_gaps[unit.pk]
            unit_closed = [gap for key, gap in gaps.items() if key not in current]
            closed += unit_closed
            unit_opened = []
            for key, finding in current.items():
                gap = gaps.get(key)
                if gap is None:
                    fresh.append((unit, finding))
                    unit_opened.append(key)
                    continue
                message, citation = _stored(finding)
                if (gap.message, gap.citation) != (message, citation):
                    gap.message, gap.citation = message, citation
                    rewritten.append(gap)
            if unit_opened or unit_closed:
                changes.append((unit, unit_opened, [gap.key for gap in unit_closed]))
        ComplianceGap.objects.filter(pk__in=[gap.pk for gap in closed]).update(closed_at=now)
        ComplianceGap.objects.bulk_update(rewritten, ["message", "citation"], batch_size=REFRESH_BATCH)
        # The gaps before their hazards: a concurrent run opening the same gap stops at the unique index of open
        # keys (one_open_gap_per_key) and rolls back, so no hazard is registered twice.
        gap_ids = reserve_ids(ComplianceGap, len(fresh))
        shape = RowShape(ComplianceGap, opened_at=now)
        shape.write(
            shape.row(
                id=gap_id,
                organization_id=unit.pk,
                region_id=unit.region_id,
                kind=finding.kind,
                key=finding.key,
                message=finding.message[:500],
                citation=finding.citation[:200],
                equipment_id=finding.equipment_id,
                person_id=finding.person_id,
            )
            for gap_id, (unit, finding) in zip(gap_ids, fresh, strict=True)
        )
        operator = [
            (gap_id, unit, finding)
            for gap_id, (unit, finding) in zip(gap_ids, fresh, strict=True)
            if finding.kind == GapKind.OPERATOR
        ]
        if operator:
            equipment = Equipment.objects.in_bulk([finding.equipment_id for _id, _unit, finding in operator])
            hazards = register_system_hazards(
                SystemHazard(
                    organization=unit,
                    equipment=equipment[finding.equipment_id],
                    description=finding.message + _("（依据：%(citation)s）") % {"citation": finding.citation},
                    event_data={"compliance_gap": gap_id},
                )
                for gap_id, unit, finding in operator
            )
            ComplianceGap.objects.bulk_update(
                [
                    ComplianceGap(pk=gap_id, hazard_id=hazard.pk)
                    for (gap_id, _unit, _finding), hazard in zip(operator, hazards, strict=True)
                ],
                ["hazard"],
                batch_size=REFRESH_BATCH,
            )
        insert_instances(
            Event,
            [
                build_event(
                    "compliance.refreshed",
                    organization=unit,
                    region_code=unit.region_id,
                    data={"opened": sorted(opened), "closed": sorted(closed_keys)},
                )
                for unit, opened, closed_keys in changes
            ],
        )
    totals["opened"] += len(fresh)
    totals["closed"] += len(closed)
    return totals


def gap_counts(queryset) -> dict[str, int]:
    """Open gaps by kind over a (scoped) ComplianceGap queryset, every kind present."""
    counts = dict(queryset.filter(closed_at__isnull=True).values_list("kind").annotate(n=Count("id")).order_by())
    return {kind: counts.get(kind, 0) for kind in GapKind.values}
