"""The unit file (一企一档) pages: who reads which file, the export, the safety management body, appointments and their
ending, and the regulator's list of gaps — each refusal with its own message and nothing changed."""

import io
from datetime import date, timedelta

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shuangfang.core.models import Attachment
from shuangfang.core.testing import CastTestCase, make_equipment, make_organization, make_user, tiny_png
from shuangfang.equipment.models import CertificateItem, OperatorCertificate

from .. import compliance, services
from ..choices import AppointmentRole, GapKind, LicenceKind
from ..models import Appointment, ComplianceGap, SafetyProfile, UnitLicence

FILE_SHEETS = ["概况", "人员任命", "管理制度", "培训", "作业人员", "应急", "合规缺项"]


def png(name="letter.png"):
    return SimpleUploadedFile(name, tiny_png(), content_type="image/png")


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def sheet_text(sheet) -> list[str]:
    return [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]


class FilePagesTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.forklift = make_equipment(cls.unit_a, "51101401012020A0002", category="5110", registration_no="车11晋E0001")
        for unit in (cls.unit_a, cls.unit_b, cls.unit_c):
            compliance.refresh_unit(unit)

    def file_url(self, unit=None):
        return reverse("safety:unit-file", args=[(unit or self.unit_a).pk])

    def export_url(self, unit=None):
        return reverse("safety:unit-file-export", args=[(unit or self.unit_a).pk])

    def appoint(self, person=None, role=AppointmentRole.SAFETY_OFFICER, **extra):
        return services.do_appoint(
            actor=self.owner,
            organization=self.unit_a,
            person=person or self.owner,
            role=role,
            starts_on=extra.pop("starts_on", date(2025, 1, 1)),
            **extra,
        )


class UnitFileTests(FilePagesTestCase):
    def test_the_unit_reads_its_own_file_with_the_open_gaps(self):
        gaps = ComplianceGap.objects.filter(organization=self.unit_a, closed_at__isnull=True)
        self.assertTrue(gaps.exists())
        for user in (self.owner, self.member, self.principal):
            response = self.web(user).get(reverse("safety:file"))
            self.assertEqual(response.status_code, 200, user.username)
            self.assertEqual(response.context["unit"], self.unit_a)
            self.assertEqual(len(response.context["file"].gaps), gaps.count())
            for gap in gaps:
                self.assertContains(response, gap.message)
                self.assertContains(response, gap.citation)

    def test_fix_links_are_offered_only_to_those_who_may_manage(self):
        new_appointment = reverse("safety:appointment-new")
        manager = self.web(self.owner).get(reverse("safety:file"))
        self.assertContains(manager, f'href="{new_appointment}?role=principal"')
        self.assertTrue(all(row.fix_url for row in manager.context["file"].gaps if row.gap.kind == GapKind.APPOINTMENT))
        for user in (self.member, self.county_inspector):
            response = self.web(user).get(self.file_url())
            self.assertEqual(response.status_code, 200)
            self.assertNotContains(response, new_appointment)
            self.assertFalse(any(row.fix_url for row in response.context["file"].gaps))

    def test_fix_targets_follow_the_gap_keys(self):
        cases = {
            ("staffing", "staffing:body"): ("safety:profile", {}),
            ("appointment", "appointment:safety_director:3000"): (
                "safety:appointment-new",
                {"role": "safety_director", "equipment_categories": "3000"},
            ),
            ("document", "document:operating_procedures:5000"): (
                "safety:document-upload",
                {"kind": "operating_procedures", "equipment_category": "5000"},
            ),
            ("document", "document:management_rules:unit"): (
                "safety:document-upload",
                {"kind": "management_rules", "equipment_category": ""},
            ),
            ("operator", "operator:12:forklift"): ("safety:operator-assign", {"equipment": "12"}),
            ("drill", "drill:3000"): ("safety:drill-new", {"equipment_category": "3000"}),
            ("emergency_plan", "emergency_plan_review:3000"): (
                "safety:emergency-plan-new",
                {"equipment_category": "3000"},
            ),
            ("training", "training:none"): ("safety:training-new", {}),
            ("licence", "licence:filling"): ("safety:licence-new", {"kind": "filling"}),
        }
        from ..views_file import fix_target

        for (kind, key), expected in cases.items():
            self.assertEqual(fix_target(kind, key), expected, key)

    def test_regulators_over_the_unit_read_its_file(self):
        for user in (self.county_inspector, self.county_admin, self.city_inspector, self.province_leader):
            response = self.web(user).get(self.file_url())
            self.assertEqual(response.status_code, 200, user.username)
            self.assertContains(response, self.unit_a.name)
            self.assertContains(response, self.unit_a.uscc)

    def test_anyone_else_gets_not_found(self):
        outsiders = [
            self.other_unit_user,
            self.unit_b_user,
            self.sibling_inspector,
            self.other_city_inspector,
            self.agency_user,
            self.system_admin,
        ]
        for user in outsiders:
            for url in (self.file_url(), self.export_url()):
                self.assertEqual(self.web(user).get(url).status_code, 404, f"{user.username} {url}")

    def test_organizations_that_own_no_equipment_have_no_file(self):
        for pk in (self.county.pk, self.agency.pk, 999999):
            response = self.web(self.county_inspector).get(reverse("safety:unit-file", args=[pk]))
            self.assertEqual(response.status_code, 404)

    def test_own_file_page_sends_a_regulator_to_the_gaps_and_refuses_others(self):
        response = self.web(self.county_inspector).get(reverse("safety:file"))
        self.assertRedirects(response, reverse("safety:gaps"))
        self.assertEqual(self.web(self.agency_user).get(reverse("safety:file")).status_code, 404)

    def test_sections_show_the_units_data(self):
        self.appoint(self.principal, AppointmentRole.PRINCIPAL)
        self.appoint(self.owner, equipment_categories=["3000"], full_time=True)
        item = CertificateItem.objects.get(code="N1")
        certificate = OperatorCertificate.objects.create(
            organization=self.unit_a,
            region_id=self.unit_a.region_id,
            holder_name="叉车司机甲",
            holder=self.member,
            id_number="140525199001011234",
            item=item,
            cert_no="N1-0001",
            issued_on=date(2024, 1, 1),
            expires_on=date(2028, 1, 1),
        )
        services.do_assign_operator(
            actor=self.owner, equipment=self.forklift, certificate=certificate, assigned_on=date(2025, 2, 1)
        )
        response = self.web(self.owner).get(reverse("safety:file"))
        unit_file = response.context["file"]
        by_code = {row.code: row for row in unit_file.equipment}
        self.assertEqual((by_code["3000"].in_use, by_code["5000"].in_use), (1, 1))
        self.assertEqual(unit_file.equipment_total.registered, 1)
        groups = {group.role: group.appointments for group in unit_file.appointment_groups}
        self.assertEqual([a.person for a in groups[AppointmentRole.PRINCIPAL]], [self.principal])
        self.assertEqual([a.person for a in groups[AppointmentRole.SAFETY_OFFICER]], [self.owner])
        self.assertEqual([a.certificate for a in unit_file.assignments], [certificate])
        self.assertContains(response, "叉车司机甲")
        self.assertNotContains(response, "140525199001011234")
        documents = {(row.code, row.category) for row in unit_file.documents}
        self.assertIn(("management_rules", ""), documents)
        self.assertIn(("operating_procedures", "3000"), documents)
        self.assertIn(("operating_procedures", "5000"), documents)
        self.assertTrue(all(row.state == "missing" for row in unit_file.documents))

    def fill_the_file(self, suffix: str = "1"):
        """One row of every section, through the services."""
        from shuangfang.core.attachments import do_upload_attachment

        today = timezone.localdate()
        letter = do_upload_attachment(actor=self.owner, uploaded=png(f"rules{suffix}.png"))
        services.do_upload_document(
            actor=self.owner,
            organization=self.unit_a,
            kind="management_rules",
            title=f"特种设备安全管理制度{suffix}",
            effective_on=today - timedelta(days=30),
            attachment=letter,
        )
        services.do_record_training(
            actor=self.owner,
            organization=self.unit_a,
            topic=f"电梯安全培训{suffix}",
            held_on=today - timedelta(days=10),
            hours="2.5",
            trainer="讲师",
            attendees=[self.owner, self.member],
        )
        plan = services.do_record_emergency_plan(
            actor=self.owner,
            organization=self.unit_a,
            title=f"电梯困人应急预案{suffix}",
            approved_on=today - timedelta(days=100),
            kind="special",
            equipment_category="3000",
        )
        services.do_record_drill(
            actor=self.owner,
            organization=self.unit_a,
            held_on=today - timedelta(days=5),
            scenario=f"电梯困人救援演练{suffix}",
            plan=plan,
            participant_count=6,
        )
        source = services.do_create_hazard_source(
            actor=self.owner, organization=self.unit_a, name=f"液氨储罐区{suffix}", grade="3"
        )
        services.do_add_monitoring_point(actor=self.owner, source=source, name="储罐压力", quantity="压力", high=1)
        person = make_user(f"officer{suffix}", self.unit_a, "operator")
        self.appoint(person, equipment_categories=["3000"])

    def test_every_section_shows_its_rows(self):
        self.fill_the_file()
        response = self.web(self.county_inspector).get(self.file_url())
        for text in ("特种设备安全管理制度1", "电梯安全培训1", "电梯困人应急预案1", "电梯困人救援演练1", "液氨储罐区1"):
            self.assertContains(response, text)
        training = response.context["file"].training
        self.assertEqual((training["session_total"], training["people"], str(training["hours"])), (1, 2, "2.5"))
        documents = {row.code: row for row in response.context["file"].documents if not row.category}
        self.assertEqual(documents["management_rules"].state, "ok")
        self.assertEqual(documents["management_rules"].current.version_no, 1)

    def test_the_number_of_queries_does_not_grow_with_the_rows(self):
        self.fill_the_file("1")
        client = self.web(self.county_inspector)
        with CaptureQueriesContext(connection) as few:
            client.get(self.file_url())
        self.fill_the_file("2")
        self.fill_the_file("3")
        with CaptureQueriesContext(connection) as more:
            response = client.get(self.file_url())
        self.assertContains(response, "液氨储罐区3")
        self.assertEqual(len(more), len(few))

    def test_a_unit_without_open_gaps_says_so_and_the_page_writes_nothing(self):
        unit = self.unit_c
        ComplianceGap.objects.filter(organization=unit).delete()
        response = self.web(self.other_unit_user).get(reverse("safety:file"))
        self.assertContains(response, "没有未消除的合规缺项")
        self.assertFalse(ComplianceGap.objects.filter(organization=unit).exists())


class ExportTests(FilePagesTestCase):
    def test_the_export_is_an_xlsx_with_a_sheet_per_section(self):
        self.appoint(note='=HYPERLINK("http://example.invalid")')
        response = self.web(self.owner).get(self.export_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertIn(".xlsx", response["Content-Disposition"])
        book = workbook(response)
        self.assertEqual(book.sheetnames, FILE_SHEETS)
        gaps = sheet_text(book["合规缺项"])
        for gap in ComplianceGap.objects.filter(organization=self.unit_a, closed_at__isnull=True):
            self.assertIn(gap.message, gaps)
        overview = sheet_text(book["概况"])
        self.assertIn(self.unit_a.name, overview)
        self.assertIn(self.unit_a.uscc, overview)
        people = sheet_text(book["人员任命"])
        # Text a spreadsheet would run as a formula is written as text.
        self.assertIn('\'=HYPERLINK("http://example.invalid")', people)

    def test_regulators_in_jurisdiction_export_and_others_do_not(self):
        self.assertEqual(self.web(self.county_inspector).get(self.export_url()).status_code, 200)
        self.assertEqual(self.web(self.city_inspector).get(self.export_url(self.unit_b)).status_code, 200)
        self.assertEqual(self.web(self.sibling_inspector).get(self.export_url()).status_code, 404)
        self.assertEqual(self.web(self.other_unit_user).get(self.export_url()).status_code, 404)


class ProfileTests(FilePagesTestCase):
    url = reverse("safety:profile")

    def post(self, user=None, **data):
        values = {
            "body_name": "",
            "body_established_on": "",
            "industrial_piping_km": "0",
            "version": "1",
        }
        values.update(data)
        return self.web(user or self.owner).post(self.url, values)

    def test_managers_open_it_others_of_the_unit_may_not_and_regulators_have_none(self):
        self.assertEqual(self.web(self.owner).get(self.url).status_code, 200)
        self.assertEqual(self.web(self.unit_admin).get(self.url).status_code, 200)
        self.assertEqual(self.web(self.member).get(self.url).status_code, 403)
        self.assertEqual(self.post(self.member, body_name="安全部").status_code, 403)
        self.assertEqual(self.web(self.county_inspector).get(self.url).status_code, 404)
        self.assertFalse(SafetyProfile.objects.exists())

    def test_saving_the_body_with_its_document(self):
        response = self.web(self.owner).post(
            self.url,
            {
                "body_name": "特种设备安全管理部",
                "body_established_on": "2024-03-01",
                "body_document": png(),
                "power_station_boiler": "on",
                "industrial_piping_km": "12.5",
                "version": "1",
            },
        )
        self.assertRedirects(response, reverse("safety:file"))
        profile = SafetyProfile.objects.get(organization=self.unit_a)
        self.assertEqual(profile.body_name, "特种设备安全管理部")
        self.assertTrue(profile.power_station_boiler)
        self.assertEqual(str(profile.industrial_piping_km), "12.50")
        self.assertEqual(profile.body_document.organization, self.unit_a)
        # Editing it again keeps the document when none is chosen.
        response = self.post(body_name="安全环保部", body_established_on="2024-03-01", version=str(profile.version))
        self.assertRedirects(response, reverse("safety:file"))
        profile.refresh_from_db()
        self.assertEqual((profile.body_name, profile.version), ("安全环保部", 2))
        self.assertIsNotNone(profile.body_document_id)

    def test_a_body_without_its_date_is_refused(self):
        response = self.post(body_name="安全部")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "请填写机构设立日期。", status_code=400)
        self.assertFalse(SafetyProfile.objects.exists())

    def test_a_negative_piping_length_is_refused(self):
        response = self.post(industrial_piping_km="-1")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(SafetyProfile.objects.exists())

    def test_a_stale_version_is_a_conflict(self):
        services.do_save_profile(
            actor=self.owner,
            organization=self.unit_a,
            changes={"body_name": "甲", "body_established_on": date(2024, 1, 1)},
            version=1,
        )
        services.do_save_profile(actor=self.owner, organization=self.unit_a, changes={"body_name": "乙"}, version=1)
        response = self.post(body_name="丙", body_established_on="2024-01-01", version="1")
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "数据已被他人修改", status_code=409)
        self.assertEqual(SafetyProfile.objects.get(organization=self.unit_a).body_name, "乙")

    def test_a_document_that_is_no_pdf_or_photo_is_refused_and_nothing_is_kept(self):
        response = self.web(self.owner).post(
            self.url,
            {
                "body_name": "安全部",
                "body_established_on": "2024-03-01",
                "body_document": SimpleUploadedFile("rules.txt", b"plain text", content_type="text/plain"),
                "industrial_piping_km": "0",
                "version": "1",
            },
        )
        self.assertContains(response, "只接受 JPEG、PNG 图片或 PDF 文件。", status_code=400)
        self.assertFalse(SafetyProfile.objects.exists())
        self.assertFalse(Attachment.objects.exists())


class LicencePageTests(FilePagesTestCase):
    url = reverse("safety:licence-new")

    def post(self, user=None, **data):
        values = {
            "kind": LicenceKind.FILLING,
            "number": "TS4214052-2024",
            "issued_by": "晋城市市场监督管理局",
            "issued_on": "2024-03-01",
            "expires_on": "2099-02-28",
            "scope": "液化石油气（LPG）钢瓶",
        }
        values.update(data)
        return self.web(user or self.owner).post(self.url, values)

    def test_managers_open_it_others_of_the_unit_may_not_and_outsiders_find_none(self):
        self.assertEqual(self.web(self.owner).get(self.url).status_code, 200)
        self.assertEqual(self.web(self.unit_admin).get(self.url).status_code, 200)
        self.assertEqual(self.web(self.member).get(self.url).status_code, 403)
        self.assertEqual(self.post(self.member).status_code, 403)
        for user in (self.county_inspector, self.sibling_inspector, self.agency_user, self.system_admin):
            self.assertEqual(self.web(user).get(self.url).status_code, 404, user.username)
            self.assertEqual(self.post(user).status_code, 404, user.username)
        self.assertFalse(UnitLicence.objects.exists())

    def test_recording_a_licence_with_its_document_shows_it_in_the_file_and_the_export(self):
        response = self.web(self.owner).post(
            self.url,
            {
                "kind": LicenceKind.FILLING,
                "number": "TS4214052-2024",
                "issued_by": "晋城市市场监督管理局",
                "issued_on": "2024-03-01",
                "expires_on": "2099-02-28",
                "scope": "液化石油气（LPG）钢瓶",
                "attachment": png("licence.png"),
            },
        )
        self.assertRedirects(response, reverse("safety:file") + "#facts")
        licence = UnitLicence.objects.get(organization=self.unit_a)
        self.assertEqual((licence.number, licence.is_current), ("TS4214052-2024", True))
        self.assertEqual((licence.attachment.organization, licence.recorded_by), (self.unit_a, self.owner))
        page = self.web(self.county_inspector).get(self.file_url())
        self.assertEqual([row.pk for row in page.context["file"].licences], [licence.pk])
        for text in ("移动式压力容器/气瓶充装许可证", "TS4214052-2024", "晋城市市场监督管理局", "2099-02-28"):
            self.assertContains(page, text)
        self.assertContains(page, reverse("attachment-download", args=[licence.attachment_id]))
        # A regulator reads it and is offered no form.
        self.assertNotContains(page, self.url)
        self.assertContains(self.web(self.owner).get(reverse("safety:file")), self.url)
        overview = sheet_text(workbook(self.web(self.county_inspector).get(self.export_url()))["概况"])
        self.assertIn("TS4214052-2024", overview)
        self.assertIn("液化石油气（LPG）钢瓶", overview)
        # Outsiders do not read the file that shows it.
        for user in (self.other_unit_user, self.sibling_inspector):
            self.assertEqual(self.web(user).get(self.file_url()).status_code, 404)

    def test_the_renewed_licence_replaces_the_current_one_and_an_expired_one_says_so(self):
        old = services.do_record_licence(
            actor=self.owner,
            organization=self.unit_a,
            kind=LicenceKind.FILLING,
            number="TS-OLD",
            issued_on=date(2020, 1, 1),
            expires_on=date(2024, 1, 1),
        )
        page = self.web(self.owner).get(reverse("safety:file"))
        (shown,) = page.context["file"].licences
        self.assertEqual((shown.number, shown.state_label, shown.state_color), ("TS-OLD", "已过期", "red"))
        self.assertContains(page, '<span class="badge badge-red">已过期</span>', html=True)
        self.assertRedirects(self.post(), reverse("safety:file") + "#facts")
        old.refresh_from_db()
        self.assertFalse(old.is_current)
        page = self.web(self.owner).get(reverse("safety:file"))
        self.assertEqual([row.number for row in page.context["file"].licences], ["TS4214052-2024"])
        self.assertNotContains(page, "TS-OLD")

    def test_the_form_is_filled_in_from_a_gap_link(self):
        response = self.web(self.owner).get(f"{self.url}?kind=filling")
        self.assertEqual(response.context["form"].initial["kind"], "filling")
        self.assertEqual(self.web(self.owner).get(f"{self.url}?kind=nope").context["form"].initial, {})

    def test_refusals_name_the_problem_and_change_nothing(self):
        cases = [
            ({"number": ""}, "请填写许可证编号。"),
            ({"kind": ""}, "请选择许可类型。"),
            ({"kind": "business"}, "请选择许可类型。"),
            ({"issued_on": ""}, "请填写发证日期。"),
            ({"expires_on": "2024-03-01"}, "有效期截止日期应晚于发证日期。"),
            ({"issued_on": "2099-01-01"}, "发证日期不能晚于今天"),
            ({"expires_on": "2024-13-01"}, "有效期截止日期格式应为 年-月-日。"),
        ]
        for data, message in cases:
            response = self.post(attachment=png(), **data)
            self.assertContains(response, message, status_code=400, msg_prefix=str(data))
        self.assertFalse(UnitLicence.objects.exists())
        # A refused licence leaves no uploaded document behind.
        self.assertFalse(Attachment.objects.exists())

    def test_a_filling_station_without_a_licence_is_sent_to_the_form_from_its_panel(self):
        station = make_organization("丁气体充装站", "filling_station", self.ZEZHOU, seed=4)
        manager = make_user("station_manager", station, "safety_officer")
        compliance.refresh_unit(station)
        response = self.web(manager).get(reverse("safety:file"))
        rows = response.context["file"].gaps
        self.assertEqual([row.gap.kind for row in rows], [GapKind.STAFFING, GapKind.LICENCE])
        self.assertEqual(rows[1].fix_url, f"{self.url}?kind=filling")
        self.assertContains(response, "缺少有效的充装许可证。")
        self.assertContains(response, "《特种设备安全法》第四十九条")
        self.assertContains(response, f'href="{self.url}?kind=filling"')
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.post(manager).status_code, 302)
        self.assertFalse(
            ComplianceGap.objects.filter(organization=station, kind=GapKind.LICENCE, closed_at__isnull=True).exists()
        )


class AppointmentPageTests(FilePagesTestCase):
    list_url = reverse("safety:appointments")
    new_url = reverse("safety:appointment-new")

    def post_new(self, user=None, **data):
        values = {"person": str(self.owner.pk), "role": AppointmentRole.SAFETY_OFFICER, "starts_on": "2025-03-01"}
        values.update(data)
        return self.web(user or self.owner).post(self.new_url, values)

    def test_the_unit_reads_the_list_and_only_managers_write(self):
        self.appoint()
        manager = self.web(self.owner).get(self.list_url)
        self.assertEqual(manager.status_code, 200)
        self.assertContains(manager, self.new_url)
        reader = self.web(self.member).get(self.list_url)
        self.assertEqual(reader.status_code, 200)
        self.assertContains(reader, self.owner.display_name)
        self.assertNotContains(reader, self.new_url)
        self.assertEqual(self.web(self.member).get(self.new_url).status_code, 403)
        self.assertEqual(self.post_new(self.member).status_code, 403)
        for user in (self.county_inspector, self.agency_user):
            self.assertEqual(self.web(user).get(self.list_url).status_code, 404)
            self.assertEqual(self.web(user).get(self.new_url).status_code, 404)
        self.assertEqual(Appointment.objects.count(), 1)

    def test_the_form_is_filled_in_from_a_gap_link(self):
        response = self.web(self.owner).get(f"{self.new_url}?role=safety_director&equipment_categories=3000")
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(form.initial["role"], "safety_director")
        self.assertEqual(form.initial["equipment_categories"], ["3000"])
        self.assertEqual(form["equipment_categories"].value(), ["3000"])
        self.assertContains(response, "电梯")

    def test_appointing_with_the_document_closes_nothing_on_get_and_records_the_appointment(self):
        response = self.web(self.owner).post(
            self.new_url,
            {
                "person": str(self.member.pk),
                "role": AppointmentRole.SAFETY_DIRECTOR,
                "equipment_categories": ["3000", "5000"],
                "full_time": "on",
                "starts_on": "2025-03-01",
                "document": png("appointment.png"),
                "note": "总经理办公会决定",
            },
        )
        self.assertRedirects(response, self.list_url)
        appointment = Appointment.objects.get(person=self.member)
        self.assertEqual(appointment.equipment_categories, ["3000", "5000"])
        self.assertTrue(appointment.full_time)
        self.assertEqual(appointment.document.organization, self.unit_a)
        listing = self.web(self.owner).get(self.list_url)
        self.assertContains(listing, reverse("attachment-download", args=[appointment.document_id]))

    def test_refusals_name_the_problem_and_change_nothing(self):
        inactive = make_user("left_the_unit", self.unit_a, "operator")
        inactive.is_active = False
        inactive.save()
        self.appoint(self.principal, AppointmentRole.PRINCIPAL)
        cases = [
            ({"person": str(inactive.pk)}, "不是本单位在职人员"),
            ({"person": str(self.other_unit_user.pk)}, "所选人员不存在。"),
            ({"person": ""}, "请选择人员。"),
            ({"role": ""}, "请选择岗位。"),
            ({"role": "boss"}, "岗位只能是"),
            ({"starts_on": ""}, "请填写任职日期。"),
            ({"equipment_categories": ["7000"]}, "设备种类应为目录种类代码"),
            (
                {"role": AppointmentRole.SAFETY_MANAGER, "equipment_categories": ["3000"]},
                "主要负责人和安全管理负责人对全单位负责，不分设备种类。",
            ),
            ({"person": str(self.unit_admin.pk), "role": AppointmentRole.PRINCIPAL}, "已由 principal 担任"),
        ]
        for data, message in cases:
            before = Appointment.objects.count()
            response = self.web(self.owner).post(
                self.new_url,
                {
                    "person": str(self.owner.pk),
                    "role": AppointmentRole.SAFETY_OFFICER,
                    "starts_on": "2025-03-01",
                    "document": png(),
                    **data,
                },
            )
            self.assertContains(response, message, status_code=400, msg_prefix=str(data))
            self.assertEqual(Appointment.objects.count(), before, data)
        # A refused appointment leaves no uploaded document behind.
        self.assertFalse(Attachment.objects.exists())


class AppointmentEndTests(FilePagesTestCase):
    def setUp(self):
        self.appointment = self.appoint(starts_on=date(2025, 1, 10))
        self.url = reverse("safety:appointment-end", args=[self.appointment.pk])

    def post(self, user=None, **data):
        values = {
            "ends_on": timezone.localdate().isoformat(),
            "reason": "调岗",
            "version": str(self.appointment.version),
        }
        values.update(data)
        return self.web(user or self.owner).post(self.url, values)

    def assertUnchanged(self):
        self.appointment.refresh_from_db()
        self.assertIsNone(self.appointment.ends_on)
        self.assertEqual(self.appointment.version, 1)

    def test_outside_the_scope_it_does_not_exist(self):
        for user in (self.other_unit_user, self.unit_b_user, self.sibling_inspector, self.other_city_inspector):
            self.assertEqual(self.web(user).get(self.url).status_code, 404, user.username)
            self.assertEqual(self.post(user).status_code, 404, user.username)
        self.assertUnchanged()

    def test_those_who_see_it_but_may_not_end_it_are_refused(self):
        for user in (self.member, self.county_inspector):
            self.assertEqual(self.web(user).get(self.url).status_code, 403, user.username)
            self.assertEqual(self.post(user).status_code, 403, user.username)
        self.assertUnchanged()

    def test_ending_keeps_the_appointment_as_history(self):
        self.assertEqual(self.web(self.owner).get(self.url).status_code, 200)
        yesterday = timezone.localdate() - timedelta(days=1)
        response = self.post(ends_on=yesterday.isoformat(), reason="调离安全岗位")
        self.assertRedirects(response, reverse("safety:appointments"))
        self.appointment.refresh_from_db()
        self.assertEqual((self.appointment.ends_on, self.appointment.end_reason), (yesterday, "调离安全岗位"))
        listing = self.web(self.member).get(reverse("safety:appointments"))
        self.assertEqual(listing.context["history"], [self.appointment])
        self.assertContains(listing, "调离安全岗位")

    def test_refusals_name_the_problem_and_change_nothing(self):
        cases = [
            ({"reason": ""}, "请填写免职原因。", 400),
            ({"ends_on": "2025-01-01"}, "免职日期不能早于任职日期", 400),
            ({"ends_on": ""}, "请填写免职日期。", 400),
            ({"version": "7"}, "数据已被他人修改", 409),
        ]
        for data, message, status in cases:
            response = self.post(**data)
            self.assertContains(response, message, status_code=status, msg_prefix=str(data))
            self.assertUnchanged()


class GapsPageTests(FilePagesTestCase):
    url = reverse("safety:gaps")

    def expected(self, prefix: str) -> dict[str, int]:
        open_gaps = ComplianceGap.objects.filter(closed_at__isnull=True, region__code__startswith=prefix)
        return {kind: open_gaps.filter(kind=kind).count() for kind in GapKind.values}

    def counts(self, response) -> dict[str, int]:
        labels = dict(GapKind.choices)
        by_label = {figure.label: figure.value for figure in response.context["figures"]}
        return {kind: by_label[str(labels[kind])] for kind in GapKind.values}

    def test_counts_equal_the_open_gaps_in_scope(self):
        for user, prefix in (
            (self.county_inspector, self.ZEZHOU),
            (self.sibling_inspector, self.YANGCHENG),
            (self.city_inspector, "1405"),
            (self.province_leader, "14"),
        ):
            response = self.web(user).get(self.url)
            self.assertEqual(response.status_code, 200, user.username)
            expected = self.expected(prefix)
            self.assertEqual(self.counts(response), expected, user.username)
            self.assertEqual(response.context["page"].paginator.count, sum(expected.values()))
        self.assertEqual(sum(self.expected("").values()), sum(self.expected("1405").values()))
        zezhou = self.web(self.county_inspector).get(self.url)
        self.assertContains(zezhou, self.file_url(self.unit_a))
        self.assertNotContains(zezhou, self.file_url(self.unit_b))

    def test_closed_gaps_are_not_counted(self):
        gap = ComplianceGap.objects.filter(organization=self.unit_a, closed_at__isnull=True).first()
        gap.closed_at = timezone.now()
        gap.save()
        response = self.web(self.county_inspector).get(self.url)
        self.assertEqual(self.counts(response), self.expected(self.ZEZHOU))

    def test_filters_by_kind_region_and_name(self):
        response = self.web(self.city_inspector).get(self.url, {"kind": GapKind.APPOINTMENT})
        rows = response.context["page"].object_list
        self.assertTrue(rows)
        self.assertTrue(all(gap.kind == GapKind.APPOINTMENT for gap in rows))
        self.assertEqual(response.context["page"].paginator.count, self.expected("1405")[GapKind.APPOINTMENT])

        response = self.web(self.city_inspector).get(self.url, {"region": self.YANGCHENG})
        self.assertEqual(self.counts(response), self.expected(self.YANGCHENG))
        self.assertEqual({gap.organization_id for gap in response.context["page"].object_list}, {self.unit_b.pk})

        response = self.web(self.county_inspector).get(self.url, {"q": "丙"})
        self.assertEqual({gap.organization_id for gap in response.context["page"].object_list}, {self.unit_c.pk})

    def test_a_region_outside_the_jurisdiction_is_refused(self):
        response = self.web(self.city_inspector).get(self.url, {"region": self.XIAODIAN})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "该地区不在您的辖区内。")
        self.assertEqual(response.context["page"].paginator.count, 0)

    def test_the_cards_link_to_their_kind(self):
        response = self.web(self.county_inspector).get(self.url)
        for figure in response.context["figures"]:
            self.assertIn("kind=", figure.url)
        self.assertContains(response, f'{self.url}?kind={GapKind.APPOINTMENT}"')

    def test_units_are_sent_to_their_file_and_others_get_not_found(self):
        self.assertRedirects(self.web(self.owner).get(self.url), reverse("safety:file"))
        self.assertEqual(self.web(self.agency_user).get(self.url).status_code, 404)
        self.assertEqual(self.web(self.system_admin).get(self.url).status_code, 404)

    def test_the_regulators_home_counts_gaps_by_kind(self):
        response = self.web(self.county_inspector).get(reverse("home"))
        self.assertEqual(response.status_code, 200)
        figures = {figure.label: figure.value for figure in response.context["gap_figures"]}
        labels = dict(GapKind.choices)
        self.assertEqual({kind: figures[str(labels[kind])] for kind in GapKind.values}, self.expected(self.ZEZHOU))
        self.assertContains(response, f"{self.url}?kind={GapKind.APPOINTMENT}")
