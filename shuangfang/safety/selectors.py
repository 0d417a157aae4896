"""Scoped reads of the unit's safety management file."""

from datetime import date

from django.db.models import Q
from django.utils import timezone

from .models import Appointment


def current_appointments(organization_id: int, role: str | None, today: date):
    """The unit's appointments (to the role, or to any) in force on the day, earliest first: the person named
    longest holds the tasks when several cover the same equipment."""
    appointments = Appointment.objects.filter(
        organization_id=organization_id, starts_on__lte=today, person__is_active=True
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    if role:
        appointments = appointments.filter(role=role)
    return appointments.order_by("starts_on", "pk")


def first_covering(appointments, category: str = "") -> int | None:
    """The person of the first appointment covering the catalog category (any appointment when no category)."""
    return next((a.person_id for a in appointments if not category or a.covers(category)), None)


def duty_holder(organization_id: int, role: str, category: str = "", today: date | None = None) -> int | None:
    """Who a duty of the role falls to: the person appointed to the role for the category (Order 74 art 71/137: a
    named officer for every unit of equipment), else the unit's first active holder of the role, else nobody."""
    from shuangfang.notifications.recipients import people_of

    person = first_covering(current_appointments(organization_id, role, today or timezone.localdate()), category)
    if person is None:
        holders = people_of(organization_id, [role])
        person = holders[0].pk if holders else None
    return person
