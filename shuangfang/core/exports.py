"""What every export does before it writes a file: the rate limit, then one `export.<what>` event.

An export carries a whole list of records out of the platform in one request, so each is counted
(ASVS 5.0 V2.4.1: anti-automation — `EXPORT_RATE_PER_MINUTE` per user, then 429) and logged with who took
what: the filters as asked and the number of rows (等保 2.0 §8.1.4.3 安全审计; 个人信息保护法 art 51 asks that
the handling of personal data be traceable).  Pages and API actions call the same helper, so the two limits
are one.
"""

from django.db.models import QuerySet

from .events import record_event
from .ratelimit import check_export_rate


def requested_filters(request) -> dict:
    """The query string as asked: one value per name, a list where a name repeats; empty values left out."""
    filters = {}
    for name, values in request.GET.lists():
        values = [value for value in values if value != ""]
        if values:
            filters[name] = values[0] if len(values) == 1 else values
    return filters


def _count(rows) -> int | None:
    if rows is None:
        return None
    if isinstance(rows, int):
        return rows
    if isinstance(rows, QuerySet):
        return rows.count()
    return len(rows)


def begin_export(request, what: str, rows=None, *, obj=None, filters: dict | None = None) -> None:
    """Refuse the export when the user has exported too often in the last minute (RateLimited, 429); otherwise
    record `export.<what>` with the filters and the row count (`rows`: a queryset, a list or a number).  `obj` is
    the one record the export is about (an exam, a unit's file), when there is one."""
    user = request.user
    check_export_rate(user)
    data = {"filters": requested_filters(request) if filters is None else filters, "path": request.path}
    count = _count(rows)
    if count is not None:
        data["rows"] = count
    if obj is None:
        organization = user.organization
    elif obj._meta.label_lower == "orgs.organization":
        organization = obj
    else:
        organization = None  # record_event takes the object's own
    record_event(f"export.{what}", actor=user, obj=obj, organization=organization, data=data)
