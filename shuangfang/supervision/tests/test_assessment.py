"""The annual assessment of regions (考核): every indicator measured on scripted data per county of Jincheng, the
weighted score with non-applicable indicators left out, competition ranks, the notice kinds and their text, the stored
rows replaced on a second run, the query count independent of the data, and the scope (a county cannot run it, a
sibling county reads none of the other's rows, units read none) on pages, export and API."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from shuangfang.core.models import Event
from shuangfang.core.services import PermissionDenied
from shuangfang.core.testing import CastTestCase, make_equipment, make_organization, make_user
from shuangfang.hazards.models import Hazard, InvestigationTask, Listing
from shuangfang.orgs.models import Region
from shuangfang.risks.services import do_create_risk, point_for_equipment
from shuangfang.supervision import assessment
from shuangfang.supervision import rules_assessment as rules
from shuangfang.supervision.models import Accident, RegionalAssessment

TZ = timezone.get_default_timezone()
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=TZ)
YEAR = 2025

RISK = {
    "title": "层门",
    "hazard_source": "层门门锁失效",
    "method": "ls",
    "factors": {"L": 2, "S": 3},
    "control_level": "post",
    "measures": [{"kind": "management", "text": "每日巡查层门", "check": True}],
}


def at(day: date, hour: int = 9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


class RulesTests(SimpleTestCase):
    def test_weights_add_up_to_100_and_every_row_is_cited(self):
        self.assertEqual(sum(indicator.weight for indicator in rules.ASSESSMENT_INDICATORS), 100)
        for indicator in rules.ASSESSMENT_INDICATORS:
            with self.subTest(indicator=indicator.code):
                self.assertIn("晋市监发〔2022〕116号", indicator.citation)
                self.assertIn(indicator.direction, (rules.HIGHER, rules.LOWER))

    def test_points_follow_the_direction(self):
        coverage = rules.INDICATORS_BY_CODE[rules.COVERAGE]
        overdue = rules.INDICATORS_BY_CODE[rules.OVERDUE_INSPECTION]
        accidents = rules.INDICATORS_BY_CODE[rules.ACCIDENTS]
        self.assertEqual(rules.indicator_points(coverage, 3, 4), Decimal("75.0"))
        self.assertEqual(rules.indicator_points(overdue, 1, 4), Decimal("75.0"))
        self.assertIsNone(rules.indicator_points(coverage, 0, 0))
        self.assertEqual(rules.indicator_points(accidents, 0, None), Decimal("100.0"))
        self.assertEqual(rules.indicator_points(accidents, 2, None), Decimal("50.0"))
        self.assertEqual(rules.indicator_points(accidents, 9, None), Decimal("0.0"))

    def test_score_leaves_out_what_does_not_apply(self):
        weights = {"a": 20, "b": 30, "c": 50}
        self.assertEqual(
            rules.weighted_score({"a": Decimal(100), "b": Decimal(0), "c": None}, weights), Decimal("40.0")
        )
        self.assertEqual(rules.weighted_score({"a": None, "b": None, "c": None}, weights), Decimal("0.0"))

    def test_competition_ranks(self):
        self.assertEqual(
            rules.competition_ranks([Decimal(80), Decimal(90), Decimal(80), Decimal(70)]),
            [2, 1, 2, 4],
        )

    def test_notice_kinds(self):
        kind = rules.notice_kind
        self.assertEqual(kind(Decimal("90"), 1, 5), "praise")
        self.assertEqual(kind(Decimal("84.9"), 1, 5), "none")  # first, but below the praise score
        self.assertEqual(kind(Decimal("90"), 4, 5), "none")  # praise score, but not among the first three
        self.assertEqual(kind(Decimal("59.9"), 2, 5), "criticism")  # below 60 wherever it ranks
        self.assertEqual(kind(Decimal("70"), 5, 5), "criticism")  # last and short of the praise score
        self.assertEqual(kind(Decimal("88"), 5, 5), "none")  # last, but at the praise level
        self.assertEqual(kind(Decimal("70"), 1, 1), "none")  # alone: no bottom of the list
        quiet = rules.NoticeRules(praise_top=0, criticism_bottom=0, criticism_below=Decimal(0))
        self.assertEqual(kind(Decimal("100"), 1, 5, quiet), "none")
        self.assertEqual(kind(Decimal("1"), 5, 5, quiet), "none")


@time_machine.travel(NOW, tick=False)
class AssessmentTests(CastTestCase):
    """Zezhou (140525): units A and C; Yangcheng (140522): unit B; the other counties of Jincheng hold no unit."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.city_leader = make_user("city_leader", cls.city, "regulator_leader")
        cls.county_leader = make_user("county_leader", cls.county, "regulator_leader")
        cls.province_admin = make_user("province_admin", cls.province, "regulator_admin")
        cls.other_city_leader = make_user("other_city_leader", cls.other_city, "regulator_leader")
        # A unit with no equipment counts in no denominator.
        make_organization("丁单位", "use_unit", cls.ZEZHOU, seed=4)
        cls.script()

    @classmethod
    def script(cls):
        # Coverage: A's one device identified; C's two not; B's one identified.  Zezhou 1/2, Yangcheng 1/1.
        do_create_risk(actor=cls.owner, point=point_for_equipment(cls.equipment_a), data={**RISK, "owner": cls.owner})
        do_create_risk(
            actor=cls.unit_b_user, point=point_for_equipment(cls.equipment_b), data={**RISK, "owner": cls.unit_b_user}
        )
        # Overdue inspection: one of Zezhou's three in-use devices; a scrapped overdue one does not count.
        make_equipment(cls.unit_c, "31101401012020C0002", inspection_due_on=date(2025, 1, 1))
        make_equipment(cls.unit_c, "31101401012020C0003", inspection_due_on=date(2024, 1, 1), status="scrapped")
        # Rectification: Zezhou 1 of 3 on time (the rejected one and the one due next year left out); Yangcheng 1/1.
        cls.hazard(cls.unit_a, date(2025, 3, 1), closed=date(2025, 2, 20))
        cls.hazard(cls.unit_a, date(2025, 4, 1), closed=date(2025, 5, 1))
        cls.hazard(cls.unit_c, date(2025, 6, 1), status="rectifying")
        cls.hazard(cls.unit_c, date(2026, 1, 5), status="rectifying")
        cls.hazard(cls.unit_a, date(2025, 3, 1), status="rejected")
        cls.hazard(cls.unit_b, date(2025, 7, 1), closed=date(2025, 7, 1))
        # Listings: Zezhou 1 of 2 of 2025 delisted (the 2024 one left out); Yangcheng none (not applicable).
        cls.listing(cls.unit_a, date(2025, 2, 1), "delisted")
        cls.listing(cls.unit_c, date(2025, 3, 1), "listed")
        cls.listing(cls.unit_a, date(2024, 12, 1), "delisted")
        # Daily checks: Zezhou 3 of 4 done (a weekly task left out); Yangcheng 2 of 2.
        for day, status in [(3, "done"), (4, "done"), (5, "done"), (6, "overdue")]:
            cls.task(cls.unit_a, date(2025, 8, day), status)
        cls.task(cls.unit_a, date(2025, 8, 9), "overdue", kind="weekly")
        cls.task(cls.unit_b, date(2025, 8, 3), "done")
        cls.task(cls.unit_b, date(2025, 8, 4), "done")
        # Accidents: Zezhou one in 2025 (the 2024 one left out); Yangcheng none.
        cls.accident(cls.unit_a, date(2025, 9, 1))
        cls.accident(cls.unit_a, date(2024, 9, 1))

    counter = 0

    @classmethod
    def hazard(cls, unit, deadline, *, status="closed", closed=None):
        cls.counter += 1
        return Hazard.objects.create(
            organization=unit,
            region_id=unit.region_id,
            source="check",
            description=f"隐患 {cls.counter}",
            found_at=at(deadline - timedelta(days=40)),
            status=status,
            deadline=deadline,
            closed_at=at(closed, 17) if closed else None,
        )

    @classmethod
    def listing(cls, unit, listed_on, status):
        hazard = cls.hazard(unit, listed_on + timedelta(days=400), status="rectifying")
        return Listing.objects.create(
            hazard=hazard,
            organization=unit,
            region_id=unit.region_id,
            level="county",
            status=status,
            deadline=listed_on + timedelta(days=30),
            listing_authority=cls.county,
            listed_by=cls.county_inspector,
            listed_on=listed_on,
        )

    @classmethod
    def task(cls, unit, due_on, status, kind="daily"):
        return InvestigationTask.objects.create(
            organization=unit,
            region_id=unit.region_id,
            kind=kind,
            title=f"日管控 {due_on}",
            period_start=due_on,
            due_on=due_on,
            assignee_role="safety_officer",
            status=status,
        )

    @classmethod
    def accident(cls, unit, day):
        return Accident.objects.create(
            organization=unit,
            region_id=unit.region_id,
            occurred_at=at(day),
            accident_type="04",
            severity="general",
            description="层门坠落",
            recorded_by=cls.county_inspector,
            recorded_by_organization=cls.county,
        )

    def jincheng(self):
        return Region.objects.get(code=self.JINCHENG)

    # ---------------------------------------------------------------------------------------------------- measuring

    def test_indicators_per_county(self):
        items = {item.region.code: item for item in assessment.compute_assessment(self.jincheng(), YEAR)}
        # Only the counties holding units with in-use equipment are assessed.
        self.assertEqual(set(items), {self.ZEZHOU, self.YANGCHENG})
        zezhou, yangcheng = items[self.ZEZHOU], items[self.YANGCHENG]
        self.assertEqual(
            zezhou.counts,
            {
                rules.COVERAGE: [1, 2],
                rules.OVERDUE_INSPECTION: [1, 3],
                rules.ON_TIME_RECTIFICATION: [1, 3],
                rules.LISTING_CLOSURE: [1, 2],
                rules.DAILY_CHECKS: [3, 4],
                rules.ACCIDENTS: [1, None],
            },
        )
        self.assertEqual(
            yangcheng.counts,
            {
                rules.COVERAGE: [1, 1],
                rules.OVERDUE_INSPECTION: [0, 1],
                rules.ON_TIME_RECTIFICATION: [1, 1],
                rules.LISTING_CLOSURE: [0, 0],
                rules.DAILY_CHECKS: [2, 2],
                rules.ACCIDENTS: [0, None],
            },
        )
        self.assertEqual(
            zezhou.points,
            {
                rules.COVERAGE: Decimal("50.0"),
                rules.OVERDUE_INSPECTION: Decimal("66.7"),
                rules.ON_TIME_RECTIFICATION: Decimal("33.3"),
                rules.LISTING_CLOSURE: Decimal("50.0"),
                rules.DAILY_CHECKS: Decimal("75.0"),
                rules.ACCIDENTS: Decimal("75.0"),
            },
        )
        # (20×50 + 15×66.7 + 25×33.3 + 15×50 + 15×75 + 10×75) ÷ 100
        self.assertEqual(zezhou.score, Decimal("54.6"))
        # The listing closure does not apply to Yangcheng: the other 85 points of weight make its 100.
        self.assertIsNone(yangcheng.points[rules.LISTING_CLOSURE])
        self.assertEqual(yangcheng.score, Decimal("100.0"))
        self.assertEqual((yangcheng.rank, zezhou.rank), (1, 2))
        self.assertEqual((yangcheng.notice_kind, zezhou.notice_kind), ("praise", "criticism"))

    def test_a_province_assesses_its_cities(self):
        items = assessment.compute_assessment(Region.objects.get(code=self.SHANXI), YEAR)
        self.assertEqual([item.region.code for item in items], [self.JINCHENG])
        self.assertEqual(items[0].counts[rules.COVERAGE], [2, 3])
        self.assertEqual(items[0].counts[rules.ON_TIME_RECTIFICATION], [2, 4])
        self.assertEqual(items[0].counts[rules.ACCIDENTS], [1, None])

    def test_the_query_count_does_not_grow_with_the_data(self):
        jincheng = self.jincheng()

        def queries():
            with CaptureQueriesContext(connection) as captured:
                assessment.compute_assessment(jincheng, YEAR)
            return len(captured)

        few = queries()
        for number in range(12):
            unit = make_organization(
                f"新单位 {number}", "use_unit", ["140502", "140521", "140581"][number % 3], seed=500 + number
            )
            make_equipment(unit, f"31101401012020N{number:04d}", inspection_due_on=date(2025, 1, 1))
            self.hazard(unit, date(2025, 5, 1), closed=date(2025, 4, 1))
            self.listing(unit, date(2025, 5, 1), "listed")
            self.task(unit, date(2025, 5, 1), "done")
            self.accident(unit, date(2025, 5, 1))
        self.assertEqual(len(assessment.compute_assessment(self.jincheng(), YEAR)), 5)
        self.assertEqual(queries(), few)
        self.assertEqual(few, 7)  # the children, then one grouped query per source table

    # ---------------------------------------------------------------------------------------------------- running

    def test_run_stores_ranked_rows_with_notices_and_one_event(self):
        rows = assessment.do_run_assessment(actor=self.city_leader, year=YEAR)
        self.assertEqual([row.region_id for row in rows], [self.YANGCHENG, self.ZEZHOU])
        yangcheng, zezhou = rows
        self.assertEqual((yangcheng.rank, yangcheng.score, yangcheng.notice_kind), (1, Decimal("100.0"), "praise"))
        self.assertEqual((zezhou.rank, zezhou.score, zezhou.notice_kind), (2, Decimal("54.6"), "criticism"))
        self.assertEqual(zezhou.organization, self.city)
        self.assertEqual(
            zezhou.weights, {indicator.code: indicator.weight for indicator in rules.ASSESSMENT_INDICATORS}
        )
        self.assertEqual(
            zezhou.indicators[rules.DAILY_CHECKS],
            {"numerator": 3, "denominator": 4, "rate": "0.7500", "points": "75.0"},
        )
        self.assertEqual(yangcheng.indicators[rules.LISTING_CLOSURE]["points"], None)
        self.assertIn("通报表扬", yangcheng.notice_text)
        self.assertIn("阳城县", yangcheng.notice_text)
        self.assertIn("通报批评", zezhou.notice_text)
        self.assertIn("54.6", zezhou.notice_text)
        self.assertIn("排名第2", zezhou.notice_text)
        self.assertIn("隐患按期整改率33.3%（1/3）", zezhou.notice_text)
        self.assertIn("30日内", zezhou.notice_text)
        event = Event.objects.get(type="assessment.run")
        self.assertEqual(event.region_code, self.JINCHENG)
        self.assertEqual(event.data["criticised"], [self.ZEZHOU])
        self.assertEqual(event.data["praised"], [self.YANGCHENG])

    def test_running_again_replaces_the_year(self):
        assessment.do_run_assessment(actor=self.city_leader, year=YEAR)
        Accident.objects.filter(organization=self.unit_a).delete()
        rows = assessment.do_run_assessment(actor=self.city_leader, year=YEAR)
        self.assertEqual(RegionalAssessment.objects.filter(year=YEAR).count(), 2)
        zezhou = RegionalAssessment.objects.get(region_id=self.ZEZHOU)
        self.assertEqual(zezhou.version, 2)
        self.assertEqual(zezhou.indicators[rules.ACCIDENTS]["points"], "100.0")
        self.assertEqual(zezhou.score, Decimal("57.1"))
        self.assertEqual({row.pk for row in rows}, set(RegionalAssessment.objects.values_list("pk", flat=True)))

    def test_who_may_run_it(self):
        for user, message in [
            (self.city_inspector, "负责人或管理员"),
            (self.county_leader, "没有下级地区"),
            (self.owner, "负责人或管理员"),
            (self.system_admin, "负责人或管理员"),
        ]:
            with self.subTest(user=user.username), self.assertRaisesMessage(PermissionDenied, message):
                assessment.do_run_assessment(actor=user, year=YEAR)
        self.assertFalse(RegionalAssessment.objects.exists())
        self.assertFalse(Event.objects.filter(type="assessment.run").exists())
        rows = assessment.do_run_assessment(actor=self.province_admin, year=YEAR)
        self.assertEqual([row.region_id for row in rows], [self.JINCHENG])

    def test_bad_years_are_refused(self):
        for year, message in [
            ("abc", "四位数字"),
            (2021, "2022 年到 2026 年"),
            (2027, "2022 年到 2026 年"),
            (None, "四位"),
        ]:
            with self.subTest(year=year), self.assertRaisesMessage(ValidationError, message):
                assessment.do_run_assessment(actor=self.city_leader, year=year)
        self.assertFalse(RegionalAssessment.objects.exists())

    def test_the_current_year_counts_what_has_fallen_due(self):
        self.task(self.unit_b, date(2026, 6, 14), "overdue")
        self.task(self.unit_b, date(2026, 6, 15), "pending")  # due today: not yet missed
        items = {item.region.code: item for item in assessment.compute_assessment(self.jincheng(), 2026)}
        self.assertEqual(items[self.YANGCHENG].counts[rules.DAILY_CHECKS], [0, 1])

    # ---------------------------------------------------------------------------------------------------- scope

    def test_api_scope(self):
        assessment.do_run_assessment(actor=self.city_leader, year=YEAR)
        zezhou = RegionalAssessment.objects.get(region_id=self.ZEZHOU)
        url = f"/api/v1/supervision/assessments/{zezhou.pk}/"
        for user in (self.county_inspector, self.city_inspector, self.province_leader, self.city_leader):
            with self.subTest(user=user.username):
                response = self.api(user).get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.json()["notice_kind"], "criticism")
        for user in (self.sibling_inspector, self.other_city_leader, self.owner, self.unit_b_user, self.agency_user):
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).get(url).status_code, 404)
        listed = self.api(self.sibling_inspector).get("/api/v1/supervision/assessments/", {"year": YEAR}).json()
        self.assertEqual([row["region"] for row in listed["results"]], [self.YANGCHENG])
        listed = self.api(self.city_leader).get("/api/v1/supervision/assessments/", {"year": YEAR}).json()
        self.assertEqual([row["region"] for row in listed["results"]], [self.YANGCHENG, self.ZEZHOU])
        self.assertEqual(self.api(self.owner).get("/api/v1/supervision/assessments/").json()["results"], [])

    def test_api_run(self):
        run = "/api/v1/supervision/assessments/run/"
        response = self.api(self.city_leader).post(run, {"year": YEAR}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual([row["rank"] for row in response.json()], [1, 2])
        self.assertEqual(response.json()[1]["notice_kind_label"], "通报批评")
        response = self.api(self.county_leader).post(run, {"year": YEAR}, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertIn("没有下级地区", response.json()["detail"])
        self.assertEqual(self.api(self.sibling_inspector).post(run, {"year": YEAR}, format="json").status_code, 403)
        response = self.api(self.city_leader).post(run, {"year": 2019}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("2022 年到 2026 年", response.json()["year"][0])
        self.assertEqual(self.api(self.city_leader).post(run, {}, format="json").status_code, 400)
        self.assertEqual(RegionalAssessment.objects.count(), 2)

    # ---------------------------------------------------------------------------------------------------- pages

    def test_pages(self):
        client = self.web(self.city_leader)
        page = client.get("/supervision/assessments/", {"year": YEAR})
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "计算考核结果")
        self.assertContains(page, "还没有考核结果")
        response = client.post("/supervision/assessments/run/", {"year": YEAR})
        self.assertRedirects(response, f"/supervision/assessments/?year={YEAR}", fetch_redirect_response=False)
        page = client.get(f"/supervision/assessments/?year={YEAR}")
        self.assertContains(page, "阳城县")
        self.assertContains(page, "54.6")
        self.assertContains(page, "通报批评")
        zezhou = RegionalAssessment.objects.get(region_id=self.ZEZHOU)
        document = client.get(f"/supervision/assessments/{zezhou.pk}/")
        self.assertContains(document, "予以通报批评的通报")
        self.assertContains(document, "data-print")
        self.assertContains(document, "print-records.css")
        self.assertContains(document, "排名 2/2")
        export = client.get("/supervision/assessments/export.xlsx", {"year": YEAR})
        self.assertEqual(export.status_code, 200)
        workbook = CalamineWorkbook.from_filelike(BytesIO(b"".join(export.streaming_content)))
        sheet = workbook.get_sheet_by_index(0).to_python()
        self.assertEqual([row[3] for row in sheet[1:]], ["阳城县", "泽州县"])
        self.assertEqual(sheet[2][-2], 54.6)
        self.assertEqual(sheet[2][-1], "通报批评")

    def test_page_refusals_and_scope(self):
        assessment.do_run_assessment(actor=self.city_leader, year=YEAR)
        zezhou = RegionalAssessment.objects.get(region_id=self.ZEZHOU)
        # The assessed county reads its own result and notice, not the sibling's; no run form.
        page = self.web(self.county_inspector).get("/supervision/assessments/", {"year": YEAR})
        self.assertContains(page, "泽州县")
        self.assertNotContains(page, "阳城县")
        self.assertNotContains(page, "计算考核结果")
        self.assertEqual(self.web(self.county_inspector).get(f"/supervision/assessments/{zezhou.pk}/").status_code, 200)
        self.assertEqual(
            self.web(self.sibling_inspector).get(f"/supervision/assessments/{zezhou.pk}/").status_code, 404
        )
        export = self.web(self.sibling_inspector).get("/supervision/assessments/export.xlsx", {"year": YEAR})
        sheet = CalamineWorkbook.from_filelike(BytesIO(b"".join(export.streaming_content))).get_sheet_by_index(0)
        self.assertEqual([row[3] for row in sheet.to_python()[1:]], ["阳城县"])
        # Units: not their page.
        self.assertEqual(self.web(self.owner).get("/supervision/assessments/").status_code, 403)
        self.assertEqual(self.web(self.owner).get(f"/supervision/assessments/{zezhou.pk}/").status_code, 403)
        self.assertEqual(self.web(self.owner).get("/supervision/assessments/export.xlsx").status_code, 403)
        # The county may not run it, nor a city inspector; nothing changes.
        self.assertEqual(
            self.web(self.county_leader).post("/supervision/assessments/run/", {"year": YEAR}).status_code, 403
        )
        self.assertEqual(
            self.web(self.city_inspector).post("/supervision/assessments/run/", {"year": YEAR}).status_code, 403
        )
        response = self.web(self.city_leader).post("/supervision/assessments/run/", {"year": "20x5"}, follow=True)
        self.assertContains(response, "考核年度须为四位数字年份")
        self.assertEqual(RegionalAssessment.objects.get(pk=zezhou.pk).version, 1)

    def test_the_list_costs_the_same_queries_for_more_rows(self):
        def queries():
            with CaptureQueriesContext(connection) as captured:
                response = self.api(self.province_leader).get("/api/v1/supervision/assessments/")
            self.assertEqual(response.status_code, 200)
            return len(captured), len(response.json()["results"])

        assessment.do_run_assessment(actor=self.province_admin, year=YEAR)
        few, count = queries()
        self.assertEqual(count, 1)
        for year in (2023, 2024, 2025, 2026):
            assessment.do_run_assessment(actor=self.city_leader, year=year)
        many, count = queries()
        self.assertEqual(count, 9)
        self.assertEqual(many, few)
