"""Background jobs of the core: sealing the event log every minute."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .events import seal_events


@db_periodic_task(crontab(minute="*"))
def seal_event_log():
    seal_events()
