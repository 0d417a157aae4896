"""No lost writes through the API (API contract, Concurrency): every change names the version it read.

Every router registration that serves PATCH, and every detail action that changes an existing object, has an entry
below; for each, a change without `version` is 400 naming it, a change at a stale version is 409 and leaves the row
exactly as it was, and a change at the current version is applied and bumps the version by one.  The stale version
is made the way it happens in use: another writer changes the row after the caller read it.  The meta-tests fail
when a registration or an action is added without an entry, so no resource escapes.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.core.tests.test_scope_matrix import (
    UnitAObjectsMixin,
    detail_actions,
    patchable,
    registrations,
    serves,
)
from shuangfang.equipment.models import OperatorCertificate
from shuangfang.equipment.services import do_change_equipment_status
from shuangfang.hazards import services as hazard_services
from shuangfang.hazards.models import Hazard, Listing

PLAN = {
    "goal": "消除门锁回路短接",
    "methods": "恢复门锁安全回路，更换门锁",
    "funds_materials": "2000 元，门锁两套",
    "organization_people": "安全员负责，维保单位实施",
    "timeline": "7 日内完成",
    "safety_contingency": "停梯并设置警示，困人应急救援预案",
}


def snapshot(obj) -> dict:
    """Every stored column of the row as it is now in the database."""
    fresh = type(obj)._base_manager.get(pk=obj.pk)
    return {column.attname: getattr(fresh, column.attname) for column in type(obj)._meta.concrete_fields}


def changed_by_another_writer(obj) -> None:
    """Another client's save since the caller read the row: only the version moves, so any change a refused
    request might have made shows up in the comparison."""
    type(obj)._base_manager.filter(pk=obj.pk).update(version=F("version") + 1)


@dataclass(frozen=True)
class Patch:
    """PATCH of unit A's object `target` by `actor`, with a body that really changes it."""

    target: str
    actor: str
    body: dict


@dataclass(frozen=True)
class Act:
    """A detail action: `prepare(test)` brings an object into a state where the action is allowed and returns
    (object, actor, body without version)."""

    prepare: Callable
    statuses: tuple[int, ...] = field(default=(200,))


# Each PATCH-able registration of the router, with the change made to unit A's object.
PATCHES = {
    "organizations": Patch("unit_a", "county_admin", {"address": "泽州县金村镇 8 号"}),
    "users": Patch("member", "unit_admin", {"full_name": "王五"}),
    "equipment": Patch("equipment_a", "owner", {"site": "二号楼东侧"}),
    "certificates": Patch("certificate_a", "unit_admin", {"holder_name": "李四"}),
    "risks": Patch("risk_a", "owner", {"hazard_source": "层门门锁触点粘连", "reason": "复评"}),
    "investigation-plans": Patch("plan_a", "owner", {"title": "综合性排查（修订）"}),
    "check-items": Patch("check_item_a", "owner", {"text": "轿厢应急照明有效且亮度足够"}),
    "safety-profiles": Patch("safety_profile_a", "owner", {"body_name": "安全环保科"}),
    "supervision/grids": Patch("grid_a", "county_admin", {"description": "城区北片"}),
}


def _five(test) -> dict:
    return {
        "grade": "general",
        "handling": "deadline",
        "deadline": str(timezone.localdate() + timedelta(days=10)),
        "responsible": test.owner.pk,
        "measures": "更换层门门锁触点",
        "funds": "800 元",
        "contingency": "整改完成前停梯并设置警示",
    }


def _confirmed(test, *, major=False) -> Hazard:
    hazard = hazard_services.do_report_hazard(
        actor=test.member,
        equipment=test.equipment_a,
        description="门锁安全回路被短接" if major else "层门关闭后可被扒开",
        clauses=["4.6b"] if major else None,
    )
    data = _five(test)
    if major:
        data.update(grade="major", plan=PLAN, responsible=test.principal.pk)
    data["responsible"] = type(test.owner).objects.get(pk=data["responsible"])
    return hazard_services.do_confirm_hazard(
        actor=test.director, hazard=hazard, data=data, expected_version=hazard.version
    )


def _submitted(test, *, major=False) -> Hazard:
    hazard = _confirmed(test, major=major)
    return hazard_services.do_submit_rectification(
        actor=test.owner,
        hazard=hazard,
        description="已更换门锁触点",
        evidence=[test.attachment_a],
        expected_version=hazard.version,
    )


def _listed(test) -> Listing:
    """A listing whose major hazard the unit has confirmed and is rectifying."""
    hazard = _confirmed(test, major=True)
    return hazard_services.do_list_hazard(
        actor=test.county_inspector, hazard=hazard, level="county", deadline=timezone.localdate() + timedelta(days=30)
    )


def _completion_reported(test) -> Listing:
    listing = _listed(test)
    return hazard_services.do_report_completion(
        actor=test.owner,
        listing=listing,
        description="已拆除短接线",
        evidence=[test.attachment_a],
        expected_version=listing.version,
    )


def _verified(test) -> Listing:
    listing = _completion_reported(test)
    return hazard_services.do_verify_listing(
        actor=test.county_inspector, listing=listing, passed=True, comment="核查合格", expected_version=listing.version
    )


def _suspended_equipment(test):
    return do_change_equipment_status(
        actor=test.owner, equipment=test.equipment_a, action="suspend", reason="检修", expected_version=1
    )


def _task_results(test) -> dict:
    rows = test.api(test.owner).get(reverse("investigation-task-checklist", kwargs={"pk": test.task_a.pk})).json()
    return {
        "results": [{"equipment": row["equipment"], "item_code": row["item_code"], "outcome": "ok"} for row in rows],
        "note": "",
        "decisions": "",
        "attendees": "",
    }


def _exam_answers(test) -> dict:
    return {"answers": {str(question.pk): [0] for question in test.exam_a.questions.all()}}


# Each detail action that changes an existing object, keyed (registration, url_path).
ACTIONS = {
    ("equipment", "suspend"): Act(lambda t: (t.equipment_a, t.owner, {"reason": "年度检修"})),
    ("equipment", "resume"): Act(lambda t: (_suspended_equipment(t), t.owner, {"reason": "检修完毕"})),
    ("equipment", "scrap"): Act(lambda t: (t.equipment_a, t.owner, {"reason": "达到设计使用年限"})),
    ("risks", "retire"): Act(lambda t: (t.risk_a, t.owner, {"reason": "层门已更换"})),
    ("risk-points", "place"): Act(
        lambda t: (t.risk_point_a, t.owner, {"site_plan": t.site_plan_a.pk, "plan_x": "0.5", "plan_y": "0.25"})
    ),
    ("hazards", "confirm"): Act(lambda t: (t.hazard_a, t.director, _five(t))),
    ("hazards", "reject"): Act(lambda t: (t.hazard_a, t.director, {"reason": "不构成隐患"})),
    ("hazards", "submit-rectification"): Act(
        lambda t: (_confirmed(t), t.owner, {"description": "已更换", "evidence": [t.attachment_a.pk]})
    ),
    ("hazards", "accept"): Act(lambda t: (_submitted(t), t.director, {"passed": True, "comment": "验收合格"})),
    ("hazards", "extend"): Act(
        lambda t: (
            _confirmed(t),
            t.director,
            {
                "deadline": str(timezone.localdate() + timedelta(days=20)),
                "reason": "等待配件",
                "interim_measures": "停梯",
            },
        )
    ),
    ("hazards", "regulator-verify"): Act(
        lambda t: (_submitted(t, major=True), t.county_inspector, {"passed": True, "comment": "现场核查合格"})
    ),
    ("supervision/listings", "report-completion"): Act(
        lambda t: (_listed(t), t.owner, {"description": "已拆除短接线", "evidence": [t.attachment_a.pk]})
    ),
    ("supervision/listings", "verify"): Act(
        lambda t: (_completion_reported(t), t.county_inspector, {"passed": True, "comment": "核查合格"})
    ),
    ("supervision/listings", "delist"): Act(lambda t: (_verified(t), t.county_inspector, {})),
    ("investigation-tasks", "execute"): Act(lambda t: (t.task_a, t.owner, _task_results(t))),
    ("appointments", "end"): Act(
        lambda t: (t.appointment_a, t.owner, {"ends_on": str(timezone.localdate()), "reason": "调岗"})
    ),
    ("exam-attempts", "submit"): Act(lambda t: (t.attempt_a, t.attempt_a.candidate, _exam_answers(t))),
    ("operator-assignments", "end"): Act(
        lambda t: (t.operator_assignment_a, t.owner, {"ended_on": str(timezone.localdate())})
    ),
    ("supervision/blacklist", "lift"): Act(lambda t: (t.blacklist_entry_a, t.county_inspector, {"reason": "信用修复"})),
    ("supervision/demonstration-enterprises", "revoke"): Act(
        lambda t: (t.demonstration_a, t.city_inspector, {"reason": "发生事故"})
    ),
    ("supervision/random-plans", "publish"): Act(lambda t: (t.random_plan_a, t.county_inspector, {})),
    ("equipment", "restore"): Act(lambda t: (_deleted(t, t.spare_equipment), t.owner, {})),
    ("certificates", "restore"): Act(lambda t: (_deleted(t, t.spare_certificate, t.unit_admin), t.unit_admin, {})),
    # A risk of a site, not of equipment_a: an accident of that equipment keeps its risks from being deleted.
    ("risks", "restore"): Act(lambda t: (_deleted(t, t.site_risk_a), t.owner, {})),
    ("training-sessions", "restore"): Act(lambda t: (_deleted(t, t.training_session_a), t.owner, {})),
    ("drills", "restore"): Act(lambda t: (_deleted(t, t.drill_a), t.owner, {})),
    ("supervision/orders", "comply"): Act(
        lambda t: (t.enforcement_order_a, t.county_inspector, {"follow_up": "复查已整改"})
    ),
}

# Detail actions that take no version, each with the reason no write can be lost through it.
UNVERSIONED_ACTIONS = {
    # Marking one's own message read only ever sets read_at once; there is no content to overwrite.
    ("notifications", "read"): "idempotent flag on the caller's own row",
    # Shows the holder's whole ID number (and records that it was shown); it changes nothing.
    ("certificates", "unmask"): "read-only disclosure, recorded as an event",
    ("users", "unmask"): "read-only disclosure, recorded as an event",
}

# Each registration that serves DELETE (soft deletion into the recycle bin), with the object deleted and by whom.
DELETES = {
    "equipment": ("spare_equipment", "owner"),
    "certificates": ("spare_certificate", "unit_admin"),
    "risks": ("site_risk_a", "owner"),
    "training-sessions": ("training_session_a", "owner"),
    "drills": ("drill_a", "owner"),
}


def _deleted(test, obj, actor=None):
    """The object soft-deleted into the recycle bin, ready to be restored."""
    from shuangfang.core.deletion import do_soft_delete

    obj = type(obj)._base_manager.get(pk=obj.pk)
    return do_soft_delete(actor=actor or test.owner, obj=obj, reason="误删演练", expected_version=obj.version)


def deletable(viewset) -> bool:
    return serves(viewset, "destroy") and "delete" in viewset.http_method_names


def _has_version(model) -> bool:
    return any(column.name == "version" for column in model._meta.concrete_fields)


class CoverageTests(CastTestCase):
    def test_every_patchable_registration_has_an_entry(self):
        patchable_prefixes = {prefix for prefix, viewset, _ in registrations() if patchable(viewset)}
        self.assertEqual(patchable_prefixes - set(PATCHES), set(), "PATCH-able routes with no lost-write entry")
        self.assertEqual(set(PATCHES) - patchable_prefixes, set(), "entries for routes that no longer take PATCH")

    def test_every_changing_detail_action_has_an_entry(self):
        posted = {
            (prefix, action.url_path)
            for prefix, viewset, _ in registrations()
            for action in detail_actions(viewset)
            if "post" in action.mapping
        }
        listed = set(ACTIONS) | set(UNVERSIONED_ACTIONS)
        self.assertEqual(posted - listed, set(), "detail POST actions with no lost-write entry")
        self.assertEqual(listed - posted, set(), "entries for actions that no longer exist")
        self.assertFalse(set(ACTIONS) & set(UNVERSIONED_ACTIONS))

    def test_every_deletable_registration_has_an_entry(self):
        deletable_prefixes = {prefix for prefix, viewset, _ in registrations() if deletable(viewset)}
        self.assertEqual(deletable_prefixes ^ set(DELETES), set(), "DELETE routes and their lost-write entries differ")

    def test_every_patchable_model_has_a_version(self):
        for prefix, viewset, _ in registrations():
            if patchable(viewset):
                with self.subTest(prefix=prefix):
                    self.assertTrue(_has_version(viewset.model))


class LostWriteTests(UnitAObjectsMixin, CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.director = make_user("director", cls.unit_a, "safety_director")
        # Rows nothing depends on, so that deleting them is allowed (equipment A has hazards, certificate A an
        # operator on duty).
        cls.spare_equipment = make_equipment(cls.unit_a, "31101405252020A0099")
        cls.spare_certificate = OperatorCertificate.objects.create(
            organization=cls.unit_a,
            region_id=cls.unit_a.region_id,
            holder_name="赵六",
            id_number="140525199202021234",
            item_id="N1",
            cert_no="N1-A-9",
            issued_on=date(2024, 1, 1),
            expires_on=date(2028, 1, 1),
        )

    def basename_of(self, prefix: str) -> str:
        return next(basename for registered, _, basename in registrations() if registered == prefix)

    def assert_version_guarded(self, obj, send: Callable, success: tuple[int, ...] = (200,)):
        """`send(extra)` posts the change with `extra` merged into its body."""
        before = snapshot(obj)
        missing = send({})
        self.assertEqual(missing.status_code, 400, missing.content)
        self.assertIn("version", missing.json())
        self.assertEqual(snapshot(obj), before, "a change without version was applied")

        read_version = before["version"]
        changed_by_another_writer(obj)
        current = snapshot(obj)
        stale = send({"version": read_version})
        self.assertEqual(stale.status_code, 409, stale.content)
        self.assertIn("detail", stale.json())
        self.assertEqual(snapshot(obj), current, "a change at a stale version was applied")

        applied = send({"version": current["version"]})
        self.assertIn(applied.status_code, success, applied.content)
        self.assertEqual(snapshot(obj)["version"], current["version"] + 1)

    def check_patch(self, prefix: str):
        entry = PATCHES[prefix]
        obj = getattr(self, entry.target)
        client = self.api(getattr(self, entry.actor))
        url = reverse(f"{self.basename_of(prefix)}-detail", kwargs={"pk": obj.pk})
        self.assert_version_guarded(obj, lambda extra: client.patch(url, {**entry.body, **extra}, format="json"))

    def check_action(self, key):
        prefix, url_path = key
        obj, actor, body = ACTIONS[key].prepare(self)
        viewset = next(viewset for registered, viewset, _ in registrations() if registered == prefix)
        url_name = next(action.url_name for action in detail_actions(viewset) if action.url_path == url_path)
        url = reverse(f"{self.basename_of(prefix)}-{url_name}", kwargs={"pk": obj.pk})
        client = self.api(actor)
        self.assert_version_guarded(
            obj, lambda extra: client.post(url, {**body, **extra}, format="json"), ACTIONS[key].statuses
        )

    def check_delete(self, prefix: str):
        target, actor = DELETES[prefix]
        obj = getattr(self, target)
        client = self.api(getattr(self, actor))
        url = reverse(f"{self.basename_of(prefix)}-detail", kwargs={"pk": obj.pk})
        self.assert_version_guarded(
            obj, lambda extra: client.delete(url, {"reason": "重复登记", **extra}, format="json"), (204,)
        )

    def test_my_safety_profile_patch_is_version_guarded(self):
        client = self.api(self.owner)
        url = reverse("safety-profile-mine")
        self.assert_version_guarded(
            self.safety_profile_a, lambda extra: client.patch(url, {"body_name": "安全环保科", **extra}, format="json")
        )


def _name(text: str) -> str:
    return text.replace("/", "_").replace("-", "_")


for _prefix in PATCHES:
    setattr(
        LostWriteTests,
        f"test_patch_{_name(_prefix)}",
        lambda self, prefix=_prefix: self.check_patch(prefix),
    )
for _prefix in DELETES:
    setattr(
        LostWriteTests,
        f"test_delete_{_name(_prefix)}",
        lambda self, prefix=_prefix: self.check_delete(prefix),
    )
for _key in ACTIONS:
    setattr(
        LostWriteTests,
        f"test_action_{_name(_key[0])}__{_name(_key[1])}",
        lambda self, key=_key: self.check_action(key),
    )
