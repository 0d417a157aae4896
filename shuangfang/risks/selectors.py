"""Reads of the risk side: the four-colour distribution of a scope and the units that have not yet
identified the risks of their in-use equipment."""

from django.db.models import Count, Exists, OuterRef, Subquery

from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import Equipment
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization

from . import rules
from .models import Risk


def level_counts(risks) -> dict[str, int]:
    """Active risks by level, every level present (zero when none), in one query."""
    # order_by(): an ordered queryset would add its ordering columns to the GROUP BY and split the counts.
    grouped = risks.filter(is_active=True).order_by().values_list("level").annotate(n=Count("id"))
    counts = dict(grouped.values_list("level", "n"))
    return {level: counts.get(level, 0) for level in rules.LEVELS}


def units_without_identified_risks(user):
    """Visible units with at least one in-use equipment that has no active risk (the notice: every risk of every
    in-use equipment must be identified)."""
    unidentified = Equipment.objects.filter(organization_id=OuterRef("pk"), status=EquipmentStatus.IN_USE).exclude(
        Exists(Risk.objects.filter(equipment_id=OuterRef("pk"), is_active=True))
    )
    unidentified_count = unidentified.values("organization_id").annotate(n=Count("pk")).values("n")
    return (
        Organization.objects.visible_to(user)
        .filter(kind__in=EQUIPMENT_OWNING_KINDS)
        .filter(Exists(unidentified))
        .annotate(unidentified=Subquery(unidentified_count))
        .order_by("region_id", "name")
    )
