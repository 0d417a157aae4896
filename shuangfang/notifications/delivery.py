"""E-mail delivery of notifications: immediately after the sending transaction, or once a day as a digest.

A user without an e-mail address, or who chose "off", reads the inbox only. Links in the inbox are paths; in an
e-mail they are made absolute with SITE_URL (e.g. "https://shuangfang.example.gov.cn"), when it is configured."""

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from .models import EmailMode, Notification, NotificationPreference

logger = logging.getLogger(__name__)

# The digest lists what arrived since the previous one: the job runs once a day.
DIGEST_WINDOW = timedelta(days=1)
PAIR_BATCH = 500


def absolute_link(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return getattr(settings, "SITE_URL", "").rstrip("/") + link


def _mode(user) -> str:
    try:
        return user.notification_preference.email_mode
    except NotificationPreference.DoesNotExist:
        return EmailMode.IMMEDIATE


def send_immediate_emails(pairs: list[tuple[int, str]]) -> int:
    """E-mail each new notification, named by (user id, key), to those of its users who want each message at once;
    returns how many went out. In the platform's language, not that of the request whose commit sends them."""
    with translation.override(settings.LANGUAGE_CODE):
        return _send_immediate_emails(pairs)


def _send_immediate_emails(pairs: list[tuple[int, str]]) -> int:
    wanted = set(pairs)
    sent = 0
    for start in range(0, len(pairs), PAIR_BATCH):
        chunk = pairs[start : start + PAIR_BATCH]
        pending = (
            Notification.objects.filter(
                user_id__in={user_id for user_id, _key in chunk},
                key__in={key for _user_id, key in chunk},
                emailed_at__isnull=True,
            )
            .exclude(user__email="")
            .select_related("user", "user__notification_preference")
        )
        for notification in pending:
            wants_it = _mode(notification.user) == EmailMode.IMMEDIATE
            if (notification.user_id, notification.key) not in wanted or not wants_it:
                continue
            body = render_to_string(
                "notifications/email/message.txt",
                {"notification": notification, "link": absolute_link(notification.link)},
            )
            try:
                send_mail(notification.title, body, settings.DEFAULT_FROM_EMAIL, [notification.user.email])
            except Exception:  # a mail server's refusal must not undo the message, which is in the inbox already
                logger.exception("notification %s: e-mail to user %s failed", notification.pk, notification.user_id)
                continue
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent


def send_digests(today=None, now=None) -> int:
    """E-mail each digest-mode user with an address one message listing the notifications of the last day not yet
    e-mailed, and mark them e-mailed. Run twice on a day, the second run sends nothing (last_digest_on). Returns how
    many e-mails went out."""
    with translation.override(settings.LANGUAGE_CODE):
        return _send_digests(today, now)


def _send_digests(today, now) -> int:
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    preferences = list(
        NotificationPreference.objects.filter(email_mode=EmailMode.DIGEST, user__is_active=True)
        .exclude(user__email="")
        .exclude(last_digest_on__gte=today)
        .select_related("user")
    )
    if not preferences:
        return 0
    pending = defaultdict(list)
    user_ids = [preference.user_id for preference in preferences]
    for start in range(0, len(user_ids), PAIR_BATCH):
        rows = Notification.objects.filter(
            user_id__in=user_ids[start : start + PAIR_BATCH],
            emailed_at__isnull=True,
            created_at__gte=now - DIGEST_WINDOW,
        ).order_by("created_at", "id")
        for notification in rows:
            pending[notification.user_id].append(notification)
    sent = 0
    quiet = []
    for preference in preferences:
        notifications = pending.get(preference.user_id)
        if not notifications:
            quiet.append(preference.pk)
            continue
        user = preference.user
        subject = ngettext(
            "双防平台每日提醒：%(count)d 条新消息", "双防平台每日提醒：%(count)d 条新消息", len(notifications)
        ) % {"count": len(notifications)}
        body = render_to_string(
            "notifications/email/digest.txt",
            {
                "user": user,
                "today": today,
                "items": [(notification, absolute_link(notification.link)) for notification in notifications],
                "inbox": absolute_link(reverse("notifications:inbox")),
            },
        )
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception:  # one refused address must not stop the others; tomorrow's digest tries again
            logger.exception("digest e-mail to user %s failed", user.pk)
            continue
        # Marked per user right after the mail went out, so that a job stopped half-way repeats nobody's digest.
        Notification.objects.filter(pk__in=[notification.pk for notification in notifications]).update(emailed_at=now)
        NotificationPreference.objects.filter(pk=preference.pk).update(last_digest_on=today)
        sent += 1
    NotificationPreference.objects.filter(pk__in=quiet).update(last_digest_on=today)
    return sent
