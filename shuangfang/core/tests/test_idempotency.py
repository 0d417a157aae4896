"""Idempotency-Key on POST: a retry gets the first answer and creates nothing new."""

import uuid
from datetime import timedelta
from unittest import mock

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from shuangfang.core import idempotency
from shuangfang.core.models import Attachment, Event, IdempotencyRecord
from shuangfang.core.testing import CastTestCase
from shuangfang.core.tests.test_api_attachments import tiny_png
from shuangfang.equipment.models import Equipment

EQUIPMENT = "/api/v1/equipment/"


def body(code="51101405252026A0001", **extra):
    return {"code": code, "category": "5110", "name": "叉车", **extra}


class IdempotencyTests(CastTestCase):
    def post(self, user, data, key, url=EQUIPMENT, **kwargs):
        kwargs.setdefault("format", "json")
        return self.api(user).post(url, data, HTTP_IDEMPOTENCY_KEY=key, **kwargs)

    def test_same_key_and_body_replays_the_first_response(self):
        key = str(uuid.uuid4())
        before = Event.objects.count()
        first = self.post(self.owner, body(), key)
        self.assertEqual(first.status_code, 201, first.content)
        self.assertNotIn("Idempotent-Replayed", first)
        second = self.post(self.owner, body(), key)
        self.assertEqual(second.status_code, 201)
        self.assertEqual(second["Idempotent-Replayed"], "true")
        self.assertEqual(second.json(), first.json())
        self.assertEqual(second["Content-Type"], first["Content-Type"])
        self.assertEqual(Equipment.objects.filter(code=body()["code"]).count(), 1)
        self.assertEqual(Event.objects.count(), before + 1)

    def test_a_replayed_error_is_the_same_error(self):
        key = str(uuid.uuid4())
        first = self.post(self.owner, body(category="9999"), key)
        self.assertEqual(first.status_code, 400)
        second = self.post(self.owner, body(category="9999"), key)
        self.assertEqual(second.status_code, 400)
        self.assertEqual(second["Idempotent-Replayed"], "true")
        self.assertEqual(second.json(), first.json())

    def test_same_key_with_another_body_is_422(self):
        key = str(uuid.uuid4())
        self.assertEqual(self.post(self.owner, body(), key).status_code, 201)
        response = self.post(self.owner, body(name="另一台叉车"), key)
        self.assertEqual(response.status_code, 422, response.content)
        self.assertIn("detail", response.json())
        self.assertEqual(Equipment.objects.filter(code=body()["code"]).count(), 1)
        self.assertFalse(Equipment.objects.filter(name="另一台叉车").exists())

    def test_same_key_on_another_path_is_422(self):
        key = str(uuid.uuid4())
        self.assertEqual(self.post(self.owner, body(), key).status_code, 201)
        response = self.post(
            self.owner,
            {"equipment": self.equipment_a.pk, "inspected_on": "2026-01-05", "conclusion": "pass"},
            key,
            url="/api/v1/periodic-inspections/",
        )
        self.assertEqual(response.status_code, 422)

    def test_a_key_is_per_user(self):
        key = str(uuid.uuid4())
        mine = self.post(self.owner, body(), key)
        self.assertEqual(mine.status_code, 201)
        theirs = self.post(self.other_unit_user, body(code="51101405252026C0001"), key)
        self.assertEqual(theirs.status_code, 201, theirs.content)
        self.assertNotIn("Idempotent-Replayed", theirs)
        self.assertEqual(theirs.json()["organization"], self.unit_c.pk)
        # The same body under the same key by another user is its own request, never the first user's answer.
        again = self.post(self.unit_admin, body(), key)
        self.assertEqual(again.status_code, 400, again.content)
        self.assertNotIn("Idempotent-Replayed", again)
        self.assertEqual(IdempotencyRecord.objects.filter(key=key).count(), 3)

    def test_malformed_key_is_400_and_creates_nothing(self):
        for key in ("short", "has spaces in it", "x" * 65, "naïve-key-123"):
            with self.subTest(key=key):
                response = self.post(self.owner, body(), key)
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn("Idempotency-Key", response.json()["detail"])
        self.assertFalse(Equipment.objects.filter(code=body()["code"]).exists())

    def test_without_a_key_each_post_counts(self):
        self.assertEqual(self.api(self.owner).post(EQUIPMENT, body(), format="json").status_code, 201)
        self.assertEqual(self.api(self.owner).post(EQUIPMENT, body(), format="json").status_code, 400)

    def test_a_key_expires_after_24_hours(self):
        key = str(uuid.uuid4())
        self.assertEqual(self.post(self.owner, body(), key).status_code, 201)
        with time_machine.travel(timezone.now() + timedelta(hours=25)):
            response = self.post(self.owner, body(), key)
        # Treated as new: the code is taken now, so the platform says so instead of replaying.
        self.assertEqual(response.status_code, 400, response.content)
        self.assertNotIn("Idempotent-Replayed", response)

    def test_multipart_upload_is_idempotent(self):
        key = str(uuid.uuid4())
        content = tiny_png()
        first = self.post(
            self.owner,
            {"file": SimpleUploadedFile("a.png", content)},
            key,
            url="/api/v1/attachments/",
            format="multipart",
        )
        self.assertEqual(first.status_code, 201, first.content)
        second = self.post(
            self.owner,
            {"file": SimpleUploadedFile("a.png", content)},
            key,
            url="/api/v1/attachments/",
            format="multipart",
        )
        self.assertEqual(second.status_code, 201)
        self.assertEqual(second["Idempotent-Replayed"], "true")
        self.assertEqual(second.json(), first.json())
        self.assertEqual(Attachment.objects.count(), 1)
        other = self.post(
            self.owner,
            {"file": SimpleUploadedFile("a.png", content + b"\x00")},
            key,
            url="/api/v1/attachments/",
            format="multipart",
        )
        self.assertEqual(other.status_code, 422)

    def test_actions_are_idempotent(self):
        key = str(uuid.uuid4())
        url = f"{EQUIPMENT}{self.equipment_a.pk}/suspend/"
        first = self.post(self.owner, {"reason": "检修", "version": 1}, key, url=url)
        self.assertEqual(first.status_code, 200, first.content)
        second = self.post(self.owner, {"reason": "检修", "version": 1}, key, url=url)
        self.assertEqual(second.status_code, 200, second.content)
        self.assertEqual(second["Idempotent-Replayed"], "true")
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.version, 2)

    def test_a_repeat_while_the_first_is_in_progress_is_409(self):
        key = str(uuid.uuid4())
        same_request = idempotency.fingerprint("POST", EQUIPMENT, JSONRenderer().render(body()))
        IdempotencyRecord.objects.create(user=self.owner, key=key, fingerprint=same_request)
        response = self.post(self.owner, body(), key)
        self.assertEqual(response.status_code, 409, response.content)
        self.assertFalse(Equipment.objects.filter(code=body()["code"]).exists())

    def test_an_unexpected_error_frees_the_key(self):
        key = str(uuid.uuid4())
        failing = mock.patch("shuangfang.equipment.api.views.do_register_equipment", side_effect=RuntimeError("disk"))
        with failing, self.assertRaises(RuntimeError):
            self.post(self.owner, body(), key)
        self.assertFalse(IdempotencyRecord.objects.filter(user=self.owner, key=key).exists())
        retry = self.post(self.owner, body(), key)
        self.assertEqual(retry.status_code, 201, retry.content)
        self.assertNotIn("Idempotent-Replayed", retry)

    def test_get_ignores_the_key(self):
        response = self.api(self.owner).get(EQUIPMENT, HTTP_IDEMPOTENCY_KEY="short")
        self.assertEqual(response.status_code, 200)
