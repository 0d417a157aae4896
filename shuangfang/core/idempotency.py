"""Idempotency keys for POST requests (API contract, Idempotency; IETF draft idempotency-key-header).

A repeat with the same key and the same body within 24 hours returns the first response and
creates nothing; the same key with another body is refused with 422; a repeat while the first is
still being processed gets 409.  Keys are stored per user, so one client can never see another's
cached response.
"""

import hashlib
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotencyRecord

KEY_PATTERN = re.compile(r'^"?([A-Za-z0-9_\-]{8,64})"?$')
RETENTION = timedelta(hours=24)


class IdempotencyProblem(Exception):
    def __init__(self, status_code: int, detail: str):
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


def parse_key(header: str) -> str:
    match = KEY_PATTERN.match(header.strip())
    if not match:
        raise IdempotencyProblem(400, _("Idempotency-Key 须为 8–64 位字母、数字、- 或 _（建议使用 UUID）。"))
    return match.group(1)


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def file_digest(uploaded) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def claim(user, key: str, print_: str) -> IdempotencyRecord | None:
    """Claim the key for this request.  Returns the finished record to replay, or None to proceed."""
    existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if existing and existing.created_at < timezone.now() - RETENTION:
        existing.delete()
        existing = None
    if existing is None:
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(user=user, key=key, fingerprint=print_)
            return None
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(user=user, key=key)
    if existing.fingerprint != print_:
        raise IdempotencyProblem(422, _("该 Idempotency-Key 已用于另一个请求内容。"))
    if not existing.completed:
        raise IdempotencyProblem(409, _("相同 Idempotency-Key 的请求正在处理，请稍后重试。"))
    return existing


def complete(user, key: str, status_code: int, body: bytes, content_type: str) -> None:
    if status_code >= 500:
        # A failure of ours is not an answer to keep: the client may retry with the same key.
        IdempotencyRecord.objects.filter(user=user, key=key, completed=False).delete()
        return
    IdempotencyRecord.objects.filter(user=user, key=key).update(
        completed=True, status_code=status_code, response_body=body, content_type=content_type
    )


def release(user, key: str) -> None:
    IdempotencyRecord.objects.filter(user=user, key=key, completed=False).delete()
