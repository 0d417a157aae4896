"""Password rules beyond Django's own (等保 2.0 level 3: complexity; see docs/security.md)."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _classes(password: str) -> int:
    return sum(
        [
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )


class CharacterClassValidator:
    """At least `min_classes` of: lower-case letters, upper-case letters, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if _classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes}


class NotContainingUsernameValidator:
    """The password may not contain the username (in any letter case)."""

    def validate(self, password, user=None):
        username = getattr(user, "username", "") or ""
        if username and username.lower() in password.lower():
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self):
        return _("密码不能包含用户名。")


class PasswordHistoryValidator:
    """A new password may not repeat the current one or the last PASSWORD_HISTORY_COUNT (等保 2.0 §8.1.4.1 a).

    Its `password_changed` hook (Django calls it when a user whose password was set is saved) keeps the
    history and the date the password was set, so every way of setting a password counts."""

    def _count(self) -> int:
        from django.conf import settings

        return settings.PASSWORD_HISTORY_COUNT

    def validate(self, password, user=None):
        if user is None or not getattr(user, "pk", None) or self._count() <= 0:
            return
        from django.contrib.auth.hashers import check_password

        from .models import PasswordHistory, User

        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        earlier = PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[: self._count()]
        if any(encoded and check_password(password, encoded) for encoded in [current, *earlier]):
            raise ValidationError(
                _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self._count()}, code="password_reused"
            )

    def password_changed(self, password, user=None):
        if user is None or not getattr(user, "pk", None):
            return
        from django.utils import timezone

        from .models import PasswordHistory, User

        now = timezone.now()
        PasswordHistory.objects.create(user_id=user.pk, password=user.password, created_at=now)
        User.objects.filter(pk=user.pk).update(password_changed_at=now)
        user.password_changed_at = now
        keep = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[: max(self._count(), 1)]
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=list(keep)).delete()

    def get_help_text(self):
        return _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self._count()}
