"""Appending to, sealing and verifying the event log.

Row digests: HMAC-SM3 (GB/T 32905, through OpenSSL) of a canonical JSON of the row's content,
keyed by EVENT_SEAL_KEY — someone who can write the table but not read the key cannot forge one.
Seals: ranges of committed rows, each digest chained to the previous seal's.  Appending is one
INSERT with no shared head to lock, so concurrent writers never queue behind each other.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .context import request_id_var, source_ip_var
from .models import Event, EventSeal

GENESIS_DIGEST = "0" * 64
# Rows younger than this are not sealed yet: a transaction that took a lower sequence number may
# still be about to commit.
SEAL_DELAY = timedelta(seconds=60)
SEAL_BATCH = 5000


def _key() -> bytes:
    configured = settings.EVENT_SEAL_KEY
    if configured:
        return configured.encode()
    return hashlib.new("sm3", b"shuangfang-event-seal:" + settings.SECRET_KEY.encode()).digest()


def _hmac(message: bytes) -> str:
    return hmac.new(_key(), message, digestmod="sm3").hexdigest()


def _plain(data) -> dict:
    """The JSON form of data as the database will return it, so that the digest survives a round trip."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def row_digest(event: Event) -> str:
    content = [
        event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        event.type,
        event.outcome,
        event.actor_id,
        event.actor_name,
        event.actor_roles,
        event.organization_id,
        event.region_code,
        event.object_type,
        str(event.object_id),
        event.object_repr,
        event.data,
        event.request_id,
        event.source_ip,
    ]
    return _hmac(json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())


def _describe(obj) -> str:
    """The object as the log names it.  The log is shared data (audit trail and change feed), so the name is written
    in the source language whatever language the actor reads the pages in."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(obj)[:200]


def record_event(
    event_type: str,
    *,
    actor=None,
    obj=None,
    organization=None,
    region_code: str | None = None,
    data: dict | None = None,
    outcome: str = "success",
) -> Event:
    """Append one event.  Call it inside the service's transaction, after the rows are written."""
    event = build_event(
        event_type,
        actor=actor,
        obj=obj,
        organization=organization,
        region_code=region_code,
        data=data,
        outcome=outcome,
    )
    event.save(force_insert=True)
    return event


def build_event(
    event_type: str,
    *,
    actor=None,
    obj=None,
    organization=None,
    region_code: str | None = None,
    data: dict | None = None,
    outcome: str = "success",
) -> Event:
    """The event `record_event` would append, digest included, not saved: a job writing many inserts them together
    (Event.objects.bulk_create)."""
    if obj is not None:
        if organization is None:
            organization = getattr(obj, "organization", None)
        if region_code is None:
            region_code = getattr(obj, "region_id", None) or getattr(obj, "region_code", None)
    if organization is not None and region_code is None:
        region_code = organization.region_id
    event = Event(
        at=timezone.now(),
        type=event_type,
        outcome=outcome,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "",
        actor_roles=",".join(getattr(actor, "roles", None) or []),
        organization=organization,
        region_code=region_code or "",
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=_describe(obj) if obj is not None else "",
        data=_plain(data),
        request_id=request_id_var.get(),
        source_ip=source_ip_var.get(),
    )
    event.digest = row_digest(event)
    return event


def _seal_digest(previous_digest: str, rows: list[tuple[int, str]]) -> str:
    message = previous_digest + "".join(f"|{seq}:{digest}" for seq, digest in rows)
    return _hmac(message.encode())


def seal_events(now=None) -> int:
    """Seal the committed rows not sealed yet (older than SEAL_DELAY); returns how many were sealed."""
    now = now or timezone.now()
    sealed = 0
    while True:
        last = EventSeal.objects.order_by("-last_seq").first()
        after = last.last_seq if last else 0
        previous_digest = last.digest if last else GENESIS_DIGEST
        rows = list(
            Event.objects.filter(seq__gt=after, at__lt=now - SEAL_DELAY)
            .order_by("seq")
            .values_list("seq", "digest")[:SEAL_BATCH]
        )
        if not rows:
            return sealed
        first_seq, last_seq = after + 1, rows[-1][0]
        present = {seq for seq, _digest in rows}
        missing = [seq for seq in range(first_seq, last_seq + 1) if seq not in present]
        try:
            with transaction.atomic():
                EventSeal.objects.create(
                    first_seq=first_seq,
                    last_seq=last_seq,
                    count=len(rows),
                    missing=missing,
                    previous_digest=previous_digest,
                    digest=_seal_digest(previous_digest, rows),
                    sealed_at=now,
                )
        except IntegrityError:
            # Another worker sealed the same range first; its seal stands.
            return sealed
        sealed += len(rows)


@dataclass
class VerificationProblem:
    seq: int | None
    message: str


def verify_events(chunk_size: int = 10000) -> list[VerificationProblem]:
    """Check every row's digest and every seal.  Returns the problems found, first one first."""
    problems: list[VerificationProblem] = []
    for event in Event.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if event.digest != row_digest(event):
            problems.append(
                VerificationProblem(event.seq, _("事件 #%(seq)s 的内容被修改（摘要不符）") % {"seq": event.seq})
            )
    previous_digest = GENESIS_DIGEST
    expected_first = 1
    for seal in EventSeal.objects.order_by("first_seq"):
        if seal.first_seq != expected_first or seal.previous_digest != previous_digest:
            problems.append(VerificationProblem(seal.first_seq, _("封存段 %(seal)s 与前一段不衔接") % {"seal": seal}))
        rows = list(
            Event.objects.filter(seq__gte=seal.first_seq, seq__lte=seal.last_seq)
            .order_by("seq")
            .values_list("seq", "digest")
        )
        missing = set(seal.missing)
        expected = [seq for seq in range(seal.first_seq, seal.last_seq + 1) if seq not in missing]
        present = [seq for seq, _digest in rows]
        if present != expected:
            absent = sorted(set(expected) - set(present))
            extra = sorted(set(present) - set(expected))
            if absent:
                message = _("事件 #%(seq)s 已被删除（封存段 %(seal)s）") % {"seq": absent[0], "seal": seal}
                problems.append(VerificationProblem(absent[0], message))
            if extra:
                message = _("事件 #%(seq)s 是封存后插入的（封存段 %(seal)s）") % {"seq": extra[0], "seal": seal}
                problems.append(VerificationProblem(extra[0], message))
        elif _seal_digest(seal.previous_digest, rows) != seal.digest:
            problems.append(
                VerificationProblem(seal.first_seq, _("封存段 %(seal)s 的事件被修改或重排") % {"seal": seal})
            )
        previous_digest = seal.digest
        expected_first = seal.last_seq + 1
    problems.sort(key=lambda problem: (problem.seq is None, problem.seq or 0))
    return problems
