"""Evaluation of a unit's dual prevention system and the demonstration enterprises: the scoring table (non-applicable
items, bounds, normalisation, vetoes), who may evaluate and nominate, the 1–2 per category per city rule, the score and
veto refusals, the public list and the scope."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shuangfang.core.models import Event
from shuangfang.core.services import InvalidTransition, PermissionDenied, VersionConflict
from shuangfang.core.testing import CastTestCase, make_equipment, make_organization, make_user
from shuangfang.hazards import services as hazard_services
from shuangfang.notifications.models import Notification
from shuangfang.supervision import rules_evaluation as rules
from shuangfang.supervision import services_evaluation as services
from shuangfang.supervision.models import DemonstrationEnterprise, Evaluation
from shuangfang.supervision.services_accidents import do_record_accident
from shuangfang.supervision.services_blacklist import do_list_unit

FULL = {item.code: item.points for item in rules.EVALUATION_ITEMS}


def table(**changes):
    scores = dict(FULL)
    scores.update(changes)
    return scores


class ScoringTableTests(SimpleTestCase):
    """The pure rules."""

    def test_items_are_data_with_their_source(self):
        self.assertEqual(rules.RAW_TOTAL, 100)
        self.assertEqual(len({item.code for item in rules.EVALUATION_ITEMS}), 8)
        for item in rules.EVALUATION_ITEMS:
            self.assertEqual(item.source, rules.PROPOSAL)
            self.assertTrue(item.citation and item.checks and item.points > 0)
        for veto in rules.VETO_ITEMS:
            self.assertEqual(veto.source, rules.PROPOSAL)
        self.assertIn("Shandong", rules.PASS_MARK_SOURCE)
        self.assertEqual((rules.PASS_MARK_UNIT, rules.PASS_MARK_DEMONSTRATION), (60, 80))
        self.assertIn("116号", rules.DEMONSTRATIONS_SOURCE)

    def test_full_marks_are_100(self):
        self.assertEqual(rules.scoring_errors(FULL), {})
        self.assertEqual(rules.normalised_score(FULL), Decimal("100.0"))

    def test_non_applicable_items_leave_the_total(self):
        # 7 (15 points) and 8 (5 points) do not apply: 80 applicable points, 60 earned → 75.0.
        scores = table(treatment=None, improvement=None, identification=0)
        self.assertEqual(rules.scoring_errors(scores), {})
        self.assertEqual(rules.normalised_score(scores), Decimal("75.0"))
        # The same earned points with every item applicable: 60 of 100.
        self.assertEqual(rules.normalised_score(table(treatment=0, improvement=0, identification=0)), Decimal("60.0"))

    def test_rounding_is_half_up_to_one_decimal(self):
        # 50.6 of 80 applicable points = 63.25 → 63.3 (half up, not half even).
        scores = table(treatment=None, improvement=None, identification=Decimal("5.6"), grading=0)
        self.assertEqual(rules.normalised_score(scores), Decimal("63.3"))
        self.assertEqual(rules.normalised_score(table(improvement=Decimal("4.5"))), Decimal("99.5"))

    def test_bounds_and_types_per_item(self):
        self.assertEqual(rules.scoring_errors(table(organization=11)), {"organization": "above_max"})
        self.assertEqual(rules.scoring_errors(table(organization=-1)), {"organization": "negative"})
        self.assertEqual(rules.scoring_errors(table(organization="abc")), {"organization": "not_a_number"})
        self.assertEqual(rules.scoring_errors(table(organization=True)), {"organization": "not_a_number"})
        self.assertEqual(rules.scoring_errors(table(organization="9.25")), {"organization": "precision"})
        self.assertEqual(rules.scoring_errors(table(organization=None)), {"organization": "not_na"})
        scores = table()
        del scores["training"]
        self.assertEqual(rules.scoring_errors(scores), {"training": "missing"})
        self.assertEqual(rules.scoring_errors(table(bogus=1)), {"bogus": "unknown"})

    def test_stored_form(self):
        self.assertEqual(rules.clean_scores(table(treatment=None, organization="9.5"))["organization"], 9.5)
        self.assertIsNone(rules.clean_scores(table(treatment=None))["treatment"])


class EvaluationCast(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.city_admin = make_user("city_admin", cls.city, "regulator_admin")
        cls.county_leader = make_user("county_leader", cls.county, "regulator_leader")
        cls.year = timezone.localdate().year
        # Three more units of Zezhou with elevators, for the quota.
        cls.more = []
        for n in range(3):
            unit = make_organization(f"示范候选 {n}", "use_unit", cls.ZEZHOU, seed=300 + n)
            make_equipment(unit, f"31101401012020D{n:04d}")
            cls.more.append(unit)

    def evaluate(self, unit, score_table=None, actor=None, **extra):
        return services.do_evaluate(
            actor=actor or self.county_inspector,
            organization=unit,
            year=self.year,
            scores=score_table or FULL,
            **extra,
        )

    def nominate(self, unit, category="3000", actor=None):
        return services.do_nominate_demonstration(
            actor=actor or self.city_inspector, organization=unit, equipment_category=category
        )


class EvaluateTests(EvaluationCast):
    def test_regulator_evaluation_scores_and_records(self):
        evaluation = self.evaluate(self.unit_a, table(treatment=None, identification=10), vetoes=["listed"])
        self.assertEqual(evaluation.kind, "regulator")
        self.assertEqual(evaluation.score, Decimal("88.2"))  # 75 of 85
        self.assertEqual(evaluation.vetoes, ["listed"])
        self.assertEqual(evaluation.region_id, self.ZEZHOU)
        self.assertEqual(evaluation.evaluator_organization, self.county)
        event = Event.objects.get(type="evaluation.recorded", object_id=str(evaluation.pk))
        self.assertEqual(event.data["score"], "88.2")
        self.assertTrue(Notification.objects.filter(kind="evaluation.recorded", user=self.principal).exists())

    def test_self_evaluation_by_a_unit_manager_of_its_own_unit_only(self):
        evaluation = self.evaluate(self.unit_a, actor=self.owner)
        self.assertEqual((evaluation.kind, evaluation.evaluator_organization), ("self", self.unit_a))
        with self.assertRaises(PermissionDenied):
            self.evaluate(self.unit_c, actor=self.owner)
        with self.assertRaises(PermissionDenied):
            self.evaluate(self.unit_a, actor=self.member)  # an operator

    def test_regulator_outside_the_jurisdiction_and_readers_are_refused(self):
        for user in (self.sibling_inspector, self.county_leader, self.agency_user):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                self.evaluate(self.unit_a, actor=user)
        self.assertFalse(Evaluation.objects.exists())

    def test_bad_items_are_refused_item_by_item_and_nothing_is_written(self):
        with self.assertRaises(ValidationError) as caught:
            self.evaluate(self.unit_a, table(identification=21, organization=None))
        errors = caught.exception.message_dict
        self.assertIn("不能超过本项分值 20 分", errors["score_identification"][0])
        self.assertIn("不能标为不适用", errors["score_organization"][0])
        with self.assertRaises(ValidationError) as caught:
            self.evaluate(self.unit_a, vetoes=["nonsense"])
        self.assertIn("nonsense", caught.exception.message_dict["vetoes"][0])
        with self.assertRaises(ValidationError) as caught:
            services.do_evaluate(actor=self.county_inspector, organization=self.unit_a, year=self.year + 1, scores=FULL)
        self.assertIn("year", caught.exception.message_dict)
        self.assertFalse(Evaluation.objects.exists())

    def test_vetoes_the_records_show_are_added(self):
        hazard_services.do_report_hazard(
            actor=self.member, equipment=self.equipment_a, description="门锁安全回路被短接", clauses=["4.6b"]
        )
        do_record_accident(
            actor=self.county_inspector,
            organization=self.unit_a,
            equipment=self.equipment_a,
            occurred_at=timezone.now() - timedelta(hours=2),
            accident_type="04",
            severity="general",
            deaths=1,
            description="层门坠落",
        )
        found = services.detected_vetoes(self.unit_a, self.year)
        self.assertEqual(set(found), {"unrectified_major_hazard", "fatal_or_major_accident"})
        evaluation = self.evaluate(self.unit_a)
        self.assertEqual(evaluation.vetoes, ["fatal_or_major_accident", "unrectified_major_hazard"])
        self.assertEqual(services.detected_vetoes(self.unit_c, self.year), {})


class DemonstrationTests(EvaluationCast):
    def test_nomination_by_the_city_regulator(self):
        evaluation = self.evaluate(self.unit_c)
        demonstration = self.nominate(self.unit_c)
        self.assertEqual((demonstration.city_id, demonstration.equipment_category), (self.JINCHENG, "3000"))
        self.assertEqual((demonstration.year, demonstration.evaluation), (self.year, evaluation))
        self.assertTrue(Event.objects.filter(type="demonstration.nominated", object_id=str(demonstration.pk)).exists())
        self.assertTrue(Notification.objects.filter(kind="demonstration.nominated", user=self.other_unit_user).exists())

    def test_only_the_city_regulator_nominates(self):
        self.evaluate(self.unit_c)
        for user in (self.county_inspector, self.county_admin, self.province_leader, self.owner):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                self.nominate(self.unit_c, actor=user)
        with self.assertRaises(PermissionDenied):
            self.nominate(self.unit_c, actor=self.other_city_inspector)

    def test_at_most_two_per_category_per_city_and_year(self):
        for unit in self.more:
            self.evaluate(unit)
        first, second = self.nominate(self.more[0]), self.nominate(self.more[1], actor=self.city_admin)
        with self.assertRaises(InvalidTransition) as caught:
            self.nominate(self.more[2])
        message = caught.exception.message
        self.assertIn("已有 2 家", message)
        self.assertIn(first.organization.name, message)
        self.assertIn(second.organization.name, message)
        self.assertIn("最多 2 家", message)
        # Another category, or after a revocation, there is room.
        make_equipment(self.more[2], "41101401012020D0001", category="4110")
        self.assertEqual(self.nominate(self.more[2], category="4000").equipment_category, "4000")
        services.do_revoke_demonstration(
            actor=self.city_inspector, demonstration=first, reason="发生事故", expected_version=first.version
        )
        self.assertEqual(self.nominate(self.more[2]).equipment_category, "3000")
        with self.assertRaises(InvalidTransition):
            self.nominate(self.more[2])  # already one for this category and year

    def test_score_below_80_or_no_evaluation_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self.nominate(self.unit_c)
        self.assertIn("还没有监管部门的评价", caught.exception.message_dict["organization"][0])
        self.evaluate(self.unit_c, actor=self.other_unit_user)  # a self-evaluation does not count
        with self.assertRaises(ValidationError):
            self.nominate(self.unit_c)
        self.evaluate(self.unit_c, table(identification=0, organization=Decimal("9.9")))  # 79.9
        with self.assertRaises(ValidationError) as caught:
            self.nominate(self.unit_c)
        self.assertIn("79.9 分，低于示范企业的 80 分", caught.exception.message_dict["organization"][0])
        self.evaluate(self.unit_c, table(identification=0, organization=10))  # the latest, 80.0, counts
        self.assertEqual(self.nominate(self.unit_c).evaluation.score, Decimal("80.0"))

    def test_a_veto_is_refused(self):
        self.evaluate(self.unit_c, vetoes=["major_risk_not_top_level"])
        with self.assertRaises(ValidationError) as caught:
            self.nominate(self.unit_c)
        self.assertIn("重大风险未由公司级管控", caught.exception.message_dict["organization"][0])
        # A clean evaluation, then the unit goes on the blacklist: the records' veto refuses it.
        self.evaluate(self.unit_c)
        do_list_unit(actor=self.county_inspector, organization=self.unit_c, reason="other", detail="拒不整改")
        with self.assertRaises(ValidationError) as caught:
            self.nominate(self.unit_c)
        self.assertIn("黑名单", caught.exception.message_dict["organization"][0])
        self.assertFalse(DemonstrationEnterprise.objects.exists())

    def test_the_category_must_be_one_of_the_units_equipment(self):
        self.evaluate(self.unit_c)
        with self.assertRaises(ValidationError) as caught:
            self.nominate(self.unit_c, category="1000")
        self.assertIn("没有在用的", caught.exception.message_dict["equipment_category"][0])
        with self.assertRaises(ValidationError):
            self.nominate(self.unit_c, category="3110")  # a variety, not a category

    def test_revocation(self):
        self.evaluate(self.unit_c)
        demonstration = self.nominate(self.unit_c)
        with self.assertRaises(ValidationError):
            services.do_revoke_demonstration(
                actor=self.city_inspector, demonstration=demonstration, reason=" ", expected_version=1
            )
        with self.assertRaises(VersionConflict):
            services.do_revoke_demonstration(
                actor=self.city_inspector, demonstration=demonstration, reason="事故", expected_version=7
            )
        with self.assertRaises(PermissionDenied):
            services.do_revoke_demonstration(
                actor=self.county_inspector, demonstration=demonstration, reason="事故", expected_version=1
            )
        revoked = services.do_revoke_demonstration(
            actor=self.city_inspector, demonstration=demonstration, reason="发生事故", expected_version=1
        )
        self.assertIsNotNone(revoked.revoked_at)
        with self.assertRaises(InvalidTransition):
            services.do_revoke_demonstration(
                actor=self.city_inspector, demonstration=revoked, reason="再撤", expected_version=revoked.version
            )


class ApiTests(EvaluationCast):
    def test_self_evaluation_through_the_api(self):
        response = self.api(self.owner).post(
            "/api/v1/supervision/evaluations/",
            {"scores": table(treatment=None, improvement=None)},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(
            (body["kind"], body["organization"], body["score"], body["passed"]), ("self", self.unit_a.pk, "100.0", True)
        )

    def test_bad_scores_are_400_with_a_chinese_message(self):
        response = self.api(self.county_inspector).post(
            "/api/v1/supervision/evaluations/",
            {"organization": self.unit_a.pk, "scores": table(training=12)},
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("不能超过本项分值 10 分", response.content.decode())
        self.assertFalse(Evaluation.objects.exists())

    def test_out_of_scope_unit_is_404(self):
        response = self.api(self.sibling_inspector).post(
            "/api/v1/supervision/evaluations/", {"organization": self.unit_a.pk, "scores": FULL}, format="json"
        )
        self.assertEqual(response.status_code, 404)

    def test_scope_of_reads(self):
        evaluation = self.evaluate(self.unit_a)
        demonstration_unit = self.more[0]
        self.evaluate(demonstration_unit)
        demonstration = self.nominate(demonstration_unit)
        for user in (self.owner, self.county_inspector, self.city_inspector, self.province_leader):
            with self.subTest(user=user.username):
                self.assertEqual(
                    self.api(user).get(f"/api/v1/supervision/evaluations/{evaluation.pk}/").status_code, 200
                )
        for user in (self.other_unit_user, self.unit_b_user, self.sibling_inspector, self.other_city_inspector):
            with self.subTest(user=user.username):
                self.assertEqual(
                    self.api(user).get(f"/api/v1/supervision/evaluations/{evaluation.pk}/").status_code, 404
                )
                url = f"/api/v1/supervision/demonstration-enterprises/{demonstration.pk}/"
                self.assertEqual(self.api(user).get(url).status_code, 404)
                self.assertEqual(self.api(user).post(f"{url}revoke/", {"reason": "x", "version": 1}).status_code, 404)
        self.assertEqual(
            self.web(self.sibling_inspector).get(reverse("supervision:evaluation", args=[evaluation.pk])).status_code,
            404,
        )
        self.assertEqual(
            self.web(self.other_unit_user).get(reverse("supervision:evaluation", args=[evaluation.pk])).status_code,
            404,
        )
        self.assertEqual(
            self.web(self.sibling_inspector)
            .get(reverse("supervision:demonstration", args=[demonstration.pk]))
            .status_code,
            404,
        )

    def test_nominate_and_revoke_through_the_api(self):
        self.evaluate(self.unit_c)
        response = self.api(self.county_inspector).post(
            "/api/v1/supervision/demonstration-enterprises/",
            {"organization": self.unit_c.pk, "equipment_category": "3000"},
            format="json",
        )
        self.assertEqual(response.status_code, 403)
        response = self.api(self.city_inspector).post(
            "/api/v1/supervision/demonstration-enterprises/",
            {"organization": self.unit_c.pk, "equipment_category": "3000"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["status"], body["score"], body["city"]), ("active", "100.0", self.JINCHENG))
        url = f"/api/v1/supervision/demonstration-enterprises/{body['id']}/revoke/"
        self.assertEqual(self.api(self.city_inspector).post(url, {"reason": "", "version": 1}).status_code, 400)
        self.assertEqual(self.api(self.city_inspector).post(url, {"reason": "事故", "version": 9}).status_code, 409)
        response = self.api(self.city_inspector).post(url, {"reason": "事故", "version": 1})
        self.assertEqual(response.json()["status"], "revoked")

    def test_the_third_nomination_is_409(self):
        for unit in self.more:
            self.evaluate(unit)
        self.nominate(self.more[0])
        self.nominate(self.more[1])
        response = self.api(self.city_inspector).post(
            "/api/v1/supervision/demonstration-enterprises/",
            {"organization": self.more[2].pk, "equipment_category": "3000"},
            format="json",
        )
        self.assertEqual(response.status_code, 409)
        self.assertIn("每市每类设备最多 2 家", response.content.decode())

    def test_scoring_table_endpoint(self):
        body = self.api(self.owner).get("/api/v1/supervision/evaluations/table/").json()
        self.assertEqual([item["code"] for item in body["items"]], [item.code for item in rules.EVALUATION_ITEMS])
        self.assertEqual({item["source"] for item in body["items"]}, {"PROPOSAL"})
        self.assertEqual(body["demonstrations_per_category_per_city"], 2)


class PublicListTests(EvaluationCast):
    def test_public_list_shows_current_demonstrations_only(self):
        for unit in self.more[:2]:
            self.evaluate(unit)
        kept = self.nominate(self.more[0])
        revoked = self.nominate(self.more[1])
        services.do_revoke_demonstration(
            actor=self.city_inspector, demonstration=revoked, reason="发生事故", expected_version=1
        )
        response = self.client.get("/api/v1/public/demonstration-enterprises/")
        self.assertEqual(response.status_code, 200)
        rows = response.json()["results"]
        self.assertEqual([row["uscc"] for row in rows], [kept.organization.uscc])
        self.assertEqual(rows[0]["equipment_category_name"], "电梯")
        self.assertNotIn("id", rows[0])
        last_year = self.client.get("/api/v1/public/demonstration-enterprises/", {"year": self.year - 1})
        self.assertEqual(last_year.json()["results"], [])
        self.assertEqual(self.client.get("/api/v1/public/demonstration-enterprises/", {"year": "x"}).status_code, 400)
        page = self.client.get(reverse("public:demonstration"))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, kept.organization.name)
        self.assertNotContains(page, revoked.organization.name)

    def test_public_list_costs_the_same_queries_for_more_rows(self):
        def count():
            with CaptureQueriesContext(connection) as captured:
                self.client.get("/api/v1/public/demonstration-enterprises/")
            return len(captured)

        self.evaluate(self.more[0])
        self.nominate(self.more[0])
        few = count()
        self.evaluate(self.more[1])
        self.nominate(self.more[1])
        self.assertEqual(count(), few)


class PageTests(EvaluationCast):
    def test_self_evaluation_form(self):
        client = self.web(self.owner)
        url = reverse("supervision:evaluation-create")
        self.assertEqual(client.get(url).status_code, 200)
        data = {"year": self.year, "na_treatment": "on", "vetoes": []}
        data.update({f"score_{code}": points for code, points in FULL.items() if code != "treatment"})
        data["score_training"] = "11"
        response = client.post(url, data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "不能超过本项分值 10 分", status_code=400)
        data["score_training"] = "5"
        response = client.post(url, data)
        self.assertEqual(response.status_code, 302)
        evaluation = Evaluation.objects.get()
        self.assertEqual((evaluation.kind, evaluation.score), ("self", Decimal("94.1")))  # 80 of 85
        self.assertIsNone(evaluation.scores["treatment"])
        detail = client.get(response["Location"])
        self.assertContains(detail, "94.1")
        self.assertContains(client.get(reverse("supervision:evaluations")), self.unit_a.name)
        self.assertEqual(self.web(self.member).get(url).status_code, 403)

    def test_regulator_pages(self):
        client = self.web(self.county_inspector)
        url = reverse("supervision:evaluation-create")
        self.assertContains(client.get(url, {"unit": self.unit_c.pk}), self.unit_c.uscc)
        data = {"unit": self.unit_b.uscc, "year": self.year, **{f"score_{c}": p for c, p in FULL.items()}}
        response = client.post(url, data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "您的辖区内没有", status_code=400)
        data["unit"] = self.unit_c.uscc
        self.assertEqual(client.post(url, data).status_code, 302)
        self.assertEqual(Evaluation.objects.get().kind, "regulator")
        self.assertContains(client.get(reverse("supervision:evaluations")), self.unit_c.name)
        self.assertContains(self.web(self.city_inspector).get(reverse("supervision:demonstrations")), "推荐条件")
        self.assertEqual(client.get(reverse("supervision:demonstration-create")).status_code, 403)
        self.assertEqual(self.web(self.owner).get(reverse("supervision:demonstrations")).status_code, 403)

    def test_nominate_and_revoke_pages(self):
        self.evaluate(self.unit_c)
        client = self.web(self.city_inspector)
        url = reverse("supervision:demonstration-create")
        self.assertEqual(client.get(url).status_code, 200)
        response = client.post(url, {"unit": self.unit_c.uscc, "equipment_category": "3000", "year": self.year})
        self.assertEqual(response.status_code, 302)
        demonstration = DemonstrationEnterprise.objects.get()
        page = client.get(response["Location"])
        self.assertContains(page, "撤销示范企业")
        response = client.post(
            reverse("supervision:demonstration-revoke", args=[demonstration.pk]), {"version": 1, "reason": ""}
        )
        self.assertEqual(response.status_code, 400)
        response = client.post(
            reverse("supervision:demonstration-revoke", args=[demonstration.pk]), {"version": 1, "reason": "事故"}
        )
        self.assertEqual(response.status_code, 302)
        demonstration.refresh_from_db()
        self.assertIsNotNone(demonstration.revoked_at)
        # The unit reads its own record (its notification's link) but may not revoke.
        unit_client = self.web(self.other_unit_user)
        self.assertEqual(
            unit_client.get(reverse("supervision:demonstration", args=[demonstration.pk])).status_code, 200
        )
        self.assertEqual(
            unit_client.post(reverse("supervision:demonstration-revoke", args=[demonstration.pk]), {}).status_code,
            403,
        )
