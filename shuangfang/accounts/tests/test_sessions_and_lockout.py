"""Session lifetime and the limits on signing in: the absolute timeout, the per-address lock and rate limit."""

from datetime import timedelta

import time_machine
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from shuangfang.core.models import Event
from shuangfang.core.testing import PASSWORD, CastTestCase

LOGIN = "/accounts/login/"


class AbsoluteTimeoutTests(CastTestCase):
    def test_a_busy_session_still_ends_after_the_absolute_lifetime(self):
        client = Client()
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            client.post(LOGIN, {"username": "owner", "password": PASSWORD})
        # Active every 20 minutes, so the idle timeout never fires.
        for minutes in range(20, settings.SESSION_ABSOLUTE_HOURS * 60, 20):
            with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
                self.assertEqual(client.get("/notifications/").status_code, 200, minutes)
        with time_machine.travel(start + timedelta(hours=settings.SESSION_ABSOLUTE_HOURS, minutes=1), tick=False):
            response = client.get("/notifications/")
        self.assertRedirects(response, f"{LOGIN}?next=/notifications/", fetch_redirect_response=False)

    def test_idle_timeout_is_the_cookie_age_renewed_on_each_request(self):
        self.assertEqual(settings.SESSION_COOKIE_AGE, 30 * 60)
        self.assertTrue(settings.SESSION_SAVE_EVERY_REQUEST)
        client = Client()
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            client.post(LOGIN, {"username": "owner", "password": PASSWORD})
        with time_machine.travel(start + timedelta(minutes=31), tick=False):
            response = client.get("/notifications/")
        self.assertRedirects(response, f"{LOGIN}?next=/notifications/", fetch_redirect_response=False)


@override_settings(LOCKOUT_IP_FAILURES=8, LOGIN_RATE_PER_MINUTE=1000)
class AddressLockoutTests(CastTestCase):
    def test_failures_across_accounts_lock_the_address_without_naming_accounts(self):
        client = Client(REMOTE_ADDR="203.0.113.9")
        for n in range(8):
            client.post(LOGIN, {"username": f"guess{n}", "password": "Wrong-password-1"})
        # The right password from that address is now refused too, whichever account.
        response = client.post(LOGIN, {"username": "owner", "password": PASSWORD})
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "来自该地址", status_code=429)
        # Another address is not affected.
        other = Client(REMOTE_ADDR="203.0.113.10")
        self.assertEqual(other.post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code, 302)
        self.assertTrue(Event.objects.filter(type="auth.login_locked", source_ip="203.0.113.9").exists())

    def test_the_address_lock_ends_after_the_lock_period(self):
        client = Client(REMOTE_ADDR="203.0.113.11")
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            for n in range(8):
                client.post(LOGIN, {"username": f"guess{n}", "password": "Wrong-password-1"})
        with time_machine.travel(start + settings.AXES_COOLOFF_TIME + timedelta(minutes=1), tick=False):
            self.assertEqual(client.post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code, 302)


@override_settings(LOGIN_RATE_PER_MINUTE=5, LOCKOUT_IP_FAILURES=1000)
class LoginRateTests(CastTestCase):
    def test_more_than_the_rate_gets_429_on_the_page_and_the_api(self):
        client = Client(REMOTE_ADDR="198.51.100.7")
        statuses = [
            client.post(LOGIN, {"username": f"user{n}", "password": "Wrong-password-1"}).status_code for n in range(5)
        ]
        self.assertEqual(statuses, [200] * 5)
        self.assertEqual(client.post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code, 429)
        api = client.post(
            "/api/v1/auth/token/", {"username": "owner", "password": PASSWORD}, content_type="application/json"
        )
        self.assertEqual(api.status_code, 429)
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            self.assertEqual(client.post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code, 302)
