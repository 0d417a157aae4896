"""The risk notification card, the four-colour map and the risk overview: what each shows, to whom, and at what cost
in queries."""

import io
import json
import re
import struct
import zlib
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, SimpleTestCase
from django.test.utils import CaptureQueriesContext

from shuangfang.core.models import Attachment
from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.orgs.models import Organization
from shuangfang.risks import rules
from shuangfang.risks.models import Risk, RiskPoint, SitePlan
from shuangfang.risks.services import do_apply_templates, do_create_risk_point, do_update_risk
from shuangfang.risks.views_map import image_size

MAP = "/risks/map/"
OVERVIEW = "/risks/overview/"


def card_of_equipment(equipment) -> str:
    return f"/risks/cards/equipment/{equipment.pk}/"


def card_of_point(point) -> str:
    return f"/risks/cards/point/{point.pk}/"


def plan_url(plan) -> str:
    return f"/risks/map/{plan.pk}/"


def image_url(plan) -> str:
    return f"/risks/map/{plan.pk}/image/"


def place_url(plan, point) -> str:
    return f"/risks/map/{plan.pk}/points/{point.pk}/place/"


# --------------------------------------------------------------------------------------------------------------------
# Pictures built byte by byte
# --------------------------------------------------------------------------------------------------------------------


def png_bytes(width: int, height: int) -> bytes:
    """A valid, complete white PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def exif_block(orientation: int, order: str) -> bytes:
    """An APP1 EXIF payload whose first image directory holds one entry, the orientation."""
    pack = "<" if order == "II" else ">"
    magic = b"II*\x00" if order == "II" else b"MM\x00*"
    entry = struct.pack(pack + "HHI", 0x0112, 3, 1) + struct.pack(pack + "HH", orientation, 0)
    return b"Exif\x00\x00" + magic + struct.pack(pack + "I", 8) + struct.pack(pack + "H", 1) + entry + bytes(4)


def jpeg_header(width: int, height: int, *, frame: int = 0xC0, orientation: int | None = None, order="MM") -> bytes:
    parts = [b"\xff\xd8", jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")]
    if orientation is not None:
        parts.append(jpeg_segment(0xE1, exif_block(orientation, order)))
    parts.append(jpeg_segment(0xDB, bytes(65)))  # a quantization table comes before the frame
    parts.append(b"\xff\xff")  # fill bytes are allowed before a marker
    parts.append(jpeg_segment(frame, struct.pack(">BHHB", 8, height, width, 3) + bytes(9)))
    parts.append(jpeg_segment(0xDA, bytes(10)))
    return b"".join(parts)


class ImageSizeTests(SimpleTestCase):
    def size(self, data: bytes):
        return image_size(io.BytesIO(data))

    def test_png(self):
        self.assertEqual(self.size(png_bytes(40, 30)), (40, 30))

    def test_jpeg_baseline_and_progressive(self):
        self.assertEqual(self.size(jpeg_header(1920, 1080)), (1920, 1080))
        self.assertEqual(self.size(jpeg_header(800, 600, frame=0xC2)), (800, 600))

    def test_jpeg_turned_a_quarter_by_exif_shows_width_and_height_swapped(self):
        for order in ("II", "MM"):
            with self.subTest(order=order):
                self.assertEqual(self.size(jpeg_header(4000, 3000, orientation=6, order=order)), (3000, 4000))
                self.assertEqual(self.size(jpeg_header(4000, 3000, orientation=8, order=order)), (3000, 4000))
                self.assertEqual(self.size(jpeg_header(4000, 3000, orientation=3, order=order)), (4000, 3000))

    def test_a_huffman_table_is_not_taken_for_a_frame(self):
        data = jpeg_header(640, 480)
        table = jpeg_segment(0xC4, bytes([0, 0, 9, 0, 9]) + bytes(12))
        data = data[:2] + table + data[2:]
        self.assertEqual(self.size(data), (640, 480))

    def test_unreadable_headers(self):
        self.assertIsNone(self.size(b""))
        self.assertIsNone(self.size(b"%PDF-1.7\n"))
        self.assertIsNone(self.size(png_bytes(40, 30)[:20]))
        self.assertIsNone(self.size(jpeg_header(640, 480)[:40]))
        self.assertIsNone(self.size(b"\xff\xd8" + jpeg_segment(0xDA, bytes(10))))
        self.assertIsNone(self.size(jpeg_header(0, 480)))


# --------------------------------------------------------------------------------------------------------------------
# Shared set-up
# --------------------------------------------------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


class RiskPageTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Unit B and C need a principal of their own to own their major risks.
        cls.principal_b = make_user("principal_b", cls.unit_b, "principal")
        cls.principal_c = make_user("principal_c", cls.unit_c, "principal")

    def identify(self, equipment, actor=None):
        return do_apply_templates(actor=actor or self.principal, equipment=[equipment])

    def point_of(self, equipment) -> RiskPoint:
        return RiskPoint.objects.get(equipment=equipment)

    def upload_plan(self, user=None, name="厂区总平面图", width=40, height=30):
        upload = SimpleUploadedFile("plan.png", png_bytes(width, height), content_type="image/png")
        response = self.web(user or self.owner).post(MAP, {"name": name, "image": upload})
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        return SitePlan.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))

    def assertClean(self, response):
        """No inline script, style or event handler: the Content-Security-Policy would refuse them."""
        main = response.text[response.text.index("<main") :]
        self.assertNotIn("style=", main)
        self.assertNotIn("<style", main)
        self.assertIsNone(INLINE_SCRIPT.search(main))
        self.assertIsNone(HANDLER.search(main))


# --------------------------------------------------------------------------------------------------------------------
# The risk notification card
# --------------------------------------------------------------------------------------------------------------------


class CardTests(RiskPageTestCase):
    def test_card_shows_every_risk_with_its_level_measures_and_the_elevator_number(self):
        Organization.objects.filter(pk=self.unit_a.pk).update(contact_phone="0356-3021234")
        risks = self.identify(self.equipment_a)
        self.assertTrue(risks)
        response = self.web(self.owner).get(card_of_equipment(self.equipment_a))
        self.assertEqual(response.status_code, 200)
        highest = rules.highest_level(risk.level for risk in risks)
        self.assertContains(response, f'rk-band-{rules.LEVEL_COLORS[highest]}"')
        for risk in risks:
            self.assertContains(response, risk.title)
            self.assertContains(
                response, f'badge badge-{rules.LEVEL_COLORS[risk.level]}">{rules.LEVEL_LABELS[risk.level]}'
            )
            for measure in risk.measures:
                self.assertContains(response, measure["text"])
        self.assertContains(response, self.equipment_a.code)
        self.assertContains(response, self.unit_a.name)
        for number in ("96333", "119", "120", "0356-3021234"):
            self.assertContains(response, f'href="tel:{number}"')
        self.assertClean(response)

    def test_measures_are_grouped_by_kind(self):
        risks = self.identify(self.equipment_a)
        response = self.web(self.owner).get(card_of_equipment(self.equipment_a))
        # One heading per kind that a risk has, however many measures of that kind it lists.
        headings = sum(len({measure["kind"] for measure in risk.measures}) for risk in risks)
        self.assertEqual(response.text.count("<dd><ul>"), headings)
        self.assertGreaterEqual(headings, len(risks))

    def test_a_forklift_card_has_no_elevator_number(self):
        forklift = make_equipment(self.unit_a, "51101405252020A0009", category="5110")
        self.identify(forklift)
        response = self.web(self.owner).get(card_of_equipment(forklift))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "96333")
        self.assertContains(response, 'href="tel:119"')

    def test_equipment_without_risks_says_so(self):
        response = self.web(self.owner).get(card_of_equipment(self.equipment_a))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "rk-band-grey")
        self.assertContains(response, "尚未辨识风险")
        self.assertContains(response, "96333")

    def test_card_of_a_site_point(self):
        point = do_create_risk_point(
            actor=self.owner, data={"kind": "site", "name": "叉车作业区", "location": "北仓库"}
        )
        response = self.web(self.member).get(card_of_point(point))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "叉车作业区")
        self.assertContains(response, "北仓库")
        self.assertNotContains(response, "96333")
        self.assertClean(response)

    def test_whoever_sees_the_equipment_sees_its_card_and_outsiders_get_404(self):
        self.identify(self.equipment_a)
        point = self.point_of(self.equipment_a)
        insiders = [*self.insiders_of_unit_a(), self.agency_user]
        for url in (card_of_equipment(self.equipment_a), card_of_point(point)):
            for user in insiders:
                with self.subTest(url=url, user=user.username):
                    self.assertEqual(self.web(user).get(url).status_code, 200)
            for user in self.outsiders_of_unit_a():
                with self.subTest(url=url, user=user.username):
                    self.assertEqual(self.web(user).get(url).status_code, 404)
        self.assertEqual(self.web(self.owner).get("/risks/cards/point/999999/").status_code, 404)

    def test_card_query_count_does_not_grow_with_risks(self):
        self.identify(self.equipment_a)
        with CaptureQueriesContext(connection) as few:
            self.web(self.owner).get(card_of_equipment(self.equipment_a))
        point = self.point_of(self.equipment_a)
        template = Risk.objects.filter(equipment=self.equipment_a).first()
        for _copy in range(5):
            template.pk = None
            template.save()
        self.assertEqual(Risk.objects.filter(risk_point=point).count() >= 6, True)
        with CaptureQueriesContext(connection) as many:
            self.web(self.owner).get(card_of_equipment(self.equipment_a))
        self.assertEqual(len(many), len(few))


# --------------------------------------------------------------------------------------------------------------------
# The four-colour map
# --------------------------------------------------------------------------------------------------------------------


class MapTests(RiskPageTestCase):
    def test_a_manager_uploads_a_plan_and_sees_it_at_its_pixel_size(self):
        plan = self.upload_plan()
        self.assertEqual(plan.organization, self.unit_a)
        self.assertEqual(plan.image.content_type, "image/png")
        page = self.web(self.owner).get(plan_url(plan))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'viewBox="0 0 40 30"')
        self.assertContains(page, f'href="{image_url(plan)}"')
        self.assertClean(page)
        listing = self.web(self.owner).get(MAP)
        self.assertContains(listing, plan.name)

    def test_a_refused_plan_leaves_no_attachment(self):
        attachments = Attachment.objects.count()
        upload = SimpleUploadedFile("plan.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
        response = self.web(self.owner).post(MAP, {"name": "总图", "image": upload})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "平面图须为 JPEG 或 PNG 图片", status_code=400)
        self.assertEqual(Attachment.objects.count(), attachments)
        self.assertFalse(SitePlan.objects.exists())

    def test_a_reader_cannot_add_plans(self):
        page = self.web(self.member).get(MAP)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'enctype="multipart/form-data"')
        upload = SimpleUploadedFile("plan.png", png_bytes(4, 3), content_type="image/png")
        self.assertEqual(self.web(self.member).post(MAP, {"name": "总图", "image": upload}).status_code, 403)
        self.assertEqual(self.web(self.county_inspector).post(MAP, {"name": "总图"}).status_code, 403)
        self.assertFalse(SitePlan.objects.exists())

    def test_the_image_is_served_to_insiders_only(self):
        plan = self.upload_plan()
        response = self.web(self.county_inspector).get(image_url(plan))
        self.assertEqual(response.status_code, 200)
        # The upload is kept re-encoded (core.attachments): what is served is what was kept.
        with plan.image.file.open("rb") as stored:
            self.assertEqual(b"".join(response.streaming_content), stored.read())
        self.assertEqual(response["Content-Type"], "image/png")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        for user in [*self.outsiders_of_unit_a(), self.agency_user]:
            for url in (plan_url(plan), image_url(plan)):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.web(user).get(url).status_code, 404)

    def test_placing_with_the_form_draws_a_marker_of_the_level_colour(self):
        plan = self.upload_plan()
        risks = self.identify(self.equipment_a)
        point = self.point_of(self.equipment_a)
        page = self.web(self.owner).get(plan_url(plan))
        self.assertContains(page, f'id="point-{point.pk}"')
        self.assertContains(page, f'data-place-point="{point.pk}"')
        response = self.web(self.owner).post(
            place_url(plan, point), {"site_plan": plan.pk, "plan_x": "25", "plan_y": "50", "version": point.version}
        )
        self.assertRedirects(response, plan_url(plan), fetch_redirect_response=False)
        point.refresh_from_db()
        self.assertEqual((point.site_plan_id, point.plan_x, point.plan_y), (plan.pk, Decimal("0.25"), Decimal("0.5")))
        color = rules.LEVEL_COLORS[rules.highest_level(risk.level for risk in risks)]
        page = self.web(self.owner).get(plan_url(plan))
        self.assertContains(page, f'<circle class="rk-dot rk-dot-{color}" cx="10.0" cy="15.0"')
        self.assertContains(page, f'href="{card_of_point(point)}" class="rk-marker"')
        self.assertClean(page)

    def test_a_point_without_risks_is_grey(self):
        plan = self.upload_plan(width=200, height=100)
        point = do_create_risk_point(actor=self.owner, data={"kind": "activity", "name": "吊装作业"})
        self.web(self.owner).post(
            place_url(plan, point), {"site_plan": plan.pk, "plan_x": "10", "plan_y": "100", "version": point.version}
        )
        page = self.web(self.county_inspector).get(plan_url(plan))
        self.assertContains(page, '<circle class="rk-dot rk-dot-grey" cx="20.0" cy="100.0"')
        # A regulator reads the map but is offered no placing.
        self.assertNotContains(page, "data-place-point")

    def test_placing_through_the_api_with_the_session_and_csrf_token(self):
        plan = self.upload_plan()
        self.identify(self.equipment_a)
        point = self.point_of(self.equipment_a)
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(self.owner)
        page = browser.get(plan_url(plan))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, f'data-place-url="/api/v1/risk-points/{point.pk}/place/"')
        body = json.dumps({"version": point.version, "site_plan": plan.pk, "plan_x": "0.75000", "plan_y": "0.10000"})
        refused = browser.post(f"/api/v1/risk-points/{point.pk}/place/", body, content_type="application/json")
        self.assertEqual(refused.status_code, 403)
        token = browser.cookies[settings.CSRF_COOKIE_NAME].value
        placed = browser.post(
            f"/api/v1/risk-points/{point.pk}/place/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
        )
        self.assertEqual(placed.status_code, 200, placed.content)
        page = browser.get(plan_url(plan))
        self.assertContains(page, 'cx="30.0" cy="3.0"')

    def test_taking_a_point_off_and_a_stale_version(self):
        plan = self.upload_plan()
        point = do_create_risk_point(actor=self.owner, data={"kind": "site", "name": "锅炉房"})
        client = self.web(self.owner)
        client.post(place_url(plan, point), {"site_plan": plan.pk, "plan_x": "5", "plan_y": "5", "version": 1})
        stale = client.post(place_url(plan, point), {"site_plan": plan.pk, "plan_x": "6", "plan_y": "6", "version": 1})
        self.assertEqual(stale.status_code, 409)
        missing = client.post(place_url(plan, point), {"site_plan": plan.pk, "plan_x": "", "plan_y": "6", "version": 2})
        self.assertEqual(missing.status_code, 400)
        self.assertClean(missing)
        removed = client.post(place_url(plan, point), {"site_plan": "", "version": 2})
        self.assertEqual(removed.status_code, 302)
        point.refresh_from_db()
        self.assertIsNone(point.site_plan_id)
        self.assertIsNone(point.plan_x)

    def test_placing_is_refused_to_readers_and_outsiders(self):
        plan = self.upload_plan()
        point = do_create_risk_point(actor=self.owner, data={"kind": "site", "name": "锅炉房"})
        data = {"site_plan": plan.pk, "plan_x": "5", "plan_y": "5", "version": 1}
        self.assertEqual(self.web(self.member).post(place_url(plan, point), data).status_code, 403)
        self.assertEqual(self.web(self.county_inspector).post(place_url(plan, point), data).status_code, 403)
        for user in self.outsiders_of_unit_a():
            with self.subTest(user=user.username):
                self.assertEqual(self.web(user).post(place_url(plan, point), data).status_code, 404)
        # A plan of another unit is no target, even named by id.
        plan_c = self.upload_plan(self.other_unit_user, name="丙单位总图")
        response = self.web(self.owner).post(place_url(plan, point), {**data, "site_plan": plan_c.pk})
        self.assertEqual(response.status_code, 400)
        point.refresh_from_db()
        self.assertIsNone(point.site_plan_id)

    def test_regulators_see_the_plans_of_their_units_by_unit(self):
        plan_a = self.upload_plan(name="甲总图")
        plan_c = self.upload_plan(self.other_unit_user, name="丙总图")
        plan_b = self.upload_plan(self.unit_b_user, name="乙总图")
        page = self.web(self.county_inspector).get(MAP)
        self.assertContains(page, plan_a.name)
        self.assertContains(page, plan_c.name)
        self.assertNotContains(page, plan_b.name)
        narrowed = self.web(self.county_inspector).get(MAP, {"unit": self.unit_c.pk})
        self.assertNotContains(narrowed, plan_a.name)
        self.assertContains(narrowed, plan_c.name)
        own = self.web(self.owner).get(MAP)
        self.assertContains(own, plan_a.name)
        self.assertNotContains(own, plan_c.name)

    def test_the_distribution_of_the_unit_is_shown_with_its_chart_data(self):
        plan = self.upload_plan()
        self.identify(self.equipment_a)
        page = self.web(self.owner).get(plan_url(plan))
        data = json.loads(
            re.search(r'<script id="distribution-data" type="application/json">(.*?)</script>', page.text).group(1)
        )
        counts = {level: Risk.objects.filter(organization=self.unit_a, level=level).count() for level in rules.LEVELS}
        self.assertEqual([item["value"] for item in data["items"]], [counts[level] for level in rules.LEVELS])
        self.assertEqual(
            [item["color"] for item in data["items"]], [rules.LEVEL_COLORS[level] for level in rules.LEVELS]
        )

    def test_the_unplaced_points_come_in_pages(self):
        plan = self.upload_plan()
        for number in range(41):
            do_create_risk_point(actor=self.owner, data={"kind": "site", "name": f"区域 {number:02d}"})
        first = self.web(self.owner).get(plan_url(plan))
        self.assertContains(first, "区域 39")
        self.assertNotContains(first, "区域 40")
        self.assertContains(first, '?page=2#unplaced-heading"')
        self.assertNotContains(first, "hx-get")
        second = self.web(self.owner).get(plan_url(plan), {"page": 2})
        self.assertContains(second, "区域 40")
        self.assertNotContains(second, "区域 39")

    def test_plan_page_query_count_does_not_grow_with_points(self):
        plan = self.upload_plan()
        client = self.web(self.owner)

        def add_points(count, start):
            for number in range(start, start + count):
                point = do_create_risk_point(actor=self.owner, data={"kind": "site", "name": f"区域 {number}"})
                client.post(place_url(plan, point), {"site_plan": plan.pk, "plan_x": "5", "plan_y": "5", "version": 1})
                do_create_risk_point(actor=self.owner, data={"kind": "site", "name": f"未标注 {number}"})

        add_points(1, 0)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(client.get(plan_url(plan)).status_code, 200)
        add_points(6, 1)
        self.identify(self.equipment_a)
        with CaptureQueriesContext(connection) as many:
            self.assertEqual(client.get(plan_url(plan)).status_code, 200)
        self.assertEqual(len(many), len(few))


# --------------------------------------------------------------------------------------------------------------------
# The overview
# --------------------------------------------------------------------------------------------------------------------


class OverviewTests(RiskPageTestCase):
    def identify_all(self):
        self.identify(self.equipment_a)
        self.identify(self.equipment_c, self.principal_c)
        self.identify(self.equipment_b, self.principal_b)

    def expected(self, *units) -> dict:
        return {
            level: Risk.objects.filter(organization__in=units, level=level, is_active=True).count()
            for level in rules.LEVELS
        }

    def figures(self, response) -> dict:
        return {figure["style"].code: figure["value"] for figure in response.context["figures"]}

    def rows(self, response) -> dict:
        return {row.name: row.counts for row in response.context["children"]}

    def test_figures_sum_exactly_the_permitted_scope(self):
        self.identify_all()
        self.assertTrue(any(self.expected(self.unit_b).values()))
        county = self.web(self.county_inspector).get(OVERVIEW)
        self.assertEqual(county.status_code, 200)
        self.assertEqual(self.figures(county), self.expected(self.unit_a, self.unit_c))
        self.assertEqual(
            self.rows(county),
            {self.unit_a.name: self.expected(self.unit_a), self.unit_c.name: self.expected(self.unit_c)},
        )
        city = self.web(self.city_inspector).get(OVERVIEW)
        self.assertEqual(self.figures(city), self.expected(self.unit_a, self.unit_b, self.unit_c))
        rows = self.rows(city)
        self.assertEqual(rows["泽州县"], self.expected(self.unit_a, self.unit_c))
        self.assertEqual(rows["阳城县"], self.expected(self.unit_b))
        province = self.web(self.province_leader).get(OVERVIEW)
        self.assertEqual(self.rows(province)["晋城市"], self.expected(self.unit_a, self.unit_b, self.unit_c))
        self.assertEqual(self.rows(province)["太原市"], dict.fromkeys(rules.LEVELS, 0))
        sibling = self.web(self.sibling_inspector).get(OVERVIEW)
        self.assertEqual(self.figures(sibling), self.expected(self.unit_b))
        unit = self.web(self.owner).get(OVERVIEW)
        self.assertEqual(self.figures(unit), self.expected(self.unit_a))
        self.assertEqual(unit.context["children"], [])
        for response in (county, city, province, unit):
            self.assertClean(response)

    def test_drilling_down_stays_inside_the_jurisdiction(self):
        self.identify_all()
        drilled = self.web(self.city_inspector).get(OVERVIEW, {"region": self.ZEZHOU})
        self.assertEqual(drilled.status_code, 200)
        self.assertEqual(self.figures(drilled), self.expected(self.unit_a, self.unit_c))
        self.assertEqual(set(self.rows(drilled)), {self.unit_a.name, self.unit_c.name})
        self.assertContains(drilled, f'href="{OVERVIEW}?region={self.JINCHENG}"')
        chart = json.loads(
            re.search(r'<script id="risk-children-chart" type="application/json">(.*?)</script>', drilled.text).group(1)
        )
        self.assertEqual([series["key"] for series in chart["series"]], list(rules.LEVELS))
        for user, region in (
            (self.county_inspector, self.YANGCHENG),
            (self.county_inspector, self.JINCHENG),
            (self.city_inspector, self.TAIYUAN),
            (self.city_inspector, "999999"),
            (self.owner, self.ZEZHOU),
        ):
            with self.subTest(user=user.username, region=region):
                self.assertEqual(self.web(user).get(OVERVIEW, {"region": region}).status_code, 404)

    def test_agencies_and_platform_administrators_are_refused(self):
        self.assertEqual(self.web(self.agency_user).get(OVERVIEW).status_code, 403)
        self.assertEqual(self.web(self.system_admin).get(OVERVIEW).status_code, 403)

    def test_units_without_identified_risks_disappear_once_identified(self):
        county = self.web(self.county_inspector).get(OVERVIEW)
        self.assertEqual([unit.pk for unit in county.context["pending_rows"]], [self.unit_c.pk, self.unit_a.pk])
        self.assertEqual(county.context["pending_total"], 2)
        self.assertContains(county, self.unit_a.name)
        self.identify(self.equipment_a)
        county = self.web(self.county_inspector).get(OVERVIEW)
        self.assertEqual([unit.pk for unit in county.context["pending_rows"]], [self.unit_c.pk])
        self.assertEqual(county.context["pending_total"], 1)
        own = self.web(self.owner).get(OVERVIEW)
        self.assertEqual(own.context["pending_rows"], [])

    def test_risks_graded_below_their_minimum_are_listed_with_the_justification(self):
        risk = self.grade_below_minimum()
        county = self.web(self.county_inspector).get(OVERVIEW)
        self.assertEqual([row.pk for row in county.context["below_rows"]], [risk.pk])
        self.assertEqual(county.context["below_total"], 1)
        self.assertContains(county, "已加装双向限速器，事故可能性极低")
        self.assertContains(county, risk.title)
        sibling = self.web(self.sibling_inspector).get(OVERVIEW)
        self.assertEqual(sibling.context["below_rows"], [])

    def grade_below_minimum(self) -> Risk:
        """Lower one templated risk with a minimum level to the lowest factors the method offers."""
        self.identify(self.equipment_a)
        profile = rules.profile(settings.PROVINCE_PROFILE)
        for risk in Risk.objects.filter(equipment=self.equipment_a).exclude(minimum_level=""):
            lowest = {
                name: min(option.value for option in rules.factor_options(risk.method, name, profile))
                for name in rules.FACTOR_NAMES[risk.method]
            }
            if rules.level_rank(rules.assess(risk.method, lowest, profile).level) < rules.level_rank(
                risk.minimum_level
            ):
                return do_update_risk(
                    actor=self.principal,
                    risk=risk,
                    changes={
                        "factors": {name: str(value) for name, value in lowest.items()},
                        "control_level": rules.CONTROL_COMPANY,
                        "below_minimum_justification": "已加装双向限速器，事故可能性极低",
                    },
                    expected_version=risk.version,
                    reason="加装安全装置后重新评价",
                )
        self.fail("no templated risk of the elevator can be graded below its minimum")

    def test_query_count_does_not_grow_with_the_data(self):
        self.identify(self.equipment_a)
        pages = [(self.county_inspector, {}), (self.city_inspector, {}), (self.province_leader, {}), (self.owner, {})]
        before = {}
        for user, query in pages:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.web(user).get(OVERVIEW, query).status_code, 200)
            before[user.username] = len(queries)
        for number in range(4):
            extra = make_equipment(self.unit_a, f"31101405252020A01{number:02d}")
            self.identify(extra)
            make_equipment(self.unit_c, f"31101405252020C01{number:02d}")
        self.identify_all()
        for user, query in pages:
            with self.subTest(user=user.username):
                with CaptureQueriesContext(connection) as queries:
                    self.web(user).get(OVERVIEW, query)
                self.assertEqual(len(queries), before[user.username])


class EnglishPageTests(RiskPageTestCase):
    def english(self, user, url):
        client = self.web(user)
        client.cookies["django_language"] = "en"
        response = client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Language"], "en")
        return response

    def test_the_pages_speak_english(self):
        self.identify(self.equipment_a)
        plan = self.upload_plan()
        pages = [
            (
                self.owner,
                card_of_equipment(self.equipment_a),
                ["Safety risk notification card", "Emergency phones"],
                "应急电话",
            ),
            (self.owner, MAP, ["Four-colour risk map", "Add site plan"], "添加平面图"),
            (self.owner, plan_url(plan), ["Legend", "not yet placed", "Place on plan"], "图例"),
            (self.city_inspector, OVERVIEW, ["Active risks by level", "Risks graded below"], "有效风险按等级"),
        ]
        for user, url, phrases, chinese in pages:
            with self.subTest(url=url):
                response = self.english(user, url)
                for phrase in phrases:
                    self.assertContains(response, phrase)
                self.assertNotContains(response, chinese)
