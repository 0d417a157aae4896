import pytest
from django.conf import settings


def pytest_configure(config):
    # Argon2 is the production hasher; tests use a fast one so that building users costs nothing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The Huey instance exists once Django's apps are loaded, before this hook: switch it to immediate mode (tasks
    # run in the calling thread on in-memory storage), so that no test ever queues into var/huey.sqlite3.
    from huey.contrib.djhuey import HUEY

    settings.HUEY["immediate"] = True
    HUEY.immediate = True
    _force_login_passes_second_factor()


def _force_login_passes_second_factor():
    """`client.force_login` skips authentication altogether, so a session it makes has passed the second factor
    too.  Signing in through the login page still asks for it: shuangfang/accounts/tests/test_two_factor.py."""
    from django.test.client import ClientMixin

    from shuangfang.accounts.middleware import TWO_FACTOR_VERIFIED

    login = ClientMixin._login

    def login_with_second_factor(self, user, backend=None):
        login(self, user, backend)
        session = self.session
        session[TWO_FACTOR_VERIFIED] = True
        session.save()

    ClientMixin._login = login_with_second_factor


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language.  LocaleMiddleware activates a request's language for the thread and
    leaves it active after the response, so a test that calls code directly after another test's English request
    would otherwise read English messages."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
