"""Background jobs of hidden-hazard investigation: the Order 74 duty cycle, hourly."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .scheduling import run_duty_cycle


# Hourly rather than once at midnight: a run missed (a restart, a deployment) is made up within the hour, and a
# second run on the same day creates nothing.
@db_periodic_task(crontab(minute="5"))
def run_investigation_duty_cycle():
    return run_duty_cycle(timezone.localdate())
