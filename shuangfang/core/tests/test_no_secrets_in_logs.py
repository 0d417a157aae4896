"""Passwords, tokens, one-time codes and full ID and phone numbers never reach the application's logs or the event
log (ASVS 5.0 16.2.5; GB/T 22239-2019 §8.1.4.10).  Every secret passes through the platform's real paths while the
root logger captures everything at DEBUG, then both are searched."""

import logging

from django.test import Client

from shuangfang.accounts import totp
from shuangfang.accounts.services import do_begin_enrolment, do_confirm_enrolment
from shuangfang.core.models import Event
from shuangfang.core.testing import PASSWORD, CastTestCase

NEW_PASSWORD = "Luliang-Mountains-2029!"
ID_NUMBER = "140525199202027777"
PHONE = "13912345678"


class CapturingHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


class NoSecretsInLogsTests(CastTestCase):
    def setUp(self):
        self.handler = CapturingHandler()
        root = logging.getLogger()
        self.previous_level = root.level
        root.addHandler(self.handler)
        root.setLevel(logging.DEBUG)

    def tearDown(self):
        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self.previous_level)

    def test_secrets_pass_through_and_are_never_written_down(self):
        secrets = [PASSWORD, NEW_PASSWORD, ID_NUMBER, PHONE, "Wrong-Password-9!"]
        client = Client()
        client.post("/accounts/login/", {"username": "owner", "password": "Wrong-Password-9!"})
        client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
        client.post(
            "/accounts/password/",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        )
        token = client.post(
            "/api/v1/auth/token/", {"username": "owner", "password": NEW_PASSWORD}, content_type="application/json"
        ).json()["token"]
        secrets.append(token)
        api = Client(HTTP_AUTHORIZATION=f"Token {token}")
        created = api.post(
            "/api/v1/certificates/",
            {
                "holder_name": "王五",
                "id_number": ID_NUMBER,
                "item": "Q2",
                "cert_no": "TS-Q2-0777",
                "issued_on": "2024-03-01",
                "expires_on": "2028-03-01",
            },
            content_type="application/json",
        )
        self.assertEqual(created.status_code, 201, created.content)
        changed = api.patch(
            f"/api/v1/users/{self.unit_admin.pk}/",
            {"phone": PHONE, "version": self.unit_admin.version},
            content_type="application/json",
        )
        self.assertIn(changed.status_code, (200, 403))
        admin_api = self.api(self.unit_admin)
        self.assertEqual(
            admin_api.patch(
                f"/api/v1/users/{self.owner.pk}/", {"phone": PHONE, "version": 2}, format="json"
            ).status_code,
            200,
        )
        device = do_begin_enrolment(self.county_inspector)
        code = totp.code_for(device.secret, totp.step_at())
        recovery = do_confirm_enrolment(self.county_inspector, code)
        secrets += [device.secret, code, *recovery]

        logged = "\n".join(self.handler.lines)
        events = "\n".join(f"{event.object_repr} {event.data}" for event in Event.objects.all())
        for secret in secrets:
            self.assertNotIn(secret, logged, f"{secret!r} reached the application log")
            self.assertNotIn(secret, events, f"{secret!r} reached the event log")
        self.assertTrue(self.handler.lines, "the capture must have seen the requests' log lines")
