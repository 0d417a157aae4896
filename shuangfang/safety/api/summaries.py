"""Read-only summaries the API serves: one unit's file at a glance, and open gaps counted by region."""

from datetime import timedelta

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import Equipment
from shuangfang.hazards.choices import OPEN_STATUSES
from shuangfang.hazards.models import Hazard
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization, Region
from shuangfang.safety import rules
from shuangfang.safety.choices import GapKind
from shuangfang.safety.compliance import gap_counts, unit_facts
from shuangfang.safety.models import (
    ComplianceGap,
    Drill,
    EmergencyPlan,
    MajorHazardSource,
    MonitoringPoint,
    OperatorAssignment,
    SafetyDocument,
    TrainingSession,
    UnitLicence,
)
from shuangfang.safety.selectors import current_appointments
from shuangfang.safety.services import profile_of

RECENT_DAYS = 365


def units_with_visible_file(user):
    """The units whose safety management file the user may read: its own unit, the units of a regulator's
    jurisdiction, every unit for the platform.  An inspection agency sees the units it inspects, not their files."""
    units = Organization.objects.visible_to(user).filter(kind__in=EQUIPMENT_OWNING_KINDS)
    scope = scope_of(user)
    if scope.kind == ScopeKind.AGENCY:
        units = units.filter(pk=scope.organization_id)
    return units


def gap_summary(queryset) -> dict:
    counts = gap_counts(queryset)
    return {"total": sum(counts.values()), "counts": counts, "labels": {k: str(v) for k, v in GapKind.choices}}


def gaps_by_child_region(queryset, jurisdiction: Region) -> list[dict]:
    """Open gaps per next-level region of the jurisdiction (a county has none below it: its own row), by kind, in one
    grouped query."""
    children = list(Region.objects.filter(parent=jurisdiction).order_by("code")) or [jurisdiction]
    width = max(len(child.prefix) for child in children)
    rows = (
        queryset.filter(closed_at__isnull=True)
        .annotate(child=Substr("region_id", 1, width))
        .values_list("child", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    counted: dict[str, dict[str, int]] = {}
    for child, kind, n in rows:
        counted.setdefault(child, {})[kind] = n
    result = []
    for child in children:
        found = counted.get(child.prefix, {})
        counts = {kind: found.get(kind, 0) for kind in GapKind.values}
        result.append({"region": child.code, "name": child.name, "total": sum(counts.values()), "counts": counts})
    return result


def _document_states(unit, today) -> list[dict]:
    latest: dict[tuple[str, str], SafetyDocument] = {}
    documents = SafetyDocument.objects.filter(organization=unit).order_by("kind", "equipment_category", "-version_no")
    for document in documents:
        latest.setdefault((document.kind, document.equipment_category), document)
    categories = [c for c in unit_facts(unit).categories_in_use if c in rules.ORDER_74_CATEGORIES]
    states = []
    for rule in rules.DOCUMENT_RULES:
        for category in [""] if rule.scope == rules.UNIT else categories:
            document = latest.get((rule.code, category))
            state = rules.document_state(rule, document.effective_on if document else None, today)
            states.append(
                {
                    "kind": rule.code,
                    "name": _(rule.name),
                    "equipment_category": category,
                    "state": state or "ok",
                    "document": document.pk if document else None,
                    "version_no": document.version_no if document else None,
                    "effective_on": document.effective_on if document else None,
                }
            )
    return states


def unit_file(unit: Organization) -> dict:
    """One unit's file at a glance: the profile, who is appointed today, the state of each required document,
    counts of the rest, and the open compliance gaps by kind."""
    today = timezone.localdate()
    since = today - timedelta(days=RECENT_DAYS)
    on_duty = OperatorAssignment.objects.filter(organization=unit).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    )
    return {
        "organization": unit,
        "profile": profile_of(unit),
        "appointments": list(current_appointments(unit.pk, None, today).select_related("person")),
        "documents": _document_states(unit, today),
        "counts": {
            "equipment_in_use": Equipment.objects.filter(organization=unit, status=EquipmentStatus.IN_USE).count(),
            "licences_current": UnitLicence.objects.filter(organization=unit, is_current=True).count(),
            "operator_assignments": on_duty.count(),
            "training_sessions_last_year": TrainingSession.objects.filter(organization=unit, held_on__gt=since).count(),
            "emergency_plans_current": EmergencyPlan.objects.filter(organization=unit, is_current=True).count(),
            "drills_last_year": Drill.objects.filter(organization=unit, held_on__gt=since).count(),
            "hazard_sources": MajorHazardSource.objects.filter(organization=unit, is_active=True).count(),
            "monitoring_points": MonitoringPoint.objects.filter(organization=unit, is_active=True).count(),
            "open_hazards": Hazard.objects.filter(organization=unit, status__in=OPEN_STATUSES).count(),
        },
        "gaps": gap_summary(ComplianceGap.objects.filter(organization=unit)),
    }
