"""Session rules applied to every signed-in browser request (GB/T 22239-2019 §8.1.4.1; ASVS 5.0 V7):

- an absolute lifetime: a session ends SESSION_ABSOLUTE_HOURS after sign-in however busy it is (the idle
  timeout is the session cookie's age, renewed on every request);
- the second factor: a user of a TWO_FACTOR_ROLES role reaches nothing but the second-factor pages until the
  session has passed it;
- password expiry: a password older than PASSWORD_MAX_AGE_DAYS must be changed before anything else.

Sessions end by themselves when the password changes (Django checks the session's password hash) or when the
account is disabled (an inactive user is not loaded); API tokens are deleted by the same services.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .services import password_expired, two_factor_required

AUTHENTICATED_AT = "authenticated_at"
TWO_FACTOR_VERIFIED = "two_factor_verified"


def mark_authenticated(sender, request, user, **kwargs) -> None:
    """user_logged_in: the moment the absolute lifetime counts from."""
    if hasattr(request, "session"):
        request.session[AUTHENTICATED_AT] = timezone.now().isoformat()


def mark_second_factor_passed(request) -> None:
    # A new session key once the second factor is passed, like at sign-in.
    request.session.cycle_key()
    request.session[TWO_FACTOR_VERIFIED] = True


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            refusal = self._refusal(request, user)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _exempt(self, request, *names: str) -> bool:
        path = request.path
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")) or path == reverse("set_language"):
            return True
        return any(path == reverse(name) for name in ("accounts:logout", *names))

    def _refusal(self, request, user):
        is_api = request.path.startswith("/api/")
        started = request.session.get(AUTHENTICATED_AT)
        if started is None:
            request.session[AUTHENTICATED_AT] = timezone.now().isoformat()
        elif timezone.now() - datetime.fromisoformat(started) > timedelta(hours=settings.SESSION_ABSOLUTE_HOURS):
            logout(request)
            message = _("登录已超过 %(hours)d 小时，请重新登录。") % {"hours": settings.SESSION_ABSOLUTE_HOURS}
            if is_api:
                return JsonResponse({"detail": message}, status=401)
            messages.info(request, message)
            return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
        second_factor_pages = ("accounts:two-factor", "accounts:two-factor-enrol")
        if two_factor_required(user) and not request.session.get(TWO_FACTOR_VERIFIED):
            if self._exempt(request, *second_factor_pages):
                return None
            if is_api:
                return JsonResponse({"detail": _("请先完成双因素认证。")}, status=403)
            return redirect(f"{reverse('accounts:two-factor')}?next={request.get_full_path()}")
        if password_expired(user) and not self._exempt(request, "accounts:password-change", *second_factor_pages):
            if is_api:
                return JsonResponse({"detail": _("密码已过期，请先修改密码。")}, status=403)
            if user.password_changed_at is None:
                messages.warning(request, _("这是管理员为您设置的密码，请先修改为只有您知道的密码。"))
            else:
                messages.warning(
                    request, _("密码已使用超过 %(days)d 天，请修改密码。") % {"days": settings.PASSWORD_MAX_AGE_DAYS}
                )
            return redirect("accounts:password-change")
        return None
