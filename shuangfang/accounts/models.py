import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shuangfang.core.crypto import EncryptedCharField
from shuangfang.core.models import ScopedQuerySet
from shuangfang.core.scoping import Scope, ScopeKind

from .roles import PERMISSIONS, Action, Role, role_label


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    """Django's user manager (create_user, create_superuser) with the scoping primitive's visible_to()."""


class User(AbstractUser):
    """A person who signs in: belongs to one organization and holds roles of the API contract.

    The three platform administrator roles (三权分立, GB/T 22239-2019 §8.1.5) belong to no
    organization and are exclusive of each other.
    """

    full_name = models.CharField(_("姓名"), max_length=100, blank=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    roles = models.JSONField(_("角色"), default=list, blank=True)
    # Personal data (个人信息保护法 art 28): stored encrypted, shown masked (core.pii).
    phone = EncryptedCharField(_("手机号"), max_length=32, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    # When the password was last set: it expires PASSWORD_MAX_AGE_DAYS later (GB/T 22239-2019 §8.1.4.1 a).
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    objects = ScopedUserManager()

    class Meta:
        verbose_name = pgettext_lazy("model", "用户")
        verbose_name_plural = pgettext_lazy("model plural", "用户")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def role_labels(self) -> list[str]:
        return [role_label(role) for role in self.roles]

    def has_role(self, *roles: str) -> bool:
        return bool(set(self.roles) & set(roles))

    def may(self, action: Action) -> bool:
        return self.is_active and bool(set(self.roles) & PERMISSIONS[action])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """People are seen by their own organization; a regulator also sees the people of the units in
        its jurisdiction; the platform administrators see everyone."""
        if scope.kind == ScopeKind.PLATFORM:
            return Q()
        if scope.kind == ScopeKind.REGULATOR:
            return Q(organization_id=scope.organization_id) | Q(
                organization__region__code__startswith=scope.region_prefix, organization__kind__in=_UNIT_KINDS
            )
        if scope.organization_id:
            return Q(organization_id=scope.organization_id)
        return Q(pk__in=[])


_UNIT_KINDS = ["use_unit", "filling_station", "maintenance_unit"]


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """An API token with an expiry.  Only its hash is stored; the raw token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "接口令牌")

    def __str__(self) -> str:
        return f"token of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    @classmethod
    def issue(cls, user: User, lifetime) -> tuple["ApiToken", str]:
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, key_hash=_hash_token(raw), expires_at=timezone.now() + lifetime)
        return token, raw

    @classmethod
    def find(cls, raw: str) -> "ApiToken | None":
        return (
            cls.objects.select_related("user", "user__organization__jurisdiction")
            .filter(key_hash=_hash_token(raw))
            .first()
        )

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()


class PasswordHistory(models.Model):
    """Hashes of a user's earlier passwords: a new password may not repeat the last PASSWORD_HISTORY_COUNT
    (GB/T 22239-2019 §8.1.4.1 a, 口令定期更换)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("model", "历史密码")

    def __str__(self) -> str:
        return f"password of {self.user_id} at {self.created_at:%Y-%m-%d}"


class TwoFactorDevice(models.Model):
    """A user's authenticator (TOTP, RFC 6238): the second factor the platform administrators and the
    regulators must use (GB/T 22239-2019 §8.1.4.1 d, 两种或两种以上组合的鉴别技术)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    secret = EncryptedCharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step accepted: a code is good once (RFC 6238 §5.2).
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "双因素认证设备")

    def __str__(self) -> str:
        return f"authenticator of {self.user_id}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """One-time codes for a user who has lost the authenticator; only their hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "恢复码")

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"


__all__ = ["User", "ApiToken", "Role", "PasswordHistory", "TwoFactorDevice", "RecoveryCode"]
