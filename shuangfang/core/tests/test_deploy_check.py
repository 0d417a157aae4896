"""The production configuration: Django's deployment checklist passes with no warning, the API's description is
not public, and the event log's retention cannot be set below the legal minimum (docs/deployment.md)."""

import ast
import importlib
import importlib.util
import inspect
import json
import os
import secrets
import subprocess
import sys
import tempfile
from unittest import mock

from django.apps import apps
from django.core.management import get_commands
from django.test import SimpleTestCase, override_settings

from shuangfang.core.checks import event_retention_check
from shuangfang.core.testing import CastTestCase

# Variables of the development environment that would change what the production run sees.
DEPLOYMENT_VARIABLES = (
    "DEBUG",
    "HTTPS",
    "SECURE_COOKIES",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "EVENT_SEAL_KEY",
    "PII_ENCRYPTION_KEY",
    "EVENT_RETENTION_DAYS",
    "API_DOCS_PUBLIC",
    "HSTS_PRELOAD",
    "TRUSTED_PROXIES",
)


def production_environment(**overrides) -> dict:
    environment = {name: value for name, value in os.environ.items() if name not in DEPLOYMENT_VARIABLES}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.update(
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.gov.cn",
        EVENT_SEAL_KEY=secrets.token_hex(32),
        PII_ENCRYPTION_KEY=secrets.token_hex(16),
    )
    environment.update(overrides)
    return environment


def shuangfang(*args: str, **overrides) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as var_dir:
        return subprocess.run(
            [sys.executable, "-m", "shuangfang", *args],
            env=production_environment(SHUANGFANG_VAR_DIR=var_dir, **overrides),
            capture_output=True,
            text=True,
            timeout=300,
        )


class DeployCheckTests(SimpleTestCase):
    def test_the_deployment_checklist_passes_without_a_warning(self):
        result = shuangfang("check", "--deploy", "--fail-level", "WARNING")
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        self.assertIn("no issues", result.stdout)

    def test_the_checklist_fails_without_https(self):
        # The same run proves the check can fail: the HTTPS-only settings are what it is about.
        result = shuangfang("check", "--deploy", "--fail-level", "WARNING", HTTPS="0")
        self.assertNotEqual(result.returncode, 0)
        for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
            self.assertIn(check, result.stderr)

    def test_production_settings(self):
        script = (
            "import json; from django.conf import settings as s; print(json.dumps({"
            "'docs': s.API_DOCS_PUBLIC, 'session': s.SESSION_COOKIE_NAME, 'secure': s.SESSION_COOKIE_SECURE, "
            "'csrf_secure': s.CSRF_COOKIE_SECURE, 'preload': s.SECURE_HSTS_PRELOAD, 'hsts': s.SECURE_HSTS_SECONDS, "
            "'redirect': s.SECURE_SSL_REDIRECT, 'csrf_view': s.CSRF_FAILURE_VIEW}))"
        )
        result = shuangfang("shell", "-c", script)
        self.assertEqual(result.returncode, 0, result.stderr)
        values = json.loads(result.stdout.strip().splitlines()[-1])
        self.assertEqual(
            values,
            {
                "docs": False,
                "session": "__Host-sessionid",
                "secure": True,
                "csrf_secure": True,
                "preload": True,
                "hsts": 31536000,
                "redirect": True,
                "csrf_view": "shuangfang.core.audit.csrf_failure",
            },
        )

    def test_a_retention_below_six_months_stops_the_platform(self):
        result = shuangfang("check", EVENT_RETENTION_DAYS="90")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("shuangfang.E002", result.stderr)


class RetentionTests(SimpleTestCase):
    def errors_with(self, value: str | None) -> list[str]:
        environment = {name: v for name, v in os.environ.items() if name != "EVENT_RETENTION_DAYS"}
        if value is not None:
            environment["EVENT_RETENTION_DAYS"] = value
        with mock.patch.dict(os.environ, environment, clear=True):
            return [error.id for error in event_retention_check(None)]

    def test_the_legal_minimum_is_checked(self):
        self.assertEqual(self.errors_with(None), [])
        self.assertEqual(self.errors_with("180"), [])
        self.assertEqual(self.errors_with("3650"), [])
        self.assertEqual(self.errors_with("179"), ["shuangfang.E002"])
        self.assertEqual(self.errors_with("half a year"), ["shuangfang.E001"])

    def test_no_command_or_scheduled_job_deletes_events(self):
        """Nothing the platform runs by itself or by command purges the log: retention means keeping."""
        modules = {
            importlib.import_module(f"{app}.management.commands.{name}")
            for name, app in get_commands().items()
            if app.startswith("shuangfang.")
        }
        for app in apps.get_app_configs():
            if app.name.startswith("shuangfang.") and importlib.util.find_spec(f"{app.name}.tasks"):
                modules.add(importlib.import_module(f"{app.name}.tasks"))
        self.assertGreater(len(modules), 5)
        for module in modules:
            with self.subTest(module.__name__):
                tree = ast.parse(inspect.getsource(module))
                for node in ast.walk(tree):
                    if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "delete":
                        self.assertNotIn("Event", ast.unparse(node.func.value))
                    if isinstance(node, ast.Constant) and isinstance(node.value, str):
                        text = node.value.upper()
                        self.assertFalse("CORE_EVENT" in text and ("DELETE" in text or "TRUNCATE" in text))


class ApiDocsTests(CastTestCase):
    @override_settings(API_DOCS_PUBLIC=False)
    def test_without_public_docs_an_anonymous_visitor_is_sent_to_sign_in(self):
        response = self.web(None).get("/api/docs/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/login/?next=/api/docs/"))
        self.assertEqual(self.api(None).get("/api/schema/").status_code, 401)

    @override_settings(API_DOCS_PUBLIC=False)
    def test_without_public_docs_a_signed_in_user_or_a_token_reads_them(self):
        self.assertEqual(self.web(self.owner).get("/api/docs/").status_code, 200)
        self.assertEqual(self.web(self.owner).get("/api/schema/").status_code, 200)
        self.assertEqual(self.api(self.owner).get("/api/schema/").status_code, 200)

    @override_settings(API_DOCS_PUBLIC=True)
    def test_public_docs_are_open_to_anyone(self):
        self.assertEqual(self.web(None).get("/api/docs/").status_code, 200)
        self.assertEqual(self.api(None).get("/api/schema/").status_code, 200)
