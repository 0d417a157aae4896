"""Tests for the hazard closed loop and the 挂牌督办 listing: pure state machines, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from shuangfang.hazards import workflow as wf

TODAY = date(2025, 6, 1)
DIRECTOR = frozenset({wf.SAFETY_DIRECTOR})
PRINCIPAL = frozenset({wf.PRINCIPAL})
REGULATOR = frozenset({"inspector"})
PLAN = {
    "goal": "消除安全阀失效",
    "methods": "更换安全阀并校验",
    "funds_materials": "2万元，备件已采购",
    "organization_people": "设备部张工",
    "timeline": "30日内完成",
    "safety_contingency": "停用并设置警示",
}
CONFIRM_GENERAL = {
    "grade": "general",
    "handling": "deadline",
    "deadline": TODAY + timedelta(days=10),
    "responsible": 7,
    "measures": "更换防护罩",
    "funds": "500元",
    "contingency": "现场监护",
}
CONFIRM_MAJOR = {**CONFIRM_GENERAL, "grade": "major", "plan": PLAN}
IMMEDIATE = {"grade": "general", "handling": "immediate", "responsible": 7, "measures": "当场紧固", "evidence": [3]}
SUBMIT = {"description": "已更换", "evidence": [11, 12]}
PASSED = {"passed": True, "comment": "合格"}
FAILED = {"passed": False, "comment": "仍有松动"}


def check(state, action, payload, *, actor_id=1, roles=DIRECTOR, today=TODAY):
    return wf.check_transition(state, action, actor_id=actor_id, actor_roles=roles, payload=payload, today=today)


RECTIFYING = wf.HazardState(status=wf.RECTIFYING, deadline=TODAY + timedelta(days=5))
AWAITING = wf.HazardState(status=wf.AWAITING_ACCEPTANCE, has_evidence=True, rectified_by=2, deadline=TODAY)


# --- every transition with good input ---------------------------------------------------------------------------------


def test_statuses_and_labels_follow_the_contract():
    assert wf.STATUSES == ("reported", "confirmed", "rectifying", "awaiting_acceptance", "closed", "rejected")
    assert [str(wf.STATUS_LABELS[s]) for s in wf.STATUSES] == [
        "已报告",
        "已确认",
        "整改中",
        "待验收",
        "已销号",
        "已驳回",
    ]
    assert set(wf.TRANSITIONS) == {
        "confirm",
        "confirm_immediate",
        "reject",
        "submit_rectification",
        "accept_passed",
        "accept_failed",
        "extend",
    }
    assert all(t.citation for t in wf.TRANSITIONS.values())


@pytest.mark.parametrize(
    ("state", "action", "payload", "roles", "target"),
    [
        (wf.HazardState(wf.REPORTED), "confirm", CONFIRM_GENERAL, DIRECTOR, wf.RECTIFYING),
        (wf.HazardState(wf.REPORTED), "confirm", CONFIRM_MAJOR, DIRECTOR, wf.RECTIFYING),
        (wf.HazardState(wf.REPORTED), "confirm_immediate", IMMEDIATE, DIRECTOR, wf.CLOSED),
        (wf.HazardState(wf.REPORTED), "reject", {"reason": "不构成隐患"}, DIRECTOR, wf.REJECTED),
        (RECTIFYING, "submit_rectification", SUBMIT, DIRECTOR, wf.AWAITING_ACCEPTANCE),
        (AWAITING, "accept_passed", PASSED, DIRECTOR, wf.CLOSED),
        (AWAITING, "accept_failed", FAILED, DIRECTOR, wf.RECTIFYING),
        (
            replace(AWAITING, grade="major", regulator_verified=True),
            "accept_passed",
            PASSED,
            PRINCIPAL,
            wf.CLOSED,
        ),
        (
            RECTIFYING,
            "extend",
            {"new_deadline": TODAY + timedelta(days=30), "reason": "备件未到", "interim_measures": "停用"},
            DIRECTOR,
            wf.RECTIFYING,
        ),
    ],
)
def test_transition_with_good_input(state, action, payload, roles, target):
    assert check(state, action, payload, roles=roles) == target
    assert action in wf.allowed_actions(state, roles)


def test_advance_records_rectifier_evidence_and_deadline():
    confirmed = wf.advance(
        wf.HazardState(wf.REPORTED), "confirm", actor_id=1, actor_roles=DIRECTOR, payload=CONFIRM_MAJOR, today=TODAY
    )
    assert (confirmed.status, confirmed.grade, confirmed.deadline) == (wf.RECTIFYING, "major", TODAY + timedelta(10))
    submitted = wf.advance(
        confirmed, "submit_rectification", actor_id=5, actor_roles=DIRECTOR, payload=SUBMIT, today=TODAY
    )
    assert (submitted.has_evidence, submitted.rectified_by) == (True, 5)
    extended = wf.advance(
        confirmed,
        "extend",
        actor_id=1,
        actor_roles=PRINCIPAL,
        payload={"new_deadline": "2025-12-31", "reason": "r", "interim_measures": "m"},
        today=TODAY,
    )
    assert extended.deadline == date(2025, 12, 31)
    assert wf.acceptance_action(True) == "accept_passed"
    assert wf.acceptance_action(False) == "accept_failed"


# --- guards -----------------------------------------------------------------------------------------------------------


def test_wrong_state_is_refused_naming_the_current_status():
    with pytest.raises(wf.TransitionRefused) as refused:
        check(wf.HazardState(wf.CLOSED, has_evidence=True), "confirm", CONFIRM_GENERAL)
    assert refused.value.code == "wrong_state"
    assert "已销号" in refused.value.message


def test_roles_outside_the_unit_are_not_permitted():
    with pytest.raises(wf.ActionNotPermitted):
        check(wf.HazardState(wf.REPORTED), "confirm", CONFIRM_GENERAL, roles={"operator"})
    assert wf.allowed_actions(wf.HazardState(wf.REPORTED), {"operator"}) == []


@pytest.mark.parametrize(
    ("state", "action", "payload", "fields"),
    [
        (wf.HazardState(wf.REPORTED), "confirm", {}, {"grade", "handling", "deadline", "responsible", "measures"}),
        (wf.HazardState(wf.REPORTED), "confirm", {**CONFIRM_GENERAL, "funds": " "}, {"funds"}),
        (wf.HazardState(wf.REPORTED), "confirm", {**CONFIRM_GENERAL, "grade": "minor"}, {"grade"}),
        (wf.HazardState(wf.REPORTED), "confirm", {**CONFIRM_GENERAL, "deadline": TODAY - timedelta(1)}, {"deadline"}),
        (wf.HazardState(wf.REPORTED), "confirm", {**CONFIRM_MAJOR, "plan": None}, {"plan"}),
        (wf.HazardState(wf.REPORTED), "confirm", {**CONFIRM_MAJOR, "plan": {**PLAN, "timeline": ""}}, {"plan"}),
        (wf.HazardState(wf.REPORTED), "confirm_immediate", {**IMMEDIATE, "evidence": []}, {"evidence"}),
        (wf.HazardState(wf.REPORTED), "confirm_immediate", {**IMMEDIATE, "grade": "major"}, {"grade"}),
        (wf.HazardState(wf.REPORTED), "confirm_immediate", {**IMMEDIATE, "handling": "deadline"}, {"handling"}),
        (wf.HazardState(wf.REPORTED), "reject", {"reason": ""}, {"reason"}),
        (RECTIFYING, "submit_rectification", {"description": "x"}, {"evidence"}),
        (AWAITING, "accept_passed", {"passed": True}, {"comment"}),
        (AWAITING, "accept_passed", {"passed": False, "comment": "c"}, {"passed"}),
        (AWAITING, "accept_failed", {"passed": "no", "comment": "c"}, {"passed"}),
        (
            RECTIFYING,
            "extend",
            {"new_deadline": RECTIFYING.deadline, "reason": "r", "interim_measures": "m"},
            {"new_deadline"},
        ),
        (RECTIFYING, "extend", {"new_deadline": "not a date", "reason": "r"}, {"new_deadline", "interim_measures"}),
    ],
)
def test_missing_or_invalid_input(state, action, payload, fields):
    with pytest.raises(wf.MissingFields) as missing:
        check(state, action, payload)
    assert fields <= set(missing.value.errors)
    assert all(missing.value.errors.values())


def test_major_plan_message_names_the_missing_content():
    with pytest.raises(wf.MissingFields) as missing:
        check(wf.HazardState(wf.REPORTED), "confirm", {**CONFIRM_MAJOR, "plan": {**PLAN, "timeline": ""}})
    assert "治理的时限和要求" in missing.value.errors["plan"]


def test_grade_cannot_be_lowered():
    with pytest.raises(wf.TransitionRefused) as refused:
        check(wf.HazardState(wf.REPORTED, grade="major"), "confirm", CONFIRM_GENERAL)
    assert refused.value.code == "grade_lowered"


@pytest.mark.parametrize(
    ("state", "action", "payload", "roles", "code"),
    [
        (AWAITING, "accept_passed", PASSED, DIRECTOR, "acceptor_is_rectifier"),
        (AWAITING, "accept_failed", FAILED, DIRECTOR, "acceptor_is_rectifier"),
        (replace(AWAITING, has_evidence=False, rectified_by=9), "accept_passed", PASSED, DIRECTOR, "no_evidence"),
        (replace(AWAITING, grade="major", rectified_by=9), "accept_passed", PASSED, PRINCIPAL, "awaiting_regulator"),
        (
            replace(AWAITING, grade="major", rectified_by=9, listed=True, regulator_verified=True),
            "accept_passed",
            PASSED,
            PRINCIPAL,
            "listed",
        ),
        (replace(RECTIFYING, deadline=None), "extend", {}, DIRECTOR, "no_deadline"),
        (replace(RECTIFYING, deadline=TODAY - timedelta(1)), "extend", {}, DIRECTOR, "deadline_passed"),
    ],
)
def test_guards_refuse(state, action, payload, roles, code):
    with pytest.raises(wf.TransitionRefused) as refused:
        check(state, action, payload, actor_id=2, roles=roles)
    assert refused.value.code == code
    assert str(wf.STATUS_LABELS[state.status]) in refused.value.message or code == "acceptor_is_rectifier"


def test_extend_is_allowed_on_the_deadline_day():
    payload = {"new_deadline": TODAY + timedelta(1), "reason": "r", "interim_measures": "m"}
    assert check(replace(RECTIFYING, deadline=TODAY), "extend", payload) == wf.RECTIFYING


def test_major_hazard_acceptance_and_extension_belong_to_the_principal():
    major = replace(AWAITING, grade="major", rectified_by=9, regulator_verified=True)
    with pytest.raises(wf.ActionNotPermitted):
        check(major, "accept_passed", PASSED, roles=DIRECTOR)
    with pytest.raises(wf.ActionNotPermitted):
        check(replace(RECTIFYING, grade="major"), "extend", {}, roles=DIRECTOR)
    assert wf.allowed_actions(major, DIRECTOR) == []
    assert wf.allowed_actions(major, PRINCIPAL) == ["accept_passed", "accept_failed"]
    assert wf.allowed_actions(replace(major, regulator_verified=False), PRINCIPAL) == ["accept_failed"]
    assert "confirm_immediate" not in wf.allowed_actions(wf.HazardState(wf.REPORTED, grade="major"), DIRECTOR)


# --- listing ----------------------------------------------------------------------------------------------------------


def listing(status, action, payload, *, hazard=None, roles=REGULATOR):
    hazard = hazard or wf.HazardState(
        wf.AWAITING_ACCEPTANCE, grade="major", listed=True, has_evidence=True, regulator_verified=True
    )
    return wf.check_listing_transition(status, action, hazard=hazard, actor_roles=roles, payload=payload)


def test_listing_transitions_with_good_input():
    assert listing(wf.LISTED, "report_completion", SUBMIT, roles=PRINCIPAL) == wf.COMPLETION_REPORTED
    assert listing(wf.COMPLETION_REPORTED, "verify", PASSED) == wf.VERIFIED
    assert listing(wf.COMPLETION_REPORTED, "verify", FAILED) == wf.LISTED
    assert listing(wf.VERIFIED, "delist", {}) == wf.DELISTED
    assert wf.hazard_status_after_listing("report_completion", wf.COMPLETION_REPORTED) == wf.AWAITING_ACCEPTANCE
    assert wf.hazard_status_after_listing("verify", wf.VERIFIED) is None
    assert wf.hazard_status_after_listing("verify", wf.LISTED) == wf.RECTIFYING
    assert wf.hazard_status_after_listing("delist", wf.DELISTED) == wf.CLOSED
    assert wf.allowed_listing_actions(wf.VERIFIED, REGULATOR) == ["delist"]
    assert wf.allowed_listing_actions(wf.LISTED, PRINCIPAL) == ["report_completion"]


def test_listing_guards():
    with pytest.raises(wf.ActionNotPermitted):
        listing(wf.COMPLETION_REPORTED, "verify", PASSED, roles=PRINCIPAL)
    with pytest.raises(wf.ActionNotPermitted):
        listing(wf.LISTED, "report_completion", SUBMIT, roles=REGULATOR)
    with pytest.raises(wf.TransitionRefused) as refused:
        listing(wf.COMPLETION_REPORTED, "delist", {})
    assert refused.value.code == "wrong_state" and "已报告整改完成" in refused.value.message
    with pytest.raises(wf.MissingFields) as missing:
        listing(wf.COMPLETION_REPORTED, "verify", {"passed": "yes"})
    assert set(missing.value.errors) == {"passed", "comment"}
    with pytest.raises(wf.MissingFields):
        listing(wf.LISTED, "report_completion", {"description": "x"}, roles=PRINCIPAL)
    with pytest.raises(wf.TransitionRefused) as refused:
        listing(wf.VERIFIED, "delist", {}, hazard=wf.HazardState(wf.AWAITING_ACCEPTANCE, grade="major", listed=True))
    assert refused.value.code == "no_evidence"
    unverified = wf.HazardState(wf.RECTIFYING, grade="major", listed=True, has_evidence=True)
    with pytest.raises(wf.TransitionRefused) as refused:
        listing(wf.VERIFIED, "delist", {}, hazard=unverified)
    assert refused.value.code == "not_verified"
    with pytest.raises(wf.TransitionRefused) as refused:
        listing(wf.LISTED, "report_completion", SUBMIT, hazard=wf.HazardState(wf.REPORTED), roles=PRINCIPAL)
    assert refused.value.code == "hazard_not_rectifying"


# --- random walks -----------------------------------------------------------------------------------------------------

PEOPLE = st.integers(min_value=1, max_value=3)
ROLE_SETS = st.sampled_from([DIRECTOR, PRINCIPAL, frozenset({"operator"}), REGULATOR])
DAYS = st.integers(min_value=-3, max_value=20)


@st.composite
def payloads(draw):
    """Payloads mixing good, partial and wrong values for every field any action reads."""
    payload = {}
    if draw(st.booleans()):
        payload["grade"] = draw(st.sampled_from(["general", "major", "minor"]))
    if draw(st.booleans()):
        payload["handling"] = draw(st.sampled_from(["immediate", "deadline"]))
    for field in ("deadline", "new_deadline"):
        if draw(st.booleans()):
            payload[field] = TODAY + timedelta(days=draw(DAYS))
    for field in ("responsible", "measures", "funds", "contingency", "reason", "description", "comment"):
        if draw(st.integers(0, 4)):
            payload[field] = draw(st.sampled_from(["x", ""]))
    payload["interim_measures"] = "m"
    if draw(st.booleans()):
        payload["evidence"] = draw(st.sampled_from([[1], []]))
    if draw(st.booleans()):
        payload["passed"] = draw(st.booleans())
    if draw(st.booleans()):
        payload["plan"] = draw(st.sampled_from([PLAN, {**PLAN, "goal": ""}]))
    return payload


class HazardLoop(RuleBasedStateMachine):
    """One hazard driven by random actors, actions and payloads, optionally listed by its regulator."""

    def __init__(self):
        super().__init__()
        self.state = wf.HazardState(wf.REPORTED)
        self.listing = None
        self.today = TODAY
        self.passed_acceptance = False
        self.closed_by = None
        self.last_acceptor = None

    @rule(action=st.sampled_from(wf.ACTIONS), actor=PEOPLE, roles=ROLE_SETS, payload=payloads())
    def act(self, action, actor, roles, payload):
        before = self.state
        try:
            after = wf.advance(before, action, actor_id=actor, actor_roles=roles, payload=payload, today=self.today)
        except (wf.TransitionRefused, wf.MissingFields, wf.ActionNotPermitted):
            assert self.state == before
            return
        assert before.status not in wf.FINAL_STATUSES
        if action in ("accept_passed", "accept_failed"):
            assert actor != before.rectified_by
            self.last_acceptor = actor
        if action == "accept_passed":
            self.passed_acceptance = True
        if action == "accept_failed":
            self.state = replace(after, regulator_verified=False)
            return
        if after.status == wf.CLOSED:
            self.closed_by = action
        self.state = after

    @rule()
    def regulator_lists(self):
        if self.state.grade == "major" and self.state.status in wf.OPEN_STATUSES and self.listing is None:
            self.listing = wf.LISTED
            self.state = replace(self.state, listed=True, regulator_verified=False)

    @rule(action=st.sampled_from(wf.LISTING_ACTIONS), roles=ROLE_SETS, payload=payloads())
    def act_on_listing(self, action, roles, payload):
        if self.listing is None:
            return
        try:
            target = wf.check_listing_transition(
                self.listing, action, hazard=self.state, actor_roles=roles, payload=payload
            )
        except (wf.TransitionRefused, wf.MissingFields, wf.ActionNotPermitted):
            return
        assert self.state.status not in wf.FINAL_STATUSES
        self.listing = target
        hazard_status = wf.hazard_status_after_listing(action, target)
        if action == "report_completion":
            self.state = replace(self.state, status=hazard_status, has_evidence=True)
        elif action == "verify" and target == wf.VERIFIED:
            self.passed_acceptance = True
            self.state = replace(self.state, regulator_verified=True)
        elif action == "verify":
            self.state = replace(self.state, status=hazard_status, regulator_verified=False)
        else:
            self.state = replace(self.state, status=hazard_status, listed=False)
            self.closed_by = "delist"

    @rule(days=st.integers(min_value=1, max_value=10))
    def time_passes(self, days):
        self.today += timedelta(days=days)

    @invariant()
    def closing_needs_evidence_and_acceptance(self):
        if self.state.status == wf.CLOSED:
            assert self.state.has_evidence
            assert self.passed_acceptance or (self.closed_by == "confirm_immediate" and self.state.grade == "general")

    @invariant()
    def major_closes_only_after_regulator(self):
        if self.state.status == wf.CLOSED and self.state.grade == "major":
            assert self.state.regulator_verified
            assert not self.state.listed
            assert self.listing in (None, wf.DELISTED)

    @invariant()
    def final_statuses_offer_nothing(self):
        if self.state.status in wf.FINAL_STATUSES:
            for roles in (DIRECTOR, PRINCIPAL, REGULATOR):
                assert wf.allowed_actions(self.state, roles) == []


HazardLoop.TestCase.settings = settings(max_examples=300, stateful_step_count=30, deadline=None)
TestHazardLoop = HazardLoop.TestCase
