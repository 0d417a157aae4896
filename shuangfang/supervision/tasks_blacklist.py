"""The blacklist's daily job: entries whose term ended are lifted (期满自动移出).

Huey discovers the `tasks` module of each app; supervision/tasks.py imports this module so that the job registers."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services_blacklist import expire_entries


# Hourly rather than once at midnight: a run missed (a restart, a deployment) is made up within the hour, and a
# second run on the same day lifts nothing.
@db_periodic_task(crontab(minute="15"))
def expire_blacklist_entries():
    return expire_entries(timezone.localdate())
