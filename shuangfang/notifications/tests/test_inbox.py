"""The inbox page, the preferences page and the API: each user reads and marks only their own messages."""

from django.template import Context, Template
from django.test import RequestFactory

from shuangfang.notifications.context_processors import unread_notifications
from shuangfang.notifications.models import EmailMode, Notification, NotificationPreference
from shuangfang.notifications.services import notify

from .helpers import NotificationCast

INBOX = "/notifications/"
API = "/api/v1/notifications/"


class InboxCast(NotificationCast):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        notify([cls.owner], kind="test", key="equipment:1:due", title="一号电梯检验即将到期", link="/equipment/1/")
        notify([cls.owner], kind="test", key="hazard:2:step1", title="隐患整改期限还有 3 天")
        notify([cls.other_unit_user], kind="test", key="hazard:9:step1", title="丙单位的隐患", link="/hazards/9/")
        cls.mine = Notification.objects.get(user=cls.owner, key="equipment:1:due")
        cls.mine_without_link = Notification.objects.get(user=cls.owner, key="hazard:2:step1")
        cls.theirs = Notification.objects.get(user=cls.other_unit_user)


class InboxPageTests(InboxCast):
    def test_the_inbox_lists_only_my_messages_newest_first_with_unread_marked(self):
        response = self.web(self.owner).get(INBOX)
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn("一号电梯检验即将到期", page)
        self.assertNotIn("丙单位的隐患", page)
        self.assertLess(page.index("隐患整改期限还有 3 天"), page.index("一号电梯检验即将到期"))
        self.assertEqual(page.count("nt-item nt-unread"), 2)
        self.assertNotIn("<script>", page)
        self.assertNotIn("style=", page)

    def test_opening_a_message_marks_it_read_and_follows_its_link(self):
        response = self.web(self.owner).post(f"{INBOX}{self.mine.pk}/open/")
        self.assertRedirects(response, "/equipment/1/", fetch_redirect_response=False)
        self.mine.refresh_from_db()
        self.assertIsNotNone(self.mine.read_at)
        page = self.web(self.owner).get(INBOX).content.decode()
        self.assertEqual(page.count("nt-item nt-unread"), 1)

    def test_a_message_without_link_returns_to_the_inbox(self):
        response = self.web(self.owner).post(f"{INBOX}{self.mine_without_link.pk}/open/")
        self.assertRedirects(response, INBOX, fetch_redirect_response=False)

    def test_a_link_off_the_site_is_not_followed(self):
        Notification.objects.filter(pk=self.mine.pk).update(link="https://evil.example/")
        response = self.web(self.owner).post(f"{INBOX}{self.mine.pk}/open/")
        self.assertRedirects(response, INBOX, fetch_redirect_response=False)

    def test_another_users_message_is_not_found_and_stays_unread(self):
        response = self.web(self.owner).post(f"{INBOX}{self.theirs.pk}/open/")
        self.assertEqual(response.status_code, 404)
        self.theirs.refresh_from_db()
        self.assertIsNone(self.theirs.read_at)

    def test_opening_needs_post(self):
        self.assertEqual(self.web(self.owner).get(f"{INBOX}{self.mine.pk}/open/").status_code, 405)

    def test_mark_all_read(self):
        response = self.web(self.owner).post(f"{INBOX}read-all/", follow=True)
        self.assertEqual(Notification.objects.filter(user=self.owner, read_at=None).count(), 0)
        self.assertIsNone(Notification.objects.get(pk=self.theirs.pk).read_at)
        self.assertContains(response, "已将 2 条消息标为已读")

    def test_unread_filter_and_paging(self):
        for number in range(25):
            notify([self.owner], kind="test", key=f"bulk:{number}", title=f"批量消息 {number:02d}")
        Notification.objects.filter(user=self.owner, key="bulk:0").update(read_at=self.mine.created_at)
        client = self.web(self.owner)
        first = client.get(INBOX).content.decode()
        self.assertEqual(first.count('class="nt-item'), 20)
        self.assertIn("第 1 / 2 页，共 27 条", first)
        second = client.get(INBOX, {"page": 2}).content.decode()
        self.assertEqual(second.count('class="nt-item'), 7)
        unread = client.get(INBOX, {"unread": "1"}).content.decode()
        self.assertIn("共 26 条", unread)
        # htmx asks for the results part only.
        part = client.get(INBOX, {"page": 2}, headers={"HX-Request": "true"}).content.decode()
        self.assertNotIn("<html", part)
        self.assertEqual(part.count('class="nt-item'), 7)

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get(INBOX)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])

    def test_the_unread_count_for_the_menu(self):
        request = RequestFactory().get("/")
        request.user = self.owner
        count = unread_notifications(request)["unread_notification_count"]
        rendered = Template("{% if count %}({{ count }}){% endif %}").render(Context({"count": count}))
        self.assertEqual(rendered, "(2)")
        request.user = self.member
        self.assertEqual(str(unread_notifications(request)["unread_notification_count"]), "0")


class PreferencePageTests(InboxCast):
    def test_choosing_the_daily_digest(self):
        client = self.web(self.owner)
        page = client.get(f"{INBOX}settings/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "没有登记邮箱地址")
        response = client.post(f"{INBOX}settings/", {"email_mode": EmailMode.DIGEST})
        self.assertRedirects(response, f"{INBOX}settings/", fetch_redirect_response=False)
        self.assertEqual(NotificationPreference.objects.get(user=self.owner).email_mode, EmailMode.DIGEST)
        self.assertEqual(NotificationPreference.objects.filter(user=self.owner).count(), 1)
        client.post(f"{INBOX}settings/", {"email_mode": EmailMode.OFF})
        self.assertEqual(NotificationPreference.objects.get(user=self.owner).email_mode, EmailMode.OFF)

    def test_an_unknown_mode_is_refused(self):
        response = self.web(self.owner).post(f"{INBOX}settings/", {"email_mode": "sms"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(NotificationPreference.objects.filter(user=self.owner).exists())


class NotificationApiTests(InboxCast):
    def test_the_list_holds_only_my_messages(self):
        response = self.api(self.owner).get(API)
        self.assertEqual(response.status_code, 200)
        rows = response.json()["results"]
        self.assertEqual({row["id"] for row in rows}, {self.mine.pk, self.mine_without_link.pk})
        self.assertEqual(
            set(rows[0]), {"id", "kind", "key", "title", "body", "link", "created_at", "read_at", "is_read"}
        )
        for user in (self.county_inspector, self.system_admin, self.audit_admin, self.unit_admin):
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).get(API).json()["results"], [])

    def test_another_users_message_is_404_on_every_verb(self):
        for url, method in [
            (f"{API}{self.theirs.pk}/", "get"),
            (f"{API}{self.theirs.pk}/read/", "post"),
        ]:
            for user in (self.owner, self.county_inspector, self.audit_admin):
                with self.subTest(url=url, user=user.username):
                    self.assertEqual(getattr(self.api(user), method)(url).status_code, 404)
        self.theirs.refresh_from_db()
        self.assertIsNone(self.theirs.read_at)
        self.assertEqual(self.api(self.other_unit_user).get(f"{API}{self.theirs.pk}/").status_code, 200)

    def test_unread_filter(self):
        self.api(self.owner).post(f"{API}{self.mine.pk}/read/")
        unread = self.api(self.owner).get(API, {"unread": "true"}).json()["results"]
        self.assertEqual([row["id"] for row in unread], [self.mine_without_link.pk])
        read = self.api(self.owner).get(API, {"unread": "false"}).json()["results"]
        self.assertEqual([row["id"] for row in read], [self.mine.pk])

    def test_read_marks_one_and_is_idempotent(self):
        first = self.api(self.owner).post(f"{API}{self.mine.pk}/read/")
        self.assertEqual(first.status_code, 200)
        self.assertTrue(first.json()["is_read"])
        again = self.api(self.owner).post(f"{API}{self.mine.pk}/read/")
        self.assertEqual(again.json()["read_at"], first.json()["read_at"])
        self.assertIsNone(Notification.objects.get(pk=self.mine_without_link.pk).read_at)

    def test_read_all_marks_only_mine(self):
        response = self.api(self.owner).post(f"{API}read-all/")
        self.assertEqual(response.json(), {"marked": 2})
        self.assertEqual(self.api(self.owner).post(f"{API}read-all/").json(), {"marked": 0})
        self.assertIsNone(Notification.objects.get(pk=self.theirs.pk).read_at)

    def test_no_writes_but_the_read_marks(self):
        client = self.api(self.owner)
        self.assertEqual(client.post(API, {"title": "x"}, format="json").status_code, 405)
        self.assertEqual(client.patch(f"{API}{self.mine.pk}/", {"title": "x"}, format="json").status_code, 405)
        self.assertEqual(client.delete(f"{API}{self.mine.pk}/").status_code, 405)

    def test_anonymous_is_refused(self):
        self.assertIn(self.api().get(API).status_code, (401, 403))
        self.assertIn(self.api().post(f"{API}read-all/").status_code, (401, 403))
