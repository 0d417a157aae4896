"""The event log as the API shows it: one event per change, and the change feed scoped like everything else."""

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from shuangfang.core.api.serializers import EventSerializer
from shuangfang.core.events import record_event
from shuangfang.core.models import Event
from shuangfang.core.testing import PASSWORD, CastTestCase
from shuangfang.core.tests.test_api_attachments import tiny_png
from shuangfang.orgs.uscc import make_uscc

EVENTS = "/api/v1/events/"


class OneEventPerChangeTests(CastTestCase):
    def assertOneEvent(self, event_type, call, expected_status):
        before = Event.objects.count()
        response = call()
        self.assertEqual(response.status_code, expected_status, getattr(response, "content", b""))
        self.assertEqual(Event.objects.count(), before + 1, event_type)
        self.assertEqual(Event.objects.latest("seq").type, event_type)
        return response.json() if expected_status != 204 else None

    def test_every_service_call_appends_exactly_one_event(self):
        unit, county, agency = self.api(self.unit_admin), self.api(self.county_inspector), self.api(self.agency_user)
        body = {"name": "新单位", "uscc": make_uscc("911405250000000A1"), "kind": "use_unit", "region": "140525"}
        organization = self.assertOneEvent(
            "organization.created", lambda: county.post("/api/v1/organizations/", body, format="json"), 201
        )
        self.assertOneEvent(
            "organization.updated",
            lambda: county.patch(
                f"/api/v1/organizations/{organization['id']}/", {"address": "新址", "version": 1}, format="json"
            ),
            200,
        )
        user = self.assertOneEvent(
            "user.created",
            lambda: unit.post(
                "/api/v1/users/",
                {"username": "li_si", "password": "Kx7#mPq2vLw", "organization": self.unit_a.pk, "roles": ["operator"]},
                format="json",
            ),
            201,
        )
        self.assertOneEvent(
            "user.updated",
            lambda: unit.patch(f"/api/v1/users/{user['id']}/", {"full_name": "李四", "version": 1}, format="json"),
            200,
        )
        equipment = self.assertOneEvent(
            "equipment.registered",
            lambda: unit.post(
                "/api/v1/equipment/",
                {
                    "code": "51101405252026A0001",
                    "category": "5110",
                    "name": "叉车",
                    "inspection_agency": self.agency.pk,
                },
                format="json",
            ),
            201,
        )
        url = f"/api/v1/equipment/{equipment['id']}/"
        self.assertOneEvent(
            "equipment.updated", lambda: unit.patch(url, {"site": "仓库", "version": 1}, format="json"), 200
        )
        for version, action, event_type in [
            (2, "suspend", "equipment.suspended"),
            (3, "resume", "equipment.resumed"),
        ]:
            self.assertOneEvent(
                event_type,
                lambda action=action, version=version: unit.post(
                    f"{url}{action}/", {"reason": "检修", "version": version}, format="json"
                ),
                200,
            )
        self.assertOneEvent(
            "periodic_inspection.recorded",
            lambda: agency.post(
                "/api/v1/periodic-inspections/",
                {"equipment": equipment["id"], "inspected_on": "2026-01-05", "conclusion": "pass"},
                format="json",
            ),
            201,
        )
        self.assertOneEvent(
            "equipment.scrapped",
            lambda: unit.post(f"{url}scrap/", {"reason": "报废", "version": 5}, format="json"),
            200,
        )
        certificate = self.assertOneEvent(
            "certificate.added",
            lambda: unit.post(
                "/api/v1/certificates/",
                {
                    "holder_name": "李四",
                    "id_number": "140525199202022222",
                    "item": "N1",
                    "cert_no": "N1-1",
                    "issued_on": "2024-01-01",
                    "expires_on": "2028-01-01",
                },
                format="json",
            ),
            201,
        )
        self.assertOneEvent(
            "certificate.updated",
            lambda: unit.patch(
                f"/api/v1/certificates/{certificate['id']}/", {"cert_no": "N1-2", "version": 1}, format="json"
            ),
            200,
        )
        self.assertOneEvent(
            "attachment.uploaded",
            lambda: unit.post(
                "/api/v1/attachments/", {"file": SimpleUploadedFile("a.png", tiny_png())}, format="multipart"
            ),
            201,
        )
        anonymous = APIClient()
        self.assertOneEvent(
            "auth.login",
            lambda: anonymous.post("/api/v1/auth/token/", {"username": "owner", "password": PASSWORD}, format="json"),
            200,
        )
        self.assertOneEvent(
            "auth.login_failed",
            lambda: anonymous.post("/api/v1/auth/token/", {"username": "owner", "password": "nope"}, format="json"),
            400,
        )

    def test_refused_and_unchanged_calls_append_nothing(self):
        # Nothing but the refusal's own audit record (core/audit.py).
        changes = Event.objects.exclude(type="auth.denied")
        before = changes.count()
        url = f"/api/v1/equipment/{self.equipment_a.pk}/"
        self.api(self.member).patch(url, {"name": "x", "version": 1}, format="json")  # 403
        self.api(self.owner).patch(url, {"name": "x", "version": 9}, format="json")  # 409
        self.api(self.owner).post(f"{url}resume/", {"reason": "x", "version": 1}, format="json")  # 409
        self.api(self.unit_b_user).get(url)  # 404
        self.api(self.owner).patch(url, {"name": self.equipment_a.name, "version": 1}, format="json")  # no change
        self.assertEqual(changes.count(), before)
        self.assertEqual(Event.objects.filter(type="auth.denied").count(), 1)

    def test_events_carry_the_request(self):
        response = self.api(self.owner).patch(
            f"/api/v1/equipment/{self.equipment_a.pk}/", {"name": "新名", "version": 1}, format="json"
        )
        event = Event.objects.latest("seq")
        self.assertEqual(event.request_id, response["X-Request-ID"])
        self.assertEqual(event.source_ip, "127.0.0.1")
        self.assertEqual(event.actor, self.owner)
        self.assertEqual(event.actor_roles, "safety_officer")
        self.assertEqual(event.data["changes"]["name"], ["设备 31101401012020A0001", "新名"])


class ChangeFeedTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from shuangfang.equipment.services import do_change_equipment_status, do_update_equipment

        do_update_equipment(actor=cls.owner, equipment=cls.equipment_a, changes={"site": "一号楼"}, expected_version=1)
        do_change_equipment_status(
            actor=cls.unit_b_user, equipment=cls.equipment_b, action="suspend", reason="检修", expected_version=1
        )
        do_update_equipment(
            actor=cls.other_unit_user, equipment=cls.equipment_c, changes={"site": "二号楼"}, expected_version=1
        )

    def feed(self, user, query=""):
        response = self.api(user).get(EVENTS + query)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def seqs(self, user):
        return [row["seq"] for row in self.feed(user, "?limit=5000")["results"]]

    def test_oldest_first_with_the_contract_fields(self):
        body = self.feed(self.owner)
        rows = body["results"]
        self.assertEqual([row["seq"] for row in rows], sorted(row["seq"] for row in rows))
        self.assertEqual(
            set(rows[0]),
            {"seq", "at", "type", "outcome", "actor", "object_type", "object_id", "organization", "region", "data"},
        )
        last = rows[-1]
        self.assertEqual(last["type"], "equipment.updated")
        self.assertEqual(last["object_type"], "equipment.equipment")
        self.assertEqual(last["object_id"], str(self.equipment_a.pk))
        self.assertEqual(last["organization"], self.unit_a.pk)
        self.assertEqual(last["region"], "140525")
        self.assertEqual(last["data"], {"changes": {"site": ["", "一号楼"]}})
        self.assertIsNone(body["next"])

    def test_each_side_sees_its_own(self):
        def visible(queryset):
            return list(queryset.order_by("seq").values_list("seq", flat=True))

        unit_a_events = visible(Event.objects.filter(organization=self.unit_a))
        self.assertTrue(unit_a_events)
        self.assertEqual(self.seqs(self.owner), unit_a_events)
        self.assertEqual(self.seqs(self.member), unit_a_events)
        self.assertEqual(self.seqs(self.county_inspector), visible(Event.objects.filter(region_code="140525")))
        self.assertEqual(self.seqs(self.city_inspector), visible(Event.objects.filter(region_code__startswith="1405")))
        self.assertEqual(self.seqs(self.province_leader), visible(Event.objects.filter(region_code__startswith="14")))
        sibling = self.seqs(self.sibling_inspector)
        self.assertTrue(sibling)
        self.assertFalse(set(sibling) & set(unit_a_events))
        self.assertFalse(set(self.seqs(self.other_unit_user)) & set(unit_a_events))
        self.assertFalse(set(self.seqs(self.other_city_inspector)) & set(unit_a_events))
        self.assertFalse(set(self.seqs(self.other_agency_user)) & set(unit_a_events))
        # 三权分立: the audit administrator reads the whole log, the other two none of it.
        self.assertEqual(self.seqs(self.audit_admin), visible(Event.objects.all()))
        self.assertEqual(self.seqs(self.system_admin), [])
        self.assertEqual(self.seqs(self.security_admin), [])

    def test_keyset_pages(self):
        everything = self.seqs(self.audit_admin)
        self.assertGreater(len(everything), 5)
        collected, url, pages = [], f"{EVENTS}?limit=2", 0
        while url:
            body = self.api(self.audit_admin).get(url).json()
            pages += 1
            collected += [row["seq"] for row in body["results"]]
            if body["next"]:
                query = parse_qs(urlparse(body["next"]).query)
                self.assertEqual(int(query["after"][0]), body["results"][-1]["seq"])
                self.assertEqual(body["last_seq"], body["results"][-1]["seq"])
            url = body["next"]
        self.assertEqual(collected, everything)
        # The page before the last knows there is more: no empty page at the end.
        self.assertEqual(pages, (len(everything) + 1) // 2)

    def test_after_returns_only_newer(self):
        everything = self.seqs(self.owner)
        middle = everything[len(everything) // 2]
        rows = self.feed(self.owner, f"?after={middle}")["results"]
        self.assertEqual([row["seq"] for row in rows], [seq for seq in everything if seq > middle])
        self.assertEqual(self.feed(self.owner, f"?after={everything[-1]}")["results"], [])
        self.assertEqual(self.feed(self.owner, f"?after={everything[-1]}")["last_seq"], everything[-1])

    def test_pages_say_what_the_event_serializer_says(self):
        # The feed writes its pages itself for speed; they must read exactly as the documented serializer's output.
        data = {
            "text": '引号" 反斜杠\\ 换行\n 制表\t \u2028 \u2029 \u0001 😀',
            "nested": {"list": [1, 2.5, None, True, "乙"]},
            "empty": {},
        }
        record_event("test.unusual", actor=self.owner, region_code="140525", data=data)
        record_event("test.empty", organization=self.unit_a)
        Event.objects.create(
            at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), type="test.whole_second", region_code="140525", digest="x"
        )
        rows = list(Event.objects.order_by("seq"))
        page = {"next": None, "previous": None, "last_seq": rows[-1].seq}
        expected = json.loads(JSONRenderer().render(page | {"results": EventSerializer(rows, many=True).data}))
        response = self.api(self.audit_admin).get(EVENTS + "?limit=5000")
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response.json(), expected)
        # Escaped as JSONRenderer escapes them: valid JSON, but line ends in JavaScript.
        self.assertNotIn("\u2028", response.content.decode())
        unusual, _empty, whole_second = response.json()["results"][-3:]
        self.assertEqual(unusual["data"], data)
        self.assertIsNone(unusual["organization"])
        self.assertEqual(whole_second["at"], "2026-01-02T11:04:05+08:00")

    def test_the_browsable_page_shows_the_same_feed(self):
        html = self.api(self.owner).get(EVENTS, HTTP_ACCEPT="text/html")
        self.assertEqual(html.status_code, 200)
        self.assertIn("text/html", html["Content-Type"])

    def test_bad_parameters_are_400(self):
        for query in ("?after=abc", "?after=-1", "?limit=0", "?limit=x"):
            with self.subTest(query=query):
                self.assertEqual(self.api(self.owner).get(EVENTS + query).status_code, 400)

    def test_limit_is_capped(self):
        self.assertEqual(self.api(self.audit_admin).get(EVENTS + "?limit=999999").status_code, 200)

    def test_anonymous_is_401(self):
        self.assertEqual(APIClient().get(EVENTS).status_code, 401)

    def test_feed_is_read_only(self):
        self.assertEqual(self.api(self.audit_admin).post(EVENTS, {}, format="json").status_code, 405)
