"""Signing in through the API: tokens that expire, lockout, revocation, /me/, password policy."""

from datetime import timedelta

import time_machine
from django.conf import settings
from django.utils import timezone, translation
from rest_framework.test import APIClient

from shuangfang.accounts.models import ApiToken
from shuangfang.accounts.services import do_update_user
from shuangfang.core.testing import PASSWORD, CastTestCase

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"
WRONG_CREDENTIALS = "用户名或密码错误。"


class TokenTests(CastTestCase):
    def sign_in(self, username, password=PASSWORD, **headers):
        return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json", **headers)

    def token_client(self, raw):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        return client

    def issue(self, user):
        response = self.sign_in(user.username)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["token"]

    def test_good_credentials_give_a_token_that_works(self):
        response = self.sign_in("owner")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(set(body), {"token", "expires_at"})
        expires_at = timezone.datetime.fromisoformat(body["expires_at"])
        expected = timezone.now() + settings.API_TOKEN_LIFETIME
        self.assertLess(abs((expires_at - expected).total_seconds()), 60)
        me = self.token_client(body["token"]).get(ME_URL)
        self.assertEqual(me.status_code, 200, me.content)
        self.assertEqual(me.json()["user"]["username"], "owner")
        # Only the hash is stored: the raw token is nowhere in the table.
        self.assertFalse(ApiToken.objects.filter(key_hash=body["token"]).exists())

    def test_a_bad_token_is_401(self):
        response = self.token_client("not-a-real-token").get(ME_URL)
        self.assertEqual(response.status_code, 401)
        self.assertIn("detail", response.json())

    def test_expired_token_is_401(self):
        raw = self.issue(self.owner)
        self.assertEqual(self.token_client(raw).get(ME_URL).status_code, 200)
        with time_machine.travel(timezone.now() + settings.API_TOKEN_LIFETIME + timedelta(minutes=1), tick=False):
            response = self.token_client(raw).get(ME_URL)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response["WWW-Authenticate"], "Token")

    def test_wrong_password_does_not_reveal_whether_the_user_exists(self):
        wrong = self.sign_in("owner", "Wrong-password-1")
        missing = self.sign_in("nobody_like_this", "Wrong-password-1")
        self.assertIn(wrong.status_code, (400, 401))
        self.assertEqual(wrong.status_code, missing.status_code)
        self.assertEqual(wrong.json(), {"detail": WRONG_CREDENTIALS})
        self.assertEqual(missing.json(), wrong.json())

    def test_sixth_attempt_after_five_failures_is_locked_until_a_time(self):
        moment = timezone.now().replace(microsecond=0)
        with time_machine.travel(moment, tick=False):
            for attempt in range(1, 5):
                response = self.sign_in("owner", f"Wrong-password-{attempt}")
                self.assertEqual(response.status_code, 400, f"attempt {attempt}: {response.content}")
            self.sign_in("owner", "Wrong-password-5")
            # Even the right password is refused while the account is locked.
            response = self.sign_in("owner")
        self.assertEqual(response.status_code, 429, response.content)
        detail = response.json()["detail"]
        until = timezone.localtime(moment + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
        self.assertIn("锁定", detail)
        self.assertIn(until, detail)

    def test_messages_follow_accept_language(self):
        # Whatever the English catalogue holds for these messages is what an English client gets.
        moment = timezone.now().replace(microsecond=0)
        with time_machine.travel(moment, tick=False):
            wrong = self.sign_in("owner", "Wrong-password-0", HTTP_ACCEPT_LANGUAGE="en")
            for attempt in range(1, 5):
                self.sign_in("owner", f"Wrong-password-{attempt}")
            locked = self.sign_in("owner", HTTP_ACCEPT_LANGUAGE="en")
        until = timezone.localtime(moment + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
        with translation.override("en"):
            expected_wrong = translation.gettext(WRONG_CREDENTIALS)
            expected_locked = translation.gettext("登录失败次数过多，账户已锁定，请于 %(until)s 后再试。") % {
                "until": until
            }
        self.assertEqual(wrong.json(), {"detail": expected_wrong})
        self.assertEqual(locked.status_code, 429)
        self.assertEqual(locked.json(), {"detail": expected_locked})

    def test_lockout_ends_after_thirty_minutes(self):
        moment = timezone.now()
        with time_machine.travel(moment, tick=False):
            for attempt in range(6):
                self.sign_in("owner", f"Wrong-password-{attempt}")
            self.assertEqual(self.sign_in("owner").status_code, 429)
        with time_machine.travel(moment + timedelta(minutes=29), tick=False):
            self.assertEqual(self.sign_in("owner").status_code, 429)
        with time_machine.travel(moment + timedelta(minutes=31), tick=False):
            self.assertEqual(self.sign_in("owner").status_code, 200)

    def test_lockout_is_per_account(self):
        for attempt in range(6):
            self.sign_in("owner", f"Wrong-password-{attempt}")
        self.assertEqual(self.sign_in("owner").status_code, 429)
        self.assertEqual(self.sign_in("member").status_code, 200)

    def test_deactivated_users_token_is_401(self):
        raw = self.issue(self.member)
        do_update_user(
            actor=self.unit_admin, user=self.member, changes={"is_active": False}, expected_version=self.member.version
        )
        self.assertEqual(self.token_client(raw).get(ME_URL).status_code, 401)

    def test_deactivated_user_cannot_sign_in(self):
        self.api(self.unit_admin).patch(
            f"/api/v1/users/{self.member.pk}/", {"is_active": False, "version": self.member.version}, format="json"
        )
        self.assertEqual(self.sign_in("member").json(), {"detail": WRONG_CREDENTIALS})

    def test_changing_the_password_revokes_tokens(self):
        raw = self.issue(self.member)
        other = self.issue(self.owner)
        response = self.api(self.unit_admin).patch(
            f"/api/v1/users/{self.member.pk}/",
            {"password": "New-Secret-2026#", "version": self.member.version},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(self.token_client(raw).get(ME_URL).status_code, 401)
        self.assertEqual(self.token_client(other).get(ME_URL).status_code, 200)
        # A password an administrator set is changed by its holder in the browser before the API opens again.
        self.assertEqual(self.sign_in("member", "New-Secret-2026#").status_code, 403)
        self.assertNotEqual(self.sign_in("member").status_code, 200)

    def test_session_and_anonymous(self):
        self.assertEqual(APIClient().get(ME_URL).status_code, 401)
        client = APIClient()
        client.force_login(self.owner)
        self.assertEqual(client.get(ME_URL).status_code, 200)

    def test_token_request_needs_both_fields(self):
        response = APIClient().post(TOKEN_URL, {"username": "owner"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("password", response.json())


class MeTests(CastTestCase):
    def me(self, user):
        response = self.api(user).get(ME_URL)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def test_each_side_sees_its_scope(self):
        cases = [
            (self.owner, "unit", self.unit_a, ""),
            (self.county_inspector, "regulator", self.county, "140525"),
            (self.city_inspector, "regulator", self.city, "1405"),
            (self.province_leader, "regulator", self.province, "14"),
            (self.agency_user, "agency", self.agency, ""),
            (self.audit_admin, "platform", None, ""),
        ]
        for user, kind, organization, prefix in cases:
            with self.subTest(user=user.username):
                body = self.me(user)
                self.assertEqual(body["user"]["username"], user.username)
                self.assertEqual(body["user"]["roles"], user.roles)
                self.assertNotIn("password", body["user"])
                self.assertEqual(body["scope"]["kind"], kind)
                self.assertEqual(body["scope"]["region_prefix"], prefix)
                if organization is None:
                    self.assertIsNone(body["organization"])
                    self.assertIsNone(body["scope"]["organization"])
                else:
                    self.assertEqual(body["organization"]["id"], organization.pk)
                    self.assertEqual(body["organization"]["name"], organization.name)
                    self.assertEqual(body["scope"]["organization"], organization.pk)

    def test_permissions_follow_roles(self):
        self.assertIn("manage_equipment", self.me(self.owner)["permissions"])
        self.assertNotIn("manage_equipment", self.me(self.member)["permissions"])
        self.assertEqual(self.me(self.audit_admin)["permissions"], ["read_audit"])


class PasswordPolicyTests(CastTestCase):
    def create(self, username, password):
        return self.api(self.unit_admin).post(
            "/api/v1/users/",
            {"username": username, "password": password, "organization": self.unit_a.pk, "roles": ["operator"]},
            format="json",
        )

    def assertRefused(self, response, fragment):
        self.assertEqual(response.status_code, 400, response.content)
        messages = " ".join(response.json()["password"])
        self.assertIn(fragment, messages)

    def test_at_least_ten_characters(self):
        self.assertRefused(self.create("zhang_san", "Ab1#xyz"), "10")

    def test_three_character_classes(self):
        self.assertRefused(self.create("zhang_san", "abcdefghijklmn"), "至少 3 类")
        self.assertRefused(self.create("zhang_san", "abcdefgh12345"), "至少 3 类")

    def test_not_containing_the_username(self):
        self.assertRefused(self.create("zhangsan", "Zhangsan-2026"), "用户名")

    def test_a_good_password_is_accepted_and_works(self):
        response = self.create("zhang_san", "Kx7#mPq2vLw")
        self.assertEqual(response.status_code, 201, response.content)
        # The password is right, and being an initial password the administrator chose, it must be changed first.
        token = APIClient().post(TOKEN_URL, {"username": "zhang_san", "password": "Kx7#mPq2vLw"}, format="json")
        self.assertEqual(token.status_code, 403, token.content)
        wrong = APIClient().post(TOKEN_URL, {"username": "zhang_san", "password": "Kx7#mPq2vLx"}, format="json")
        self.assertEqual(wrong.status_code, 400)

    def test_changing_to_a_weak_password_is_refused_and_changes_nothing(self):
        response = self.api(self.unit_admin).patch(
            f"/api/v1/users/{self.member.pk}/", {"password": "short", "version": self.member.version}, format="json"
        )
        self.assertRefused(response, "10")
        self.member.refresh_from_db()
        self.assertTrue(self.member.check_password(PASSWORD))
        self.assertEqual(self.member.version, 1)
