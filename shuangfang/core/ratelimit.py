"""Rate limits counted on the event log (ASVS 5.0 V2.4: anti-automation).

The log already holds one row per sign-in attempt and per export, with the actor and the source address,
so counting its recent rows gives one limit shared by every worker process and every host, with no cache
to keep in step.  The counts use the (source_ip, at) and (actor, seq) indexes.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Event
from .services import ServiceError

WINDOW = timedelta(minutes=1)


class RateLimited(ServiceError):
    status_code = 429


def _recent(now=None):
    return Event.objects.filter(at__gte=(now or timezone.now()) - WINDOW)


def check_login_rate(source_ip: str | None) -> None:
    """Sign-in attempts from one address per minute, successful or not."""
    if not source_ip:
        return
    attempts = _recent().filter(source_ip=source_ip, type__startswith="auth.login").count()
    if attempts >= settings.LOGIN_RATE_PER_MINUTE:
        raise RateLimited(_("登录请求过于频繁，请一分钟后再试。"))


def check_export_rate(user) -> None:
    """Exports by one user per minute: an export reads every row in scope, and a script looping over it
    would both load the server and carry the data away."""
    exports = _recent().filter(actor=user, type__startswith="export.").count()
    if exports >= settings.EXPORT_RATE_PER_MINUTE:
        raise RateLimited(_("导出过于频繁，请一分钟后再试。"))
