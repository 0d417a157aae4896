"""The blacklist: each rule row, listing and lifting, the daily expiry, the public list and the scope."""

import io
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import SimpleTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from shuangfang.core.models import Event
from shuangfang.core.services import InvalidTransition, PermissionDenied, VersionConflict
from shuangfang.core.testing import CastTestCase, make_user
from shuangfang.hazards import services as hazard_services
from shuangfang.hazards.models import Hazard
from shuangfang.supervision import rules
from shuangfang.supervision import services_blacklist as services
from shuangfang.supervision.choices import BlacklistReason, BlacklistStatus
from shuangfang.supervision.models import Accident, BlacklistEntry

TODAY = date(2026, 6, 15)


class RuleTableTests(SimpleTestCase):
    """The pure rules, row by row."""

    def rule(self, code):
        return rules.RULES_BY_CODE[code]

    def test_every_row_has_its_citation_and_reason(self):
        self.assertEqual({r.code for r in rules.BLACKLIST_RULES}, {"accident_in_window", "major_hazard_past_deadline"})
        for rule in rules.BLACKLIST_RULES:
            self.assertIn("116号", rule.citation)
            self.assertIn(rule.reason, BlacklistReason.values)
            self.assertTrue(rule.confidence)

    def test_accident_in_window(self):
        rule = self.rule("accident_in_window")
        inside = rules.UnitRecord(accidents=(rules.AccidentFact(1, date(2025, 6, 15)),))
        outside = rules.UnitRecord(accidents=(rules.AccidentFact(2, date(2025, 6, 14)),))
        future = rules.UnitRecord(accidents=(rules.AccidentFact(3, date(2026, 6, 16)),))
        self.assertEqual(rules.evidence_for(rule, inside, TODAY), [1])
        self.assertEqual(rules.evidence_for(rule, outside, TODAY), [])
        self.assertEqual(rules.evidence_for(rule, future, TODAY), [])

    def test_major_hazard_past_deadline(self):
        rule = self.rule("major_hazard_past_deadline")
        record = rules.UnitRecord(
            major_hazards=(
                rules.MajorHazardFact(1, date(2026, 6, 14), True),
                rules.MajorHazardFact(2, TODAY, True),
                rules.MajorHazardFact(3, date(2026, 1, 1), False),
                rules.MajorHazardFact(4, None, True),
            )
        )
        self.assertEqual(rules.evidence_for(rule, record, TODAY), [1])

    def test_default_term_is_three_years_and_configurable(self):
        self.assertEqual(rules.default_until("accident", date(2026, 6, 15)), date(2029, 6, 15))
        self.assertEqual(rules.default_until("accident", date(2028, 2, 29)), date(2031, 2, 28))
        self.assertEqual(rules.default_until("accident", date(2026, 6, 15), {"accident": 1}), date(2027, 6, 15))
        with self.assertRaises(ValueError):
            rules.term_years("accident", {"accident": 0})


class BlacklistCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.leader = make_user("county_leader", cls.county, "regulator_leader")

    def accident(self, unit, days_ago: int, equipment=None) -> Accident:
        occurred = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days_ago), time(10)))
        return Accident.objects.create(
            organization=unit,
            region_id=unit.region_id,
            equipment=equipment,
            occurred_at=occurred,
            accident_type="挤压",
            severity="general",
            description="电梯层门挤压事故",
            recorded_by=self.county_inspector,
            recorded_by_organization=self.county,
        )

    def major_hazard(self, equipment, deadline, status="rectifying") -> Hazard:
        hazard = hazard_services.do_report_hazard(
            actor={self.unit_a.pk: self.member, self.unit_c.pk: self.other_unit_user}.get(
                equipment.organization_id, self.unit_b_user
            ),
            equipment=equipment,
            description="门锁安全回路被短接",
            clauses=["4.6b"],
        )
        Hazard.objects.filter(pk=hazard.pk).update(deadline=deadline, status=status)
        hazard.refresh_from_db()
        return hazard

    def list_a(self, reason=BlacklistReason.ACCIDENT, **extra) -> BlacklistEntry:
        return services.do_list_unit(
            actor=self.county_inspector, organization=self.unit_a, reason=reason, detail="发生事故", **extra
        )


class CandidateTests(BlacklistCase):
    def codes(self, user):
        return {(c.organization.pk, c.rule.code) for c in services.blacklist_candidates(user)}

    def test_accident_row(self):
        recent = self.accident(self.unit_a, 30, self.equipment_a)
        self.accident(self.unit_c, 400)
        found = services.blacklist_candidates(self.county_inspector)
        self.assertEqual([(c.organization, c.rule.code) for c in found], [(self.unit_a, "accident_in_window")])
        self.assertEqual(found[0].accidents, [recent])

    def test_major_hazard_row(self):
        overdue = self.major_hazard(self.equipment_a, timezone.localdate() - timedelta(days=1))
        self.major_hazard(self.equipment_c, timezone.localdate() + timedelta(days=5))
        found = services.blacklist_candidates(self.county_inspector)
        self.assertEqual([(c.organization, c.rule.code) for c in found], [(self.unit_a, "major_hazard_past_deadline")])
        self.assertEqual(found[0].hazards, [overdue])

    def test_closed_or_general_hazards_are_not_candidates(self):
        self.major_hazard(self.equipment_a, timezone.localdate() - timedelta(days=3), status="closed")
        general = hazard_services.do_report_hazard(actor=self.member, equipment=self.equipment_a, description="层门")
        Hazard.objects.filter(pk=general.pk).update(deadline=timezone.localdate() - timedelta(days=3))
        self.assertEqual(self.codes(self.county_inspector), set())

    def test_a_unit_listed_for_the_reason_is_no_candidate(self):
        self.accident(self.unit_a, 10)
        self.major_hazard(self.equipment_a, timezone.localdate() - timedelta(days=1))
        self.list_a()
        self.assertEqual(self.codes(self.county_inspector), {(self.unit_a.pk, "major_hazard_past_deadline")})

    def test_candidates_stay_in_the_jurisdiction(self):
        self.accident(self.unit_a, 10)
        self.accident(self.unit_b, 10)
        self.assertEqual(self.codes(self.county_inspector), {(self.unit_a.pk, "accident_in_window")})
        self.assertEqual(self.codes(self.sibling_inspector), {(self.unit_b.pk, "accident_in_window")})
        self.assertEqual(len(self.codes(self.city_inspector)), 2)
        self.assertEqual(self.codes(self.other_city_inspector), set())


class ListAndLiftTests(BlacklistCase):
    def test_listing_with_the_default_term_records_an_event(self):
        accident = self.accident(self.unit_a, 5)
        entry = self.list_a(accident=accident)
        today = timezone.localdate()
        self.assertEqual((entry.listed_on, entry.until), (today, rules.add_years(today, 3)))
        self.assertEqual(
            (entry.status, entry.region_id, entry.listed_by_organization), ("active", "140525", self.county)
        )
        self.assertTrue(Event.objects.filter(type="blacklist.listed", object_id=str(entry.pk)).exists())

    @override_settings(BLACKLIST_TERM_YEARS={"accident": 2})
    def test_the_term_is_configurable(self):
        self.assertEqual(self.list_a().until, rules.add_years(timezone.localdate(), 2))

    def test_one_active_entry_per_unit_and_reason(self):
        self.list_a()
        with self.assertRaises(InvalidTransition):
            self.list_a()
        self.list_a(reason=BlacklistReason.MAJOR_HAZARD_OVERDUE)
        self.assertEqual(BlacklistEntry.objects.filter(organization=self.unit_a).count(), 2)

    def test_who_may_list(self):
        for user in (self.leader, self.owner, self.agency_user):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                services.do_list_unit(actor=user, organization=self.unit_a, reason="accident", detail="x")
        with self.assertRaises(PermissionDenied):
            services.do_list_unit(actor=self.sibling_inspector, organization=self.unit_a, reason="accident", detail="x")
        services.do_list_unit(actor=self.county_admin, organization=self.unit_a, reason="accident", detail="x")

    def test_bad_input_changes_nothing(self):
        other = self.accident(self.unit_c, 5)
        cases = [
            ({"organization": self.county}, "organization"),
            ({"detail": "  "}, "detail"),
            ({"until": timezone.localdate()}, "until"),
            ({"listed_on": timezone.localdate() + timedelta(days=1)}, "listed_on"),
            ({"accident": other}, "accident"),
        ]
        for change, field in cases:
            values = {"organization": self.unit_a, "reason": "accident", "detail": "事故", **change}
            with self.subTest(field=field), self.assertRaises(ValidationError) as raised:
                services.do_list_unit(actor=self.county_inspector, **values)
            self.assertIn(field, raised.exception.message_dict)
        self.assertFalse(BlacklistEntry.objects.exists())

    def test_lifting_needs_a_reason_and_the_current_version(self):
        entry = self.list_a()
        with self.assertRaises(ValidationError):
            services.do_lift_entry(actor=self.county_inspector, entry=entry, reason=" ", expected_version=1)
        with self.assertRaises(VersionConflict):
            services.do_lift_entry(actor=self.county_inspector, entry=entry, reason="信用修复", expected_version=7)
        with self.assertRaises(PermissionDenied):
            services.do_lift_entry(actor=self.leader, entry=entry, reason="信用修复", expected_version=1)
        entry = services.do_lift_entry(actor=self.county_inspector, entry=entry, reason="信用修复", expected_version=1)
        self.assertEqual(
            (entry.status, entry.lift_reason, entry.lifted_by), ("lifted", "信用修复", self.county_inspector)
        )
        with self.assertRaises(InvalidTransition):
            services.do_lift_entry(actor=self.county_inspector, entry=entry, reason="again", expected_version=2)
        # Lifted, the unit may be listed again for the same reason.
        self.list_a()


class ExpiryTests(BlacklistCase):
    def test_entries_past_their_term_are_lifted_by_the_daily_job(self):
        today = timezone.localdate()
        ended = self.list_a(listed_on=today - timedelta(days=800), until=today)
        running = self.list_a(reason=BlacklistReason.MAJOR_HAZARD_OVERDUE)
        BlacklistEntry.objects.filter(pk=ended.pk).update(until=today - timedelta(days=1))
        self.assertEqual(services.expire_entries(today), 1)
        ended.refresh_from_db()
        running.refresh_from_db()
        self.assertEqual((ended.status, ended.lift_reason, ended.lifted_on), ("lifted", "期满自动移出", today))
        self.assertIsNone(ended.lifted_by)
        self.assertEqual(running.status, "active")
        self.assertTrue(Event.objects.filter(type="blacklist.expired", object_id=str(ended.pk)).exists())
        self.assertEqual(services.expire_entries(today), 0)

    def test_the_command_runs_the_job(self):
        entry = self.list_a()
        BlacklistEntry.objects.filter(pk=entry.pk).update(
            listed_on=timezone.localdate() - timedelta(days=30), until=timezone.localdate() - timedelta(days=1)
        )
        out = io.StringIO()
        call_command("expire_blacklist", stdout=out)
        self.assertIn("1 blacklist entries lifted", out.getvalue())
        entry.refresh_from_db()
        self.assertEqual(entry.status, BlacklistStatus.LIFTED)


class ApiTests(BlacklistCase):
    URL = "/api/v1/supervision/blacklist/"

    def test_create_list_and_lift_through_the_api(self):
        accident = self.accident(self.unit_a, 3)
        body = {"organization": self.unit_a.pk, "reason": "accident", "detail": "事故", "accident": accident.pk}
        response = self.api(self.county_inspector).post(self.URL, body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        row = response.json()
        for name in ("id", "organization", "reason", "listed_on", "until", "status"):
            self.assertIn(name, row)
        self.assertEqual(row["status"], "active")
        again = self.api(self.county_inspector).post(self.URL, body, format="json")
        self.assertEqual(again.status_code, 409)
        self.assertEqual(
            self.api(self.leader).post(self.URL, {**body, "reason": "other"}, format="json").status_code, 403
        )
        lift = f"{self.URL}{row['id']}/lift/"
        self.assertEqual(self.api(self.county_inspector).post(lift, {"version": 1}, format="json").status_code, 400)
        response = self.api(self.county_inspector).post(lift, {"version": 1, "reason": "信用修复"}, format="json")
        self.assertEqual(response.json()["status"], "lifted")
        listed = self.api(self.county_inspector).get(self.URL, {"status": "lifted"}).json()["results"]
        self.assertEqual([r["id"] for r in listed], [row["id"]])

    def test_scope_404s(self):
        entry = self.list_a()
        detail, lift = f"{self.URL}{entry.pk}/", f"{self.URL}{entry.pk}/lift/"
        for user in (self.sibling_inspector, self.other_city_inspector, self.other_unit_user, self.unit_b_user):
            client = self.api(user)
            with self.subTest(user=user.username):
                self.assertEqual(client.get(detail).status_code, 404)
                self.assertEqual(client.post(lift, {"version": 1, "reason": "x"}, format="json").status_code, 404)
                self.assertEqual(client.get(self.URL).json()["results"], [])
        body = {"organization": self.unit_a.pk, "reason": "other", "detail": "x"}
        self.assertEqual(self.api(self.sibling_inspector).post(self.URL, body, format="json").status_code, 404)
        self.assertEqual(self.api(self.owner).get(detail).status_code, 200)
        entry.refresh_from_db()
        self.assertEqual(entry.status, "active")

    def test_public_api_needs_no_login_and_shows_only_entries_in_force(self):
        active = self.list_a()
        lifted = self.list_a(reason=BlacklistReason.OTHER)
        services.do_lift_entry(actor=self.county_inspector, entry=lifted, reason="撤销", expected_version=1)
        ended = services.do_list_unit(
            actor=self.sibling_inspector, organization=self.unit_b, reason="accident", detail="事故"
        )
        # Its term ended, the daily job has not run yet: not shown either.
        BlacklistEntry.objects.filter(pk=ended.pk).update(
            listed_on=timezone.localdate() - timedelta(days=30), until=timezone.localdate() - timedelta(days=1)
        )
        response = self.api().get("/api/v1/public/blacklist/")
        self.assertEqual(response.status_code, 200)
        rows = response.json()["results"]
        self.assertEqual(len(rows), 1)
        self.assertEqual(
            rows[0],
            {
                "organization_name": self.unit_a.name,
                "uscc": self.unit_a.uscc,
                "reason": "accident",
                "reason_display": active.get_reason_display(),
                "listed_on": active.listed_on.isoformat(),
                "until": active.until.isoformat(),
                "authority": self.county.name,
            },
        )


class PageTests(BlacklistCase):
    def test_list_page_filters_by_status(self):
        active = self.list_a()
        lifted = self.list_a(reason=BlacklistReason.OTHER)
        services.do_lift_entry(actor=self.county_inspector, entry=lifted, reason="撤销", expected_version=1)
        web = self.web(self.county_inspector)
        page = web.get(reverse("supervision:blacklist"))
        self.assertEqual(page.status_code, 200)
        self.assertEqual([e.pk for e in page.context["page"].object_list], [active.pk])
        page = web.get(reverse("supervision:blacklist"), {"status": "lifted"})
        self.assertEqual([e.pk for e in page.context["page"].object_list], [lifted.pk])
        page = web.get(reverse("supervision:blacklist"), {"status": "all"})
        self.assertEqual(len(page.context["page"].object_list), 2)
        self.assertEqual(self.web(self.owner).get(reverse("supervision:blacklist")).status_code, 403)

    def test_candidate_button_prefills_the_form_and_lists_the_unit(self):
        hazard = self.major_hazard(self.equipment_a, timezone.localdate() - timedelta(days=2))
        web = self.web(self.county_inspector)
        page = web.get(reverse("supervision:blacklist-candidates"))
        self.assertEqual(page.status_code, 200)
        candidate = page.context["candidates"][0]
        self.assertContains(page, "列入")
        form_page = web.get(candidate.list_url)
        self.assertEqual(form_page.status_code, 200)
        form = form_page.context["form"]
        self.assertEqual(form.initial["unit"], self.unit_a.uscc)
        self.assertEqual(form.initial["reason"], "major_hazard_overdue")
        self.assertEqual(form.initial["hazard"], hazard.pk)
        response = web.post(
            reverse("supervision:blacklist-create"),
            {
                "unit": self.unit_a.uscc,
                "reason": "major_hazard_overdue",
                "detail": form.initial["detail"],
                "hazard": hazard.pk,
            },
        )
        entry = BlacklistEntry.objects.get()
        self.assertRedirects(response, reverse("supervision:blacklist-entry", args=[entry.pk]))
        self.assertEqual((entry.hazard, entry.reason), (hazard, "major_hazard_overdue"))
        self.assertEqual(web.get(reverse("supervision:blacklist-candidates")).context["candidates"], [])

    def test_form_errors_are_shown_and_nothing_changes(self):
        web = self.web(self.county_inspector)
        response = web.post(reverse("supervision:blacklist-create"), {"unit": self.unit_b.uscc, "reason": "accident"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "您的辖区内没有统一社会信用代码", status_code=400)
        response = web.post(reverse("supervision:blacklist-create"), {"unit": self.unit_a.uscc, "reason": "accident"})
        self.assertContains(response, "请写明列入的事实和依据", status_code=400)
        self.assertFalse(BlacklistEntry.objects.exists())
        self.assertEqual(self.web(self.leader).get(reverse("supervision:blacklist-create")).status_code, 403)

    def test_lift_form(self):
        entry = self.list_a()
        web = self.web(self.county_inspector)
        url = reverse("supervision:blacklist-lift", args=[entry.pk])
        self.assertContains(web.post(url, {"version": 1, "reason": ""}), "请写明移出理由", status_code=400)
        response = web.post(url, {"version": 1, "reason": "已履行处罚决定，信用修复"})
        self.assertRedirects(response, reverse("supervision:blacklist-entry", args=[entry.pk]))
        entry.refresh_from_db()
        self.assertEqual(entry.status, "lifted")

    def test_pages_of_an_entry_outside_scope_are_404(self):
        entry = self.list_a()
        for user in (self.sibling_inspector, self.other_unit_user, self.unit_b_user):
            web = self.web(user)
            with self.subTest(user=user.username):
                self.assertEqual(web.get(reverse("supervision:blacklist-entry", args=[entry.pk])).status_code, 404)
                response = web.post(
                    reverse("supervision:blacklist-lift", args=[entry.pk]), {"version": 1, "reason": "x"}
                )
                self.assertEqual(response.status_code, 404)
        self.assertEqual(
            self.web(self.owner).get(reverse("supervision:blacklist-entry", args=[entry.pk])).status_code, 200
        )

    def test_public_page_needs_no_login_and_shows_only_active_entries(self):
        self.list_a()
        lifted = services.do_list_unit(
            actor=self.sibling_inspector, organization=self.unit_b, reason="accident", detail="事故"
        )
        services.do_lift_entry(actor=self.sibling_inspector, entry=lifted, reason="撤销", expected_version=1)
        response = self.client.get(reverse("public:blacklist"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.unit_a.name)
        self.assertContains(response, self.unit_a.uscc)
        self.assertNotContains(response, self.unit_b.name)
        self.assertNotContains(response, "发生事故")  # the facts stay with the regulators
        response = self.client.get(reverse("public:blacklist"), {"q": self.unit_c.name})
        self.assertNotContains(response, self.unit_a.uscc)
