"""Background jobs of the unit's safety management file: the daily compliance refresh at 06:30 and the drill
reminders at 06:45, China time — both before the 07:00 reminders and the 07:30 digest, so that the morning's digest
carries them and the cockpit counts are of the day."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_periodic_task, db_task

from shuangfang.accounts.roles import Role
from shuangfang.notifications.recipients import people_by_organization
from shuangfang.notifications.services import Message, notify_many
from shuangfang.notifications.tasks import daily_at
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization

from . import compliance, rules
from .models import Drill

KIND_DRILL_DUE = "drill.due"
# Who in a unit hears that a drill falls due: the principal answers for the emergency plans, the safety directors
# organise the drills (Order 74; TSG 08-2017 2.11).
DRILL_REMINDER_ROLES = (Role.PRINCIPAL, Role.SAFETY_DIRECTOR)


@db_periodic_task(daily_at(6, 30))
def daily_compliance_refresh():
    # Dates pass without anyone changing anything (certificates expire, drills and plan reviews fall due), so every
    # unit is refreshed once a day.  refresh_all reads the units in batches (a fixed number of queries per 500 units)
    # and writes only the units whose gaps changed; what stays per unit is the rule check in Python, under a
    # millisecond a unit.
    return compliance.refresh_all(timezone.localdate())


@db_task()
def refresh_unit_gaps(unit_id: int):
    # Queued at the commit of a change to a large unit's file (compliance.refresh_after_commit); a second job for the
    # same unit finds nothing to change and writes nothing.
    return compliance.refresh_unit_by_id(unit_id)


@db_periodic_task(daily_at(6, 45))
def daily_drill_reminders():
    return remind_drills_due(timezone.localdate())


def _emergency_link() -> str:
    try:
        return reverse("safety:emergency")
    except NoReverseMatch:
        return "/safety/emergency/"


def remind_drills_due(today: date | None = None) -> int:
    """Drills falling due within DRILL_REMINDER_DAYS: to each unit's principal and safety directors, once per (unit,
    category, due date) — the key carries the due date, so a drill held moves the date and reminds again next year.
    Returns how many inbox messages were added."""
    today = today or timezone.localdate()
    # A drill falls due within the window only if the unit's last one was held at most the longest drill interval
    # before today (drills_due counts only categories already drilled; the never-drilled ones are gaps).  One query
    # picks those units, so the work is limited to units that can have a reminder at all; their files are read in
    # batches (compliance.load_files).
    longest = max(rule.months for rule in rules.DRILL_RULES)
    earliest = rules.months_after(today, -longest) - timedelta(days=3)  # slack for month-end clamping
    units = list(
        Organization.objects.filter(
            is_active=True,
            kind__in=EQUIPMENT_OWNING_KINDS,
            pk__in=Drill.objects.filter(held_on__gte=earliest).values("organization_id"),
        ).order_by("pk")
    )
    due = {}
    for start in range(0, len(units), compliance.REFRESH_BATCH):
        batch = units[start : start + compliance.REFRESH_BATCH]
        files = compliance.load_files(batch, today)
        due.update(
            {unit.pk: compliance.drills_due(unit, today, rules.DRILL_REMINDER_DAYS, files[unit.pk]) for unit in batch}
        )
    people = people_by_organization([pk for pk, items in due.items() if items], DRILL_REMINDER_ROLES)
    link = _emergency_link()
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for unit in units:
            for category, due_on in due[unit.pk]:
                values = {
                    "unit": unit.name,
                    "category": compliance.category_label(category),
                    "date": due_on.isoformat(),
                    "days": (due_on - today).days,
                }
                messages.append(
                    Message(
                        users=people.get(unit.pk, []),
                        kind=KIND_DRILL_DUE,
                        key=f"drill:{unit.pk}:{category}:{due_on.isoformat()}",
                        title=_("%(category)s应急演练还有 %(days)d 天到期") % values,
                        body=_("%(unit)s的%(category)s事故应急演练应在 %(date)s 前举行，请提前安排并登记演练记录。")
                        % values,
                        link=link,
                    )
                )
    if not messages:
        return 0
    with transaction.atomic():
        return notify_many(messages)
