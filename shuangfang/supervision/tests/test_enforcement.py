"""Enforcement inspections and orders: the checklist as data; the one-action path end to end (major hazard + listing at
the regulator's level + published stop-and-rectify order, all or nothing; the unit sees it; past the deadline the
closure recommendation); bad input refused in Chinese with nothing changed; compliance; pages and API scoped (a
sibling county or another unit gets 404, the unit reads its own)."""

from datetime import date, datetime, timedelta

import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from shuangfang.core.models import Event
from shuangfang.core.services import InvalidTransition, PermissionDenied, VersionConflict
from shuangfang.core.testing import CastTestCase, make_user
from shuangfang.hazards.models import Hazard, Listing
from shuangfang.notifications.models import Notification
from shuangfang.supervision import rules_enforcement as rules
from shuangfang.supervision.models import EnforcementInspection, EnforcementOrder
from shuangfang.supervision.services_enforcement import do_record_compliance, do_record_inspection, recommend_closures

TZ = timezone.get_default_timezone()
TODAY = date(2026, 3, 2)


def travel(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=TZ), tick=False)


def all_ok(**overrides) -> dict:
    results = {item.code: rules.OK for item in rules.ENFORCEMENT_CHECKLIST}
    results.update(overrides)
    return results


class EnforcementTestCase(CastTestCase):
    def inspect(self, actor=None, day=TODAY, **extra):
        values = {"unit": self.unit_a, "inspected_on": day, "results": all_ok(), "findings": ""}
        values.update(extra)
        with travel(day):
            return do_record_inspection(actor=actor or self.county_inspector, **values)

    def one_action_inspection(self, **extra):
        values = {
            "results": all_ok(R3=rules.FINDING),
            "notes": {"R3": "液氨储罐区重大风险由车间级管控"},
            "equipment": self.equipment_a,
            "one_action_deadline": TODAY + timedelta(days=20),
        }
        return self.inspect(**{**values, **extra})


class ChecklistRulesTests(CastTestCase):
    def test_every_item_has_a_citation_and_the_three_one_action_findings_are_flagged(self):
        for item in rules.ENFORCEMENT_CHECKLIST:
            with self.subTest(code=item.code):
                self.assertTrue(item.citation)
                self.assertTrue(str(item.text))
        kinds = {item.one_action_kind for item in rules.ENFORCEMENT_CHECKLIST if item.one_action}
        self.assertEqual(kinds, {rules.ONE_ACTION_UNGRADED, rules.ONE_ACTION_NOT_TOP_LEVEL, rules.ONE_ACTION_MEASURES})
        self.assertEqual(len(rules.CHECK_ITEMS), len(rules.ENFORCEMENT_CHECKLIST), "item codes are unique")

    def test_results_are_checked_item_by_item(self):
        self.assertEqual(rules.check_results(all_ok(), TODAY), {})
        self.assertIn("R1", rules.check_results({"R2": "ok"}, TODAY)["results"])
        self.assertIn("X9", rules.check_results(all_ok(X9="ok"), TODAY)["results"])
        self.assertIn("R1", rules.check_results(all_ok(R1="bad"), TODAY)["results"])
        self.assertEqual(
            [item.code for item in rules.one_action_findings(all_ok(R2="finding", R4="finding", C1="finding"))],
            ["R2", "R4"],
        )
        self.assertTrue(rules.past_deadline(TODAY, TODAY + timedelta(days=1)))
        self.assertFalse(rules.past_deadline(TODAY, TODAY))


class OneActionPathTests(EnforcementTestCase):
    def test_a_one_action_finding_makes_a_major_hazard_a_listing_and_a_published_stop_order(self):
        inspection = self.one_action_inspection(
            orders=[{"content": "补齐月调度纪要", "deadline": TODAY + timedelta(days=10)}]
        )
        self.assertEqual(
            (inspection.unit, inspection.organization, inspection.region_id), (self.unit_a, self.county, "140525")
        )
        self.assertEqual(list(inspection.inspectors.all()), [self.county_inspector])
        self.assertIn("液氨储罐区重大风险由车间级管控", inspection.findings)
        plain, stop = inspection.orders.order_by("pk")
        self.assertEqual((plain.stop_use, plain.published, plain.hazard, plain.listing), (False, False, None, None))
        hazard = Hazard.objects.get(pk=stop.hazard_id)
        self.assertEqual(
            (hazard.organization, hazard.grade, hazard.source, hazard.equipment, hazard.found_by_organization),
            (self.unit_a, "major", "regulator", self.equipment_a, self.county),
        )
        self.assertIn("重大风险没有实施最高管理层级管控", hazard.description)
        self.assertIsNotNone(hazard.reported_to_regulator_at)
        listing = Listing.objects.get(pk=stop.listing_id)
        self.assertEqual(
            (listing.hazard, listing.level, listing.listing_authority, listing.deadline),
            (hazard, "county", self.county, TODAY + timedelta(days=20)),
        )
        self.assertEqual(
            (stop.stop_use, stop.published, stop.status, stop.deadline, stop.unit),
            (True, True, "issued", TODAY + timedelta(days=20), self.unit_a),
        )
        event = Event.objects.get(type="enforcement.inspected")
        self.assertEqual(event.data["one_action"], ["R3"])
        self.assertEqual((event.data["hazards"], event.data["listings"]), ([hazard.pk], [listing.pk]))
        self.assertTrue(Event.objects.filter(type="listing.created", object_id=str(listing.pk)).exists())
        self.equipment_a.refresh_from_db()
        self.assertEqual(self.equipment_a.open_major_hazards, 1)
        self.assertTrue(Notification.objects.filter(kind="enforcement.orders", user=self.principal).exists())

        # The unit sees the inspection, the order and the hazard (page and API).
        page = self.web(self.owner).get(f"/supervision/enforcement/{inspection.pk}/")
        self.assertContains(page, "责令停止使用并整改")
        self.assertContains(page, f"/hazards/{hazard.pk}/")
        self.assertNotContains(page, "确认已整改")
        orders = self.api(self.owner).get("/api/v1/supervision/orders/").json()["results"]
        self.assertEqual({row["id"] for row in orders}, {plain.pk, stop.pk})
        row = self.api(self.member).get(f"/api/v1/supervision/orders/{stop.pk}/").json()
        self.assertEqual(
            (row["hazard"], row["listing"], row["published"], row["stop_use"]), (hazard.pk, listing.pk, True, True)
        )
        self.assertEqual(self.api(self.owner).get(f"/api/v1/hazards/{hazard.pk}/").status_code, 200)

        # The deadline passes without compliance: the closure recommendation, once.
        self.assertEqual(recommend_closures(TODAY + timedelta(days=10)), 0)
        self.assertEqual(recommend_closures(TODAY + timedelta(days=11)), 1)
        self.assertEqual(recommend_closures(TODAY + timedelta(days=20)), 0)
        self.assertEqual(recommend_closures(TODAY + timedelta(days=21)), 1)
        stop.refresh_from_db()
        self.assertEqual((stop.status, stop.version), ("closure_recommended", 2))
        self.assertIsNotNone(stop.closed_at)
        self.assertTrue(
            Event.objects.filter(type="enforcement_order.closure_recommended", object_id=str(stop.pk)).exists()
        )
        self.assertTrue(
            Notification.objects.filter(kind="enforcement.closure_recommended", user=self.county_inspector).exists()
        )
        self.assertTrue(
            Notification.objects.filter(kind="enforcement.closure_recommended", user=self.principal).exists()
        )
        self.assertEqual(recommend_closures(TODAY + timedelta(days=22)), 0)
        self.assertContains(self.web(self.owner).get("/supervision/enforcement/orders/"), "逾期未整改，已提出关闭建议")

    def test_each_one_action_finding_is_its_own_hazard_and_the_city_lists_at_city_level(self):
        inspection = self.inspect(
            actor=self.city_inspector, results=all_ok(R2=rules.FINDING, R4=rules.FINDING), findings="两项"
        )
        orders = list(inspection.orders.select_related("listing"))
        self.assertEqual(len(orders), 2)
        self.assertEqual({order.listing.level for order in orders}, {"city"})
        self.assertEqual(len({order.hazard_id for order in orders}), 2)
        # Without a deadline given: 30 days.
        self.assertEqual({order.deadline for order in orders}, {TODAY + timedelta(days=rules.DEFAULT_ONE_ACTION_DAYS)})

    def test_the_path_is_all_or_nothing(self):
        # The listing refuses a deadline beyond a year: nothing of the inspection remains.
        with self.assertRaises(ValidationError) as refused:
            self.one_action_inspection(one_action_deadline=TODAY + timedelta(days=400))
        self.assertIn("deadline", refused.exception.message_dict)
        self.assertFalse(EnforcementInspection.objects.exists())
        self.assertFalse(EnforcementOrder.objects.exists())
        self.assertFalse(Hazard.objects.exists())
        self.assertFalse(Listing.objects.exists())


class RefusalTests(EnforcementTestCase):
    def test_bad_input_is_refused_with_a_specific_message_and_nothing_changes(self):
        other_regulator_person = make_user("city_person", self.city, "inspector")
        cases = [
            ({"results": {"R1": "ok"}}, "results", "以下检查项未填写结果"),
            ({"results": all_ok(R1="maybe")}, "results", "只能是"),
            ({"results": all_ok(Z1="ok")}, "results", "不是检查表中的检查项"),
            ({"inspected_on": TODAY + timedelta(days=1)}, "inspected_on", "检查日期不能晚于今天。"),
            ({"results": all_ok(C1="finding")}, "findings", "请写明发现的问题"),
            ({"orders": [{"content": "", "deadline": TODAY}]}, "orders", "请填写指令内容"),
            ({"orders": [{"content": "整改", "deadline": TODAY - timedelta(days=1)}]}, "orders", "不能早于今天"),
            ({"orders": [{"content": "整改", "deadline": None}]}, "orders", "有效的整改期限"),
            ({"inspectors": [other_regulator_person]}, "inspectors", "本部门的监察人员"),
            ({"inspectors": [self.owner]}, "inspectors", "本部门的监察人员"),
            ({"equipment": self.equipment_c, "results": all_ok(R2="finding")}, "equipment", "不属于被检查单位"),
            ({"unit": self.county}, "unit", "使用单位"),
            ({"notes": {"Q1": "x"}}, "notes", "不是检查表中的检查项"),
            (
                {
                    "results": all_ok(R2="finding"),
                    "notes": {"R2": "x"},
                    "one_action_deadline": TODAY - timedelta(days=1),
                },
                "one_action_deadline",
                "不能早于今天",
            ),
        ]
        for extra, field, message in cases:
            with self.subTest(field=field, extra=extra), self.assertRaises(ValidationError) as refused:
                self.inspect(**extra)
            self.assertIn(message, " ".join(refused.exception.message_dict[field]))
        self.assertFalse(EnforcementInspection.objects.exists())
        self.assertFalse(Hazard.objects.exists())

    def test_only_inspectors_of_the_jurisdiction_may_record(self):
        for actor in (self.province_leader, self.owner, self.agency_user, self.system_admin):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                self.inspect(actor=actor)
        for actor in (self.sibling_inspector, self.other_city_inspector):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied) as refused:
                self.inspect(actor=actor)
            self.assertIn("不在您的监管辖区内", refused.exception.message)
        self.assertFalse(EnforcementInspection.objects.exists())


class ComplianceTests(EnforcementTestCase):
    def test_the_regulator_records_compliance_once_and_with_the_version_read(self):
        inspection = self.inspect(orders=[{"content": "补齐周排查报告", "deadline": TODAY + timedelta(days=5)}])
        order = inspection.orders.get()
        with self.assertRaises(ValidationError):
            do_record_compliance(actor=self.county_inspector, order=order, follow_up=" ", expected_version=1)
        with self.assertRaises(VersionConflict):
            do_record_compliance(actor=self.county_inspector, order=order, follow_up="已补齐", expected_version=7)
        with self.assertRaises(PermissionDenied):
            do_record_compliance(actor=self.province_leader, order=order, follow_up="已补齐", expected_version=1)
        with self.assertRaises(PermissionDenied):
            do_record_compliance(actor=self.sibling_inspector, order=order, follow_up="已补齐", expected_version=1)
        order = do_record_compliance(actor=self.county_inspector, order=order, follow_up="已补齐", expected_version=1)
        self.assertEqual((order.status, order.follow_up, order.version), ("complied", "已补齐", 2))
        self.assertTrue(Event.objects.filter(type="enforcement_order.complied").exists())
        with self.assertRaises(InvalidTransition):
            do_record_compliance(actor=self.county_inspector, order=order, follow_up="再次", expected_version=2)
        # A complied order is never marked for closure.
        self.assertEqual(recommend_closures(TODAY + timedelta(days=30)), 0)

    def test_a_one_action_order_is_not_complied_while_its_major_hazard_is_open(self):
        order = self.one_action_inspection().orders.get()
        with self.assertRaises(InvalidTransition) as refused:
            do_record_compliance(actor=self.county_inspector, order=order, follow_up="已整改", expected_version=1)
        self.assertIn("尚未整改销号", refused.exception.message)


class PagesTests(EnforcementTestCase):
    def test_the_record_form_with_the_checklist_makes_the_one_action_path(self):
        client = self.web(self.county_inspector)
        self.assertContains(client.get("/supervision/enforcement/new/"), self.unit_a.name)
        form = client.get(f"/supervision/enforcement/new/?unit={self.unit_a.pk}")
        self.assertContains(form, "重大风险由公司级")
        self.assertContains(form, "一律")
        data = {"unit": self.unit_a.pk, "inspected_on": TODAY.isoformat(), "findings": ""}
        data.update({f"result_{code}": value for code, value in all_ok(R4="finding").items()})
        data["note_R4"] = "每日检查钢丝绳未执行"
        data["order_content_1"] = "补齐培训记录"
        data["order_deadline_1"] = (TODAY + timedelta(days=15)).isoformat()
        with travel(TODAY):
            response = client.post("/supervision/enforcement/new/", data)
        inspection = EnforcementInspection.objects.get()
        self.assertRedirects(response, f"/supervision/enforcement/{inspection.pk}/", fetch_redirect_response=False)
        self.assertEqual(inspection.orders.count(), 2)
        self.assertEqual(inspection.orders.filter(stop_use=True, published=True, listing__isnull=False).count(), 1)
        with travel(TODAY):
            detail = client.get(f"/supervision/enforcement/{inspection.pk}/")
        self.assertContains(detail, "确认已整改")
        self.assertContains(self.web(self.county_inspector).get("/supervision/enforcement/"), self.unit_a.name)

    def test_a_missing_result_is_shown_on_the_form_and_nothing_is_saved(self):
        data = {"unit": self.unit_a.pk, **{f"result_{code}": value for code, value in all_ok().items()}}
        del data["result_C2"]
        response = self.web(self.county_inspector).post("/supervision/enforcement/new/", data)
        self.assertContains(response, "以下检查项未填写结果：C2", status_code=400)
        self.assertFalse(EnforcementInspection.objects.exists())

    def test_comply_from_the_page(self):
        order = self.inspect(orders=[{"content": "补齐", "deadline": TODAY + timedelta(days=5)}]).orders.get()
        client = self.web(self.county_inspector)
        url = f"/supervision/enforcement/orders/{order.pk}/comply/"
        prefix = f"order{order.pk}"
        self.assertEqual(client.post(url, {f"{prefix}-version": 1, f"{prefix}-follow_up": ""}).status_code, 400)
        response = client.post(url, {f"{prefix}-version": 1, f"{prefix}-follow_up": "复查合格"})
        self.assertRedirects(
            response, f"/supervision/enforcement/{order.inspection_id}/", fetch_redirect_response=False
        )
        order.refresh_from_db()
        self.assertEqual(order.status, "complied")

    def test_scope_on_pages(self):
        inspection = self.one_action_inspection()
        order = inspection.orders.get()
        detail = f"/supervision/enforcement/{inspection.pk}/"
        comply = f"/supervision/enforcement/orders/{order.pk}/comply/"
        for user in (self.sibling_inspector, self.other_city_inspector, self.other_unit_user, self.unit_b_user):
            with self.subTest(user=user.username):
                client = self.web(user)
                self.assertEqual(client.get(detail).status_code, 404)
                self.assertEqual(client.post(comply, {"version": 1, "follow_up": "x"}).status_code, 404)
                self.assertNotContains(client.get("/supervision/enforcement/"), self.unit_a.name)
        for user in (self.owner, self.member, self.county_inspector, self.city_inspector, self.province_leader):
            with self.subTest(user=user.username):
                self.assertEqual(self.web(user).get(detail).status_code, 200)
        # The unit reads; it may not record or comply.
        self.assertEqual(self.web(self.owner).get("/supervision/enforcement/new/").status_code, 403)
        self.assertEqual(self.web(self.owner).post(comply, {"version": 1, "follow_up": "x"}).status_code, 403)
        self.assertEqual(
            self.web(self.county_inspector).get(f"/supervision/enforcement/new/?unit={self.unit_b.pk}").status_code, 404
        )
        self.assertEqual(self.web(self.agency_user).get("/supervision/enforcement/").status_code, 403)


class ApiTests(EnforcementTestCase):
    def test_create_through_the_api_applies_the_one_action_rule(self):
        body = {
            "unit": self.unit_a.pk,
            "results": all_ok(R2="finding"),
            "notes": {"R2": "起重机械吊钩风险应为重大风险"},
            "new_orders": [
                {"content": "补齐告知卡", "deadline": (timezone.localdate() + timedelta(days=7)).isoformat()}
            ],
        }
        response = self.api(self.county_inspector).post(
            "/api/v1/supervision/enforcement-inspections/", body, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual(len(data["orders"]), 2)
        stop = next(order for order in data["orders"] if order["stop_use"])
        self.assertTrue(stop["published"] and stop["hazard"] and stop["listing"])
        self.assertEqual(data["inspectors"], [self.county_inspector.pk])

    def test_bad_bodies_and_roles(self):
        url = "/api/v1/supervision/enforcement-inspections/"
        response = self.api(self.county_inspector).post(
            url, {"unit": self.unit_a.pk, "results": {"R1": "ok"}}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("以下检查项未填写结果", str(response.json()))
        self.assertEqual(
            self.api(self.province_leader)
            .post(url, {"unit": self.unit_a.pk, "results": all_ok()}, format="json")
            .status_code,
            403,
        )
        self.assertEqual(
            self.api(self.owner).post(url, {"unit": self.unit_a.pk, "results": all_ok()}, format="json").status_code,
            403,
        )
        self.assertEqual(
            self.api(self.sibling_inspector)
            .post(url, {"unit": self.unit_a.pk, "results": all_ok()}, format="json")
            .status_code,
            404,
        )
        self.assertFalse(EnforcementInspection.objects.exists())

    def test_checklist_and_scope_404s(self):
        checklist = self.api(self.owner).get("/api/v1/supervision/enforcement-inspections/checklist/").json()
        self.assertEqual([row["code"] for row in checklist], [item.code for item in rules.ENFORCEMENT_CHECKLIST])
        self.assertEqual(sum(row["one_action"] for row in checklist), 3)
        inspection = self.one_action_inspection()
        order = inspection.orders.get()
        self.assertNotFoundForOutsiders("get", f"/api/v1/supervision/enforcement-inspections/{inspection.pk}/")
        self.assertNotFoundForOutsiders("get", f"/api/v1/supervision/orders/{order.pk}/")
        self.assertNotFoundForOutsiders(
            "post", f"/api/v1/supervision/orders/{order.pk}/comply/", {"version": 1, "follow_up": "x"}
        )
        for user in self.insiders_of_unit_a():
            with self.subTest(user=user.username):
                self.assertEqual(
                    self.api(user).get(f"/api/v1/supervision/enforcement-inspections/{inspection.pk}/").status_code, 200
                )
        response = self.api(self.owner).post(
            f"/api/v1/supervision/orders/{order.pk}/comply/", {"version": 1, "follow_up": "x"}, format="json"
        )
        self.assertEqual(response.status_code, 403)
        response = self.api(self.county_inspector).post(
            f"/api/v1/supervision/orders/{order.pk}/comply/", {"version": 1, "follow_up": "x"}, format="json"
        )
        self.assertEqual(response.status_code, 409)
