"""Account services: signing in, and creating and changing users, each with its event."""

import hmac
import secrets
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.context import source_ip_var
from shuangfang.core.events import record_event
from shuangfang.core.models import Event
from shuangfang.core.pii import masked_diff
from shuangfang.core.ratelimit import check_login_rate
from shuangfang.core.services import (
    InvalidTransition,
    PermissionDenied,
    ServiceError,
    apply_changes,
    check_version,
    lock_for_update,
)
from shuangfang.orgs.models import Organization

from . import totp
from .models import ApiToken, RecoveryCode, TwoFactorDevice, User
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


def address_locked_until(source_ip: str | None):
    """When the lock on a source address ends: LOCKOUT_IP_FAILURES failed sign-ins from it within the lock
    period, whichever accounts they named (guessing one password across many accounts)."""
    if not source_ip:
        return None
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = Event.objects.filter(source_ip=source_ip, at__gte=since, type="auth.login_failed")
    if failures.count() < settings.LOCKOUT_IP_FAILURES:
        return None
    return failures.order_by("-at").values_list("at", flat=True).first() + settings.AXES_COOLOFF_TIME


def do_authenticate(request, username: str, password: str, *, channel: str) -> User:
    """Check the credentials through django-axes (which counts failures and locks the account), after the
    per-address rate limit and lock.

    Not in a transaction: the failure count must stay written when the login is refused."""
    # The address the event log records for this request (behind a proxy, the client's, not the proxy's).
    source_ip = source_ip_var.get()
    check_login_rate(source_ip)
    address_until = address_locked_until(source_ip)
    if address_until is not None:
        record_event("auth.login_locked", outcome="failure", data={"username": username, "channel": channel})
        when = timezone.localtime(address_until).strftime("%Y-%m-%d %H:%M")
        raise AccountLocked(_("来自该地址的登录失败次数过多，请于 %(until)s 后再试。") % {"until": when})
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


def do_issue_api_token(request, username: str, password: str, otp: str = "") -> tuple[ApiToken, str]:
    """A token for the API: with the second factor in `otp` for the roles that need one (API contract
    "Authentication"), and never for an expired password, which must be changed in the browser first."""
    user = do_authenticate(request, username, password, channel="api")
    if two_factor_required(user):
        if not otp:
            record_event("auth.2fa_failed", actor=user, obj=user, outcome="failure", data={"channel": "api"})
            raise SecondFactorFailed(_("该账户须使用双因素认证：请在 otp 中提供身份验证器上的验证码。"))
        do_verify_second_factor(user, otp, channel="api")
    if password_expired(user):
        raise PermissionDenied(_("请先在网页登录并修改密码（初始密码、重置的密码或已过期的密码）。"))
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
        if actor is not None:
            _require_change_at_next_sign_in(user)
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
            if actor.pk != user.pk:
                _require_change_at_next_sign_in(user)
            diff["password"] = ["***", "***"]
        if diff.get("is_active") == [True, False] or password:
            # A disabled account or a new password ends every API token of the user.
            ApiToken.objects.filter(user=user).delete()
        if diff:
            # A change of roles is a change of privileges: its own type, so that the audit page lists them apart.
            event_type, data = "user.updated", {"changes": masked_diff(diff)}
            if "roles" in diff:
                before, after = diff["roles"]
                event_type = "user.roles_changed"
                data["added"] = [role for role in after if role not in before]
                data["removed"] = [role for role in before if role not in after]
            record_event(event_type, actor=actor, obj=user, organization=user.organization, data=data)
    return user


# --------------------------------------------------------------------------------------------------------------------
# Second factor (TOTP) and recovery codes
# --------------------------------------------------------------------------------------------------------------------


class SecondFactorFailed(ServiceError):
    status_code = 400


def two_factor_required(user) -> bool:
    """The three platform administrators and the regulators sign in with a second factor (settings.TWO_FACTOR_ROLES)."""
    return bool(set(getattr(user, "roles", None) or []) & set(settings.TWO_FACTOR_ROLES))


def confirmed_device(user) -> TwoFactorDevice | None:
    device = TwoFactorDevice.objects.filter(user=user).first()
    return device if device is not None and device.confirmed else None


def _hash_recovery_code(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), "".join(code.split()).upper().encode(), "sha256").hexdigest()


def _new_recovery_codes(user) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = ["-".join(secrets.token_hex(3).upper() for _part in range(2)) for _n in range(settings.RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash_recovery_code(code)) for code in codes)
    return codes


def do_begin_enrolment(user) -> TwoFactorDevice:
    """A new secret for a user without a confirmed authenticator (a confirmed one is replaced only by a reset)."""
    if confirmed_device(user) is not None:
        raise InvalidTransition(_("已绑定身份验证器；如需更换，请联系安全管理员重置。"))
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user=user).delete()
        return TwoFactorDevice.objects.create(user=user, secret=totp.new_secret())


def _second_factor_failures(user) -> int:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return Event.objects.filter(actor=user, type="auth.2fa_failed", at__gte=since).count()


def _check_not_locked(user) -> None:
    if _second_factor_failures(user) >= settings.AXES_FAILURE_LIMIT:
        raise AccountLocked(
            _("验证码错误次数过多，请于 %(minutes)d 分钟后再试。")
            % {"minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}
        )


def do_confirm_enrolment(user, code: str) -> list[str]:
    """The first code from the app proves the secret was taken; returns the recovery codes, shown once."""
    _check_not_locked(user)
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
        if device is None:
            raise InvalidTransition(_("请先开始绑定身份验证器。"))
        step = totp.matching_step(device.secret, code, after_step=device.last_step)
        if step is None:
            record_event("auth.2fa_failed", actor=user, obj=user, outcome="failure", data={"stage": "enrolment"})
            raise SecondFactorFailed(_("验证码不正确，请输入身份验证器上当前显示的 6 位数字。"))
        device.confirmed_at = timezone.now()
        device.last_step = step
        device.save(update_fields=["confirmed_at", "last_step"])
        codes = _new_recovery_codes(user)
        record_event("auth.2fa_enrolled", actor=user, obj=user, organization=user.organization)
    return codes


def do_verify_second_factor(user, code: str, *, channel: str) -> str:
    """A code from the authenticator or an unused recovery code; returns which one was used."""
    _check_not_locked(user)
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        if device is None:
            raise InvalidTransition(_("该账户须使用双因素认证，请先在网页登录并绑定身份验证器。"))
        step = totp.matching_step(device.secret, code, after_step=device.last_step)
        if step is not None:
            device.last_step = step
            device.save(update_fields=["last_step"])
            record_event("auth.2fa_verified", actor=user, obj=user, data={"channel": channel, "method": "totp"})
            return "totp"
        recovery = RecoveryCode.objects.filter(
            user=user, code_hash=_hash_recovery_code(code), used_at__isnull=True
        ).first()
        if recovery is not None:
            recovery.used_at = timezone.now()
            recovery.save(update_fields=["used_at"])
            left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
            record_event(
                "auth.2fa_verified",
                actor=user,
                obj=user,
                data={"channel": channel, "method": "recovery_code", "recovery_codes_left": left},
            )
            return "recovery_code"
    record_event("auth.2fa_failed", actor=user, obj=user, outcome="failure", data={"channel": channel})
    raise SecondFactorFailed(_("验证码不正确。"))


def do_regenerate_recovery_codes(user, code: str) -> list[str]:
    do_verify_second_factor(user, code, channel="web")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record_event("auth.recovery_codes_regenerated", actor=user, obj=user)
    return codes


def check_may_secure_accounts(actor) -> None:
    if not actor.may(Action.UNLOCK_ACCOUNTS):
        raise PermissionDenied(_("只有安全管理员能解锁账户或重置双因素认证。"))


def do_reset_two_factor(*, actor, user) -> None:
    """The security administrator removes a lost authenticator: the user enrols again at the next sign-in."""
    check_may_secure_accounts(actor)
    with transaction.atomic():
        removed = TwoFactorDevice.objects.filter(user=user).delete()[0]
        RecoveryCode.objects.filter(user=user).delete()
        ApiToken.objects.filter(user=user).delete()
        record_event("auth.2fa_reset", actor=actor, obj=user, organization=user.organization, data={"removed": removed})


def do_unlock_account(*, actor, username: str) -> int:
    """End a lock before its time (the person proved who they are to the security administrator)."""
    check_may_secure_accounts(actor)
    with transaction.atomic():
        cleared = AccessAttempt.objects.filter(username=username).delete()[0]
        record_event("auth.unlocked", actor=actor, data={"username": username, "attempts_cleared": cleared})
    return cleared


# --------------------------------------------------------------------------------------------------------------------
# Passwords
# --------------------------------------------------------------------------------------------------------------------


def password_expired(user) -> bool:
    """The password must be changed before anything else: it was set by an administrator (an initial or reset
    password: `password_changed_at` is empty, ASVS 6.4.1) or it is older than PASSWORD_MAX_AGE_DAYS."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.password_changed_at is None:
        return True
    days = settings.PASSWORD_MAX_AGE_DAYS
    return bool(days) and user.password_changed_at + timedelta(days=days) <= timezone.now()


def _require_change_at_next_sign_in(user) -> None:
    """A password someone else chose is known to them: its holder replaces it at the next sign-in."""
    User.objects.filter(pk=user.pk).update(password_changed_at=None)
    user.password_changed_at = None


def do_change_own_password(user, *, current: str, new: str) -> None:
    """Changing one's own password ends every other session and every API token of the user."""
    if not user.check_password(current):
        record_event("auth.password_change_failed", actor=user, obj=user, outcome="failure")
        raise ValidationError({"current_password": _("当前密码不正确。")})
    try:
        validate_password(new, user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.messages}) from error
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(new)
        user.version += 1
        user.save(update_fields=["password", "version"])
        ApiToken.objects.filter(user=user).delete()
        record_event("auth.password_changed", actor=user, obj=user, organization=user.organization)
