"""The supervision classes' daily job: every use unit's class recomputed from the day's records.

Huey discovers the `tasks` module of each app; supervision/tasks.py imports this module so that the job registers."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .classes import compute_classes


# Early in the morning, after the night's jobs (overdue hazards, expired blacklist entries) have run.
@db_periodic_task(crontab(hour="3", minute="30"))
@lock_task("supervision-compute-classes")
def compute_supervision_classes():
    return compute_classes(timezone.localdate()).as_data()
