"""The unit's safety management file through the API: each resource created and listed through its service, the
refusals with their messages (and nothing written), stale versions, scope (another unit and a sibling county's
regulator get 404 on every object, and for every id given in a body), the exam paper that hides its key, monitoring
readings posted with an Idempotency-Key, the compliance gaps and their counts, and one unit's file at a glance."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shuangfang.accounts.models import User
from shuangfang.core.models import Attachment, Event
from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.equipment.models import OperatorCertificate
from shuangfang.hazards.models import Hazard, InvestigationTask
from shuangfang.safety import compliance, rules
from shuangfang.safety import services as safety_services
from shuangfang.safety.models import (
    Appointment,
    ComplianceGap,
    Drill,
    EmergencyPlan,
    Exam,
    ExamAttempt,
    MajorHazardSource,
    MonitoringPoint,
    OperatorAssignment,
    Question,
    Reading,
    SafetyDocument,
    SafetyProfile,
    TrainingPlan,
    TrainingSession,
    UnitLicence,
)

API = "/api/v1/"
HAN = "\u4e00-\u9fff"


def url(resource, pk=None, action=None) -> str:
    path = f"{API}{resource}/"
    if pk is not None:
        path += f"{pk}/"
    if action:
        path += f"{action}/"
    return path


class SafetyApiTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.today = timezone.localdate()
        cls.director = make_user("director", cls.unit_a, "safety_director")
        cls.c_operator = make_user("c_operator", cls.unit_c, "operator")
        cls.photo_a = cls.attachment(cls.unit_a, cls.owner, "a")
        cls.photo_c = cls.attachment(cls.unit_c, cls.other_unit_user, "c")
        cls.forklift_a = make_equipment(cls.unit_a, "51101405252026A0001", category="5110")
        cls.n1_a = cls.certificate(cls.unit_a, "N1", "N1-A-1", holder=cls.member)
        cls.q2_a = cls.certificate(cls.unit_a, "Q2", "Q2-A-1")
        cls.n1_c = cls.certificate(cls.unit_c, "N1", "N1-C-1")
        # A bank of platform questions of its own, whatever the shipped bank holds.
        for number in range(6):
            Question.objects.create(
                code=f"TEST-API-{number}",
                topic="laws",
                kind="single",
                text=f"平台题 {number}",
                options=["对", "错"],
                answer=[0],
                citation="《特种设备安全法》",
            )

    @staticmethod
    def attachment(organization, user, name) -> Attachment:
        return Attachment.objects.create(
            organization=organization,
            region_id=organization.region_id,
            file=f"attachments/{name}.png",
            sha256=name * 64,
            content_type="image/png",
            size=1,
            uploaded_by=user,
        )

    @staticmethod
    def certificate(organization, item, number, holder=None) -> OperatorCertificate:
        return OperatorCertificate.objects.create(
            organization=organization,
            region_id=organization.region_id,
            holder_name=f"持证人 {number}",
            holder=holder,
            id_number="140525199001011234",
            item_id=item,
            cert_no=number,
            issued_on=timezone.localdate() - timedelta(days=400),
            expires_on=timezone.localdate() + timedelta(days=800),
        )

    # -- building blocks -------------------------------------------------------------------------------------------

    def post(self, resource, body, user=None, **extra):
        return self.api(user or self.owner).post(url(resource), body, format="json", **extra)

    def created(self, resource, body, user=None) -> dict:
        response = self.post(resource, body, user)
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()

    def listed(self, resource, user=None, **params) -> list[dict]:
        response = self.api(user or self.owner).get(url(resource), params)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["results"]

    def assertRefused(self, response, field, *fragments, status=400):
        self.assertEqual(response.status_code, status, response.content)
        body = response.json()
        messages = " ".join(body[field]) if field != "detail" else body["detail"]
        self.assertRegex(messages, f"[{HAN}]")
        for fragment in fragments:
            self.assertIn(fragment, messages)

    def assertObjectScoped(self, resource, pk, *actions, patch=False):
        """Another unit's user and a sibling county's regulator (and the rest of the outsiders) get 404 on the object
        and on each of its actions."""
        self.assertNotFoundForOutsiders("get", url(resource, pk))
        if patch:
            self.assertNotFoundForOutsiders("patch", url(resource, pk), {"version": 1})
        for name, method in actions:
            self.assertNotFoundForOutsiders(method, url(resource, pk, name), {"version": 1, "reason": "x"})
        for user in (self.county_inspector, self.city_inspector):
            self.assertEqual(self.api(user).get(url(resource, pk)).status_code, 200, user.username)


class ProfileTests(SafetyApiTestCase):
    def test_a_unit_without_a_profile_reads_the_blank_one_and_creates_it_with_version_1(self):
        mine = self.api(self.owner).get(url("safety-profiles", action="mine"))
        self.assertEqual(mine.status_code, 200, mine.content)
        self.assertEqual((mine.json()["id"], mine.json()["version"], mine.json()["has_body"]), (None, 1, False))
        self.assertEqual(self.listed("safety-profiles"), [])

        saved = self.api(self.owner).patch(
            url("safety-profiles", action="mine"),
            {
                "version": 1,
                "body_name": "安全管理科",
                "body_established_on": "2025-03-01",
                "body_document": self.photo_a.pk,
            },
            format="json",
        )
        self.assertEqual(saved.status_code, 200, saved.content)
        profile = saved.json()
        self.assertEqual((profile["body_name"], profile["has_body"], profile["version"]), ("安全管理科", True, 1))
        self.assertEqual([row["id"] for row in self.listed("safety-profiles")], [profile["id"]])
        self.assertEqual(self.api(self.owner).get(url("safety-profiles", action="mine")).json()["id"], profile["id"])
        self.assertEqual(Event.objects.filter(type="safety.profile_saved").count(), 1)

    def test_patch_needs_the_version_read_and_a_stale_one_is_409(self):
        profile = safety_services.do_save_profile(
            actor=self.owner,
            organization=self.unit_a,
            changes={"body_name": "安全科", "body_established_on": date(2024, 1, 1)},
            version=1,
        )
        detail = url("safety-profiles", profile.pk)
        missing = self.api(self.owner).patch(detail, {"power_station_boiler": True}, format="json")
        self.assertRefused(missing, "version", "version")
        stale = self.api(self.owner).patch(detail, {"version": 7, "power_station_boiler": True}, format="json")
        self.assertRefused(stale, "detail", "7", status=409)
        profile.refresh_from_db()
        self.assertFalse(profile.power_station_boiler)
        done = self.api(self.owner).patch(detail, {"version": 1, "industrial_piping_km": "12.5"}, format="json")
        self.assertEqual(done.status_code, 200, done.content)
        self.assertEqual((done.json()["industrial_piping_km"], done.json()["version"]), ("12.50", 2))
        # A creation under a version other than 1 is as stale as any other.
        other = self.api(self.other_unit_user).patch(
            url("safety-profiles", action="mine"), {"version": 2}, format="json"
        )
        self.assertEqual(other.status_code, 409, other.content)
        self.assertFalse(SafetyProfile.objects.filter(organization=self.unit_c).exists())

    def test_who_may_read_and_who_may_write(self):
        profile = safety_services.do_save_profile(
            actor=self.owner,
            organization=self.unit_a,
            changes={"body_name": "安全科", "body_established_on": date(2024, 1, 1)},
            version=1,
        )
        self.assertObjectScoped("safety-profiles", profile.pk, patch=True)
        # The county's inspector sees it and may not change it; the unit's operator neither.
        for user in (self.county_inspector, self.member):
            response = self.api(user).patch(url("safety-profiles", profile.pk), {"version": 1}, format="json")
            self.assertEqual(response.status_code, 403, response.content)
        self.assertEqual(
            self.api(self.member)
            .patch(url("safety-profiles", action="mine"), {"version": 1}, format="json")
            .status_code,
            403,
        )
        # A regulator keeps no file of its own.
        self.assertEqual(self.api(self.county_inspector).get(url("safety-profiles", action="mine")).status_code, 404)
        self.assertEqual(self.api(self.system_admin).get(url("safety-profiles", action="mine")).status_code, 404)
        profile.refresh_from_db()
        self.assertEqual(profile.version, 1)

    def test_another_units_attachment_in_the_body_is_404_and_nothing_is_saved(self):
        response = self.api(self.owner).patch(
            url("safety-profiles", action="mine"),
            {"version": 1, "body_name": "安全科", "body_document": self.photo_c.pk},
            format="json",
        )
        self.assertEqual(response.status_code, 404, response.content)
        self.assertFalse(SafetyProfile.objects.exists())


class LicenceTests(SafetyApiTestCase):
    def body(self, **extra) -> dict:
        body = {
            "kind": "filling",
            "number": "TS4214052-2024",
            "issued_by": "晋城市市场监督管理局",
            "issued_on": str(self.today - timedelta(days=400)),
            "expires_on": str(self.today + timedelta(days=1000)),
            "scope": "液化石油气",
        }
        body.update(extra)
        return body

    def test_record_list_filter_and_supersede(self):
        first = self.created("licences", self.body(attachment=self.photo_a.pk))
        self.assertEqual(
            (first["kind_label"], first["is_current"], first["attachment"], first["recorded_by"]),
            ("移动式压力容器/气瓶充装许可证", True, self.photo_a.pk, self.owner.pk),
        )
        other = self.created("licences", self.body(kind="other", number="晋危化经字〔2025〕001"))
        renewed = self.created("licences", self.body(number="TS4214052-2026"))
        self.assertEqual({row["id"] for row in self.listed("licences")}, {first["id"], other["id"], renewed["id"]})
        current = self.listed("licences", is_current="true", kind="filling")
        self.assertEqual([row["id"] for row in current], [renewed["id"]])
        self.assertEqual(self.listed("licences", organization=self.unit_c.pk), [])
        self.assertEqual(len(self.listed("licences", user=self.county_inspector)), 3)
        self.assertEqual(self.listed("licences", user=self.other_unit_user), [])
        self.assertEqual(self.listed("licences", user=self.sibling_inspector), [])
        self.assertFalse(UnitLicence.objects.get(pk=first["id"]).is_current)
        at_a_glance = self.api(self.owner).get(f"{API}unit-files/{self.unit_a.pk}/").json()
        self.assertEqual(at_a_glance["counts"]["licences_current"], 2)

    def test_refusals_name_the_field_and_write_nothing(self):
        self.assertRefused(self.post("licences", self.body(number="")), "number", "许可证编号")
        no_date = self.body()
        del no_date["issued_on"]
        self.assertRefused(self.post("licences", no_date), "issued_on", "请填写发证日期。")
        self.assertRefused(
            self.post("licences", self.body(expires_on=str(self.today - timedelta(days=400)))),
            "expires_on",
            "有效期截止日期应晚于发证日期。",
        )
        self.assertRefused(self.post("licences", self.body(kind="business")), "kind", "business")
        self.assertFalse(UnitLicence.objects.exists())

    def test_another_units_attachment_is_404_and_only_the_units_managers_record(self):
        response = self.post("licences", self.body(attachment=self.photo_c.pk))
        self.assertEqual(response.status_code, 404, response.content)
        for user in (self.member, self.county_inspector):
            with self.subTest(user=user.username):
                self.assertEqual(self.post("licences", self.body(), user).status_code, 403)
        self.assertEqual(self.post("licences", self.body(), self.system_admin).status_code, 403)
        self.assertFalse(UnitLicence.objects.exists())

    def test_scope(self):
        licence = self.created("licences", self.body())
        self.assertObjectScoped("licences", licence["id"])


class AppointmentTests(SafetyApiTestCase):
    def appoint(self, **body) -> dict:
        body = {"person": self.director.pk, "role": "safety_director", "starts_on": str(self.today), **body}
        return self.created("appointments", body)

    def test_appoint_list_filter_and_end(self):
        director = self.appoint(equipment_categories=["3000"], full_time=True, document=self.photo_a.pk)
        self.assertEqual(
            (director["person_name"], director["role_label"], director["equipment_categories"], director["active"]),
            ("director", "安全总监", ["3000"], True),
        )
        principal = self.appoint(person=self.principal.pk, role="principal")
        self.assertEqual({row["id"] for row in self.listed("appointments")}, {director["id"], principal["id"]})
        self.assertEqual([row["id"] for row in self.listed("appointments", role="principal")], [principal["id"]])
        self.assertEqual(self.listed("appointments", organization=self.unit_c.pk), [])

        end = url("appointments", director["id"], "end")
        stale = self.api(self.owner).post(
            end, {"version": 9, "ends_on": str(self.today), "reason": "调岗"}, format="json"
        )
        self.assertEqual(stale.status_code, 409, stale.content)
        no_reason = self.api(self.owner).post(end, {"version": 1, "ends_on": str(self.today)}, format="json")
        self.assertRefused(no_reason, "reason", "免职原因")
        before_start = self.api(self.owner).post(
            end, {"version": 1, "ends_on": str(self.today - timedelta(days=3)), "reason": "调岗"}, format="json"
        )
        self.assertRefused(before_start, "ends_on", "任职日期")
        self.assertIsNone(Appointment.objects.get(pk=director["id"]).ends_on)

        principal_end = self.api(self.owner).post(
            url("appointments", principal["id"], "end"),
            {"version": 1, "ends_on": str(self.today), "reason": "退休"},
            format="json",
        )
        self.assertEqual(principal_end.status_code, 200, principal_end.content)
        self.assertEqual((principal_end.json()["end_reason"], principal_end.json()["version"]), ("退休", 2))
        self.assertEqual(principal_end.json()["ended_by"], self.owner.pk)
        # Ended today it is still in force today; the list's `active` follows the day.
        self.assertEqual(len(self.listed("appointments", active="true")), 2)
        with time_machine.travel(timezone.now() + timedelta(days=2)):
            self.assertEqual([row["id"] for row in self.listed("appointments", active="false")], [principal["id"]])
        again = self.api(self.owner).post(
            url("appointments", principal["id"], "end"),
            {"version": 2, "ends_on": str(self.today), "reason": "退休"},
            format="json",
        )
        self.assertRefused(again, "ends_on", "已于")

    def test_refusals_name_the_field_and_write_nothing(self):
        self.appoint(person=self.principal.pk, role="principal")
        before = Appointment.objects.count()
        second = self.post("appointments", {"person": self.owner.pk, "role": "principal", "starts_on": str(self.today)})
        self.assertRefused(second, "role", "主要负责人", "principal")
        bad_category = self.post(
            "appointments",
            {
                "person": self.director.pk,
                "role": "safety_officer",
                "starts_on": str(self.today),
                "equipment_categories": ["3110"],
            },
        )
        self.assertRefused(bad_category, "equipment_categories", "3110")
        unknown_role = self.post(
            "appointments", {"person": self.director.pk, "role": "boss", "starts_on": str(self.today)}
        )
        self.assertEqual(unknown_role.status_code, 400)
        self.assertIn("role", unknown_role.json())
        english = self.post(
            "appointments", {"person": self.director.pk, "role": "boss", "starts_on": "x"}, HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertEqual(english.status_code, 400)
        self.assertEqual(set(english.json()), {"role", "starts_on"})
        self.assertEqual(Appointment.objects.count(), before)

    def test_ids_of_other_units_in_the_body_are_404(self):
        for body in (
            {"person": self.other_unit_user.pk, "role": "safety_officer"},
            {"person": self.unit_b_user.pk, "role": "safety_officer"},
            {"person": self.director.pk, "role": "safety_officer", "document": self.photo_c.pk},
        ):
            with self.subTest(body=body):
                response = self.post("appointments", {**body, "starts_on": str(self.today)})
                self.assertEqual(response.status_code, 404, response.content)
        self.assertFalse(Appointment.objects.exists())

    def test_only_the_units_managers_appoint(self):
        for user in (self.member, self.county_inspector, self.system_admin):
            with self.subTest(user=user.username):
                body = {"person": self.director.pk, "role": "safety_officer", "starts_on": str(self.today)}
                self.assertIn(self.post("appointments", body, user).status_code, (403, 404))
        self.assertFalse(Appointment.objects.exists())

    def test_scope(self):
        appointment = self.appoint()
        self.assertObjectScoped("appointments", appointment["id"], ("end", "post"))
        self.assertIsNone(Appointment.objects.get(pk=appointment["id"]).ends_on)


class DocumentTests(SafetyApiTestCase):
    def upload(self, **body) -> dict:
        body = {
            "kind": "management_rules",
            "title": "特种设备安全管理制度",
            "effective_on": str(self.today),
            "attachment": self.photo_a.pk,
            **body,
        }
        return self.created("safety-documents", body)

    def test_versions_and_the_current_filter(self):
        first = self.upload()
        second = self.upload(title="特种设备安全管理制度（修订）")
        procedures = self.upload(kind="operating_procedures", equipment_category="3000", title="电梯安全操作规程")
        self.assertEqual((first["version_no"], second["version_no"], procedures["version_no"]), (1, 2, 1))
        self.assertEqual(first["kind_label"], "特种设备安全管理制度")
        self.assertEqual(len(self.listed("safety-documents")), 3)
        current = {row["id"] for row in self.listed("safety-documents", current="true")}
        self.assertEqual(current, {second["id"], procedures["id"]})
        self.assertEqual([row["id"] for row in self.listed("safety-documents", current="false")], [first["id"]])
        self.assertEqual(
            [row["id"] for row in self.listed("safety-documents", equipment_category="3000")], [procedures["id"]]
        )
        self.assertEqual(len(self.listed("safety-documents", kind="management_rules")), 2)
        # Another unit's versions are counted apart.
        other = self.created(
            "safety-documents",
            {
                "kind": "management_rules",
                "title": "制度",
                "effective_on": str(self.today),
                "attachment": self.photo_c.pk,
            },
            self.other_unit_user,
        )
        self.assertEqual(other["version_no"], 1)
        self.assertEqual(len(self.listed("safety-documents", self.county_inspector, current="true")), 3)

    def test_refusals(self):
        per_category = self.post(
            "safety-documents",
            {
                "kind": "operating_procedures",
                "title": "规程",
                "effective_on": str(self.today),
                "attachment": self.photo_a.pk,
            },
        )
        self.assertRefused(per_category, "equipment_category", "安全操作规程")
        unit_wide = self.post(
            "safety-documents",
            {
                "kind": "management_rules",
                "equipment_category": "3000",
                "title": "制度",
                "effective_on": str(self.today),
                "attachment": self.photo_a.pk,
            },
        )
        self.assertRefused(unit_wide, "equipment_category", "不分设备种类")
        unknown = self.post(
            "safety-documents",
            {"kind": "rules", "title": "x", "effective_on": str(self.today), "attachment": self.photo_a.pk},
        )
        self.assertEqual(unknown.status_code, 400)
        self.assertIn("kind", unknown.json())
        foreign = self.post(
            "safety-documents",
            {"kind": "management_rules", "title": "x", "effective_on": str(self.today), "attachment": self.photo_c.pk},
        )
        self.assertEqual(foreign.status_code, 404, foreign.content)
        self.assertFalse(SafetyDocument.objects.exists())

    def test_scope(self):
        self.assertObjectScoped("safety-documents", self.upload()["id"])


class TrainingTests(SafetyApiTestCase):
    def test_plan_and_session(self):
        plan = self.created(
            "training-plans", {"year": self.today.year, "title": "年度培训计划", "attachment": self.photo_a.pk}
        )
        session = self.created(
            "training-sessions",
            {
                "plan": plan["id"],
                "topic": "叉车安全操作",
                "held_on": str(self.today - timedelta(days=1)),
                "hours": "2.5",
                "trainer": "王工",
                "attendees": [self.member.pk, self.director.pk],
                "sign_in_photo": self.photo_a.pk,
            },
        )
        self.assertEqual(
            (session["hours"], sorted(session["attendees"]), session["recorded_by"]),
            ("2.5", sorted([self.member.pk, self.director.pk]), self.owner.pk),
        )
        self.assertEqual([row["id"] for row in self.listed("training-plans")], [plan["id"]])
        self.assertEqual(
            [row["id"] for row in self.listed("training-sessions", attendee=self.member.pk)], [session["id"]]
        )
        self.assertEqual(self.listed("training-sessions", attendee=self.principal.pk), [])
        self.assertObjectScoped("training-plans", plan["id"])
        self.assertObjectScoped("training-sessions", session["id"])

    def test_refusals(self):
        base = {
            "topic": "培训",
            "held_on": str(self.today),
            "hours": "2",
            "trainer": "王工",
            "attendees": [self.member.pk],
        }
        self.assertRefused(self.post("training-sessions", {**base, "hours": "0"}), "hours", "0.5")
        self.assertRefused(
            self.post("training-sessions", {**base, "held_on": str(self.today + timedelta(days=2))}), "held_on", "今天"
        )
        self.assertRefused(self.post("training-sessions", {**base, "attendees": []}), "attendees", "参训人员")
        self.assertRefused(self.post("training-sessions", {**base, "trainer": ""}), "trainer", "授课人")
        self.assertRefused(self.post("training-plans", {"year": 1999, "title": "x"}), "year", "年份")
        for foreign in (
            {"attendees": [self.member.pk, self.c_operator.pk]},
            {"materials": self.photo_c.pk},
        ):
            with self.subTest(foreign=foreign):
                self.assertEqual(self.post("training-sessions", {**base, **foreign}).status_code, 404)
        other_plan = safety_services.do_create_training_plan(
            actor=self.other_unit_user, organization=self.unit_c, year=self.today.year, title="丙单位计划"
        )
        self.assertEqual(self.post("training-sessions", {**base, "plan": other_plan.pk}).status_code, 404)
        self.assertFalse(TrainingSession.objects.exists())
        self.assertEqual(TrainingPlan.objects.count(), 1)


class QuestionTests(SafetyApiTestCase):
    def test_the_answer_key_is_the_writing_units_managers_alone(self):
        own = self.created(
            "questions",
            {
                "kind": "multiple",
                "text": "叉车作业前应检查？",
                "options": ["制动", "喇叭", "座椅颜色"],
                "answer": [0, 1],
            },
        )
        self.assertEqual((own["answer"], own["topic"], own["organization"]), ([0, 1], "unit_risks", self.unit_a.pk))
        platform = Question.objects.get(code="TEST-API-0")
        for user, sees_own_key in ((self.owner, True), (self.member, False), (self.county_inspector, False)):
            with self.subTest(user=user.username):
                rows = {row["id"]: row for row in self.listed("questions", user, page_size=500)}
                self.assertIn(platform.pk, rows)
                self.assertNotIn("answer", rows[platform.pk])
                self.assertEqual("answer" in rows[own["id"]], sees_own_key)
                self.assertNotIn("answer", self.api(user).get(url("questions", platform.pk)).json())
        self.assertEqual([row["id"] for row in self.listed("questions", own="true")], [own["id"]])
        self.assertNotIn(own["id"], {row["id"] for row in self.listed("questions", own="false", page_size=500)})
        # Unit C reads the platform's bank and not unit A's questions.
        self.assertObjectScoped("questions", own["id"])
        self.assertEqual(self.api(self.other_unit_user).get(url("questions", platform.pk)).status_code, 200)

    def test_refusals(self):
        one_answer = self.post("questions", {"kind": "multiple", "text": "题", "options": ["甲", "乙"], "answer": [0]})
        self.assertRefused(one_answer, "answer", "多选题")
        out_of_range = self.post("questions", {"kind": "single", "text": "题", "options": ["甲", "乙"], "answer": [5]})
        self.assertRefused(out_of_range, "answer", "0 到 1")
        no_text = self.post("questions", {"kind": "single", "text": "", "options": ["甲", "乙"], "answer": [0]})
        self.assertRefused(no_text, "text", "题干")
        self.assertEqual(
            self.post(
                "questions", {"kind": "single", "text": "题", "options": ["甲", "乙"], "answer": [0]}, self.member
            ).status_code,
            403,
        )
        self.assertFalse(Question.objects.filter(organization__isnull=False).exists())


class ExamTests(SafetyApiTestCase):
    def unit_exam(self, **body) -> dict:
        body = {
            "title": "作业人员考试",
            "roles": ["operator"],
            "question_count": 3,
            "opens_on": str(self.today),
            "closes_on": str(self.today + timedelta(days=7)),
            **body,
        }
        return self.created("exams", body)

    def test_a_units_exam_from_paper_to_score(self):
        exam = self.unit_exam(pass_score=60)
        self.assertEqual((exam["kind"], exam["question_count"], exam["pass_score"]), ("unit", 3, 60))
        attempt = ExamAttempt.objects.get(exam_id=exam["id"])
        self.assertEqual(attempt.candidate, self.member)
        paper = self.api(self.member).get(url("exam-attempts", attempt.pk))
        self.assertEqual(paper.status_code, 200, paper.content)
        questions = paper.json()["questions"]
        self.assertEqual(len(questions), 3)
        for question in questions:
            self.assertEqual(set(question), {"id", "kind", "text", "options"})
        self.assertEqual([row["id"] for row in self.listed("exam-attempts", self.member, mine="true")], [attempt.pk])

        key = {str(q.pk): q.answer for q in Question.objects.filter(pk__in=[q["id"] for q in questions])}
        answers = dict(key)
        wrong = self.api(self.owner).post(
            url("exam-attempts", attempt.pk, "submit"), {"answers": answers, "version": 1}, format="json"
        )
        self.assertEqual(wrong.status_code, 403, wrong.content)
        stale = self.api(self.member).post(
            url("exam-attempts", attempt.pk, "submit"), {"answers": answers, "version": 5}, format="json"
        )
        self.assertEqual(stale.status_code, 409, stale.content)
        stranger = self.api(self.member).post(
            url("exam-attempts", attempt.pk, "submit"), {"answers": {"987654": [0]}, "version": 1}, format="json"
        )
        self.assertRefused(stranger, "answers", "987654")
        attempt.refresh_from_db()
        self.assertEqual(attempt.status, "assigned")

        done = self.api(self.member).post(
            url("exam-attempts", attempt.pk, "submit"), {"answers": answers, "version": 1}, format="json"
        )
        self.assertEqual(done.status_code, 200, done.content)
        body = done.json()
        self.assertEqual((body["status"], body["score"], body["passed"]), ("submitted", 100, True))
        for question in body["questions"]:
            self.assertEqual((question["given"], question["correct"]), (key[str(question["id"])], True))
            self.assertNotIn("answer", question)  # the paper is still open to others
        unversioned = self.api(self.member).post(
            url("exam-attempts", attempt.pk, "submit"), {"answers": answers}, format="json"
        )
        self.assertRefused(unversioned, "version")
        again = self.api(self.member).post(
            url("exam-attempts", attempt.pk, "submit"), {"answers": answers, "version": 2}, format="json"
        )
        self.assertRefused(again, "answers", "已经交卷")
        with time_machine.travel(timezone.now() + timedelta(days=10)):
            closed = self.api(self.member).get(url("exam-attempts", attempt.pk)).json()
        self.assertEqual({str(q["id"]): q["answer"] for q in closed["questions"]}, key)

        results = self.api(self.owner).get(url("exams", exam["id"], "results")).json()
        self.assertEqual((results["candidates"], results["submitted"], results["passed"]), (1, 1, 1))
        self.assertEqual(results["organizations"][0]["attempts"][0]["candidate"], self.member.pk)

    def test_a_regulators_spot_check_is_scoped_to_its_jurisdiction(self):
        body = {
            "title": "安全员抽查考核",
            "roles": ["safety_officer"],
            "question_count": 2,
            "opens_on": str(self.today),
            "closes_on": str(self.today + timedelta(days=7)),
        }
        exam = self.created("exams", body, self.county_inspector)
        self.assertEqual((exam["kind"], exam["region"]), ("spot_check", self.ZEZHOU))
        candidates = set(ExamAttempt.objects.filter(exam_id=exam["id"]).values_list("candidate_id", flat=True))
        self.assertEqual(candidates, {self.owner.pk, self.other_unit_user.pk})

        results = self.api(self.county_inspector).get(url("exams", exam["id"], "results")).json()
        self.assertEqual(
            {row["organization"]: row["candidates"] for row in results["organizations"]},
            {self.unit_a.pk: 1, self.unit_c.pk: 1},
        )
        # The unit sees the exam its people sit, and only its own people in the results.
        mine = self.api(self.owner).get(url("exams", exam["id"], "results")).json()
        self.assertEqual([row["organization"] for row in mine["organizations"]], [self.unit_a.pk])
        for user in (self.sibling_inspector, self.unit_b_user, self.other_city_inspector):
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).get(url("exams", exam["id"])).status_code, 404)
                self.assertEqual(self.api(user).get(url("exams", exam["id"], "results")).status_code, 404)
        attempt = ExamAttempt.objects.get(exam_id=exam["id"], candidate=self.owner)
        self.assertObjectScoped("exam-attempts", attempt.pk, ("submit", "post"))

        outside = self.post("exams", {**body, "region": self.YANGCHENG}, self.county_inspector)
        self.assertRefused(outside, "region", "辖区")
        self.assertEqual(Exam.objects.count(), 1)

    def test_refusals_create_nothing(self):
        for body, field, fragment in (
            ({"closes_on": str(self.today - timedelta(days=1))}, "closes_on", "截止日期"),
            ({"question_count": 500}, "question_count", "100"),
            ({"roles": ["inspector"]}, "roles", "参考岗位"),
            ({"title": ""}, "title", "考试名称"),
        ):
            with self.subTest(field=field):
                response = self.post(
                    "exams",
                    {
                        "title": "考试",
                        "roles": ["operator"],
                        "question_count": 2,
                        "opens_on": str(self.today),
                        "closes_on": str(self.today + timedelta(days=7)),
                        **body,
                    },
                )
                self.assertRefused(response, field, fragment)
        self.assertFalse(Exam.objects.exists())
        self.assertFalse(ExamAttempt.objects.exists())

    def test_scope(self):
        exam = self.unit_exam()
        self.assertObjectScoped("exams", exam["id"], ("results", "get"))


class OperatorTests(SafetyApiTestCase):
    def test_assign_list_and_end(self):
        assignment = self.created(
            "operator-assignments",
            {"equipment": self.forklift_a.pk, "certificate": self.n1_a.pk, "assigned_on": str(self.today)},
        )
        self.assertEqual((assignment["item"], assignment["active"]), ("N1", True))
        self.assertEqual(
            [row["id"] for row in self.listed("operator-assignments", equipment=self.forklift_a.pk)], [assignment["id"]]
        )
        end = url("operator-assignments", assignment["id"], "end")
        stale = self.api(self.owner).post(end, {"version": 3, "ended_on": str(self.today)}, format="json")
        self.assertEqual(stale.status_code, 409)
        done = self.api(self.owner).post(end, {"version": 1, "ended_on": str(self.today)}, format="json")
        self.assertEqual(done.status_code, 200, done.content)
        self.assertEqual(done.json()["ended_on"], str(self.today))
        self.assertObjectScoped("operator-assignments", assignment["id"], ("end", "post"))

    def test_refusals(self):
        wrong_item = self.post(
            "operator-assignments",
            {"equipment": self.forklift_a.pk, "certificate": self.q2_a.pk, "assigned_on": str(self.today)},
        )
        self.assertRefused(wrong_item, "certificate", "Q2", "N1")
        self.post(
            "operator-assignments",
            {"equipment": self.forklift_a.pk, "certificate": self.n1_a.pk, "assigned_on": str(self.today)},
        )
        twice = self.post(
            "operator-assignments",
            {"equipment": self.forklift_a.pk, "certificate": self.n1_a.pk, "assigned_on": str(self.today)},
        )
        self.assertRefused(twice, "certificate", "已在该设备上岗")
        for body in (
            {"equipment": self.forklift_a.pk, "certificate": self.n1_c.pk},
            {"equipment": self.equipment_c.pk, "certificate": self.n1_a.pk},
        ):
            with self.subTest(body=body):
                response = self.post("operator-assignments", {**body, "assigned_on": str(self.today)})
                self.assertEqual(response.status_code, 404, response.content)
        self.assertEqual(OperatorAssignment.objects.count(), 1)


class EmergencyTests(SafetyApiTestCase):
    def test_plan_and_drill_with_photos(self):
        plan = self.created(
            "emergency-plans",
            {"title": "叉车事故应急专项预案", "equipment_category": "5000", "approved_on": str(self.today)},
        )
        self.assertEqual((plan["kind"], plan["is_current"]), ("special", True))
        review_by = rules.months_after(self.today, rules.EMERGENCY_PLAN_REVIEW_MONTHS)
        self.assertEqual(plan["review_by"], str(review_by))
        drill = self.created(
            "drills",
            {
                "plan": plan["id"],
                "held_on": str(self.today),
                "scenario": "叉车侧翻救援",
                "participant_count": 12,
                "photos": [self.photo_a.pk],
            },
        )
        self.assertEqual((drill["equipment_category"], drill["photos"]), ("5000", [self.photo_a.pk]))
        newer = self.created(
            "emergency-plans",
            {"title": "叉车事故应急专项预案（修订）", "equipment_category": "5000", "approved_on": str(self.today)},
        )
        self.assertEqual([row["id"] for row in self.listed("emergency-plans", is_current="true")], [newer["id"]])
        self.assertEqual([row["id"] for row in self.listed("drills", plan=plan["id"])], [drill["id"]])
        self.assertObjectScoped("emergency-plans", plan["id"])
        self.assertObjectScoped("drills", drill["id"])

    def test_refusals(self):
        future = self.post("drills", {"held_on": str(self.today + timedelta(days=1)), "scenario": "演练"})
        self.assertRefused(future, "held_on", "今天")
        self.assertRefused(self.post("drills", {"held_on": str(self.today), "scenario": ""}), "scenario", "演练科目")
        foreign_photo = self.post(
            "drills", {"held_on": str(self.today), "scenario": "演练", "photos": [self.photo_a.pk, self.photo_c.pk]}
        )
        self.assertEqual(foreign_photo.status_code, 404, foreign_photo.content)
        review = self.post(
            "emergency-plans", {"title": "预案", "approved_on": str(self.today), "review_by": str(self.today)}
        )
        self.assertRefused(review, "review_by", "发布日期")
        category = self.post(
            "emergency-plans", {"title": "预案", "approved_on": str(self.today), "equipment_category": "51"}
        )
        self.assertRefused(category, "equipment_category", "51")
        self.assertFalse(Drill.objects.exists())
        self.assertFalse(EmergencyPlan.objects.exists())


class MonitoringTests(SafetyApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.source = safety_services.do_create_hazard_source(
            actor=cls.owner, organization=cls.unit_a, name="液氨储罐区", grade="2", equipment=cls.equipment_a
        )
        cls.point = safety_services.do_add_monitoring_point(
            actor=cls.owner,
            source=cls.source,
            name="1 号罐压力",
            quantity="压力",
            unit_of_measure="MPa",
            high=Decimal("1.6"),
        )
        cls.source_c = safety_services.do_create_hazard_source(
            actor=cls.other_unit_user, organization=cls.unit_c, name="丙单位储罐", grade="3"
        )
        cls.point_c = safety_services.do_add_monitoring_point(
            actor=cls.other_unit_user, source=cls.source_c, name="压力", quantity="压力", high=Decimal("1")
        )

    def test_sources_and_points(self):
        source = self.created("hazard-sources", {"name": "氯气库", "grade": "1", "equipment": self.equipment_a.pk})
        point = self.created(
            "monitoring-points",
            {"source": source["id"], "name": "泄漏浓度", "quantity": "浓度", "unit_of_measure": "ppm", "high": "1.000"},
        )
        self.assertEqual((point["high"], point["low"]), ("1.000", None))
        self.assertEqual([row["id"] for row in self.listed("monitoring-points", source=source["id"])], [point["id"]])
        self.assertEqual(len(self.listed("hazard-sources", grade="1")), 1)
        self.assertRefused(self.post("hazard-sources", {"name": "", "grade": "1"}), "name", "名称")
        self.assertEqual(
            self.post("hazard-sources", {"name": "x", "grade": "1", "equipment": self.equipment_c.pk}).status_code, 404
        )
        self.assertEqual(self.post("hazard-sources", {"name": "x", "grade": "9"}).status_code, 400)
        bounds = self.post(
            "monitoring-points", {"source": source["id"], "name": "温度", "quantity": "温度", "low": "5", "high": "2"}
        )
        self.assertRefused(bounds, "high", "上限应大于下限")
        no_bounds = self.post("monitoring-points", {"source": source["id"], "name": "温度", "quantity": "温度"})
        self.assertRefused(no_bounds, "high", "上限或下限")
        foreign = self.post(
            "monitoring-points", {"source": self.source_c.pk, "name": "温度", "quantity": "温度", "high": "2"}
        )
        self.assertEqual(foreign.status_code, 404)
        self.assertEqual(MonitoringPoint.objects.filter(organization=self.unit_a).count(), 2)
        self.assertEqual(MajorHazardSource.objects.filter(organization=self.unit_a).count(), 2)
        self.assertObjectScoped("hazard-sources", source["id"])
        self.assertObjectScoped("monitoring-points", point["id"])

    def read(self, value, user=None, **extra):
        return self.api(user or self.member).post(
            url("readings"), {"point": self.point.pk, "value": value}, format="json", **extra
        )

    def test_a_reading_in_bounds_raises_nothing(self):
        response = self.read("1.2")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(
            (body["value"], body["source"], body["out_of_bounds"], body["hazard"], body["task"]),
            ("1.200", "api", False, None, None),
        )
        self.assertFalse(Hazard.objects.exists())

    def test_a_reading_out_of_bounds_raises_one_hazard_and_one_control_failure_task(self):
        first = self.read("1.9")
        self.assertEqual(first.status_code, 201, first.content)
        body = first.json()
        self.assertTrue(body["out_of_bounds"])
        hazard = Hazard.objects.get()
        task = InvestigationTask.objects.get(kind="control_failure")
        self.assertEqual((body["hazard"], body["task"]), (hazard.pk, task.pk))
        self.assertEqual(
            (hazard.source, hazard.organization_id, hazard.equipment_id),
            ("system", self.unit_a.pk, self.equipment_a.pk),
        )
        # While that hazard is open, further excursions are recorded against it.
        second = self.read("2.1").json()
        self.assertEqual((second["hazard"], second["task"]), (hazard.pk, task.pk))
        self.assertEqual(Hazard.objects.count(), 1)
        self.assertEqual(InvestigationTask.objects.filter(kind="control_failure").count(), 1)
        self.assertEqual(
            [row["id"] for row in self.listed("readings", out_of_bounds="true")], [second["id"], body["id"]]
        )
        self.assertEqual(len(self.listed("readings", point=self.point.pk)), 2)

    def test_idempotency_key_replays_the_first_answer_and_records_once(self):
        key = str(uuid.uuid4())
        first = self.read("1.9", HTTP_IDEMPOTENCY_KEY=key)
        self.assertEqual(first.status_code, 201, first.content)
        events = Event.objects.count()
        replay = self.read("1.9", HTTP_IDEMPOTENCY_KEY=key)
        self.assertEqual(replay.status_code, 201)
        self.assertEqual(replay["Idempotent-Replayed"], "true")
        self.assertEqual(replay.json(), first.json())
        self.assertEqual(Reading.objects.filter(point=self.point).count(), 1)
        self.assertEqual((Hazard.objects.count(), InvestigationTask.objects.count()), (1, 1))
        self.assertEqual(Event.objects.count(), events)
        changed = self.read("2.5", HTTP_IDEMPOTENCY_KEY=key)
        self.assertEqual(changed.status_code, 422)
        self.assertEqual(self.read("2.5", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())).status_code, 201)
        self.assertEqual(Reading.objects.filter(point=self.point).count(), 2)

    def test_refusals(self):
        self.assertEqual(self.read("abc").status_code, 400)
        future = self.api(self.member).post(
            url("readings"),
            {"point": self.point.pk, "value": "1", "measured_at": (timezone.now() + timedelta(hours=1)).isoformat()},
            format="json",
        )
        self.assertRefused(future, "measured_at", "测量时间")
        foreign = self.api(self.member).post(url("readings"), {"point": self.point_c.pk, "value": "1"}, format="json")
        self.assertEqual(foreign.status_code, 404)
        self.assertEqual(self.read("1", self.county_inspector).status_code, 403)
        self.assertFalse(Reading.objects.exists())

    def test_scope(self):
        reading = self.read("1").json()
        self.assertObjectScoped("readings", reading["id"])


class ComplianceGapTests(SafetyApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for unit in (cls.unit_a, cls.unit_b, cls.unit_c):
            compliance.refresh_unit(unit)

    def test_list_filters_and_fields(self):
        rows = self.listed("compliance-gaps", page_size=500)
        self.assertTrue(rows)
        self.assertEqual({row["organization"] for row in rows}, {self.unit_a.pk})
        row = rows[0]
        for name in (
            "kind",
            "kind_label",
            "key",
            "message",
            "citation",
            "equipment",
            "person",
            "hazard",
            "opened_at",
            "closed_at",
        ):
            self.assertIn(name, row)
        self.assertRegex(row["kind_label"], f"[{HAN}]")
        appointment_rows = self.listed("compliance-gaps", kind="appointment", page_size=500)
        self.assertTrue(appointment_rows)
        self.assertTrue(all(r["kind"] == "appointment" for r in appointment_rows))
        self.assertEqual(self.listed("compliance-gaps", open="false"), [])

        # Appointing the principal closes its gap: the list holds the open ones, `open=false` the closed.
        safety_services.do_appoint(
            actor=self.owner, organization=self.unit_a, person=self.principal, role="principal", starts_on=self.today
        )
        compliance.refresh_unit(self.unit_a)
        closed = self.listed("compliance-gaps", open="false")
        self.assertEqual([r["key"] for r in closed], ["appointment:principal"])
        self.assertIsNotNone(closed[0]["closed_at"])
        self.assertNotIn("appointment:principal", {r["key"] for r in self.listed("compliance-gaps", page_size=500)})

        county = self.listed("compliance-gaps", self.county_inspector, page_size=500)
        self.assertEqual({r["organization"] for r in county}, {self.unit_a.pk, self.unit_c.pk})
        city = self.listed("compliance-gaps", self.city_inspector, page_size=500, region=self.YANGCHENG)
        self.assertEqual({r["organization"] for r in city}, {self.unit_b.pk})
        self.assertEqual(self.listed("compliance-gaps", self.sibling_inspector, organization=self.unit_a.pk), [])

    def test_summary_counts_by_kind_and_by_region(self):
        mine = self.api(self.owner).get(url("compliance-gaps", action="summary")).json()
        expected = compliance.gap_counts(ComplianceGap.objects.filter(organization=self.unit_a))
        self.assertEqual(mine["counts"], expected)
        self.assertEqual(mine["total"], sum(expected.values()))
        self.assertNotIn("by_region", mine)

        city = self.api(self.city_inspector).get(url("compliance-gaps", action="summary")).json()
        by_region = {row["region"]: row for row in city["by_region"]}
        unit_counts = {
            unit: sum(compliance.gap_counts(ComplianceGap.objects.filter(organization=unit)).values())
            for unit in (self.unit_a, self.unit_b, self.unit_c)
        }
        self.assertEqual(by_region[self.ZEZHOU]["total"], unit_counts[self.unit_a] + unit_counts[self.unit_c])
        self.assertEqual(by_region[self.YANGCHENG]["total"], unit_counts[self.unit_b])
        self.assertEqual(city["total"], sum(unit_counts.values()))
        self.assertTrue(all(row["region"].startswith("1405") for row in city["by_region"]))

        province = self.api(self.province_leader).get(url("compliance-gaps", action="summary")).json()
        self.assertEqual({row["region"]: row["total"] for row in province["by_region"]}[self.JINCHENG], city["total"])
        county = self.api(self.county_inspector).get(url("compliance-gaps", action="summary")).json()
        self.assertEqual(
            [(row["region"], row["total"]) for row in county["by_region"]], [(self.ZEZHOU, county["total"])]
        )
        sibling = self.api(self.sibling_inspector).get(url("compliance-gaps", action="summary")).json()
        self.assertEqual(sibling["total"], unit_counts[self.unit_b])
        narrowed = self.api(self.city_inspector).get(
            url("compliance-gaps", action="summary"), {"region": self.YANGCHENG}
        )
        self.assertEqual(narrowed.json()["total"], unit_counts[self.unit_b])

    def test_the_summary_is_one_grouped_query_whatever_the_regions(self):
        province = User.objects.get(pk=self.province_leader.pk)
        with CaptureQueriesContext(connection) as captured:
            response = self.api(province).get(url("compliance-gaps", action="summary"))
        self.assertEqual(response.status_code, 200)
        gap_queries = [q["sql"] for q in captured.captured_queries if "safety_compliancegap" in q["sql"]]
        self.assertEqual(len(gap_queries), 2, gap_queries)  # by kind, and by region and kind

    def test_scope(self):
        gap = ComplianceGap.objects.filter(organization=self.unit_a).first()
        self.assertObjectScoped("compliance-gaps", gap.pk)


class UnitFileTests(SafetyApiTestCase):
    def test_the_units_file_at_a_glance(self):
        safety_services.do_appoint(
            actor=self.owner, organization=self.unit_a, person=self.principal, role="principal", starts_on=self.today
        )
        safety_services.do_upload_document(
            actor=self.owner,
            organization=self.unit_a,
            kind="management_rules",
            title="制度",
            effective_on=self.today,
            attachment=self.photo_a,
        )
        compliance.refresh_unit(self.unit_a)
        for user in (self.owner, self.member, self.county_inspector, self.province_leader):
            with self.subTest(user=user.username):
                response = self.api(user).get(f"{API}unit-files/{self.unit_a.pk}/")
                self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(
            (body["organization"]["id"], body["profile"]["id"], body["profile"]["version"]), (self.unit_a.pk, None, 1)
        )
        self.assertEqual([a["role"] for a in body["appointments"]], ["principal"])
        documents = {(d["kind"], d["equipment_category"]): d for d in body["documents"]}
        self.assertEqual(documents[("management_rules", "")]["state"], "ok")
        self.assertEqual(documents[("post_responsibilities", "")]["state"], "missing")
        self.assertIn(("operating_procedures", "3000"), documents)
        self.assertEqual(body["counts"]["equipment_in_use"], 2)
        self.assertEqual(
            body["gaps"]["total"],
            ComplianceGap.objects.filter(organization=self.unit_a, closed_at__isnull=True).count(),
        )

    def test_404_outside_scope(self):
        path = f"{API}unit-files/{self.unit_a.pk}/"
        self.assertNotFoundForOutsiders("get", path)
        # The agency inspecting unit A's equipment sees the unit, not its safety management file.
        self.assertEqual(self.api(self.agency_user).get(path).status_code, 404)
        self.assertEqual(self.api(self.owner).get(f"{API}unit-files/{self.county.pk}/").status_code, 404)
        self.assertEqual(self.api(self.owner).get(f"{API}unit-files/987654321/").status_code, 404)
        self.assertIn(self.api().get(path).status_code, (401, 403))


class ListQueryCountTests(SafetyApiTestCase):
    """A list costs the same number of queries for 2 rows as for 12."""

    serial = 0

    def next_serial(self) -> int:
        type(self).serial += 1
        return type(self).serial

    def add(self, kind, count):
        for number in range(count):
            if kind == "appointments":
                person = make_user(f"officer_{self.next_serial()}", self.unit_a, "operator")
                safety_services.do_appoint(
                    actor=self.owner,
                    organization=self.unit_a,
                    person=person,
                    role="safety_officer",
                    starts_on=self.today,
                )
            elif kind == "training-sessions":
                safety_services.do_record_training(
                    actor=self.owner,
                    organization=self.unit_a,
                    topic=f"培训 {number}",
                    held_on=self.today,
                    hours=1,
                    trainer="王工",
                    attendees=[self.member, self.director],
                )
            elif kind == "drills":
                safety_services.do_record_drill(
                    actor=self.owner,
                    organization=self.unit_a,
                    held_on=self.today,
                    scenario="演练",
                    photos=[self.photo_a],
                )
            elif kind == "exam-attempts":
                safety_services.do_create_exam(
                    actor=self.owner,
                    title="考试",
                    roles=["operator"],
                    question_count=1,
                    opens_on=self.today,
                    closes_on=self.today,
                )
            elif kind == "exams":
                self.add("exam-attempts", 1)
            elif kind == "licences":
                safety_services.do_record_licence(
                    actor=self.owner,
                    organization=self.unit_a,
                    kind="other",
                    number=f"许可 {self.next_serial()}",
                    issued_on=self.today,
                    expires_on=self.today + timedelta(days=365),
                    attachment=self.photo_a,
                )
            elif kind == "operator-assignments":
                device = make_equipment(self.unit_a, f"51101405252026B{self.next_serial():04d}", category="5110")
                safety_services.do_assign_operator(
                    actor=self.owner, equipment=device, certificate=self.n1_a, assigned_on=self.today
                )

    def count(self, user, resource):
        user = User.objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as captured:
            response = self.api(user).get(url(resource), {"page_size": 500})
        self.assertEqual(response.status_code, 200, response.content)
        return len(captured), len(response.json()["results"])

    def test_lists_do_not_grow_with_rows(self):
        for resource in (
            "appointments",
            "training-sessions",
            "drills",
            "exam-attempts",
            "exams",
            "operator-assignments",
            "licences",
        ):
            with self.subTest(resource=resource):
                self.add(resource, 2)
                few = {user.pk: self.count(user, resource)[0] for user in (self.owner, self.county_inspector)}
                self.add(resource, 10)
                for user in (self.owner, self.county_inspector):
                    many, rows = self.count(user, resource)
                    self.assertGreaterEqual(rows, 10)
                    self.assertEqual(many, few[user.pk], f"{resource} costs more queries with more rows")
