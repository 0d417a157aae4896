"""Scoped reads of the unit's safety management file."""

from datetime import date

from django.db.models import Q

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
