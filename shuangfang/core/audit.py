"""Refusals in the event log: every 403 the platform answers becomes one `auth.denied` event.

等保 2.0 §8.1.4.3 (安全审计) asks that security-relevant events be audited, and ASVS 5.0 V16.3.2 names failed
authorization attempts among them.  A refusal can come from four places — a service's PermissionDenied reaching a
page, Django's PermissionDenied raised by a page, DRF's permission classes or a service refusal in the API, and the
CSRF check — so the event is written in one place, the request middleware, from the response's status.  The places
that know why they refused leave their message on the request first (`note_denial`); a 403 nobody explained is still
recorded, with an empty message.
"""

from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.handlers.exception import response_for_exception
from django.shortcuts import render
from django.views.csrf import csrf_failure as django_csrf_failure

from .events import record_event
from .services import PermissionDenied as ServicePermissionDenied
from .services import ServiceError

DENIAL_ATTRIBUTE = "audit_denial"
FORBIDDEN = 403
TOO_MANY_REQUESTS = 429


def note_denial(request, message: str, *, reason: str = "permission") -> None:
    """Say why the request is being refused; `request` is Django's request (or DRF's, which wraps it)."""
    request = getattr(request, "_request", request)
    setattr(request, DENIAL_ATTRIBUTE, {"message": str(message), "reason": reason})


def record_denial(request, response) -> None:
    """The `auth.denied` event of a 403 answer; called once per request, by the middleware."""
    if response.status_code != FORBIDDEN:
        return
    noted = getattr(request, DENIAL_ATTRIBUTE, None) or {"message": "", "reason": "permission"}
    user = getattr(request, "user", None)
    actor = user if getattr(user, "is_authenticated", False) else None
    data = {
        "path": request.path,
        "method": request.method,
        "status": response.status_code,
        "reason": noted["reason"],
        "message": noted["message"],
    }
    session = getattr(request, "session", None)
    if actor is None and session is not None and session.get(SESSION_KEY):
        # Refused before the session was accepted (REST framework's CSRF check): whose session the request carried
        # is what an investigation of a forged request asks first.
        data["session_user_id"] = session.get(SESSION_KEY)
    record_event(
        "auth.denied", actor=actor, organization=getattr(actor, "organization", None), outcome="failure", data=data
    )


def page_exception_response(request, exception):
    """What a page answers for a service error nobody caught: a service's refusal is the 403 page with its message,
    a rate limit the 429 page; anything else is left to Django."""
    if isinstance(exception, ServicePermissionDenied) and exception.status_code == FORBIDDEN:
        note_denial(request, exception.message)
        return response_for_exception(request, Forbidden(exception.message))
    if isinstance(exception, Forbidden):
        # Django renders the 403 page itself.
        note_denial(request, str(exception))
        return None
    if isinstance(exception, ServiceError) and exception.status_code == TOO_MANY_REQUESTS:
        response = render(request, "429.html", {"message": exception.message}, status=TOO_MANY_REQUESTS)
        response["Retry-After"] = "60"
        return response
    return None


def csrf_failure(request, reason: str = ""):
    """Django's CSRF failure page (templates/403_csrf.html), with the refusal noted for the log."""
    note_denial(request, reason, reason="csrf")
    return django_csrf_failure(request, reason=reason)
