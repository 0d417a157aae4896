"""Managing users through the API: own organization only, roles that fit, 三权分立, scope, versions."""

from shuangfang.accounts.models import User
from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase

USERS = "/api/v1/users/"
GOOD_PASSWORD = "Kx7#mPq2vLw"


class CreateUserTests(CastTestCase):
    def create(self, actor, **body):
        body.setdefault("password", GOOD_PASSWORD)
        return self.api(actor).post(USERS, body, format="json")

    def test_org_admin_creates_a_user_in_its_own_organization(self):
        before = Event.objects.count()
        response = self.create(
            self.unit_admin, username="li_si", organization=self.unit_a.pk, roles=["operator"], full_name="李四"
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["organization"], self.unit_a.pk)
        self.assertEqual(body["roles"], ["operator"])
        self.assertEqual(body["version"], 1)
        self.assertNotIn("password", body)
        created = User.objects.get(username="li_si")
        self.assertTrue(created.check_password(GOOD_PASSWORD))
        self.assertEqual(Event.objects.count(), before + 1)
        event = Event.objects.latest("seq")
        self.assertEqual(event.type, "user.created")
        self.assertEqual(event.actor, self.unit_admin)
        self.assertEqual(event.organization, self.unit_a)

    def test_other_organization_in_the_body_is_not_found(self):
        response = self.create(self.unit_admin, username="li_si", organization=self.unit_c.pk, roles=["operator"])
        self.assertEqual(response.status_code, 404, response.content)
        self.assertFalse(User.objects.filter(username="li_si").exists())

    def test_a_visible_public_body_is_not_the_admins_to_staff(self):
        # A unit may see its regulator, but may not put people in it: visible, so 403 (or 400 for roles).
        response = self.create(self.unit_admin, username="li_si", organization=self.county.pk, roles=["inspector"])
        self.assertEqual(response.status_code, 403, response.content)
        self.assertFalse(User.objects.filter(username="li_si").exists())

    def test_roles_must_fit_the_organization_kind(self):
        response = self.create(self.unit_admin, username="li_si", organization=self.unit_a.pk, roles=["inspector"])
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("roles", response.json())
        response = self.create(self.county_admin, username="wang_wu", organization=self.county.pk, roles=["operator"])
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("roles", response.json())

    def test_unknown_role_is_400(self):
        response = self.create(self.unit_admin, username="li_si", organization=self.unit_a.pk, roles=["emperor"])
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("roles", response.json())

    def test_platform_role_with_another_role_is_400(self):
        response = self.create(self.system_admin, username="admin2", roles=["system_admin", "audit_admin"])
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("三者互斥", response.json()["roles"][0])
        response = self.create(self.system_admin, username="admin3", roles=["audit_admin", "operator"])
        self.assertEqual(response.status_code, 400, response.content)
        self.assertFalse(User.objects.filter(username__in=["admin2", "admin3"]).exists())

    def test_only_system_admin_creates_platform_admins(self):
        response = self.create(self.system_admin, username="auditor2", organization=None, roles=["audit_admin"])
        self.assertEqual(response.status_code, 201, response.content)
        self.assertIsNone(response.json()["organization"])
        for actor in (self.unit_admin, self.county_admin, self.security_admin, self.audit_admin):
            with self.subTest(actor=actor.username):
                response = self.create(actor, username="auditor3", organization=None, roles=["audit_admin"])
                self.assertEqual(response.status_code, 403, response.content)
        response = self.create(self.unit_admin, username="auditor4", organization=self.unit_a.pk, roles=["audit_admin"])
        self.assertIn(response.status_code, (400, 403))
        self.assertFalse(User.objects.filter(username__in=["auditor3", "auditor4"]).exists())

    def test_platform_admin_belongs_to_no_organization(self):
        response = self.create(
            self.system_admin, username="auditor2", organization=self.unit_a.pk, roles=["audit_admin"]
        )
        self.assertEqual(response.status_code, 400, response.content)

    def test_regulator_admin_manages_its_own_regulators_users(self):
        response = self.create(self.county_admin, username="jian_cha", organization=self.county.pk, roles=["inspector"])
        self.assertEqual(response.status_code, 201, response.content)
        # Unit A lies in its county and is visible, but its people are the unit's to manage.
        response = self.create(
            self.county_admin, username="unit_person", organization=self.unit_a.pk, roles=["operator"]
        )
        self.assertEqual(response.status_code, 403, response.content)
        # A unit of the sibling county is not even visible.
        response = self.create(
            self.county_admin, username="far_person", organization=self.unit_b.pk, roles=["operator"]
        )
        self.assertEqual(response.status_code, 404, response.content)

    def test_roles_without_user_management_get_403(self):
        for actor in (self.owner, self.member, self.principal, self.county_inspector, self.agency_user):
            with self.subTest(actor=actor.username):
                response = self.create(actor, username="x_user", organization=actor.organization_id, roles=["operator"])
                self.assertIn(response.status_code, (400, 403), response.content)
                self.assertFalse(User.objects.filter(username="x_user").exists())

    def test_duplicate_username_is_400(self):
        response = self.create(self.unit_admin, username="OWNER", organization=self.unit_a.pk, roles=["operator"])
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("username", response.json())

    def test_missing_password_is_400(self):
        response = self.api(self.unit_admin).post(
            USERS, {"username": "li_si", "organization": self.unit_a.pk, "roles": ["operator"]}, format="json"
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("password", response.json())


class ListAndUpdateUserTests(CastTestCase):
    def usernames(self, actor, query=""):
        response = self.api(actor).get(USERS + query)
        self.assertEqual(response.status_code, 200, response.content)
        return {row["username"] for row in response.json()["results"]}

    def test_list_shows_only_visible_users(self):
        unit_a_people = {"owner", "unit_admin", "principal", "member"}
        self.assertEqual(self.usernames(self.owner), unit_a_people)
        self.assertEqual(self.usernames(self.agency_user), {"agency_user"})
        county_people = {"county_inspector", "county_admin"}
        self.assertEqual(self.usernames(self.county_inspector), county_people | unit_a_people | {"other_unit"})
        self.assertEqual(self.usernames(self.sibling_inspector), {"sibling_inspector", "unit_b_user"})
        city = self.usernames(self.city_inspector)
        self.assertTrue(unit_a_people | {"other_unit", "unit_b_user", "city_inspector"} <= city)
        self.assertFalse({"county_inspector", "sibling_inspector", "sysadmin"} & city)
        everyone = set(User.objects.values_list("username", flat=True))
        self.assertEqual(self.usernames(self.system_admin), everyone)

    def test_filter_by_organization_stays_in_scope(self):
        self.assertEqual(self.usernames(self.owner, f"?organization={self.unit_c.pk}"), set())
        self.assertEqual(self.usernames(self.county_inspector, f"?organization={self.unit_c.pk}"), {"other_unit"})

    def test_an_invisible_organization_filters_like_a_missing_one(self):
        invisible = self.api(self.owner).get(f"{USERS}?organization={self.unit_c.pk}")
        missing = self.api(self.owner).get(f"{USERS}?organization=987654")
        self.assertEqual((invisible.status_code, invisible.json()), (missing.status_code, missing.json()))
        self.assertEqual(self.usernames(self.owner, "?is_active=false"), set())

    def test_outsiders_get_404_on_a_user(self):
        url = f"{USERS}{self.member.pk}/"
        self.assertNotFoundForOutsiders("get", url)
        self.assertNotFoundForOutsiders("patch", url, {"full_name": "x", "version": 1})

    def test_update_with_version(self):
        url = f"{USERS}{self.member.pk}/"
        before = Event.objects.count()
        response = self.api(self.unit_admin).patch(url, {"full_name": "作业员甲", "version": 1}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["version"], 2)
        self.assertEqual(Event.objects.count(), before + 1)
        stale = self.api(self.unit_admin).patch(url, {"full_name": "作业员乙", "version": 1}, format="json")
        self.assertEqual(stale.status_code, 409, stale.content)
        self.assertIn("detail", stale.json())
        self.member.refresh_from_db()
        self.assertEqual(self.member.full_name, "作业员甲")
        self.assertEqual(Event.objects.count(), before + 1)

    def test_update_without_version_is_400(self):
        response = self.api(self.unit_admin).patch(f"{USERS}{self.member.pk}/", {"full_name": "x"}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("version", response.json())

    def test_role_change_must_fit_and_may_not_reach_the_platform(self):
        url = f"{USERS}{self.member.pk}/"
        response = self.api(self.unit_admin).patch(url, {"roles": ["inspector"], "version": 1}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        response = self.api(self.unit_admin).patch(url, {"roles": ["system_admin"], "version": 1}, format="json")
        self.assertIn(response.status_code, (400, 403), response.content)
        self.member.refresh_from_db()
        self.assertEqual(self.member.roles, ["operator"])

    def test_a_visible_user_of_another_organization_is_403_to_change(self):
        # The county regulator sees unit A's people but may not manage them.
        response = self.api(self.county_admin).patch(
            f"{USERS}{self.member.pk}/", {"full_name": "x", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 403, response.content)

    def test_username_and_organization_cannot_change(self):
        url = f"{USERS}{self.member.pk}/"
        response = self.api(self.unit_admin).patch(url, {"username": "renamed", "version": 1}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("username", response.json())

    def test_cannot_deactivate_oneself(self):
        response = self.api(self.unit_admin).patch(
            f"{USERS}{self.unit_admin.pk}/", {"is_active": False, "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.unit_admin.refresh_from_db()
        self.assertTrue(self.unit_admin.is_active)

    def test_no_delete(self):
        response = self.api(self.unit_admin).delete(f"{USERS}{self.member.pk}/")
        self.assertEqual(response.status_code, 405)
        self.assertTrue(User.objects.filter(pk=self.member.pk).exists())
