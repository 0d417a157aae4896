"""Personal numbers (core.pii, core.crypto): encrypted at rest, masked wherever shown, unmasked only by the rule
and then recorded (个人信息保护法 art 28, 51; GB/T 22239-2019 §8.1.4.8)."""

import io
import json
from datetime import date

import openpyxl
from django.core import serializers
from django.core.management import call_command
from django.db import connection

from shuangfang.accounts.models import User
from shuangfang.core import crypto, pii
from shuangfang.core.crypto import DecryptionError, blind_index, mask
from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase
from shuangfang.equipment.models import CertificateItem, OperatorCertificate
from shuangfang.hazards.models import Hazard
from shuangfang.hazards.services import do_public_report
from shuangfang.orgs.models import Organization

ID_NUMBER = "14052519900101123X"
OTHER_ID_NUMBER = "140525198505055678"
OWNER_PHONE = "13912345678"
UNIT_PHONE = "03566012345"
REPORTER_CONTACT = "13698765432"

# (table, column, the plaintext the row was given)
COLUMNS = [
    ("equipment_operatorcertificate", "id_number", ID_NUMBER),
    ("accounts_user", "phone", OWNER_PHONE),
    ("orgs_organization", "contact_phone", UNIT_PHONE),
    ("hazards_hazard", "reporter_contact", REPORTER_CONTACT),
]


class PersonalDataTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        item = CertificateItem.objects.get(code="Q2")
        cls.certificate = OperatorCertificate.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            holder_name="王电工",
            holder=cls.member,
            id_number=ID_NUMBER,
            item=item,
            cert_no="Q2-PII-0001",
            issued_on=date(2024, 1, 1),
            expires_on=date(2028, 1, 1),
        )
        cls.certificate_c = OperatorCertificate.objects.create(
            organization=cls.unit_c,
            region_id=cls.unit_c.region_id,
            holder_name="李司机",
            id_number=OTHER_ID_NUMBER,
            item=item,
            cert_no="Q2-PII-0002",
            issued_on=date(2024, 1, 1),
            expires_on=date(2028, 1, 1),
        )
        cls.owner.phone = OWNER_PHONE
        cls.owner.save(update_fields=["phone"])
        cls.unit_a.contact_phone = UNIT_PHONE
        cls.unit_a.save(update_fields=["contact_phone"])
        cls.hazard = do_public_report(
            equipment=cls.equipment_a,
            description="电梯门关不严",
            reporter_name="热心市民",
            reporter_contact=REPORTER_CONTACT,
            client_ip="203.0.113.9",
        )

    def unmask_events(self):
        return Event.objects.filter(type="pii.unmasked")


class AtRestTests(PersonalDataTestCase):
    def test_each_column_holds_ciphertext_only(self):
        with connection.cursor() as cursor:
            for table, column, plaintext in COLUMNS:
                with self.subTest(column=f"{table}.{column}"):
                    cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
                    stored = [row[0] for row in cursor.fetchall()]
                    self.assertTrue(stored)
                    self.assertTrue(all(value.startswith(crypto.PREFIX) for value in stored), stored)
                    self.assertNotIn(plaintext, " ".join(stored))
                    self.assertNotIn(plaintext[-6:], " ".join(stored))

    def test_a_dump_of_the_database_holds_no_plaintext(self):
        if connection.vendor != "sqlite":
            self.skipTest("iterdump is SQLite's")
        connection.ensure_connection()
        dump = "\n".join(connection.connection.iterdump())
        self.assertIn("王电工", dump)  # the dump is real: a name that is not encrypted is there
        for _table, _column, plaintext in COLUMNS:
            self.assertNotIn(plaintext, dump)

    def test_dumpdata_writes_ciphertext_and_loading_it_reads_the_value(self):
        out = io.StringIO()
        labels = ["equipment.operatorcertificate", "accounts.user", "orgs.organization", "hazards.hazard"]
        call_command("dumpdata", *labels, format="json", stdout=out)
        dumped = out.getvalue()
        for _table, _column, plaintext in COLUMNS:
            self.assertNotIn(plaintext, dumped)
        certificate = next(
            obj.object
            for obj in serializers.deserialize("json", dumped)
            if isinstance(obj.object, OperatorCertificate) and obj.object.pk == self.certificate.pk
        )
        self.assertEqual(certificate.id_number, ID_NUMBER)
        row = next(row for row in json.loads(dumped) if row["model"] == "accounts.user" and row["pk"] == self.owner.pk)
        self.assertTrue(row["fields"]["phone"].startswith(crypto.PREFIX))

    def test_values_round_trip_through_the_orm(self):
        self.assertEqual(OperatorCertificate.objects.get(pk=self.certificate.pk).id_number, ID_NUMBER)
        self.assertEqual(User.objects.get(pk=self.owner.pk).phone, OWNER_PHONE)
        self.assertEqual(Organization.objects.get(pk=self.unit_a.pk).contact_phone, UNIT_PHONE)
        self.assertEqual(Hazard.objects.get(pk=self.hazard.pk).reporter_contact, REPORTER_CONTACT)
        self.assertEqual(User.objects.filter(pk=self.owner.pk).values_list("phone", flat=True).get(), OWNER_PHONE)
        self.assertEqual(User.objects.get(pk=self.member.pk).phone, "")

    def test_a_tampered_ciphertext_is_refused(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number FROM equipment_operatorcertificate WHERE id = %s", [self.certificate.pk])
            stored = cursor.fetchone()[0]
            body = stored[len(crypto.PREFIX) :]
            flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
            cursor.execute(
                "UPDATE equipment_operatorcertificate SET id_number = %s WHERE id = %s",
                [crypto.PREFIX + flipped, self.certificate.pk],
            )
        with self.assertRaises(DecryptionError):
            OperatorCertificate.objects.get(pk=self.certificate.pk)

    def test_the_blind_index_finds_the_certificate(self):
        found = OperatorCertificate.objects.filter(id_number_index=blind_index(ID_NUMBER.lower()))
        self.assertEqual(list(found), [self.certificate])
        self.assertNotEqual(self.certificate.id_number_index, blind_index(OTHER_ID_NUMBER))
        rows = self.api(self.county_inspector).get("/api/v1/certificates/", {"q": ID_NUMBER}).json()["results"]
        self.assertEqual([row["id"] for row in rows], [self.certificate.pk])
        # A part of the number finds nothing: the index is of whole values only.
        rows = self.api(self.county_inspector).get("/api/v1/certificates/", {"q": ID_NUMBER[:10]}).json()["results"]
        self.assertEqual(rows, [])

    def test_a_changed_id_number_moves_its_index(self):
        response = self.api(self.owner).patch(
            f"/api/v1/certificates/{self.certificate.pk}/", {"id_number": OTHER_ID_NUMBER[:-1] + "9", "version": 1}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.id_number_index, blind_index(OTHER_ID_NUMBER[:-1] + "9"))
        self.assertFalse(OperatorCertificate.objects.filter(id_number_index=blind_index(ID_NUMBER)).exists())

    def test_the_data_migration_encrypts_plaintext_rows_and_reverses(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE equipment_operatorcertificate SET id_number = %s, id_number_index = '' WHERE id = %s",
                [ID_NUMBER, self.certificate.pk],
            )
        crypto.decrypt_column(OperatorCertificate, "id_number", index_field="id_number_index")
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number FROM equipment_operatorcertificate ORDER BY id")
            self.assertEqual([row[0] for row in cursor.fetchall()], [ID_NUMBER, OTHER_ID_NUMBER])
        crypto.encrypt_column(OperatorCertificate, "id_number", index_field="id_number_index", batch=1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number, id_number_index FROM equipment_operatorcertificate ORDER BY id")
            rows = cursor.fetchall()
        self.assertTrue(all(stored.startswith(crypto.PREFIX) for stored, _index in rows))
        self.assertEqual([index for _stored, index in rows], [blind_index(ID_NUMBER), blind_index(OTHER_ID_NUMBER)])
        self.assertEqual(OperatorCertificate.objects.get(pk=self.certificate.pk).id_number, ID_NUMBER)

    def test_events_of_changes_hold_masked_numbers(self):
        response = self.api(self.unit_admin).patch(
            f"/api/v1/users/{self.owner.pk}/", {"phone": "13800001111", "version": self.owner.version}
        )
        self.assertEqual(response.status_code, 200, response.content)
        event = Event.objects.filter(object_type="accounts.user", object_id=str(self.owner.pk)).latest("seq")
        self.assertNotIn(OWNER_PHONE, json.dumps(event.data))
        self.assertNotIn("13800001111", json.dumps(event.data))
        self.assertEqual(event.data["changes"]["phone"], ["***", "***"])


class MaskedWhereShownTests(PersonalDataTestCase):
    def test_certificate_list_page(self):
        for user in (self.county_inspector, self.owner, self.member, self.unit_admin):
            with self.subTest(user=user.username):
                response = self.web(user).get("/equipment/certificates/")
                self.assertContains(response, "王电工")
                self.assertContains(response, mask(ID_NUMBER))
                self.assertNotContains(response, ID_NUMBER)

    def test_certificate_edit_form_does_not_carry_the_number(self):
        response = self.web(self.unit_admin).get(f"/equipment/certificates/{self.certificate.pk}/edit/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, mask(ID_NUMBER))
        self.assertNotContains(response, ID_NUMBER)

    def test_user_list_and_detail_pages(self):
        for user in (self.unit_admin, self.system_admin):
            with self.subTest(user=user.username):
                for url in ("/accounts/users/", f"/accounts/users/{self.owner.pk}/"):
                    response = self.web(user).get(url)
                    self.assertEqual(response.status_code, 200, url)
                    self.assertContains(response, mask(OWNER_PHONE))
                    self.assertNotContains(response, OWNER_PHONE)

    def test_hazard_detail_page(self):
        for user in (self.county_inspector, self.owner):
            with self.subTest(user=user.username):
                response = self.web(user).get(f"/hazards/{self.hazard.pk}/")
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, mask(REPORTER_CONTACT))
                self.assertNotContains(response, REPORTER_CONTACT)

    def test_api_list_and_detail(self):
        for user in (self.county_inspector, self.member, self.unit_admin):
            with self.subTest(user=user.username):
                client = self.api(user)
                listed = client.get("/api/v1/certificates/").json()["results"]
                self.assertIn(mask(ID_NUMBER), [row["id_number"] for row in listed])
                self.assertNotIn(ID_NUMBER, json.dumps(listed))
                detail = client.get(f"/api/v1/certificates/{self.certificate.pk}/").json()
                self.assertEqual(detail["id_number"], mask(ID_NUMBER))
        for user in (self.unit_admin, self.owner):
            with self.subTest(user=user.username):
                client = self.api(user)
                detail = client.get(f"/api/v1/users/{self.owner.pk}/").json()
                self.assertEqual(detail["phone"], mask(OWNER_PHONE))
                listed = client.get("/api/v1/users/").json()["results"]
                self.assertNotIn(OWNER_PHONE, json.dumps(listed))
        self.assertEqual(self.api(self.owner).get("/api/v1/me/").json()["user"]["phone"], mask(OWNER_PHONE))

    def test_sending_back_the_masked_value_keeps_the_number(self):
        client = self.api(self.unit_admin)
        body = client.get(f"/api/v1/certificates/{self.certificate.pk}/").json()
        response = client.put(f"/api/v1/certificates/{self.certificate.pk}/", body, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.id_number, ID_NUMBER)

    def test_the_unit_contact_phone_is_a_business_line_shown_whole(self):
        response = self.web(self.county_inspector).get(f"/organizations/{self.unit_a.pk}/")
        self.assertContains(response, UNIT_PHONE)
        self.assertEqual(
            self.api(self.owner).get(f"/api/v1/organizations/{self.unit_a.pk}/").json()["contact_phone"], UNIT_PHONE
        )
        self.assertEqual(
            self.web(self.county_inspector).post(f"/pii/organization/{self.unit_a.pk}/contact_phone/").status_code, 404
        )

    def _cells(self, content: bytes) -> str:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return " ".join(
            str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
        )

    def test_exports(self):
        for user in (self.county_inspector, self.owner):
            with self.subTest(user=user.username):
                unit_file = self.web(user).get(f"/safety/units/{self.unit_a.pk}/export/")
                self.assertEqual(unit_file.status_code, 200)
                cells = self._cells(b"".join(unit_file.streaming_content))
                self.assertIn("王电工", cells)
                self.assertNotIn(ID_NUMBER, cells)
                board = self.web(user).get("/hazards/export/")
                self.assertEqual(board.status_code, 200)
                cells = self._cells(b"".join(board.streaming_content))
                self.assertIn("电梯门关不严", cells)
                self.assertNotIn(REPORTER_CONTACT, cells)


class UnmaskTests(PersonalDataTestCase):
    def assertUnmasked(self, response, value, actor, obj, field):
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIn(value, response.content.decode())
        event = self.unmask_events().latest("seq")
        self.assertEqual(event.actor_id, actor.pk)
        self.assertEqual((event.object_type, event.object_id), (obj._meta.label_lower, str(obj.pk)))
        self.assertEqual(event.data["field"], field)

    def test_allowed_users_get_the_value_and_an_event(self):
        cases = [
            (self.unit_admin, self.certificate, "certificate", "id_number", ID_NUMBER),
            (self.principal, self.certificate, "certificate", "id_number", ID_NUMBER),
            (self.member, self.certificate, "certificate", "id_number", ID_NUMBER),  # the holder
            (self.owner, self.owner, "user", "phone", OWNER_PHONE),  # the user
            (self.unit_admin, self.owner, "user", "phone", OWNER_PHONE),
            (self.system_admin, self.owner, "user", "phone", OWNER_PHONE),
            (self.county_inspector, self.hazard, "hazard", "reporter_contact", REPORTER_CONTACT),
            (self.county_admin, self.hazard, "hazard", "reporter_contact", REPORTER_CONTACT),
            (self.city_inspector, self.hazard, "hazard", "reporter_contact", REPORTER_CONTACT),
        ]
        for actor, obj, kind, field, value in cases:
            with self.subTest(actor=actor.username, field=field):
                before = self.unmask_events().count()
                response = self.web(actor).post(f"/pii/{kind}/{obj.pk}/{field}/")
                self.assertUnmasked(response, value, actor, obj, field)
                self.assertEqual(response["Cache-Control"], "no-store")
                self.assertEqual(self.unmask_events().count(), before + 1)

    def test_the_api_actions(self):
        response = self.api(self.principal).post(f"/api/v1/certificates/{self.certificate.pk}/unmask/")
        self.assertEqual(response.json(), {"id_number": ID_NUMBER})
        self.assertUnmasked(response, ID_NUMBER, self.principal, self.certificate, "id_number")
        self.assertEqual(self.unmask_events().latest("seq").data["channel"], "api")
        response = self.api(self.unit_admin).post(f"/api/v1/users/{self.owner.pk}/unmask/")
        self.assertEqual(response.json(), {"phone": OWNER_PHONE})
        self.assertUnmasked(response, OWNER_PHONE, self.unit_admin, self.owner, "phone")

    def test_an_idempotency_key_never_stores_the_number(self):
        from shuangfang.core.models import IdempotencyRecord

        client = self.api(self.principal)
        url = f"/api/v1/certificates/{self.certificate.pk}/unmask/"
        for _attempt in range(2):
            response = client.post(url, HTTP_IDEMPOTENCY_KEY="unmask-once-0001")
            self.assertEqual(response.json(), {"id_number": ID_NUMBER})
            self.assertNotIn("Idempotent-Replayed", response)
        self.assertFalse(IdempotencyRecord.objects.exists())
        self.assertEqual(self.unmask_events().count(), 2, "each reading is its own event")

    def test_the_show_button_is_offered_to_those_allowed_only(self):
        url = f"/pii/hazard/{self.hazard.pk}/reporter_contact/"
        self.assertContains(self.web(self.county_inspector).get(f"/hazards/{self.hazard.pk}/"), url)
        self.assertNotContains(self.web(self.owner).get(f"/hazards/{self.hazard.pk}/"), url)
        url = f"/pii/user/{self.owner.pk}/phone/"
        self.assertContains(self.web(self.unit_admin).get("/accounts/users/"), url)

    def test_not_allowed_in_scope_is_404_and_nothing_recorded(self):
        cases = [
            (self.owner, f"/pii/certificate/{self.certificate.pk}/id_number/"),  # safety officer, not the holder
            (self.county_inspector, f"/pii/certificate/{self.certificate.pk}/id_number/"),
            (self.province_leader, f"/pii/certificate/{self.certificate.pk}/id_number/"),
            (self.member, f"/pii/user/{self.owner.pk}/phone/"),
            (self.owner, f"/pii/hazard/{self.hazard.pk}/reporter_contact/"),  # the unit reported on
            (self.unit_admin, f"/pii/hazard/{self.hazard.pk}/reporter_contact/"),
            (self.province_leader, f"/pii/hazard/{self.hazard.pk}/reporter_contact/"),
            (self.unit_admin, f"/pii/certificate/{self.certificate.pk}/cert_no/"),  # not a personal field
        ]
        for user, url in cases:
            with self.subTest(user=user.username, url=url):
                self.assertEqual(self.web(user).post(url).status_code, 404)
        for user, url in [
            (self.owner, f"/api/v1/certificates/{self.certificate.pk}/unmask/"),
            (self.county_inspector, f"/api/v1/certificates/{self.certificate.pk}/unmask/"),
            (self.county_admin, f"/api/v1/users/{self.owner.pk}/unmask/"),
        ]:
            with self.subTest(user=user.username, url=url):
                self.assertEqual(self.api(user).post(url).status_code, 404)
        self.assertFalse(self.unmask_events().exists())

    def test_outsiders_get_404(self):
        outsiders = [self.other_unit_user, self.unit_b_user, self.sibling_inspector, self.other_city_inspector]
        for user in outsiders:
            with self.subTest(user=user.username):
                for url in (
                    f"/pii/certificate/{self.certificate.pk}/id_number/",
                    f"/pii/user/{self.owner.pk}/phone/",
                    f"/pii/hazard/{self.hazard.pk}/reporter_contact/",
                ):
                    self.assertEqual(self.web(user).post(url).status_code, 404, url)
                self.assertEqual(
                    self.api(user).post(f"/api/v1/certificates/{self.certificate.pk}/unmask/").status_code, 404
                )
        self.assertNotFoundForOutsiders("post", f"/api/v1/users/{self.owner.pk}/unmask/")
        self.assertFalse(self.unmask_events().exists())

    def test_only_post(self):
        response = self.web(self.unit_admin).get(f"/pii/certificate/{self.certificate.pk}/id_number/")
        self.assertEqual(response.status_code, 405)
        self.assertFalse(self.unmask_events().exists())

    def test_the_rule_itself(self):
        self.assertTrue(pii.may_unmask(self.principal, self.certificate, "id_number"))
        self.assertFalse(pii.may_unmask(self.other_unit_user, self.certificate, "id_number"))
        self.assertFalse(pii.may_unmask(None, self.certificate, "id_number"))
        self.assertEqual(pii.shown(self.certificate, "id_number"), mask(ID_NUMBER))
        self.assertEqual(pii.shown(self.unit_a, "contact_phone"), UNIT_PHONE)
