"""Investigation through the API: plans, tasks with their filters, checklists and execution, the unit's own check items
and the library, and scope — another unit and a regulator of another region get 404 on every detail route."""

from datetime import date

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuangfang.accounts.models import User
from shuangfang.core.models import Attachment
from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.hazards import checklists
from shuangfang.hazards.investigation import checklist_for_task, do_add_check_item
from shuangfang.hazards.models import CheckItem, Hazard, InvestigationPlan, InvestigationTask
from shuangfang.hazards.scheduling import ensure_duty_cycle_plans, generate_tasks

PLANS = "/api/v1/investigation-plans/"
TASKS = "/api/v1/investigation-tasks/"
ITEMS = "/api/v1/check-items/"
TODAY = date(2026, 10, 12)  # a Monday


def attachment_of(unit, user):
    return Attachment.objects.create(
        organization=unit,
        region_id=unit.region_id,
        file="attachments/photo.png",
        sha256="0" * 64,
        content_type="image/png",
        size=1,
        uploaded_by=user,
    )


class InvestigationApiTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(f"{TODAY.isoformat()} 09:00 +0800", tick=False):
            cls.crane_a = make_equipment(cls.unit_a, "41101401012020A0002", category="4110")
            cls.item_a = do_add_check_item(actor=cls.owner, data={"catalog_prefix": "3000", "text": "电梯使用标志完好"})
            ensure_duty_cycle_plans(date(2026, 10, 9))
            generate_tasks(date(2026, 10, 9))  # an earlier day (and week), for the date filters
            generate_tasks(TODAY)
        cls.plan_a = InvestigationPlan.objects.get(organization=cls.unit_a, kind="daily", catalog_prefix="")
        cls.task_a = InvestigationTask.objects.get(plan=cls.plan_a, equipment=cls.equipment_a, period_start=TODAY)
        cls.weekly_a = InvestigationTask.objects.get(organization=cls.unit_a, kind="weekly", period_start=TODAY)
        cls.photo_a = attachment_of(cls.unit_a, cls.owner)
        cls.photo_c = attachment_of(cls.unit_c, cls.other_unit_user)

    def setUp(self):
        traveller = time_machine.travel(f"{TODAY.isoformat()} 15:00 +0800", tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def results_for(self, task, outcome="ok"):
        return [
            {"equipment": item.equipment_id, "item_code": item.item_code, "outcome": outcome}
            for item in checklist_for_task(task)
        ]

    def ids(self, response):
        self.assertEqual(response.status_code, 200, response.content)
        return {row["id"] for row in response.json()["results"]}


class PlanApiTests(InvestigationApiTestCase):
    def test_list_and_create_and_patch_with_version(self):
        rows = self.api(self.owner).get(PLANS, {"kind": "daily"}).json()["results"]
        self.assertEqual([(row["id"], row["duty_cycle"]) for row in rows], [(self.plan_a.pk, True)])
        body = {
            "kind": "pre_holiday",
            "cycle": "before_holiday",
            "title": "节前安全检查",
            "assignee_role": "safety_director",
            "assignee": self.principal.pk,
            "starts_on": "2026-10-12",
        }
        response = self.api(self.owner).post(PLANS, body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        created = response.json()
        self.assertEqual(
            (created["organization"], created["assignee"], created["version"], created["duty_cycle"]),
            (self.unit_a.pk, self.principal.pk, 1, False),
        )
        detail = f"{PLANS}{created['id']}/"
        response = self.api(self.principal).patch(detail, {"title": "节前检查", "version": 1}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["title"], response.json()["version"]), ("节前检查", 2))
        self.assertEqual(
            self.api(self.owner).patch(detail, {"title": "x", "version": 1}, format="json").status_code, 409
        )
        response = self.api(self.owner).patch(detail, {"cycle": "once", "version": 2}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("cycle", response.json())

    def test_refusals(self):
        body = {
            "kind": "daily",
            "cycle": "weekly",
            "title": "x",
            "assignee_role": "safety_officer",
            "starts_on": "2026-10-12",
        }
        response = self.api(self.owner).post(PLANS, body, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("cycle", response.json())
        self.assertEqual(self.api(self.member).post(PLANS, {**body, "cycle": "daily"}, format="json").status_code, 403)
        self.assertEqual(self.api(self.county_inspector).post(PLANS, body, format="json").status_code, 403)
        # An assignee the caller cannot see is not found.
        response = self.api(self.owner).post(
            PLANS, {**body, "kind": "other", "cycle": "monthly", "assignee": self.unit_b_user.pk}, format="json"
        )
        self.assertEqual(response.status_code, 404)
        # The Order 74 plan stays in force.
        response = self.api(self.principal).patch(
            f"{PLANS}{self.plan_a.pk}/", {"is_active": False, "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("is_active", response.json())


class TaskApiTests(InvestigationApiTestCase):
    def test_filters(self):
        client = self.api(self.owner)
        everything = self.ids(client.get(TASKS, {"page_size": 500}))
        self.assertEqual(
            everything, set(InvestigationTask.objects.filter(organization=self.unit_a).values_list("pk", flat=True))
        )
        self.assertEqual(
            self.ids(client.get(TASKS, {"kind": "daily", "equipment": self.equipment_a.pk, "due_after": "2026-10-10"})),
            {self.task_a.pk},
        )
        earlier = self.ids(client.get(TASKS, {"kind": "daily", "due_before": "2026-10-10"}))
        self.assertEqual(len(earlier), 2)  # the elevator's and the crane's
        self.assertEqual(
            earlier,
            set(
                InvestigationTask.objects.filter(
                    organization=self.unit_a, kind="daily", due_on=date(2026, 10, 9)
                ).values_list("pk", flat=True)
            ),
        )
        InvestigationTask.objects.filter(due_on__lt=TODAY).update(status="overdue")
        overdue = self.ids(client.get(TASKS, {"status": "overdue"}))
        self.assertTrue(overdue)
        self.assertTrue(all(InvestigationTask.objects.get(pk=pk).due_on < TODAY for pk in overdue))
        # mine: the safety officer's daily checks (assigned to him); the weekly sweep is the safety director's.
        mine = self.ids(client.get(TASKS, {"mine": "true", "page_size": 500}))
        self.assertIn(self.task_a.pk, mine)
        self.assertNotIn(self.weekly_a.pk, mine)
        director = make_user("director_a", self.unit_a, "safety_director")
        weeklies = set(
            InvestigationTask.objects.filter(organization=self.unit_a, kind="weekly").values_list("pk", flat=True)
        )
        self.assertEqual(len(weeklies), 2)
        self.assertEqual(self.ids(self.api(director).get(TASKS, {"mine": "true"})), weeklies)
        row = client.get(f"{TASKS}{self.task_a.pk}/").json()
        self.assertEqual(
            (row["equipment_name"], row["status"], row["assignee"], row["results"]),
            (self.equipment_a.name, "pending", self.owner.pk, []),
        )

    def test_lists_cost_the_same_queries_for_more_rows(self):
        def queries(url):
            user = User.objects.get(pk=self.owner.pk)
            with CaptureQueriesContext(connection) as captured:
                response = self.api(user).get(url, {"page_size": 500})
            self.assertEqual(response.status_code, 200)
            return len(captured), len(response.json()["results"])

        before = {url: queries(url) for url in (PLANS, TASKS, ITEMS)}
        for number in range(5):
            make_equipment(self.unit_a, f"3110140101202000{number:03d}")
            do_add_check_item(actor=self.owner, data={"text": f"检查项 {number}"})
        generate_tasks(date(2026, 10, 13))
        InvestigationPlan.objects.create(
            organization=self.unit_a,
            region_id=self.ZEZHOU,
            kind="other",
            title="其他排查",
            cycle="monthly",
            assignee_role="safety_officer",
            starts_on=TODAY,
        )
        for url, (count, rows) in before.items():
            with self.subTest(url=url):
                after_count, after_rows = queries(url)
                self.assertGreater(after_rows, rows)
                self.assertEqual(after_count, count)

    def test_checklist(self):
        response = self.api(self.county_inspector).get(f"{TASKS}{self.task_a.pk}/checklist/")
        self.assertEqual(response.status_code, 200)
        rows = response.json()
        onsite = [item.code for item in checklists.checklist_for("3110") if item.family == "onsite"]
        self.assertEqual([row["item_code"] for row in rows], [*onsite, f"unit-{self.item_a.pk}"])
        self.assertEqual(rows[0]["equipment"], self.equipment_a.pk)
        self.assertEqual(rows[0]["equipment_name"], self.equipment_a.name)
        self.assertEqual(rows[-1]["item_source"], "unit")

    def test_execute_all_ok_and_then_again(self):
        url = f"{TASKS}{self.task_a.pk}/execute/"
        body = {"results": self.results_for(self.task_a), "note": "运行正常", "version": 1}
        response = self.api(self.owner).post(url, body, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual((data["status"], data["version"], data["completed_by"]), ("done", 2, self.owner.pk))
        self.assertEqual(len(data["results"]), len(body["results"]))
        self.assertTrue(all(row["hazard"] is None for row in data["results"]))
        response = self.api(self.owner).post(url, {**body, "version": 2}, format="json")
        self.assertEqual(response.status_code, 409)
        self.assertIn("已完成", response.json()["detail"])

    def test_execute_with_a_failed_item_and_a_photo(self):
        results = self.results_for(self.task_a)
        results[0].update(outcome="not_ok", note="门锁回路被短接", photos=[self.photo_a.pk])
        response = self.api(self.owner).post(
            f"{TASKS}{self.task_a.pk}/execute/", {"results": results, "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        failed = [row for row in response.json()["results"] if row["outcome"] == "not_ok"]
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0]["photos"], [self.photo_a.pk])
        hazard = Hazard.objects.get(pk=failed[0]["hazard"])
        self.assertEqual((hazard.equipment_id, hazard.source), (self.equipment_a.pk, "check"))

    def test_execute_costs_the_same_queries_for_more_items(self):
        earlier = InvestigationTask.objects.get(
            plan=self.plan_a, equipment=self.equipment_a, period_start=date(2026, 10, 9)
        )

        def execute(task):
            body = {"results": self.results_for(task), "version": task.version}
            with CaptureQueriesContext(connection) as captured:
                response = self.api(User.objects.get(pk=self.owner.pk)).post(
                    f"{TASKS}{task.pk}/execute/", body, format="json"
                )
            self.assertEqual(response.status_code, 200, response.content)
            return len(captured), len(body["results"])

        count, items = execute(self.task_a)
        for number in range(3):
            do_add_check_item(actor=self.owner, data={"equipment": self.equipment_a, "text": f"附加检查项 {number}"})
        more_count, more_items = execute(earlier)
        self.assertEqual(more_items, items + 3)
        self.assertEqual(more_count, count)

    def test_execute_refusals(self):
        url = f"{TASKS}{self.task_a.pk}/execute/"
        complete = self.results_for(self.task_a)
        cases = [
            (self.member, {"results": complete, "version": 1}, 403),
            (self.county_inspector, {"results": complete, "version": 1}, 403),
            (self.owner, {"results": complete[1:], "version": 1}, 400),
            (self.owner, {"results": [*complete, {**complete[0], "item_code": "NO-SUCH"}], "version": 1}, 400),
            (self.owner, {"results": [{**complete[0], "outcome": "not_ok"}, *complete[1:]], "version": 1}, 400),
            (self.owner, {"results": complete, "version": 5}, 409),
            (self.owner, {"results": complete}, 400),
            # Ids of another unit in the body are not found.
            (self.owner, {"results": [{**complete[0], "photos": [self.photo_c.pk]}, *complete[1:]], "version": 1}, 404),
            (self.owner, {"results": [{**complete[0], "equipment": self.equipment_b.pk}], "version": 1}, 404),
        ]
        for user, body, status in cases:
            with self.subTest(user=user.username, status=status):
                response = self.api(user).post(url, body, format="json")
                self.assertEqual(response.status_code, status, response.content)
        response = self.api(self.owner).post(url, {"results": complete[1:], "version": 1}, format="json")
        self.assertIn(complete[0]["item_code"], " ".join(response.json()["results"]))
        self.task_a.refresh_from_db()
        self.assertEqual((self.task_a.status, self.task_a.version), ("pending", 1))

    def test_the_monthly_meeting_through_the_api(self):
        task = InvestigationTask.objects.get(organization=self.unit_a, kind="monthly")
        url = f"{TASKS}{task.pk}/execute/"
        response = self.api(self.principal).post(url, {"results": [], "version": 1}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()), {"decisions", "attendees"})
        body = {"results": [], "decisions": "落实门锁整改", "attendees": "主要负责人、安全总监", "version": 1}
        response = self.api(self.principal).post(url, body, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["decisions"], "落实门锁整改")


class CheckItemApiTests(InvestigationApiTestCase):
    def test_create_patch_and_list(self):
        response = self.api(self.owner).post(
            ITEMS, {"equipment": self.equipment_a.pk, "text": "门锁回路", "gb45067_clause": "4.6b"}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        created = response.json()
        self.assertEqual((created["code"], created["organization"]), (f"unit-{created['id']}", self.unit_a.pk))
        detail = f"{ITEMS}{created['id']}/"
        response = self.api(self.owner).patch(detail, {"is_active": False, "version": 1}, format="json")
        self.assertEqual((response.status_code, response.json()["is_active"]), (200, False))
        response = self.api(self.owner).patch(detail, {"equipment": self.crane_a.pk, "version": 2}, format="json")
        self.assertEqual(response.status_code, 400)
        listed = self.ids(self.api(self.owner).get(ITEMS, {"is_active": "true"}))
        self.assertEqual(listed, {self.item_a.pk})
        self.assertEqual(self.ids(self.api(self.other_unit_user).get(ITEMS)), set())
        self.assertEqual(self.ids(self.api(self.county_inspector).get(ITEMS)), {self.item_a.pk, created["id"]})

    def test_refusals(self):
        response = self.api(self.owner).post(ITEMS, {"text": "x", "gb45067_clause": "9.9z"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("gb45067_clause", response.json())
        self.assertEqual(self.api(self.member).post(ITEMS, {"text": "x"}, format="json").status_code, 403)
        self.assertEqual(self.api(self.county_inspector).post(ITEMS, {"text": "x"}, format="json").status_code, 403)
        response = self.api(self.owner).post(ITEMS, {"text": "x", "equipment": self.equipment_b.pk}, format="json")
        self.assertEqual(response.status_code, 404)
        response = self.api(self.county_inspector).patch(
            f"{ITEMS}{self.item_a.pk}/", {"text": "x", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(CheckItem.objects.get(pk=self.item_a.pk).text, "电梯使用标志完好")

    def test_the_library(self):
        rows = self.api(self.member).get(f"{ITEMS}library/", {"category": "4110", "family": "onsite"}).json()
        expected = [item.code for item in checklists.checklist_for("4110") if item.family == "onsite"]
        self.assertEqual([row["code"] for row in rows], expected)
        self.assertEqual(rows[0]["gb45067_clause"], "4.7c")
        everything = self.api(self.member).get(f"{ITEMS}library/").json()
        self.assertEqual(len(everything), len(checklists.CHECKLIST_LIBRARY))


class ScopeTests(InvestigationApiTestCase):
    def detail_routes(self):
        plan, task, item = self.plan_a.pk, self.task_a.pk, self.item_a.pk
        return [
            ("get", f"{PLANS}{plan}/", None),
            ("patch", f"{PLANS}{plan}/", {"title": "x", "version": 1}),
            ("get", f"{TASKS}{task}/", None),
            ("get", f"{TASKS}{task}/checklist/", None),
            ("post", f"{TASKS}{task}/execute/", {"results": self.results_for(self.task_a), "version": 1}),
            ("get", f"{ITEMS}{item}/", None),
            ("patch", f"{ITEMS}{item}/", {"text": "x", "version": 1}),
        ]

    def test_another_unit_and_a_regulator_of_another_region_get_404_on_every_detail_route(self):
        for method, url, body in self.detail_routes():
            self.assertNotFoundForOutsiders(method, url, body)
        self.plan_a.refresh_from_db()
        self.task_a.refresh_from_db()
        self.assertEqual((self.plan_a.version, self.task_a.version, self.task_a.status), (1, 1, "pending"))

    def test_insiders_and_regulators_above_read_them(self):
        for method, url, _body in self.detail_routes():
            if method != "get":
                continue
            for user in self.insiders_of_unit_a():
                with self.subTest(url=url, user=user.username):
                    self.assertEqual(self.api(user).get(url).status_code, 200)

    def test_lists_hold_only_the_scope(self):
        for url, model in ((PLANS, InvestigationPlan), (TASKS, InvestigationTask), (ITEMS, CheckItem)):
            for user in [*self.insiders_of_unit_a(), *self.outsiders_of_unit_a()]:
                with self.subTest(url=url, user=user.username):
                    listed = self.ids(self.api(user).get(url, {"page_size": 500}))
                    self.assertEqual(listed, set(model.objects.visible_to(user).values_list("pk", flat=True)))
            for user in self.outsiders_of_unit_a():
                listed = self.ids(self.api(user).get(url, {"page_size": 500}))
                self.assertFalse(
                    listed & set(model.objects.filter(organization=self.unit_a).values_list("pk", flat=True))
                )
        for user, prefix in ((self.sibling_inspector, "140522"), (self.other_city_inspector, "1401")):
            for row in self.api(user).get(TASKS, {"page_size": 500}).json()["results"]:
                self.assertTrue(InvestigationTask.objects.get(pk=row["id"]).region_id.startswith(prefix))
