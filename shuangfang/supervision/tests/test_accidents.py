"""Accidents: recorded by a regulator of the unit's jurisdiction, with every bad input refused in Chinese and nothing
changed; the equipment's risks flagged; the reverse-tracing report read from a scripted history; pages, export and
API scoped (a unit reads its own accidents and their report; a sibling county or another unit gets 404)."""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from python_calamine import CalamineWorkbook

from shuangfang.core.models import Attachment, Event
from shuangfang.core.services import PermissionDenied
from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment.models import OperatorCertificate, PeriodicInspection
from shuangfang.hazards import services as hazard_services
from shuangfang.hazards.models import CheckResult, InvestigationTask
from shuangfang.notifications.models import Notification
from shuangfang.risks.models import Risk
from shuangfang.risks.services import do_create_risk, do_update_risk
from shuangfang.safety import services as safety_services
from shuangfang.supervision import tracing
from shuangfang.supervision.models import Accident
from shuangfang.supervision.services_accidents import do_record_accident

TZ = timezone.get_default_timezone()
OCCURRED = datetime(2026, 3, 1, 10, 30, tzinfo=TZ)


def at(day: date, hour: int = 9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def travel(moment):
    return time_machine.travel(moment, tick=False)


RISK = {
    "title": "钢丝绳断丝",
    "hazard_source": "曳引钢丝绳断丝、磨损超标",
    "accident_type": "04",
    "method": "ls",
    "factors": {"L": 2, "S": 3},
    "control_level": "post",
    "measures": [{"kind": "management", "text": "每日检查钢丝绳", "check": True}],
}


def attachment(organization, user) -> Attachment:
    return Attachment.objects.create(
        organization=organization,
        region_id=organization.region_id,
        file="attachments/evidence.png",
        sha256="1" * 64,
        content_type="image/png",
        size=1,
        uploaded_by=user,
    )


class AccidentTestCase(CastTestCase):
    def record(self, actor=None, **extra):
        values = {
            "organization": self.unit_a,
            "equipment": self.equipment_a,
            "occurred_at": OCCURRED,
            "accident_type": "04",
            "severity": "general",
            "description": "吊装时钢丝绳断裂，重物坠落",
            "deaths": 0,
            "serious_injuries": 1,
            "minor_injuries": 2,
            "direct_loss": "12.5",
        }
        values.update(extra)
        with travel(at(date(2026, 3, 2))):
            return do_record_accident(actor=actor or self.county_inspector, **values)


class RecordAccidentTests(AccidentTestCase):
    def test_recording_flags_the_risks_records_an_event_and_notifies_the_principal(self):
        with travel(at(date(2025, 6, 1))):
            risk = do_create_risk(actor=self.owner, equipment=self.equipment_a, data=RISK)
        accident = self.record()
        self.assertEqual(
            (accident.organization, accident.region_id, accident.equipment, accident.direct_loss),
            (self.unit_a, "140525", self.equipment_a, Decimal("12.50")),
        )
        self.assertEqual(
            (accident.recorded_by, accident.recorded_by_organization), (self.county_inspector, self.county)
        )
        risk.refresh_from_db()
        self.assertTrue(risk.needs_reassessment)
        self.assertIn("起重伤害", risk.reassessment_reason)
        event = Event.objects.get(type="accident.recorded")
        self.assertEqual((event.object_id, event.data["risks_flagged"]), (str(accident.pk), 1))
        note = Notification.objects.get(kind="accident.recorded")
        self.assertEqual((note.user, note.link), (self.principal, f"/supervision/accidents/{accident.pk}/"))

    def test_bad_input_is_refused_with_a_specific_message_and_nothing_changes(self):
        with travel(at(date(2025, 6, 1))):
            risk = do_create_risk(actor=self.owner, equipment=self.equipment_a, data=RISK)
        cases = [
            ({"equipment": self.equipment_c}, "equipment", "该设备不属于所选单位。"),
            ({"occurred_at": at(date(2026, 3, 3))}, "occurred_at", "事故发生时间不能晚于现在。"),
            ({"accident_type": "99"}, "accident_type", "GB 6441"),
            ({"accident_type": "起重伤害"}, "accident_type", "GB 6441"),
            ({"severity": "huge"}, "severity", "一般事故、较大事故、重大事故、特别重大事故"),
            ({"deaths": -1}, "deaths", "死亡人数不能为负数。"),
            ({"serious_injuries": "x"}, "serious_injuries", "重伤人数须为整数。"),
            ({"minor_injuries": 1.5}, "minor_injuries", "轻伤人数须为整数。"),
            ({"direct_loss": "-3"}, "direct_loss", "直接经济损失不能为负数。"),
            ({"description": "  "}, "description", "请填写事故经过。"),
            ({"organization": self.county, "equipment": None}, "organization", "特种设备使用单位"),
        ]
        for extra, field, message in cases:
            with self.subTest(field=field, extra=extra), self.assertRaises(ValidationError) as refused:
                self.record(**extra)
            self.assertIn(field, refused.exception.message_dict)
            self.assertIn(message, refused.exception.message_dict[field][0])
        self.assertFalse(Accident.objects.exists())
        self.assertFalse(Event.objects.filter(type="accident.recorded").exists())
        risk.refresh_from_db()
        self.assertFalse(risk.needs_reassessment)

    def test_only_a_regulator_of_the_jurisdiction_with_a_supervising_role_records(self):
        for user in (self.owner, self.principal, self.agency_user, self.province_leader, self.system_admin):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                self.record(actor=user)
        for user in (self.sibling_inspector, self.other_city_inspector):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied) as refused:
                self.record(actor=user)
            self.assertIn("辖区", refused.exception.message)
        self.assertFalse(Accident.objects.exists())
        # A city inspector and a county administrator cover Zezhou.
        self.assertTrue(self.record(actor=self.city_inspector).pk)
        self.assertTrue(self.record(actor=self.county_admin, equipment=None).pk)


class TracingReportTests(AccidentTestCase):
    """A scripted year of unit A's records around equipment A, then the accident on 2026-03-01."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Another equipment's records must stay out of the report.
        cls.other_equipment = make_equipment(cls.unit_a, "31101401012020A0002")
        with travel(at(date(2025, 1, 5))):
            cls.principal_appointment = safety_services.do_appoint(
                actor=cls.owner,
                organization=cls.unit_a,
                person=cls.principal,
                role="principal",
                starts_on=date(2025, 1, 1),
            )
        with travel(at(date(2025, 5, 10))):
            cls.risk = do_create_risk(actor=cls.owner, equipment=cls.equipment_a, data={**RISK, "owner": cls.owner})
            do_create_risk(actor=cls.owner, equipment=cls.other_equipment, data={**RISK, "title": "别的设备"})
        with travel(at(date(2025, 9, 15))):
            cls.risk = do_update_risk(
                actor=cls.owner,
                risk=cls.risk,
                changes={"factors": {"L": 3, "S": 4}, "control_level": "workshop"},
                expected_version=cls.risk.version,
                reason="钢丝绳磨损加快",
            )
        # Daily checks of equipment A in February: 3 done on time, 1 done late, 2 missed; one check found a fault.
        for number, (status, completed) in enumerate(
            [
                ("done", date(2026, 2, 2)),
                ("done", date(2026, 2, 3)),
                ("done", date(2026, 2, 4)),
                ("done", date(2026, 2, 9)),
                ("overdue", None),
                ("overdue", None),
            ]
        ):
            day = date(2026, 2, 2 + number)
            task = InvestigationTask.objects.create(
                organization=cls.unit_a,
                region_id="140525",
                kind="daily",
                title=f"日管控 {day}",
                equipment=cls.equipment_a,
                period_start=day,
                due_on=day,
                assignee_role="operator",
                assignee=cls.member,
                status=status,
                completed_at=at(completed, 18) if completed else None,
                completed_by=cls.member if completed else None,
            )
            if number == 0:
                CheckResult.objects.create(
                    task=task,
                    equipment=cls.equipment_a,
                    item_source="risk",
                    item_code="r1",
                    text="钢丝绳无断丝",
                    outcome="not_ok",
                    note="发现断丝 2 根",
                    checked_by=cls.member,
                    checked_at=at(day, 10),
                )
        # Another equipment's task and a task after the accident are not counted.
        InvestigationTask.objects.create(
            organization=cls.unit_a,
            region_id="140525",
            kind="daily",
            title="别的设备",
            equipment=cls.other_equipment,
            period_start=date(2026, 2, 2),
            due_on=date(2026, 2, 2),
            assignee_role="operator",
            status="overdue",
        )
        InvestigationTask.objects.create(
            organization=cls.unit_a,
            region_id="140525",
            kind="daily",
            title="事故之后",
            equipment=cls.equipment_a,
            period_start=date(2026, 3, 5),
            due_on=date(2026, 3, 5),
            assignee_role="operator",
        )
        # A weekly sweep of the unit, done.
        InvestigationTask.objects.create(
            organization=cls.unit_a,
            region_id="140525",
            kind="weekly",
            title="周排查 2026-W06",
            period_start=date(2026, 2, 2),
            due_on=date(2026, 2, 8),
            assignee_role="safety_officer",
            assignee=cls.owner,
            status="done",
            completed_at=at(date(2026, 2, 6)),
            completed_by=cls.owner,
        )
        # A hazard found, confirmed, rectified, accepted and closed; and one still open at the accident.
        with travel(at(date(2025, 11, 3))):
            hazard = hazard_services.do_report_hazard(
                actor=cls.member, equipment=cls.equipment_a, description="钢丝绳断丝超标"
            )
            hazard = hazard_services.do_confirm_hazard(
                actor=cls.owner,
                hazard=hazard,
                data={
                    "grade": "general",
                    "handling": "deadline",
                    "deadline": date(2025, 11, 20),
                    "responsible": cls.owner,
                    "measures": "更换钢丝绳",
                    "funds": "5000 元",
                    "contingency": "停用",
                },
                expected_version=hazard.version,
            )
        with travel(at(date(2025, 11, 10))):
            hazard = hazard_services.do_submit_rectification(
                actor=cls.owner,
                hazard=hazard,
                description="已更换",
                evidence=[attachment(cls.unit_a, cls.owner)],
                expected_version=hazard.version,
            )
        with travel(at(date(2025, 11, 12))):
            cls.closed_hazard = hazard_services.do_accept_hazard(
                actor=cls.principal, hazard=hazard, passed=True, comment="合格", expected_version=hazard.version
            )
        with travel(at(date(2026, 2, 20))):
            cls.open_hazard = hazard_services.do_report_hazard(
                actor=cls.member, equipment=cls.equipment_a, description="制动器异响"
            )
        # Periodic inspection in the period; the next one was due before the accident.
        PeriodicInspection.objects.create(
            equipment=cls.equipment_a,
            organization=cls.unit_a,
            region_id="140525",
            agency=cls.agency,
            inspected_on=date(2025, 2, 10),
            conclusion="pass",
            next_due_on=date(2026, 2, 10),
            report_no="JC-2025-001",
            recorded_by=cls.agency_user,
        )
        # The operator's certificate expired before the accident.
        certificate = OperatorCertificate.objects.create(
            organization=cls.unit_a,
            region_id="140525",
            holder_name="李四",
            id_number="140525199001011234",
            item_id="Q2",
            cert_no="Q2-001",
            issued_on=date(2022, 1, 1),
            expires_on=date(2026, 1, 1),
        )
        with travel(at(date(2025, 3, 1))):
            safety_services.do_assign_operator(
                actor=cls.owner, equipment=cls.equipment_a, certificate=certificate, assigned_on=date(2025, 3, 1)
            )
        with travel(at(date(2026, 3, 2))):
            cls.accident = do_record_accident(
                actor=cls.county_inspector,
                organization=cls.unit_a,
                equipment=cls.equipment_a,
                occurred_at=OCCURRED,
                accident_type="04",
                severity="general",
                description="吊装时钢丝绳断裂",
                serious_injuries=1,
            )

    def report(self, months=12):
        with travel(at(date(2026, 3, 3))):
            return tracing.build_report(Accident.objects.get(pk=self.accident.pk), months=months)

    def test_period(self):
        report = self.report()
        self.assertEqual(report["period"], {"start": date(2025, 3, 1), "end": date(2026, 3, 1), "months": 12})
        self.assertEqual(tracing.months_before(date(2026, 3, 31), 1), date(2026, 2, 28))

    def test_risks_with_their_grading_history_and_measures(self):
        risks = self.report()["risks"]
        self.assertEqual([risk["title"] for risk in risks], ["钢丝绳断丝"])
        risk = risks[0]
        self.assertEqual((risk["level"], risk["owner"], risk["identified_on"]), ("general", "owner", date(2025, 5, 10)))
        self.assertEqual(
            [(g["assessed_on"], g["level"], g["reason"]) for g in risk["gradings"]],
            [(date(2025, 5, 10), "low", "首次评价"), (date(2025, 9, 15), "general", "钢丝绳磨损加快")],
        )
        self.assertEqual(risk["measures"], [{"kind": "management", "text": "每日检查钢丝绳", "check": True}])
        # A three-month period keeps only the grading in force.
        self.assertEqual([g["assessed_on"] for g in self.report(months=3)["risks"][0]["gradings"]], [date(2025, 9, 15)])

    def test_checks_due_done_late_and_missed(self):
        checks = self.report()["checks"]
        summary = {row["kind"]: row for row in checks["summary"]}
        self.assertEqual(
            {key: summary["daily"][key] for key in ("due", "done", "late", "missed")},
            {"due": 6, "done": 3, "late": 1, "missed": 2},
        )
        self.assertEqual(summary["daily"]["rate"], 50.0)
        self.assertEqual((summary["weekly"]["due"], summary["weekly"]["done"]), (1, 1))
        self.assertEqual((summary["monthly"]["due"], summary["monthly"]["rate"]), (0, None))
        titles = {task["title"] for task in checks["tasks"]}
        self.assertNotIn("别的设备", titles)
        self.assertNotIn("事故之后", titles)
        self.assertEqual(sum(task["missed"] for task in checks["tasks"]), 3)
        self.assertEqual([row["note"] for row in checks["failed_items"]], ["发现断丝 2 根"])

    def test_hazards_and_how_they_were_handled(self):
        hazards = self.report()["hazards"]
        self.assertEqual([h["description"] for h in hazards], ["钢丝绳断丝超标", "制动器异响"])
        closed, still_open = hazards
        self.assertEqual(
            (closed["responsible"], closed["accepted_by"], closed["open_at_accident"], closed["deadline"]),
            ("owner", "principal", False, date(2025, 11, 20)),
        )
        self.assertEqual(closed["closed_at"].date(), date(2025, 11, 12))
        types = [event["type"] for event in closed["timeline"]]
        self.assertEqual(types[0], "hazard.reported")
        self.assertEqual(types[-1], "hazard.closed")
        self.assertTrue(still_open["open_at_accident"])

    def test_inspections_operators_appointments_and_responsibility(self):
        report = self.report()
        inspections = report["inspections"]
        self.assertEqual([row["report_no"] for row in inspections["rows"]], [])  # 2025-02-10 is before the period
        self.assertEqual(
            (inspections["due_on_at_accident"], inspections["overdue_at_accident"]), (date(2026, 2, 10), True)
        )
        self.assertEqual([row["report_no"] for row in self.report(months=24)["inspections"]["rows"]], ["JC-2025-001"])
        operator = report["operators"][0]
        self.assertEqual(
            (operator["holder"], operator["on_duty_at_accident"], operator["certificate_valid_at_accident"]),
            ("李四", True, False),
        )
        self.assertEqual([(row["role"], row["person"]) for row in report["appointments"]], [("principal", "principal")])
        steps = {(row["step"], row["person"]) for row in report["responsibility"]}
        self.assertTrue(
            {("岗位任命", "principal"), ("风险管控", "owner"), ("隐患排查", "member"), ("隐患治理", "owner")} <= steps
        )

    def test_findings_name_what_the_records_show(self):
        findings = "\n".join(self.report()["findings"])
        for text in (
            "日管控（日常排查）：应查 6 次，未完成 2 次，逾期完成 1 次",
            "事故发生时有 1 项隐患未整改销号",
            "定期检验已超期（应于 2026-02-10 前检验）",
            "李四 的作业人员证已于 2026-01-01 过期",
            "没有在任的安全员任命记录",
        ):
            self.assertIn(text, findings)
        self.assertNotIn("主要负责人任命", findings)

    def test_the_risk_is_flagged(self):
        self.assertTrue(Risk.objects.get(pk=self.risk.pk).needs_reassessment)
        self.assertFalse(Risk.objects.get(title="别的设备").needs_reassessment)

    def test_api_report_and_scope(self):
        url = f"/api/v1/supervision/accidents/{self.accident.pk}/tracing/"
        for user in (self.county_inspector, self.city_inspector, self.province_leader, self.owner):
            with self.subTest(user=user.username):
                response = self.api(user).get(url, {"months": 12})
                self.assertEqual(response.status_code, 200)
                body = response.json()
                self.assertEqual(body["period"]["start"], "2025-03-01")
                self.assertEqual(body["checks"]["summary"][0]["missed"], 2)
        self.assertEqual(self.api(self.county_inspector).get(url, {"months": 0}).status_code, 400)
        for user in (
            self.sibling_inspector,
            self.other_city_inspector,
            self.other_unit_user,
            self.unit_b_user,
            self.agency_user,
        ):
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).get(url).status_code, 404)
                self.assertEqual(
                    self.api(user).get(f"/api/v1/supervision/accidents/{self.accident.pk}/").status_code, 404
                )
                self.assertEqual(self.api(user).get("/api/v1/supervision/accidents/").json()["results"], [])

    def test_pages_and_export(self):
        detail = f"/supervision/accidents/{self.accident.pk}/"
        with travel(at(date(2026, 3, 3))):
            response = self.web(self.county_inspector).get(detail)
            self.assertContains(response, "事故倒查报告")
            self.assertContains(response, "钢丝绳磨损加快")
            self.assertContains(response, "制动器异响")
            self.assertContains(self.web(self.owner).get(detail), "钢丝绳断丝超标")
            listing = self.web(self.county_inspector).get("/supervision/accidents/")
            self.assertContains(listing, "甲单位")
            self.assertContains(listing, "登记事故")
            self.assertNotContains(self.web(self.owner).get("/supervision/accidents/"), "登记事故</a>")
            export = self.web(self.county_inspector).get(detail + "tracing.xlsx")
            self.assertEqual(export.status_code, 200)
            content = b"".join(export.streaming_content)
        workbook = CalamineWorkbook.from_filelike(BytesIO(content))
        self.assertEqual(workbook.sheet_names, ["事故与结论", "风险与管控措施", "排查", "隐患", "检验与人员"])
        cells = [cell for row in workbook.get_sheet_by_name("隐患").to_python() for cell in row]
        self.assertIn("钢丝绳断丝超标", cells)
        for user in (self.sibling_inspector, self.other_unit_user, self.unit_b_user):
            for url in (detail, detail + "tracing.xlsx"):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.web(user).get(url).status_code, 404)


class AccidentApiAndFormTests(AccidentTestCase):
    def body(self, **extra):
        return {
            "organization": self.unit_a.pk,
            "equipment": self.equipment_a.pk,
            "occurred_at": "2026-03-01T10:30:00+08:00",
            "accident_type": "04",
            "severity": "general",
            "description": "钢丝绳断裂",
            "serious_injuries": 1,
            **extra,
        }

    def test_api_create(self):
        with travel(at(date(2026, 3, 2))):
            response = self.api(self.county_inspector).post(
                "/api/v1/supervision/accidents/", self.body(), format="json"
            )
            self.assertEqual(response.status_code, 201, response.content)
            self.assertEqual(response.json()["accident_type_label"], "起重伤害")
            bad = self.api(self.county_inspector).post(
                "/api/v1/supervision/accidents/", self.body(equipment=self.equipment_c.pk), format="json"
            )
            self.assertEqual(bad.status_code, 400)
            self.assertEqual(bad.json()["equipment"], ["该设备不属于所选单位。"])
            self.assertEqual(
                self.api(self.owner).post("/api/v1/supervision/accidents/", self.body(), format="json").status_code,
                403,
            )
            self.assertEqual(
                self.api(self.sibling_inspector)
                .post("/api/v1/supervision/accidents/", self.body(), format="json")
                .status_code,
                404,
            )
        self.assertEqual(Accident.objects.count(), 1)

    def test_record_form(self):
        client = self.web(self.county_inspector)
        with travel(at(date(2026, 3, 2))):
            self.assertContains(client.get("/supervision/accidents/new/", {"q": "甲"}), "甲单位")
            self.assertEqual(client.get("/supervision/accidents/new/", {"unit": self.unit_b.pk}).status_code, 404)
            self.assertEqual(self.web(self.owner).get("/supervision/accidents/new/").status_code, 403)
            form = {
                "unit": self.unit_a.pk,
                "equipment_code": self.equipment_a.code,
                "occurred_at": "2026-03-01T10:30",
                "accident_type": "04",
                "severity": "general",
                "deaths": "0",
                "serious_injuries": "-1",
                "minor_injuries": "0",
                "direct_loss": "1",
                "description": "钢丝绳断裂",
            }
            refused = client.post("/supervision/accidents/new/", form)
            self.assertEqual(refused.status_code, 400)
            self.assertContains(refused, "重伤人数不能为负数。", status_code=400)
            self.assertFalse(Accident.objects.exists())
            response = client.post("/supervision/accidents/new/", {**form, "serious_injuries": "1"})
        accident = Accident.objects.get()
        self.assertRedirects(response, f"/supervision/accidents/{accident.pk}/", fetch_redirect_response=False)
        self.assertEqual(timezone.localtime(accident.occurred_at).hour, 10)
