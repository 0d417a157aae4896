"""E-mail: each message at once after commit, or one digest a day; users without an address read the inbox only."""

from datetime import date, timedelta

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from shuangfang.notifications.delivery import send_digests
from shuangfang.notifications.models import EmailMode, Notification, NotificationPreference
from shuangfang.notifications.services import do_set_email_mode, notify

from .helpers import NotificationCast, at

DAY = date(2026, 3, 2)


class DeliveryCast(NotificationCast):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for user, address, mode in [
            (cls.owner, "owner@unit-a.example", EmailMode.IMMEDIATE),
            (cls.director, "director@unit-a.example", EmailMode.DIGEST),
            (cls.principal, "principal@unit-a.example", EmailMode.OFF),
            (cls.member, "", EmailMode.DIGEST),
            (cls.unit_admin, "", EmailMode.IMMEDIATE),
        ]:
            user.email = address
            user.save(update_fields=["email"])
            NotificationPreference.objects.create(user=user, email_mode=mode)

    def send(self, key: str, title: str = "检验即将到期", link: str = "/equipment/1/") -> int:
        users = [self.owner, self.director, self.principal, self.member, self.unit_admin]
        return notify(users, kind="test", key=key, title=title, body="请安排检验。", link=link)


class ImmediateTests(DeliveryCast):
    def test_immediate_mode_sends_at_commit_and_only_to_those_who_want_it(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.send("equipment:1:due"), 5)
            self.assertEqual(mail.outbox, [], "nothing leaves before the transaction commits")
        self.assertEqual([message.to for message in mail.outbox], [["owner@unit-a.example"]])
        message = mail.outbox[0]
        self.assertEqual(message.subject, "检验即将到期")
        self.assertIn("请安排检验。", message.body)
        self.assertIn("/equipment/1/", message.body)
        self.assertIsNotNone(Notification.objects.get(user=self.owner, key="equipment:1:due").emailed_at)
        self.assertIsNone(Notification.objects.get(user=self.director, key="equipment:1:due").emailed_at)

    def test_the_same_key_again_sends_nothing(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.send("equipment:1:due")
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            self.assertEqual(self.send("equipment:1:due"), 0)
        self.assertEqual(callbacks, [])
        self.assertEqual(len(mail.outbox), 1)

    def test_a_rolled_back_sender_sends_nothing(self):
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            self.send("equipment:1:due")
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(mail.outbox, [])

    @override_settings(SITE_URL="https://shuangfang.example.gov.cn")
    def test_links_in_e_mail_are_absolute_when_the_site_is_configured(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.send("equipment:1:due")
        self.assertIn("https://shuangfang.example.gov.cn/equipment/1/", mail.outbox[0].body)

    def test_users_without_an_address_get_the_inbox_only(self):
        with self.captureOnCommitCallbacks(execute=True), at(DAY, 6):
            self.send("equipment:1:due")
        with at(DAY, 7, 30):
            send_digests(timezone.localdate())
        recipients = {address for message in mail.outbox for address in message.to}
        self.assertEqual(recipients, {"owner@unit-a.example", "director@unit-a.example"})
        for user in (self.member, self.unit_admin, self.principal):
            self.assertTrue(Notification.objects.filter(user=user, key="equipment:1:due", emailed_at=None).exists())

    def test_a_user_who_never_chose_gets_each_message_at_once(self):
        self.county_inspector.email = "inspector@county.example"
        self.county_inspector.save(update_fields=["email"])
        with self.captureOnCommitCallbacks(execute=True):
            notify([self.county_inspector], kind="test", key="x:1", title="设备超期未检")
        self.assertEqual([message.to for message in mail.outbox], [["inspector@county.example"]])


class DigestTests(DeliveryCast):
    def test_one_digest_per_user_per_day_listing_the_days_messages(self):
        with at(DAY - timedelta(days=1), 9):
            self.send("equipment:1:due", title="一号电梯检验即将到期")
        with at(DAY, 7, 0):
            self.send("certificate:2:90:2026-06-01", title="作业人员证还有 90 天到期")
        with at(DAY, 7, 30):
            self.assertEqual(send_digests(timezone.localdate()), 1)
            self.assertEqual(send_digests(timezone.localdate()), 0)
        self.assertEqual(len(mail.outbox), 1)
        digest = mail.outbox[0]
        self.assertEqual(digest.to, ["director@unit-a.example"])
        self.assertIn("2", digest.subject)
        self.assertIn("一号电梯检验即将到期", digest.body)
        self.assertIn("作业人员证还有 90 天到期", digest.body)
        self.assertEqual(Notification.objects.filter(user=self.director, emailed_at=None).count(), 0)
        self.assertEqual(NotificationPreference.objects.get(user=self.director).last_digest_on, DAY)

        # The next day: only what came since, once.
        with at(DAY, 15):
            self.send("equipment:3:due", title="三号电梯检验即将到期")
        with at(DAY + timedelta(days=1), 7, 30):
            self.assertEqual(send_digests(timezone.localdate()), 1)
            self.assertEqual(send_digests(timezone.localdate()), 0)
        self.assertEqual(len(mail.outbox), 2)
        self.assertIn("三号电梯检验即将到期", mail.outbox[1].body)
        self.assertNotIn("一号电梯检验即将到期", mail.outbox[1].body)

    def test_a_second_run_on_the_same_day_waits_for_tomorrow(self):
        with at(DAY, 6):
            self.send("equipment:1:due", title="早上的消息")
        with at(DAY, 7, 30):
            self.assertEqual(send_digests(timezone.localdate()), 1)
        with at(DAY, 9):
            self.send("equipment:2:due", title="上午的消息")
        with at(DAY, 10):  # the worker restarted and ran the job again
            self.assertEqual(send_digests(timezone.localdate()), 0)
        with at(DAY + timedelta(days=1), 7, 30):
            self.assertEqual(send_digests(timezone.localdate()), 1)
        self.assertIn("上午的消息", mail.outbox[1].body)
        self.assertNotIn("早上的消息", mail.outbox[1].body)

    def test_a_day_without_messages_sends_no_digest(self):
        with at(DAY, 7, 30):
            self.assertEqual(send_digests(timezone.localdate()), 0)
        self.assertEqual(mail.outbox, [])
        self.assertEqual(NotificationPreference.objects.get(user=self.director).last_digest_on, DAY)

    def test_messages_older_than_a_day_are_left_to_the_inbox(self):
        with at(DAY - timedelta(days=3), 9):
            self.send("equipment:1:due", title="很早以前的消息")
        with at(DAY, 7, 30):
            self.assertEqual(send_digests(timezone.localdate()), 0)

    def test_switching_to_digest_stops_immediate_mail(self):
        do_set_email_mode(user=self.owner, email_mode=EmailMode.DIGEST)
        with self.captureOnCommitCallbacks(execute=True), at(DAY, 6):
            self.send("equipment:1:due")
        self.assertEqual(mail.outbox, [])
        with at(DAY, 7, 30):
            self.assertEqual(send_digests(timezone.localdate()), 2)
        self.assertEqual(
            sorted(address for message in mail.outbox for address in message.to),
            ["director@unit-a.example", "owner@unit-a.example"],
        )
