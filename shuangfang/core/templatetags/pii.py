"""`{% personal obj "field" %}`: a personal number as pages show it — masked, with a "显示" button for a user
the rule in core.pii allows (an htmx POST to core:unmask, which records the request)."""

from django import template
from django.template.loader import render_to_string

from shuangfang.core import pii

register = template.Library()


@register.simple_tag(takes_context=True)
def personal(context, obj, field: str):
    request = context.get("request")
    user = getattr(request, "user", None)
    personal_field = pii.FIELDS_BY_MODEL_FIELD[(obj._meta.label, field)]
    return render_to_string(
        "core/_personal.html",
        {
            "shown": pii.shown(obj, field),
            "may_unmask": pii.may_unmask(user, obj, field),
            "kind": personal_field.kind,
            "pk": obj.pk,
            "field": field,
        },
    )
