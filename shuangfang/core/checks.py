"""Start-up checks of the deployment's configuration (`shuangfang check`, run by every management command)."""

import ipaddress
import os

from django.conf import settings
from django.core.checks import Error, Tags, register

# 网络安全法 art 21: network logs are kept for no less than six months.
MINIMUM_EVENT_RETENTION_DAYS = 180


@register(Tags.security)
def event_retention_check(app_configs, **kwargs):
    """EVENT_RETENTION_DAYS below the legal minimum is refused loudly rather than raised quietly: an operator who
    asked for 90 days has a retention plan (archives, disk budget) that the platform will not follow."""
    configured = os.environ.get("EVENT_RETENTION_DAYS", "").strip()
    if not configured:
        return []
    try:
        days = int(configured)
    except ValueError:
        return [Error(f"EVENT_RETENTION_DAYS={configured!r} is not a whole number of days.", id="shuangfang.E001")]
    if days < MINIMUM_EVENT_RETENTION_DAYS:
        return [
            Error(
                f"EVENT_RETENTION_DAYS={days} is below the legal minimum of {MINIMUM_EVENT_RETENTION_DAYS} days.",
                hint="网络安全法 art 21 requires network logs to be kept at least six months; set 180 or more.",
                id="shuangfang.E002",
            )
        ]
    return []


@register(Tags.security)
def trusted_proxies_check(app_configs, **kwargs):
    """Each TRUSTED_PROXIES entry must be an address or network: a typo would silently record the proxy's
    address as every client's."""
    errors = []
    for proxy in getattr(settings, "TRUSTED_PROXIES", []):
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            errors.append(Error(f"TRUSTED_PROXIES: {proxy!r} is not an IP address or network.", id="shuangfang.E003"))
    return errors
