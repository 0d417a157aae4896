"""Differentiated supervision: each class rule row, the computation over the records, the random inspection plans
(reproducible from the seed, within the region, per-class counts by the ratios), publishing, the pages and the scope."""

import io
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.management import call_command
from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shuangfang.accounts.models import User
from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment, make_organization, make_user
from shuangfang.hazards import services as hazard_services
from shuangfang.hazards.models import Hazard
from shuangfang.supervision import random_plans
from shuangfang.supervision import rules_classes as rules
from shuangfang.supervision.classes import compute_classes
from shuangfang.supervision.models import Accident, Evaluation, RandomInspectionPlan, UnitClass
from shuangfang.supervision.services_blacklist import do_list_unit
from shuangfang.supervision.services_grids import do_create_grid

TODAY = date(2026, 6, 15)


class RuleTableTests(SimpleTestCase):
    """The pure rules, row by row."""

    def test_every_row_is_complete(self):
        for rule in rules.CLASS_RULES:
            with self.subTest(rule=rule.code):
                self.assertIn("116号", rule.citation)
                self.assertIn(rule.fact, rules.FACTS)
                self.assertIn(rule.floor, ("", *rules.CLASSES))
                self.assertTrue(rule.description and rule.confidence)
                self.assertTrue(rule.proposal)

    def test_each_row_fires_at_its_minimum_and_not_below(self):
        for rule in rules.CLASS_RULES:
            with self.subTest(rule=rule.code):
                fired = {f.rule.code for f in rules.fired_rules({rule.fact: rule.minimum})}
                self.assertIn(rule.code, fired)
                below = {f.rule.code for f in rules.fired_rules({rule.fact: rule.minimum - 1})}
                self.assertNotIn(rule.code, below)

    def test_each_row_alone_gives_its_class(self):
        expected = {
            "open_major_hazard": ("C", 40),
            "overdue_inspection": ("B", 20),
            "overdue_inspections_many": ("C", 40),  # both overdue-inspection rows fire at 3
            "overdue_hazard": ("B", 20),
            "overdue_hazards_many": ("C", 40),
            "accident_12m": ("D", 70),
            "blacklisted": ("D", 70),
            "order_not_complied": ("D", 70),
            "evaluation_below_pass": ("C", 30),
            "evaluation_veto": ("C", 30),
            "evaluation_excellent": ("A", 0),
            "crowded_place": ("B", 20),
        }
        self.assertEqual(set(expected), set(rules.RULES_BY_CODE))
        for code, (klass, score) in expected.items():
            rule = rules.RULES_BY_CODE[code]
            with self.subTest(rule=code):
                outcome = rules.classify({rule.fact: rule.minimum})
                self.assertEqual((outcome.supervision_class, outcome.score), (klass, score))
                self.assertIn(code, [f["rule"] for f in rules.describe(outcome)])

    def test_nothing_known_is_b_and_floors_raise_the_class(self):
        self.assertEqual(rules.classify({}).supervision_class, "B")
        self.assertEqual(rules.classify({}).score, rules.BASE_POINTS)
        # An excellent evaluation does not save a unit with an accident: the floor holds.
        outcome = rules.classify({rules.ACCIDENTS_12M: 1, rules.EVALUATION_GOOD: 1})
        self.assertEqual(outcome.supervision_class, "D")
        # Points add up past a band: a crowded place, overdue hazards and an overdue inspection make C.
        outcome = rules.classify({rules.CROWDED_EQUIPMENT: 2, rules.OVERDUE_HAZARDS: 1, rules.OVERDUE_INSPECTIONS: 1})
        self.assertEqual((outcome.supervision_class, outcome.score), ("C", 40))

    def test_thresholds_are_configurable(self):
        thresholds = rules.thresholds_from({"C": 20})
        self.assertEqual(rules.classify({rules.CROWDED_EQUIPMENT: 1}, thresholds=thresholds).supervision_class, "C")

    def test_evaluation_facts(self):
        self.assertEqual(rules.evaluation_facts(None, None), dict.fromkeys(rules.evaluation_facts(None, None), 0))
        self.assertEqual(rules.evaluation_facts(None, (Decimal("55"), []))[rules.EVALUATION_BELOW_60], 1)
        # A self-evaluation of 95 never earns the excellent mark.
        self.assertEqual(rules.evaluation_facts(None, (Decimal("95"), []))[rules.EVALUATION_GOOD], 0)
        facts = rules.evaluation_facts((Decimal("85"), ["v1"]), (Decimal("99"), []))
        self.assertEqual((facts[rules.EVALUATION_VETO], facts[rules.EVALUATION_GOOD]), (1, 0))
        self.assertEqual(rules.evaluation_facts((Decimal("80"), []), None)[rules.EVALUATION_GOOD], 1)

    def test_ratios_default_to_the_top_of_the_daqing_ranges(self):
        self.assertEqual(rules.default_ratios(), {"A": 5, "B": 20, "C": 60, "D": 100})
        self.assertEqual(rules.ratio_ranges()["C"], (21, 60))
        self.assertEqual(rules.default_ratios({"D": (61, 80)})["D"], 80)
        with self.assertRaises(ValueError):
            rules.ratio_ranges({"E": (0, 1)})

    def test_draw_count_is_never_below_the_ratio(self):
        self.assertEqual(rules.draw_count(0, 50), 0)
        self.assertEqual(rules.draw_count(10, 0), 0)
        self.assertEqual(rules.draw_count(10, 5), 1)
        self.assertEqual(rules.draw_count(40, 5), 2)
        self.assertEqual(rules.draw_count(7, 100), 7)
        self.assertEqual(rules.draw_count(9, 21), 2)


class DrawTests(SimpleTestCase):
    population = {"A": list(range(1, 41)), "B": list(range(100, 150)), "C": list(range(200, 210)), "D": [300, 301]}
    ratios = {"A": 5, "B": 20, "C": 60, "D": 100}

    def draw(self, seed, **extra):
        args = {
            "population": self.population,
            "ratios": self.ratios,
            "seed": seed,
            "grid_inspectors": {},
            "fallback_inspectors": [7, 8, 9],
            "per_unit": 2,
        }
        args.update(extra)
        return random_plans.draw(**args)

    def test_the_same_seed_draws_the_same_plan(self):
        self.assertEqual(self.draw(42), self.draw(42))
        # Whatever order the population comes in.
        shuffled = {k: list(reversed(v)) for k, v in self.population.items()}
        self.assertEqual(self.draw(42), self.draw(42, population=shuffled))
        self.assertNotEqual(self.draw(42), self.draw(43))

    def test_per_class_counts_follow_the_ratios(self):
        for seed in range(20):
            drawn = self.draw(seed)
            for klass, pool in self.population.items():
                units = [d.unit_id for d in drawn if d.supervision_class == klass]
                with self.subTest(seed=seed, klass=klass):
                    self.assertEqual(len(units), math.ceil(len(pool) * self.ratios[klass] / 100))
                    self.assertLessEqual(set(units), set(pool))

    def test_inspectors_come_from_the_grid_first(self):
        drawn = self.draw(5, grid_inspectors={300: [50, 51, 52]}, population={"D": [300, 301]})
        by_unit = {d.unit_id: d.inspector_ids for d in drawn}
        self.assertLessEqual(set(by_unit[300]), {50, 51, 52})
        self.assertEqual(len(by_unit[300]), 2)
        self.assertLessEqual(set(by_unit[301]), {7, 8, 9})
        # A grid of one is topped up from the regulator's inspectors.
        drawn = self.draw(5, grid_inspectors={300: [50]}, population={"D": [300]})
        self.assertIn(50, drawn[0].inspector_ids)
        self.assertEqual(len(drawn[0].inspector_ids), 2)


class ClassesCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.county_inspector_2 = make_user("county_inspector_2", cls.county, "inspector")
        cls.county_leader = make_user("county_leader", cls.county, "regulator_leader")

    def accident(self, unit, days_ago):
        occurred = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days_ago), time(10)))
        return Accident.objects.create(
            organization=unit,
            region_id=unit.region_id,
            occurred_at=occurred,
            accident_type="挤压",
            severity="general",
            description="事故",
            recorded_by=self.county_inspector,
            recorded_by_organization=self.county,
        )

    def evaluation(self, unit, kind, score, vetoes=()):
        return Evaluation.objects.create(
            organization=unit,
            region_id=unit.region_id,
            kind=kind,
            year=timezone.localdate().year,
            score=Decimal(score),
            vetoes=list(vetoes),
            evaluated_by=self.county_inspector,
            evaluator_organization=self.county,
        )

    def class_of(self, unit) -> UnitClass:
        return UnitClass.objects.get(organization=unit)

    def rules_of(self, unit) -> set[str]:
        return {fact["rule"] for fact in self.class_of(unit).facts}


class ComputeTests(ClassesCase):
    def test_a_unit_with_no_record_is_b(self):
        compute_classes()
        row = self.class_of(self.unit_c)
        self.assertEqual((row.supervision_class, row.score, row.facts), ("B", 10, []))
        self.assertEqual(row.region_id, self.ZEZHOU)
        # Regulators and agencies get no class.
        self.assertFalse(UnitClass.objects.filter(organization__kind__in=["regulator", "inspection_agency"]).exists())

    def test_open_major_hazard_and_overdue_hazards(self):
        hazard = hazard_services.do_report_hazard(
            actor=self.other_unit_user, equipment=self.equipment_c, description="门锁回路短接", clauses=["4.6b"]
        )
        compute_classes()
        self.assertEqual(self.class_of(self.unit_c).supervision_class, "C")
        self.assertEqual(self.rules_of(self.unit_c), {"open_major_hazard"})
        # Past its deadline: overdue too.
        Hazard.objects.filter(pk=hazard.pk).update(deadline=timezone.localdate() - timedelta(days=1))
        compute_classes()
        self.assertEqual(self.rules_of(self.unit_c), {"open_major_hazard", "overdue_hazard"})

    def test_overdue_inspections_and_crowded_places(self):
        for n in range(3):
            make_equipment(self.unit_c, f"OVERDUE{n}", inspection_due_on=date(2020, 1, 1))
        make_equipment(self.unit_b, "CROWDED1", crowded_place=True)
        compute_classes()
        self.assertEqual(self.rules_of(self.unit_c), {"overdue_inspection", "overdue_inspections_many"})
        self.assertEqual(self.class_of(self.unit_c).supervision_class, "C")
        self.assertEqual(self.rules_of(self.unit_b), {"crowded_place"})
        self.assertEqual(self.class_of(self.unit_b).supervision_class, "B")

    def test_accident_in_twelve_months_and_blacklist(self):
        self.accident(self.unit_c, 400)
        compute_classes()
        self.assertEqual(self.class_of(self.unit_c).supervision_class, "B")
        self.accident(self.unit_c, 30)
        compute_classes()
        self.assertEqual(self.class_of(self.unit_c).supervision_class, "D")
        self.assertEqual(self.rules_of(self.unit_c), {"accident_12m"})
        do_list_unit(
            actor=self.city_inspector, organization=self.unit_b, reason="other", detail="拒不整改", accident=None
        )
        compute_classes()
        self.assertEqual(self.rules_of(self.unit_b), {"blacklisted"})
        self.assertEqual(self.class_of(self.unit_b).supervision_class, "D")

    def test_evaluations(self):
        self.evaluation(self.unit_c, "self", "95")
        self.evaluation(self.unit_b, "self", "50")
        compute_classes()
        self.assertEqual(self.class_of(self.unit_c).supervision_class, "B")
        self.assertEqual(self.rules_of(self.unit_b), {"evaluation_below_pass"})
        self.evaluation(self.unit_c, "regulator", "85")
        self.evaluation(self.unit_b, "regulator", "90", vetoes=["no_risk_list"])
        compute_classes()
        self.assertEqual(self.class_of(self.unit_c).supervision_class, "A")
        self.assertEqual(self.rules_of(self.unit_c), {"evaluation_excellent"})
        self.assertEqual(self.rules_of(self.unit_b), {"evaluation_veto"})
        self.assertEqual(self.class_of(self.unit_b).supervision_class, "C")

    def test_recomputing_changes_only_what_changed(self):
        first = compute_classes()
        self.assertEqual(first.created, UnitClass.objects.count())
        version = self.class_of(self.unit_c).version
        again = compute_classes()
        self.assertEqual((again.created, again.changed), (0, 0))
        self.assertEqual(self.class_of(self.unit_c).version, version)
        self.accident(self.unit_c, 1)
        third = compute_classes()
        self.assertEqual(third.changed, 1)
        self.assertEqual(self.class_of(self.unit_c).version, version + 1)
        self.assertTrue(Event.objects.filter(type="supervision.classes_computed").exists())

    def test_query_count_does_not_grow_with_units(self):
        for n in range(3):
            make_organization(f"少量单位 {n}", "use_unit", self.ZEZHOU, seed=500 + n)
        with CaptureQueriesContext(connection) as few:
            compute_classes()
        for n in range(30):
            unit = make_organization(f"更多单位 {n}", "use_unit", self.ZEZHOU, seed=600 + n)
            make_equipment(unit, f"MORE{n}", crowded_place=n % 2 == 0)
        UnitClass.objects.all().delete()
        with CaptureQueriesContext(connection) as many:
            compute_classes()
        self.assertEqual(len(few), len(many))

    def test_the_command_and_a_regulators_recompute(self):
        out = io.StringIO()
        call_command("compute_classes", stdout=out)
        self.assertIn("created", out.getvalue())
        self.accident(self.unit_c, 1)
        response = self.web(self.county_inspector).post(reverse("supervision:classes-recompute"))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.class_of(self.unit_c).supervision_class, "D")
        self.assertEqual(self.web(self.county_leader).post(reverse("supervision:classes-recompute")).status_code, 403)
        self.assertEqual(self.web(self.owner).post(reverse("supervision:classes-recompute")).status_code, 403)


class ClassPagesAndApiTests(ClassesCase):
    def setUp(self):
        self.accident(self.unit_a, 5)
        compute_classes()

    def test_the_regulator_sees_its_jurisdiction_with_the_facts(self):
        response = self.web(self.county_inspector).get(reverse("supervision:classes"))
        self.assertEqual(response.status_code, 200)
        text = response.content.decode()
        self.assertIn("甲单位", text)
        self.assertIn("丙单位", text)
        self.assertNotIn("乙单位", text)
        self.assertIn("近 12 个月内发生特种设备事故", text)
        filtered = self.web(self.county_inspector).get(reverse("supervision:classes"), {"rule": "accident_12m"})
        self.assertIn("甲单位", filtered.content.decode())
        self.assertNotIn("丙单位", filtered.content.decode())
        by_class = self.web(self.city_inspector).get(reverse("supervision:classes"), {"supervision_class": "B"})
        self.assertIn("乙单位", by_class.content.decode())
        self.assertNotIn("甲单位", by_class.content.decode())

    def test_units_may_not_open_the_page(self):
        self.assertEqual(self.web(self.owner).get(reverse("supervision:classes")).status_code, 403)

    def test_api_scope(self):
        row = self.class_of(self.unit_a)
        url = reverse("unit-class-detail", args=[row.pk])
        body = self.api(self.county_inspector).get(url).json()
        self.assertEqual(body["supervision_class"], "D")
        self.assertEqual(body["facts"][0]["rule"], "accident_12m")
        self.assertEqual(self.api(self.owner).get(url).status_code, 200)
        self.assertNotFoundForOutsiders("get", url)
        ids = {r["id"] for r in self.api(self.sibling_inspector).get(reverse("unit-class-list")).json()["results"]}
        self.assertEqual(ids, {self.class_of(self.unit_b).pk})
        listed = self.api(self.city_inspector).get(reverse("unit-class-list"), {"supervision_class": "D"}).json()
        self.assertEqual([r["organization"] for r in listed["results"]], [self.unit_a.pk])
        self.assertEqual(self.api(self.county_inspector).post(reverse("unit-class-list"), {}).status_code, 405)


class RandomPlanTests(ClassesCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.zezhou_units = [make_organization(f"泽州单位 {n}", "use_unit", cls.ZEZHOU, seed=700 + n) for n in range(40)]
        cls.yangcheng_units = [
            make_organization(f"阳城单位 {n}", "use_unit", cls.YANGCHENG, seed=800 + n) for n in range(10)
        ]
        cls.grid = do_create_grid(
            actor=cls.county_admin,
            name="一号网格",
            units=cls.zezhou_units[:10],
            inspectors=[cls.county_inspector, cls.county_inspector_2],
        )

    def setUp(self):
        # Five D units (accidents), the rest of Zezhou B.
        for unit in self.zezhou_units[:5]:
            self.accident(unit, 10)
        compute_classes()

    def plan(self, seed=42, actor=None, **extra):
        values = {
            "actor": actor or self.county_inspector,
            "title": "2026 年第二季度双随机抽查",
            "period_start": date(2026, 4, 1),
            "period_end": date(2026, 6, 30),
            "seed": seed,
        }
        values.update(extra)
        return random_plans.do_create_random_plan(**values)

    def test_the_draw_stays_in_the_region_and_follows_the_ratios(self):
        plan = self.plan()
        items = list(plan.items.select_related("unit"))
        self.assertTrue(all(item.unit.region_id == self.ZEZHOU for item in items))
        classes = dict(
            UnitClass.objects.filter(region_id=self.ZEZHOU).values_list("organization_id", "supervision_class")
        )
        population = {k: sum(1 for v in classes.values() if v == k) for k in "ABCD"}
        self.assertEqual(population["D"], 5)
        for klass in "ABCD":
            drawn = [i for i in items if i.supervision_class == klass]
            with self.subTest(klass=klass):
                self.assertEqual(len(drawn), rules.draw_count(population[klass], plan.ratios[klass]))
                self.assertTrue(all(classes[i.unit_id] == klass for i in drawn))
        self.assertEqual(plan.ratios, {"A": 5, "B": 20, "C": 60, "D": 100})

    def test_reproducible_from_the_seed(self):
        first = self.plan(seed=20260401)
        second = self.plan(seed=20260401)
        self.assertEqual(random_plans.items_as_drawn(first), random_plans.items_as_drawn(second))
        self.assertEqual(random_plans.redraw(first), random_plans.items_as_drawn(first))
        other = self.plan(seed=7)
        self.assertNotEqual(random_plans.items_as_drawn(first), random_plans.items_as_drawn(other))
        # A seed is recorded even when none is given.
        self.assertIsNotNone(self.plan(seed=None).seed)

    def test_inspectors_from_the_grid_else_the_regulator(self):
        plan = self.plan()
        grid_units = {u.pk for u in self.zezhou_units[:10]}
        grid_people = {self.county_inspector.pk, self.county_inspector_2.pk}
        for item in plan.items.prefetch_related("inspectors"):
            people = {u.pk for u in item.inspectors.all()}
            with self.subTest(unit=item.unit_id):
                self.assertEqual(len(people), 2)
                if item.unit_id in grid_units:
                    self.assertEqual(people, grid_people)
                else:
                    # The county's own inspectors: both of them (the leader and the administrator are not drawn).
                    self.assertLessEqual(people, grid_people)

    def test_a_city_plan_covers_its_counties(self):
        plan = self.plan(actor=self.city_inspector)
        regions = {item.unit.region_id for item in plan.items.select_related("unit")}
        self.assertEqual(regions, {self.ZEZHOU, self.YANGCHENG})
        self.assertEqual(plan.region_id, self.JINCHENG)

    def test_bad_input_is_refused_with_a_specific_message(self):
        from django.core.exceptions import ValidationError

        cases = [
            ({"ratios": {"A": 50}}, "ratios", "A 类的抽查比例应在 0%–5% 之间"),
            ({"ratios": {"E": 5}}, "ratios", "没有监管类别"),
            ({"period_end": date(2026, 3, 1)}, "period_end", "早于开始日期"),
            ({"title": " "}, "title", "请填写计划名称"),
            ({"inspectors_per_unit": 0}, "inspectors_per_unit", "每户执法人员数"),
        ]
        from shuangfang.orgs.models import Region

        cases.append(({"region": Region.objects.get(code=self.YANGCHENG)}, "region", "监管辖区"))
        for extra, field, message in cases:
            with self.subTest(field=field):
                with self.assertRaises(ValidationError) as raised:
                    self.plan(**extra)
                self.assertIn(message, " ".join(raised.exception.message_dict[field]))
        self.assertFalse(RandomInspectionPlan.objects.exists())

    def test_only_inspectors_and_administrators_plan(self):
        from shuangfang.core.services import PermissionDenied

        for user in (self.county_leader, self.owner, self.agency_user):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                self.plan(actor=user)

    def test_publishing_and_the_public_pages(self):
        plan = self.plan()
        hidden = self.plan(seed=1, title="未公开的计划")
        public = self.client.get(reverse("public:random-plans"))
        self.assertNotContains(public, plan.title)
        self.assertEqual(self.client.get(reverse("public:random-plan", args=[plan.pk])).status_code, 404)
        url = reverse("random-plan-publish", args=[plan.pk])
        self.assertEqual(self.api(self.county_inspector).post(url, {}, format="json").status_code, 400)
        self.assertEqual(self.api(self.county_leader).post(url, {"version": 1}, format="json").status_code, 403)
        response = self.api(self.county_inspector).post(url, {"version": 1}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIsNotNone(response.json()["published_at"])
        self.assertEqual(self.api(self.county_inspector).post(url, {"version": 2}, format="json").status_code, 409)
        public = self.client.get(reverse("public:random-plans"))
        self.assertContains(public, plan.title)
        self.assertNotContains(public, hidden.title)
        detail = self.client.get(reverse("public:random-plan", args=[plan.pk]))
        first = plan.items.select_related("unit").first().unit
        self.assertContains(detail, first.uscc)
        # No classes and no inspectors on the public page.
        self.assertNotContains(detail, "county_inspector")
        self.assertNotContains(detail, "D类")

    def test_pages(self):
        web = self.web(self.county_inspector)
        form = web.get(reverse("supervision:random-plan-create"))
        self.assertEqual(form.status_code, 200)
        response = web.post(
            reverse("supervision:random-plan-create"),
            {
                "title": "页面计划",
                "region": self.ZEZHOU,
                "period_start": "2026-07-01",
                "period_end": "2026-09-30",
                "ratio_A": "5",
                "ratio_B": "10",
                "ratio_C": "30",
                "ratio_D": "100",
                "inspectors_per_unit": "2",
                "seed": "99",
            },
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        plan = RandomInspectionPlan.objects.get(title="页面计划")
        self.assertEqual((plan.seed, plan.ratios["B"]), (99, 10))
        detail = web.get(reverse("supervision:random-plan", args=[plan.pk]))
        self.assertContains(detail, "按种子复核一致")
        self.assertContains(web.get(reverse("supervision:random-plans")), "页面计划")
        bad = web.post(
            reverse("supervision:random-plan-create"),
            {
                "title": "x",
                "region": self.ZEZHOU,
                "period_start": "2026-07-01",
                "period_end": "2026-09-30",
                "ratio_A": "50",
            },
        )
        self.assertEqual(bad.status_code, 400)
        self.assertContains(bad, "A 类的抽查比例应在 0%–5% 之间", status_code=400)
        published = web.post(reverse("supervision:random-plan-publish", args=[plan.pk]), {"version": plan.version})
        self.assertEqual(published.status_code, 302)
        self.assertEqual(self.web(self.owner).get(reverse("supervision:random-plans")).status_code, 403)

    def test_scope_404s(self):
        plan = self.plan()
        page = reverse("supervision:random-plan", args=[plan.pk])
        api = reverse("random-plan-detail", args=[plan.pk])
        publish = reverse("random-plan-publish", args=[plan.pk])
        for user in (self.sibling_inspector, self.other_city_inspector):
            with self.subTest(user=user.username):
                self.assertEqual(self.web(user).get(page).status_code, 404)
                self.assertEqual(
                    self.web(user)
                    .post(reverse("supervision:random-plan-publish", args=[plan.pk]), {"version": 1})
                    .status_code,
                    404,
                )
                self.assertEqual(self.api(user).get(api).status_code, 404)
                self.assertEqual(self.api(user).post(publish, {"version": 1}, format="json").status_code, 404)
        for user in (self.owner, self.unit_b_user, self.agency_user):
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).get(api).status_code, 404)
                self.assertEqual(self.api(user).get(reverse("random-plan-list")).json()["results"], [])
        for user in (self.county_inspector, self.city_inspector, self.province_leader):
            self.assertEqual(self.api(user).get(api).status_code, 200)
        plan.refresh_from_db()
        self.assertIsNone(plan.published_at)

    def test_api_create_and_list_query_count(self):
        response = self.api(self.county_inspector).post(
            reverse("random-plan-list"),
            {"title": "接口计划", "period_start": "2026-07-01", "period_end": "2026-09-30", "seed": 5},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["region"], body["seed"]), (self.ZEZHOU, 5))
        self.assertTrue(body["items"])
        bad = self.api(self.county_inspector).post(
            reverse("random-plan-list"),
            {"title": "x", "period_start": "2026-07-01", "period_end": "2026-09-30", "ratios": {"D": 10}},
            format="json",
        )
        self.assertEqual(bad.status_code, 400)
        self.assertIn("D 类的抽查比例应在 61%–100% 之间", bad.content.decode())

        def count():
            # A fresh user object each time: the scope is computed once per user object.
            user = User.objects.get(pk=self.city_inspector.pk)
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.api(user).get(reverse("random-plan-list")).status_code, 200)
            return len(captured)

        self.plan(seed=1)
        few = count()
        for seed in range(5):
            self.plan(seed=seed)
        self.assertEqual(count(), few)
