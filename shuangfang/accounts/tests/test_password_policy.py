"""Password policy: complexity, history and expiry (GB/T 22239-2019 §8.1.4.1 a), and what a change ends."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.utils import timezone

from shuangfang.accounts.models import ApiToken, PasswordHistory, User
from shuangfang.accounts.services import do_change_own_password, do_update_user
from shuangfang.core.models import Event
from shuangfang.core.testing import PASSWORD, CastTestCase

CHANGE = "/accounts/password/"
SECOND, THIRD = "Fenhe-River-2027!", "Taihang-Ridge-2028?"


class PasswordHistoryTests(CastTestCase):
    def test_a_new_user_has_the_date_and_one_history_row(self):
        self.assertIsNotNone(self.owner.password_changed_at)
        self.assertEqual(PasswordHistory.objects.filter(user=self.owner).count(), 1)

    def test_the_current_and_recent_passwords_cannot_be_reused(self):
        with self.assertRaises(ValidationError) as refused:
            do_change_own_password(self.owner, current=PASSWORD, new=PASSWORD)
        self.assertIn("最近 5 次", str(refused.exception))
        do_change_own_password(self.owner, current=PASSWORD, new=SECOND)
        self.owner.refresh_from_db()
        do_change_own_password(self.owner, current=SECOND, new=THIRD)
        self.owner.refresh_from_db()
        with self.assertRaises(ValidationError):
            do_change_own_password(self.owner, current=THIRD, new=PASSWORD)
        self.assertTrue(self.owner.check_password(THIRD))

    @override_settings(PASSWORD_HISTORY_COUNT=2)
    def test_history_keeps_the_configured_number(self):
        current = PASSWORD
        for n in range(4):
            new = f"Qinling-{n}-Mountain!"
            do_change_own_password(self.owner, current=current, new=new)
            self.owner.refresh_from_db()
            current = new
        self.assertEqual(PasswordHistory.objects.filter(user=self.owner).count(), 2)
        # The password of three changes ago has left the history and may be used again.
        do_change_own_password(self.owner, current=current, new="Qinling-1-Mountain!")

    def test_an_administrator_reset_checks_the_history_too(self):
        with self.assertRaises(ValidationError):
            do_update_user(
                actor=self.unit_admin,
                user=self.owner,
                changes={"password": PASSWORD},
                expected_version=self.owner.version,
            )

    def test_wrong_current_password_changes_nothing(self):
        with self.assertRaises(ValidationError):
            do_change_own_password(self.owner, current="wrong", new=SECOND)
        self.owner.refresh_from_db()
        self.assertTrue(self.owner.check_password(PASSWORD))
        self.assertTrue(Event.objects.filter(type="auth.password_change_failed", actor=self.owner).exists())


class ChangeEndsSessionsTests(CastTestCase):
    def test_changing_the_password_ends_other_sessions_and_tokens_but_keeps_this_one(self):
        here, elsewhere = Client(), Client()
        for client in (here, elsewhere):
            client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
        ApiToken.issue(self.owner, timedelta(hours=1))
        response = here.post(CHANGE, {"current_password": PASSWORD, "new_password": SECOND, "confirm_password": SECOND})
        self.assertRedirects(response, "/accounts/security/", fetch_redirect_response=False)
        self.assertEqual(here.get("/equipment/").status_code, 200)
        self.assertRedirects(
            elsewhere.get("/equipment/"), "/accounts/login/?next=/equipment/", fetch_redirect_response=False
        )
        self.assertFalse(ApiToken.objects.filter(user=self.owner).exists())
        self.assertTrue(Event.objects.filter(type="auth.password_changed", actor=self.owner).exists())

    def test_mismatched_confirmation_is_refused(self):
        client = self.web(self.owner)
        response = client.post(
            CHANGE, {"current_password": PASSWORD, "new_password": SECOND, "confirm_password": THIRD}
        )
        self.assertEqual(response.status_code, 400)
        self.owner.refresh_from_db()
        self.assertTrue(self.owner.check_password(PASSWORD))

    def test_disabling_a_user_ends_their_sessions(self):
        client = Client()
        client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
        self.assertEqual(client.get("/equipment/").status_code, 200)
        do_update_user(
            actor=self.unit_admin, user=self.owner, changes={"is_active": False}, expected_version=self.owner.version
        )
        response = client.get("/equipment/")
        self.assertRedirects(response, "/accounts/login/?next=/equipment/", fetch_redirect_response=False)


class ExpiryTests(CastTestCase):
    def age_password(self, days: int) -> None:
        User.objects.filter(pk=self.owner.pk).update(password_changed_at=timezone.now() - timedelta(days=days))

    def test_an_expired_password_must_be_changed_first(self):
        client = Client()
        client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
        self.assertEqual(client.get("/equipment/").status_code, 200)
        self.age_password(settings.PASSWORD_MAX_AGE_DAYS + 1)
        self.assertRedirects(client.get("/equipment/"), CHANGE, fetch_redirect_response=False)
        self.assertEqual(client.get(CHANGE).status_code, 200)
        token = client.post(
            "/api/v1/auth/token/", {"username": "owner", "password": PASSWORD}, content_type="application/json"
        )
        self.assertEqual(token.status_code, 403)
        client.post(CHANGE, {"current_password": PASSWORD, "new_password": SECOND, "confirm_password": SECOND})
        self.assertEqual(client.get("/equipment/").status_code, 200)

    @override_settings(PASSWORD_MAX_AGE_DAYS=0)
    def test_expiry_can_be_turned_off(self):
        client = self.web(self.owner)
        self.age_password(3650)
        self.assertEqual(client.get("/equipment/").status_code, 200)
        self.assertIn(SESSION_KEY, client.session)


class InitialPasswordTests(CastTestCase):
    """A password an administrator chose (a new account's, or a reset) is changed by its holder at the first sign-in
    (ASVS 6.4.1; 等保 2.0 §8.1.4.1 a)."""

    def test_a_new_account_changes_its_initial_password_first(self):
        from shuangfang.accounts.services import do_create_user

        created = do_create_user(
            actor=self.unit_admin, username="newcomer", password=SECOND, organization=self.unit_a, roles=["operator"]
        )
        self.assertIsNone(User.objects.get(pk=created.pk).password_changed_at)
        client = Client()
        client.post("/accounts/login/", {"username": "newcomer", "password": SECOND})
        response = client.get("/equipment/")
        self.assertRedirects(response, CHANGE, fetch_redirect_response=False)
        page = client.get(CHANGE)
        self.assertContains(page, "管理员为您设置的密码")
        client.post(CHANGE, {"current_password": SECOND, "new_password": THIRD, "confirm_password": THIRD})
        self.assertEqual(client.get("/equipment/").status_code, 200)
        self.assertIsNotNone(User.objects.get(pk=created.pk).password_changed_at)

    def test_a_reset_by_an_administrator_is_changed_first_and_ones_own_change_is_not(self):
        do_update_user(
            actor=self.unit_admin, user=self.owner, changes={"password": SECOND}, expected_version=self.owner.version
        )
        self.owner.refresh_from_db()
        self.assertIsNone(self.owner.password_changed_at)
        do_change_own_password(self.owner, current=SECOND, new=THIRD)
        self.owner.refresh_from_db()
        self.assertIsNotNone(self.owner.password_changed_at)

    def test_accounts_made_at_set_up_are_not_forced(self):
        # The cast is made with actor=None, as the demo and createsuperuser make theirs.
        client = Client()
        client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
        self.assertEqual(client.get("/equipment/").status_code, 200)
