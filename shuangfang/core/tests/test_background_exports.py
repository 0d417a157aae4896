"""Exports over EXPORT_BACKGROUND_ROWS rows run in the background (Checklist B #5): the page queues a job and sends the
user to "我的导出"; the job rebuilds the rows with the requester's scope and filters, keeps the file for its requester
alone, tells them in the inbox, and the hourly clean-up deletes it when its time is up.  Huey runs in immediate mode
in the tests (conftest.py), so a job runs when the request's transaction commits."""

import stat
import tempfile
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from unittest import mock

import time_machine
from django.test import override_settings
from django.urls import reverse
from python_calamine import CalamineWorkbook

from shuangfang.accounts.models import User
from shuangfang.core import tasks
from shuangfang.core.background_exports import KIND_EXPORT_DONE, KIND_EXPORT_FAILED, export_directory, stored_path
from shuangfang.core.models import Event, ExportJob
from shuangfang.core.navigation import menu_for
from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.hazards import services as hazard_services
from shuangfang.notifications.models import Notification
from shuangfang.risks.services import do_create_risk

THRESHOLD = 2


def workbook_rows(content: bytes) -> dict[str, list]:
    workbook = CalamineWorkbook.from_filelike(BytesIO(content))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def workbook_cells(content: bytes) -> set[str]:
    return {str(cell) for rows in workbook_rows(content).values() for row in rows for cell in row}


def risk_data(owner, title: str) -> dict:
    return {
        "title": title,
        "hazard_source": "门锁失效",
        "method": "ls",
        "factors": {"L": 2, "S": 3},
        "control_level": "post",
        "owner": owner,
        "measures": [{"kind": "management", "text": "每日巡查", "check": True}],
    }


@override_settings(EXPORT_BACKGROUND_ROWS=THRESHOLD, EXPORT_RATE_PER_MINUTE=1000, EXPORT_KEEP_HOURS=24)
class BackgroundExportTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.equipment_a2 = make_equipment(cls.unit_a, "31101401012020A0002")
        cls.equipment_a3 = make_equipment(cls.unit_a, "31101401012020A0003")
        # Unit A's suspended equipment: the export below asks for the equipment in use only.
        cls.equipment_a_suspended = make_equipment(cls.unit_a, "31101401012020A0009", status="suspended")
        for equipment, text in [
            (cls.equipment_a, "层门关闭后可被扒开"),
            (cls.equipment_a2, "轿厢照明不亮"),
            (cls.equipment_a3, "底坑积水"),
        ]:
            hazard_services.do_report_hazard(actor=cls.member, equipment=equipment, description=text)
        hazard_services.do_report_hazard(
            actor=cls.other_unit_user, equipment=cls.equipment_c, description="丙单位的隐患"
        )
        for equipment, title in [
            (cls.equipment_a, "甲一号梯层门"),
            (cls.equipment_a2, "甲二号梯层门"),
            (cls.equipment_a3, "甲三号梯层门"),
        ]:
            do_create_risk(actor=cls.owner, equipment=equipment, data=risk_data(cls.owner, title))
        do_create_risk(
            actor=cls.other_unit_user, equipment=cls.equipment_c, data=risk_data(cls.other_unit_user, "丙单位层门")
        )

    def setUp(self):
        var_dir = self.enterContext(tempfile.TemporaryDirectory())
        self.enterContext(override_settings(VAR_DIR=Path(var_dir)))

    def cases(self):
        """(requester, export URL, filters, rows, what the file must hold, what it must not)."""
        return [
            (
                self.owner,
                reverse("equipment:export"),
                {"status": "in_use"},
                3,
                {self.equipment_a.code, self.equipment_a2.code, self.equipment_a3.code},
                {self.equipment_c.code, self.equipment_b.code, self.equipment_a_suspended.code},
            ),
            (
                self.owner,
                reverse("hazards:board-export"),
                {},
                3,
                {"层门关闭后可被扒开", "轿厢照明不亮", "底坑积水"},
                {"丙单位的隐患"},
            ),
            (
                self.county_inspector,
                reverse("orgs:export"),
                {"kind": "use_unit"},
                2,
                {self.unit_a.name, self.unit_c.name},
                {self.unit_b.name, self.agency.name, self.county.name},
            ),
            (
                self.owner,
                reverse("risks:export"),
                {},
                3,
                {"甲一号梯层门", "甲二号梯层门", "甲三号梯层门"},
                {"丙单位层门"},
            ),
        ]

    def export_in_background(self, user, url, filters=None):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.web(user).get(url, filters or {})
        self.assertRedirects(response, reverse("core:exports"), fetch_redirect_response=False)
        return ExportJob.objects.visible_to(user).latest("pk")

    def download(self, user, job):
        return self.web(user).get(reverse("core:export-download", args=[job.pk]))

    # -- above and at the threshold --------------------------------------------------------------------------------

    def test_each_export_above_the_threshold_is_built_in_the_background_within_the_requesters_scope(self):
        for user, url, filters, rows, present, absent in self.cases():
            with self.subTest(url), self.settings(EXPORT_BACKGROUND_ROWS=rows - 1):
                job = self.export_in_background(user, url, filters)
                self.assertEqual(job.state, "done", job.failure_message)
                self.assertEqual((job.user, job.requested_rows, job.rows), (user, rows, rows))
                self.assertEqual(job.filters, filters)
                self.assertTrue(stored_path(job).is_file())
                self.assertEqual(stored_path(job).parent, export_directory())
                self.assertEqual(stat.S_IMODE(stored_path(job).stat().st_mode), 0o600)
                self.assertEqual([path.name for path in export_directory().glob(".*")], [])  # no partial file left
                content = stored_path(job).read_bytes()
                cells = workbook_cells(content)
                self.assertEqual(present - cells, set())
                self.assertEqual(absent & cells, set())
                # The same file the page gives when it builds it in the request.
                with self.settings(EXPORT_BACKGROUND_ROWS=rows):
                    direct = self.web(user).get(url, filters)
                self.assertEqual(workbook_rows(content), workbook_rows(b"".join(direct.streaming_content)))

    def test_at_the_threshold_the_file_comes_in_the_response(self):
        for user, url, filters, rows, present, absent in self.cases():
            with self.subTest(url), self.settings(EXPORT_BACKGROUND_ROWS=rows):
                response = self.web(user).get(url, filters)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response["Content-Disposition"].startswith("attachment"))
                cells = workbook_cells(b"".join(response.streaming_content))
                self.assertEqual(present - cells, set())
                self.assertEqual(absent & cells, set())
        self.assertFalse(ExportJob.objects.exists())

    def test_the_api_export_stays_in_the_response_whatever_the_rows(self):
        response = self.api(self.owner).get("/api/v1/equipment/export/")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.equipment_a3.code, workbook_cells(b"".join(response.streaming_content)))
        self.assertFalse(ExportJob.objects.exists())

    def test_the_redirect_says_where_to_download(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.web(self.owner).get(reverse("risks:export"), follow=True)
        self.assertEqual(response.redirect_chain, [(reverse("core:exports"), 302)])
        self.assertContains(response, "超过 2 行的导出在后台生成")
        self.assertContains(response, "我的导出")
        # Followed before the job ran: the page shows it queued, with no link yet.
        self.assertContains(response, "排队中")
        job = ExportJob.objects.get()
        link = reverse("core:export-download", args=[job.pk])
        self.assertNotContains(response, link)
        self.assertContains(self.web(self.owner).get(reverse("core:exports")), link)

    # -- the job ---------------------------------------------------------------------------------------------------

    def test_the_job_reads_the_requesters_scope_when_it_runs(self):
        with self.captureOnCommitCallbacks() as queued:
            self.web(self.owner).get(reverse("equipment:export"))
        # Moved to unit C before the job ran: the file holds unit C's equipment, nothing of unit A any more.
        User.objects.filter(pk=self.owner.pk).update(organization=self.unit_c)
        for callback in queued:
            callback()
        job = ExportJob.objects.get()
        self.assertEqual((job.state, job.requested_rows, job.rows), ("done", 4, 1))
        cells = workbook_cells(stored_path(job).read_bytes())
        self.assertIn(self.equipment_c.code, cells)
        self.assertNotIn(self.equipment_a.code, cells)

    def test_a_requester_deactivated_before_the_job_runs_gets_no_file(self):
        with self.captureOnCommitCallbacks() as queued:
            self.web(self.owner).get(reverse("equipment:export"))
        User.objects.filter(pk=self.owner.pk).update(is_active=False)
        for callback in queued:
            callback()
        job = ExportJob.objects.get()
        self.assertEqual(job.state, "failed")
        self.assertIn("停用", job.failure_message)
        self.assertEqual((job.stored_name, job.rows), ("", None))
        self.assertFalse(export_directory().exists() and any(export_directory().iterdir()))

    def test_a_failed_job_shows_failed_and_tells_the_requester(self):
        with mock.patch("shuangfang.equipment.ledger.export_file", side_effect=RuntimeError("disk full")):
            job = self.export_in_background(self.owner, reverse("equipment:export"))
        self.assertEqual(job.state, "failed")
        self.assertTrue(job.failure_message)
        self.assertNotIn("disk full", job.failure_message)  # the cause is for the log, not the page
        self.assertIsNone(stored_path(job))
        notification = Notification.objects.get(user=self.owner, kind=KIND_EXPORT_FAILED)
        self.assertEqual(notification.link, reverse("core:exports"))
        page = self.web(self.owner).get(reverse("core:exports"))
        self.assertContains(page, "失败")
        self.assertContains(page, job.failure_message)
        self.assertNotContains(page, reverse("core:export-download", args=[job.pk]))
        self.assertEqual(self.download(self.owner, job).status_code, 404)

    def test_the_requester_is_told_in_the_inbox_with_a_link_to_the_page(self):
        job = self.export_in_background(self.owner, reverse("hazards:board-export"))
        notification = Notification.objects.get(user=self.owner, kind=KIND_EXPORT_DONE)
        self.assertEqual(notification.link, reverse("core:exports"))
        self.assertIn("隐患清单", notification.title)
        self.assertIn("共 3 行", notification.body)
        self.assertFalse(Notification.objects.filter(kind=KIND_EXPORT_DONE).exclude(user=self.owner).exists())
        self.assertEqual(job.expires_at, job.finished_at + timedelta(hours=24))

    # -- the page and the download ---------------------------------------------------------------------------------

    def test_only_the_requester_downloads_the_file(self):
        job = self.export_in_background(self.owner, reverse("equipment:export"))
        response = self.download(self.owner, job)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment"))
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertIn("sandbox", [part.strip() for part in response["Content-Security-Policy"].split(";")])
        self.assertIn(self.equipment_a3.code, workbook_cells(b"".join(response.streaming_content)))
        # A colleague of the same unit, the regulators above it, another unit, another region's regulator.
        for user in (
            self.unit_admin,
            self.principal,
            self.county_inspector,
            self.province_leader,
            self.other_unit_user,
            self.other_city_inspector,
            self.system_admin,
        ):
            with self.subTest(user.username):
                self.assertEqual(self.download(user, job).status_code, 404)
                self.assertNotContains(self.web(user).get(reverse("core:exports")), self.equipment_a.code)
        self.assertEqual(Event.objects.filter(type="export.downloaded").count(), 1)

    def test_the_page_lists_the_users_own_jobs_newest_first(self):
        first = self.export_in_background(self.owner, reverse("risks:export"))
        second = self.export_in_background(self.owner, reverse("hazards:board-export"))
        colleague = self.export_in_background(self.unit_admin, reverse("equipment:export"))
        page = self.web(self.owner).get(reverse("core:exports"))
        self.assertEqual([job.pk for job in page.context["page"].object_list], [second.pk, first.pk])
        self.assertNotContains(page, reverse("core:export-download", args=[colleague.pk]))
        self.assertContains(page, reverse("core:export-download", args=[first.pk]))
        self.assertIn("core:exports", {item.url_name for item in menu_for(self.owner)})
        self.assertIn("core:exports", {item.url_name for item in menu_for(self.county_inspector)})

    def test_expired_files_are_deleted_by_the_periodic_job_and_the_job_stays(self):
        job = self.export_in_background(self.owner, reverse("equipment:export"))
        path = stored_path(job)
        tasks.remove_expired_export_files()
        self.assertTrue(path.is_file())  # still within its keep time
        with time_machine.travel(job.expires_at + timedelta(minutes=1)):
            tasks.remove_expired_export_files()
            page = self.web(self.owner).get(reverse("core:exports"))
            download = self.download(self.owner, job)
        self.assertFalse(path.exists())
        job.refresh_from_db()
        self.assertEqual(job.state, "done")
        self.assertTrue(job.is_expired)
        self.assertIsNotNone(job.file_deleted_at)
        self.assertContains(page, "已过期")
        self.assertNotContains(page, reverse("core:export-download", args=[job.pk]))
        self.assertEqual(download.status_code, 404)

    def test_jobs_lost_with_their_worker_are_failed_by_the_clean_up(self):
        with self.captureOnCommitCallbacks():  # queued, never run
            self.web(self.owner).get(reverse("equipment:export"))
        job = ExportJob.objects.get()
        with time_machine.travel(job.created_at + timedelta(hours=7)):
            tasks.remove_expired_export_files()
        job.refresh_from_db()
        self.assertEqual(job.state, "failed")

    # -- rate limit and audit --------------------------------------------------------------------------------------

    def test_the_rate_limit_counts_background_exports(self):
        with self.settings(EXPORT_RATE_PER_MINUTE=2):
            self.export_in_background(self.owner, reverse("equipment:export"))
            self.export_in_background(self.owner, reverse("risks:export"))
            with self.captureOnCommitCallbacks(execute=True):
                refused = self.web(self.owner).get(reverse("hazards:board-export"))
        self.assertEqual(refused.status_code, 429)
        self.assertEqual(ExportJob.objects.count(), 2)

    def test_the_request_and_the_download_are_audited(self):
        job = self.export_in_background(self.owner, reverse("equipment:export"), {"status": "in_use"})
        requested = Event.objects.get(type="export.equipment")
        self.assertEqual(requested.actor, self.owner)
        self.assertEqual(requested.data["rows"], 3)
        self.assertEqual(requested.data["filters"], {"status": "in_use"})
        self.assertEqual(requested.data["path"], reverse("equipment:export"))
        self.download(self.owner, job)
        downloaded = Event.objects.get(type="export.downloaded")
        self.assertEqual(downloaded.actor, self.owner)
        self.assertEqual((downloaded.object_type, downloaded.object_id), ("core.exportjob", str(job.pk)))
        self.assertEqual(downloaded.organization, self.unit_a)
        self.assertEqual(downloaded.data["rows"], 3)

    def test_the_page_and_the_message_read_in_english(self):
        client = self.web(self.owner)
        client.cookies["django_language"] = "en"
        with self.captureOnCommitCallbacks(execute=True):
            redirected = client.get(reverse("risks:export"), follow=True)
        self.assertContains(redirected, "exports of more than 2 rows are built in the background")
        page = client.get(reverse("core:exports"))
        self.assertEqual(page["Content-Language"], "en")
        for text in ("My exports", "Risk control list", "Done", "Download", "kept until"):
            self.assertContains(page, text)
        for text in ("我的导出", "风险分级管控清单", "已完成", "下载", "保留至"):
            self.assertNotContains(page, text)
