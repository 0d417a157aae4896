"""Signing in and out in the browser, and the user pages."""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client

from shuangfang.accounts.models import User
from shuangfang.core.models import Event
from shuangfang.core.testing import PASSWORD, CastTestCase

LOGIN = "/accounts/login/"
NEW_PASSWORD = "Qingshui-River-77"


class LoginTests(CastTestCase):
    def sign_in(self, client, username="owner", password=PASSWORD, **extra):
        return client.post(LOGIN, {"username": username, "password": password, **extra})

    def test_login_page_renders_with_csrf_token(self):
        response = self.client.get(LOGIN)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "csrfmiddlewaretoken")
        self.assertContains(response, 'autocomplete="current-password"')

    def test_login_signs_in_rotates_the_session_key_and_records_the_event(self):
        client = Client()
        session = client.session
        session["planted"] = "before sign-in"
        session.save()
        planted_key = session.session_key
        response = self.sign_in(client)
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertNotEqual(client.cookies[settings.SESSION_COOKIE_NAME].value, planted_key)
        self.assertEqual(client.session[SESSION_KEY], str(self.owner.pk))
        event = Event.objects.filter(type="auth.login").latest("seq")
        self.assertEqual((event.actor_id, event.data["channel"]), (self.owner.pk, "web"))

    def test_next_is_followed_only_within_the_site(self):
        self.assertRedirects(
            self.sign_in(Client(), next="/organizations/mine/"), "/organizations/mine/", fetch_redirect_response=False
        )
        for outside in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"):
            response = self.sign_in(Client(), next=outside)
            self.assertRedirects(response, "/", fetch_redirect_response=False, msg_prefix=outside)

    def test_next_from_the_redirect_is_carried_in_the_form(self):
        response = self.client.get(LOGIN, {"next": "/audit/"})
        self.assertContains(response, 'name="next" value="/audit/"')

    def test_wrong_password_says_so_without_telling_which(self):
        wrong = self.sign_in(Client(), password="not-the-password")
        self.assertContains(wrong, "用户名或密码错误")
        unknown = self.sign_in(Client(), username="nobody")
        self.assertContains(unknown, "用户名或密码错误")
        self.assertNotIn(SESSION_KEY, wrong.wsgi_request.session)

    def test_account_locks_after_five_failures(self):
        client = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            self.sign_in(client, password="wrong-password")
        response = self.sign_in(client)  # even the right password is refused while locked
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "账户已锁定", status_code=429)
        self.assertRegex(response.content.decode(), r"请于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 后再试")
        self.assertNotIn(SESSION_KEY, client.session)
        # The form is still there, with the username kept.
        self.assertContains(response, 'value="owner"', status_code=429)

    def test_csrf_token_is_required(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(LOGIN, {"username": "owner", "password": PASSWORD})
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "页面已过期", status_code=403)

    def test_logout_is_a_post(self):
        client = self.web(self.owner)
        self.assertEqual(client.get("/accounts/logout/").status_code, 405)
        response = client.post("/accounts/logout/")
        self.assertRedirects(response, LOGIN, fetch_redirect_response=False)
        self.assertNotIn(SESSION_KEY, client.session)
        self.assertEqual(client.get("/").status_code, 302)

    def test_login_page_in_english(self):
        response = Client().get(LOGIN, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "Sign in")
        self.assertContains(response, "Username")
        wrong = Client().post(LOGIN, {"username": "owner", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(wrong, "Wrong username or password")


class UserPageTests(CastTestCase):
    def test_org_admin_lists_its_own_people_only(self):
        response = self.web(self.unit_admin).get("/accounts/users/")
        self.assertEqual(response.status_code, 200)
        usernames = {person.username for person in response.context["page"]}
        self.assertEqual(usernames, {"owner", "unit_admin", "principal", "member"})

    def test_list_filters(self):
        client = self.web(self.unit_admin)
        by_role = client.get("/accounts/users/", {"role": "principal"})
        self.assertEqual([person.username for person in by_role.context["page"]], ["principal"])
        by_text = client.get("/accounts/users/", {"q": "memb"})
        self.assertEqual([person.username for person in by_text.context["page"]], ["member"])

    def test_another_organizations_user_is_not_found(self):
        client = self.web(self.unit_admin)
        self.assertEqual(client.get(f"/accounts/users/{self.other_unit_user.pk}/").status_code, 404)
        response = client.post(f"/accounts/users/{self.other_unit_user.pk}/", {"full_name": "x", "version": 1})
        self.assertEqual(response.status_code, 404)

    def test_member_without_manage_users_is_refused(self):
        client = self.web(self.member)
        self.assertEqual(client.get("/accounts/users/").status_code, 403)
        self.assertEqual(client.get("/accounts/users/new/").status_code, 403)
        self.assertEqual(client.get(f"/accounts/users/{self.owner.pk}/").status_code, 403)

    def test_create_user_through_the_form(self):
        client = self.web(self.unit_admin)
        form = client.get("/accounts/users/new/")
        self.assertContains(form, 'value="safety_officer"')
        self.assertNotContains(form, 'value="inspector"', msg_prefix="only the roles a use unit may give")
        response = client.post(
            "/accounts/users/new/",
            {
                "username": "newcomer",
                "full_name": "新同事",
                "phone": "13800000000",
                "roles": ["safety_officer", "operator"],
                "password": NEW_PASSWORD,
            },
        )
        created = User.objects.get(username="newcomer")
        self.assertRedirects(response, f"/accounts/users/{created.pk}/", fetch_redirect_response=False)
        self.assertEqual((created.organization, created.roles), (self.unit_a, ["safety_officer", "operator"]))
        self.assertTrue(created.check_password(NEW_PASSWORD))

    def test_create_user_refusals_are_shown_next_to_the_fields(self):
        client = self.web(self.unit_admin)
        weak = client.post(
            "/accounts/users/new/", {"username": "weakling", "roles": ["operator"], "password": "weakling123"}
        )
        self.assertEqual(weak.status_code, 400)
        self.assertIn("password", weak.context["form"].errors)
        self.assertContains(weak, "密码不能包含用户名", status_code=400)
        wrong_role = client.post(
            "/accounts/users/new/", {"username": "someone", "roles": ["inspector"], "password": NEW_PASSWORD}
        )
        self.assertIn("不能担任", str(wrong_role.context["form"].errors["roles"]))
        no_role = client.post("/accounts/users/new/", {"username": "someone", "password": NEW_PASSWORD})
        self.assertContains(no_role, "至少需要一个角色", status_code=400)
        taken = client.post(
            "/accounts/users/new/", {"username": "OWNER", "roles": ["operator"], "password": NEW_PASSWORD}
        )
        self.assertContains(taken, "用户名已被使用", status_code=400)
        self.assertFalse(User.objects.filter(username__in=["weakling", "someone"]).exists())

    def test_system_admin_creates_a_user_for_a_named_organization(self):
        client = self.web(self.system_admin)
        form = client.get("/accounts/users/new/", {"organization": self.county.pk})
        self.assertContains(form, 'value="inspector"')
        self.assertNotContains(form, 'value="safety_officer"')
        response = client.post(
            f"/accounts/users/new/?organization={self.county.pk}",
            {
                "organization": self.county.pk,
                "username": "inspector2",
                "roles": ["inspector"],
                "password": NEW_PASSWORD,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(User.objects.get(username="inspector2").organization, self.county)
        platform = client.get("/accounts/users/new/")
        self.assertContains(platform, 'value="audit_admin"')

    def test_edit_roles_deactivate_and_reset_password(self):
        client = self.web(self.unit_admin)
        url = f"/accounts/users/{self.member.pk}/"
        self.assertContains(client.get(url), 'name="version"')
        response = client.post(
            url,
            {
                "full_name": "作业人员甲",
                "roles": ["operator", "safety_officer"],
                "password": NEW_PASSWORD,
                "version": self.member.version,
            },
        )
        self.assertRedirects(response, url, fetch_redirect_response=False)
        self.member.refresh_from_db()
        self.assertEqual(self.member.full_name, "作业人员甲")
        self.assertEqual(self.member.roles, ["operator", "safety_officer"])
        self.assertFalse(self.member.is_active, "the active box was left unticked")
        self.assertTrue(self.member.check_password(NEW_PASSWORD))

    def test_stale_version_is_a_conflict_and_keeps_the_input(self):
        client = self.web(self.unit_admin)
        url = f"/accounts/users/{self.member.pk}/"
        stale = self.member.version
        User.objects.filter(pk=self.member.pk).update(version=stale + 1)
        response = client.post(
            url, {"full_name": "我的修改", "roles": ["operator"], "is_active": "on", "version": stale}
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "数据已被他人修改", status_code=409)
        self.assertContains(response, 'value="我的修改"', status_code=409)
        self.member.refresh_from_db()
        self.assertEqual(self.member.full_name, "member")

    def test_cannot_deactivate_oneself(self):
        client = self.web(self.unit_admin)
        response = client.post(
            f"/accounts/users/{self.unit_admin.pk}/", {"roles": ["org_admin"], "version": self.unit_admin.version}
        )
        self.assertContains(response, "不能停用自己的账户", status_code=400)

    def test_regulator_admin_sees_unit_people_but_may_not_change_them(self):
        client = self.web(self.county_admin)
        usernames = {person.username for person in client.get("/accounts/users/").context["page"]}
        self.assertIn("owner", usernames)
        self.assertNotIn("unit_b_user", usernames)
        page = client.get(f"/accounts/users/{self.owner.pk}/")
        self.assertEqual(page.status_code, 200)
        self.assertIsNone(page.context["form"])
        refused = client.post(f"/accounts/users/{self.owner.pk}/", {"full_name": "x", "version": 1})
        self.assertEqual(refused.status_code, 403)

    def test_security_admin_views_accounts_without_changing_them(self):
        client = self.web(self.security_admin)
        self.assertEqual(client.get("/accounts/users/").status_code, 200)
        page = client.get(f"/accounts/users/{self.owner.pk}/")
        self.assertIsNone(page.context["form"])
        self.assertEqual(client.get("/accounts/users/new/").status_code, 403)
