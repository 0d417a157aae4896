"""The unit's hazard pages: every page renders with real data made through the services, the closed loop once through
the pages (report → confirm → rectify with a photo → accept by another person → closed), a task executed on the phone
path, what a refused form changes (nothing), who gets 404 and who 403, and the English rendering."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_user, tiny_png
from shuangfang.equipment.models import Equipment
from shuangfang.hazards import investigation, scheduling, services
from shuangfang.hazards.choices import HazardStatus, InvestigationKind, Outcome, TaskStatus
from shuangfang.hazards.forms import item_prefix
from shuangfang.hazards.models import (
    CheckItem,
    CheckResult,
    Hazard,
    HazardAttachment,
    InvestigationPlan,
    InvestigationTask,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
DEADLINE = "2026-03-20"
ELEVATOR_CLAUSE = "4.6c"  # 限速器—安全钳联动试验不合格


def photo(name="photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_png(), content_type="image/png")


def confirm_form(hazard, responsible, **changes) -> dict:
    """The confirm form as a safety officer fills it in for a general hazard with a deadline."""
    data = {
        "grade": "general",
        "handling": "deadline",
        "responsible": responsible.pk,
        "measures": "更换损坏的层门门锁",
        "funds": "2000 元",
        "deadline": DEADLINE,
        "contingency": "停梯并设置警示标志",
        "version": hazard.version,
    }
    data.update(changes)
    return data


class HazardPagesTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(NOW, tick=False):
            scheduling.run_duty_cycle(TODAY)
            cls.hazard = services.do_report_hazard(
                actor=cls.member, equipment=cls.equipment_a, description="层门门锁啮合长度不足"
            )
            cls.hazard_b = services.do_report_hazard(
                actor=cls.unit_b_user, equipment=cls.equipment_b, description="乙单位的隐患"
            )
            cls.check_item = investigation.do_add_check_item(
                actor=cls.owner, data={"text": "机房门是否上锁", "standard": "机房门关闭并上锁"}
            )
        cls.daily = InvestigationTask.objects.get(kind=InvestigationKind.DAILY, equipment=cls.equipment_a)
        cls.monthly = InvestigationTask.objects.get(kind=InvestigationKind.MONTHLY, organization=cls.unit_a)
        cls.plan = InvestigationPlan.objects.get(kind=InvestigationKind.WEEKLY, organization=cls.unit_a)

    def setUp(self):
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def fresh(self, hazard) -> Hazard:
        return Hazard.objects.get(pk=hazard.pk)


class PagesRenderTests(HazardPagesTestCase):
    def test_every_page_renders_for_a_unit_user(self):
        client = self.web(self.owner)
        urls = [
            "/hazards/",
            "/hazards/?status=closed",
            "/hazards/?overdue=true",
            f"/hazards/{self.hazard.pk}/",
            "/hazards/report/",
            f"/hazards/report/?equipment={self.equipment_a.pk}",
            f"/hazards/report/clauses/?equipment={self.equipment_a.pk}",
            f"/hazards/equipment/{self.equipment_a.pk}/",
            "/hazards/tasks/",
            "/hazards/tasks/?status=all&whose=mine",
            f"/hazards/tasks/{self.daily.pk}/",
            f"/hazards/tasks/{self.monthly.pk}/",
            f"/hazards/scan/{self.equipment_a.public_token}/",
            "/hazards/plans/",
            "/hazards/plans/new/",
            f"/hazards/plans/{self.plan.pk}/edit/",
            "/hazards/checklist/",
            "/hazards/checklist/?category=3110",
            "/hazards/checklist/items/new/",
            f"/hazards/checklist/items/{self.check_item.pk}/edit/",
            f"/equipment/{self.equipment_a.pk}/",
        ]
        for url in urls:
            with self.subTest(url=url):
                response = client.get(url)
                self.assertEqual(response.status_code, 200, url)

    def test_the_board_shows_open_hazards_by_default_with_counts(self):
        services.do_reject_hazard(
            actor=self.owner,
            hazard=services.do_report_hazard(actor=self.member, equipment=self.equipment_a, description="误报的问题"),
            reason="不构成隐患",
            expected_version=1,
        )
        page = self.web(self.owner).get("/hazards/").content.decode()
        self.assertIn("层门门锁啮合长度不足", page)
        self.assertNotIn("误报的问题", page)
        self.assertNotIn("乙单位的隐患", page)
        self.assertIn(f"/hazards/?status={HazardStatus.REPORTED}", page)
        everything = self.web(self.owner).get("/hazards/?is_open=").content.decode()
        self.assertIn("误报的问题", everything)
        # A filter changed through htmx gets the rows only.
        rows = self.web(self.owner).get("/hazards/?is_open=", HTTP_HX_REQUEST="true").content.decode()
        self.assertIn("误报的问题", rows)
        self.assertNotIn("<html", rows)

    def test_an_overdue_hazard_is_marked_on_the_board(self):
        with time_machine.travel(datetime(2026, 3, 1, 9, tzinfo=NOW.tzinfo), tick=False):
            hazard = services.do_report_hazard(actor=self.member, equipment=self.equipment_a, description="超期的隐患")
            services.do_confirm_hazard(
                actor=self.owner,
                hazard=hazard,
                data={
                    "grade": "general",
                    "handling": "deadline",
                    "deadline": date(2026, 3, 1),
                    "responsible": self.owner,
                    "measures": "整改",
                    "funds": "100 元",
                    "contingency": "停用",
                },
                expected_version=1,
            )
        page = self.web(self.owner).get("/hazards/?overdue=true").content.decode()
        self.assertIn("超期的隐患", page)
        self.assertIn('class="hz-overdue"', page)
        self.assertNotIn("层门门锁啮合长度不足", page)

    def test_a_regulator_sees_the_unit_column_within_its_region(self):
        page = self.web(self.county_inspector).get("/hazards/").content.decode()
        self.assertIn(self.unit_a.name, page)
        self.assertIn("层门门锁啮合长度不足", page)
        self.assertNotIn("乙单位的隐患", page)
        self.assertEqual(self.web(self.county_inspector).get(f"/hazards/{self.hazard.pk}/").status_code, 200)

    def test_english_renders(self):
        client = self.web(self.owner)
        client.cookies["django_language"] = "en"
        for url in ("/hazards/", f"/hazards/{self.hazard.pk}/", f"/hazards/tasks/{self.daily.pk}/", "/hazards/tasks/"):
            with self.subTest(url=url):
                response = client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Language"], "en")
                self.assertIn('<html lang="en">', response.content.decode())


class ClosedLoopTests(HazardPagesTestCase):
    def test_the_whole_loop_through_the_pages(self):
        # 随手拍 by an operator, with a photo, from the equipment.
        reporter = self.web(self.member)
        response = reporter.post(
            f"/hazards/report/?equipment={self.equipment_a.pk}",
            {"description": "轿厢照明不亮", "location": "轿厢", "photos": [photo()]},
        )
        hazard = Hazard.objects.get(description="轿厢照明不亮")
        self.assertRedirects(response, f"/hazards/{hazard.pk}/")
        self.assertEqual(hazard.status, HazardStatus.REPORTED)
        self.assertEqual(hazard.attachments.filter(stage=HazardAttachment.Stage.REPORT).count(), 1)

        # The safety officer confirms with the 五落实.
        officer = self.web(self.owner)
        page = officer.get(f"/hazards/{hazard.pk}/").content.decode()
        self.assertIn(f"/hazards/{hazard.pk}/confirm/", page)
        self.assertIn("/api/v1/attachments/", page)  # the photo, through the scoped download
        response = officer.post(f"/hazards/{hazard.pk}/confirm/", confirm_form(hazard, self.owner))
        self.assertRedirects(response, f"/hazards/{hazard.pk}/")
        hazard = self.fresh(hazard)
        self.assertEqual(hazard.status, HazardStatus.RECTIFYING)
        self.assertEqual(hazard.deadline, date(2026, 3, 20))

        # The officer submits the rectification with a photo.
        response = officer.post(
            f"/hazards/{hazard.pk}/rectify/",
            {"description": "已更换灯具", "evidence": [photo("after.png")], "version": hazard.version},
        )
        self.assertRedirects(response, f"/hazards/{hazard.pk}/")
        hazard = self.fresh(hazard)
        self.assertEqual(hazard.status, HazardStatus.AWAITING_ACCEPTANCE)
        self.assertEqual(hazard.attachments.filter(stage=HazardAttachment.Stage.EVIDENCE).count(), 1)

        # The rectifier is offered no acceptance; the principal accepts.
        self.assertNotIn(f"/hazards/{hazard.pk}/accept/", officer.get(f"/hazards/{hazard.pk}/").content.decode())
        principal = self.web(self.principal)
        self.assertIn(f"/hazards/{hazard.pk}/accept/", principal.get(f"/hazards/{hazard.pk}/").content.decode())
        response = principal.post(
            f"/hazards/{hazard.pk}/accept/", {"passed": "true", "comment": "照明正常", "version": hazard.version}
        )
        self.assertRedirects(response, f"/hazards/{hazard.pk}/")
        hazard = self.fresh(hazard)
        self.assertEqual(hazard.status, HazardStatus.CLOSED)
        self.assertEqual(hazard.accepted_by, self.principal)

        # The page tells the whole story.
        page = principal.get(f"/hazards/{hazard.pk}/").content.decode()
        for step in ("登记隐患", "确认定级", "提交整改", "验收通过", "销号"):
            self.assertIn(step, page)
        self.assertNotIn('<details class="hz-action"', page)

    def test_a_major_hazard_needs_its_plan_and_the_regulators_verification(self):
        response = self.web(self.owner).post(
            f"/hazards/report/?equipment={self.equipment_a.pk}",
            {"description": "限速器安全钳联动试验不合格", "clauses": [ELEVATOR_CLAUSE]},
        )
        hazard = Hazard.objects.get(description="限速器安全钳联动试验不合格")
        self.assertRedirects(response, f"/hazards/{hazard.pk}/")
        self.assertEqual(hazard.grade, "major")
        self.assertEqual(Equipment.objects.get(pk=self.equipment_a.pk).open_major_hazards, 1)
        page = self.web(self.owner).get(f"/hazards/{hazard.pk}/").content.decode()
        self.assertIn("禁止使用", page)
        self.assertIn(ELEVATOR_CLAUSE, page)
        equipment_page = self.web(self.owner).get(f"/equipment/{self.equipment_a.pk}/").content.decode()
        self.assertIn("存在未销号的重大事故隐患，禁止使用。", equipment_page)

        officer = self.web(self.owner)
        without_plan = officer.post(f"/hazards/{hazard.pk}/confirm/", confirm_form(hazard, self.owner, grade="major"))
        self.assertEqual(without_plan.status_code, 400)
        self.assertIn("治理方案缺少", without_plan.content.decode())
        plan = {
            "plan_goal": "消除限速器失效",
            "plan_methods": "更换限速器并做联动试验",
            "plan_funds_materials": "资金 3 万元",
            "plan_organization_people": "设备部",
            "plan_timeline": "3 月 20 日前",
            "plan_safety_contingency": "停梯，张贴告示",
        }
        response = officer.post(
            f"/hazards/{hazard.pk}/confirm/", {**confirm_form(hazard, self.owner, grade="major"), **plan}
        )
        self.assertRedirects(response, f"/hazards/{hazard.pk}/")
        hazard = self.fresh(hazard)
        officer.post(
            f"/hazards/{hazard.pk}/rectify/",
            {"description": "已更换限速器", "evidence": [photo()], "version": hazard.version},
        )
        hazard = self.fresh(hazard)
        self.assertEqual(hazard.status, HazardStatus.AWAITING_ACCEPTANCE)

        # Before the regulator's verification the principal can only send it back.
        page = self.web(self.principal).get(f"/hazards/{hazard.pk}/").content.decode()
        self.assertNotIn('value="true"', page.split('id="action-accept"')[1].split("</details>")[0])

        inspector = self.web(self.county_inspector)
        self.assertIn(f"/hazards/{hazard.pk}/verify/", inspector.get(f"/hazards/{hazard.pk}/").content.decode())
        response = inspector.post(
            f"/hazards/{hazard.pk}/verify/", {"passed": "true", "comment": "现场核查合格", "version": hazard.version}
        )
        self.assertRedirects(response, f"/hazards/{hazard.pk}/")
        hazard = self.fresh(hazard)
        self.assertTrue(hazard.regulator_verified)
        self.web(self.principal).post(
            f"/hazards/{hazard.pk}/accept/", {"passed": "true", "comment": "同意销号", "version": hazard.version}
        )
        self.assertEqual(self.fresh(hazard).status, HazardStatus.CLOSED)
        self.assertEqual(Equipment.objects.get(pk=self.equipment_a.pk).open_major_hazards, 0)

    def test_a_listed_hazard_links_to_its_listing(self):
        hazard = services.do_report_hazard(
            actor=self.owner, equipment=self.equipment_a, description="限速器失效", clauses=[ELEVATOR_CLAUSE]
        )
        listing = services.do_list_hazard(
            actor=self.county_inspector, hazard=hazard, level="county", deadline=date(2026, 4, 30)
        )
        page = self.web(self.owner).get(f"/hazards/{hazard.pk}/").content.decode()
        self.assertIn(f'href="/hazards/supervision/listings/{listing.pk}/"', page)
        self.assertIn("挂牌督办中", page)

    def test_a_general_hazard_fixed_on_the_spot_closes_with_its_photo(self):
        hazard = self.hazard
        response = self.web(self.owner).post(
            f"/hazards/{hazard.pk}/confirm/",
            {
                **confirm_form(hazard, self.owner, handling="immediate", deadline=""),
                "evidence": [photo()],
            },
        )
        self.assertRedirects(response, f"/hazards/{hazard.pk}/")
        self.assertEqual(self.fresh(hazard).status, HazardStatus.CLOSED)

    def test_missing_five_implementations_change_nothing_and_say_so(self):
        hazard = self.hazard
        events = Event.objects.count()
        response = self.web(self.owner).post(
            f"/hazards/{hazard.pk}/confirm/", confirm_form(hazard, self.owner, measures="", contingency="")
        )
        self.assertEqual(response.status_code, 400)
        page = response.content.decode()
        self.assertIn("请填写整改措施。", page)
        self.assertIn("请填写应急预案。", page)
        self.assertIn('id="action-confirm" open', page)
        after = self.fresh(hazard)
        self.assertEqual((after.status, after.version, after.measures), (HazardStatus.REPORTED, hazard.version, ""))
        self.assertEqual(Event.objects.count(), events)

    def test_a_stale_version_is_a_conflict_with_a_clear_message(self):
        hazard = self.hazard
        response = self.web(self.owner).post(
            f"/hazards/{hazard.pk}/confirm/", confirm_form(hazard, self.owner, version=hazard.version + 5)
        )
        self.assertEqual(response.status_code, 409)
        self.assertIn("数据已被他人修改", response.content.decode())
        self.assertIn("重新载入最新数据", response.content.decode())
        self.assertEqual(self.fresh(hazard).status, HazardStatus.REPORTED)

    def test_operators_are_offered_no_confirmation_and_refused_it(self):
        hazard = self.hazard
        client = self.web(self.member)
        page = client.get(f"/hazards/{hazard.pk}/").content.decode()
        self.assertNotIn(f"/hazards/{hazard.pk}/confirm/", page)
        self.assertNotIn(f"/hazards/{hazard.pk}/reject/", page)
        response = client.post(f"/hazards/{hazard.pk}/confirm/", confirm_form(hazard, self.owner))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.fresh(hazard).status, HazardStatus.REPORTED)

    def test_a_regulator_may_not_confirm_a_units_hazard(self):
        response = self.web(self.county_inspector).post(
            f"/hazards/{self.hazard.pk}/confirm/", confirm_form(self.hazard, self.owner)
        )
        self.assertEqual(response.status_code, 403)

    def test_reporting_is_for_the_units_people(self):
        self.assertEqual(self.web(self.county_inspector).get("/hazards/report/").status_code, 403)
        self.assertEqual(self.web(self.owner).get(f"/hazards/report/?equipment={self.equipment_b.pk}").status_code, 404)

    def test_a_report_without_description_is_refused_on_the_form(self):
        hazards = Hazard.objects.count()
        response = self.web(self.member).post("/hazards/report/", {"description": "  "})
        self.assertEqual(response.status_code, 400)
        self.assertIn("请描述隐患。", response.content.decode())
        self.assertEqual(Hazard.objects.count(), hazards)


class OutsidersTests(HazardPagesTestCase):
    def outsiders(self):
        return [self.other_unit_user, self.unit_b_user, self.sibling_inspector, self.other_city_inspector]

    def test_outsiders_get_404_on_pages_and_actions(self):
        pk = self.hazard.pk
        pages = [
            f"/hazards/{pk}/",
            f"/hazards/tasks/{self.daily.pk}/",
            f"/hazards/scan/{self.equipment_a.public_token}/",
            f"/hazards/equipment/{self.equipment_a.pk}/",
            f"/hazards/plans/{self.plan.pk}/edit/",
            f"/hazards/checklist/items/{self.check_item.pk}/edit/",
        ]
        actions = [f"/hazards/{pk}/{name}/" for name in ("confirm", "reject", "rectify", "accept", "extend", "verify")]
        for user in self.outsiders():
            client = self.web(user)
            for url in pages:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(client.get(url).status_code, 404)
            for url in [*actions, f"/hazards/tasks/{self.daily.pk}/"]:
                with self.subTest(user=user.username, url=url, method="POST"):
                    self.assertEqual(client.post(url, {"version": 1}).status_code, 404)
        self.assertEqual(self.fresh(self.hazard).status, HazardStatus.REPORTED)

    def test_an_unknown_qr_token_is_404(self):
        self.assertEqual(self.web(self.owner).get("/hazards/scan/no-such-token/").status_code, 404)


class TaskPagesTests(HazardPagesTestCase):
    def answers(self, task, outcome=Outcome.OK, **overrides) -> dict:
        data = {"version": task.version, "note": ""}
        for item in investigation.checklist_for_task(task):
            data[f"{item_prefix(item)}-outcome"] = outcome
        data.update(overrides)
        return data

    def test_my_tasks_lists_todays_check_first(self):
        page = self.web(self.owner).get("/hazards/tasks/").content.decode()
        self.assertIn(f"/hazards/tasks/{self.daily.pk}/", page)
        # An operator is given none of the unit's duty cycle.
        operator_page = self.web(self.member).get("/hazards/tasks/").content.decode()
        self.assertNotIn(f"/hazards/tasks/{self.daily.pk}/", operator_page)

    def test_the_qr_path_leads_to_todays_check(self):
        page = self.web(self.owner).get(f"/hazards/scan/{self.equipment_a.public_token}/").content.decode()
        self.assertIn(f"/hazards/tasks/{self.daily.pk}/", page)
        self.assertIn(f"/hazards/report/?equipment={self.equipment_a.pk}", page)

    def test_nothing_is_ticked_in_advance(self):
        page = self.web(self.owner).get(f"/hazards/tasks/{self.daily.pk}/").content.decode()
        radios = re.findall(r'<input type="radio"[^>]*>', page)
        self.assertTrue(radios)
        self.assertFalse([radio for radio in radios if "checked" in radio])
        self.assertIn("data-all-ok", page)
        # The unit's own item for no equipment is checked in the weekly sweep.
        self.assertNotIn("机房门是否上锁", page)
        weekly = InvestigationTask.objects.get(kind=InvestigationKind.WEEKLY, organization=self.unit_a)
        self.assertIn("机房门是否上锁", self.web(self.principal).get(f"/hazards/tasks/{weekly.pk}/").content.decode())

    def test_a_check_with_everything_ok_is_the_zero_risk_report(self):
        task = self.daily
        response = self.web(self.owner).post(f"/hazards/tasks/{task.pk}/", self.answers(task))
        self.assertRedirects(response, f"/hazards/tasks/{task.pk}/")
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.DONE)
        page = self.web(self.owner).get(f"/hazards/tasks/{task.pk}/").content.decode()
        self.assertIn("零风险报告", page)

    def test_a_failed_item_with_a_photo_becomes_a_hazard(self):
        task = self.daily
        item = investigation.checklist_for_task(task)[0]
        prefix = item_prefix(item)
        data = self.answers(task)
        data[f"{prefix}-outcome"] = Outcome.NOT_OK
        data[f"{prefix}-note"] = "门锁损坏"
        data[f"{prefix}-photos"] = [photo()]
        response = self.web(self.owner).post(f"/hazards/tasks/{task.pk}/", data)
        self.assertRedirects(response, f"/hazards/tasks/{task.pk}/")
        result = CheckResult.objects.get(task=task, item_code=item.item_code, equipment=self.equipment_a)
        self.assertEqual(result.photos.count(), 1)
        hazard = Hazard.objects.get(check_result=result)
        page = self.web(self.owner).get(f"/hazards/tasks/{task.pk}/").content.decode()
        self.assertIn(f"/hazards/{hazard.pk}/", page)

    def test_an_unanswered_item_is_refused_and_marked(self):
        task = self.daily
        item = investigation.checklist_for_task(task)[0]
        data = self.answers(task)
        del data[f"{item_prefix(item)}-outcome"]
        response = self.web(self.owner).post(f"/hazards/tasks/{task.pk}/", data)
        self.assertEqual(response.status_code, 400)
        page = response.content.decode()
        self.assertIn("还没有结论", page)
        self.assertIn("hz-unanswered", page)
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.PENDING)
        self.assertFalse(CheckResult.objects.filter(task=task).exists())

    def test_the_monthly_meeting_records_attendees_and_decisions(self):
        task = self.monthly
        client = self.web(self.principal)
        refused = client.post(f"/hazards/tasks/{task.pk}/", {"version": task.version})
        self.assertEqual(refused.status_code, 400)
        self.assertIn("请填写参会人员。", refused.content.decode())
        response = client.post(
            f"/hazards/tasks/{task.pk}/",
            {"version": task.version, "attendees": "张三、李四", "decisions": "下月更换限速器"},
        )
        self.assertRedirects(response, f"/hazards/tasks/{task.pk}/")
        page = client.get(f"/hazards/tasks/{task.pk}/").content.decode()
        self.assertIn("下月更换限速器", page)

    def test_someone_else_may_not_execute_a_task(self):
        task = self.daily
        self.assertEqual(self.web(self.member).post(f"/hazards/tasks/{task.pk}/", self.answers(task)).status_code, 403)
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.PENDING)


class PlanAndChecklistPagesTests(HazardPagesTestCase):
    def test_a_manager_adds_a_plan(self):
        response = self.web(self.owner).post(
            "/hazards/plans/new/",
            {
                "kind": InvestigationKind.PRE_HOLIDAY,
                "title": "清明节前排查",
                "cycle": "once",
                "work_days": "every_day",
                "assignee_role": "safety_officer",
                "starts_on": "2026-03-25",
                "due_on": "2026-04-03",
            },
        )
        self.assertRedirects(response, "/hazards/plans/")
        self.assertTrue(InvestigationPlan.objects.filter(title="清明节前排查", organization=self.unit_a).exists())

    def test_a_plan_form_error_is_shown(self):
        response = self.web(self.owner).post(
            "/hazards/plans/new/", {"kind": InvestigationKind.SEASONAL, "title": "", "cycle": "once"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("请填写计划名称。", response.content.decode())

    def test_an_operator_may_not_keep_plans_or_check_items(self):
        client = self.web(self.member)
        self.assertEqual(client.get("/hazards/plans/new/").status_code, 403)
        self.assertEqual(client.get("/hazards/checklist/items/new/").status_code, 403)
        page = client.get("/hazards/plans/").content.decode()
        self.assertNotIn("/hazards/plans/new/", page)

    def test_a_manager_adds_and_retires_a_check_item(self):
        client = self.web(self.owner)
        response = client.post(
            "/hazards/checklist/items/new/",
            {"text": "轿厢应急照明有效", "catalog_prefix": "3000", "gb45067_clause": ""},
        )
        self.assertRedirects(response, "/hazards/checklist/")
        item = CheckItem.objects.get(text="轿厢应急照明有效")
        response = client.post(
            f"/hazards/checklist/items/{item.pk}/edit/",
            {"text": item.text, "standard": "", "gb45067_clause": "", "version": item.version},
        )
        self.assertRedirects(response, "/hazards/checklist/")
        self.assertFalse(CheckItem.objects.get(pk=item.pk).is_active)

    def test_the_checklist_shows_the_library_with_its_clauses(self):
        page = self.web(self.owner).get("/hazards/checklist/?category=3110").content.decode()
        self.assertIn("GB 45067-2024", page)
        self.assertIn("机房门是否上锁", page)


class ExtraUserTests(HazardPagesTestCase):
    def test_a_safety_director_sees_the_weekly_sweep_as_unassigned_role_task(self):
        director = make_user("director", self.unit_a, "safety_director")
        weekly = InvestigationTask.objects.get(kind=InvestigationKind.WEEKLY, organization=self.unit_a)
        weekly.assignee = None
        weekly.save(update_fields=["assignee"])
        page = self.web(director).get("/hazards/tasks/?whose=mine").content.decode()
        self.assertIn(f"/hazards/tasks/{weekly.pk}/", page)
