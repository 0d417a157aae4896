"""Background jobs of supervision: the cockpit's figures are recomputed every five minutes, so that what a regulator
sees is never more than a few minutes behind the units' records."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

# Huey registers the periodic tasks of the modules imported here: the other jobs of supervision.
from . import tasks_blacklist, tasks_classes, tasks_enforcement  # noqa: F401
from .summaries import rebuild_summary


@db_periodic_task(crontab(minute="*/5"))
@lock_task("supervision-rebuild-summary")
def refresh_summary():
    # The lock: a run that outlasts five minutes (a whole province on a slow disk) is not joined by the next one.
    return rebuild_summary()
