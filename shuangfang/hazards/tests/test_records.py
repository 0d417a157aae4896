"""The three Order 74 records against hand-counted data: a week of daily checks (one all-ok day, one with a finding and
a check left undone, one with an equipment never given a task), hazards found, closed, overdue and listed, the weekly
sweep and the monthly meeting; the pages, their .xlsx, who may read them and the English page."""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.equipment.models import CertificateItem, Equipment, OperatorCertificate
from shuangfang.hazards import records
from shuangfang.hazards.models import CheckResult, Hazard, InvestigationPlan, InvestigationTask, Listing
from shuangfang.risks.models import Risk, RiskPoint

TODAY = date(2026, 3, 20)  # a Friday; the week under test is Monday 2 March – Sunday 8 March
WEEK = date(2026, 3, 2)
DAILY = "/hazards/records/daily/"
WEEKLY = "/hazards/records/weekly/"
MONTHLY = "/hazards/records/monthly/"


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def workbook(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def sheet_rows(book, index: int) -> list[tuple]:
    return list(book.worksheets[index].iter_rows(values_only=True))


class RecordsTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.director = make_user("director", cls.unit_a, "safety_director")
        cls.equipment_a.inspection_due_on = date(2026, 4, 10)  # due within 30 days of TODAY
        cls.equipment_a.save()
        cls.equipment_a2 = make_equipment(cls.unit_a, "31101401012020A0002", inspection_due_on=date(2026, 3, 15))
        cls.suspended = make_equipment(
            cls.unit_a, "31101401012020A0003", status="suspended", inspection_due_on=date(2026, 1, 1)
        )
        # Everything came onto the platform before the period under test.
        Equipment.objects.update(created_at=at(date(2026, 1, 1)))

        cls.daily_plan = cls.plan(cls.unit_a, "daily")
        cls.weekly_plan = cls.plan(cls.unit_a, "weekly")
        cls.monthly_plan = cls.plan(cls.unit_a, "monthly")

        # Monday: both in-use equipment checked, every item ok or not applicable: 零风险.
        monday = date(2026, 3, 2)
        task = cls.task(cls.daily_plan, monday, cls.equipment_a, done_at=at(monday, 8, 30))
        cls.result(task, "A-1", "ok")
        cls.result(task, "A-2", "na")
        task = cls.task(cls.daily_plan, monday, cls.equipment_a2, done_at=at(monday, 8, 45))
        cls.result(task, "A-1", "ok")

        # Tuesday: equipment A finds one item not ok (a hazard is raised from it); A2's check is left undone.
        tuesday = date(2026, 3, 3)
        task = cls.task(cls.daily_plan, tuesday, cls.equipment_a, done_at=at(tuesday, 9, 10))
        cls.result(task, "A-1", "ok")
        cls.result(task, "A-2", "ok")
        not_ok = cls.result(task, "A-3", "not_ok", note='=HYPERLINK("http://example.invalid")', text="层门门锁")
        cls.task(cls.daily_plan, tuesday, cls.equipment_a2, status="overdue")
        cls.h_found_closed = cls.hazard(
            "门锁触点松动",
            found=at(tuesday, 9, 5),
            status="closed",
            closed=at(date(2026, 3, 6), 16),
            deadline=date(2026, 3, 5),
            check_result=not_ok,
            equipment=cls.equipment_a,
        )

        # Wednesday: A checked and ok; A2 was given no task at all.
        wednesday = date(2026, 3, 4)
        task = cls.task(cls.daily_plan, wednesday, cls.equipment_a, done_at=at(wednesday, 9))
        cls.result(task, "A-1", "ok")

        # Hazards around the week.
        cls.h_overdue = cls.hazard(
            "安全阀校验过期", found=at(date(2026, 2, 20)), status="rectifying", deadline=date(2026, 3, 1)
        )
        cls.h_major = cls.hazard(
            "制动器失效",
            found=at(date(2026, 3, 5), 14),
            status="rectifying",
            deadline=date(2026, 4, 30),
            grade="major",
            source="regulator",
        )
        Listing.objects.create(
            hazard=cls.h_major,
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            level="county",
            deadline=date(2026, 4, 30),
            listing_authority=cls.county,
            listed_by=cls.county_admin,
            listed_on=date(2026, 3, 6),
        )
        cls.hazard("举报不实", found=at(date(2026, 3, 4)), status="rejected")
        cls.h_later = cls.hazard("后来发现的隐患", found=at(date(2026, 3, 10)), status="reported")
        cls.hazard("早已销号", found=at(date(2026, 2, 1)), status="closed", closed=at(date(2026, 2, 15)))
        cls.hazard("丙单位的隐患", found=at(tuesday), status="reported", organization=cls.unit_c)

        # The weekly sweeps: this week's done by the safety director, the next one still pending.
        sweep = cls.task(cls.weekly_plan, WEEK, None, done_at=at(date(2026, 3, 6), 15), by=cls.director)
        sweep.note = "本周排查情况良好"
        sweep.save()
        cls.result(sweep, "W-1", "ok", equipment=cls.equipment_a, by=cls.director)
        cls.result(sweep, "W-2", "ok", equipment=cls.equipment_a2, by=cls.director)
        cls.result(sweep, "W-3", "not_ok", equipment=cls.equipment_a2, by=cls.director, text="机房通风不良")
        cls.task(cls.weekly_plan, date(2026, 3, 9), None)
        cls.task(cls.weekly_plan, date(2026, 2, 23), None, done_at=at(date(2026, 2, 27)), by=cls.director)

        # The monthly meetings: February's held and recorded, March's still pending.
        february = cls.task(
            cls.monthly_plan, date(2026, 2, 1), None, done_at=at(date(2026, 2, 26), 10), by=cls.principal
        )
        february.attendees = "主要负责人、安全总监、安全员"
        february.decisions = "三月完成电梯层门专项排查"
        february.save()
        cls.task(cls.monthly_plan, date(2026, 3, 1), None)

        # Risks: two active (one major, one low) and one retired.
        point = RiskPoint.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            kind="equipment",
            name="电梯",
            equipment=cls.equipment_a,
        )
        for level, active in (("major", True), ("low", True), ("significant", False)):
            Risk.objects.create(
                organization=cls.unit_a,
                region_id=cls.unit_a.region_id,
                risk_point=point,
                equipment=cls.equipment_a,
                title=f"{level} 风险",
                hazard_source="危险源",
                method="ls",
                score=Decimal("6"),
                level=level,
                control_level="post",
                reviewed_on=date(2026, 1, 5),
                next_review_on=date(2027, 1, 5),
                is_active=active,
            )

        # Operator certificates: one expiring within 90 days of TODAY, one expired, one valid.
        item = CertificateItem.objects.get(code="T")
        for number, expires in (("C1", date(2026, 5, 1)), ("C2", date(2026, 3, 10)), ("C3", date(2027, 12, 31))):
            OperatorCertificate.objects.create(
                organization=cls.unit_a,
                region_id=cls.unit_a.region_id,
                holder_name=f"持证人{number}",
                id_number="140525199001011234",
                item=item,
                cert_no=number,
                issued_on=date(2022, 1, 1),
                expires_on=expires,
            )

    @classmethod
    def plan(cls, unit, kind: str) -> InvestigationPlan:
        return InvestigationPlan.objects.create(
            organization=unit,
            region_id=unit.region_id,
            kind=kind,
            title=f"{kind} plan",
            cycle=kind,
            assignee_role="safety_officer",
            starts_on=date(2026, 1, 1),
        )

    @classmethod
    def task(cls, plan, period_start, equipment, *, done_at=None, by=None, status="pending") -> InvestigationTask:
        return InvestigationTask.objects.create(
            organization=plan.organization,
            region_id=plan.region_id,
            plan=plan,
            kind=plan.kind,
            title=f"{plan.kind} {period_start}",
            equipment=equipment,
            period_start=period_start,
            due_on=period_start,
            assignee_role=plan.assignee_role,
            status="done" if done_at else status,
            completed_at=done_at,
            completed_by=(by or cls.owner) if done_at else None,
        )

    @classmethod
    def result(cls, task, code, outcome, *, note="", text="检查项", equipment=None, by=None) -> CheckResult:
        return CheckResult.objects.create(
            task=task,
            equipment=equipment or task.equipment,
            item_source="library",
            item_code=code,
            text=text,
            outcome=outcome,
            note=note,
            checked_by=by or cls.owner,
            checked_at=task.completed_at or at(task.period_start),
        )

    @classmethod
    def hazard(cls, description, *, found, status, grade="general", source="check", organization=None, **extra):
        organization = organization or cls.unit_a
        return Hazard.objects.create(
            organization=organization,
            region_id=organization.region_id,
            source=source,
            description=description,
            found_at=found,
            grade=grade,
            status=status,
            closed_at=extra.pop("closed", None),
            **extra,
        )


class DailyRecordTests(RecordsTestCase):
    def test_an_all_ok_day_is_a_zero_risk_report(self):
        record = records.daily_record(self.unit_a, date(2026, 3, 2))
        self.assertEqual([row.equipment.code for row in record.rows], [self.equipment_a.code, self.equipment_a2.code])
        self.assertEqual((record.expected, record.checked, record.unchecked), (2, 2, 0))
        self.assertTrue(record.zero_risk)
        self.assertEqual(record.conclusion, "今日检查未发现风险隐患")
        first = record.rows[0]
        self.assertEqual(
            (first.items.checked, first.items.ok, first.items.not_ok, first.items.not_applicable), (2, 1, 0, 1)
        )
        self.assertEqual(first.checked_by, "owner")
        self.assertEqual(first.checked_at, at(date(2026, 3, 2), 8, 30))

    def test_a_finding_and_an_undone_check(self):
        record = records.daily_record(self.unit_a, date(2026, 3, 3))
        self.assertFalse(record.zero_risk)
        self.assertEqual((record.expected, record.checked, record.unchecked), (2, 1, 1))
        checked, undone = record.rows
        self.assertEqual((checked.items.checked, checked.items.ok, checked.items.not_ok), (3, 2, 1))
        self.assertEqual([result.text for result in checked.not_ok_items], ["层门门锁"])
        self.assertEqual(checked.hazards, [self.h_found_closed])
        self.assertFalse(undone.checked)
        self.assertEqual(undone.status_label, "未检查（已逾期）")
        self.assertEqual(record.hazards, [self.h_found_closed])
        self.assertEqual(record.conclusion, "发现不符合项 1 项，登记隐患 1 项；1 台设备未检查。")

    def test_an_equipment_without_a_task_is_unchecked(self):
        record = records.daily_record(self.unit_a, date(2026, 3, 4))
        self.assertEqual(
            [(row.equipment, row.task is None) for row in record.rows],
            [
                (self.equipment_a, False),
                (self.equipment_a2, True),
            ],
        )
        self.assertEqual(record.rows[1].status_label, "未检查（无检查任务）")
        self.assertFalse(record.zero_risk)
        self.assertEqual(record.unchecked, 1)

    def test_suspended_equipment_and_other_units_are_not_on_the_record(self):
        record = records.daily_record(self.unit_a, date(2026, 3, 5))
        self.assertEqual({row.equipment for row in record.rows}, {self.equipment_a, self.equipment_a2})
        self.assertEqual(record.checked, 0)

    def test_equipment_registered_later_is_not_expected_before(self):
        Equipment.objects.filter(pk=self.equipment_a2.pk).update(created_at=at(date(2026, 3, 5)))
        self.assertEqual(records.daily_record(self.unit_a, date(2026, 3, 4)).expected, 1)
        self.assertEqual(records.daily_record(self.unit_a, date(2026, 3, 5)).expected, 2)

    def test_a_unit_checking_on_working_days_expects_nothing_on_rest_days(self):
        InvestigationPlan.objects.filter(pk=self.daily_plan.pk).update(work_days="working_days")
        saturday = records.daily_record(self.unit_a, date(2026, 3, 7))
        self.assertEqual((saturday.expected, saturday.unchecked), (0, 0))
        self.assertFalse(saturday.zero_risk)
        self.assertIn("休息日", saturday.conclusion)
        self.assertEqual(records.daily_record(self.unit_a, date(2026, 3, 6)).unchecked, 2)
        report = records.weekly_report(self.unit_a, WEEK, today=TODAY)
        self.assertEqual([day.expected for day in report.days], [2, 2, 2, 2, 2, 0, 0])
        self.assertEqual((report.daily_done, report.daily_expected), (4, 10))

    def test_queries_do_not_grow_with_the_equipment(self):
        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                record = records.daily_record(self.unit_a, date(2026, 3, 3))
                for row in record.rows:
                    row.status_label, row.checked_by, row.hazards  # noqa: B018
            return len(queries)

        before = count()
        for number in range(4, 8):
            equipment = make_equipment(self.unit_a, f"31101401012020A000{number}")
            task = self.task(self.daily_plan, date(2026, 3, 3), equipment, done_at=at(date(2026, 3, 3), 10))
            self.result(task, "A-1", "not_ok")
        Equipment.objects.update(created_at=at(date(2026, 1, 1)))
        self.assertEqual(count(), before)


class WeeklyReportTests(RecordsTestCase):
    def report(self, **kwargs):
        return records.weekly_report(self.unit_a, WEEK, today=TODAY, **kwargs)

    def test_daily_check_completion_per_day(self):
        report = self.report()
        self.assertEqual(
            [(day.day.day, day.done, day.expected) for day in report.days],
            [
                (2, 2, 2),
                (3, 1, 2),
                (4, 1, 2),
                (5, 0, 2),
                (6, 0, 2),
                (7, 0, 2),
                (8, 0, 2),
            ],
        )
        self.assertEqual((report.daily_done, report.daily_expected, report.daily_missing), (4, 14, 10))

    def test_hazards_found_closed_open_and_overdue(self):
        report = self.report()
        self.assertEqual(report.found, [self.h_found_closed, self.h_major])
        self.assertEqual(report.closed, [self.h_found_closed])
        self.assertEqual(report.open_at_end, [self.h_overdue, self.h_major])
        self.assertEqual(report.overdue, [self.h_overdue])
        self.assertEqual(report.major, [self.h_major])
        self.assertEqual([listing.level for listing in report.major[0].listing_rows], ["county"])

    def test_the_weekly_sweep_and_the_safety_director(self):
        report = self.report()
        self.assertEqual(report.safety_directors, ["director"])
        (sweep,) = report.sweeps
        self.assertTrue(report.sweep_done)
        self.assertEqual(sweep.executor, self.director)
        self.assertEqual(sweep.note, "本周排查情况良好")
        self.assertEqual((sweep.items.checked, sweep.items.ok, sweep.items.not_ok), (3, 2, 1))
        self.assertEqual([result.text for result in sweep.not_ok_items], ["机房通风不良"])

    def test_the_running_week_counts_up_to_today(self):
        report = records.weekly_report(self.unit_a, WEEK, today=date(2026, 3, 4))
        self.assertEqual([day.future for day in report.days], [False, False, False, True, True, True, True])
        self.assertEqual((report.daily_done, report.daily_expected), (4, 6))
        # The hazard closed on the 6th was still open on the 4th, and its deadline (the 5th) had not yet passed.
        self.assertEqual(report.closed, [])
        self.assertEqual(report.open_at_end, [self.h_overdue, self.h_found_closed])
        self.assertEqual(report.overdue, [self.h_overdue])


class BoundedQueriesTests(RecordsTestCase):
    def queries(self, build) -> int:
        with CaptureQueriesContext(connection) as queries:
            build()
        return len(queries)

    def test_weekly_and_monthly_queries_do_not_grow_with_the_data(self):
        def weekly():
            report = records.weekly_report(self.unit_a, WEEK, today=TODAY)
            for hazard in report.found + report.open_at_end + report.major:
                hazard.equipment  # noqa: B018
                [listing.listing_authority.name for listing in getattr(hazard, "listing_rows", [])]  # noqa: B018
            for task in report.sweeps:
                [result.found_hazard for result in task.not_ok_items]  # noqa: B018

        def monthly():
            minutes = records.monthly_minutes(self.unit_a, date(2026, 3, 1), today=TODAY)
            [str(row.item) for row in minutes.certificate_rows]  # noqa: B018
            [row.inspection_state for row in minutes.inspection_rows]  # noqa: B018

        before = self.queries(weekly), self.queries(monthly)
        for number in range(3):
            equipment = make_equipment(self.unit_a, f"31101401012020A001{number}", inspection_due_on=date(2026, 3, 1))
            major = self.hazard(f"重大{number}", found=at(date(2026, 3, 3)), status="rectifying", grade="major")
            major.equipment = equipment
            major.save()
            Listing.objects.create(
                hazard=major,
                organization=self.unit_a,
                region_id=self.unit_a.region_id,
                level="city",
                deadline=date(2026, 5, 1),
                listing_authority=self.city,
                listed_by=self.city_inspector,
                listed_on=date(2026, 3, 4),
            )
            sweep = self.task(self.weekly_plan, date(2026, 3, 16 + number), None, done_at=at(date(2026, 3, 16)))
            self.result(sweep, "W-9", "not_ok", equipment=equipment)
        self.assertEqual((self.queries(weekly), self.queries(monthly)), before)


class MonthlyMinutesTests(RecordsTestCase):
    def minutes(self, month=date(2026, 3, 1)):
        return records.monthly_minutes(self.unit_a, month, today=TODAY)

    def test_daily_and_weekly_figures(self):
        minutes = self.minutes()
        self.assertEqual(minutes.as_of, TODAY)
        self.assertEqual((minutes.daily_done, minutes.daily_expected), (4, 40))  # 20 days × 2 equipment
        self.assertEqual((minutes.days_complete, minutes.days_due), (1, 20))
        self.assertEqual(minutes.sweeps_done, 1)
        self.assertEqual(len(minutes.sweeps), 2)

    def test_hazards_by_grade(self):
        minutes = self.minutes()
        general, major = minutes.hazards_by_grade
        self.assertEqual((general.found, general.closed, general.open, general.overdue), (2, 1, 2, 1))
        self.assertEqual((major.found, major.closed, major.open, major.overdue), (1, 0, 1, 0))
        totals = minutes.hazard_totals
        self.assertEqual((totals.found, totals.closed, totals.open, totals.overdue), (3, 1, 3, 1))

    def test_risks_inspections_and_certificates(self):
        minutes = self.minutes()
        self.assertEqual(
            {figure.level: figure.count for figure in minutes.risks_by_level},
            {
                "major": 1,
                "significant": 0,
                "general": 0,
                "low": 1,
            },
        )
        self.assertEqual((minutes.inspection_overdue, minutes.inspection_due_soon), (1, 1))
        self.assertEqual([row.code for row in minutes.inspection_rows], [self.equipment_a2.code, self.equipment_a.code])
        self.assertEqual((minutes.certificates_expiring, minutes.certificates_expired), (1, 1))
        self.assertEqual([row.cert_no for row in minutes.certificate_rows], ["C2", "C1"])

    def test_the_meeting_is_pending_until_the_principal_records_it(self):
        self.assertTrue(self.minutes().meeting_pending)
        february = self.minutes(date(2026, 2, 1))
        self.assertFalse(february.meeting_pending)
        (meeting,) = february.held_meetings
        self.assertEqual(meeting.executor, self.principal)
        self.assertEqual(meeting.decisions, "三月完成电梯层门专项排查")
        self.assertEqual(february.principals, ["principal"])
        self.assertEqual(february.as_of, date(2026, 2, 28))


@time_machine.travel(datetime(2026, 3, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
class RecordPageTests(RecordsTestCase):
    def get(self, user, url, **params):
        return self.web(user).get(url, params)

    def test_the_daily_page_states_the_zero_risk_report(self):
        response = self.get(self.owner, DAILY, date="2026-03-02")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "零风险报告")
        self.assertContains(response, "今日检查未发现风险隐患")
        self.assertContains(response, 'class="record-signature"', count=3)
        self.assertContains(response, 'href="/hazards/records/daily/?date=2026-03-01"')
        self.assertContains(response, 'href="/hazards/records/daily/?date=2026-03-03"')

    def test_the_daily_page_lists_findings_and_unchecked_equipment(self):
        response = self.get(self.owner, DAILY, date="2026-03-03")
        self.assertNotContains(response, "零风险报告")
        self.assertContains(response, "层门门锁")
        self.assertContains(response, "未检查（已逾期）")

    def test_default_periods_and_no_link_into_the_future(self):
        response = self.get(self.owner, DAILY)
        self.assertContains(response, "2026-03-20")
        self.assertNotContains(response, 'rel="next"')
        response = self.get(self.owner, WEEKLY)
        self.assertContains(response, "2026-03-16")
        self.assertNotContains(response, 'rel="next"')
        response = self.get(self.owner, MONTHLY)
        self.assertContains(response, "本月调度会议尚未召开")
        self.assertContains(response, 'href="/hazards/records/monthly/?month=2026-02"')

    def test_weekly_and_monthly_pages(self):
        response = self.get(self.owner, WEEKLY, week="2026-W10")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "制动器失效")
        self.assertContains(response, "本周排查情况良好")
        self.assertContains(response, 'href="/hazards/records/weekly/?week=2026-W09"')
        self.assertContains(response, 'href="/hazards/records/weekly/?week=2026-W11"')
        response = self.get(self.owner, MONTHLY, month="2026-02")
        self.assertContains(response, "三月完成电梯层门专项排查")
        self.assertNotContains(response, "本月调度会议尚未召开")

    def test_bad_and_future_periods_are_explained(self):
        for url, params in (
            (DAILY, {"date": "2026-13-01"}),
            (DAILY, {"date": "yesterday"}),
            (DAILY, {"date": "2026-03-21"}),
            (DAILY, {"date": "1900-01-01"}),
            (WEEKLY, {"week": "2026-W60"}),
            (WEEKLY, {"week": "2026-10"}),
            (MONTHLY, {"month": "2026-3"}),
            (MONTHLY, {"month": "2026-04"}),
        ):
            with self.subTest(url=url, params=params):
                response = self.get(self.owner, url, **params)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, 'class="alert alert-error"', status_code=400)
                response = self.get(self.owner, url, format="xlsx", **params)
                self.assertEqual(response.status_code, 400)

    def test_daily_xlsx(self):
        response = self.get(self.owner, DAILY, date="2026-03-03", format="xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertIn(".xlsx", response["Content-Disposition"])
        book = workbook(response)
        self.assertEqual(book.sheetnames, ["每日安全检查记录", "检查情况", "不符合项"])
        summary = dict(row[:2] for row in sheet_rows(book, 0)[2:])
        self.assertEqual(summary["使用单位"], "甲单位")
        self.assertEqual((summary["应检设备"], summary["已检查"], summary["未检查"]), (2, 1, 1))
        self.assertIn("检查人（签字）", summary)
        header, *rows = sheet_rows(book, 1)
        self.assertEqual(header[:4], ("序号", "设备代码", "设备名称", "检查状态"))
        self.assertEqual(
            [(row[1], row[3], row[8]) for row in rows],
            [
                (self.equipment_a.code, "已检查", 1),
                (self.equipment_a2.code, "未检查（已逾期）", 0),
            ],
        )
        header, *rows = sheet_rows(book, 2)
        self.assertEqual(header[2], "检查内容")
        (row,) = rows
        self.assertEqual(row[2], "层门门锁")
        # A note that a spreadsheet would run as a formula is written as text.
        self.assertEqual(row[4], '\'=HYPERLINK("http://example.invalid")')
        self.assertEqual(row[7], "一般事故隐患")

    def test_weekly_xlsx(self):
        book = workbook(self.get(self.owner, WEEKLY, week="2026-W10", format="xlsx"))
        self.assertEqual(book.sheetnames[0], "每周安全排查治理报告")
        days = sheet_rows(book, 1)
        self.assertEqual(days[0], ("日期", "应检", "已检", "未检"))
        self.assertEqual([row[1:] for row in days[1:]], [(2, 2, 0), (2, 1, 1), (2, 1, 1)] + [(2, 0, 2)] * 4)
        found = sheet_rows(book, 2)
        self.assertEqual(found[0][3], "隐患描述")
        self.assertEqual([row[3] for row in found[1:]], ["门锁触点松动", "制动器失效"])
        open_rows = sheet_rows(book, 4)
        self.assertEqual([(row[3], row[-1]) for row in open_rows[1:]], [("安全阀校验过期", "是"), ("制动器失效", None)])
        major = sheet_rows(book, 5)
        self.assertEqual(
            [(row[1], row[4], row[7]) for row in major[1:]], [("制动器失效", "县级挂牌", "泽州县市场监督管理局")]
        )

    def test_monthly_xlsx(self):
        book = workbook(self.get(self.owner, MONTHLY, month="2026-03", format="xlsx"))
        summary = dict(row[:2] for row in sheet_rows(book, 0)[2:])
        self.assertEqual(summary["日管控完成（已检/应检）"], "4/40")
        self.assertIn("尚未召开", summary["调度会议"])
        grades = sheet_rows(book, 1)
        self.assertEqual(grades[0], ("隐患等级", "本月发现", "本月销号", "未销号", "逾期"))
        self.assertEqual(grades[1:], [("一般事故隐患", 2, 1, 2, 1), ("重大事故隐患", 1, 0, 1, 0), ("合计", 3, 1, 3, 1)])

    def test_a_regulator_reads_a_unit_of_its_jurisdiction(self):
        for user in (self.county_inspector, self.city_inspector, self.province_leader):
            with self.subTest(user=user.username):
                response = self.get(user, WEEKLY, organization=self.unit_a.pk, week="2026-W10")
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "制动器失效")
                self.assertContains(response, f"organization={self.unit_a.pk}&amp;week=2026-W09")
        response = self.get(self.county_inspector, MONTHLY, organization=self.unit_a.pk, month="2026-03", format="xlsx")
        self.assertEqual(response.status_code, 200)

    def test_a_regulator_without_a_unit_chooses_one_of_its_jurisdiction(self):
        response = self.get(self.county_inspector, DAILY)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'<option value="{self.unit_a.pk}">甲单位</option>')
        self.assertContains(response, f'<option value="{self.unit_c.pk}">丙单位</option>')
        self.assertNotContains(response, "乙单位")

    def test_outsiders_get_not_found(self):
        for user in (self.sibling_inspector, self.other_city_inspector, self.other_unit_user, self.unit_b_user):
            for url in (DAILY, WEEKLY, MONTHLY):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.get(user, url, organization=self.unit_a.pk).status_code, 404)
                    response = self.get(user, url, organization=self.unit_a.pk, format="xlsx")
                    self.assertEqual(response.status_code, 404)
        # A regulator's id, or no number at all, names no unit either.
        self.assertEqual(self.get(self.county_inspector, DAILY, organization=self.county.pk).status_code, 404)
        self.assertEqual(self.get(self.county_inspector, DAILY, organization="abc").status_code, 404)

    def test_a_unit_reads_its_own_records_only(self):
        response = self.get(self.other_unit_user, WEEKLY, week="2026-W10")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "制动器失效")
        self.assertContains(response, "丙单位的隐患")
        self.assertEqual(self.get(self.owner, DAILY, organization=self.unit_a.pk).status_code, 200)

    def test_agencies_and_platform_administrators_are_refused(self):
        for user in (self.agency_user, self.system_admin, self.audit_admin):
            with self.subTest(user=user.username):
                self.assertEqual(self.get(user, DAILY, organization=self.unit_a.pk).status_code, 403)
        response = self.client.get(DAILY)
        self.assertEqual(response.status_code, 302)
        self.assertIn("login", response["Location"])

    def test_english_page(self):
        self.addCleanup(translation.deactivate)
        client = self.web(self.owner)
        client.cookies["django_language"] = "en"
        for url, params in ((DAILY, {"date": "2026-03-02"}), (WEEKLY, {"week": "2026-W10"}), (MONTHLY, {})):
            with self.subTest(url=url):
                response = client.get(url, params)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, '<html lang="en">')
        response = client.get(DAILY, {"date": "2026-03-02"})
        self.assertContains(response, "Monday")
        response = client.get(DAILY, {"date": "2026-13-01"})
        self.assertEqual(response.status_code, 400)
        response = client.get(WEEKLY, {"week": "2026-W10", "format": "xlsx"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(workbook(response).worksheets[2].cell(2, 4).value, "门锁触点松动")
