"""Signing in and out, and the user pages (list, create, view and change)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import PermissionDenied as Forbidden
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from shuangfang.core.forms import submit_to_service
from shuangfang.core.navigation import USER_PAGE_ROLES
from shuangfang.core.services import permitted
from shuangfang.core.views import list_response, login_required, paginate
from shuangfang.orgs.models import Organization

from .forms import LoginForm, UserCreateForm, UserFilterForm, UserUpdateForm
from .models import User
from .roles import PLATFORM_ROLES, ROLES_BY_ORGANIZATION_KIND, Action, Role
from .services import (
    AccountLocked,
    LoginFailed,
    check_may_manage_users,
    do_authenticate,
    do_create_user,
    do_update_user,
    locked_message,
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
    except AccountLocked as locked:
        return _render_login(request, form, next_url, locked=locked.message, status=429)
    except LoginFailed as failed:
        form.add_error(None, failed.message)
        return _render_login(request, form, next_url)
    # login() gives the session a new key, so a key planted before sign-in is worthless after it.
    login(request, user)
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


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
        initial = {field: getattr(person, field) for field in ("full_name", "phone", "email", "roles", "is_active")}
        form = UserUpdateForm(request.POST or None, initial={**initial, "version": person.version})
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
