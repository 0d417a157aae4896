"""The second factor (TOTP) for the platform administrators and the regulators: enrolment, sign-in, recovery
codes, the API token, the security administrator's reset (GB/T 22239-2019 §8.1.4.1 d)."""

import re

import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from shuangfang.accounts import totp
from shuangfang.accounts.middleware import TWO_FACTOR_VERIFIED
from shuangfang.accounts.models import ApiToken, RecoveryCode, TwoFactorDevice
from shuangfang.accounts.services import do_begin_enrolment, do_confirm_enrolment, two_factor_required
from shuangfang.core.models import Event
from shuangfang.core.testing import PASSWORD, CastTestCase

LOGIN = "/accounts/login/"
TWO_FACTOR = "/accounts/two-factor/"
ENROL = "/accounts/two-factor/enrol/"


def current_code(secret: str, offset_steps: int = 0) -> str:
    return totp.code_for(secret, totp.step_at() + offset_steps)


class TotpTests(CastTestCase):
    def test_rfc_6238_vectors(self):
        # RFC 6238 appendix B (SHA-1 seed "12345678901234567890"), last six digits.
        secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        for moment, code in ((59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")):
            self.assertEqual(totp.code_for(secret, totp.step_at(moment)), code)

    def test_a_code_is_accepted_once_and_only_near_now(self):
        secret = totp.new_secret()
        step = totp.step_at()
        self.assertEqual(totp.matching_step(secret, current_code(secret), after_step=0), step)
        self.assertIsNone(totp.matching_step(secret, current_code(secret), after_step=step))
        self.assertIsNone(totp.matching_step(secret, current_code(secret, 5), after_step=0))
        self.assertIsNone(totp.matching_step(secret, "12345", after_step=0))

    def test_which_roles_need_it(self):
        for user in (
            self.system_admin,
            self.security_admin,
            self.audit_admin,
            self.county_inspector,
            self.county_admin,
            self.province_leader,
        ):
            self.assertTrue(two_factor_required(user), user.username)
        for user in (self.owner, self.principal, self.member, self.unit_admin, self.agency_user):
            self.assertFalse(two_factor_required(user), user.username)


class SignInTests(CastTestCase):
    def sign_in(self, client, username, password=PASSWORD, **extra):
        return client.post(LOGIN, {"username": username, "password": password, **extra})

    def enrol(self, user) -> tuple[str, list[str]]:
        device = do_begin_enrolment(user)
        codes = do_confirm_enrolment(user, current_code(device.secret))
        TwoFactorDevice.objects.filter(user=user).update(last_step=0)
        return device.secret, codes

    def test_first_sign_in_enrols_then_opens_the_platform(self):
        client = Client()
        response = self.sign_in(client, "county_inspector", next="/hazards/")
        self.assertRedirects(response, f"{TWO_FACTOR}?next=%2Fhazards%2F", fetch_redirect_response=False)
        # Signed in, but nothing else opens until the second factor is passed.
        self.assertRedirects(client.get("/hazards/"), f"{TWO_FACTOR}?next=/hazards/", fetch_redirect_response=False)
        self.assertEqual(client.get("/api/v1/hazards/").status_code, 403)
        self.assertRedirects(client.get(TWO_FACTOR), ENROL, fetch_redirect_response=False)
        page = client.get(ENROL)
        self.assertContains(page, "data:image/svg+xml")
        secret = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", page.content.decode()).group(1).replace(" ", "")
        wrong = client.post(ENROL, {"code": "000000" if current_code(secret) != "000000" else "111111"})
        self.assertEqual(wrong.status_code, 400)
        self.assertContains(wrong, "验证码不正确", status_code=400)
        key_before = client.session.session_key
        done = client.post(ENROL, {"code": current_code(secret), "next": "/hazards/"})
        self.assertEqual(done.status_code, 200)
        codes = re.findall(r"<code>([0-9A-F]{6}-[0-9A-F]{6})</code>", done.content.decode())
        self.assertEqual(len(codes), 10)
        self.assertNotEqual(client.session.session_key, key_before)
        self.assertEqual(client.get("/hazards/").status_code, 200)
        self.assertTrue(Event.objects.filter(type="auth.2fa_enrolled", actor=self.county_inspector).exists())
        self.assertEqual(RecoveryCode.objects.filter(user=self.county_inspector).count(), 10)

    def test_later_sign_in_asks_for_the_code(self):
        secret, _codes = self.enrol(self.province_leader)
        client = Client()
        self.sign_in(client, "province_leader")
        self.assertEqual(client.get(TWO_FACTOR).status_code, 200)
        self.assertEqual(client.post(TWO_FACTOR, {"code": "12345x"}).status_code, 400)
        response = client.post(TWO_FACTOR, {"code": current_code(secret), "next": "/supervision/"})
        self.assertRedirects(response, "/supervision/", fetch_redirect_response=False)
        self.assertTrue(client.session[TWO_FACTOR_VERIFIED])
        # The same code again (a replay in another session) is refused.
        other = Client()
        self.sign_in(other, "province_leader")
        self.assertEqual(other.post(TWO_FACTOR, {"code": current_code(secret)}).status_code, 400)

    def test_a_recovery_code_works_once(self):
        _secret, codes = self.enrol(self.system_admin)
        client = Client()
        self.sign_in(client, "sysadmin")
        self.assertEqual(client.post(TWO_FACTOR, {"code": codes[0].lower()}).status_code, 302)
        again = Client()
        self.sign_in(again, "sysadmin")
        self.assertEqual(again.post(TWO_FACTOR, {"code": codes[0]}).status_code, 400)
        event = Event.objects.filter(type="auth.2fa_verified", actor=self.system_admin).latest("seq")
        self.assertEqual((event.data["method"], event.data["recovery_codes_left"]), ("recovery_code", 9))

    def test_wrong_codes_lock_the_second_step(self):
        secret, _codes = self.enrol(self.audit_admin)
        client = Client()
        self.sign_in(client, "auditadmin")
        wrong = "000000" if current_code(secret) != "000000" else "111111"
        for _n in range(5):
            client.post(TWO_FACTOR, {"code": wrong})
        response = client.post(TWO_FACTOR, {"code": current_code(secret)})
        self.assertRedirects(response, LOGIN, fetch_redirect_response=False)
        self.assertNotIn(SESSION_KEY, client.session)

    def test_unit_users_sign_in_with_the_password_alone(self):
        client = Client()
        self.assertRedirects(self.sign_in(client, "owner"), "/", fetch_redirect_response=False)
        self.assertEqual(client.get("/equipment/").status_code, 200)

    def test_api_token_needs_the_code_for_those_roles(self):
        api = Client()
        url = "/api/v1/auth/token/"
        refused = api.post(url, {"username": "county_inspector", "password": PASSWORD}, content_type="application/json")
        self.assertEqual(refused.status_code, 400)
        self.assertIn("otp", refused.json()["detail"])
        not_enrolled = api.post(
            url,
            {"username": "county_inspector", "password": PASSWORD, "otp": "123456"},
            content_type="application/json",
        )
        self.assertEqual(not_enrolled.status_code, 409)
        secret, _codes = self.enrol(self.county_inspector)
        granted = api.post(
            url,
            {"username": "county_inspector", "password": PASSWORD, "otp": current_code(secret)},
            content_type="application/json",
        )
        self.assertEqual(granted.status_code, 200, granted.content)
        self.assertEqual(ApiToken.objects.filter(user=self.county_inspector).count(), 1)
        plain = api.post(url, {"username": "owner", "password": PASSWORD}, content_type="application/json")
        self.assertEqual(plain.status_code, 200)

    def test_security_admin_resets_a_lost_authenticator(self):
        self.enrol(self.city_inspector)
        ApiToken.issue(self.city_inspector, timezone.timedelta(hours=1))
        client = self.web(self.security_admin)
        page = client.get("/accounts/security/admin/", {"q": "city_inspector"})
        self.assertContains(page, "已绑定")
        response = client.post(
            "/accounts/security/admin/", {"action": "reset_two_factor", "user": self.city_inspector.pk}
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(TwoFactorDevice.objects.filter(user=self.city_inspector).exists())
        self.assertFalse(RecoveryCode.objects.filter(user=self.city_inspector).exists())
        self.assertFalse(ApiToken.objects.filter(user=self.city_inspector).exists())
        event = Event.objects.filter(type="auth.2fa_reset").latest("seq")
        self.assertEqual((event.actor_id, event.object_id), (self.security_admin.pk, str(self.city_inspector.pk)))

    def test_only_the_security_admin_resets_or_unlocks(self):
        self.enrol(self.city_inspector)
        for user in (self.system_admin, self.audit_admin, self.county_admin, self.unit_admin):
            client = self.web(user)
            self.assertEqual(client.get("/accounts/security/admin/").status_code, 403, user.username)
            response = client.post(
                "/accounts/security/admin/", {"action": "reset_two_factor", "user": self.city_inspector.pk}
            )
            self.assertEqual(response.status_code, 403, user.username)
        self.assertTrue(TwoFactorDevice.objects.filter(user=self.city_inspector).exists())

    def test_recovery_codes_regenerate_with_a_valid_code(self):
        secret, old_codes = self.enrol(self.county_admin)
        client = self.web(self.county_admin)
        response = client.post("/accounts/security/", {"code": current_code(secret)})
        new_codes = re.findall(r"<code>([0-9A-F]{6}-[0-9A-F]{6})</code>", response.content.decode())
        self.assertEqual(len(new_codes), 10)
        self.assertFalse(set(new_codes) & set(old_codes))
        self.assertTrue(Event.objects.filter(type="auth.recovery_codes_regenerated").exists())

    def test_secret_is_encrypted_at_rest(self):
        secret, _codes = self.enrol(self.inspector_with_device())
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT secret FROM accounts_twofactordevice")
            stored = [row[0] for row in cursor.fetchall()]
        self.assertTrue(stored)
        self.assertNotIn(secret, " ".join(stored))

    def inspector_with_device(self):
        return self.other_city_inspector


class ExpiryWithTimeTests(CastTestCase):
    def test_a_code_from_another_time_window_is_refused(self):
        device = do_begin_enrolment(self.county_inspector)
        with time_machine.travel(timezone.now() - timezone.timedelta(minutes=10)):
            old = current_code(device.secret)
        self.assertIsNone(totp.matching_step(device.secret, old, after_step=0))
