"""The in-app inbox (站内消息) of every user, mirrored by e-mail when configured, immediately or as a daily digest."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A message is its addressee's alone: nobody else reads it, whatever their scope or role."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user_id=user.pk)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one user. `key` names what it is about (e.g. "hazard:12:step1:2026-05-01"): a reminder with a
    key the user already has is not sent again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类别"), max_length=40)
    key = models.CharField(max_length=120)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_user_key")]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            # The inbox, newest first, and the digest's "not e-mailed since" scan, both per user.
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailMode(models.TextChoices):
    OFF = "off", _("不发送邮件")
    IMMEDIATE = "immediate", _("每条消息即时发送")
    DIGEST = "digest", _("每日汇总发送一次")


class NotificationPreference(models.Model):
    """How a user wants the inbox mirrored by e-mail. A user without a row gets each message at once; a user without
    an e-mail address reads the inbox only, whatever the mode."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_mode = models.CharField(_("邮件提醒"), max_length=16, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)
    # The day the last digest went out: the daily job run twice sends nothing the second time.
    last_digest_on = models.DateField(_("上次汇总日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("提醒设置")
        verbose_name_plural = _("提醒设置")

    def __str__(self) -> str:
        return f"{self.user} {self.email_mode}"
