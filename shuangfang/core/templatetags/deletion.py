"""`{% delete_link record %}`: the way to delete a record, for those who may (core.deletion)."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from shuangfang.core import deletion

register = template.Library()


@register.inclusion_tag("core/_delete_link.html", takes_context=True)
def delete_link(context, record, style="button"):
    """A link to the record's delete confirmation, shown only to a user whose role may delete its kind: the page asks
    the service's own check, so it never offers what the service would refuse."""
    request = context.get("request")
    user = getattr(request, "user", None)
    kind = deletion.kind_of(record)
    shown = user is not None and user.is_authenticated and user.may(kind.action) and not record.is_deleted
    url = ""
    if shown:
        url = f"{reverse('core:delete-record', args=[kind.key, record.pk])}?{urlencode({'next': request.path})}"
    return {"shown": shown, "url": url, "style": style, "label": kind.label}
