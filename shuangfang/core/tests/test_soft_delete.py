"""Deleting and restoring business records (core.deletion): per kind through the API and the pages, the event with
its reason, versions, the refusal rules, roles and scope, and that a deleted row leaves every list, count, export,
summary and schedule — and comes back on restore — while never leaving the table."""

import io
from datetime import date, timedelta
from unittest import mock

from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from shuangfang.core import deletion
from shuangfang.core.models import Event
from shuangfang.core.navigation import menu_for
from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment.models import Equipment, OperatorCertificate
from shuangfang.equipment.services import do_register_equipment
from shuangfang.hazards import services as hazard_services
from shuangfang.hazards.choices import TaskStatus
from shuangfang.hazards.models import CheckResult, InvestigationTask
from shuangfang.hazards.scheduling import run_duty_cycle
from shuangfang.orgs.models import Region
from shuangfang.risks.models import Risk
from shuangfang.risks.services import do_create_risk, point_for_equipment
from shuangfang.safety import services as safety_services
from shuangfang.safety.models import Drill, TrainingSession
from shuangfang.supervision.services_accidents import do_record_accident
from shuangfang.supervision.summaries import figures_for, rebuild_summary

LOW_RISK = {
    "title": "层门",
    "hazard_source": "层门门锁失效",
    "method": "ls",
    "factors": {"L": 2, "S": 3},
    "control_level": "post",
    "measures": [{"kind": "management", "text": "每日巡查层门", "check": True}],
}


class SoftDeleteCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = timezone.localdate()
        cls.certificate = OperatorCertificate.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            holder_name="张三",
            id_number="140525199001011234",
            item_id="N1",
            cert_no="N1-DEL-1",
            issued_on=date(2024, 1, 1),
            expires_on=date(2028, 1, 1),
        )
        cls.risk = do_create_risk(
            actor=cls.owner, point=point_for_equipment(cls.equipment_a), data={**LOW_RISK, "owner": cls.owner}
        )
        cls.training = safety_services.do_record_training(
            actor=cls.owner,
            organization=cls.unit_a,
            topic="电梯安全操作",
            held_on=today - timedelta(days=7),
            hours=2,
            trainer="张工",
            attendees=[cls.member],
        )
        cls.drill = safety_services.do_record_drill(
            actor=cls.owner, organization=cls.unit_a, held_on=today - timedelta(days=30), scenario="电梯困人救援"
        )

    def records(self):
        """(kind key, record, API detail URL) for each kind of unit A."""
        # The risk before its equipment: deleting the equipment takes the equipment's risks along.
        return [
            ("risk", self.risk, reverse("risk-detail", args=[self.risk.pk])),
            ("equipment", self.equipment_a, reverse("equipment-detail", args=[self.equipment_a.pk])),
            ("certificate", self.certificate, reverse("certificate-detail", args=[self.certificate.pk])),
            ("training_session", self.training, reverse("training-session-detail", args=[self.training.pk])),
            ("drill", self.drill, reverse("drill-detail", args=[self.drill.pk])),
        ]

    def reread(self, record):
        return type(record).all_objects.get(pk=record.pk)

    def restore_url(self, detail_url):
        return f"{detail_url}restore/"


class RegistryTests(SoftDeleteCase):
    def test_every_soft_deletable_model_has_its_row(self):
        from django.apps import apps

        from shuangfang.core.models import SoftDeletable

        soft = {model._meta.label for model in apps.get_models() if issubclass(model, SoftDeletable)}
        self.assertEqual(soft, {kind.model_label for kind in deletion.KINDS})

    def test_the_menu_entry_is_for_those_who_may_restore(self):
        def has_entry(user):
            return "core:recycle-bin" in {item.url_name for item in menu_for(user)}

        for user in (self.owner, self.unit_admin, self.principal, self.county_inspector):
            self.assertTrue(has_entry(user), user.username)
        for user in (self.member, self.audit_admin, self.system_admin, self.agency_user, self.province_leader):
            self.assertFalse(has_entry(user), user.username)


class ApiDeleteRestoreTests(SoftDeleteCase):
    def test_delete_and_restore_each_kind(self):
        for key, record, url in self.records():
            with self.subTest(kind=key):
                record = self.reread(record)
                model = type(record)
                total = model.all_objects.count()
                client = self.api(self.owner)
                response = client.delete(url, {"version": record.version, "reason": "重复登记"}, format="json")
                self.assertEqual(response.status_code, 204, response.content)
                deleted = self.reread(record)
                self.assertIsNotNone(deleted.deleted_at)
                self.assertEqual((deleted.deleted_by, deleted.deletion_reason), (self.owner, "重复登记"))
                self.assertEqual(deleted.version, record.version + 1)
                self.assertEqual(model.all_objects.count(), total)
                self.assertEqual(client.get(url).status_code, 404)
                listed = client.get(url.rsplit("/", 2)[0] + "/", {"page_size": 500}).json()["results"]
                self.assertNotIn(record.pk, [row["id"] for row in listed])
                event = Event.objects.filter(type=f"{key}.deleted", object_id=str(record.pk)).get()
                self.assertEqual((event.actor, event.data["reason"]), (self.owner, "重复登记"))

                bin_rows = client.get(reverse("api-deleted-records"), {"kind": key}).json()["results"]
                self.assertEqual([row["id"] for row in bin_rows], [record.pk])
                self.assertEqual(bin_rows[0]["deletion_reason"], "重复登记")

                response = client.post(self.restore_url(url), {"version": deleted.version}, format="json")
                self.assertEqual(response.status_code, 200, response.content)
                self.assertEqual(response.json()["id"], record.pk)
                restored = self.reread(record)
                self.assertEqual((restored.deleted_at, restored.deleted_by, restored.deletion_reason), (None, None, ""))
                self.assertEqual(client.get(url).status_code, 200)
                self.assertTrue(
                    Event.objects.filter(type=f"{key}.restored", object_id=str(record.pk), actor=self.owner)
                )
                self.assertEqual(model.all_objects.count(), total)

    def test_version_and_reason_may_come_as_query_parameters(self):
        url = reverse("drill-detail", args=[self.drill.pk])
        response = self.api(self.owner).delete(f"{url}?version={self.drill.version}&reason=录入错误")
        self.assertEqual(response.status_code, 204, response.content)
        self.assertEqual(self.reread(self.drill).deletion_reason, "录入错误")

    def test_a_stale_version_is_409_and_changes_nothing(self):
        for key, record, url in self.records():
            with self.subTest(kind=key):
                response = self.api(self.owner).delete(
                    url, {"version": record.version + 5, "reason": "x"}, format="json"
                )
                self.assertEqual(response.status_code, 409)
                again = self.reread(record)
                self.assertEqual((again.deleted_at, again.version), (None, record.version))
                self.assertFalse(Event.objects.filter(type=f"{key}.deleted").exists())
        deleted = deletion.do_soft_delete(actor=self.owner, obj=self.drill, reason="x", expected_version=1)
        url = self.restore_url(reverse("drill-detail", args=[self.drill.pk]))
        response = self.api(self.owner).post(url, {"version": deleted.version - 1}, format="json")
        self.assertEqual(response.status_code, 409)
        self.assertTrue(self.reread(self.drill).is_deleted)

    def test_a_reason_is_required(self):
        url = reverse("equipment-detail", args=[self.equipment_a.pk])
        for body in ({"version": 1}, {"version": 1, "reason": "   "}):
            response = self.api(self.owner).delete(url, body, format="json")
            self.assertEqual(response.status_code, 400)
            self.assertIn("reason", response.json())
        self.assertFalse(self.reread(self.equipment_a).is_deleted)

    def test_roles_without_the_permission_get_403(self):
        for key, record, url in self.records():
            for user in (self.member, self.audit_admin):
                with self.subTest(kind=key, user=user.username):
                    response = self.api(user).delete(url, {"version": record.version, "reason": "x"}, format="json")
                    self.assertEqual(response.status_code, 403)
                    self.assertFalse(self.reread(record).is_deleted)
        # Regulators see the training record but keep no unit's file.
        url = reverse("training-session-detail", args=[self.training.pk])
        response = self.api(self.county_inspector).delete(url, {"version": 1, "reason": "x"}, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.reread(self.training).is_deleted)

    def test_restore_is_refused_to_roles_without_the_permission(self):
        for key, record, url in self.records():
            deleted = deletion.do_soft_delete(actor=self.owner, obj=record, reason="x", expected_version=record.version)
            with self.subTest(kind=key):
                response = self.api(self.member).post(
                    self.restore_url(url), {"version": deleted.version}, format="json"
                )
                self.assertEqual(response.status_code, 403)
                self.assertTrue(self.reread(record).is_deleted)
                response = self.api(self.member).get(reverse("api-deleted-records"), {"kind": key})
                self.assertEqual(response.status_code, 403)

    def test_outsiders_get_404_on_delete_and_restore(self):
        for key, record, url in self.records():
            for user in (self.other_unit_user, self.sibling_inspector):
                with self.subTest(kind=key, user=user.username):
                    response = self.api(user).delete(url, {"version": record.version, "reason": "x"}, format="json")
                    self.assertEqual(response.status_code, 404)
                    self.assertFalse(self.reread(record).is_deleted)
            deleted = deletion.do_soft_delete(actor=self.owner, obj=record, reason="x", expected_version=record.version)
            for user in (self.other_unit_user, self.sibling_inspector):
                with self.subTest(kind=key, user=user.username, action="restore"):
                    response = self.api(user).post(self.restore_url(url), {"version": deleted.version}, format="json")
                    self.assertEqual(response.status_code, 404)
                    self.assertTrue(self.reread(record).is_deleted)
                    rows = self.api(user).get(reverse("api-deleted-records"), {"kind": key})
                    self.assertNotIn(record.pk, [row["id"] for row in rows.json().get("results", [])])

    def test_the_services_keep_to_the_scope_for_a_direct_caller(self):
        from django.http import Http404

        for user in (self.other_unit_user, self.sibling_inspector):
            with self.assertRaises(Http404):
                deletion.do_soft_delete(actor=user, obj=self.equipment_a, reason="x", expected_version=1)
        deleted = deletion.do_soft_delete(actor=self.owner, obj=self.equipment_a, reason="x", expected_version=1)
        with self.assertRaises(Http404):
            deletion.do_restore(actor=self.unit_b_user, obj=deleted, expected_version=deleted.version)
        self.assertTrue(self.reread(self.equipment_a).is_deleted)

    def test_the_county_regulator_deletes_and_restores_equipment_of_its_county(self):
        url = reverse("equipment-detail", args=[self.equipment_a.pk])
        response = self.api(self.county_inspector).delete(url, {"version": 1, "reason": "重复登记"}, format="json")
        self.assertEqual(response.status_code, 204)
        rows = self.api(self.county_inspector).get(reverse("api-deleted-records"), {"kind": "equipment"}).json()
        self.assertEqual([row["id"] for row in rows["results"]], [self.equipment_a.pk])
        response = self.api(self.county_inspector).post(self.restore_url(url), {"version": 2}, format="json")
        self.assertEqual(response.status_code, 200)

    def test_restoring_a_record_not_deleted_is_409(self):
        url = self.restore_url(reverse("drill-detail", args=[self.drill.pk]))
        self.assertEqual(self.api(self.owner).post(url, {"version": 1}, format="json").status_code, 409)

    def test_the_recycle_bin_needs_a_kind(self):
        self.assertEqual(self.api(self.owner).get(reverse("api-deleted-records")).status_code, 400)


class RefusalTests(SoftDeleteCase):
    def assertRefused(self, record, fragment):
        url = {
            Equipment: "equipment-detail",
            OperatorCertificate: "certificate-detail",
            Risk: "risk-detail",
        }[type(record)]
        record = self.reread(record)
        response = self.api(self.owner).delete(
            reverse(url, args=[record.pk]), {"version": record.version, "reason": "x"}, format="json"
        )
        self.assertEqual(response.status_code, 409, response.content)
        self.assertIn(fragment, response.json()["detail"])
        again = self.reread(record)
        self.assertEqual((again.deleted_at, again.version), (None, record.version))

    def test_equipment_with_an_open_hazard(self):
        hazard_services.do_report_hazard(actor=self.member, equipment=self.equipment_a, description="层门可被扒开")
        self.assertRefused(self.equipment_a, "未销号的隐患")

    def test_equipment_with_an_open_listing(self):
        hazard = hazard_services.do_report_hazard(
            actor=self.member, equipment=self.equipment_a, description="门锁回路被短接", clauses=["4.6b"]
        )
        hazard_services.do_list_hazard(
            actor=self.county_inspector,
            hazard=hazard,
            level="county",
            deadline=timezone.localdate() + timedelta(days=30),
        )
        self.assertRefused(self.equipment_a, "挂牌督办")

    def test_equipment_named_by_an_open_investigation_task(self):
        InvestigationTask.objects.create(
            organization=self.unit_a,
            region_id=self.unit_a.region_id,
            kind="comprehensive",
            title="综合性排查 电梯",
            equipment=self.equipment_a,
            period_start=date(2026, 1, 1),
            due_on=date(2026, 1, 31),
            assignee_role="safety_officer",
        )
        self.assertRefused(self.equipment_a, "未完成的排查任务")

    def test_equipment_with_an_operator_on_duty_and_its_certificate(self):
        safety_services.do_assign_operator(
            actor=self.owner, equipment=self.equipment_a, certificate=self.certificate, assigned_on=date(2025, 1, 1)
        )
        self.assertRefused(self.equipment_a, "在岗作业人员")
        self.assertRefused(self.certificate, "离岗")

    def test_equipment_of_an_active_major_hazard_source(self):
        safety_services.do_create_hazard_source(
            actor=self.owner, organization=self.unit_a, name="液氨储罐区", grade="3", equipment=self.equipment_a
        )
        self.assertRefused(self.equipment_a, "重大危险源")

    def test_equipment_of_an_accident(self):
        do_record_accident(
            actor=self.county_inspector,
            organization=self.unit_a,
            equipment=self.equipment_a,
            occurred_at=timezone.now() - timedelta(days=1),
            accident_type="04",
            severity="general",
            description="层门坠落",
        )
        self.assertRefused(self.equipment_a, "事故记录")
        self.assertRefused(self.risk, "事故倒查")

    def test_risk_whose_check_found_an_open_hazard(self):
        task = InvestigationTask.objects.create(
            organization=self.unit_a,
            region_id=self.unit_a.region_id,
            kind="daily",
            title="日管控",
            equipment=self.equipment_a,
            period_start=timezone.localdate(),
            due_on=timezone.localdate(),
            assignee_role="safety_officer",
            status=TaskStatus.DONE,
        )
        result = CheckResult.objects.create(
            task=task,
            equipment=self.equipment_a,
            item_source="risk",
            item_code=f"risk-{self.risk.pk}-0",
            text="每日巡查层门",
            outcome="not_ok",
            checked_by=self.owner,
        )
        hazard_services.hazard_from_check_result(result=result, actor=self.owner)
        self.assertRefused(self.risk, "隐患尚未销号")

    def test_the_confirmation_page_shows_the_refusal_without_a_form(self):
        hazard_services.do_report_hazard(actor=self.member, equipment=self.equipment_a, description="层门可被扒开")
        page = self.web(self.owner).get(reverse("core:delete-record", args=["equipment", self.equipment_a.pk]))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "未销号的隐患")
        self.assertNotContains(page, "确认删除")

    def test_a_risk_of_deleted_equipment_comes_back_only_with_it(self):
        deleted = deletion.do_soft_delete(actor=self.owner, obj=self.equipment_a, reason="重复登记", expected_version=1)
        risk = self.reread(self.risk)
        self.assertTrue(risk.is_deleted)
        response = self.api(self.owner).post(
            reverse("risk-restore", args=[risk.pk]), {"version": risk.version}, format="json"
        )
        self.assertEqual(response.status_code, 409)
        self.assertIn("请先恢复设备", response.json()["detail"])
        deletion.do_restore(actor=self.owner, obj=deleted, expected_version=deleted.version)
        self.assertFalse(self.reread(self.risk).is_deleted)
        self.assertEqual(self.reread(self.equipment_a).risk_level, self.risk.level)


class VanishingTests(SoftDeleteCase):
    def test_deleted_equipment_leaves_lists_counts_exports_summaries_and_schedules(self):
        today = timezone.localdate()
        client = self.api(self.owner)
        county = Region.objects.get(code=self.ZEZHOU)

        def equipment_count_in_summary():
            rebuild_summary(today)
            return figures_for(county).figures.equipment

        def listed():
            rows = client.get(reverse("equipment-list"), {"page_size": 500}).json()["results"]
            return self.equipment_a.pk in [row["id"] for row in rows]

        def exported():
            response = self.web(self.owner).get(reverse("equipment:export"))
            self.assertEqual(response.status_code, 200)
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
            cells = {str(cell) for row in workbook.get_sheet_by_index(0).to_python() for cell in row}
            return self.equipment_a.code in cells

        run_duty_cycle(today, units=[self.unit_a.pk])
        daily = InvestigationTask.objects.filter(equipment=self.equipment_a, kind="daily")
        self.assertEqual(daily.filter(status=TaskStatus.PENDING).count(), 1)
        before = equipment_count_in_summary()
        self.assertTrue(listed())
        self.assertTrue(exported())
        risk_listed = client.get(reverse("risk-list")).json()["results"]
        self.assertIn(self.risk.pk, [row["id"] for row in risk_listed])

        deleted = deletion.do_soft_delete(actor=self.owner, obj=self.equipment_a, reason="重复登记", expected_version=1)
        self.assertFalse(listed())
        self.assertFalse(exported())
        self.assertEqual(equipment_count_in_summary(), before - 1)
        self.assertFalse(daily.exists(), "the device's daily check not yet due is cancelled")
        run_duty_cycle(today, units=[self.unit_a.pk])
        self.assertFalse(daily.exists(), "the scheduler makes no task for a deleted device")
        risk_listed = client.get(reverse("risk-list")).json()["results"]
        self.assertNotIn(self.risk.pk, [row["id"] for row in risk_listed])
        self.assertEqual(
            self.web(self.owner).get(reverse("equipment:detail", args=[self.equipment_a.pk])).status_code, 404
        )
        event = Event.objects.get(type="equipment.deleted")
        self.assertEqual(event.data["risks_deleted"], [self.risk.pk])
        self.assertEqual(len(event.data["tasks_cancelled"]), 1)

        deletion.do_restore(actor=self.owner, obj=deleted, expected_version=deleted.version)
        self.assertTrue(listed())
        self.assertTrue(exported())
        self.assertEqual(equipment_count_in_summary(), before)
        run_duty_cycle(today, units=[self.unit_a.pk])
        self.assertEqual(daily.filter(status=TaskStatus.PENDING).count(), 1)
        risk_listed = client.get(reverse("risk-list")).json()["results"]
        self.assertIn(self.risk.pk, [row["id"] for row in risk_listed])

    def test_a_deleted_training_leaves_the_person_s_history_and_the_unit_file(self):
        page = self.web(self.owner).get(reverse("safety:training"))
        self.assertContains(page, "电梯安全操作")
        deletion.do_soft_delete(actor=self.owner, obj=self.training, reason="录入错误", expected_version=1)
        self.assertNotContains(self.web(self.owner).get(reverse("safety:training")), "电梯安全操作")
        self.assertFalse(self.member.training_sessions.exists())
        self.assertEqual(TrainingSession.all_objects.filter(pk=self.training.pk).count(), 1)

    def test_deleting_and_restoring_refresh_the_unit_s_compliance(self):
        with mock.patch("shuangfang.safety.compliance.refresh_unit") as refresh:
            with self.captureOnCommitCallbacks(execute=True):
                deleted = deletion.do_soft_delete(actor=self.owner, obj=self.drill, reason="x", expected_version=1)
            self.assertEqual([call.args[0] for call in refresh.call_args_list], [self.unit_a])
            with self.captureOnCommitCallbacks(execute=True):
                deletion.do_restore(actor=self.owner, obj=deleted, expected_version=deleted.version)
            self.assertEqual(refresh.call_count, 2)
        self.assertEqual(Drill.objects.filter(pk=self.drill.pk).count(), 1)

    def test_a_deleted_device_s_code_cannot_be_registered_again(self):
        deletion.do_soft_delete(actor=self.owner, obj=self.equipment_a, reason="重复登记", expected_version=1)
        body = {"code": self.equipment_a.code, "category": "3110", "name": "电梯"}
        response = self.api(self.owner).post(reverse("equipment-list"), body, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("回收站", response.json()["code"][0])
        self.assertEqual(Equipment.all_objects.filter(code=self.equipment_a.code).count(), 1)
        # Another unit is not told about unit A's recycle bin.
        equipment_c = make_equipment(self.unit_c, "31101401012020C0002")
        deletion.do_soft_delete(actor=self.other_unit_user, obj=equipment_c, reason="x", expected_version=1)
        with self.assertRaises(Exception) as refused:
            do_register_equipment(actor=self.owner, data={**body, "code": equipment_c.code})
        self.assertNotIn("回收站", str(refused.exception))

    def test_the_ledger_import_names_the_deleted_device_holding_a_code(self):
        from shuangfang.equipment.tests.test_ledger import ledger_row, upload, workbook_bytes

        deletion.do_soft_delete(actor=self.owner, obj=self.equipment_a, reason="重复登记", expected_version=1)
        data = workbook_bytes([ledger_row(self.equipment_a.code)])
        response = self.api(self.owner).post(
            "/api/v1/equipment/import/", {"file": upload(data), "dry_run": "false"}, format="multipart"
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("回收站", response.json()["errors"][0]["message"])
        self.assertEqual(Equipment.all_objects.filter(code=self.equipment_a.code).count(), 1)
        self.assertTrue(self.reread(self.equipment_a).is_deleted)

    def test_a_deleted_certificate_s_number_cannot_be_added_again(self):
        deletion.do_soft_delete(actor=self.owner, obj=self.certificate, reason="x", expected_version=1)
        body = {
            "holder_name": "张三",
            "id_number": "140525199001011234",
            "item": "N1",
            "cert_no": self.certificate.cert_no,
            "issued_on": "2024-01-01",
            "expires_on": "2028-01-01",
        }
        response = self.api(self.owner).post(reverse("certificate-list"), body, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("回收站", response.json()["cert_no"][0])


class WebTests(SoftDeleteCase):
    def detail_pages(self):
        return [
            (self.equipment_a, reverse("equipment:detail", args=[self.equipment_a.pk])),
            (self.certificate, reverse("equipment:certificate-edit", args=[self.certificate.pk])),
            (self.risk, reverse("risks:detail", args=[self.risk.pk])),
            (self.training, reverse("safety:training")),
            (self.drill, reverse("safety:emergency")),
        ]

    def test_the_delete_link_is_shown_to_those_who_may_delete(self):
        for record, page_url in self.detail_pages():
            key = deletion.kind_of(record).key
            link = reverse("core:delete-record", args=[key, record.pk])
            with self.subTest(kind=key):
                self.assertContains(self.web(self.owner).get(page_url), link)
                page = self.web(self.county_inspector).get(page_url)
                if key == "equipment":
                    self.assertContains(page, link)
                elif page.status_code == 200:
                    self.assertNotContains(page, link)

    def test_delete_and_restore_each_kind_through_the_pages(self):
        browser = self.web(self.owner)
        for key, record, _url in self.records():
            with self.subTest(kind=key):
                url = reverse("core:delete-record", args=[key, record.pk])
                page = browser.get(url)
                self.assertContains(page, "确认删除")
                response = browser.post(url, {"reason": "录入错误", "version": record.version})
                self.assertEqual(response.status_code, 302)
                self.assertEqual(response.url, reverse(deletion.KINDS_BY_KEY[key].list_url))
                deleted = self.reread(record)
                self.assertEqual((deleted.deletion_reason, deleted.deleted_by), ("录入错误", self.owner))

                bin_page = browser.get(reverse("core:recycle-bin"), {"kind": key})
                self.assertContains(bin_page, "录入错误")
                restore = reverse("core:restore-record", args=[key, record.pk])
                self.assertContains(bin_page, restore)
                response = browser.post(restore, {"version": deleted.version})
                self.assertEqual(response.status_code, 302)
                self.assertFalse(self.reread(record).is_deleted)
                self.assertTrue(Event.objects.filter(type=f"{key}.restored", actor=self.owner).exists())

    def test_the_pages_refuse_as_the_api_does(self):
        url = reverse("core:delete-record", args=["drill", self.drill.pk])
        self.assertEqual(self.web(self.member).get(url).status_code, 403)
        self.assertEqual(self.web(self.member).post(url, {"reason": "x", "version": 1}).status_code, 403)
        for user in (self.other_unit_user, self.sibling_inspector):
            self.assertEqual(self.web(user).post(url, {"reason": "x", "version": 1}).status_code, 404)
        self.assertFalse(self.reread(self.drill).is_deleted)
        response = self.web(self.owner).post(url, {"reason": "", "version": 1})
        self.assertEqual(response.status_code, 400)
        response = self.web(self.owner).post(url, {"reason": "x", "version": 9})
        self.assertEqual(response.status_code, 409)
        self.assertFalse(self.reread(self.drill).is_deleted)

        deleted = deletion.do_soft_delete(actor=self.owner, obj=self.drill, reason="x", expected_version=1)
        restore = reverse("core:restore-record", args=["drill", self.drill.pk])
        self.assertEqual(self.web(self.member).post(restore, {"version": deleted.version}).status_code, 403)
        for user in (self.other_unit_user, self.sibling_inspector):
            self.assertEqual(self.web(user).post(restore, {"version": deleted.version}).status_code, 404)
        self.assertEqual(self.web(self.member).get(reverse("core:recycle-bin")).status_code, 403)
        self.assertNotContains(
            self.web(self.other_unit_user).get(reverse("core:recycle-bin"), {"kind": "drill"}), restore
        )
        self.assertTrue(self.reread(self.drill).is_deleted)
