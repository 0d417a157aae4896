"""Background jobs of the notifications: the daily reminders at 07:00 and the daily digest at 07:30, China time."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from .delivery import send_digests, send_immediate_emails
from .reminders import send_reminders


def daily_at(hour: int, minute: int):
    """A huey schedule firing once a day at this wall-clock time of TIME_ZONE (Asia/Shanghai). Huey's own crontab
    reads its clock, which is UTC unless HUEY["utc"] is off; this converts, so that 07:00 means 07:00 in China."""
    zone = ZoneInfo(settings.TIME_ZONE)

    def validate(timestamp: datetime) -> bool:
        moment = timestamp.replace(tzinfo=UTC) if HUEY.utc else timestamp.replace(tzinfo=zone)
        local = moment.astimezone(zone)
        return (local.hour, local.minute) == (hour, minute)

    return validate


@db_periodic_task(daily_at(7, 0))
def daily_reminders():
    send_reminders(timezone.localdate())


# After the reminders, so that the morning's reminders are in the digest.
@db_periodic_task(daily_at(7, 30))
def daily_digest():
    send_digests(timezone.localdate())


@db_task()
def email_new_notifications(pairs: list[tuple[int, str]]):
    # Queued at the commit that added the messages (services.notify_many): the request that reported a hazard does
    # not wait for a mail server.
    return send_immediate_emails(pairs)
