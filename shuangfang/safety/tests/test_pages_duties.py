"""The unit's duty pages: every page renders with data made through the services; each form's happy path changes what
it should and closes the compliance gap it answers; bad input is refused with its message and changes nothing; the
pages are the unit's own (anyone else is "not found") and another unit's records are "not found"."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from shuangfang.core.models import Attachment
from shuangfang.core.testing import CastTestCase, make_equipment, tiny_png
from shuangfang.equipment.models import CertificateItem, Equipment, OperatorCertificate
from shuangfang.equipment.services import do_add_certificate
from shuangfang.hazards.choices import InvestigationKind
from shuangfang.hazards.models import Hazard, InvestigationTask
from shuangfang.safety import compliance, services
from shuangfang.safety.choices import AttemptStatus, ExamKind
from shuangfang.safety.models import (
    ComplianceGap,
    Drill,
    EmergencyPlan,
    Exam,
    ExamAttempt,
    MajorHazardSource,
    MonitoringPoint,
    OperatorAssignment,
    Reading,
    SafetyDocument,
    TrainingPlan,
    TrainingSession,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()


def pdf(name="rules.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


def photo(name="photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_png(), content_type="image/png")


def certificate(actor, item: str, number: str, *, holder=None, expires_on=date(2028, 6, 30)) -> OperatorCertificate:
    return do_add_certificate(
        actor=actor,
        data={
            "holder_name": holder.display_name if holder else f"持证人{number}",
            "holder": holder,
            "id_number": "140525199001011234",
            "item": CertificateItem.objects.get(code=item),
            "cert_no": number,
            "issued_on": date(2020, 1, 1),
            "expires_on": expires_on,
        },
    )


class DutyPagesTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(NOW, tick=False):
            # A crowded-place elevator makes the yearly elevator drill a duty (DRILL_RULES).
            Equipment.objects.filter(pk=cls.equipment_a.pk).update(crowded_place=True)
            cls.forklift = make_equipment(cls.unit_a, "51101401012020A0002", category="5110", name="一号叉车")
            cls.forklift_2 = make_equipment(cls.unit_a, "51101401012020A0003", category="5110", name="二号叉车")
            cls.forklift_c = make_equipment(cls.unit_c, "51101401012020C0002", category="5110", name="丙单位叉车")
            cls.valid_n1 = certificate(cls.owner, "N1", "N1-0001", holder=cls.member)
            cls.expired_n1 = certificate(cls.owner, "N1", "N1-0002", expires_on=date(2025, 12, 31))
            cls.crane_q2 = certificate(cls.owner, "Q2", "Q2-0001")
            cls.cert_c = certificate(cls.other_unit_user, "N1", "N1-0003")
            cls.assignment = services.do_assign_operator(
                actor=cls.owner, equipment=cls.forklift, certificate=cls.valid_n1, assigned_on=date(2026, 1, 5)
            )
            cls.assignment_c = services.do_assign_operator(
                actor=cls.other_unit_user, equipment=cls.forklift_c, certificate=cls.cert_c, assigned_on=TODAY
            )
            cls.source = services.do_create_hazard_source(
                actor=cls.owner, organization=cls.unit_a, name="液氨储罐区", grade="2", equipment=cls.equipment_a
            )
            cls.point = services.do_add_monitoring_point(
                actor=cls.owner,
                source=cls.source,
                name="1号罐压力",
                quantity="压力",
                unit_of_measure="MPa",
                high=Decimal("1.6"),
            )
            cls.source_c = services.do_create_hazard_source(
                actor=cls.other_unit_user, organization=cls.unit_c, name="丙单位储罐", grade="3"
            )
            cls.point_c = services.do_add_monitoring_point(
                actor=cls.other_unit_user, source=cls.source_c, name="丙单位压力", quantity="压力", high=Decimal("1")
            )

    def setUp(self):
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def post(self, user, url, data):
        """A form posted by the user, the after-commit compliance refresh run as in production."""
        with self.captureOnCommitCallbacks(execute=True):
            return self.web(user).post(url, data)

    def open_gap(self, key: str) -> bool:
        return ComplianceGap.objects.filter(organization=self.unit_a, key=key, closed_at__isnull=True).exists()

    def assertRefused(self, response, message: str):
        self.assertEqual(response.status_code, 400)
        self.assertIn(message, response.content.decode())


class RenderTests(DutyPagesTestCase):
    def list_urls(self):
        return [
            "/safety/documents/",
            "/safety/training/",
            "/safety/training/?year=2025",
            f"/safety/training/people/{self.member.pk}/",
            "/safety/operators/",
            "/safety/operators/?state=missing",
            "/safety/emergency/",
            "/safety/hazard-sources/",
            f"/safety/hazard-sources/{self.source.pk}/",
        ]

    def form_urls(self):
        return [
            "/safety/documents/upload/",
            "/safety/documents/upload/?kind=operating_procedures&equipment_category=5000",
            "/safety/training/plans/new/",
            "/safety/training/new/",
            "/safety/operators/assign/",
            f"/safety/operators/assign/?equipment={self.forklift_2.pk}",
            f"/safety/operators/{self.assignment.pk}/end/",
            "/safety/emergency/plans/new/",
            "/safety/emergency/drills/new/",
            "/safety/hazard-sources/new/",
            f"/safety/hazard-sources/{self.source.pk}/points/new/",
            f"/safety/points/{self.point.pk}/readings/new/",
        ]

    def test_every_page_renders_for_a_manager_of_the_unit(self):
        client = self.web(self.owner)
        for url in self.list_urls() + self.form_urls():
            with self.subTest(url=url):
                self.assertEqual(client.get(url).status_code, 200, url)

    def test_an_operator_reads_the_pages_records_readings_and_keeps_nothing_else(self):
        client = self.web(self.member)
        for url in self.list_urls():
            with self.subTest(url=url):
                self.assertEqual(client.get(url).status_code, 200, url)
        self.assertEqual(client.get(f"/safety/points/{self.point.pk}/readings/new/").status_code, 200)
        for url in self.form_urls():
            if "/readings/" in url:
                continue
            with self.subTest(url=url):
                self.assertEqual(client.get(url).status_code, 403, url)
        page = client.get("/safety/documents/").content.decode()
        self.assertNotIn("/safety/documents/upload/", page)

    def test_the_pages_belong_to_units_everyone_else_gets_not_found(self):
        urls = self.list_urls() + self.form_urls()
        for user in (
            self.county_inspector,
            self.sibling_inspector,
            self.province_leader,
            self.agency_user,
            self.system_admin,
        ):
            client = self.web(user)
            for url in urls:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(client.get(url).status_code, 404)
        self.assertEqual(self.web().get("/safety/documents/").status_code, 302)  # to the sign-in page

    def test_another_units_records_are_not_found(self):
        read_urls = [
            f"/safety/hazard-sources/{self.source.pk}/",
            f"/safety/training/people/{self.member.pk}/",
            f"/safety/operators/assign/?equipment={self.forklift.pk}",
        ]
        write_urls = [
            (f"/safety/operators/{self.assignment.pk}/end/", {"ended_on": "2026-03-02", "version": 1}),
            (f"/safety/hazard-sources/{self.source.pk}/points/new/", {"name": "温度", "quantity": "温度", "high": "1"}),
            (f"/safety/points/{self.point.pk}/readings/new/", {"value": "9"}),
        ]
        for user in (self.other_unit_user, self.unit_b_user, self.sibling_inspector, self.county_inspector):
            client = self.web(user)
            for url in read_urls + [url for url, _data in write_urls]:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(client.get(url).status_code, 404)
            for url, data in write_urls:
                with self.subTest(user=user.username, url=url, method="post"):
                    self.assertEqual(client.post(url, data).status_code, 404)
        self.assertFalse(Reading.objects.filter(point=self.point).exists())
        self.assertEqual(MonitoringPoint.objects.filter(source=self.source).count(), 1)
        self.assertIsNone(OperatorAssignment.objects.get(pk=self.assignment.pk).ended_on)
        # And the other way round: unit A's manager does not find unit C's records.
        client = self.web(self.owner)
        for url in (
            f"/safety/operators/{self.assignment_c.pk}/end/",
            f"/safety/hazard-sources/{self.source_c.pk}/",
            f"/safety/hazard-sources/{self.source_c.pk}/points/new/",
            f"/safety/points/{self.point_c.pk}/readings/new/",
            f"/safety/training/people/{self.other_unit_user.pk}/",
        ):
            with self.subTest(url=url):
                self.assertEqual(client.get(url).status_code, 404)

    def test_english_renders(self):
        client = self.web(self.owner)
        client.cookies["django_language"] = "en"
        for url in self.list_urls() + ["/safety/documents/upload/", "/safety/training/new/"]:
            with self.subTest(url=url):
                response = client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertIn('<html lang="en">', response.content.decode())

    def test_a_unit_sees_only_its_own_records_in_its_lists(self):
        client = self.web(self.owner)
        self.assertNotIn("丙单位储罐", client.get("/safety/hazard-sources/").content.decode())
        operators = client.get("/safety/operators/").content.decode()
        self.assertIn("一号叉车", operators)
        self.assertNotIn("丙单位叉车", operators)
        self.assertNotIn(self.other_unit_user.display_name, client.get("/safety/training/").content.decode())


class DocumentTests(DutyPagesTestCase):
    def test_the_checklist_names_every_rule_per_category_in_use(self):
        page = self.web(self.owner).get("/safety/documents/").content.decode()
        for name in ("特种设备安全管理制度", "岗位责任制度", "安全操作规程", "安全总监职责", "安全员守则"):
            self.assertIn(name, page)
        self.assertIn("电梯", page)
        self.assertIn("场（厂）内专用机动车辆", page)
        self.assertIn("《特种设备安全法》第三十四条", page)
        self.assertIn("?kind=operating_procedures&amp;equipment_category=5000", page)

    def test_uploading_the_management_rules_closes_the_gap_and_versions_are_kept(self):
        compliance.refresh_unit(self.unit_a)
        self.assertTrue(self.open_gap("document:management_rules:unit"))
        data = {"kind": "management_rules", "title": "特种设备安全管理制度", "effective_on": "2026-03-01"}
        response = self.post(self.owner, "/safety/documents/upload/", {**data, "attachment": pdf()})
        self.assertRedirects(response, "/safety/documents/")
        document = SafetyDocument.objects.get(organization=self.unit_a, kind="management_rules")
        self.assertEqual((document.version_no, document.effective_on), (1, date(2026, 3, 1)))
        self.assertEqual(document.attachment.content_type, "application/pdf")
        self.assertFalse(self.open_gap("document:management_rules:unit"))

        self.post(self.owner, "/safety/documents/upload/", {**data, "title": "第二版", "attachment": pdf()})
        self.assertEqual(
            list(SafetyDocument.objects.filter(kind="management_rules").values_list("version_no", flat=True)), [2, 1]
        )
        page = self.web(self.owner).get("/safety/documents/").content.decode()
        self.assertIn("第二版", page)
        self.assertIn(f"/api/v1/attachments/{document.attachment_id}/download/", page)  # the first version's file

    def test_an_operating_procedure_per_category(self):
        compliance.refresh_unit(self.unit_a)
        self.assertTrue(self.open_gap("document:operating_procedures:5000"))
        response = self.post(
            self.owner,
            "/safety/documents/upload/",
            {
                "kind": "operating_procedures",
                "equipment_category": "5000",
                "title": "叉车安全操作规程",
                "effective_on": "2026-01-01",
                "attachment": pdf(),
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(self.open_gap("document:operating_procedures:5000"))
        self.assertTrue(self.open_gap("document:operating_procedures:3000"))

    def test_bad_uploads_are_refused_and_leave_nothing_behind(self):
        attachments = Attachment.objects.count()
        base = {"kind": "operating_procedures", "title": "操作规程", "effective_on": "2026-03-01"}
        cases = [
            ({**base, "attachment": pdf()}, "《安全操作规程》按设备种类分别制定：请选择设备种类。"),
            ({**base, "kind": "management_rules", "equipment_category": "3000", "attachment": pdf()}, "全单位一份"),
            ({**base, "equipment_category": "3000"}, "请上传制度文件。"),
            (
                {**base, "equipment_category": "3000", "attachment": SimpleUploadedFile("a.txt", b"plain text")},
                "只接受 JPEG、PNG 图片或 PDF 文件。",
            ),
            ({**base, "kind": "", "attachment": pdf()}, "请选择制度类型。"),
            ({**base, "equipment_category": "3000", "effective_on": "", "attachment": pdf()}, "请填写生效日期。"),
            ({**base, "equipment_category": "3000", "title": " ", "attachment": pdf()}, "请填写标题。"),
        ]
        for data, message in cases:
            with self.subTest(message=message):
                self.assertRefused(self.post(self.owner, "/safety/documents/upload/", data), message)
        self.assertFalse(SafetyDocument.objects.exists())
        self.assertEqual(Attachment.objects.count(), attachments)


class TrainingTests(DutyPagesTestCase):
    def test_a_plan_then_a_session_with_attendees_files_and_hours(self):
        compliance.refresh_unit(self.unit_a)
        self.assertTrue(self.open_gap("training:none"))
        response = self.post(
            self.owner,
            "/safety/training/plans/new/",
            {"year": "2026", "title": "2026 年度安全培训计划", "content": "每季度一次", "attachment": pdf()},
        )
        self.assertRedirects(response, "/safety/training/?year=2026")
        plan = TrainingPlan.objects.get(organization=self.unit_a)
        response = self.post(
            self.owner,
            "/safety/training/new/",
            {
                "topic": "叉车安全操作",
                "held_on": "2026-02-27",
                "hours": "2.5",
                "trainer": "张老师",
                "location": "会议室",
                "plan": plan.pk,
                "attendees": [self.owner.pk, self.member.pk],
                "materials": pdf(),
                "sign_in_photo": photo(),
            },
        )
        self.assertRedirects(response, "/safety/training/?year=2026")
        session = TrainingSession.objects.get(organization=self.unit_a)
        self.assertEqual(set(session.attendees.all()), {self.owner, self.member})
        self.assertEqual(
            (session.hours, session.plan, session.materials.content_type), (Decimal("2.5"), plan, "application/pdf")
        )
        self.assertEqual(session.sign_in_photo.content_type, "image/png")
        self.assertFalse(self.open_gap("training:none"))

        page = self.web(self.owner).get("/safety/training/").content.decode()
        self.assertIn("叉车安全操作", page)
        self.assertIn("2026 年度安全培训计划", page)
        self.assertIn(f"/safety/training/people/{self.member.pk}/", page)
        person = self.web(self.owner).get(f"/safety/training/people/{self.member.pk}/").content.decode()
        self.assertIn("叉车安全操作", person)
        self.assertIn("2.5", person)

    def test_the_year_totals_per_person(self):
        for held_on, hours in ((date(2026, 1, 10), "4"), (date(2026, 2, 10), "1.5"), (date(2025, 12, 1), "8")):
            services.do_record_training(
                actor=self.owner,
                organization=self.unit_a,
                topic=f"培训 {held_on}",
                held_on=held_on,
                hours=hours,
                trainer="李老师",
                attendees=[self.member],
            )
        response = self.web(self.owner).get("/safety/training/?year=2026")
        people = {person.pk: person for person in response.context["people"]}
        self.assertEqual(people[self.member.pk].year_hours, Decimal("5.5"))
        self.assertEqual(people[self.member.pk].year_sessions, 2)
        self.assertEqual(people[self.principal.pk].year_hours, 0)
        self.assertNotIn(self.other_unit_user.pk, people)
        self.assertEqual(self.web(self.owner).get("/safety/training/?year=2025").context["people"][3].year_hours, 8)

    def test_a_persons_exam_attempts_are_shown(self):
        exam = Exam.objects.create(
            organization=self.unit_a,
            region_id=self.unit_a.region_id,
            kind=ExamKind.UNIT,
            title="2026 年第一季度安全员考试",
            roles=["safety_officer"],
            pass_score=80,
            opens_on=date(2026, 2, 1),
            closes_on=date(2026, 2, 28),
            created_by=self.owner,
        )
        ExamAttempt.objects.create(
            exam=exam,
            candidate=self.member,
            organization=self.unit_a,
            region_id=self.unit_a.region_id,
            status=AttemptStatus.SUBMITTED,
            score=92,
            passed=True,
            submitted_at=NOW,
        )
        page = self.web(self.owner).get(f"/safety/training/people/{self.member.pk}/").content.decode()
        self.assertIn("2026 年第一季度安全员考试", page)
        self.assertIn("92", page)
        self.assertIn("合格", page)

    def test_bad_sessions_and_plans_are_refused_and_change_nothing(self):
        attachments = Attachment.objects.count()
        base = {
            "topic": "培训",
            "held_on": "2026-03-01",
            "hours": "2",
            "trainer": "张老师",
            "attendees": [self.member.pk],
        }
        cases = [
            ({**base, "attendees": []}, "请选择参训人员。"),
            ({**base, "held_on": "2026-03-03"}, "培训日期不能晚于今天：登记的是已经举办的培训。"),
            ({**base, "hours": "0"}, "学时应在 0.5 到 200 之间。"),
            ({**base, "hours": "两小时"}, "学时应在 0.5 到 200 之间。"),
            ({**base, "trainer": ""}, "请填写授课人。"),
            ({**base, "held_on": ""}, "请填写培训日期。"),
            ({**base, "attendees": [self.other_unit_user.pk]}, "errorlist"),
        ]
        for data, message in cases:
            with self.subTest(message=message):
                response = self.post(self.owner, "/safety/training/new/", {**data, "materials": pdf()})
                self.assertRefused(response, message)
        self.assertRefused(
            self.post(self.owner, "/safety/training/plans/new/", {"year": "1999", "title": "计划"}),
            "年度应为四位年份。",
        )
        self.assertRefused(self.post(self.owner, "/safety/training/plans/new/", {"year": "2026"}), "请填写标题。")
        self.assertFalse(TrainingSession.objects.exists())
        self.assertFalse(TrainingPlan.objects.exists())
        self.assertEqual(Attachment.objects.count(), attachments)

    def test_a_person_of_another_unit_is_not_found(self):
        self.assertEqual(
            self.web(self.owner).get(f"/safety/training/people/{self.other_unit_user.pk}/").status_code, 404
        )


class OperatorTests(DutyPagesTestCase):
    def test_each_covered_device_has_its_state(self):
        OperatorAssignment.objects.create(  # made directly: the service refuses an expired certificate
            organization=self.unit_a,
            region_id=self.unit_a.region_id,
            equipment=self.forklift_2,
            certificate=self.expired_n1,
            assigned_on=date(2025, 6, 1),
            assigned_by=self.owner,
        )
        crane = make_equipment(
            self.unit_a, "41101401012020A0004", category="4110", name="行车", signaller_required=True
        )
        response = self.web(self.owner).get("/safety/operators/")
        devices = {device.pk: device for device in response.context["devices"]}
        self.assertNotIn(self.equipment_a.pk, devices)  # elevators need no certified operator
        self.assertEqual(devices[self.forklift.pk].state, "ok")
        self.assertEqual(devices[self.forklift_2.pk].state, "expired")
        self.assertEqual(devices[crane.pk].state, "missing")
        self.assertEqual([r.items for r in devices[crane.pk].requirements], [["Q2"], ["Q1"]])
        self.assertEqual(response.context["counts"], {"missing": 1, "expired": 1, "ok": 1})
        page = response.content.decode()
        self.assertIn("N1-0001", page)
        self.assertIn(f"/safety/operators/{self.assignment.pk}/end/", page)
        missing = self.web(self.owner).get("/safety/operators/?state=missing").context["devices"]
        self.assertEqual([device.pk for device in missing], [crane.pk])

    def test_assigning_a_certified_operator_closes_the_gap(self):
        compliance.refresh_unit(self.unit_a)
        key = f"operator:{self.forklift_2.pk}:forklift"
        self.assertTrue(self.open_gap(key))
        page = self.web(self.owner).get(f"/safety/operators/assign/?equipment={self.forklift_2.pk}").content.decode()
        self.assertIn("需要持 N1 证", page)
        self.assertNotIn("Q2-0001", page)  # only certificates of the items the device needs are offered
        self.assertNotIn("N1-0002", page)  # nor expired ones
        response = self.post(
            self.owner,
            "/safety/operators/assign/",
            {"equipment": self.forklift_2.pk, "certificate": self.valid_n1.pk, "assigned_on": "2026-03-02"},
        )
        self.assertRedirects(response, "/safety/operators/")
        self.assertTrue(
            OperatorAssignment.objects.filter(
                equipment=self.forklift_2, certificate=self.valid_n1, ended_on__isnull=True
            ).exists()
        )
        self.assertFalse(self.open_gap(key))

    def test_bad_assignments_are_refused(self):
        before = OperatorAssignment.objects.count()
        base = {"equipment": self.forklift_2.pk, "assigned_on": "2026-03-02"}
        cases = [
            ({**base, "certificate": self.expired_n1.pk}, "该证已于 2025-12-31 过期，不能安排上岗。"),
            ({**base, "certificate": self.crane_q2.pk}, "Q2 证不适用于此设备：此设备需要 N1。"),
            ({**base, "certificate": self.cert_c.pk}, "errorlist"),  # another unit's certificate does not exist here
            ({**base, "equipment": self.forklift_c.pk, "certificate": self.valid_n1.pk}, "errorlist"),
            ({**base, "certificate": self.valid_n1.pk, "assigned_on": ""}, "请填写上岗日期。"),
            ({"certificate": self.valid_n1.pk, "assigned_on": "2026-03-02"}, "请选择设备。"),
            (
                {"equipment": self.forklift.pk, "certificate": self.valid_n1.pk, "assigned_on": "2026-03-02"},
                "此人已在该设备上岗。",
            ),
        ]
        for data, message in cases:
            with self.subTest(message=message):
                self.assertRefused(self.post(self.owner, "/safety/operators/assign/", data), message)
        self.assertEqual(OperatorAssignment.objects.count(), before)
        self.assertEqual(
            self.web(self.owner).get(f"/safety/operators/assign/?equipment={self.forklift_c.pk}").status_code, 404
        )

    def test_ending_an_assignment_opens_the_gap(self):
        compliance.refresh_unit(self.unit_a)
        key = f"operator:{self.forklift.pk}:forklift"
        self.assertFalse(self.open_gap(key))
        url = f"/safety/operators/{self.assignment.pk}/end/"
        self.assertRefused(
            self.post(self.owner, url, {"ended_on": "2026-01-01", "version": self.assignment.version}),
            "离岗日期不能早于上岗日期。",
        )
        self.assertEqual(self.post(self.owner, url, {"ended_on": "2026-03-02", "version": 99}).status_code, 409)
        self.assertIsNone(OperatorAssignment.objects.get(pk=self.assignment.pk).ended_on)
        response = self.post(self.owner, url, {"ended_on": "2026-03-02", "version": self.assignment.version})
        self.assertRedirects(response, "/safety/operators/")
        self.assertEqual(OperatorAssignment.objects.get(pk=self.assignment.pk).ended_on, TODAY)
        self.assertTrue(self.open_gap(key))


class EmergencyTests(DutyPagesTestCase):
    def test_a_plan_and_a_drill_close_their_gaps_and_set_the_next_due_date(self):
        compliance.refresh_unit(self.unit_a)
        self.assertTrue(self.open_gap("emergency_plan:3000"))
        self.assertTrue(self.open_gap("drill:3000"))
        schedule = self.web(self.owner).get("/safety/emergency/").context["schedule"]
        self.assertEqual(
            [(row["category"], row["due_on"], row["badge"].color) for row in schedule], [("3000", None, "red")]
        )

        response = self.post(
            self.owner,
            "/safety/emergency/plans/new/",
            {
                "kind": "special",
                "equipment_category": "3000",
                "title": "电梯困人应急专项预案",
                "approved_on": "2026-01-15",
                "attachment": pdf(),
            },
        )
        self.assertRedirects(response, "/safety/emergency/")
        plan = EmergencyPlan.objects.get(organization=self.unit_a)
        self.assertEqual(plan.review_by, date(2029, 1, 15))
        self.assertFalse(self.open_gap("emergency_plan:3000"))

        response = self.post(
            self.owner,
            "/safety/emergency/drills/new/",
            {
                "plan": plan.pk,
                "held_on": "2026-02-20",
                "scenario": "电梯困人救援",
                "participants": "维保单位、安全员",
                "participant_count": "6",
                "evaluation": "到场及时，救援规范",
                "photos": [photo("a.png"), photo("b.png")],
            },
        )
        self.assertRedirects(response, "/safety/emergency/")
        drill = Drill.objects.get(organization=self.unit_a)
        self.assertEqual((drill.equipment_category, drill.participant_count, drill.photos.count()), ("3000", 6, 2))
        self.assertFalse(self.open_gap("drill:3000"))

        response = self.web(self.owner).get("/safety/emergency/")
        row = response.context["schedule"][0]
        self.assertEqual(
            (row["last"], row["due_on"], row["badge"].color, row["plan"]),
            (date(2026, 2, 20), date(2027, 2, 20), "green", plan),
        )
        page = response.content.decode()
        self.assertIn("电梯困人救援", page)
        for attachment in drill.photos.all():
            self.assertIn(f'<img src="/api/v1/attachments/{attachment.pk}/download/"', page)

    def test_an_old_plan_is_marked_overdue_and_a_new_one_replaces_it(self):
        old = services.do_record_emergency_plan(
            actor=self.owner,
            organization=self.unit_a,
            title="旧预案",
            approved_on=date(2021, 1, 1),
            kind="special",
            equipment_category="3000",
        )
        response = self.web(self.owner).get("/safety/emergency/")
        self.assertTrue(response.context["current_plans"][0].overdue)
        self.assertIn("超过评估修订期限", response.content.decode())
        services.do_record_emergency_plan(
            actor=self.owner,
            organization=self.unit_a,
            title="新预案",
            approved_on=date(2026, 2, 1),
            kind="special",
            equipment_category="3000",
        )
        response = self.web(self.owner).get("/safety/emergency/")
        self.assertEqual([p.pk for p in response.context["past_plans"]], [old.pk])
        self.assertIn("已废止", response.content.decode())

    def test_bad_plans_and_drills_are_refused(self):
        attachments = Attachment.objects.count()
        self.assertRefused(
            self.post(
                self.owner,
                "/safety/emergency/plans/new/",
                {"kind": "special", "title": "预案", "approved_on": "2026-03-01", "review_by": "2026-02-01"},
            ),
            "评估修订期限应晚于发布日期。",
        )
        self.assertRefused(
            self.post(
                self.owner,
                "/safety/emergency/plans/new/",
                {"kind": "special", "title": " ", "approved_on": "2026-03-01"},
            ),
            "请填写预案名称。",
        )
        base = {"held_on": "2026-03-01", "scenario": "困人救援", "equipment_category": "3000"}
        cases = [
            ({**base, "held_on": "2026-03-05"}, "演练日期不能晚于今天：登记的是已经举行的演练。"),
            ({**base, "scenario": ""}, "请填写演练科目。"),
            ({**base, "held_on": ""}, "请填写演练日期。"),
            (
                {**base, "photos": [photo(), SimpleUploadedFile("x.gif", b"GIF89a...")]},
                "x.gif：只接受 JPEG、PNG 图片或 PDF 文件。",
            ),
        ]
        for data, message in cases:
            with self.subTest(message=message):
                response = self.post(self.owner, "/safety/emergency/drills/new/", {"photos": [photo()], **data})
                self.assertRefused(response, message)
        self.assertFalse(EmergencyPlan.objects.exists())
        self.assertFalse(Drill.objects.exists())
        self.assertEqual(Attachment.objects.count(), attachments)


class HazardSourceTests(DutyPagesTestCase):
    def test_a_source_and_a_point_through_the_pages(self):
        response = self.post(
            self.owner,
            "/safety/hazard-sources/new/",
            {"name": "锅炉房燃气区", "grade": "3", "equipment": "", "location": "锅炉房", "description": "天然气"},
        )
        source = MajorHazardSource.objects.get(name="锅炉房燃气区")
        self.assertRedirects(response, f"/safety/hazard-sources/{source.pk}/")
        self.assertEqual((source.organization, source.grade), (self.unit_a, "3"))
        response = self.post(
            self.owner,
            f"/safety/hazard-sources/{source.pk}/points/new/",
            {"name": "可燃气体报警", "quantity": "浓度", "unit_of_measure": "%LEL", "high": "25"},
        )
        self.assertRedirects(response, f"/safety/hazard-sources/{source.pk}/")
        point = MonitoringPoint.objects.get(source=source)
        self.assertEqual((point.low, point.high), (None, Decimal("25")))
        self.assertIn("锅炉房燃气区", self.web(self.owner).get("/safety/hazard-sources/").content.decode())

    def test_bad_sources_and_points_are_refused(self):
        self.assertRefused(
            self.post(self.owner, "/safety/hazard-sources/new/", {"name": " ", "grade": "1"}), "请填写名称。"
        )
        self.assertRefused(self.post(self.owner, "/safety/hazard-sources/new/", {"name": "罐区"}), "请选择级别。")
        self.assertRefused(
            self.post(
                self.owner,
                "/safety/hazard-sources/new/",
                {"name": "罐区", "grade": "1", "equipment": self.forklift_c.pk},
            ),
            "errorlist",
        )
        url = f"/safety/hazard-sources/{self.source.pk}/points/new/"
        self.assertRefused(
            self.post(self.owner, url, {"name": "温度", "quantity": "温度"}), "请至少设定上限或下限之一。"
        )
        self.assertRefused(
            self.post(self.owner, url, {"name": "温度", "quantity": "温度", "low": "50", "high": "10"}),
            "上限应大于下限。",
        )
        self.assertRefused(self.post(self.owner, url, {"quantity": "温度", "high": "10"}), "请填写监测点名称。")
        self.assertEqual(MajorHazardSource.objects.filter(organization=self.unit_a).count(), 1)
        self.assertEqual(MonitoringPoint.objects.filter(source=self.source).count(), 1)

    def test_readings_in_and_out_of_bounds(self):
        url = f"/safety/points/{self.point.pk}/readings/new/"
        client = self.web(self.member)

        def read(data):
            with self.captureOnCommitCallbacks(execute=True):
                response = client.post(url, data, follow=True)
            self.assertEqual(response.redirect_chain, [(f"/safety/hazard-sources/{self.source.pk}/", 302)])
            return response.content.decode()

        page = read({"value": "1.2", "measured_at": "2026-03-02T08:00"})
        self.assertIn("读数 1.2MPa 已录入，在安全范围 — ~ 1.6MPa 内。", page)
        self.assertIsNone(Reading.objects.get(point=self.point).hazard)
        # The refresh after the first write opened the unit's other gaps (the forklift without an operator).
        hazards = Hazard.objects.filter(organization=self.unit_a).count()

        page = read({"value": "1.9", "measured_at": "2026-03-02T09:00"})
        reading = Reading.objects.get(point=self.point, value=Decimal("1.9"))
        self.assertTrue(reading.out_of_bounds)
        self.assertEqual(reading.measured_at, datetime(2026, 3, 2, 9, 0, tzinfo=NOW.tzinfo))
        self.assertEqual(reading.task.kind, InvestigationKind.CONTROL_FAILURE)
        self.assertIn(f"已登记隐患 #{reading.hazard_id}，并生成管控措施失效排查任务。", page)
        self.assertIn(f"/hazards/{reading.hazard_id}/", page)
        self.assertIn(f"/hazards/tasks/{reading.task_id}/", page)
        self.assertIn('class="sd-out"', page)
        self.assertTrue(self.open_gap(f"monitoring:{self.point.pk}"))

        page = read({"value": "2.0"})
        self.assertIn(f"已记入仍在治理中的隐患 #{reading.hazard_id}，未重复登记。", page)
        self.assertEqual(Hazard.objects.filter(organization=self.unit_a).count(), hazards + 1)
        self.assertEqual(InvestigationTask.objects.filter(kind=InvestigationKind.CONTROL_FAILURE).count(), 1)

        points = self.web(self.owner).get(f"/safety/hazard-sources/{self.source.pk}/").context["points"]
        self.assertEqual(len(points[0].latest), 3)
        sources = self.web(self.owner).get("/safety/hazard-sources/").context["sources"]
        self.assertEqual(sources[0].alarm_count, 1)

    def test_bad_readings_are_refused(self):
        url = f"/safety/points/{self.point.pk}/readings/new/"
        self.assertRefused(self.post(self.member, url, {"value": "abc"}), "读数应为数字。")
        self.assertRefused(self.post(self.member, url, {"value": ""}), "请填写读数。")
        self.assertRefused(
            self.post(self.member, url, {"value": "1", "measured_at": "2026-03-02T12:00"}), "测量时间不能晚于现在。"
        )
        self.assertRefused(self.post(self.member, url, {"value": "1e12"}), "读数超出可记录的范围。")
        self.assertFalse(Reading.objects.exists())

    def test_only_the_readings_shown_are_the_latest_twenty(self):
        for n in range(25):
            services.do_record_reading(
                actor=self.member,
                point=self.point,
                value=Decimal("1.0") + Decimal(n) / 100,
                measured_at=datetime(2026, 3, 1, 0, n, tzinfo=NOW.tzinfo),
            )
        latest = self.web(self.owner).get(f"/safety/hazard-sources/{self.source.pk}/").context["points"][0].latest
        self.assertEqual(len(latest), 20)
        self.assertEqual(latest[0].value, Decimal("1.24"))
