"""The public list of enforcement orders (一公开): the page `public:orders` and `GET /api/v1/public/orders/`, without
sign-in.  Only published orders, never an unpublished one under any filter; no people and no ids; filters by region
prefix and status; paginated; the number of queries does not grow with the rows."""

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from shuangfang.hazards.models import Hazard
from shuangfang.supervision import rules_enforcement as rules
from shuangfang.supervision.choices import OrderStatus
from shuangfang.supervision.models import EnforcementInspection, EnforcementOrder
from shuangfang.supervision.services_enforcement import do_record_compliance, recommend_closures

from .test_enforcement import TODAY, EnforcementTestCase, all_ok, travel

API = "/api/v1/public/orders/"
PUBLIC_FIELDS = {
    "unit_name",
    "uscc",
    "region",
    "region_name",
    "content",
    "stop_use",
    "deadline",
    "status",
    "status_display",
    "listing_level",
    "listing_level_display",
    "authority",
    "issued_on",
    "closed_on",
}
PLAIN_ORDER = "补齐岗位责任制度文本"


class PublicOrdersTestCase(EnforcementTestCase):
    def setUp(self):
        super().setUp()
        # Unit A: the one-action path makes a published stop-and-rectify order; the plain order beside it is not
        # published.  Unit B (another county): a published order of its county.
        self.inspection_a = self.one_action_inspection(
            orders=[{"content": PLAIN_ORDER, "deadline": TODAY + timedelta(days=10)}]
        )
        self.plain = self.inspection_a.orders.get(published=False)
        self.stop_a = self.inspection_a.orders.get(published=True)
        self.inspection_b = self.inspect(
            actor=self.sibling_inspector,
            unit=self.unit_b,
            results=all_ok(R2=rules.FINDING),
            notes={"R2": "起重机械吊钩风险应为重大风险"},
            one_action_deadline=TODAY + timedelta(days=25),
        )
        self.stop_b = self.inspection_b.orders.get()

    def public_api(self, params=None):
        with travel(TODAY):
            return APIClient().get(API, params or {})

    def public_page(self, params=None):
        with travel(TODAY):
            return Client().get(reverse("public:orders"), params or {})

    def add_published_orders(self, count: int) -> None:
        inspection = EnforcementInspection.objects.create(
            organization=self.county,
            region_id=self.unit_c.region_id,
            unit=self.unit_c,
            inspected_on=TODAY - timedelta(days=30),
            results=all_ok(),
            created_by=self.county_inspector,
        )
        EnforcementOrder.objects.bulk_create(
            EnforcementOrder(
                inspection=inspection,
                organization=self.county,
                region_id=self.unit_c.region_id,
                unit=self.unit_c,
                content=f"责令停止使用第 {n} 台设备",
                stop_use=True,
                deadline=TODAY + timedelta(days=n),
                published=True,
            )
            for n in range(count)
        )


class PublicOrdersApiTests(PublicOrdersTestCase):
    def test_anonymous_reads_only_the_published_orders(self):
        response = self.public_api()
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual(data["count"], 2)
        self.assertEqual({row["unit_name"] for row in data["results"]}, {self.unit_a.name, self.unit_b.name})
        self.assertNotIn(PLAIN_ORDER, response.content.decode())

    def test_a_row_shows_the_order_and_no_people_or_ids(self):
        row = next(row for row in self.public_api().json()["results"] if row["unit_name"] == self.unit_a.name)
        self.assertEqual(set(row), PUBLIC_FIELDS)
        self.assertEqual(
            (row["uscc"], row["region"], row["stop_use"], row["status"], row["listing_level"], row["authority"]),
            (self.unit_a.uscc, "140525", True, OrderStatus.ISSUED, "county", self.county.name),
        )
        self.assertEqual(row["region_name"], self.unit_a.region.name)
        self.assertEqual(row["deadline"], (TODAY + timedelta(days=20)).isoformat())
        self.assertEqual(row["issued_on"], TODAY.isoformat())
        self.assertIsNone(row["closed_on"])
        self.assertEqual(row["listing_level_display"], "县级挂牌")
        body = str(row)
        for person in (self.county_inspector, self.principal):
            self.assertNotIn(person.username, body)
            if person.get_full_name():
                self.assertNotIn(person.get_full_name(), body)

    def test_an_unpublished_order_never_appears_under_any_filter_or_status(self):
        filters = [{}, {"region": "14"}, {"region": "1405"}, {"region": "140525"}, {"region": "140500"}]
        filters += [{"status": status} for status in OrderStatus.values]
        for status_of_plain in (OrderStatus.ISSUED, OrderStatus.CLOSURE_RECOMMENDED):
            EnforcementOrder.objects.filter(pk=self.plain.pk).update(status=status_of_plain)
            for params in filters:
                with self.subTest(params=params, plain=status_of_plain):
                    response = self.public_api(params)
                    self.assertEqual(response.status_code, 200)
                    self.assertNotIn(PLAIN_ORDER, response.content.decode())
                    page = self.public_page(params)
                    self.assertEqual(page.status_code, 200)
                    self.assertNotContains(page, PLAIN_ORDER)

    def test_filter_by_region_prefix(self):
        def units(params):
            return sorted(row["unit_name"] for row in self.public_api(params).json()["results"])

        both = sorted([self.unit_a.name, self.unit_b.name])
        self.assertEqual(units({"region": "14"}), both)
        self.assertEqual(units({"region": "140500"}), both)  # a city's code covers its counties
        self.assertEqual(units({"region": "140525"}), [self.unit_a.name])
        self.assertEqual(units({"region": "140522"}), [self.unit_b.name])
        self.assertEqual(units({"region": "1401"}), [])

    def test_filter_by_status_follows_compliance_and_closure(self):
        Hazard.objects.filter(pk=self.stop_a.hazard_id).update(status="closed")
        with travel(TODAY + timedelta(days=1)):
            do_record_compliance(
                actor=self.county_inspector, order=self.stop_a, follow_up="复查合格", expected_version=1
            )
        with travel(TODAY + timedelta(days=30)):
            self.assertEqual(recommend_closures(), 2)  # unit B's order and the unpublished plain order

        def units(status):
            return [row["unit_name"] for row in self.public_api({"status": status}).json()["results"]]

        self.assertEqual(units(OrderStatus.COMPLIED), [self.unit_a.name])
        self.assertEqual(units(OrderStatus.CLOSURE_RECOMMENDED), [self.unit_b.name])
        self.assertEqual(units(OrderStatus.ISSUED), [])
        complied = self.public_api({"status": OrderStatus.COMPLIED}).json()["results"][0]
        self.assertEqual(complied["closed_on"], (TODAY + timedelta(days=1)).isoformat())
        self.assertNotIn("复查合格", str(complied))

    def test_bad_filters_are_refused_in_chinese(self):
        response = self.public_api({"region": "晋城"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("地区代码须为 2 至 6 位数字", str(response.json()))
        self.assertEqual(self.public_api({"status": "nonsense"}).status_code, 400)

    def test_a_signed_in_caller_sees_the_same_public_list(self):
        with travel(TODAY):
            response = self.api(self.unit_b_user).get(API)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["count"], 2)

    def test_pagination(self):
        self.add_published_orders(7)
        first = self.public_api({"page_size": 4}).json()
        self.assertEqual((first["count"], len(first["results"])), (9, 4))
        self.assertTrue(first["next"])
        last = self.public_api({"page_size": 4, "page": 3}).json()
        self.assertEqual(len(last["results"]), 1)
        self.assertIsNone(last["next"])
        seen = [
            row["content"]
            for page in (1, 2, 3)
            for row in self.public_api({"page_size": 4, "page": page}).json()["results"]
        ]
        self.assertEqual(len(seen), len(set(seen)), "no order on two pages")

    def test_query_count_does_not_grow_with_rows(self):
        def count(params):
            with CaptureQueriesContext(connection) as queries:
                response = self.public_api(params)
            self.assertEqual(response.status_code, 200)
            return len(queries)

        few = count({}), count({"region": "1405"})
        self.add_published_orders(30)
        for _ in range(3):  # more rows with their listings
            self.one_action_inspection(unit=self.unit_c, equipment=None)
        self.assertEqual(EnforcementOrder.objects.filter(published=True, listing__isnull=False).count(), 5)
        self.assertEqual((count({}), count({"region": "1405"})), few)


class PublicOrdersPageTests(PublicOrdersTestCase):
    def test_anonymous_reads_the_page(self):
        response = self.public_page()
        self.assertEqual(response.status_code, 200)
        for text in (
            self.unit_a.name,
            self.unit_a.uscc,
            self.unit_b.name,
            self.county.name,
            "责令停止使用",
            "县级挂牌",
        ):
            self.assertContains(response, text)
        self.assertNotContains(response, PLAIN_ORDER)
        self.assertNotContains(response, self.county_inspector.username)
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_filters_on_the_page(self):
        response = self.public_page({"region": "140525"})
        self.assertContains(response, self.unit_a.name)
        self.assertNotContains(response, self.unit_b.name)
        response = self.public_page({"status": OrderStatus.COMPLIED})
        self.assertNotContains(response, self.unit_a.uscc)
        self.assertContains(response, "没有符合条件的已公开监察指令")

    def test_a_bad_region_is_explained_and_left_out(self):
        response = self.public_page({"region": "晋城"})
        self.assertContains(response, "地区代码须为 2 至 6 位数字")
        self.assertContains(response, self.unit_a.name)

    def test_pagination_and_query_count(self):
        def count(params):
            with CaptureQueriesContext(connection) as queries:
                response = self.public_page(params)
            self.assertEqual(response.status_code, 200)
            return len(queries)

        few = count({})
        self.add_published_orders(60)
        self.one_action_inspection(unit=self.unit_c, equipment=None)
        self.assertEqual(count({}), few)
        first = self.public_page()
        self.assertContains(first, "共 63 条")
        self.assertContains(first, 'rel="next"')
        second = self.public_page({"page": 2})
        self.assertEqual(second.status_code, 200)
        self.assertNotContains(second, 'rel="next"')

    def test_htmx_gets_the_results_only(self):
        with travel(TODAY):
            response = Client().get(reverse("public:orders"), HTTP_HX_REQUEST="true")
        self.assertContains(response, self.unit_a.name)
        self.assertNotContains(response, "<html")

    def test_linked_from_the_public_blacklist_and_the_regulators_orders_page(self):
        url = reverse("public:orders")
        self.assertEqual(url, "/public/orders/")
        self.assertContains(Client().get(reverse("public:blacklist")), url)
        self.assertContains(self.web(self.county_inspector).get(reverse("supervision:enforcement-orders")), url)
