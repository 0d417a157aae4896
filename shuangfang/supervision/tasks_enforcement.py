"""The enforcement orders' daily job: an order past its deadline without compliance records the closure
recommendation (晋市监发〔2022〕116号: 逾期仍达不到要求的，一律依法予以关闭).

Huey discovers the `tasks` module of each app; supervision/tasks.py imports this module so that the job registers."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services_enforcement import recommend_closures


# Hourly rather than once at midnight: a run missed (a restart, a deployment) is made up within the hour, and a
# second run on the same day marks nothing (only orders still issued are marked).
@db_periodic_task(crontab(minute="25"))
def recommend_enforcement_closures():
    return recommend_closures(timezone.localdate())
