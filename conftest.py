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


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
