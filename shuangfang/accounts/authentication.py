from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .models import ApiToken


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <token>` with tokens that expire (API contract, Authentication)."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        token = ApiToken.find(key)
        if token is None or token.expired:
            raise exceptions.AuthenticationFailed(_("令牌无效或已过期，请重新登录。"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("账户已停用。"))
        now = timezone.now()
        # Touch the token at most once a minute: a busy client should not turn every read into a write.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
