"""Signing in and out, and the user pages (list, create, view and change)."""

from datetime import timedelta
from urllib.parse import urlencode

import segno
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.core.exceptions import PermissionDenied as Forbidden
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from shuangfang.core.access import public
from shuangfang.core.forms import submit_to_service
from shuangfang.core.navigation import USER_PAGE_ROLES
from shuangfang.core.ratelimit import RateLimited
from shuangfang.core.services import ServiceError, permitted
from shuangfang.core.views import list_response, login_required, paginate
from shuangfang.orgs.models import Organization

from . import totp
from .forms import (
    LoginForm,
    OneTimeCodeForm,
    PasswordChangeForm,
    UnlockForm,
    UserCreateForm,
    UserFilterForm,
    UserUpdateForm,
)
from .middleware import TWO_FACTOR_VERIFIED, mark_second_factor_passed
from .models import User
from .roles import PLATFORM_ROLES, ROLES_BY_ORGANIZATION_KIND, Action, Role
from .services import (
    AccountLocked,
    LoginFailed,
    check_may_manage_users,
    confirmed_device,
    do_authenticate,
    do_begin_enrolment,
    do_change_own_password,
    do_confirm_enrolment,
    do_create_user,
    do_regenerate_recovery_codes,
    do_reset_two_factor,
    do_unlock_account,
    do_update_user,
    do_verify_second_factor,
    locked_message,
    two_factor_required,
)

USERS_PER_PAGE = 50


# --------------------------------------------------------------------------------------------------------------------
# Signing in and out
# --------------------------------------------------------------------------------------------------------------------


def safe_next(request, candidate: str | None) -> str:
    """`next` if it is a path on this site, else "" (an open redirect would help phishing)."""
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if allowed else ""


def _render_login(request, form, next_url: str, *, locked: str = "", status: int = 200):
    context = {
        "form": form,
        "next": next_url,
        "locked_message": locked,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "lock_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
    }
    return render(request, "accounts/login.html", context, status=status)


@public
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method != "POST":
        if request.user.is_authenticated:
            return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
        return _render_login(request, LoginForm(), next_url)
    form = LoginForm(request.POST)
    if not form.is_valid():
        return _render_login(request, form, next_url)
    try:
        user = do_authenticate(request, form.cleaned_data["username"], form.cleaned_data["password"], channel="web")
    except (AccountLocked, RateLimited) as locked:
        return _render_login(request, form, next_url, locked=locked.message, status=429)
    except LoginFailed as failed:
        form.add_error(None, failed.message)
        return _render_login(request, form, next_url)
    # login() gives the session a new key, so a key planted before sign-in is worthless after it.
    login(request, user)
    if two_factor_required(user):
        # The session is signed in but reaches nothing except the second-factor pages (SessionSecurityMiddleware).
        return redirect(_with_next(reverse("accounts:two-factor"), next_url))
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _continue(request, next_url: str):
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


@csrf_protect
@never_cache
@login_required
def two_factor(request):
    """The second step of signing in: a code from the authenticator, or a recovery code."""
    user = request.user
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if not two_factor_required(user) or request.session.get(TWO_FACTOR_VERIFIED):
        return _continue(request, next_url)
    if confirmed_device(user) is None:
        return redirect(_with_next(reverse("accounts:two-factor-enrol"), next_url))
    form = OneTimeCodeForm(request.POST or None)
    method, ended = _check_code(request, form, lambda code: do_verify_second_factor(user, code, channel="web"))
    if ended is not None:
        return ended
    if method is not None:
        if method == "recovery_code":
            left = user.recovery_codes.filter(used_at__isnull=True).count()
            messages.warning(
                request, _("已使用一个恢复码，还剩 %(left)d 个；可在“账户安全”中重新生成。") % {"left": left}
            )
        return _continue(request, next_url)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/two_factor.html", {"form": form, "next": next_url}, status=status)


def _check_code(request, form, check):
    """Run a second-factor check on the submitted code: (its result, None) when it passes (the session is then marked
    as having passed the second factor), (None, a redirect to the login page) when too many wrong codes end the
    session, (None, None) otherwise with the reason on the form."""
    if request.method != "POST" or not form.is_valid():
        return None, None
    try:
        result = check(form.cleaned_data["code"])
    except AccountLocked as locked:
        logout(request)
        messages.error(request, locked.message)
        return None, redirect("accounts:login")
    except ServiceError as failed:
        form.add_error("code", failed.message)
        return None, None
    mark_second_factor_passed(request)
    return result, None


def _qr_data_uri(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=5)


@csrf_protect
@never_cache
@login_required
def two_factor_enrol(request):
    """Binding an authenticator app: scan the code (or type the key), then prove it with the first code."""
    user = request.user
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if confirmed_device(user) is not None:
        return redirect(_with_next(reverse("accounts:two-factor"), next_url))
    device = user.two_factor if hasattr(user, "two_factor") else do_begin_enrolment(user)
    form = OneTimeCodeForm(request.POST or None)
    codes, ended = _check_code(request, form, lambda code: do_confirm_enrolment(user, code))
    if ended is not None:
        return ended
    if codes is not None:
        context = {"codes": codes, "next": next_url or resolve_url(settings.LOGIN_REDIRECT_URL)}
        return render(request, "accounts/recovery_codes.html", context)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "next": next_url,
        "secret": " ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4)),
        "qr": _qr_data_uri(totp.provisioning_uri(device.secret, user.username)),
    }
    return render(request, "accounts/two_factor_enrol.html", context, status=status)


@sensitive_post_parameters("current_password", "new_password", "confirm_password")
@csrf_protect
@never_cache
@login_required
def password_change(request):
    """Changing one's own password: the other sessions and every API token of the user end."""
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            changed, status = submit_to_service(
                form,
                lambda: do_change_own_password(
                    request.user, current=data["current_password"], new=data["new_password"]
                ),
            )
            if status < 400:
                # This session stays signed in; every other one fails Django's password-hash check from now on.
                request.user.refresh_from_db()
                update_session_auth_hash(request, request.user)
                messages.success(request, _("密码已修改，其他设备上的登录已全部退出。"))
                return redirect("accounts:security-mine")
    context = {"form": form, "expires_days": settings.PASSWORD_MAX_AGE_DAYS}
    return render(request, "accounts/password_change.html", context, status=status)


@csrf_protect
@never_cache
@login_required
def security_mine(request):
    """The user's own account security: password age, second factor, recovery codes."""
    user = request.user
    form = OneTimeCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = do_regenerate_recovery_codes(user, form.cleaned_data["code"])
        except ServiceError as failed:
            form.add_error("code", failed.message)
            status = 400
        else:
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": request.path})
    elif request.method == "POST":
        status = 400
    device = confirmed_device(user)
    changed = user.password_changed_at or user.date_joined
    context = {
        "form": form,
        "device": device,
        "required": two_factor_required(user),
        "recovery_left": user.recovery_codes.filter(used_at__isnull=True).count() if device else 0,
        "password_changed": changed,
        "password_expires": changed + timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
        if settings.PASSWORD_MAX_AGE_DAYS
        else None,
    }
    return render(request, "accounts/security_mine.html", context, status=status)


def _locked_attempts():
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since)


@csrf_protect
@login_required
def security_admin(request):
    """The security administrator's page: locked accounts to unlock, and authenticators to reset."""
    actor = request.user
    if not actor.may(Action.UNLOCK_ACCOUNTS):
        raise Forbidden(_("只有安全管理员能解锁账户或重置双因素认证。"))
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "unlock":
            form = UnlockForm(request.POST)
            if form.is_valid():
                do_unlock_account(actor=actor, username=form.cleaned_data["username"])
                messages.success(request, _("已解锁 %(username)s。") % {"username": form.cleaned_data["username"]})
        elif action == "reset_two_factor":
            raw = request.POST.get("user", "")
            person = get_object_or_404(User.objects.visible_to(actor), pk=int(raw) if raw.isdigit() else 0)
            do_reset_two_factor(actor=actor, user=person)
            messages.success(
                request, _("已重置 %(username)s 的双因素认证，下次登录时重新绑定。") % {"username": person.username}
            )
        else:
            return HttpResponseBadRequest(_("未知的操作。"))
        return redirect("accounts:security-admin")
    query = request.GET.get("q", "").strip()
    people = []
    if query:
        people = list(
            User.objects.visible_to(actor)
            .filter(Q(username__icontains=query) | Q(full_name__contains=query))
            .select_related("organization", "two_factor")
            .order_by("username")[:50]
        )
    context = {"locked": _locked_attempts().order_by("-attempt_time")[:200], "people": people, "q": query}
    return render(request, "accounts/security_admin.html", context)


@public
@require_POST
@csrf_protect
def logout_view(request):
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


def lockout_response(request, original_response=None, credentials=None, *args, **kwargs):
    """What django-axes answers when a locked account tries again: the API gets 429 with the time
    the lock ends, the browser the login page with the same message.

    django-axes calls this with (request, original_response, credentials), older versions with
    (request, credentials)."""
    if credentials is None and isinstance(original_response, dict):
        credentials = original_response
    username = (credentials or {}).get("username", "")
    message = locked_message(username)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    form = LoginForm(initial={"username": username})
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    return _render_login(request, form, next_url, locked=message, status=429)


# --------------------------------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------------------------------


def _require_user_pages(user) -> None:
    if not (set(user.roles) & USER_PAGE_ROLES):
        raise Forbidden(_("您的角色不能查看用户。"))


def may_manage(actor, organization, roles) -> bool:
    """Whether the account service would let `actor` manage a user of `organization` with `roles`
    (asked of the service itself, so that the page never offers what the service refuses)."""
    return permitted(check_may_manage_users, actor, organization, roles)


def roles_for(organization) -> list[str]:
    allowed = ROLES_BY_ORGANIZATION_KIND[organization.kind] if organization is not None else PLATFORM_ROLES
    return [code for code in Role.values if code in allowed]


@login_required
def user_list(request):
    _require_user_pages(request.user)
    users = User.objects.visible_to(request.user).select_related("organization").order_by("organization_id", "id")
    filters = UserFilterForm(request.GET or None)
    organization = None
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            users = users.filter(Q(username__icontains=data["q"]) | Q(full_name__contains=data["q"]))
        if data["role"]:
            # roles is a JSON list; matching the quoted code works on SQLite and PostgreSQL alike.
            users = users.filter(roles__icontains=f'"{data["role"]}"')
        if data["is_active"]:
            users = users.filter(is_active=data["is_active"] == "1")
        if data["organization"]:
            organization = Organization.objects.visible_to(request.user).filter(pk=data["organization"]).first()
            users = users.filter(organization=organization) if organization else users.none()
    page = paginate(request, users, USERS_PER_PAGE)
    for person in page:
        person.manageable = may_manage(request.user, person.organization, person.roles)
    context = {
        "page": page,
        "filters": filters,
        "organization": organization,
        "may_create": request.user.may(Action.MANAGE_USERS),
    }
    return list_response(request, "accounts/user_list.html", "accounts/_user_rows.html", context)


def _organization_for_new_user(request):
    """A system administrator names the organization (`?organization=<id>`, none for a platform
    administrator); everyone else creates users in their own organization."""
    actor = request.user
    if not actor.has_role(Role.SYSTEM_ADMIN):
        return actor.organization
    raw = request.POST.get("organization") or request.GET.get("organization") or ""
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(Organization.objects.visible_to(actor), pk=int(raw))


@sensitive_post_parameters("password")
@login_required
def user_create(request):
    actor = request.user
    if not actor.may(Action.MANAGE_USERS):
        raise Forbidden(_("您的角色不能管理用户。"))
    organization = _organization_for_new_user(request)
    form = UserCreateForm(request.POST or None)
    form.fields["roles"].offer(roles_for(organization))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created, _status = submit_to_service(
            form,
            lambda: do_create_user(
                actor=actor,
                username=data["username"],
                password=data["password"],
                organization=organization,
                roles=data["roles"],
                full_name=data["full_name"],
                phone=data["phone"],
                email=data["email"],
            ),
        )
        if created:
            messages.success(request, _("已新建用户 %(username)s。") % {"username": created.username})
            return redirect("accounts:user-detail", pk=created.pk)
    context = {"form": form, "organization": organization}
    return render(request, "accounts/user_form.html", context, status=400 if form.errors else 200)


@sensitive_post_parameters("password")
@login_required
def user_detail(request, pk: int):
    """The user's facts; with the form to change them for those who may."""
    actor = request.user
    _require_user_pages(actor)
    person = get_object_or_404(User.objects.visible_to(actor).select_related("organization"), pk=pk)
    manageable = may_manage(actor, person.organization, person.roles)
    form = None
    status = 200
    if manageable:
        initial = {field: getattr(person, field) for field in ("full_name", "email", "roles", "is_active")}
        form = UserUpdateForm(request.POST or None, initial={**initial, "version": person.version}, person=person)
        form.fields["roles"].offer(roles_for(person.organization))
    if request.method == "POST":
        if form is None:
            raise Forbidden(_("只能管理本单位的用户。"))
        status = 400
        if form.is_valid():
            updated, status = submit_to_service(
                form,
                lambda: do_update_user(
                    actor=actor, user=person, changes=form.changes(), expected_version=form.cleaned_data["version"]
                ),
            )
            if updated:
                messages.success(request, _("已保存。"))
                return redirect("accounts:user-detail", pk=person.pk)
    context = {"person": person, "form": form, "conflict": status == 409, "list_url": reverse("accounts:user-list")}
    return render(request, "accounts/user_detail.html", context, status=status)
