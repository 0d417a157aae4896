"""The regulators' cockpit: its figures equal what each regulator may see of the raw rows, region by region and
filter by filter; nobody else sees them; a region outside the jurisdiction is not found; the query count does not
grow with the data."""

from collections import Counter
from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django._impl import HypothesisTestCase

from shuangfang.core.testing import CastTestCase, make_equipment, make_organization, make_user
from shuangfang.equipment.models import Equipment
from shuangfang.hazards.choices import OPEN_STATUSES
from shuangfang.hazards.models import Hazard, InvestigationTask, Listing
from shuangfang.orgs.models import Industry, Organization, Region
from shuangfang.risks.models import Risk
from shuangfang.risks.services import point_for_equipment
from shuangfang.supervision.models import Grid, SummaryCell
from shuangfang.supervision.summaries import rebuild_summary

URL = "/api/v1/supervision/summary/"
CATEGORIES = ["3110", "2100", "4110"]
LEVELS = ["major", "significant", "general", "low"]
HAZARD_STATUSES = ["reported", "confirmed", "rectifying", "closed", "rejected"]
LISTING_STATUSES = ["listed", "completion_reported", "delisted"]


def owning_units(queryset):
    return queryset.filter(kind__in=["use_unit", "filling_station"])


class DataMixin:
    """Rows of every source table, made directly so that any mix of states can be drawn."""

    counter = 0

    def add_equipment(self, unit, category, crowded, status, due_offset):
        DataMixin.counter += 1
        today = timezone.localdate()
        return make_equipment(
            unit,
            f"EQ{DataMixin.counter:08d}",
            category=category,
            crowded_place=crowded,
            status=status,
            inspection_due_on=None if due_offset is None else today + timedelta(days=due_offset),
        )

    def add_risk(self, equipment, level, active=True):
        point = point_for_equipment(equipment)
        return Risk.objects.create(
            organization=equipment.organization,
            region_id=equipment.region_id,
            risk_point=point,
            equipment=equipment,
            title="风险",
            hazard_source="危险源",
            method="ls",
            score=1,
            level=level,
            control_level="post",
            reviewed_on=date(2025, 1, 1),
            next_review_on=date(2027, 1, 1),
            is_active=active,
        )

    def add_hazard(self, unit, equipment, grade, status, deadline_offset):
        return Hazard.objects.create(
            organization=unit,
            region_id=unit.region_id,
            equipment=equipment,
            source="check",
            description="隐患",
            found_at=timezone.now(),
            grade=grade,
            status=status,
            deadline=timezone.localdate() + timedelta(days=deadline_offset),
        )

    def add_listing(self, hazard, status):
        return Listing.objects.create(
            hazard=hazard,
            organization_id=hazard.organization_id,
            region_id=hazard.region_id,
            level="county",
            status=status,
            deadline=timezone.localdate() + timedelta(days=30),
            listing_authority=self.county,
            listed_by=self.county_inspector,
            listed_on=timezone.localdate(),
        )

    def add_daily_task(self, equipment, days_ago, done):
        return InvestigationTask.objects.create(
            organization=equipment.organization,
            region_id=equipment.region_id,
            kind="daily",
            title="日管控",
            equipment=equipment,
            period_start=timezone.localdate() - timedelta(days=days_ago),
            due_on=timezone.localdate() - timedelta(days=days_ago),
            assignee_role="safety_officer",
            status="done" if done else "overdue",
        )


def expected(user, region: Region, industry=None, category=None, crowded=None) -> dict:
    """The figures computed the slow way: straight from the rows the regulator may see."""
    today = timezone.localdate()
    prefix = region.prefix
    codes = list(Industry.objects.filter(code=industry).values_list("code", flat=True))
    codes += list(Industry.objects.filter(parent_id=industry).values_list("code", flat=True)) if industry else []

    def narrow(queryset, org_path, equipment_path):
        queryset = queryset.filter(region__code__startswith=prefix)
        if industry:
            queryset = queryset.filter(**{f"{org_path}industry_id__in": codes})
        if category:
            queryset = queryset.filter(**{f"{equipment_path}category__code__startswith": category[0]})
        if crowded is not None:
            # Rows about no equipment are in no crowded place.
            queryset = (
                queryset.filter(**{f"{equipment_path}crowded_place": crowded})
                if crowded
                else queryset.exclude(**{f"{equipment_path}crowded_place": True})
            )
        return queryset

    units = []
    for unit in owning_units(Organization.objects.visible_to(user)).filter(region__code__startswith=prefix):
        if industry and unit.industry_id not in codes:
            continue
        held = Equipment.objects.filter(organization=unit)
        if category:
            held = held.filter(category__code__startswith=category[0])
            if not held.exists():
                continue
        if crowded is not None and held.filter(crowded_place=True).exists() != crowded:
            continue
        in_use = held.filter(status="in_use")
        fully = in_use.exists() and all(Risk.objects.filter(equipment=e, is_active=True).exists() for e in in_use)
        units.append(fully)
    equipment = narrow(Equipment.objects.visible_to(user), "organization__", "")
    risks = narrow(Risk.objects.visible_to(user).filter(is_active=True), "organization__", "equipment__")
    hazards = narrow(Hazard.objects.visible_to(user).filter(status__in=OPEN_STATUSES), "organization__", "equipment__")
    listings = narrow(
        Listing.objects.visible_to(user).exclude(status="delisted"), "organization__", "hazard__equipment__"
    )
    tasks = narrow(
        InvestigationTask.objects.visible_to(user).filter(
            kind="daily", due_on__gte=today - timedelta(days=30), due_on__lt=today
        ),
        "organization__",
        "equipment__",
    )
    by_category = {}
    for code in equipment.values_list("category_id", flat=True):
        by_category[code[0] + "000"] = by_category.get(code[0] + "000", 0) + 1
    overdue = [e for e in equipment.filter(status="in_use") if e.inspection_state == "overdue"]
    return {
        "units": len(units),
        "units_fully_identified": sum(units),
        "equipment": equipment.count(),
        "equipment_in_use": equipment.filter(status="in_use").count(),
        "equipment_by_category": dict(sorted(by_category.items())),
        "risks_by_level": {level: risks.filter(level=level).count() for level in LEVELS},
        "inspection_overdue": len(overdue),
        "hazards_open": hazards.count(),
        "major_hazards_open": hazards.filter(grade="major").count(),
        "hazards_overdue": hazards.filter(deadline__lt=today).count(),
        "listings_open": listings.count(),
        "daily_tasks_due": tasks.count(),
        "daily_tasks_done": tasks.filter(status="done").count(),
    }


FIGURES = (
    "units",
    "units_fully_identified",
    "equipment",
    "equipment_in_use",
    "equipment_by_category",
    "risks_by_level",
    "inspection_overdue",
    "hazards_open",
    "major_hazards_open",
    "hazards_overdue",
    "listings_open",
    "daily_tasks_due",
    "daily_tasks_done",
)


def actual(data: dict) -> dict:
    return {name: data[name] for name in FIGURES}


class CockpitCastMixin(DataMixin):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        divisions = list(Industry.objects.filter(parent__isnull=False).order_by("code")[:2])
        cls.division, cls.other_division = divisions
        Organization.objects.filter(pk=cls.unit_a.pk).update(industry=cls.division)
        Organization.objects.filter(pk=cls.unit_b.pk).update(industry=cls.other_division)
        cls.unit_t = make_organization("丁单位", "use_unit", cls.XIAODIAN, seed=4)
        cls.unit_t_user = make_user("unit_t_user", cls.unit_t, "safety_officer")
        cls.regulators = [
            cls.county_inspector,
            cls.sibling_inspector,
            cls.city_inspector,
            cls.province_leader,
            cls.other_city_inspector,
        ]


class SummaryEqualsScopeTests(CockpitCastMixin, HypothesisTestCase, CastTestCase):
    """Random rows, a random regulator, a random region of its jurisdiction and random filters: the endpoint's
    figures (and each child's) equal the count over exactly the rows that regulator may see."""

    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        equipment=st.lists(
            st.tuples(
                st.sampled_from(["a", "b", "c", "t"]),
                st.sampled_from(CATEGORIES),
                st.booleans(),
                st.sampled_from(["in_use", "in_use", "suspended", "scrapped"]),
                st.one_of(st.none(), st.integers(-100, 400)),
            ),
            max_size=8,
        ),
        risks=st.lists(st.tuples(st.integers(0, 20), st.sampled_from(LEVELS), st.booleans()), max_size=6),
        hazards=st.lists(
            st.tuples(
                st.sampled_from(["a", "b", "c", "t"]),
                st.integers(-1, 20),
                st.sampled_from(["general", "major"]),
                st.sampled_from(HAZARD_STATUSES),
                st.integers(-10, 10),
                st.sampled_from([None, *LISTING_STATUSES]),
            ),
            max_size=6,
        ),
        tasks=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 40), st.booleans()), max_size=6),
        who=st.integers(0, 4),
        region_choice=st.integers(0, 3),
        industry=st.sampled_from([None, "division", "section"]),
        category=st.sampled_from([None, "3000", "2000"]),
        crowded=st.sampled_from([None, True, False]),
    )
    def test_figures_equal_the_permitted_scope(
        self, equipment, risks, hazards, tasks, who, region_choice, industry, category, crowded
    ):
        units = {"a": self.unit_a, "b": self.unit_b, "c": self.unit_c, "t": self.unit_t}
        made = list(Equipment.objects.all())
        for unit, category_code, is_crowded, status, due in equipment:
            made.append(self.add_equipment(units[unit], category_code, is_crowded, status, due))
        for index, level, active in risks:
            self.add_risk(made[index % len(made)], level, active)
        for unit, index, grade, status, deadline, listing in hazards:
            device = None if index < 0 else made[index % len(made)]
            owner = device.organization if device else units[unit]
            hazard = self.add_hazard(owner, device, grade, status, deadline)
            if listing and grade == "major" and status in OPEN_STATUSES:
                self.add_listing(hazard, listing)
        for index, days_ago, done in tasks:
            self.add_daily_task(made[index % len(made)], days_ago, done)
        rebuild_summary()

        user = self.regulators[who]
        jurisdiction = user.organization.jurisdiction
        regions = [jurisdiction, *Region.objects.filter(parent=jurisdiction).order_by("code")[:2]]
        if jurisdiction.code == self.JINCHENG:
            regions.append(Region.objects.get(code=self.ZEZHOU))
        region = regions[region_choice % len(regions)]
        industry_code = {None: None, "division": self.division.code, "section": self.division.parent_id}[industry]
        query = {"region": region.code}
        if industry_code:
            query["industry"] = industry_code
        if category:
            query["category"] = category
        if crowded is not None:
            query["crowded"] = "true" if crowded else "false"
        response = self.api(user).get(URL, query)
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual(
            actual(data), expected(user, region, industry_code, category, crowded), f"{user.username} {query}"
        )
        for child in data["children"]:
            child_region = Region.objects.get(code=child["region"])
            self.assertEqual(actual(child), expected(user, child_region, industry_code, category, crowded), child)


class CockpitTests(CockpitCastMixin, CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.elevator_b = cls.equipment_b
        cls.add_risk(cls, cls.equipment_a, "major")
        cls.major = cls.add_hazard(cls, cls.unit_a, cls.equipment_a, "major", "rectifying", -3)
        cls.add_hazard(cls, cls.unit_b, cls.equipment_b, "general", "confirmed", 5)
        cls.add_daily_task(cls, cls.equipment_a, 1, True)
        cls.add_daily_task(cls, cls.equipment_a, 2, False)
        rebuild_summary()

    def test_county_sees_only_its_county(self):
        data = self.api(self.county_inspector).get(URL).json()
        self.assertEqual(data["region"], self.ZEZHOU)
        self.assertEqual(data["units"], 2)  # A and C, never B of Yangcheng
        self.assertEqual(data["equipment"], 2)
        self.assertEqual(data["hazards_open"], 1)
        self.assertEqual(data["major_hazards_open"], 1)
        self.assertEqual(data["hazards_overdue"], 1)
        self.assertEqual(data["risks_by_level"]["major"], 1)
        self.assertEqual(data["daily_check_compliance"], 0.5)
        self.assertEqual(data["units_fully_identified_share"], 0.5)
        self.assertEqual(data["children"], [])
        self.assertIsNotNone(data["computed_at"])

    def test_city_children_are_its_counties(self):
        data = self.api(self.city_inspector).get(URL).json()
        children = {child["region"]: child for child in data["children"]}
        self.assertEqual(children[self.ZEZHOU]["units"], 2)
        self.assertEqual(children[self.YANGCHENG]["units"], 1)
        self.assertEqual(children[self.YANGCHENG]["hazards_open"], 1)
        self.assertEqual(children[self.ZEZHOU]["name"], Region.objects.get(code=self.ZEZHOU).name)
        self.assertEqual(data["units"], 3)

    def test_region_outside_the_jurisdiction_is_not_found(self):
        for user, code in [
            (self.county_inspector, self.YANGCHENG),
            (self.county_inspector, self.JINCHENG),
            (self.sibling_inspector, self.ZEZHOU),
            (self.other_city_inspector, self.JINCHENG),
            (self.city_inspector, self.TAIYUAN),
            (self.county_inspector, "999999"),
        ]:
            self.assertEqual(self.api(user).get(URL, {"region": code}).status_code, 404, (user.username, code))
            page = self.web(user).get(reverse("supervision:cockpit"), {"region": code})
            self.assertEqual(page.status_code, 404, (user.username, code))

    def test_only_regulators_see_the_cockpit(self):
        for user in [self.owner, self.unit_b_user, self.agency_user, self.system_admin, self.audit_admin]:
            self.assertEqual(self.api(user).get(URL).status_code, 404, user.username)
            self.assertEqual(self.web(user).get(reverse("supervision:cockpit")).status_code, 404, user.username)
        self.assertIn(self.api().get(URL).status_code, (401, 403))

    def test_bad_filters_are_refused_with_a_message(self):
        response = self.api(self.city_inspector).get(URL, {"category": "3110", "industry": "ZZ", "crowded": "maybe"})
        self.assertEqual(response.status_code, 400)
        body = response.json()
        self.assertIn("种类代码", body["category"][0])
        self.assertIn("ZZ", body["industry"][0])
        self.assertIn("crowded", body)

    def test_filters_narrow_the_figures(self):
        crowded = self.api(self.city_inspector).get(URL, {"crowded": "true"}).json()
        self.assertEqual(crowded["equipment"], 0)
        self.assertEqual(crowded["units"], 0)
        by_industry = self.api(self.city_inspector).get(URL, {"industry": self.division.code}).json()
        self.assertEqual(by_industry["units"], 1)
        self.assertEqual(by_industry["equipment"], 1)
        elevators = self.api(self.city_inspector).get(URL, {"category": "3000"}).json()
        self.assertEqual(elevators["equipment_by_category"], {"3000": 3})
        boilers = self.api(self.city_inspector).get(URL, {"category": "1000"}).json()
        self.assertEqual((boilers["units"], boilers["equipment"]), (0, 0))

    def test_page_shows_figures_with_drill_down_links_and_when_computed(self):
        response = self.web(self.city_inspector).get(reverse("supervision:cockpit"))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn(f"{reverse('supervision:cockpit')}?region={self.ZEZHOU}", html)
        self.assertIn(f"{reverse('equipment:list')}?region={self.ZEZHOU}", html)
        self.assertIn(f"{reverse('hazards:board')}?region={self.JINCHENG}&amp;is_open=true&amp;grade=major", html)
        self.assertIn("inspection_state=overdue", html)
        self.assertIn("统计数据计算于", html)
        self.assertIn("cockpit-children", html)
        county = self.web(self.city_inspector).get(reverse("supervision:cockpit"), {"region": self.ZEZHOU})
        self.assertEqual(county.status_code, 200)
        self.assertContains(county, "本地区没有下级行政区划")

    def test_page_with_a_bad_filter_says_so(self):
        response = self.web(self.city_inspector).get(reverse("supervision:cockpit"), {"category": "x"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "筛选条件有误")

    def test_page_before_any_computation_says_so(self):
        SummaryCell.objects.all().delete()
        response = self.web(self.province_leader).get(reverse("supervision:cockpit"))
        self.assertContains(response, "统计数据尚未计算")

    def test_rebuild_replaces_the_cells(self):
        Hazard.objects.filter(pk=self.major.pk).update(status="closed")
        rebuild_summary()
        data = self.api(self.county_inspector).get(URL).json()
        self.assertEqual(data["major_hazards_open"], 0)

    def test_refresh_command(self):
        out = StringIO()
        call_command("refresh_summary", stdout=out)
        self.assertIn("监管驾驶舱统计已刷新", out.getvalue())
        self.assertTrue(SummaryCell.objects.exists())

    def test_query_count_does_not_grow_with_data(self):
        def count(user, query):
            client = self.api(user)
            client.get(URL, query)  # warm the session and the user
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(client.get(URL, query).status_code, 200)
            return len(queries)

        query = {"industry": self.division.parent_id, "category": "3000", "crowded": "false"}
        before = (count(self.province_leader, {}), count(self.province_leader, query), count(self.city_inspector, {}))
        for index in range(30):
            unit = make_organization(
                f"新单位{index}", "use_unit", self.YANGCHENG if index % 2 else self.ZEZHOU, seed=100 + index
            )
            device = self.add_equipment(unit, CATEGORIES[index % 3], index % 2 == 0, "in_use", -5)
            self.add_risk(device, LEVELS[index % 4])
            self.add_hazard(unit, device, "major", "confirmed", -1)
        rebuild_summary()
        after = (count(self.province_leader, {}), count(self.province_leader, query), count(self.city_inspector, {}))
        self.assertEqual(before, after)

    def test_page_query_count_does_not_grow_with_data(self):
        client = self.web(self.province_leader)
        url = reverse("supervision:cockpit")
        client.get(url)
        with CaptureQueriesContext(connection) as before:
            client.get(url)
        for index in range(20):
            unit = make_organization(f"新单位{index}", "use_unit", self.XIAODIAN, seed=200 + index)
            self.add_equipment(unit, CATEGORIES[index % 3], False, "in_use", 100)
        rebuild_summary()
        with CaptureQueriesContext(connection) as after:
            client.get(url)
        self.assertEqual(len(before), len(after))


class GridCockpitTests(CockpitCastMixin, CastTestCase):
    """A county's children are its grids and the units in no grid; `?grid=` narrows to one grid."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.add_risk(cls, cls.equipment_a, "major")
        cls.add_hazard(cls, cls.unit_a, cls.equipment_a, "major", "rectifying", -3)
        cls.add_hazard(cls, cls.unit_c, cls.equipment_c, "general", "confirmed", 5)
        cls.add_hazard(cls, cls.unit_b, cls.equipment_b, "general", "confirmed", 5)
        cls.add_daily_task(cls, cls.equipment_a, 1, True)
        cls.add_daily_task(cls, cls.equipment_c, 2, False)
        cls.grid = Grid.objects.create(organization=cls.county, region_id=cls.ZEZHOU, name="城东网格")
        cls.grid.units.add(cls.unit_a)
        cls.empty_grid = Grid.objects.create(organization=cls.county, region_id=cls.ZEZHOU, name="城西网格")
        cls.sibling_grid = Grid.objects.create(
            organization=cls.sibling_county, region_id=cls.YANGCHENG, name="阳城网格"
        )
        cls.sibling_grid.units.add(cls.unit_b)
        rebuild_summary()

    def children(self, data):
        return {child["name"]: child for child in data["children"]}

    def test_grid_children_sum_to_the_county(self):
        for query in [{}, {"category": "3000"}, {"crowded": "false"}, {"industry": self.division.code}]:
            data = self.api(self.county_inspector).get(URL, query).json()
            self.assertEqual(
                [child.get("grid") for child in data["children"]], [self.grid.pk, self.empty_grid.pk, None]
            )
            self.assertTrue(all("region" not in child for child in data["children"]))
            for name in FIGURES:
                if isinstance(data[name], dict):
                    summed = Counter()
                    for child in data["children"]:
                        summed.update(child[name])
                    self.assertEqual({k: v for k, v in data[name].items() if v}, dict(+summed), (name, query))
                else:
                    self.assertEqual(data[name], sum(child[name] for child in data["children"]), (name, query))
        data = self.api(self.county_inspector).get(URL).json()
        east, west, rest = (self.children(data)[name] for name in ("城东网格", "城西网格", "未划入网格"))
        self.assertEqual((east["units"], east["equipment"], east["major_hazards_open"]), (1, 1, 1))
        self.assertEqual((east["daily_tasks_due"], east["daily_tasks_done"]), (1, 1))
        self.assertEqual((west["units"], west["equipment"]), (0, 0))
        self.assertEqual((rest["units"], rest["equipment"], rest["hazards_open"]), (1, 1, 1))
        # A city's children stay its counties, and each county's figures are the same as before.
        city = self.api(self.city_inspector).get(URL).json()
        zezhou = next(child for child in city["children"] if child.get("region") == self.ZEZHOU)
        self.assertEqual(actual(zezhou), actual(data))

    def test_a_grid_narrows_the_figures(self):
        data = self.api(self.county_inspector).get(URL, {"grid": self.grid.pk}).json()
        self.assertEqual(data["grid"], {"id": self.grid.pk, "name": "城东网格"})
        self.assertEqual(data["region"], self.ZEZHOU)
        self.assertEqual((data["units"], data["hazards_open"], data["children"]), (1, 1, []))
        # From the city: the grid's county becomes the region shown.
        city = self.api(self.city_inspector).get(URL, {"grid": self.sibling_grid.pk}).json()
        self.assertEqual((city["region"], city["units"], city["hazards_open"]), (self.YANGCHENG, 1, 1))
        self.assertIsNone(self.api(self.county_inspector).get(URL).json()["grid"])

    def test_a_grid_outside_the_region_or_scope_is_not_found(self):
        for user, query in [
            (self.county_inspector, {"grid": self.sibling_grid.pk}),
            (self.sibling_inspector, {"grid": self.grid.pk}),
            (self.city_inspector, {"region": self.ZEZHOU, "grid": self.sibling_grid.pk}),
            (self.other_city_inspector, {"grid": self.grid.pk}),
            (self.county_inspector, {"grid": "x"}),
            (self.county_inspector, {"grid": 999999}),
        ]:
            self.assertEqual(self.api(user).get(URL, query).status_code, 404, (user.username, query))
            page = self.web(user).get(reverse("supervision:cockpit"), query)
            self.assertEqual(page.status_code, 404, (user.username, query))

    def test_page_shows_grid_children_linking_to_the_grid(self):
        response = self.web(self.county_inspector).get(reverse("supervision:cockpit"), {"category": "3000"})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn(f'<a href="{reverse("supervision:grid-detail", args=[self.grid.pk])}">城东网格</a>', html)
        self.assertIn("未划入网格", html)
        self.assertIn(
            f"{reverse('equipment:list')}?region={self.ZEZHOU}&amp;grid={self.grid.pk}&amp;category=3000", html
        )
        self.assertIn(
            f"{reverse('hazards:board')}?region={self.ZEZHOU}&amp;is_open=true&amp;grid={self.grid.pk}&amp;category=3000",
            html,
        )
        narrowed = self.web(self.county_inspector).get(reverse("supervision:cockpit"), {"grid": self.grid.pk})
        self.assertEqual(narrowed.status_code, 200)
        self.assertContains(narrowed, f'<input type="hidden" name="grid" value="{self.grid.pk}">', html=False)
        self.assertContains(narrowed, f"{reverse('equipment:list')}?region={self.ZEZHOU}&amp;grid={self.grid.pk}")
        self.assertContains(narrowed, reverse("supervision:grid-detail", args=[self.grid.pk]))

    def test_links_carry_the_filters(self):
        industry = self.division.code
        response = self.web(self.city_inspector).get(
            reverse("supervision:cockpit"), {"industry": industry, "category": "3000", "crowded": "false"}
        )
        html = response.content.decode()
        narrow = f"industry={industry}&amp;category=3000&amp;crowded_place=false"
        self.assertIn(f"{reverse('equipment:list')}?region={self.ZEZHOU}&amp;{narrow}", html)
        self.assertIn(
            f"{reverse('risks:list')}?region={self.ZEZHOU}&amp;level=major&amp;is_active=true&amp;{narrow}", html
        )
        self.assertIn(f"{reverse('hazards:board')}?region={self.ZEZHOU}&amp;overdue=true&amp;{narrow}", html)
        self.assertIn(
            f"{reverse('orgs:list')}?kind=filling_station&amp;kind=use_unit&amp;region={self.ZEZHOU}&amp;industry={industry}",
            html,
        )
        self.assertIn(
            f"{reverse('supervision:cockpit')}?region={self.ZEZHOU}&amp;industry={industry}&amp;category=3000&amp;crowded=false",
            html,
        )

    def test_grid_query_count_does_not_grow_with_data(self):
        def count(query):
            client = self.api(self.county_inspector)
            client.get(URL, query)
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(client.get(URL, query).status_code, 200)
            return len(queries)

        def page_count():
            client = self.web(self.county_inspector)
            client.get(reverse("supervision:cockpit"))
            with CaptureQueriesContext(connection) as queries:
                client.get(reverse("supervision:cockpit"))
            return len(queries)

        before = (count({}), count({"grid": self.grid.pk, "category": "3000"}), page_count())
        for index in range(12):
            unit = make_organization(f"网格单位{index}", "use_unit", self.ZEZHOU, seed=300 + index)
            device = self.add_equipment(unit, CATEGORIES[index % 3], index % 2 == 0, "in_use", -5)
            self.add_hazard(unit, device, "major", "confirmed", -1)
            grid = Grid.objects.create(organization=self.county, region_id=self.ZEZHOU, name=f"新网格{index}")
            grid.units.add(unit)
        rebuild_summary()
        self.assertEqual(before, (count({}), count({"grid": self.grid.pk, "category": "3000"}), page_count()))
        data = self.api(self.county_inspector).get(URL).json()
        self.assertEqual(len(data["children"]), 15)
        self.assertEqual(data["units"], sum(child["units"] for child in data["children"]))

    def test_each_unit_cell_is_unique_per_grid(self):
        keys = list(SummaryCell.objects.values_list("region_id", "grid_id", "industry", "category", "crowded"))
        self.assertEqual(len(keys), len(set(keys)))
        self.assertTrue(SummaryCell.objects.filter(grid=self.grid).exists())
        self.assertTrue(SummaryCell.objects.filter(grid__isnull=True, region_id=self.ZEZHOU).exists())
