"""Operator certificates through the API: the unit keeps its own, state by date, ID numbers masked."""

from datetime import date, timedelta

import time_machine
from django.utils import timezone

from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase
from shuangfang.equipment.models import OperatorCertificate

CERTIFICATES = "/api/v1/certificates/"
ID_NUMBER = "140525199001011234"
MASKED = "140***********1234"


class CertificateTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = timezone.localdate()
        cls.certificate_a = OperatorCertificate.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            holder_name="张三",
            id_number=ID_NUMBER,
            item_id="N1",
            cert_no="TS-N1-0001",
            issued_on=today - timedelta(days=365),
            expires_on=today + timedelta(days=1000),
        )
        cls.certificate_c = OperatorCertificate.objects.create(
            organization=cls.unit_c,
            region_id=cls.unit_c.region_id,
            holder_name="王五",
            id_number="140525198505055678",
            item_id="A",
            cert_no="TS-A-0002",
            issued_on=today - timedelta(days=365),
            expires_on=today + timedelta(days=1000),
        )

    def url(self, certificate=None):
        return f"{CERTIFICATES}{(certificate or self.certificate_a).pk}/"

    def new(self, **extra):
        body = {
            "holder_name": "李四",
            "id_number": "140525199202022222",
            "item": "Q2",
            "cert_no": "TS-Q2-0003",
            "issued_on": "2024-03-01",
            "expires_on": "2028-03-01",
        }
        body.update(extra)
        return body

    def test_unit_adds_its_own_with_one_event(self):
        before = Event.objects.count()
        response = self.api(self.owner).post(CERTIFICATES, self.new(organization=self.unit_c.pk), format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["organization"], self.unit_a.pk, "the organization is always the caller's")
        self.assertEqual(body["item"], "Q2")
        self.assertEqual(body["version"], 1)
        self.assertEqual(Event.objects.count(), before + 1)
        event = Event.objects.latest("seq")
        self.assertEqual((event.type, event.organization_id), ("certificate.added", self.unit_a.pk))
        self.assertNotIn("140525199202022222", str(event.data))

    def test_validation(self):
        cases = [
            ({"item": "ZZ"}, "item"),
            ({"expires_on": "2024-03-01"}, "expires_on"),
            ({"issued_on": (timezone.localdate() + timedelta(days=2)).isoformat()}, "issued_on"),
            ({"cert_no": self.certificate_a.cert_no, "item": "N1"}, "cert_no"),
            ({"holder_name": ""}, "holder_name"),
            ({"id_number": ""}, "id_number"),
        ]
        for change, field in cases:
            with self.subTest(change=change):
                response = self.api(self.owner).post(CERTIFICATES, self.new(**change), format="json")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn(field, response.json())
        self.assertEqual(OperatorCertificate.objects.count(), 2)

    def test_same_number_under_another_item_is_fine(self):
        response = self.api(self.owner).post(
            CERTIFICATES, self.new(cert_no=self.certificate_a.cert_no, item="G1"), format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)

    def test_only_unit_managers_write(self):
        for user in (self.member, self.county_inspector, self.agency_user, self.system_admin):
            with self.subTest(user=user.username):
                response = self.api(user).post(CERTIFICATES, self.new(), format="json")
                self.assertEqual(response.status_code, 403, response.content)
        response = self.api(self.member).patch(self.url(), {"holder_name": "x", "version": 1}, format="json")
        self.assertEqual(response.status_code, 403)
        response = self.api(self.county_inspector).patch(self.url(), {"holder_name": "x", "version": 1}, format="json")
        self.assertEqual(response.status_code, 403)

    def test_update_with_version(self):
        response = self.api(self.owner).patch(self.url(), {"expires_on": "2030-01-01", "version": 1}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["version"], 2)
        stale = self.api(self.principal).patch(self.url(), {"holder_name": "张三丰", "version": 1}, format="json")
        self.assertEqual(stale.status_code, 409, stale.content)
        self.certificate_a.refresh_from_db()
        self.assertEqual((self.certificate_a.holder_name, self.certificate_a.expires_on), ("张三", date(2030, 1, 1)))

    def test_id_number_update_is_not_logged_in_clear(self):
        response = self.api(self.owner).patch(
            self.url(), {"id_number": "140525199001019999", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        event = Event.objects.latest("seq")
        self.assertEqual(event.type, "certificate.updated")
        self.assertNotIn("9999", str(event.data))
        self.assertNotIn(ID_NUMBER, str(event.data))

    def test_state_by_date(self):
        expires = self.certificate_a.expires_on
        for moment, state in [
            (expires - timedelta(days=91), "valid"),
            (expires - timedelta(days=90), "expiring"),
            (expires, "expiring"),
            (expires + timedelta(days=1), "expired"),
        ]:
            with self.subTest(moment=moment), time_machine.travel(moment.isoformat() + " 12:00 +0800", tick=False):
                self.assertEqual(self.api(self.owner).get(self.url()).json()["state"], state)
                listed = self.api(self.owner).get(f"{CERTIFICATES}?state={state}").json()["results"]
                self.assertEqual([row["id"] for row in listed], [self.certificate_a.pk])

    def test_id_number_is_masked_for_everyone_and_unmasked_only_for_the_units_admins(self):
        for user in (
            self.unit_admin,
            self.principal,
            self.owner,
            self.member,
            self.county_inspector,
            self.system_admin,
        ):
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).get(self.url()).json()["id_number"], MASKED)
                rows = self.api(user).get(CERTIFICATES).json()["results"]
                self.assertNotIn(ID_NUMBER, str(rows))
        for user in (self.unit_admin, self.principal):
            with self.subTest(user=user.username):
                response = self.api(user).post(self.url() + "unmask/")
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.json(), {"id_number": ID_NUMBER})
        for user in (self.owner, self.member, self.county_inspector, self.system_admin, self.other_unit_user):
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).post(self.url() + "unmask/").status_code, 404)

    def test_regulators_read_in_jurisdiction_and_outsiders_get_404(self):
        def ids(user):
            return {row["id"] for row in self.api(user).get(CERTIFICATES).json()["results"]}

        a, c = self.certificate_a.pk, self.certificate_c.pk
        self.assertEqual(ids(self.owner), {a})
        self.assertEqual(ids(self.county_inspector), {a, c})
        self.assertEqual(ids(self.city_inspector), {a, c})
        self.assertEqual(ids(self.sibling_inspector), set())
        self.assertEqual(ids(self.agency_user), set())
        self.assertNotFoundForOutsiders("get", self.url())
        self.assertNotFoundForOutsiders("patch", self.url(), {"holder_name": "x", "version": 1})
        self.certificate_a.refresh_from_db()
        self.assertEqual(self.certificate_a.version, 1)

    def test_filters(self):
        response = self.api(self.county_inspector).get(f"{CERTIFICATES}?item=A")
        self.assertEqual([row["id"] for row in response.json()["results"]], [self.certificate_c.pk])
        response = self.api(self.county_inspector).get(f"{CERTIFICATES}?q=张")
        self.assertEqual([row["id"] for row in response.json()["results"]], [self.certificate_a.pk])
        response = self.api(self.county_inspector).get(f"{CERTIFICATES}?organization={self.unit_c.pk}")
        self.assertEqual([row["id"] for row in response.json()["results"]], [self.certificate_c.pk])
