"""Account services: signing in, and creating and changing users, each with its event."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.events import record_event
from shuangfang.core.services import PermissionDenied, ServiceError, apply_changes, check_version, lock_for_update
from shuangfang.orgs.models import Organization

from .models import ApiToken, User
from .roles import PLATFORM_ROLES, ROLES_BY_ORGANIZATION_KIND, Action, Role


class LoginFailed(ServiceError):
    status_code = 400


class AccountLocked(ServiceError):
    status_code = 429


def locked_until(username: str):
    attempt = AccessAttempt.objects.filter(username=username).order_by("-attempt_time").first()
    if attempt is None:
        return None
    until = attempt.attempt_time + settings.AXES_COOLOFF_TIME
    return until if until > timezone.now() else None


def locked_message(username: str) -> str:
    until = locked_until(username)
    when = timezone.localtime(until).strftime("%Y-%m-%d %H:%M") if until else ""
    return _("登录失败次数过多，账户已锁定，请于 %(until)s 后再试。") % {"until": when}


def do_authenticate(request, username: str, password: str, *, channel: str) -> User:
    """Check the credentials through django-axes (which counts failures and locks the account).

    Not in a transaction: the failure count must stay written when the login is refused."""
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        record_event("auth.login_locked", outcome="failure", data={"username": username, "channel": channel})
        raise AccountLocked(locked_message(username))
    if user is None:
        record_event("auth.login_failed", outcome="failure", data={"username": username, "channel": channel})
        # The same message whether or not the user exists: a login form must not reveal accounts.
        raise LoginFailed(_("用户名或密码错误。"))
    record_event("auth.login", actor=user, obj=user, organization=user.organization, data={"channel": channel})
    return user


def do_issue_api_token(request, username: str, password: str) -> tuple[ApiToken, str]:
    user = do_authenticate(request, username, password, channel="api")
    with transaction.atomic():
        token, raw = ApiToken.issue(user, settings.API_TOKEN_LIFETIME)
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return token, raw


def _validate_roles(organization: Organization | None, roles: list[str]) -> list[str]:
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise ValidationError({"roles": _("未知的角色：%(roles)s") % {"roles": ", ".join(unknown)}})
    if not roles:
        raise ValidationError({"roles": _("至少需要一个角色。")})
    platform = set(roles) & PLATFORM_ROLES
    if platform:
        # 三权分立: the system, security and audit administrators are three different people.
        if len(roles) > 1:
            raise ValidationError({"roles": _("系统管理员、安全管理员、审计管理员三者互斥，且不能兼任其他角色。")})
        if organization is not None:
            raise ValidationError({"roles": _("平台管理员不属于任何单位。")})
        return list(roles)
    if organization is None:
        raise ValidationError({"organization": _("请选择所属单位。")})
    allowed = ROLES_BY_ORGANIZATION_KIND[organization.kind]
    wrong = [role for role in roles if role not in allowed]
    if wrong:
        raise ValidationError(
            {
                "roles": _("%(kind)s 的用户不能担任：%(roles)s")
                % {"kind": organization.get_kind_display(), "roles": ", ".join(wrong)}
            }
        )
    return list(dict.fromkeys(roles))


def check_may_manage_users(actor: User, organization: Organization | None, roles: list[str]) -> None:
    if not actor.may(Action.MANAGE_USERS):
        raise PermissionDenied(_("您的角色不能管理用户。"))
    if actor.has_role(Role.SYSTEM_ADMIN):
        return
    # An org_admin or regulator_admin manages the people of its own organization only.
    if organization is None or organization.pk != actor.organization_id:
        raise PermissionDenied(_("只能管理本单位的用户。"))
    if set(roles) & PLATFORM_ROLES:
        raise PermissionDenied(_("只有系统管理员能设置平台管理员角色。"))


def do_create_user(
    *,
    actor: User | None,
    username: str,
    password: str,
    organization: Organization | None,
    roles: list[str],
    full_name: str = "",
    phone: str = "",
    email: str = "",
) -> User:
    roles = _validate_roles(organization, roles)
    if actor is not None:
        check_may_manage_users(actor, organization, roles)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("用户名已被使用。")})
    user = User(
        username=username, organization=organization, roles=roles, full_name=full_name, phone=phone, email=email
    )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save()
        record_event(
            "user.created",
            actor=actor,
            obj=user,
            organization=organization,
            data={"username": username, "roles": roles},
        )
    return user


EDITABLE_USER_FIELDS = ("full_name", "phone", "email", "roles", "is_active")


def do_update_user(*, actor: User, user: User, changes: dict, expected_version: int | None) -> User:
    check_may_manage_users(actor, user.organization, changes.get("roles", user.roles))
    password = changes.pop("password", None)
    unknown = set(changes) - set(EDITABLE_USER_FIELDS)
    if unknown:
        raise ValidationError({field: _("该字段不能修改。") for field in unknown})
    if "roles" in changes:
        changes["roles"] = _validate_roles(user.organization, changes["roles"])
    if user.pk == actor.pk and changes.get("is_active") is False:
        raise ValidationError({"is_active": _("不能停用自己的账户。")})
    with transaction.atomic():
        user = lock_for_update(user)
        check_version(user, expected_version)
        diff = apply_changes(user, changes)
        if password:
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise ValidationError({"password": error.messages}) from error
            user.set_password(password)
            user.version += 1
            user.save(update_fields=["password", "version"])
            diff["password"] = ["***", "***"]
        if diff.get("is_active") == [True, False] or password:
            # A disabled account or a new password ends every API token of the user.
            ApiToken.objects.filter(user=user).delete()
        if diff:
            record_event("user.updated", actor=actor, obj=user, organization=user.organization, data={"changes": diff})
    return user
