"""Background jobs of the core: sealing the event log every minute, building the large list exports, and deleting
their files once kept long enough."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .background_exports import remove_expired_exports, run_export_job
from .events import seal_events


@db_periodic_task(crontab(minute="*"))
def seal_event_log():
    seal_events()


# No retry: a failure is reported to the requester, who exports again (a retry would run with a stale request).
@db_task(retries=0)
def build_export_file(job_id: int):
    run_export_job(job_id)


@db_periodic_task(crontab(minute="17"))
def remove_expired_export_files():
    return remove_expired_exports()
