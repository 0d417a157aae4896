"""三权分立: the system, security and audit administrators are three people with three disjoint powers
(GB/T 22239-2019 §8.1.4.2 c, §8.1.5.1–8.1.5.3; ASVS 5.0 V8.2).

- the system administrator manages users but reads no audit record and has no way to delete one;
- the audit administrator reads the log and does nothing else: no user, no role, no business write;
- the security administrator unlocks accounts and does nothing else: no business write, no audit record;
- no account holds two of the three roles, whichever face (service, API, web form) tries.
"""

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import PLATFORM_ROLES, Role
from shuangfang.accounts.services import do_create_user, do_update_user
from shuangfang.core.models import Event
from shuangfang.core.testing import PASSWORD, CastTestCase, make_user
from shuangfang.core.tests.test_endpoint_policies import missing_value, url_patterns
from shuangfang.core.tests.test_role_matrix import WRITE_EXPECTED, attempt, business_writes, expand
from shuangfang.core.tests.test_scope_matrix import UnitAObjectsMixin

PLATFORM_PAIRS = [
    (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN),
    (Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN),
    (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN),
]


class SeparationOfDutiesTests(UnitAObjectsMixin, CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.safety_director = make_user("safety_director", cls.unit_a, "safety_director")

    # -- the audit records ----------------------------------------------------------------------------------------

    def test_system_and_security_administrators_read_no_audit_record(self):
        self.assertGreater(Event.objects.count(), 10)
        for admin in (self.system_admin, self.security_admin):
            with self.subTest(admin=admin.username):
                self.assertEqual(self.web(admin).get(reverse("core:audit")).status_code, 403)
                response = self.api(admin).get("/api/v1/events/", {"after": 0, "limit": 5000})
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.json()["results"], [])
                self.assertEqual(Event.objects.visible_to(admin).count(), 0)

    def test_the_audit_administrator_reads_the_whole_log(self):
        page = self.web(self.audit_admin).get(reverse("core:audit"))
        self.assertEqual(page.status_code, 200)
        self.assertTrue(page.context["events"])
        feed = self.api(self.audit_admin).get("/api/v1/events/", {"after": 0, "limit": 5000}).json()
        self.assertEqual(len(feed["results"]), Event.objects.count())

    def test_no_endpoint_deletes_or_changes_an_event(self):
        log = dict(Event.objects.values_list("seq", "digest"))
        seq = max(log)
        for admin in (self.system_admin, self.security_admin, self.audit_admin):
            client = self.api(admin)
            with self.subTest(admin=admin.username):
                for method in ("delete", "put", "patch", "post"):
                    self.assertEqual(getattr(client, method)("/api/v1/events/", {}, format="json").status_code, 405)
                    # There is no route to one event at all.
                    self.assertEqual(getattr(client, method)(f"/api/v1/events/{seq}/").status_code, 404)
        for admin in (self.system_admin, self.security_admin):
            for method in ("get", "post", "delete", "put", "patch"):
                with self.subTest(admin=admin.username, method=method):
                    self.assertEqual(getattr(self.web(admin), method)(reverse("core:audit")).status_code, 403)
        # Every route of the platform asked to DELETE (the API by each administrator, the pages by the system
        # administrator): no API route answers with success, and whatever a page does, the log keeps every row.
        admins = (self.system_admin, self.security_admin, self.audit_admin)
        api_clients = {admin: self.api(admin) for admin in admins}
        web_client = self.web(self.system_admin)
        for pattern in url_patterns():
            path = pattern.path(missing_value)
            if not pattern.is_api:
                web_client.delete(path)
                continue
            for admin in admins:
                with self.subTest(path=path, admin=admin.username):
                    self.assertGreaterEqual(api_clients[admin].delete(path).status_code, 300)
        after = dict(Event.objects.filter(seq__lte=seq).values_list("seq", "digest"))
        self.assertEqual(after, log, "an event was deleted or changed")

    # -- the audit administrator ----------------------------------------------------------------------------------

    def test_the_audit_administrator_creates_and_changes_no_user(self):
        client, web = self.api(self.audit_admin), self.web(self.audit_admin)
        users = User.objects.count()
        member = User.objects.get(pk=self.member.pk)
        body = {"organization": self.unit_a.pk, "username": "by_auditor", "roles": ["operator"], "password": PASSWORD}
        self.assertEqual(client.post("/api/v1/users/", body, format="json").status_code, 403)
        platform_body = {"username": "another_admin", "roles": ["system_admin"], "password": PASSWORD}
        self.assertEqual(client.post("/api/v1/users/", platform_body, format="json").status_code, 403)
        patch = {"roles": ["safety_officer"], "version": member.version}
        self.assertEqual(client.patch(f"/api/v1/users/{member.pk}/", patch, format="json").status_code, 403)
        own = {"roles": ["system_admin"], "version": self.audit_admin.version}
        self.assertEqual(client.patch(f"/api/v1/users/{self.audit_admin.pk}/", own, format="json").status_code, 403)
        self.assertEqual(web.get(reverse("accounts:user-create")).status_code, 403)
        form = {"username": "by_auditor", "roles": ["operator"], "password": PASSWORD}
        self.assertEqual(web.post(reverse("accounts:user-create"), form).status_code, 403)
        change = {"roles": ["safety_officer"], "version": member.version, "is_active": "on"}
        self.assertEqual(web.post(reverse("accounts:user-detail", args=[member.pk]), change).status_code, 403)
        self.assertEqual(User.objects.count(), users)
        member.refresh_from_db()
        self.assertEqual((member.roles, member.version), (["operator"], self.member.version))
        self.audit_admin.refresh_from_db()
        self.assertEqual(self.audit_admin.roles, ["audit_admin"])

    def test_platform_administrators_write_no_business_record(self):
        writes = business_writes(self)
        self.assertGreaterEqual(len(writes), 10)
        for write in writes:
            # The body is good: the role the write is meant for gets it accepted (then rolled back).
            meant_for = [role for role, status in expand(WRITE_EXPECTED[write.label]).items() if status < 300]
            self.assertTrue(meant_for, write.label)
            response, changed = attempt(self, self.api(getattr(self, meant_for[0])), write)
            self.assertLess(response.status_code, 300, (write.label, response.content[:300]))
            self.assertTrue(changed)
            admins = [self.security_admin, self.audit_admin]
            if not write.label.startswith(("user ", "organization ")):
                # The system administrator manages users and organizations, nothing of a unit's business.
                admins.append(self.system_admin)
            for admin in admins:
                with self.subTest(write=write.label, admin=admin.username):
                    response, changed = attempt(self, self.api(admin), write)
                    self.assertIn(response.status_code, (403, 404), response.content[:300])
                    self.assertFalse(changed)

    # -- the security administrator -------------------------------------------------------------------------------

    def lock(self, username):
        return AccessAttempt.objects.create(
            username=username,
            ip_address="10.0.0.9",
            user_agent="test",
            http_accept="*/*",
            path_info="/accounts/login/",
            failures_since_start=settings.AXES_FAILURE_LIMIT,
            attempt_time=timezone.now(),
        )

    def test_the_security_administrator_unlocks_accounts_and_no_one_else_does(self):
        url = reverse("accounts:security-admin")
        self.lock("owner")
        for other in (self.system_admin, self.audit_admin, self.unit_admin, self.county_admin):
            with self.subTest(user=other.username):
                response = self.web(other).post(url, {"action": "unlock", "username": "owner"})
                self.assertEqual(response.status_code, 403)
                self.assertTrue(AccessAttempt.objects.filter(username="owner").exists())
        page = self.web(self.security_admin).get(url)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "owner")
        response = self.web(self.security_admin).post(url, {"action": "unlock", "username": "owner"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(AccessAttempt.objects.filter(username="owner").exists())
        self.assertEqual(Event.objects.latest("seq").type, "auth.unlocked")

    def test_the_security_administrator_manages_no_user(self):
        client = self.api(self.security_admin)
        body = {"organization": self.unit_a.pk, "username": "by_security", "roles": ["operator"], "password": PASSWORD}
        self.assertEqual(client.post("/api/v1/users/", body, format="json").status_code, 403)
        patch = {"roles": ["safety_officer"], "version": self.member.version}
        self.assertEqual(client.patch(f"/api/v1/users/{self.member.pk}/", patch, format="json").status_code, 403)
        self.assertFalse(User.objects.filter(username="by_security").exists())
        self.assertEqual(User.objects.get(pk=self.member.pk).roles, ["operator"])

    # -- no one holds two of the three roles ----------------------------------------------------------------------

    def test_the_service_refuses_two_platform_roles_or_a_platform_role_with_another(self):
        for pair in [*PLATFORM_PAIRS, (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)]:
            with self.subTest(roles=pair), self.assertRaises(ValidationError) as refused:
                do_create_user(
                    actor=self.system_admin, username="two_hats", password=PASSWORD, organization=None, roles=list(pair)
                )
            self.assertIn("roles", refused.exception.message_dict)
        for platform in PLATFORM_ROLES:
            with self.subTest(roles=(platform, "org_admin")), self.assertRaises(ValidationError):
                do_create_user(
                    actor=self.system_admin,
                    username="two_hats",
                    password=PASSWORD,
                    organization=self.unit_a,
                    roles=[platform, "org_admin"],
                )
        self.assertFalse(User.objects.filter(username="two_hats").exists())
        for admin, second in (
            (self.security_admin, "audit_admin"),
            (self.audit_admin, "system_admin"),
            (self.system_admin, "security_admin"),
        ):
            with self.subTest(user=admin.username, add=second), self.assertRaises(ValidationError):
                do_update_user(
                    actor=self.system_admin,
                    user=admin,
                    changes={"roles": [*admin.roles, second]},
                    expected_version=admin.version,
                )
            admin.refresh_from_db()
            self.assertEqual(len(admin.roles), 1)

    def test_the_api_refuses_two_platform_roles(self):
        client = self.api(self.system_admin)
        users = User.objects.count()
        for pair in PLATFORM_PAIRS:
            with self.subTest(roles=pair):
                body = {"username": "two_hats", "roles": list(pair), "password": PASSWORD}
                response = client.post("/api/v1/users/", body, format="json")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn("roles", response.json())
                target = self.security_admin if Role.SECURITY_ADMIN in pair else self.audit_admin
                target.refresh_from_db()
                patch = {"roles": list(pair), "version": target.version}
                response = client.patch(f"/api/v1/users/{target.pk}/", patch, format="json")
                self.assertEqual(response.status_code, 400, response.content)
                target.refresh_from_db()
                self.assertEqual(len(target.roles), 1)
        self.assertEqual(User.objects.count(), users)

    def test_the_web_form_refuses_two_platform_roles(self):
        web = self.web(self.system_admin)
        users = User.objects.count()
        for pair in PLATFORM_PAIRS:
            with self.subTest(roles=pair):
                form = {"username": "two_hats", "roles": list(pair), "password": PASSWORD}
                self.assertEqual(web.post(reverse("accounts:user-create"), form).status_code, 400)
                target = self.security_admin if Role.SECURITY_ADMIN in pair else self.audit_admin
                target.refresh_from_db()
                change = {"roles": list(pair), "version": target.version, "is_active": "on"}
                response = web.post(reverse("accounts:user-detail", args=[target.pk]), change)
                self.assertEqual(response.status_code, 400)
                target.refresh_from_db()
                self.assertEqual(len(target.roles), 1)
        self.assertEqual(User.objects.count(), users)

    def test_no_account_in_the_cast_holds_two_platform_roles(self):
        for user in User.objects.all():
            platform = set(user.roles) & PLATFORM_ROLES
            with self.subTest(user=user.username):
                self.assertTrue(not platform or len(user.roles) == 1)
