"""The services of the unit's safety management file called directly: what each refuses and with which message (and
that a refusal changes nothing), who may call them, the versions they keep, and the events they record."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import ValidationError

from shuangfang.core.models import Attachment, Event
from shuangfang.core.services import PermissionDenied, VersionConflict
from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.equipment.models import OperatorCertificate
from shuangfang.hazards.models import Hazard, InvestigationTask
from shuangfang.safety import services
from shuangfang.safety.choices import AppointmentRole, EmergencyPlanKind, LicenceKind
from shuangfang.safety.models import (
    Appointment,
    Drill,
    EmergencyPlan,
    OperatorAssignment,
    Reading,
    SafetyDocument,
    SafetyProfile,
    TrainingSession,
    UnitLicence,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


def attachment_of(unit, user, name="file.pdf"):
    return Attachment.objects.create(
        organization=unit,
        region_id=unit.region_id,
        file=f"attachments/{name}",
        original_name=name,
        sha256="0" * 64,
        content_type="application/pdf",
        size=1,
        uploaded_by=user,
    )


def certificate_of(holder, item, number, expires_on=date(2029, 1, 1)):
    unit = holder.organization
    return OperatorCertificate.objects.create(
        organization=unit,
        region_id=unit.region_id,
        holder_name=holder.display_name,
        holder=holder,
        id_number=f"14052519900101{number:04d}",
        item_id=item,
        cert_no=f"TZ{item}{number:06d}",
        issued_on=date(2025, 1, 1),
        expires_on=expires_on,
    )


@time_machine.travel(NOW, tick=False)
class SafetyServiceTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.file_a = attachment_of(cls.unit_a, cls.principal)
        cls.file_c = attachment_of(cls.unit_c, cls.other_unit_user)

    def assertRefused(self, call, field, message=None, error=ValidationError):
        """The call is refused (on `field`, with `message` if given) and writes nothing."""
        counted = (
            Appointment,
            SafetyDocument,
            EmergencyPlan,
            Drill,
            TrainingSession,
            Reading,
            Hazard,
            Event,
            UnitLicence,
        )
        before = [model.objects.count() for model in counted]
        with self.assertRaises(error) as refused:
            call()
        if error is ValidationError:
            self.assertIn(field, refused.exception.message_dict)
            if message is not None:
                self.assertEqual(refused.exception.message_dict[field], [message])
        elif message is not None:
            self.assertEqual(refused.exception.message, message)
        self.assertEqual([model.objects.count() for model in counted], before)
        return refused.exception

    def appoint(self, person, role, actor=None, **extra):
        values = {"starts_on": TODAY - timedelta(days=30)}
        values.update(extra)
        return services.do_appoint(
            actor=actor or self.principal, organization=self.unit_a, person=person, role=role, **values
        )

    def events(self, event_type):
        return Event.objects.filter(type=event_type).order_by("seq")


class PermissionTests(SafetyServiceTestCase):
    MANAGERS_ONLY = "只有本单位的主要负责人、安全总监、安全员或单位管理员可以维护安全管理档案。"

    def test_an_operator_may_not_keep_the_file(self):
        self.assertRefused(
            lambda: self.appoint(self.member, AppointmentRole.SAFETY_OFFICER, actor=self.member),
            None,
            self.MANAGERS_ONLY,
            PermissionDenied,
        )

    def test_another_units_manager_may_not_keep_this_units_file(self):
        for actor in (self.other_unit_user, self.unit_b_user, self.county_inspector, self.system_admin):
            with self.subTest(actor=actor.username):
                self.assertRefused(
                    lambda actor=actor: services.do_upload_document(
                        actor=actor,
                        organization=self.unit_a,
                        kind="management_rules",
                        title="制度",
                        effective_on=TODAY,
                        attachment=self.file_a,
                    ),
                    None,
                    self.MANAGERS_ONLY,
                    PermissionDenied,
                )

    def test_another_units_manager_may_not_end_an_appointment_here(self):
        appointment = self.appoint(self.owner, AppointmentRole.SAFETY_OFFICER)
        self.assertRefused(
            lambda: services.do_end_appointment(
                actor=self.other_unit_user, appointment=appointment, ends_on=TODAY, reason="调离", version=1
            ),
            None,
            self.MANAGERS_ONLY,
            PermissionDenied,
        )

    def test_every_manager_role_of_the_unit_may(self):
        for n, actor in enumerate((self.principal, self.owner, self.unit_admin)):
            with self.subTest(actor=actor.username):
                services.do_record_drill(
                    actor=actor, organization=self.unit_a, held_on=TODAY, scenario=f"演练 {n}", equipment_category=""
                )
        self.assertEqual(Drill.objects.filter(organization=self.unit_a).count(), 3)

    def test_only_units_using_equipment_have_a_file(self):
        self.assertRefused(
            lambda: services.check_may_manage(self.county_admin, self.county),
            None,
            self.MANAGERS_ONLY,
            PermissionDenied,
        )
        agency_admin = make_user("agency_admin", self.agency, "org_admin")
        self.assertRefused(
            lambda: services.check_may_manage(agency_admin, self.agency),
            None,
            "安全管理档案属于使用特种设备的单位。",
            PermissionDenied,
        )

    def test_an_operator_records_readings_but_another_unit_does_not(self):
        source = services.do_create_hazard_source(
            actor=self.principal, organization=self.unit_a, name="储罐区", grade="4"
        )
        point = services.do_add_monitoring_point(
            actor=self.principal, source=source, name="液位", quantity="液位", high=Decimal("8")
        )
        services.do_record_reading(actor=self.member, point=point, value="5")
        self.assertRefused(
            lambda: services.do_record_reading(actor=self.other_unit_user, point=point, value="5"),
            None,
            "只有本单位人员可以录入监测读数。",
            PermissionDenied,
        )


class LicenceServiceTests(SafetyServiceTestCase):
    def licence(self, actor=None, **extra):
        values = {
            "kind": LicenceKind.FILLING,
            "number": "TS4214052-2024",
            "issued_by": "晋城市市场监督管理局",
            "issued_on": date(2024, 3, 1),
            "expires_on": date(2028, 2, 29),
            "scope": "液化石油气",
        }
        values.update(extra)
        return services.do_record_licence(actor=actor or self.principal, organization=self.unit_a, **values)

    def test_a_new_licence_supersedes_the_current_one_of_its_kind_and_is_logged(self):
        first = self.licence(attachment=self.file_a)
        other = self.licence(kind=LicenceKind.OTHER, number="  晋危化经字〔2025〕001  ")
        second = self.licence(number="TS4214052-2026", issued_on=date(2026, 3, 1), expires_on=date(2030, 2, 28))
        current = set(UnitLicence.objects.filter(is_current=True).values_list("pk", flat=True))
        self.assertEqual(current, {other.pk, second.pk})
        first.refresh_from_db()
        self.assertEqual((first.is_current, first.attachment, first.recorded_by), (False, self.file_a, self.principal))
        self.assertEqual(other.number, "晋危化经字〔2025〕001")
        self.assertEqual(
            self.events("safety.licence_recorded").last().data,
            {"kind": "filling", "number": "TS4214052-2026", "expires_on": "2030-02-28"},
        )
        self.assertEqual(self.events("safety.licence_recorded").count(), 3)

    def test_bad_licences_are_refused_and_the_current_licence_stays(self):
        current = self.licence()
        self.assertRefused(lambda: self.licence(number="  "), "number", "请填写许可证编号。")
        self.assertRefused(lambda: self.licence(issued_on=None), "issued_on", "请填写发证日期。")
        self.assertRefused(lambda: self.licence(expires_on=None), "expires_on", "请填写有效期截止日期。")
        self.assertRefused(
            lambda: self.licence(expires_on=date(2024, 3, 1)), "expires_on", "有效期截止日期应晚于发证日期。"
        )
        self.assertRefused(
            lambda: self.licence(issued_on=TODAY + timedelta(days=1), expires_on=date(2030, 1, 1)),
            "issued_on",
            "发证日期不能晚于今天：登记的是已经取得的许可证。",
        )
        self.assertRefused(
            lambda: self.licence(kind="business"), "kind", "许可类型只能是：移动式压力容器/气瓶充装许可证、其他许可。"
        )
        self.assertRefused(lambda: self.licence(attachment=self.file_c), "attachment", "附件不属于本单位。")
        self.assertRefused(lambda: self.licence(number="X" * 101), "number")
        current.refresh_from_db()
        self.assertTrue(current.is_current)

    def test_only_the_units_managers_record_its_licences(self):
        for actor in (self.member, self.other_unit_user, self.county_inspector, self.system_admin):
            with self.subTest(actor=actor.username):
                self.assertRefused(
                    lambda actor=actor: self.licence(actor=actor),
                    None,
                    PermissionTests.MANAGERS_ONLY,
                    PermissionDenied,
                )
        self.assertEqual(self.licence(actor=self.unit_admin).recorded_by, self.unit_admin)


class AppointmentServiceTests(SafetyServiceTestCase):
    def test_an_appointment_is_recorded_gives_the_role_and_is_logged(self):
        appointment = self.appoint(
            self.member,
            AppointmentRole.SAFETY_OFFICER,
            equipment_categories=[" 3000", "4000", "3000"],
            full_time=True,
            document=self.file_a,
        )
        self.assertEqual(appointment.equipment_categories, ["3000", "4000"])
        self.assertEqual(appointment.appointed_by, self.principal)
        self.member.refresh_from_db()
        self.assertIn("safety_officer", self.member.roles)
        event = self.events("safety.appointed").get()
        self.assertEqual(
            (event.actor_id, event.object_id, event.data["role"], event.data["equipment_categories"]),
            (self.principal.pk, str(appointment.pk), "safety_officer", ["3000", "4000"]),
        )
        self.assertEqual(self.events("user.roles_changed").get().data["added"], ["safety_officer"])

    def test_bad_category_codes_are_named(self):
        self.assertRefused(
            lambda: self.appoint(self.owner, AppointmentRole.SAFETY_OFFICER, equipment_categories=["3110", "电梯"]),
            "equipment_categories",
            "设备种类应为目录种类代码（1000、2000、3000、4000、5000、6000、8000、9000），不能是：3110、电梯。",
        )
        self.assertRefused(
            lambda: self.appoint(self.owner, AppointmentRole.SAFETY_OFFICER, equipment_categories=["7000"]),
            "equipment_categories",
        )

    def test_a_person_of_another_unit_or_one_who_left_is_refused(self):
        self.assertRefused(
            lambda: self.appoint(self.other_unit_user, AppointmentRole.SAFETY_OFFICER),
            "person",
            "other_unit 不是本单位在职人员。",
        )
        left = make_user("left", self.unit_a, "operator")
        type(left).objects.filter(pk=left.pk).update(is_active=False)
        left.refresh_from_db()
        self.assertRefused(lambda: self.appoint(left, AppointmentRole.SAFETY_OFFICER), "person")

    def test_an_appointing_document_of_another_unit_is_refused(self):
        self.assertRefused(
            lambda: self.appoint(self.owner, AppointmentRole.SAFETY_OFFICER, document=self.file_c),
            "document",
            "附件不属于本单位。",
        )

    def test_an_unknown_role_is_refused(self):
        self.assertRefused(lambda: self.appoint(self.owner, "boss"), "role")

    def test_one_principal_at_a_time(self):
        first = self.appoint(self.principal, AppointmentRole.PRINCIPAL)
        self.assertRefused(
            lambda: self.appoint(self.owner, AppointmentRole.PRINCIPAL),
            "role",
            "主要负责人 已由 principal 担任：请先办理免职。",
        )
        self.assertRefused(
            lambda: self.appoint(self.owner, AppointmentRole.PRINCIPAL, equipment_categories=["3000"]),
            "equipment_categories",
            "主要负责人和安全管理负责人对全单位负责，不分设备种类。",
        )
        services.do_end_appointment(actor=self.principal, appointment=first, ends_on=TODAY, reason="退休", version=1)
        self.appoint(self.owner, AppointmentRole.PRINCIPAL, starts_on=TODAY)
        self.assertEqual(Appointment.objects.filter(role="principal").count(), 2)  # the history stays

    def test_several_directors_but_not_the_same_person_twice(self):
        director = make_user("director", self.unit_a, "safety_director")
        self.appoint(self.owner, AppointmentRole.SAFETY_DIRECTOR, equipment_categories=["3000"])
        self.appoint(director, AppointmentRole.SAFETY_DIRECTOR, equipment_categories=["4000"])
        self.assertRefused(
            lambda: self.appoint(self.owner, AppointmentRole.SAFETY_DIRECTOR, equipment_categories=["4000"]),
            "person",
            "此人已在任该岗位：如需调整负责的设备种类，请先免职再任命。",
        )

    def test_ending_an_appointment_names_the_version_and_keeps_the_row(self):
        appointment = self.appoint(self.owner, AppointmentRole.SAFETY_OFFICER)
        self.assertRefused(
            lambda: services.do_end_appointment(
                actor=self.principal, appointment=appointment, ends_on=TODAY, reason="调离", version=7
            ),
            None,
            "数据已被他人修改（当前版本 1，提交的版本 7），请刷新后重试。",
            VersionConflict,
        )
        self.assertRefused(
            lambda: services.do_end_appointment(
                actor=self.principal, appointment=appointment, ends_on=TODAY, reason="调离", version=None
            ),
            "version",
        )
        self.assertRefused(
            lambda: services.do_end_appointment(
                actor=self.principal, appointment=appointment, ends_on=TODAY, reason=" ", version=1
            ),
            "reason",
            "请填写免职原因。",
        )
        self.assertRefused(
            lambda: services.do_end_appointment(
                actor=self.principal,
                appointment=appointment,
                ends_on=appointment.starts_on - timedelta(days=1),
                reason="调离",
                version=1,
            ),
            "ends_on",
        )
        ended = services.do_end_appointment(
            actor=self.principal, appointment=appointment, ends_on=TODAY, reason=" 调离 ", version=1
        )
        self.assertEqual(
            (ended.ends_on, ended.end_reason, ended.ended_by, ended.version), (TODAY, "调离", self.principal, 2)
        )
        self.assertEqual(
            self.events("safety.appointment_ended").get().data, {"ends_on": "2026-06-15", "reason": "调离"}
        )
        # Twice is refused, with the stale version and with the current one.
        self.assertRefused(
            lambda: services.do_end_appointment(
                actor=self.principal, appointment=ended, ends_on=TODAY, reason="调离", version=1
            ),
            None,
            error=VersionConflict,
        )
        self.assertRefused(
            lambda: services.do_end_appointment(
                actor=self.principal, appointment=ended, ends_on=TODAY, reason="调离", version=2
            ),
            "ends_on",
        )
        self.assertTrue(Appointment.objects.filter(pk=appointment.pk).exists())

    def test_appointed_people_are_those_in_force_covering_the_category(self):
        elevators = self.appoint(self.owner, AppointmentRole.SAFETY_OFFICER, equipment_categories=["3000"])
        officer = make_user("officer", self.unit_a, "safety_officer")
        self.appoint(officer, AppointmentRole.SAFETY_OFFICER, starts_on=TODAY - timedelta(days=5))
        self.assertEqual(
            services.appointed_people(self.unit_a.pk, "safety_officer", "3000"), [self.owner.pk, officer.pk]
        )
        self.assertEqual(services.appointed_people(self.unit_a.pk, "safety_officer", "4110"), [officer.pk])
        services.do_end_appointment(
            actor=self.principal, appointment=elevators, ends_on=TODAY - timedelta(days=1), reason="调离", version=1
        )
        self.assertEqual(services.appointed_people(self.unit_a.pk, "safety_officer", "3000"), [officer.pk])


class ProfileServiceTests(SafetyServiceTestCase):
    def test_the_first_save_makes_the_profile_and_later_ones_need_its_version(self):
        profile = services.do_save_profile(
            actor=self.principal,
            organization=self.unit_a,
            changes={"body_name": "安全管理部", "body_established_on": date(2026, 1, 5), "industrial_piping_km": 12},
            version=1,
        )
        self.assertTrue(profile.has_body)
        self.assertEqual(
            self.events("safety.profile_saved").get().data["changes"]["body_established_on"], [None, "2026-01-05"]
        )
        self.assertRefused(
            lambda: services.do_save_profile(
                actor=self.principal, organization=self.unit_a, changes={"power_station_boiler": True}, version=9
            ),
            None,
            error=VersionConflict,
        )
        saved = services.do_save_profile(
            actor=self.principal, organization=self.unit_a, changes={"power_station_boiler": True}, version=1
        )
        self.assertEqual((saved.version, saved.power_station_boiler), (2, True))
        self.assertEqual(SafetyProfile.objects.count(), 1)
        self.assertEqual(
            self.events("safety.profile_saved").last().data["changes"], {"power_station_boiler": [False, True]}
        )

    def test_unknown_fields_a_foreign_document_and_a_body_without_its_date_are_refused(self):
        self.assertRefused(
            lambda: services.do_save_profile(
                actor=self.principal, organization=self.unit_a, changes={"organization": self.unit_c}, version=1
            ),
            "organization",
            "不能修改此字段。",
        )
        self.assertRefused(
            lambda: services.do_save_profile(
                actor=self.principal, organization=self.unit_a, changes={"body_document": self.file_c}, version=1
            ),
            "body_document",
            "附件不属于本单位。",
        )
        self.assertRefused(
            lambda: services.do_save_profile(
                actor=self.principal,
                organization=self.unit_a,
                changes={"body_name": "安全部", "body_established_on": None},
                version=1,
            ),
            "body_established_on",
            "登记了安全管理机构名称的，请填写机构设立日期。",
        )
        self.assertFalse(SafetyProfile.objects.exists())


class DocumentServiceTests(SafetyServiceTestCase):
    def upload(self, kind="management_rules", category="", attachment=None, **extra):
        values = {"title": "特种设备安全管理制度", "effective_on": TODAY}
        values.update(extra)
        return services.do_upload_document(
            actor=self.principal,
            organization=self.unit_a,
            kind=kind,
            attachment=attachment or self.file_a,
            equipment_category=category,
            **values,
        )

    def test_each_upload_is_the_next_version_of_its_kind_and_category(self):
        self.assertEqual([self.upload().version_no for _n in range(3)], [1, 2, 3])
        self.assertEqual(self.upload("operating_procedures", "3000").version_no, 1)
        self.assertEqual(self.upload("operating_procedures", "4000").version_no, 1)
        self.assertEqual(self.upload("operating_procedures", "3000").version_no, 2)
        self.assertEqual(SafetyDocument.objects.filter(kind="management_rules").count(), 3)
        event = self.events("safety.document_uploaded").last()
        self.assertEqual(event.data, {"kind": "operating_procedures", "equipment_category": "3000", "version_no": 2})

    def test_an_unknown_kind_a_bad_category_and_a_foreign_attachment_are_refused(self):
        self.assertRefused(lambda: self.upload("fire_rules"), "kind", "不是要求的管理制度类型：fire_rules。")
        self.assertRefused(lambda: self.upload("operating_procedures", "3110"), "equipment_category")
        self.assertRefused(
            lambda: self.upload("operating_procedures"),
            "equipment_category",
            "《安全操作规程》按设备种类分别制定：请选择设备种类。",
        )
        self.assertRefused(
            lambda: self.upload("management_rules", "3000"),
            "equipment_category",
            "《特种设备安全管理制度》全单位一份，不分设备种类。",
        )
        self.assertRefused(lambda: self.upload(attachment=self.file_c), "attachment", "附件不属于本单位。")
        self.assertRefused(lambda: self.upload(title="  "), "title", "请填写标题。")


class TrainingServiceTests(SafetyServiceTestCase):
    def record(self, **changes):
        values = {
            "topic": "总局令第74号解读",
            "held_on": TODAY,
            "hours": "2.5",
            "trainer": "县局讲师",
            "attendees": [self.owner, self.member],
        }
        values.update(changes)
        return services.do_record_training(actor=self.principal, organization=self.unit_a, **values)

    def test_a_session_is_each_attendees_training_history(self):
        session = self.record()
        self.assertEqual(session.hours, Decimal("2.5"))
        self.assertEqual(list(self.owner.training_sessions.all()), [session])
        self.assertEqual(
            self.events("safety.training_recorded").get().data["attendees"], [self.owner.pk, self.member.pk]
        )
        plan = services.do_create_training_plan(
            actor=self.principal, organization=self.unit_a, year=2026, title="年度培训计划"
        )
        self.assertEqual(self.record(plan=plan).plan, plan)
        self.assertEqual(self.events("safety.training_plan_created").get().data, {"year": 2026})

    def test_bad_sessions_are_refused(self):
        self.assertRefused(lambda: self.record(attendees=[]), "attendees", "请选择参训人员。")
        self.assertRefused(lambda: self.record(attendees=[self.owner, self.other_unit_user]), "attendees")
        self.assertRefused(lambda: self.record(held_on=TODAY + timedelta(days=1)), "held_on")
        self.assertRefused(lambda: self.record(hours="两小时"), "hours", "学时应在 0.5 到 200 之间。")
        self.assertRefused(lambda: self.record(hours=0), "hours")
        self.assertRefused(lambda: self.record(trainer=""), "trainer", "请填写授课人。")
        self.assertRefused(lambda: self.record(sign_in_photo=self.file_c), "sign_in_photo", "附件不属于本单位。")
        other_plan = services.do_create_training_plan(
            actor=self.other_unit_user, organization=self.unit_c, year=2026, title="丙单位培训计划"
        )
        self.assertRefused(lambda: self.record(plan=other_plan), "plan", "培训计划不属于本单位。")
        self.assertRefused(
            lambda: services.do_create_training_plan(
                actor=self.principal, organization=self.unit_a, year=26, title="计划"
            ),
            "year",
        )


class OperatorServiceTests(SafetyServiceTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.forklift = make_equipment(cls.unit_a, "51101405252026A0001", category="5110")

    def assign(self, certificate, equipment=None, assigned_on=TODAY):
        return services.do_assign_operator(
            actor=self.principal, equipment=equipment or self.forklift, certificate=certificate, assigned_on=assigned_on
        )

    def test_an_operator_is_assigned_once_and_leaves_on_record(self):
        certificate = certificate_of(self.member, "N1", 1)
        assignment = self.assign(certificate)
        self.assertEqual(self.events("safety.operator_assigned").get().data["item"], "N1")
        self.assertRefused(lambda: self.assign(certificate), "certificate", "此人已在该设备上岗。")
        self.assertRefused(
            lambda: services.do_end_assignment(
                actor=self.principal, assignment=assignment, ended_on=TODAY - timedelta(days=1), version=1
            ),
            "ended_on",
            "离岗日期不能早于上岗日期。",
        )
        services.do_end_assignment(actor=self.principal, assignment=assignment, ended_on=TODAY, version=1)
        self.assertEqual(self.events("safety.operator_unassigned").get().data, {"ended_on": "2026-06-15"})
        # Back on the device later: a new assignment, the old one kept.
        self.assign(certificate)
        self.assertEqual(OperatorAssignment.objects.filter(equipment=self.forklift).count(), 2)

    def test_a_wrong_foreign_or_expired_certificate_is_refused(self):
        self.assertRefused(
            lambda: self.assign(certificate_of(self.member, "Q2", 2)),
            "certificate",
            "Q2 证不适用于此设备：此设备需要 N1。",
        )
        self.assertRefused(
            lambda: self.assign(certificate_of(self.other_unit_user, "N1", 3)),
            "certificate",
            "作业人员证不属于本单位。",
        )
        self.assertRefused(
            lambda: self.assign(certificate_of(self.member, "N1", 4, expires_on=TODAY - timedelta(days=1))),
            "certificate",
            "该证已于 2026-06-14 过期，不能安排上岗。",
        )
        # A crane that needs signals takes its signaller's Q1 as well as a driver's Q2.
        crane = make_equipment(self.unit_a, "41101405252026A0001", category="4110", signaller_required=True)
        self.assign(certificate_of(self.member, "Q1", 5), crane)
        self.assign(certificate_of(self.owner, "Q2", 6), crane)
        self.assertEqual(OperatorAssignment.objects.filter(equipment=crane).count(), 2)


class EmergencyServiceTests(SafetyServiceTestCase):
    def plan(self, title="电梯困人事故应急专项预案", category="3000", kind=EmergencyPlanKind.SPECIAL, **extra):
        values = {"approved_on": TODAY}
        values.update(extra)
        return services.do_record_emergency_plan(
            actor=self.principal,
            organization=self.unit_a,
            title=title,
            kind=kind,
            equipment_category=category,
            **values,
        )

    def test_a_new_plan_supersedes_the_current_one_of_its_kind_and_category(self):
        first = self.plan(approved_on=date(2024, 3, 1))
        self.assertEqual(first.review_by, date(2027, 3, 1))  # three years
        cranes = self.plan("起重机械事故应急专项预案", "4000")
        comprehensive = self.plan("综合应急预案", "", EmergencyPlanKind.COMPREHENSIVE)
        second = self.plan("电梯困人事故应急专项预案（修订）", review_by=date(2028, 1, 1))
        current = set(EmergencyPlan.objects.filter(is_current=True).values_list("pk", flat=True))
        self.assertEqual(current, {cranes.pk, comprehensive.pk, second.pk})
        first.refresh_from_db()
        self.assertFalse(first.is_current)
        self.assertEqual(second.review_by, date(2028, 1, 1))
        self.assertEqual(self.events("safety.emergency_plan_recorded").count(), 4)

    def test_bad_plans_are_refused_and_the_current_plan_stays(self):
        current = self.plan()
        self.assertRefused(lambda: self.plan(review_by=TODAY), "review_by", "评估修订期限应晚于发布日期。")
        self.assertRefused(lambda: self.plan(title=""), "title", "请填写预案名称。")
        self.assertRefused(lambda: self.plan(category="3100"), "equipment_category")
        self.assertRefused(lambda: self.plan(kind="drill"), "kind")
        self.assertRefused(lambda: self.plan(attachment=self.file_c), "attachment")
        current.refresh_from_db()
        self.assertTrue(current.is_current)

    def test_a_drill_takes_its_plans_category_and_refuses_the_future_and_foreign_things(self):
        plan = self.plan()
        drill = services.do_record_drill(
            actor=self.principal,
            organization=self.unit_a,
            held_on=TODAY,
            scenario="困人救援",
            plan=plan,
            photos=[self.file_a],
        )
        self.assertEqual((drill.equipment_category, list(drill.photos.all())), ("3000", [self.file_a]))
        self.assertEqual(
            self.events("safety.drill_recorded").get().data, {"held_on": "2026-06-15", "equipment_category": "3000"}
        )
        record = {"actor": self.principal, "organization": self.unit_a, "scenario": "演练"}
        self.assertRefused(
            lambda: services.do_record_drill(held_on=TODAY + timedelta(days=1), **record),
            "held_on",
            "演练日期不能晚于今天：登记的是已经举行的演练。",
        )
        self.assertRefused(lambda: services.do_record_drill(held_on=TODAY, photos=[self.file_c], **record), "photos")
        other_plan = services.do_record_emergency_plan(
            actor=self.other_unit_user, organization=self.unit_c, title="丙单位预案", approved_on=TODAY, kind="special"
        )
        self.assertRefused(
            lambda: services.do_record_drill(held_on=TODAY, plan=other_plan, **record), "plan", "应急预案不属于本单位。"
        )
        self.assertRefused(
            lambda: services.do_record_drill(held_on=TODAY, equipment_category="31", **record), "equipment_category"
        )


class MonitoringServiceTests(SafetyServiceTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.officer = make_user("officer", cls.unit_a, "safety_officer")
        with time_machine.travel(NOW, tick=False):
            cls.tank = make_equipment(cls.unit_a, "21301405252026A0001", category="2130")
            cls.source = services.do_create_hazard_source(
                actor=cls.principal, organization=cls.unit_a, name="液氨储罐区", grade="3", equipment=cls.tank
            )
            cls.point = services.do_add_monitoring_point(
                actor=cls.principal,
                source=cls.source,
                name="1号罐压力",
                quantity="压力",
                unit_of_measure="MPa",
                low=Decimal("0.1"),
                high=Decimal("1.6"),
            )
            services.do_appoint(
                actor=cls.principal,
                organization=cls.unit_a,
                person=cls.officer,
                role=AppointmentRole.SAFETY_OFFICER,
                starts_on=TODAY,
                equipment_categories=["2000"],
            )

    def read(self, value, **extra):
        return services.do_record_reading(actor=self.member, point=self.point, value=value, **extra)

    def control_failure_tasks(self):
        return InvestigationTask.objects.filter(organization=self.unit_a, kind="control_failure")

    def system_hazards(self):
        return Hazard.objects.filter(organization=self.unit_a, source="system")

    def test_a_reading_in_bounds_raises_nothing(self):
        reading = self.read("1.2")
        self.assertEqual((reading.out_of_bounds, reading.hazard, reading.task), (False, None, None))
        self.assertEqual(self.events("safety.reading_recorded").get().data["out_of_bounds"], False)
        self.assertFalse(self.system_hazards().exists())

    def test_one_excursion_one_hazard_and_one_control_failure_task(self):
        first = self.read("1.85")
        self.assertTrue(first.out_of_bounds)
        self.assertEqual(self.system_hazards().count(), 1)
        self.assertEqual(self.control_failure_tasks().count(), 1)
        hazard, task = first.hazard, first.task
        self.assertEqual((hazard.source, hazard.equipment), ("system", self.tank))
        self.assertIn("1号罐压力", hazard.description)
        self.assertIn("0.100 ~ 1.600", hazard.description)
        self.assertEqual((task.assignee, task.equipment, task.due_on), (self.officer, self.tank, TODAY))
        self.assertEqual(self.events("safety.reading_recorded").get().data["hazard"], hazard.pk)

        # Still out of bounds (above or below) while the hazard is open: recorded against the same hazard and task.
        second = self.read("0.05", measured_at=NOW + timedelta(minutes=1))
        self.assertEqual((second.hazard, second.task), (hazard, task))
        self.read("1.2", measured_at=NOW + timedelta(minutes=2))
        third = self.read("1.9", measured_at=NOW + timedelta(minutes=3))
        self.assertEqual(third.hazard, hazard)
        self.assertEqual(self.system_hazards().count(), 1)
        self.assertEqual(self.control_failure_tasks().count(), 1)

        # Once the hazard is closed, a new excursion is a new hazard with a new task.
        Hazard.objects.filter(pk=hazard.pk).update(status="closed")
        fourth = self.read("2.0", measured_at=NOW + timedelta(minutes=4))
        self.assertNotEqual(fourth.hazard, hazard)
        self.assertNotEqual(fourth.task, task)
        self.assertEqual(self.system_hazards().count(), 2)
        self.assertEqual(self.control_failure_tasks().count(), 2)

    def test_bad_readings_are_refused(self):
        self.assertRefused(lambda: self.read("高"), "value", "读数应为数字。")
        self.assertRefused(lambda: self.read("NaN"), "value", "读数超出可记录的范围。")
        self.assertRefused(lambda: self.read("1e12"), "value")
        self.assertRefused(lambda: self.read("1", measured_at=NOW + timedelta(hours=1)), "measured_at")
        self.point.is_active = False
        self.point.save(update_fields=["is_active"])
        self.assertRefused(lambda: self.read("1"), "point", "监测点已停用。")

    def test_bad_points_and_sources_are_refused(self):
        add = {"actor": self.principal, "source": self.source, "name": "温度", "quantity": "温度"}
        self.assertRefused(lambda: services.do_add_monitoring_point(**add), "high", "请至少设定上限或下限之一。")
        self.assertRefused(
            lambda: services.do_add_monitoring_point(low=Decimal("5"), high=Decimal("5"), **add),
            "high",
            "上限应大于下限。",
        )
        self.assertRefused(
            lambda: services.do_create_hazard_source(
                actor=self.principal, organization=self.unit_a, name="罐区", grade="3", equipment=self.equipment_c
            ),
            "equipment",
            "设备不属于本单位。",
        )
        self.assertRefused(
            lambda: services.do_create_hazard_source(
                actor=self.principal, organization=self.unit_a, name="罐区", grade="5"
            ),
            "grade",
        )
        self.assertEqual(self.events("safety.hazard_source_created").count(), 1)
        self.assertEqual(self.events("safety.monitoring_point_added").count(), 1)


class DutyCycleStartTests(SafetyServiceTestCase):
    def test_the_guided_start_makes_the_plans_of_the_unit_only_once(self):
        first = services.do_start_duty_cycle(actor=self.principal, organization=self.unit_a)
        self.assertEqual(first["plans_created"], 3)
        self.assertEqual(
            services.do_start_duty_cycle(actor=self.principal, organization=self.unit_a)["plans_created"], 0
        )
        self.assertRefused(
            lambda: services.do_start_duty_cycle(actor=self.member, organization=self.unit_a),
            None,
            error=PermissionDenied,
        )
