"""The hidden-hazard closed loop (隐患闭环) and the regulator's listing (挂牌督办) as pure state machines.

No ORM and no I/O: services load a hazard, describe it as a `HazardState`, ask `check_transition` (or `advance`) whether
an action is allowed and where it leads, then save and record the event themselves.

Sources: the API contract (hazards and supervision listings); SAWS Order 16《安全生产事故隐患排查治理暂行规定》 for the
五落实 and the six contents of a 重大事故隐患治理方案; MEM data spec states 整改中 / 待验收 / 已验收; local 挂牌督办
procedures (Hubei 2011, Qingdao 2012) for the listing. The contract's `confirm` leads straight to `rectifying`, so
`confirmed` is a recorded, transient status kept for the event log and for imports.

Errors map to HTTP in the faces: `ActionNotPermitted` → 403, `TransitionRefused` → 409 (the message names the current
status), `MissingFields` → 400 (field → message).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangfang.hazards.rules import GRADE_GENERAL, GRADE_LABELS, GRADE_MAJOR, GRADES

ORDER_16 = "国家安全生产监督管理总局令第16号《安全生产事故隐患排查治理暂行规定》"
CONTRACT = "API v1《隐患排查治理》"

# --- statuses ---------------------------------------------------------------------------------------------------------

REPORTED = "reported"
CONFIRMED = "confirmed"
RECTIFYING = "rectifying"
AWAITING_ACCEPTANCE = "awaiting_acceptance"
CLOSED = "closed"
REJECTED = "rejected"
STATUSES = (REPORTED, CONFIRMED, RECTIFYING, AWAITING_ACCEPTANCE, CLOSED, REJECTED)
STATUS_LABELS: Mapping[str, str] = MappingProxyType(
    {
        REPORTED: gettext_lazy("已报告"),
        CONFIRMED: gettext_lazy("已确认"),
        RECTIFYING: gettext_lazy("整改中"),
        AWAITING_ACCEPTANCE: gettext_lazy("待验收"),
        CLOSED: gettext_lazy("已销号"),
        REJECTED: gettext_lazy("已驳回"),
    }
)
FINAL_STATUSES = frozenset({CLOSED, REJECTED})
OPEN_STATUSES = frozenset(STATUSES) - FINAL_STATUSES

HANDLING_IMMEDIATE = "immediate"  # 即查即改
HANDLING_DEADLINE = "deadline"  # 限期整改
HANDLINGS = (HANDLING_IMMEDIATE, HANDLING_DEADLINE)

# --- roles (values of accounts.roles.Role, kept as plain strings so this module stays free of models) ----------------

PRINCIPAL = "principal"
SAFETY_DIRECTOR = "safety_director"
SAFETY_OFFICER = "safety_officer"
ORG_ADMIN = "org_admin"
UNIT_ROLES = frozenset({PRINCIPAL, SAFETY_DIRECTOR, SAFETY_OFFICER, ORG_ADMIN})
REGULATOR_ROLES = frozenset({"regulator_admin", "regulator_leader", "inspector"})
# Order 16 and the R6 proposal: the principal answers for a major hazard's acceptance and for moving its deadline.
MAJOR_HAZARD_ROLES = frozenset({PRINCIPAL})

# --- what must be given -----------------------------------------------------------------------------------------------

FIVE_IMPLEMENTATIONS = (
    "responsible",
    "measures",
    "funds",
    "deadline",
    "contingency",
)  # 五落实: 责任、措施、资金、时限、预案
PLAN_CONTENTS: Mapping[str, str] = MappingProxyType(
    {
        "goal": gettext_lazy("治理的目标和任务"),
        "methods": gettext_lazy("采取的方法和措施"),
        "funds_materials": gettext_lazy("经费和物资的落实"),
        "organization_people": gettext_lazy("负责治理的机构和人员"),
        "timeline": gettext_lazy("治理的时限和要求"),
        "safety_contingency": gettext_lazy("安全措施和应急预案"),
    }
)
FIELD_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "grade": gettext_lazy("隐患等级"),
        "handling": gettext_lazy("治理方式"),
        "deadline": gettext_lazy("整改期限"),
        "responsible": gettext_lazy("整改责任人"),
        "measures": gettext_lazy("整改措施"),
        "funds": gettext_lazy("整改资金"),
        "contingency": gettext_lazy("应急预案"),
        "plan": gettext_lazy("重大事故隐患治理方案"),
        "reason": gettext_lazy("理由"),
        "description": gettext_lazy("整改情况说明"),
        "evidence": gettext_lazy("整改证据"),
        "passed": gettext_lazy("验收结论"),
        "comment": gettext_lazy("意见"),
        "new_deadline": gettext_lazy("新的整改期限"),
        "interim_measures": gettext_lazy("临时管控措施"),
    }
)


class ActionNotPermitted(Exception):
    """The actor's roles do not allow the action (403)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionRefused(Exception):
    """The action does not fit the record's current state (409)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class MissingFields(Exception):
    """Input is missing or invalid (400): field → message."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__(dict(errors))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    requires: tuple[str, ...]
    citation: str


# --- hazard transitions -----------------------------------------------------------------------------------------------

CONFIRM = "confirm"
CONFIRM_IMMEDIATE = "confirm_immediate"
REJECT = "reject"
SUBMIT_RECTIFICATION = "submit_rectification"
ACCEPT_PASSED = "accept_passed"
ACCEPT_FAILED = "accept_failed"
EXTEND = "extend"

_TRANSITION_LIST = (
    Transition(
        CONFIRM,
        gettext_lazy("确认定级"),
        frozenset({REPORTED}),
        RECTIFYING,
        UNIT_ROLES,
        ("grade", "handling", "deadline", "responsible", "measures", "funds", "contingency"),
        f"{ORDER_16}第十五条（五落实）；{CONTRACT}",
    ),
    Transition(
        CONFIRM_IMMEDIATE,
        gettext_lazy("即查即改销号"),
        frozenset({REPORTED}),
        CLOSED,
        UNIT_ROLES,
        ("grade", "handling", "responsible", "measures", "evidence"),
        f"{ORDER_16}第十五条（一般事故隐患立即整改）；{CONTRACT}",
    ),
    Transition(
        REJECT,
        gettext_lazy("驳回"),
        frozenset({REPORTED}),
        REJECTED,
        UNIT_ROLES,
        ("reason",),
        CONTRACT,
    ),
    Transition(
        SUBMIT_RECTIFICATION,
        gettext_lazy("提交整改"),
        frozenset({RECTIFYING}),
        AWAITING_ACCEPTANCE,
        UNIT_ROLES,
        ("description", "evidence"),
        CONTRACT,
    ),
    Transition(
        ACCEPT_PASSED,
        gettext_lazy("验收通过"),
        frozenset({AWAITING_ACCEPTANCE}),
        CLOSED,
        UNIT_ROLES,
        ("passed", "comment"),
        f"{ORDER_16}第十八条（重大事故隐患治理后评估、核销）；{CONTRACT}",
    ),
    Transition(
        ACCEPT_FAILED,
        gettext_lazy("验收不通过"),
        frozenset({AWAITING_ACCEPTANCE}),
        RECTIFYING,
        UNIT_ROLES,
        ("passed", "comment"),
        CONTRACT,
    ),
    Transition(
        EXTEND,
        gettext_lazy("延期"),
        frozenset({RECTIFYING}),
        RECTIFYING,
        UNIT_ROLES,
        ("new_deadline", "reason", "interim_measures"),
        CONTRACT,
    ),
)
TRANSITIONS: Mapping[str, Transition] = MappingProxyType({t.action: t for t in _TRANSITION_LIST})
ACTIONS = tuple(TRANSITIONS)


def acceptance_action(passed: bool) -> str:
    """The action behind the contract's single `accept` endpoint."""
    return ACCEPT_PASSED if passed else ACCEPT_FAILED


@dataclass(frozen=True)
class HazardState:
    status: str
    grade: str = GRADE_GENERAL
    listed: bool = False  # under the regulator's 挂牌督办
    has_evidence: bool = False
    rectified_by: int | None = None
    deadline: date | None = None
    regulator_verified: bool = False

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown hazard status {self.status!r}; expected one of {STATUSES}")
        if self.grade not in GRADES:
            raise ValueError(f"unknown hazard grade {self.grade!r}; expected one of {GRADES}")


def _given(payload: Mapping, field: str) -> bool:
    value = payload.get(field)
    if value is None:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return bool(value)
    return True


def _missing(payload: Mapping, fields: Iterable[str]) -> dict[str, str]:
    return {
        field: _("请填写%(field)s。") % {"field": FIELD_LABELS[field]} for field in fields if not _given(payload, field)
    }


def as_date(value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _wrong_state(kind: str, status_label, action_label) -> TransitionRefused:
    return TransitionRefused(
        "wrong_state",
        _("%(kind)s当前状态为“%(status)s”，不能%(action)s。")
        % {"kind": kind, "status": status_label, "action": action_label},
    )


def _check_roles(transition: Transition, actor_roles: Iterable[str]) -> None:
    if not transition.roles & frozenset(actor_roles):
        raise ActionNotPermitted(_("您的角色不能%(action)s。") % {"action": transition.label})


def _requested_grade(state: HazardState, payload: Mapping, errors: dict[str, str]) -> str:
    grade = payload.get("grade")
    if "grade" in errors:
        return state.grade
    if grade not in GRADES:
        errors["grade"] = _("隐患等级只能是一般或重大。")
        return state.grade
    return grade


def _check_confirm(state: HazardState, payload: Mapping, today: date, *, immediate: bool) -> None:
    transition = TRANSITIONS[CONFIRM_IMMEDIATE if immediate else CONFIRM]
    errors = _missing(payload, transition.requires)
    grade = _requested_grade(state, payload, errors)
    handling = payload.get("handling")
    if "handling" not in errors and handling not in HANDLINGS:
        errors["handling"] = _("治理方式只能是即查即改或限期整改。")
    if immediate:
        if "handling" not in errors and handling != HANDLING_IMMEDIATE:
            errors["handling"] = _("现场整改完毕直接销号只适用于即查即改。")
        if "grade" not in errors and grade != GRADE_GENERAL:
            errors["grade"] = _("重大事故隐患不能即查即改销号，须制定治理方案并经监管部门核查。")
    else:
        if "deadline" not in errors:
            deadline = as_date(payload.get("deadline"))
            if deadline is None:
                errors["deadline"] = _("整改期限不是有效日期。")
            elif deadline < today:
                errors["deadline"] = _("整改期限不能早于今天。")
        if grade == GRADE_MAJOR:
            plan = payload.get("plan")
            if not isinstance(plan, Mapping):
                errors["plan"] = _("重大事故隐患须提交治理方案。")
            else:
                absent = [str(label) for key, label in PLAN_CONTENTS.items() if not _given(plan, key)]
                if absent:
                    errors["plan"] = _("治理方案缺少：%(items)s。") % {"items": "、".join(absent)}
    if state.grade == GRADE_MAJOR and grade == GRADE_GENERAL and "grade" not in errors:
        raise TransitionRefused(
            "grade_lowered",
            _("该隐患已定为%(major)s，不能降为%(general)s。")
            % {"major": GRADE_LABELS[GRADE_MAJOR], "general": GRADE_LABELS[GRADE_GENERAL]},
        )
    if errors:
        raise MissingFields(errors)


def _check_acceptor(state: HazardState, actor_id: int, actor_roles: Iterable[str], label) -> None:
    if state.rectified_by is not None and actor_id == state.rectified_by:
        raise TransitionRefused("acceptor_is_rectifier", _("验收人不能是整改人。"))
    if state.grade == GRADE_MAJOR and not MAJOR_HAZARD_ROLES & frozenset(actor_roles):
        raise ActionNotPermitted(_("重大事故隐患须由主要负责人%(action)s。") % {"action": label})


def _check_closing(state: HazardState) -> None:
    status = STATUS_LABELS[state.status]
    if not state.has_evidence:
        raise TransitionRefused(
            "no_evidence", _("隐患当前状态为“%(status)s”，没有整改证据，不能销号。") % {"status": status}
        )
    if state.grade == GRADE_MAJOR and state.listed:
        raise TransitionRefused(
            "listed",
            _("隐患当前状态为“%(status)s”，正在挂牌督办，须经监管部门核查摘牌后销号。") % {"status": status},
        )
    if state.grade == GRADE_MAJOR and not state.regulator_verified:
        raise TransitionRefused(
            "awaiting_regulator",
            _("隐患当前状态为“%(status)s”，重大事故隐患须经监管部门核查后才能销号。") % {"status": status},
        )


def _check_acceptance(state: HazardState, action: str, actor_id: int, actor_roles, payload: Mapping) -> None:
    transition = TRANSITIONS[action]
    errors = _missing(payload, transition.requires)
    passed = payload.get("passed")
    if "passed" not in errors and not isinstance(passed, bool):
        errors["passed"] = _("验收结论须为通过或不通过。")
    elif "passed" not in errors and passed != (action == ACCEPT_PASSED):
        errors["passed"] = _("验收结论与所选操作不一致。")
    if errors:
        raise MissingFields(errors)
    _check_acceptor(state, actor_id, actor_roles, transition.label)
    if action == ACCEPT_PASSED:
        _check_closing(state)


def _check_extend(state: HazardState, actor_roles, payload: Mapping, today: date) -> None:
    transition = TRANSITIONS[EXTEND]
    if state.grade == GRADE_MAJOR and not MAJOR_HAZARD_ROLES & frozenset(actor_roles):
        raise ActionNotPermitted(_("重大事故隐患须由主要负责人%(action)s。") % {"action": transition.label})
    status = STATUS_LABELS[state.status]
    if state.deadline is None:
        raise TransitionRefused(
            "no_deadline", _("隐患当前状态为“%(status)s”，没有整改期限，不能延期。") % {"status": status}
        )
    if today > state.deadline:
        raise TransitionRefused(
            "deadline_passed",
            _("隐患当前状态为“%(status)s”，整改期限 %(deadline)s 已过，不能再申请延期。")
            % {"status": status, "deadline": state.deadline.isoformat()},
        )
    errors = _missing(payload, transition.requires)
    if "new_deadline" not in errors:
        new_deadline = as_date(payload.get("new_deadline"))
        if new_deadline is None:
            errors["new_deadline"] = _("新的整改期限不是有效日期。")
        elif new_deadline <= state.deadline:
            errors["new_deadline"] = _("新的整改期限须晚于原期限 %(deadline)s。") % {
                "deadline": state.deadline.isoformat()
            }
    if errors:
        raise MissingFields(errors)


def check_transition(
    state: HazardState, action: str, *, actor_id: int, actor_roles: Iterable[str], payload: Mapping, today: date
) -> str:
    """The status the hazard moves to, or an exception saying why the action is refused."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown hazard action {action!r}; expected one of {ACTIONS}")
    transition = TRANSITIONS[action]
    actor_roles = frozenset(actor_roles)
    _check_roles(transition, actor_roles)
    if state.status not in transition.sources:
        raise _wrong_state(_("隐患"), STATUS_LABELS[state.status], transition.label)
    if action in (CONFIRM, CONFIRM_IMMEDIATE):
        _check_confirm(state, payload, today, immediate=action == CONFIRM_IMMEDIATE)
        if action == CONFIRM_IMMEDIATE:
            # The confirmer accepts the fix made on the spot; the evidence is in the payload.
            _check_acceptor(state, actor_id, actor_roles, transition.label)
    elif action in (ACCEPT_PASSED, ACCEPT_FAILED):
        _check_acceptance(state, action, actor_id, actor_roles, payload)
    elif action == EXTEND:
        _check_extend(state, actor_roles, payload, today)
    else:
        errors = _missing(payload, transition.requires)
        if errors:
            raise MissingFields(errors)
    return transition.target


def advance(
    state: HazardState, action: str, *, actor_id: int, actor_roles: Iterable[str], payload: Mapping, today: date
) -> HazardState:
    """The hazard's state after the action (checked by `check_transition`)."""
    target = check_transition(state, action, actor_id=actor_id, actor_roles=actor_roles, payload=payload, today=today)
    changes: dict = {"status": target}
    if action in (CONFIRM, CONFIRM_IMMEDIATE):
        changes["grade"] = payload["grade"]
        if action == CONFIRM:
            changes["deadline"] = as_date(payload["deadline"])
        else:
            changes["has_evidence"] = True
    elif action == SUBMIT_RECTIFICATION:
        changes.update(has_evidence=True, rectified_by=actor_id)
    elif action == EXTEND:
        changes["deadline"] = as_date(payload["new_deadline"])
    return replace(state, **changes)


def allowed_actions(state: HazardState, actor_roles: Iterable[str]) -> list[str]:
    """Actions whose role and source status fit; input checks and guards still apply when one is tried."""
    actor_roles = frozenset(actor_roles)
    allowed = []
    for transition in _TRANSITION_LIST:
        if state.status not in transition.sources or not transition.roles & actor_roles:
            continue
        if transition.action == CONFIRM_IMMEDIATE and state.grade == GRADE_MAJOR:
            continue
        major = state.grade == GRADE_MAJOR
        if (
            major
            and transition.action in (ACCEPT_PASSED, ACCEPT_FAILED, EXTEND)
            and not MAJOR_HAZARD_ROLES & actor_roles
        ):
            continue
        if major and transition.action == ACCEPT_PASSED and (state.listed or not state.regulator_verified):
            continue
        allowed.append(transition.action)
    return allowed


# --- listing (挂牌督办) ---------------------------------------------------------------------------------------------

LISTED = "listed"
COMPLETION_REPORTED = "completion_reported"
VERIFIED = "verified"
DELISTED = "delisted"
LISTING_STATUSES = (LISTED, COMPLETION_REPORTED, VERIFIED, DELISTED)
LISTING_STATUS_LABELS: Mapping[str, str] = MappingProxyType(
    {
        LISTED: gettext_lazy("挂牌督办中"),
        COMPLETION_REPORTED: gettext_lazy("已报告整改完成"),
        VERIFIED: gettext_lazy("已核查"),
        DELISTED: gettext_lazy("已摘牌"),
    }
)

REPORT_COMPLETION = "report_completion"
VERIFY = "verify"
DELIST = "delist"
HUBEI_2011 = "湖北省重大事故隐患挂牌督办办法（2011）"
QINGDAO_2012 = "青岛市重大事故隐患“3+X”挂牌督办（2012）"


@dataclass(frozen=True)
class ListingTimings:
    """The 挂牌督办 timings of the local procedures (method file §3.3), as data: no national special-equipment
    procedure exists, so a province replaces them through settings.LISTING_TIMINGS without code changes."""

    max_rectification_days: int = 365  # rectification period at most one year (Qingdao 2012)
    verify_within_days: int = 10  # on-site verification within 10 days of the completion report (Hubei 2011)
    citation: str = f"{QINGDAO_2012}；{HUBEI_2011}"


def listing_timings(overrides: Mapping | None = None) -> ListingTimings:
    return replace(ListingTimings(), **dict(overrides or {}))


_LISTING_TRANSITION_LIST = (
    Transition(
        REPORT_COMPLETION,
        gettext_lazy("报告整改完成"),
        frozenset({LISTED}),
        COMPLETION_REPORTED,
        UNIT_ROLES,
        ("description", "evidence"),
        f"{HUBEI_2011}；{CONTRACT}",
    ),
    # A failed verification sends the listing back to `listed` (and the hazard back to rectifying).
    Transition(
        VERIFY,
        gettext_lazy("核查"),
        frozenset({COMPLETION_REPORTED}),
        VERIFIED,
        REGULATOR_ROLES,
        ("passed", "comment"),
        f"{ORDER_16}第十八条；{HUBEI_2011}",
    ),
    Transition(
        DELIST,
        gettext_lazy("摘牌销号"),
        frozenset({VERIFIED}),
        DELISTED,
        REGULATOR_ROLES,
        (),
        f"{QINGDAO_2012}；{CONTRACT}",
    ),
)
LISTING_TRANSITIONS: Mapping[str, Transition] = MappingProxyType({t.action: t for t in _LISTING_TRANSITION_LIST})
LISTING_ACTIONS = tuple(LISTING_TRANSITIONS)


def hazard_status_after_listing(action: str, listing_target: str) -> str | None:
    """The hazard's new status after a listing action (None: unchanged).

    A passed verification leaves the hazard waiting with `regulator_verified` set; delisting closes it."""
    if action == REPORT_COMPLETION:
        return AWAITING_ACCEPTANCE
    if action == VERIFY:
        return None if listing_target == VERIFIED else RECTIFYING
    if action == DELIST:
        return CLOSED
    raise ValueError(f"unknown listing action {action!r}; expected one of {LISTING_ACTIONS}")


def check_listing_transition(
    listing_status: str, action: str, *, hazard: HazardState, actor_roles: Iterable[str], payload: Mapping
) -> str:
    """The status the listing moves to, or an exception saying why the action is refused."""
    if action not in LISTING_TRANSITIONS:
        raise ValueError(f"unknown listing action {action!r}; expected one of {LISTING_ACTIONS}")
    if listing_status not in LISTING_STATUSES:
        raise ValueError(f"unknown listing status {listing_status!r}; expected one of {LISTING_STATUSES}")
    transition = LISTING_TRANSITIONS[action]
    _check_roles(transition, actor_roles)
    if listing_status not in transition.sources:
        raise _wrong_state(_("挂牌督办"), LISTING_STATUS_LABELS[listing_status], transition.label)
    errors = _missing(payload, transition.requires)
    if action == VERIFY and "passed" not in errors and not isinstance(payload.get("passed"), bool):
        errors["passed"] = _("核查结论须为通过或不通过。")
    if errors:
        raise MissingFields(errors)
    hazard_status = STATUS_LABELS[hazard.status]
    if action == REPORT_COMPLETION and hazard.status not in (RECTIFYING, AWAITING_ACCEPTANCE):
        raise TransitionRefused(
            "hazard_not_rectifying",
            _("隐患当前状态为“%(status)s”，不能报告整改完成。") % {"status": hazard_status},
        )
    if action == DELIST and not hazard.has_evidence:
        raise TransitionRefused(
            "no_evidence", _("隐患当前状态为“%(status)s”，没有整改证据，不能摘牌销号。") % {"status": hazard_status}
        )
    if action == DELIST and not hazard.regulator_verified:
        # The unit may have failed its own acceptance after the verification: the regulator verifies again first.
        raise TransitionRefused(
            "not_verified",
            _("隐患当前状态为“%(status)s”，尚未经监管部门核查，不能摘牌销号。") % {"status": hazard_status},
        )
    if action == VERIFY and not payload["passed"]:
        return LISTED
    return transition.target


def allowed_listing_actions(listing_status: str, actor_roles: Iterable[str]) -> list[str]:
    actor_roles = frozenset(actor_roles)
    return [t.action for t in _LISTING_TRANSITION_LIST if listing_status in t.sources and t.roles & actor_roles]
