"""The "显示" of a masked personal number (core.pii): one value, for a user the rule allows, recorded."""

from django.shortcuts import render
from django.views.decorators.http import require_POST

from shuangfang.core.access import login_required

from . import pii


@login_required
@require_POST
def unmask(request, kind: str, pk: int, field: str):
    """404 for an object outside the user's scope and for a value the user may not see: the two look the same."""
    obj = pii.find(request.user, kind, pk, field)
    value = pii.unmask(request.user, obj, field, request)
    response = render(request, "core/_personal_value.html", {"value": value})
    # The value must not stay in a shared or browser cache.
    response["Cache-Control"] = "no-store"
    return response
