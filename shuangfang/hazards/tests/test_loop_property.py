"""Random walks through the hazard loop and 挂牌督办 over the real services and database: any sequence of actions by
anyone of the cast keeps the loop's invariants, and a refused action changes nothing."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from shuangfang.core.models import Attachment, Event
from shuangfang.core.services import ServiceError
from shuangfang.core.testing import CastTestCase, make_user
from shuangfang.equipment.models import Equipment
from shuangfang.hazards import services, workflow
from shuangfang.hazards.choices import OPEN_STATUSES
from shuangfang.hazards.models import Hazard, HazardAttachment, Listing
from shuangfang.notifications.models import Notification

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PLAN = {
    "goal": "恢复门锁安全回路",
    "methods": "拆除短接线并更换触点",
    "funds_materials": "3000 元",
    "organization_people": "设备部",
    "timeline": "10 日内",
    "safety_contingency": "停梯并设置警示",
}

ACTIONS = (
    "confirm",
    "reject",
    "submit",
    "accept",
    "extend",
    "list",
    "report_completion",
    "verify",
    "delist",
    "regulator_verify",
    "wait",
)
CAST = ("director", "principal", "owner", "member", "county_inspector", "city_inspector")
# Who would normally take each action: a step names no actor half of the time, so that walks get past the first
# refusals and reach listings, verifications and closing.
USUAL_ACTOR = {
    "confirm": "director",
    "reject": "director",
    "submit": "owner",
    "accept": "principal",
    "extend": "principal",
    "list": "county_inspector",
    "report_completion": "owner",
    "verify": "county_inspector",
    "delist": "county_inspector",
    "regulator_verify": "county_inspector",
    "wait": "owner",
}
HAZARD_ACTIONS = {"confirm", "reject", "submit", "accept", "extend", "regulator_verify"}
LISTING_ACTIONS = {"report_completion", "verify", "delist"}
# Columns that may change without being a change of the hazard (auto_now).
UNVERSIONED = {"version", "updated_at"}


def step(actions) -> st.SearchStrategy:
    """One step: an action (of those given), who takes it (None: the usual actor), and its parameters."""
    return st.tuples(
        st.sampled_from(actions),
        st.sampled_from((*[None] * (2 * len(CAST)), *CAST)),
        st.booleans(),  # confirm: major grade / submit, report: with evidence / accept, verify: passed
        st.booleans(),  # confirm: immediate / extend: a later date
        st.integers(min_value=0, max_value=5),  # 0: send a stale version; wait: so many days × 2
    )


def plausible_actions(hazard: Hazard) -> tuple[str, ...]:
    """What the people of the loop would try next in this state: random walks drawn half from these get far."""
    listing = services.open_listing(hazard)
    if listing is not None:
        by_listing = {"listed": ("report_completion", "wait"), "completion_reported": ("verify", "accept")}
        return by_listing.get(listing.status, ("delist", "accept"))
    by_status = {
        "reported": ("confirm", "reject", "list"),
        "rectifying": ("submit", "extend", "list", "wait"),
        "awaiting_acceptance": ("accept", "regulator_verify", "list"),
    }
    return by_status.get(hazard.status, ACTIONS)


# Walks that reach the far ends of the loop, run every time besides the random ones.
KNOWN_WALKS = {
    "a general hazard: failed acceptance, extension, the deadline passes, accepted": (
        "report",
        [
            ("confirm", None, False, False, 1),
            ("submit", None, True, False, 1),
            ("accept", "director", False, False, 1),
            ("extend", "director", False, True, 1),
            ("wait", None, False, False, 5),
            ("extend", "director", False, True, 1),
            ("submit", None, True, False, 1),
            ("accept", "director", True, False, 1),
        ],
    ),
    "an unlisted major hazard verified by the county, then accepted by the principal": (
        "major",
        [
            ("confirm", None, True, False, 1),
            ("submit", None, True, False, 1),
            ("accept", None, True, False, 1),
            ("regulator_verify", None, True, False, 1),
            ("accept", None, True, False, 1),
        ],
    ),
    "listed, a failed verification, reported again, verified, delisted": (
        "major",
        [
            ("list", None, False, False, 1),
            ("confirm", None, True, False, 1),
            ("report_completion", None, True, False, 1),
            ("accept", None, True, False, 1),
            ("verify", None, False, False, 1),
            ("report_completion", None, True, False, 1),
            ("verify", None, True, False, 1),
            ("delist", None, False, False, 1),
        ],
    ),
    "verified, then the principal fails the rectification and the unit rectifies again": (
        "major",
        [
            ("confirm", None, True, False, 1),
            ("submit", None, True, False, 1),
            ("regulator_verify", None, True, False, 1),
            ("accept", None, False, False, 1),
            ("submit", None, True, False, 1),
            ("accept", None, True, False, 1),
        ],
    ),
    "listed and verified, then the principal fails the rectification before delisting": (
        "major",
        [
            ("confirm", None, True, False, 1),
            ("list", None, False, False, 1),
            ("report_completion", None, True, False, 1),
            ("verify", None, True, False, 1),
            ("accept", None, False, False, 1),
            ("delist", None, False, False, 1),
        ],
    ),
}


class LoopPropertyTests(HypothesisTestCase, CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.director = make_user("director", cls.unit_a, "safety_director")
        cls.photos = [
            Attachment.objects.create(
                organization=cls.unit_a,
                region_id="140525",
                file=f"attachments/evidence-{n}.png",
                sha256=f"{n}" * 64,
                content_type="image/png",
                size=1,
                uploaded_by=cls.owner,
            )
            for n in range(2)
        ]

    # -- the walk -----------------------------------------------------------------------------------------------------

    def start(self, kind: str) -> Hazard:
        if kind == "report":
            return services.do_report_hazard(actor=self.member, equipment=self.equipment_a, description="层门可扒开")
        if kind == "major":
            return services.do_report_hazard(
                actor=self.member, equipment=self.equipment_a, description="门锁回路短接", clauses=["4.6b"]
            )
        if kind == "regulator":
            return services.do_regulator_finding(
                actor=self.county_inspector, organization=self.unit_a, equipment=self.equipment_a, description="层门"
            )
        return services.do_public_report(equipment=self.equipment_a, description="电梯异响", client_ip="198.51.100.1")

    def confirm_data(self, hazard, major: bool, immediate: bool) -> dict:
        data = {
            "grade": "major" if major or hazard.is_major else "general",
            "handling": "immediate" if immediate else "deadline",
            "deadline": timezone.localdate() + timedelta(days=5),
            "responsible": self.owner,
            "measures": "整改",
            "funds": "500 元",
            "contingency": "停梯",
        }
        if data["grade"] == "major":
            data["plan"] = dict(PLAN)
        if immediate:
            data["evidence"] = [self.photos[0]]
            del data["deadline"]
        return data

    def listing_of(self, hazard) -> Listing | None:
        return services.open_listing(hazard) or hazard.listings.order_by("-pk").first()

    def perform(self, hazard: Hazard, action: str, actor, flag: bool, other: bool, n: int) -> bool:
        """Try the step; False when it does not apply (no listing to act on)."""
        version = hazard.version if n else hazard.version - 1
        evidence = [self.photos[1]] if flag else []
        if action == "confirm":
            services.do_confirm_hazard(
                actor=actor, hazard=hazard, data=self.confirm_data(hazard, flag, other), expected_version=version
            )
        elif action == "reject":
            services.do_reject_hazard(actor=actor, hazard=hazard, reason="误报", expected_version=version)
        elif action == "submit":
            services.do_submit_rectification(
                actor=actor, hazard=hazard, description="已整改", evidence=evidence, expected_version=version
            )
        elif action == "accept":
            services.do_accept_hazard(
                actor=actor, hazard=hazard, passed=flag, comment="验收意见", expected_version=version
            )
        elif action == "extend":
            current = hazard.deadline or timezone.localdate()
            services.do_extend_deadline(
                actor=actor,
                hazard=hazard,
                new_deadline=current + timedelta(days=7 if other else 0),
                reason="备件未到",
                interim_measures="停梯",
                expected_version=version,
            )
        elif action == "regulator_verify":
            services.do_regulator_verify(
                actor=actor, hazard=hazard, passed=flag, comment="核查意见", expected_version=version
            )
        elif action == "list":
            organization = actor.organization
            level = services.listing_level_of(organization) if organization.jurisdiction_id else "county"
            services.do_list_hazard(
                actor=actor,
                hazard=hazard,
                level=level,
                deadline=timezone.localdate() + timedelta(days=30),
                requirements="停用",
            )
        else:
            listing = self.listing_of(hazard)
            if listing is None:
                return False
            listing_version = listing.version if n else listing.version - 1
            if action == "report_completion":
                services.do_report_completion(
                    actor=actor,
                    listing=listing,
                    description="已整改",
                    evidence=evidence,
                    expected_version=listing_version,
                )
            elif action == "verify":
                services.do_verify_listing(
                    actor=actor, listing=listing, passed=flag, comment="核查意见", expected_version=listing_version
                )
            else:
                services.do_delist(actor=actor, listing=listing, expected_version=listing_version)
        return True

    # -- what is checked ----------------------------------------------------------------------------------------------

    def snapshot(self, pk: int) -> dict:
        hazard = Hazard.objects.filter(pk=pk).values().get()
        return {
            "hazard": hazard,
            "listings": list(Listing.objects.filter(hazard_id=pk).order_by("pk").values()),
            "attachments": list(
                HazardAttachment.objects.filter(hazard_id=pk).order_by("pk").values_list("attachment_id", "stage")
            ),
            "events": Event.objects.count(),
            "notifications": Notification.objects.count(),
            "equipment": list(Equipment.objects.values_list("pk", "open_hazards", "open_major_hazards").order_by("pk")),
        }

    def check_change(self, before: dict, after: dict, action: str, trail: list) -> None:
        old, new = before["hazard"], after["hazard"]
        changed = {k for k in new if new[k] != old[k]} - UNVERSIONED
        if action in HAZARD_ACTIONS | LISTING_ACTIONS or changed:
            self.assertGreater(new["version"], old["version"], f"{trail}: changed {changed} without a new version")
        old_listings = {row["id"]: row for row in before["listings"]}
        for row in after["listings"]:
            previous = old_listings.get(row["id"])
            if previous is not None and {k for k in row if row[k] != previous[k]} - {"version"}:
                self.assertGreater(row["version"], previous["version"], f"{trail}: listing changed, same version")
        self.assertGreater(after["events"], before["events"], f"{trail}: a change without an event")
        if new["status"] == "closed" and old["status"] != "closed":
            # The table's only ways to 销号: acceptance (or delisting) of a rectification waiting for it, or a
            # general hazard fixed on the spot at confirmation.
            on_the_spot = old["status"] == "reported" and new["handling"] == "immediate"
            self.assertTrue(
                old["status"] == "awaiting_acceptance" or on_the_spot,
                f"{trail}: closed from {old['status']}",
            )

    def check_invariants(self, pk: int, trail: list) -> None:
        hazard = Hazard.objects.get(pk=pk)
        listings = list(hazard.listings.all())
        open_listings = [listing for listing in listings if listing.is_open]
        message = f"after {trail}"
        self.assertIn(hazard.status, workflow.STATUSES, message)
        self.assertGreaterEqual(hazard.version, 1, message)
        self.assertLessEqual(len(open_listings), 1, message)
        if listings:
            self.assertEqual(hazard.grade, "major", f"{message}: a general hazard listed")
        if hazard.status == "rejected":
            self.assertNotIn(hazard.source, services.NOT_REJECTABLE, message)
        if hazard.status == "closed":
            evidence = hazard.attachments.filter(stage__in=["evidence", "completion"])
            self.assertTrue(evidence.exists(), f"{message}: closed without evidence")
            delisted = any(listing.status == "delisted" for listing in listings)
            self.assertTrue(hazard.accepted_by_id or delisted, f"{message}: closed without acceptor or delisting")
            self.assertEqual(open_listings, [], f"{message}: closed while listed")
            if hazard.handling == "immediate" and hazard.rectified_by_id == hazard.accepted_by_id:
                self.assertEqual(hazard.grade, "general", f"{message}: a major hazard closed on the spot")
        if hazard.status == "closed" and hazard.is_major:
            self.assertTrue(hazard.regulator_verified, f"{message}: a major hazard closed unverified")
            # The verification that counts is one of the last rectification, not of an earlier one.
            events = list(
                Event.objects.filter(object_type="hazards.hazard", object_id=str(pk))
                .filter(type__in=["hazard.rectification_submitted", "hazard.regulator_verified"])
                .order_by("seq")
                .values_list("type", "data")
            )
            self.assertTrue(events, message)
            last_type, last_data = events[-1]
            self.assertEqual(
                (last_type, last_data.get("passed")),
                ("hazard.regulator_verified", True),
                f"{message}: closed on a rectification the regulator did not verify",
            )
        if hazard.status in ("rectifying", "awaiting_acceptance"):
            self.assertIsNotNone(hazard.deadline, message)
        equipment = Equipment.objects.get(pk=self.equipment_a.pk)
        open_here = Hazard.objects.filter(equipment=self.equipment_a, status__in=OPEN_STATUSES)
        self.assertEqual(
            (equipment.open_hazards, equipment.open_major_hazards),
            (open_here.count(), open_here.filter(grade="major").count()),
            message,
        )

    def walk(self, start: str, next_step) -> None:
        """Start a hazard and take the steps `next_step(hazard)` gives until it gives None, checking after each."""
        traveller = time_machine.travel(NOW, tick=False)
        self.clock = traveller.start()
        try:
            hazard = self.start(start)
            trail = [start]
            self.check_invariants(hazard.pk, trail)
            while (taken := next_step(hazard)) is not None:
                action, actor_name, flag, other, n = taken
                trail.append((action, actor_name or USUAL_ACTOR[action], flag, other, n))
                if action == "wait":
                    self.clock.shift(timedelta(days=2 * n))
                    continue
                actor = getattr(self, actor_name or USUAL_ACTOR[action])
                before = self.snapshot(hazard.pk)
                try:
                    applied = self.perform(hazard, action, actor, flag, other, n)
                except (ServiceError, ValidationError):
                    self.assertEqual(self.snapshot(hazard.pk), before, f"{trail}: a refused step changed something")
                else:
                    if applied:
                        self.check_change(before, self.snapshot(hazard.pk), action, trail)
                hazard = Hazard.objects.get(pk=hazard.pk)
                self.check_invariants(hazard.pk, trail)
        finally:
            traveller.stop()

    # No shrinking: every step costs queries, and a failure already names the whole walk.
    @settings(
        max_examples=25,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(start=st.sampled_from(("report", "major", "regulator", "public")), data=st.data())
    def test_random_walks_keep_the_invariants(self, start, data):
        length = data.draw(st.integers(min_value=0, max_value=14), label="length")
        taken = []

        def next_step(hazard):
            if len(taken) == length:
                return None
            # Half the time what the loop's people would do next, half the time anything at all.
            taken.append(data.draw(st.one_of(step(plausible_actions(hazard)), step(ACTIONS))))
            return taken[-1]

        self.walk(start, next_step)

    def test_known_walks_keep_the_invariants(self):
        for name, (start, steps) in KNOWN_WALKS.items():
            with self.subTest(walk=name):
                remaining = list(steps)
                self.walk(start, lambda hazard, remaining=remaining: remaining.pop(0) if remaining else None)
