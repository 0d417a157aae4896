"""No lost writes through the browser: every edit form carries the version it was read at.

Two people open the same edit page; the first saves, then the second saves what they typed into the page they read.
The second save must be refused with the conflict message (HTTP 409) and leave the first person's data as saved.
The forms are filled in from the page itself, as a browser would, so a form that forgets its hidden `version` fails
here.  The meta-test fails when an edit page is added without an entry.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

from django.db.models import F
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from shuangfang.core.testing import CastTestCase, make_user
from shuangfang.core.tests.test_no_lost_writes import _completion_reported, _verified, snapshot
from shuangfang.core.tests.test_scope_matrix import UnitAObjectsMixin

CONFLICT = "数据已被他人修改"


class FormReader(HTMLParser):
    """The POST forms of a page with the values a browser would send (inputs, checked boxes, selected options,
    textareas), each with its action."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": [], "names": set()}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            self._form["names"].add(name)
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form["fields"].append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "file", "reset", "image"):
                self._form["fields"].append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._form["names"].add(name)
            self._select = {"name": name, "first": None, "chosen": []}
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["chosen"].append(value)
        elif tag == "textarea" and name:
            self._form["names"].add(name)
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            for value in self._select["chosen"]:
                self._form["fields"].append((self._select["name"], value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            self._form["fields"].append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None


def form_with(html: str, field_name: str) -> dict:
    reader = FormReader()
    reader.feed(html)
    forms = [form for form in reader.forms if field_name in form["names"]]
    assert len(forms) == 1, f"expected one form with {field_name}, found {len(forms)}"
    return forms[0]


def as_post(form: dict, changes: dict) -> dict:
    data: dict[str, list] = {}
    for name, value in form["fields"]:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        data[name] = [value]
    return data


@dataclass(frozen=True)
class EditForm:
    url_name: str
    target: str
    actor: str
    field_name: str
    first: str
    second: str
    extra: dict = field(default_factory=dict)
    # The URL takes the target's pk (not the profile page, which is the actor's own unit's).
    by_pk: bool = True


EDIT_FORMS = {
    "equipment:edit": EditForm("equipment:edit", "equipment_a", "owner", "site", "一号楼东侧", "二号楼西侧"),
    "equipment:certificate-edit": EditForm(
        "equipment:certificate-edit", "certificate_a", "unit_admin", "holder_name", "李四", "王五"
    ),
    "risks:edit": EditForm(
        "risks:edit", "risk_a", "owner", "hazard_source", "层门门锁触点粘连", "层门门锁弹簧断裂", {"reason": "复评"}
    ),
    "hazards:plan-edit": EditForm(
        "hazards:plan-edit", "plan_a", "owner", "title", "综合性排查（一）", "综合性排查（二）"
    ),
    "hazards:check-item-edit": EditForm(
        "hazards:check-item-edit", "check_item_a", "owner", "text", "轿厢应急照明有效且可靠", "轿厢应急照明亮度足够"
    ),
    "orgs:edit": EditForm("orgs:edit", "unit_a", "county_admin", "address", "金村镇 1 号", "金村镇 2 号"),
    "accounts:user-detail": EditForm("accounts:user-detail", "member", "unit_admin", "full_name", "王一", "王二"),
    "supervision:grid-edit": EditForm("supervision:grid-edit", "grid_a", "county_admin", "description", "北片", "南片"),
    "safety:profile": EditForm(
        "safety:profile", "safety_profile_a", "owner", "body_name", "安全环保科", "设备安全科", by_pk=False
    ),
}
# Pages that show an edit form though their name does not say "edit".
EDIT_PAGES_NAMED_OTHERWISE = {"accounts:user-detail", "safety:profile"}


def web_url_names(resolver=None, namespace=""):
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if "api/" in str(pattern.pattern):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= web_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


# Web pages that pass a version to a service, found by reading their views, that are checked elsewhere or have no
# concurrency version at all, with the reason.
VERSIONED_PAGES_CHECKED_ELSEWHERE = {
    # The recycle bin's delete and restore: their stale-version refusals are tested with the soft deletion itself.
    "core:delete-record": "shuangfang/core/tests/test_soft_delete.py",
    "core:restore-record": "shuangfang/core/tests/test_soft_delete.py",
    # A check is recorded once (its state refuses a second record); the version is checked by the same service as
    # the API's execute action, tested in test_no_lost_writes.py.
    "hazards:task": "test_no_lost_writes.py (investigation-tasks execute)",
    # `version_no` numbers a document's editions; documents are never edited, each upload is a new row.
    "safety:documents": "no concurrency version",
    "safety:document-upload": "no concurrency version",
}


def pages_passing_a_version():
    """Web URL names whose view's own source passes a `version` on (the views that save a versioned object)."""
    import inspect
    import re

    found = set()

    def walk(resolver, namespace=""):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if "api/" in str(pattern.pattern):
                    continue
                walk(pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif pattern.name:
                try:
                    source = inspect.getsource(inspect.unwrap(pattern.callback))
                except (OSError, TypeError):
                    continue
                if re.search(r"\bversion\b", source):
                    found.add(f"{namespace}{pattern.name}")

    walk(get_resolver())
    return found


class EditFormCoverageTests(CastTestCase):
    def test_every_page_that_saves_a_versioned_object_has_an_entry(self):
        covered = set(EDIT_FORMS) | set(ACTION_FORMS) | set(VERSIONED_PAGES_CHECKED_ELSEWHERE)
        self.assertEqual(pages_passing_a_version() - covered, set(), "pages saving with a version, unchecked")

    def test_every_edit_page_has_an_entry(self):
        edit_pages = {name for name in web_url_names() if name.endswith((":edit", "-edit"))}
        edit_pages |= EDIT_PAGES_NAMED_OTHERWISE
        self.assertEqual(edit_pages - set(EDIT_FORMS), set(), "edit pages with no lost-write entry")
        self.assertEqual(set(EDIT_FORMS) - edit_pages, set(), "entries for edit pages that no longer exist")


class EditFormTests(UnitAObjectsMixin, CastTestCase):
    def check_edit_form(self, key: str):
        entry = EDIT_FORMS[key]
        obj = getattr(self, entry.target)
        actor = getattr(self, entry.actor)
        url = reverse(entry.url_name, kwargs={"pk": obj.pk}) if entry.by_pk else reverse(entry.url_name)
        first_person, second_person = self.web(actor), self.web(actor)
        pages = [first_person.get(url), second_person.get(url)]
        for page in pages:
            self.assertEqual(page.status_code, 200)
        forms = [form_with(page.content.decode(), entry.field_name) for page in pages]
        version = type(obj)._base_manager.get(pk=obj.pk).version
        for form in forms:
            self.assertIn(("version", str(version)), form["fields"], "the edit form does not carry the version")
        target = forms[0]["action"] or url

        saved = first_person.post(target, as_post(forms[0], {entry.field_name: entry.first, **entry.extra}))
        self.assertIn(saved.status_code, (200, 302), saved.content.decode()[:2000])
        obj = type(obj)._base_manager.get(pk=obj.pk)
        self.assertEqual(getattr(obj, entry.field_name), entry.first, "the first save was not applied")
        self.assertEqual(obj.version, version + 1)

        refused = second_person.post(target, as_post(forms[1], {entry.field_name: entry.second, **entry.extra}))
        self.assertEqual(refused.status_code, 409, refused.content.decode()[:2000])
        self.assertContains(refused, CONFLICT, status_code=409)
        after = type(obj)._base_manager.get(pk=obj.pk)
        self.assertEqual((getattr(after, entry.field_name), after.version), (entry.first, version + 1))


for _key in EDIT_FORMS:
    setattr(
        EditFormTests,
        "test_stale_save_is_refused__" + _key.replace(":", "__").replace("-", "_"),
        lambda self, key=_key: self.check_edit_form(key),
    )


@dataclass(frozen=True)
class ActionForm:
    """A workflow form on an object's page: `prepare(test)` returns (object, actor, page url, action url, the values
    a person types in)."""

    prepare: object


def _hazard_page(test, action, values, actor="director"):
    hazard = test.hazard_a
    return (
        hazard,
        getattr(test, actor),
        reverse("hazards:detail", args=[hazard.pk]),
        reverse(f"hazards:{action}", args=[hazard.pk]),
        values,
    )


def _confirm_values(test):
    return {
        "grade": "general",
        "handling": "deadline",
        "deadline": str(timezone.localdate() + timedelta(days=10)),
        "responsible": str(test.owner.pk),
        "measures": "更换层门门锁触点",
        "funds": "800 元",
        "contingency": "整改完成前停梯并设置警示",
    }


def _listing_page(test, listing, action):
    values = {"passed": "yes", "comment": "核查合格"} if action == "listing-verify" else {}
    return (
        listing,
        test.county_inspector,
        reverse("hazards:listing", args=[listing.pk]),
        reverse(f"hazards:{action}", args=[listing.pk]),
        values,
    )


ACTION_FORMS = {
    "hazards:confirm": ActionForm(lambda t: _hazard_page(t, "confirm", _confirm_values(t))),
    "hazards:reject": ActionForm(lambda t: _hazard_page(t, "reject", {"reason": "不构成隐患"})),
    "equipment:status": ActionForm(
        lambda t: (
            t.equipment_a,
            t.owner,
            reverse("equipment:detail", args=[t.equipment_a.pk]),
            reverse("equipment:status", args=[t.equipment_a.pk, "suspend"]),
            {"reason": "年度检修"},
        )
    ),
    "risks:retire": ActionForm(
        lambda t: (
            t.risk_a,
            t.owner,
            reverse("risks:detail", args=[t.risk_a.pk]),
            reverse("risks:retire", args=[t.risk_a.pk]),
            {"reason": "层门已更换"},
        )
    ),
    "supervision:blacklist-lift": ActionForm(
        lambda t: (
            t.blacklist_entry_a,
            t.county_inspector,
            reverse("supervision:blacklist-entry", args=[t.blacklist_entry_a.pk]),
            reverse("supervision:blacklist-lift", args=[t.blacklist_entry_a.pk]),
            {"reason": "信用修复"},
        )
    ),
    "supervision:random-plan-publish": ActionForm(
        lambda t: (
            t.random_plan_a,
            t.county_inspector,
            reverse("supervision:random-plan", args=[t.random_plan_a.pk]),
            reverse("supervision:random-plan-publish", args=[t.random_plan_a.pk]),
            {},
        )
    ),
    "supervision:enforcement-order-comply": ActionForm(
        lambda t: (
            t.enforcement_order_a,
            t.county_inspector,
            reverse("supervision:enforcement-inspection", args=[t.enforcement_inspection_a.pk]),
            reverse("supervision:enforcement-order-comply", args=[t.enforcement_order_a.pk]),
            {"follow_up": "复查已整改"},
        )
    ),
    "supervision:demonstration-revoke": ActionForm(
        lambda t: (
            t.demonstration_a,
            t.city_inspector,
            reverse("supervision:demonstration", args=[t.demonstration_a.pk]),
            reverse("supervision:demonstration-revoke", args=[t.demonstration_a.pk]),
            {"reason": "发生事故"},
        )
    ),
    "safety:operator-end": ActionForm(
        lambda t: (
            t.operator_assignment_a,
            t.owner,
            reverse("safety:operator-end", args=[t.operator_assignment_a.pk]),
            reverse("safety:operator-end", args=[t.operator_assignment_a.pk]),
            {"ended_on": str(timezone.localdate())},
        )
    ),
    "risks:map-place": ActionForm(
        lambda t: (
            t.risk_point_a,
            t.owner,
            reverse("risks:map-plan", args=[t.site_plan_a.pk]),
            reverse("risks:map-place", args=[t.site_plan_a.pk, t.risk_point_a.pk]),
            {"site_plan": str(t.site_plan_a.pk), "plan_x": "50", "plan_y": "25"},
        )
    ),
    "hazards:listing-verify": ActionForm(lambda t: _listing_page(t, _completion_reported(t), "listing-verify")),
    "hazards:listing-delist": ActionForm(lambda t: _listing_page(t, _verified(t), "listing-delist")),
    "safety:appointment-end": ActionForm(
        lambda t: (
            t.appointment_a,
            t.owner,
            reverse("safety:appointment-end", args=[t.appointment_a.pk]),
            reverse("safety:appointment-end", args=[t.appointment_a.pk]),
            {"ends_on": str(timezone.localdate()), "reason": "调岗"},
        )
    ),
}


def form_posting_to(html: str, action: str, page_url: str) -> dict:
    """The form that posts to `action` (a form without an action posts to its own page)."""
    reader = FormReader()
    reader.feed(html)
    forms = [form for form in reader.forms if (form["action"] or page_url) == action]
    assert forms, f"no form posts to {action}"
    return forms[0]


def version_prefix(form: dict) -> str:
    """The form's prefix ("order1-" when one page holds several forms), read off its version field."""
    names = [name for name, _value in form["fields"] if name == "version" or name.endswith("-version")]
    assert len(names) == 1, f"the form carries {len(names)} version fields"
    return names[0].removesuffix("version")


class ActionFormTests(UnitAObjectsMixin, CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.director = make_user("director", cls.unit_a, "safety_director")

    def check_action_form(self, key: str):
        obj, actor, page_url, action_url, values = ACTION_FORMS[key].prepare(self)
        model = type(obj)
        person = self.web(actor)
        page = person.get(page_url)
        self.assertEqual(page.status_code, 200)
        form = form_posting_to(page.content.decode(), action_url, page_url)
        prefix = version_prefix(form)
        values = {f"{prefix}{name}": value for name, value in values.items()}
        read_version = model._base_manager.get(pk=obj.pk).version
        self.assertIn((f"{prefix}version", str(read_version)), form["fields"], "the action form does not carry it")

        # Someone else acts on the object after the page was read.
        model._base_manager.filter(pk=obj.pk).update(version=F("version") + 1)
        before = snapshot(obj)
        refused = person.post(action_url, as_post(form, values))
        self.assertEqual(refused.status_code, 409, refused.content.decode()[:2000])
        self.assertContains(refused, CONFLICT, status_code=409)
        self.assertEqual(snapshot(obj), before, "a stale submit changed the row")

        fresh = form_posting_to(person.get(page_url).content.decode(), action_url, page_url)
        applied = person.post(action_url, as_post(fresh, values))
        self.assertIn(applied.status_code, (200, 302), applied.content.decode()[:2000])
        self.assertEqual(model._base_manager.get(pk=obj.pk).version, before["version"] + 1)


for _key in ACTION_FORMS:
    setattr(
        ActionFormTests,
        "test_stale_action_is_refused__" + _key.replace(":", "__").replace("-", "_"),
        lambda self, key=_key: self.check_action_form(key),
    )
