"""A county regulator never sees a sibling county's rows anywhere: with one row of every supervision object in Zezhou
(140525), Yangcheng's inspector (140522) finds none of Zezhou's units, credit codes or objects in any supervision page,
API list or export, and every object URL of Zezhou answers 404."""

import io
import json
from datetime import timedelta

import openpyxl
from django.test import override_settings
from django.urls import URLPattern, reverse
from django.utils import timezone

from shuangfang.core.testing import CastTestCase, make_user
from shuangfang.supervision import assessment, random_plans, urls
from shuangfang.supervision import rules_enforcement as enforcement_rules
from shuangfang.supervision import rules_evaluation as evaluation_rules
from shuangfang.supervision.choices import BlacklistReason
from shuangfang.supervision.classes import compute_classes
from shuangfang.supervision.models import RegionalAssessment, UnitClass
from shuangfang.supervision.services_accidents import do_record_accident
from shuangfang.supervision.services_blacklist import do_list_unit
from shuangfang.supervision.services_enforcement import do_record_inspection
from shuangfang.supervision.services_evaluation import do_evaluate, do_nominate_demonstration
from shuangfang.supervision.services_grids import do_create_grid

FULL = {item.code: item.points for item in evaluation_rules.EVALUATION_ITEMS}
API = "/api/v1/supervision/"
POST_ONLY = {"classes-recompute", "assessment-run"}


def body_text(response) -> str:
    """What a reader gets: the page, the JSON, or the cells of an .xlsx."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        return "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell
        )
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


class SiblingCountyIsolationTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.city_leader = make_user("city_leader", cls.city, "regulator_leader")
        today = timezone.localdate()
        cls.year = today.year
        # Zezhou's rows, through the services.
        cls.grid = do_create_grid(
            actor=cls.county_admin,
            name="泽州一号网格",
            units=[cls.unit_a, cls.unit_c],
            inspectors=[cls.county_inspector],
        )
        cls.accident = do_record_accident(
            actor=cls.county_inspector,
            organization=cls.unit_a,
            equipment=cls.equipment_a,
            occurred_at=timezone.now() - timedelta(days=3),
            accident_type="04",
            severity="general",
            description="吊装时钢丝绳断裂",
            serious_injuries=1,
        )
        cls.entry = do_list_unit(
            actor=cls.county_inspector,
            organization=cls.unit_a,
            reason=BlacklistReason.ACCIDENT,
            detail="发生事故",
            accident=cls.accident,
        )
        results = {item.code: enforcement_rules.OK for item in enforcement_rules.ENFORCEMENT_CHECKLIST}
        results["R3"] = enforcement_rules.FINDING
        cls.inspection = do_record_inspection(
            actor=cls.county_inspector,
            unit=cls.unit_a,
            inspected_on=today,
            results=results,
            notes={"R3": "重大风险由车间级管控"},
            equipment=cls.equipment_a,
            one_action_deadline=today + timedelta(days=20),
        )
        cls.order = cls.inspection.orders.get()
        # Unit C: unit A's major hazard and blacklist entry veto it as a demonstration enterprise.
        cls.evaluation = do_evaluate(actor=cls.county_inspector, organization=cls.unit_c, year=cls.year, scores=FULL)
        cls.demonstration = do_nominate_demonstration(
            actor=cls.city_inspector, organization=cls.unit_c, equipment_category="3000"
        )
        compute_classes()
        cls.unit_class = UnitClass.objects.get(organization=cls.unit_a)
        cls.plan = random_plans.do_create_random_plan(
            actor=cls.county_inspector,
            title="泽州双随机抽查",
            period_start=today,
            period_end=today + timedelta(days=60),
            ratios={"A": 5, "B": 20, "C": 60, "D": 100},  # unit A (accident) is D: always drawn
            seed=7,
        )
        assessment.do_run_assessment(actor=cls.city_leader, year=cls.year - 1)
        cls.assessment = RegionalAssessment.objects.get(region_id=cls.ZEZHOU)
        cls.sibling_assessment = RegionalAssessment.objects.get(region_id=cls.YANGCHENG)
        # A row of Yangcheng's own, to show the sibling's lists are not simply empty.
        cls.own_accident = do_record_accident(
            actor=cls.sibling_inspector,
            organization=cls.unit_b,
            equipment=cls.equipment_b,
            occurred_at=timezone.now() - timedelta(days=2),
            accident_type="04",
            severity="general",
            description="阳城事故",
        )

    def setUp(self):
        self.web_client = self.web(self.sibling_inspector)
        self.api_client = self.api(self.sibling_inspector)

    # -- what must never show ----------------------------------------------------------------------------------------

    def markers(self) -> list[str]:
        return [self.unit_a.name, self.unit_c.name, self.unit_a.uscc, self.unit_c.uscc, self.equipment_a.code]

    def object_urls(self) -> dict[str, list[int]]:
        """Each page URL name with arguments → the Zezhou objects it names."""
        return {
            "grid-detail": [self.grid.pk],
            "grid-edit": [self.grid.pk],
            "blacklist-entry": [self.entry.pk],
            "blacklist-lift": [self.entry.pk],
            "accident": [self.accident.pk],
            "accident-export": [self.accident.pk],
            "random-plan": [self.plan.pk],
            "random-plan-publish": [self.plan.pk],
            "enforcement-inspection": [self.inspection.pk],
            "enforcement-order-comply": [self.order.pk],
            "evaluation": [self.evaluation.pk],
            "demonstration": [self.demonstration.pk],
            "demonstration-revoke": [self.demonstration.pk],
            "assessment": [self.assessment.pk],
        }

    def api_objects(self) -> dict[str, int]:
        return {
            "grids": self.grid.pk,
            "blacklist": self.entry.pk,
            "accidents": self.accident.pk,
            "evaluations": self.evaluation.pk,
            "demonstration-enterprises": self.demonstration.pk,
            "classes": self.unit_class.pk,
            "random-plans": self.plan.pk,
            "assessments": self.assessment.pk,
            "enforcement-inspections": self.inspection.pk,
            "orders": self.order.pk,
            "listings": self.order.listing_id,
        }

    def page_paths(self) -> list[str]:
        """Where a Zezhou object's page sits; none of them may be linked from the sibling's lists."""
        return [reverse(f"supervision:{name}", args=pks) for name, pks in self.object_urls().items()]

    def assertNothingOfZezhou(self, response, where: str):
        text = body_text(response)
        for marker in self.markers():
            self.assertNotIn(marker, text, f"{where} shows {marker}")
        for path in self.page_paths():
            self.assertNotIn(f'"{path}"', text, f"{where} links {path}")

    def test_the_same_lists_show_zezhou_to_zezhou(self):
        """The control: what the sibling never sees, Zezhou's own inspector does."""
        client = self.web(self.county_inspector)
        self.assertContains(client.get(reverse("supervision:accidents")), self.unit_a.name)
        self.assertContains(client.get(reverse("supervision:enforcement-orders")), self.unit_a.name)
        self.assertEqual(client.get(reverse("supervision:accident", args=[self.accident.pk])).status_code, 200)
        listed = self.api(self.county_inspector).get(f"{API}accidents/").json()["results"]
        self.assertIn(self.accident.pk, [row["id"] for row in listed])
        exported = body_text(client.get(reverse("hazards:board-export")))
        self.assertIn(self.unit_a.uscc, exported)

    # -- pages -------------------------------------------------------------------------------------------------------

    def test_the_setup_made_every_object_in_zezhou(self):
        for row in (self.grid, self.accident, self.entry, self.inspection, self.order, self.evaluation, self.plan):
            self.assertEqual(row.region_id, self.ZEZHOU, row)
        self.assertEqual(self.demonstration.organization, self.unit_c)
        self.assertTrue(self.plan.items.filter(unit=self.unit_a).exists())
        self.assertIsNotNone(self.order.listing_id)
        self.assertEqual(self.assessment.organization, self.city)

    def test_every_page_without_arguments(self):
        names = [p.name for p in urls.urlpatterns if isinstance(p, URLPattern) and not p.pattern.converters]
        self.assertGreaterEqual(len(names), 15)
        for name in names:
            with self.subTest(name=name):
                response = self.web_client.get(reverse(f"supervision:{name}"))
                self.assertIn(response.status_code, (405,) if name in POST_ONLY else (200, 403), name)
                self.assertNothingOfZezhou(response, name)
        # The lists do work for the sibling's own rows.
        own = self.web_client.get(reverse("supervision:accidents"))
        self.assertContains(own, reverse("supervision:accident", args=[self.own_accident.pk]))

    def test_every_page_with_filters_naming_zezhou(self):
        names = ["cockpit", "grids", "blacklist", "blacklist-candidates", "accidents", "classes", "random-plans"]
        names += ["enforcement", "enforcement-orders", "evaluations", "demonstrations", "assessments"]
        for name in names:
            for params in ({"region": self.ZEZHOU}, {"organization": self.unit_a.pk}, {"unit": self.unit_a.pk}):
                with self.subTest(name=name, params=params):
                    response = self.web_client.get(reverse(f"supervision:{name}"), params)
                    self.assertIn(response.status_code, (200, 403, 404), name)
                    self.assertNothingOfZezhou(response, f"{name} {params}")

    def test_the_cockpit_of_zezhou_is_not_found(self):
        self.assertEqual(self.web_client.get(reverse("supervision:cockpit"), {"region": self.ZEZHOU}).status_code, 404)
        self.assertEqual(self.api_client.get(f"{API}summary/", {"region": self.ZEZHOU}).status_code, 404)
        self.assertEqual(self.api_client.get(f"{API}summary/", {"grid": self.grid.pk}).status_code, 404)

    def test_every_object_page_is_not_found(self):
        covered = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern) and p.pattern.converters}
        self.assertEqual(covered, set(self.object_urls()), "every page with arguments is named here")
        for name, pks in self.object_urls().items():
            url = reverse(f"supervision:{name}", args=pks)
            with self.subTest(url=url):
                response = self.web_client.get(url)
                if response.status_code == 405:
                    response = self.web_client.post(url, {})
                self.assertEqual(response.status_code, 404, url)

    # -- the API -----------------------------------------------------------------------------------------------------

    def test_every_api_list(self):
        for resource, pk in self.api_objects().items():
            for params in ({}, {"region": self.ZEZHOU}, {"organization": self.unit_a.pk}, {"year": self.year - 1}):
                with self.subTest(resource=resource, params=params):
                    response = self.api_client.get(f"{API}{resource}/", params)
                    self.assertEqual(response.status_code, 200, resource)
                    body = response.json()
                    rows = body["results"] if isinstance(body, dict) and "results" in body else body
                    self.assertNotIn(pk, [row.get("id") for row in rows], resource)
                    self.assertNothingOfZezhou(response, f"{API}{resource}/ {params}")
        summary = self.api_client.get(f"{API}summary/")
        self.assertEqual(summary.status_code, 200)
        self.assertNotIn(self.ZEZHOU, json.dumps(summary.json()))

    def test_every_api_object_is_not_found(self):
        for resource, pk in self.api_objects().items():
            with self.subTest(resource=resource):
                self.assertEqual(self.api_client.get(f"{API}{resource}/{pk}/").status_code, 404, resource)
        actions = [
            ("get", f"{API}accidents/{self.accident.pk}/tracing/"),
            ("post", f"{API}blacklist/{self.entry.pk}/lift/"),
            ("post", f"{API}random-plans/{self.plan.pk}/publish/"),
            ("post", f"{API}demonstration-enterprises/{self.demonstration.pk}/revoke/"),
            ("post", f"{API}orders/{self.order.pk}/comply/"),
            ("patch", f"{API}grids/{self.grid.pk}/"),
        ]
        for method, url in actions:
            with self.subTest(url=url):
                response = getattr(self.api_client, method)(url, {}, format="json")
                self.assertEqual(response.status_code, 404, url)

    # -- exports -----------------------------------------------------------------------------------------------------

    # Eighteen exports in a row: above the per-minute export limit (core/exports.py), which is not what this tests.
    @override_settings(EXPORT_RATE_PER_MINUTE=100)
    def test_every_export(self):
        exports = [
            (reverse("supervision:assessments-export"), {}),
            (reverse("supervision:assessments-export"), {"year": self.year - 1}),
        ]
        # The lists the cockpit's figures link to, each exported with and without Zezhou named.
        for name in ("orgs:export", "equipment:export", "risks:export", "hazards:board-export"):
            for params in ({}, {"region": self.ZEZHOU}, {"organization": self.unit_a.pk}, {"is_open": "true"}):
                exports.append((reverse(name), params))
        for url, params in exports:
            with self.subTest(url=url, params=params):
                response = self.web_client.get(url, params)
                self.assertEqual(response.status_code, 200, url)
                self.assertNothingOfZezhou(response, f"{url} {params}")
        # The sibling's own assessment is in its export; Zezhou's is not.
        text = body_text(self.web_client.get(reverse("supervision:assessments-export"), {"year": self.year - 1}))
        self.assertIn(self.sibling_assessment.region.name, text)
        self.assertNotIn(self.assessment.region.name, text)
