"""Who may reach a view at all, declared on the view itself (GB/T 22239-2019 §8.1.4.2 访问控制; ASVS 5.0 V8.1, V8.2).

Every URL of the platform answers to one declared rule, next to the code it guards:

- `authenticated`: a function view wrapped in `login_required` below (an anonymous visitor is sent to the login
  page), or a REST framework view whose permission classes require a signed-in caller (the default,
  `IsAuthenticated`: an anonymous call gets 401);
- `public`: a view deliberately open to anonymous visitors (the login page, the QR pages and public reports,
  the published lists, the language switch), marked with `public` — a REST framework view that allows anyone
  must carry the mark too, so that `AllowAny` is never an accident.

What a signed-in user may then do is the services' business (roles and scope); this module only makes sure that
no URL is reachable without a decision.  core/tests/test_endpoint_policies.py walks every URL pattern and fails on
one without a rule.
"""

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.decorators import login_required as django_login_required
from rest_framework.permissions import AllowAny, IsAuthenticated

AUTHENTICATED = "authenticated"
PUBLIC = "public"

__all__ = ["AUTHENTICATED", "PUBLIC", "declared_access", "login_required", "public"]


def login_required(view):
    """Django's login_required, with the rule recorded on the view."""
    guarded = django_login_required(view)
    guarded.access_rule = AUTHENTICATED
    return guarded


def public(view):
    """Mark a view (function, `as_view()` result or REST framework view class) as open to anonymous visitors."""
    if isinstance(view, type):
        view.access_rule = PUBLIC
        return view
    view.access_rule = PUBLIC
    # Also what Django's LoginRequiredMiddleware reads, should a deployment switch it on.
    return login_not_required(view)


def view_class_of(view):
    return getattr(view, "cls", None) or getattr(view, "view_class", None)


def declared_access(view) -> tuple[str | None, str]:
    """(rule, why) of a URL pattern's callback; rule None means no rule is declared, `why` says what is missing."""
    rule = getattr(view, "access_rule", None)
    if rule:
        return rule, ""
    view_class = view_class_of(view)
    if view_class is None:
        return None, "a function view with neither login_required (core.access) nor public"
    # The mark on this very class, not one inherited from a public base.
    if view_class.__dict__.get("access_rule"):
        return view_class.__dict__["access_rule"], ""
    permissions = getattr(view_class, "permission_classes", None)
    if permissions is None:
        return None, f"{view_class.__name__} is a plain class view: wrap its as_view() in login_required or public"
    if any(_is(permission, AllowAny) for permission in permissions):
        return None, f"{view_class.__name__} allows anyone (AllowAny) without being marked public"
    if not any(_is(permission, IsAuthenticated) for permission in permissions):
        names = ", ".join(getattr(permission, "__name__", repr(permission)) for permission in permissions)
        return None, f"{view_class.__name__} has no permission class requiring a signed-in caller ({names})"
    return AUTHENTICATED, ""


def _is(permission, base) -> bool:
    return isinstance(permission, type) and issubclass(permission, base)
