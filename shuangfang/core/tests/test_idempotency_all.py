"""Idempotency-Key on every POST of the API (API contract, Idempotency): mobile pages retry over weak networks.

Every POST route of the router — creates, list actions and detail actions — is enumerated from the router itself.
On each, a repeat with the same key and body replays the first answer (status, body, `Idempotent-Replayed`), the
same key with another body is 422, and a repeat while the first is still in flight is 409.  The creating routes
with a body that really creates are also checked for exactly one row.  The meta-test fails when a POST route is
added without idempotency, unless it is listed below with the reason.
"""

import uuid
from unittest import mock

from django.urls import URLPattern, URLResolver, reverse
from rest_framework.renderers import JSONRenderer

from shuangfang.api_urls import urlpatterns
from shuangfang.core import idempotency
from shuangfang.core.api.viewsets import NEVER_STORED_ACTIONS, IdempotentMixin
from shuangfang.core.models import IdempotencyRecord
from shuangfang.core.testing import CastTestCase
from shuangfang.core.tests.test_scope_matrix import (
    MATRIX,
    UnitAObjectsMixin,
    detail_actions,
    list_actions,
    registrations,
    serves,
)
from shuangfang.equipment.models import Equipment
from shuangfang.hazards.models import CheckItem, Hazard
from shuangfang.risks.models import Risk, RiskPoint
from shuangfang.supervision.models import Accident, Grid

# Plain (non-router) POST views that do not take Idempotency-Key, with the reason.
NOT_IDEMPOTENT = {
    # Signing in creates no record a retry could duplicate, and its answer is a credential: it is never stored.
    "api-token": "authentication: the response is a secret and must not be cached",
}


def post_routes():
    """(label, url name, kwargs needing a pk) of every POST route of the router."""
    routes = []
    for prefix, viewset, basename in registrations():
        if serves(viewset, "create") and "post" in getattr(viewset, "http_method_names", ["post"]):
            routes.append((f"{prefix} create", f"{basename}-list", False, viewset, prefix))
        for action in list_actions(viewset):
            if "post" in action.mapping:
                routes.append((f"{prefix} {action.url_path}", f"{basename}-{action.url_name}", False, viewset, prefix))
        for action in detail_actions(viewset):
            if "post" in action.mapping:
                routes.append((f"{prefix} {action.url_path}", f"{basename}-{action.url_name}", True, viewset, prefix))
    return routes


def plain_post_views():
    """Names of the API's own (non-router) views that accept POST."""
    names = set()
    for pattern in urlpatterns:
        if isinstance(pattern, URLResolver):
            continue
        assert isinstance(pattern, URLPattern)
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is not None and hasattr(view_class, "post"):
            names.add((pattern.name, view_class))
    return names


class IdempotencyCoverageTests(CastTestCase):
    def test_every_router_post_route_honours_the_key(self):
        for label, _name, _detail, viewset, _prefix in post_routes():
            with self.subTest(route=label):
                self.assertTrue(issubclass(viewset, IdempotentMixin), f"{label} ignores Idempotency-Key")

    def test_every_plain_post_view_honours_the_key_or_says_why_not(self):
        for name, view_class in plain_post_views():
            with self.subTest(view=name):
                if name in NOT_IDEMPOTENT:
                    self.assertFalse(issubclass(view_class, IdempotentMixin))
                else:
                    self.assertTrue(issubclass(view_class, IdempotentMixin), f"{name} ignores Idempotency-Key")
        self.assertLessEqual(set(NOT_IDEMPOTENT), {name for name, _ in plain_post_views()})


class PostRouteUrls(UnitAObjectsMixin):
    def url_of(self, name, detail, prefix):
        if not detail:
            return reverse(name)
        return reverse(name, kwargs={"pk": getattr(self, MATRIX[prefix].unit_a_objects[0]).pk})


class EveryPostRouteTests(PostRouteUrls, CastTestCase):
    def test_every_post_route_replays_refuses_another_body_and_refuses_a_duplicate_in_flight(self):
        client = self.api(self.owner)
        for label, name, detail, _viewset, prefix in post_routes():
            if label.rsplit(" ", 1)[-1] in NEVER_STORED_ACTIONS:
                continue  # Their answers are never stored: UnmaskIsNeverStoredTests.
            url = self.url_of(name, detail, prefix)
            with self.subTest(route=label):
                key = uuid.uuid4().hex
                first = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
                self.assertLess(first.status_code, 500, first.content)
                self.assertNotIn("Idempotent-Replayed", first)
                again = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
                self.assertEqual(again.status_code, first.status_code)
                self.assertEqual(again.content, first.content)
                self.assertEqual(again.get("Idempotent-Replayed"), "true")
                other = client.post(url, {"note": "另一个请求"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
                self.assertEqual(other.status_code, 422, other.content)

                in_flight = uuid.uuid4().hex
                same_request = idempotency.fingerprint("POST", url, JSONRenderer().render({}))
                IdempotencyRecord.objects.create(user=self.owner, key=in_flight, fingerprint=same_request)
                duplicate = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY=in_flight)
                self.assertEqual(duplicate.status_code, 409, duplicate.content)


class UnmaskIsNeverStoredTests(PostRouteUrls, CastTestCase):
    def test_unmask_routes_answer_afresh_and_store_nothing(self):
        routes = [route for route in post_routes() if route[0].rsplit(" ", 1)[-1] in NEVER_STORED_ACTIONS]
        self.assertTrue(routes)
        for label, name, detail, _viewset, prefix in routes:
            with self.subTest(route=label):
                url = self.url_of(name, detail, prefix)
                key = uuid.uuid4().hex
                first = self.api(self.owner).post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
                again = self.api(self.owner).post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
                self.assertEqual(again.status_code, first.status_code)
                self.assertNotIn("Idempotent-Replayed", again)
                self.assertFalse(IdempotencyRecord.objects.filter(key=key).exists())


class CreatesOnceTests(UnitAObjectsMixin, CastTestCase):
    """Creating routes with a body that really creates: one row however often the request is retried."""

    def creations(self):
        """(label, actor, url, body, model, rows of that model counted)."""
        return [
            (
                "equipment",
                self.owner,
                "/api/v1/equipment/",
                {"code": "51101405252026A0009", "category": "5110", "name": "叉车"},
                Equipment,
            ),
            (
                "hazards",
                self.member,
                "/api/v1/hazards/",
                {"equipment": self.equipment_a.pk, "description": "层门关闭后可被扒开，门缝过大"},
                Hazard,
            ),
            (
                "risks",
                self.owner,
                "/api/v1/risks/",
                {
                    "equipment": self.equipment_a.pk,
                    "title": "曳引绳磨损",
                    "hazard_source": "曳引绳断股",
                    "method": "ls",
                    "factors": {"L": 2, "S": 3},
                    "control_level": "post",
                    "measures": [{"kind": "management", "text": "每月检查曳引绳", "check": True}],
                },
                Risk,
            ),
            ("risk-points", self.owner, "/api/v1/risk-points/", {"kind": "site", "name": "装卸作业区"}, RiskPoint),
            (
                "risk-templates apply",
                self.owner,
                "/api/v1/risk-templates/apply/",
                {"equipment": [self.equipment_a.pk]},
                Risk,
            ),
            (
                "check-items",
                self.owner,
                "/api/v1/check-items/",
                {"catalog_prefix": "3100", "text": "底坑无积水"},
                CheckItem,
            ),
            (
                "supervision/grids",
                self.county_admin,
                "/api/v1/supervision/grids/",
                {"name": "东片网格", "units": [self.unit_c.pk], "inspectors": [self.county_inspector.pk]},
                Grid,
            ),
            (
                "supervision/accidents",
                self.county_inspector,
                "/api/v1/supervision/accidents/",
                {
                    "organization": self.unit_a.pk,
                    "occurred_at": "2026-01-05T10:00:00+08:00",
                    "accident_type": "04",
                    "severity": "general",
                    "description": "层门夹人",
                },
                Accident,
            ),
        ]

    def test_same_key_and_body_creates_one_row_and_replays_the_answer(self):
        for label, actor, url, body, model in self.creations():
            with self.subTest(route=label):
                key = str(uuid.uuid4())
                before = model._base_manager.count()
                first = self.api(actor).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
                self.assertIn(first.status_code, (200, 201), first.content)
                created = model._base_manager.count()
                self.assertGreater(created, before)
                again = self.api(actor).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
                self.assertEqual((again.status_code, again.content), (first.status_code, first.content))
                self.assertEqual(again.get("Idempotent-Replayed"), "true")
                self.assertEqual(model._base_manager.count(), created, "a retry created another row")
                changed = self.api(actor).post(
                    url, {**body, "description": "另一个请求"}, format="json", HTTP_IDEMPOTENCY_KEY=key
                )
                self.assertEqual(changed.status_code, 422, changed.content)
                self.assertEqual(model._base_manager.count(), created)

    def test_a_key_used_by_another_user_is_their_own(self):
        key = str(uuid.uuid4())
        body = {"equipment": self.equipment_a.pk, "description": "轿厢照明不亮"}
        mine = self.api(self.member).post("/api/v1/hazards/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        self.assertEqual(mine.status_code, 201, mine.content)
        theirs = self.api(self.owner).post("/api/v1/hazards/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        self.assertEqual(theirs.status_code, 201, theirs.content)
        self.assertNotIn("Idempotent-Replayed", theirs)
        self.assertNotEqual(theirs.json()["id"], mine.json()["id"])
        self.assertEqual(Hazard.objects.filter(description="轿厢照明不亮").count(), 2)

    def test_a_duplicate_while_the_first_is_in_flight_is_409_and_creates_nothing(self):
        key = str(uuid.uuid4())
        body = {"equipment": self.equipment_a.pk, "description": "底坑积水"}
        # The first request has claimed the key and not yet answered: its record is not completed.
        with mock.patch.object(idempotency, "complete"):
            first = self.api(self.member).post("/api/v1/hazards/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        self.assertEqual(first.status_code, 201, first.content)
        duplicate = self.api(self.member).post("/api/v1/hazards/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        self.assertEqual(duplicate.status_code, 409, duplicate.content)
        self.assertIn("detail", duplicate.json())
        self.assertEqual(Hazard.objects.filter(description="底坑积水").count(), 1)
