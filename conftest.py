import pytest
from django.conf import settings


def pytest_configure(config):
    # Argon2 is the production hasher; tests use a fast one so that building users costs nothing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.HUEY["immediate"] = True


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
