"""The event log as an assessor reads it (等保 2.0 §8.1.4.3 安全审计; ASVS 5.0 V16): every refusal is one
`auth.denied` event, and the events of signing in, refusing, writing, changing roles and exporting each carry who,
with which roles, from where, what, on which object, with what result."""

from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path, reverse
from rest_framework.test import APIClient

from shuangfang.accounts.services import do_update_user
from shuangfang.core.models import Event
from shuangfang.core.ratelimit import RateLimited
from shuangfang.core.services import PermissionDenied as ServicePermissionDenied
from shuangfang.core.testing import PASSWORD, CastTestCase


def _service_refusal(request):
    raise ServicePermissionDenied("服务拒绝了该操作。")


def _page_refusal(request):
    raise Forbidden("页面拒绝了该操作。")


def _rate_limited(request):
    raise RateLimited("太频繁了。")


def _fine(request):
    return HttpResponse("ok")


urlpatterns = [
    path("refused-by-service/", _service_refusal),
    path("refused-by-page/", _page_refusal),
    path("rate-limited/", _rate_limited),
    path("fine/", _fine),
    path("", include("shuangfang.urls")),
]

ADDRESS = "203.0.113.7"


class DenialEventTests(CastTestCase):
    def denials(self):
        return Event.objects.filter(type="auth.denied")

    def assert_one_denial(self, user, method: str, path: str, message: str = "", reason: str = "permission"):
        denial = self.denials().get()
        self.assertEqual(denial.outcome, "failure")
        self.assertEqual(denial.actor, user)
        self.assertEqual(denial.actor_roles, ",".join(user.roles) if user else "")
        self.assertEqual(denial.source_ip, ADDRESS)
        self.assertTrue(denial.request_id)
        self.assertEqual(denial.data["path"], path)
        self.assertEqual(denial.data["method"], method)
        self.assertEqual(denial.data["status"], 403)
        self.assertEqual(denial.data["reason"], reason)
        self.assertIn(message, denial.data["message"])
        return denial

    def test_a_service_refusal_in_the_api(self):
        url = f"/api/v1/equipment/{self.equipment_a.pk}/"
        response = self.api(self.member).patch(url, {"name": "x", "version": 1}, format="json", REMOTE_ADDR=ADDRESS)
        self.assertEqual(response.status_code, 403)
        self.assert_one_denial(self.member, "PATCH", url, response.json()["detail"])
        self.equipment_a.refresh_from_db()
        self.assertNotEqual(self.equipment_a.name, "x")

    def test_the_api_frameworks_own_refusal(self):
        # A session-authenticated write without the CSRF token: REST framework's own PermissionDenied.
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(self.owner)
        url = f"/api/v1/equipment/{self.equipment_a.pk}/"
        response = client.patch(url, {"name": "x", "version": 1}, format="json", REMOTE_ADDR=ADDRESS)
        self.assertEqual(response.status_code, 403)
        # Refused before the session is accepted: no actor, but the session's user is named.
        denial = self.assert_one_denial(None, "PATCH", url, "CSRF")
        self.assertEqual(denial.data["session_user_id"], str(self.owner.pk))

    def test_a_page_refusal(self):
        url = reverse("core:audit")
        response = self.web(self.member).get(url, REMOTE_ADDR=ADDRESS)
        self.assertEqual(response.status_code, 403)
        self.assert_one_denial(self.member, "GET", url, "您的角色不能查阅操作记录。")

    def test_a_csrf_failure_on_a_page(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.owner)
        response = client.post("/i18n/setlang/", {"language": "en"}, REMOTE_ADDR=ADDRESS)
        self.assertEqual(response.status_code, 403)
        self.assert_one_denial(self.owner, "POST", "/i18n/setlang/", reason="csrf")

    def test_an_anonymous_csrf_failure_names_no_actor(self):
        response = Client(enforce_csrf_checks=True).post(reverse("accounts:login"), REMOTE_ADDR=ADDRESS)
        self.assertEqual(response.status_code, 403)
        self.assert_one_denial(None, "POST", reverse("accounts:login"), reason="csrf")

    @override_settings(ROOT_URLCONF=__name__)
    def test_a_service_refusal_reaching_a_page_is_a_403_with_its_message(self):
        response = self.web(self.owner).get("/refused-by-service/", REMOTE_ADDR=ADDRESS)
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "服务拒绝了该操作。", status_code=403)
        self.assert_one_denial(self.owner, "GET", "/refused-by-service/", "服务拒绝了该操作。")

    @override_settings(ROOT_URLCONF=__name__)
    def test_djangos_refusal_raised_by_a_page(self):
        response = self.web(self.owner).get("/refused-by-page/", REMOTE_ADDR=ADDRESS)
        self.assertEqual(response.status_code, 403)
        self.assert_one_denial(self.owner, "GET", "/refused-by-page/", "页面拒绝了该操作。")

    @override_settings(ROOT_URLCONF=__name__)
    def test_a_rate_limit_reaching_a_page_is_a_429_page_and_no_denial(self):
        response = self.web(self.owner).get("/rate-limited/", REMOTE_ADDR=ADDRESS)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "太频繁了。", status_code=429)
        self.assertEqual(response["Retry-After"], "60")
        self.assertFalse(self.denials().exists())

    @override_settings(ROOT_URLCONF=__name__)
    def test_answers_other_than_403_record_no_denial(self):
        self.assertEqual(self.web(self.owner).get("/fine/").status_code, 200)
        self.assertEqual(self.web(self.unit_b_user).get(f"/equipment/{self.equipment_a.pk}/").status_code, 404)
        self.assertEqual(self.api(None).get("/api/v1/equipment/").status_code, 401)
        self.assertFalse(self.denials().exists())


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
class SourceAddressBehindTheProxyTests(CastTestCase):
    def denial_address(self, **meta):
        self.web(self.member).get(reverse("core:audit"), **meta)
        return Event.objects.filter(type="auth.denied").latest("seq").source_ip

    def test_the_client_is_the_last_hop_before_the_trusted_proxies(self):
        forwarded = {"HTTP_X_FORWARDED_FOR": f"198.51.100.1, {ADDRESS}, 10.0.0.9", "REMOTE_ADDR": "10.0.0.2"}
        self.assertEqual(self.denial_address(**forwarded), ADDRESS)

    def test_a_client_not_behind_the_proxy_cannot_choose_its_address(self):
        forwarded = {"HTTP_X_FORWARDED_FOR": "198.51.100.1", "REMOTE_ADDR": ADDRESS}
        self.assertEqual(self.denial_address(**forwarded), ADDRESS)


class RepresentativeEventTests(CastTestCase):
    """Each kind of event an assessor samples, with every field filled."""

    def assert_complete(self, event: Event, *, event_type: str, outcome: str, actor, object_type: str = ""):
        self.assertEqual(event.type, event_type)
        self.assertEqual(event.outcome, outcome)
        self.assertIsNotNone(event.at)
        self.assertEqual(event.source_ip, ADDRESS)
        self.assertTrue(event.request_id)
        self.assertTrue(event.digest)
        if actor is None:
            self.assertIsNone(event.actor)
        else:
            self.assertEqual((event.actor, event.actor_name), (actor, actor.username))
            self.assertEqual(event.actor_roles, ",".join(actor.roles))
        if object_type:
            self.assertEqual(event.object_type, object_type)
            self.assertTrue(event.object_id)
            self.assertTrue(event.object_repr)

    def latest(self, event_type: str) -> Event:
        return Event.objects.filter(type=event_type).latest("seq")

    def test_sign_in_success(self):
        response = Client().post(
            reverse("accounts:login"), {"username": "owner", "password": PASSWORD}, REMOTE_ADDR=ADDRESS
        )
        self.assertEqual(response.status_code, 302)
        event = self.latest("auth.login")
        self.assert_complete(event, event_type="auth.login", outcome="success", actor=self.owner)
        self.assertEqual(event.object_id, str(self.owner.pk))

    def test_sign_in_failures_look_the_same_for_unknown_users_and_wrong_passwords(self):
        answers = []
        for username, password in [("nobody_here", PASSWORD), ("owner", "wrong-password")]:
            response = Client().post(
                reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ADDRESS
            )
            self.assertEqual(response.status_code, 200)
            answers.append(response.context["form"].non_field_errors())
            event = self.latest("auth.login_failed")
            self.assert_complete(event, event_type="auth.login_failed", outcome="failure", actor=None)
            self.assertEqual(event.data["username"], username)
        self.assertEqual(answers[0], answers[1])

    def test_a_denial(self):
        self.web(self.member).get(reverse("core:audit"), REMOTE_ADDR=ADDRESS)
        self.assert_complete(self.latest("auth.denied"), event_type="auth.denied", outcome="failure", actor=self.member)

    def test_a_write(self):
        url = f"/api/v1/equipment/{self.equipment_a.pk}/"
        response = self.api(self.owner).patch(
            url, {"site": "二号车间", "version": 1}, format="json", REMOTE_ADDR=ADDRESS
        )
        self.assertEqual(response.status_code, 200)
        event = self.latest("equipment.updated")
        self.assert_complete(
            event,
            event_type="equipment.updated",
            outcome="success",
            actor=self.owner,
            object_type="equipment.equipment",
        )
        self.assertEqual(event.object_id, str(self.equipment_a.pk))
        self.assertEqual(event.data["changes"]["site"][1], "二号车间")

    def test_a_role_change(self):
        response = self.api(self.unit_admin).patch(
            f"/api/v1/users/{self.member.pk}/",
            {"roles": ["operator", "safety_officer"], "version": self.member.version},
            format="json",
            REMOTE_ADDR=ADDRESS,
        )
        self.assertEqual(response.status_code, 200, response.content)
        event = self.latest("user.roles_changed")
        self.assert_complete(
            event,
            event_type="user.roles_changed",
            outcome="success",
            actor=self.unit_admin,
            object_type="accounts.user",
        )
        self.assertEqual(event.object_id, str(self.member.pk))
        self.assertEqual(event.data["changes"]["roles"], [["operator"], ["operator", "safety_officer"]])
        self.assertEqual((event.data["added"], event.data["removed"]), (["safety_officer"], []))

    def test_a_change_without_roles_stays_an_update(self):
        do_update_user(actor=self.unit_admin, user=self.member, changes={"full_name": "王五"}, expected_version=1)
        self.assertEqual(self.latest("user.updated").data["changes"]["full_name"][1], "王五")
        self.assertFalse(Event.objects.filter(type="user.roles_changed").exists())

    def test_an_export(self):
        response = self.web(self.owner).get(reverse("equipment:export"), {"category": "3110"}, REMOTE_ADDR=ADDRESS)
        self.assertEqual(response.status_code, 200)
        event = self.latest("export.equipment")
        self.assert_complete(event, event_type="export.equipment", outcome="success", actor=self.owner)
        self.assertEqual(event.data["filters"], {"category": "3110"})
        self.assertEqual(event.data["rows"], 1)
        self.assertEqual(event.organization, self.unit_a)


class AuditPageFilterTests(CastTestCase):
    """The cast's own events (made without a request) carry no source address; these two do."""

    def setUp(self):
        self.web(self.member).get(reverse("core:audit"), REMOTE_ADDR=ADDRESS)  # auth.denied, failure
        self.web(self.owner).get(reverse("equipment:export"), REMOTE_ADDR="198.51.100.2")  # export, success

    def listed_types(self, **filters) -> list[str]:
        response = self.web(self.audit_admin).get(reverse("core:audit"), filters)
        self.assertEqual(response.status_code, 200)
        return [event.type for event in response.context["events"]]

    def test_filters_by_type_outcome_actor_and_source_address(self):
        self.assertEqual(self.listed_types(type="auth.denied"), ["auth.denied"])
        self.assertEqual(self.listed_types(type="export."), ["export.equipment"])
        self.assertEqual(self.listed_types(outcome="failure"), ["auth.denied"])
        self.assertIn("export.equipment", self.listed_types(outcome="success"))
        self.assertNotIn("auth.denied", self.listed_types(outcome="success"))
        self.assertEqual(self.listed_types(actor="member"), ["auth.denied"])
        self.assertEqual(self.listed_types(source_ip=ADDRESS), ["auth.denied"])
        self.assertEqual(self.listed_types(source_ip="198.51.100.2"), ["export.equipment"])
        self.assertEqual(self.listed_types(source_ip="198.51.100.2", outcome="failure"), [])

    def test_the_page_shows_the_columns_and_keeps_the_filters_across_pages(self):
        response = self.web(self.audit_admin).get(reverse("core:audit"), {"outcome": "failure", "source_ip": ADDRESS})
        for text in (ADDRESS, "member", "auth.denied", "您的角色不能查阅操作记录。", "请求编号", "失败"):
            self.assertContains(response, text)
        form = response.context["form"]
        self.assertIn("outcome=failure", form.query(before=5))
        self.assertIn(f"source_ip={ADDRESS}", form.query(before=5))

    def test_a_malformed_address_lists_nothing(self):
        self.assertEqual(self.listed_types(source_ip="not-an-address"), [])
