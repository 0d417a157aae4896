"""Sending notifications (one call for every sender, duplicates dropped by key) and the addressee's own changes: read
marks and the e-mail preference.

Read marks and preferences are the addressee's own state, not a record of the mechanism: they are not written to the
event log (the reminders themselves are recorded by the senders)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import EmailMode, Notification, NotificationPreference

# Keys per existence query: far below SQLite's limit on bound parameters.
KEY_BATCH = 500


@dataclass
class Message:
    """One message to some users. `key` is shared by all of them; each user gets it once."""

    users: Iterable
    kind: str
    key: str
    title: str
    body: str = ""
    link: str = ""
    recipients: list = field(init=False, default_factory=list)


def _batched(items: list, size: int):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def notify(users: Iterable, *, kind: str, key: str, title: str, body: str = "", link: str = "") -> int:
    """Put a message in each user's inbox unless that user already has one with this key; returns how many were
    new. E-mail goes out after the transaction commits (see delivery)."""
    return notify_many([Message(users=users, kind=kind, key=key, title=title, body=body, link=link)])


def notify_many(messages: Iterable[Message]) -> int:
    """`notify` for many messages in a fixed number of queries: one existence check per 500 keys, one insert.
    Returns how many inbox entries were new; each message's `recipients` is set to the users who got it now."""
    messages = list(messages)
    for message in messages:
        message.key = message.key[:120]
        unique = {user.pk: user for user in message.users if user is not None and user.is_active}
        message.recipients = list(unique.values())
    users_by_key: dict[str, set[int]] = {}
    for message in messages:
        if message.recipients:
            users_by_key.setdefault(message.key, set()).update(user.pk for user in message.recipients)
    keys = sorted(users_by_key)
    existing: set[tuple[int, str]] = set()
    for chunk in _batched(keys, KEY_BATCH):
        # Asked by user and key, so that the unique index (user, key) answers it: the table grows by the day.
        users = sorted({pk for key in chunk for pk in users_by_key[key]})
        for user_chunk in _batched(users, KEY_BATCH):
            existing.update(
                Notification.objects.filter(user_id__in=user_chunk, key__in=chunk).values_list("user_id", "key")
            )
    fresh = []
    for message in messages:
        message.recipients = [user for user in message.recipients if (user.pk, message.key) not in existing]
        existing.update((user.pk, message.key) for user in message.recipients)
        fresh += [
            Notification(
                user=user,
                kind=message.kind,
                key=message.key,
                title=message.title[:200],
                body=message.body,
                link=message.link[:300],
            )
            for user in message.recipients
        ]
    if not fresh:
        return 0
    # A concurrent sender of the same key loses quietly: the user still has the message once.
    Notification.objects.bulk_create(fresh, batch_size=KEY_BATCH, ignore_conflicts=True)
    pairs = [(notification.user_id, notification.key) for notification in fresh]
    # After commit: a message of a rolled-back transaction never existed, so it is not e-mailed either.  By a
    # background job: a slow mail server must not hold up the request that wrote the message.
    from .tasks import email_new_notifications  # here: tasks imports reminders, which imports this module

    transaction.on_commit(lambda: email_new_notifications(pairs))
    return len(fresh)


def do_mark_read(*, user, notification: Notification) -> Notification:
    """Mark one of the user's own messages read (reading it again changes nothing)."""
    if notification.user_id != user.pk:
        # The faces read through visible_to, so this is a programming error, never a user's.
        raise ValueError("a notification is marked read by its addressee only")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def do_mark_all_read(*, user) -> int:
    """Mark all the user's unread messages read; returns how many."""
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())


def preference_of(user) -> NotificationPreference:
    """The user's preference, unsaved with the defaults when the user never chose."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def do_set_email_mode(*, user, email_mode: str) -> NotificationPreference:
    if email_mode not in EmailMode.values:
        raise ValidationError({"email_mode": _("请选择有效的邮件提醒方式。")})
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        if preference.email_mode != email_mode:
            preference.email_mode = email_mode
            preference.save(update_fields=["email_mode"])
    user.notification_preference = preference
    return preference


def platform_language():
    """Messages are stored once for every recipient, so they are written in the platform's language whoever's action
    sent them: build a message's text inside this block."""
    return translation.override(settings.LANGUAGE_CODE)
