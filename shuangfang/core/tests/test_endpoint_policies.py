"""Every URL pattern of the platform has a declared access rule, and the rule holds for an anonymous caller.

The patterns are walked from the root resolver, so a page or API route added anywhere (an app's urls, the API
router, the public pages) is checked the moment it exists: with no rule (core.access) the first test names it, and
an anonymous request to anything not public must be sent to the login page (web) or refused with 401 (API).
GB/T 22239-2019 §8.1.4.2 (访问控制); ASVS 5.0 V8.2.1.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import resolve_url
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.test import APIClient

from shuangfang.core.access import PUBLIC, declared_access

MISSING_PK = 987654321

# The patterns open to anonymous visitors, reviewed one by one: a new `public` mark fails the test until it is
# added here, so that opening a page to the world is always a decision someone read.
EXPECTED_PUBLIC = {
    "accounts:login",
    "accounts:logout",
    # The equipment's QR page and the public hazard report (随手拍) behind it.
    "public:equipment",
    "public:report",
    "public:report-done",
    # The published lists (一公开): blacklist, demonstration enterprises, random inspection plans, orders.
    "public:blacklist",
    "public:demonstration",
    "public:random-plans",
    "public:random-plan",
    "public:orders",
    "api-token",
    "api-public-blacklist",
    "api-public-orders",
    "api-public-demonstration-enterprises",
    # The API's description and its Swagger UI page (the data behind them still needs a signed-in caller).
    "api-schema",
    "api-docs",
    "set_language",
    "favicon.ico",
    # The API's answer to a path naming no resource: the same 404 to everyone, no data behind it.
    "api-not-found",
}


@dataclass(frozen=True)
class Pattern:
    # The namespaced URL name, or the route itself for an unnamed pattern.
    key: str
    route: str
    callback: object
    # (regex or route piece, is_regex) from the root down.
    pieces: tuple[tuple[str, bool], ...]

    @property
    def is_api(self) -> bool:
        # The API answers 401; its Swagger UI page (api/docs/) is a page like any other.
        return self.route.startswith(("api/v1/", "api/schema/"))

    def path(self, value_for) -> str:
        """A concrete path, each converter or named group replaced by value_for(key, name, kind)."""
        parts = []
        for piece, is_regex in self.pieces:
            if is_regex:
                text = piece.removeprefix("^").removesuffix("$").replace("/?", "")
                text = re.sub(r"\(\?P<(\w+)>([^)]*)\)", lambda m: str(value_for(self.key, m[1], "regex:" + m[2])), text)
                text = text.replace("\\.", ".")
            else:
                text = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: str(value_for(self.key, m[2], m[1] or "str")), piece)
            parts.append(text)
        return "/" + "".join(parts)


def url_patterns(patterns=None, pieces=(), namespace="") -> list[Pattern]:
    """Every URLPattern under the root resolver, with its namespaced key."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        piece = (str(entry.pattern), entry.pattern.__class__.__name__ == "RegexPattern")
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace and namespace else entry.namespace or namespace
            found += url_patterns(entry.url_patterns, (*pieces, piece), inner)
        elif isinstance(entry, URLPattern):
            all_pieces = (*pieces, piece)
            route = "".join(text for text, _ in all_pieces)
            key = (f"{namespace}:{entry.name}" if namespace else entry.name) if entry.name else route
            found.append(Pattern(key, route, entry.callback, all_pieces))
    return found


def missing_value(key, name, kind):
    """A value of the right shape that names nothing: an anonymous caller must be refused before any lookup."""
    if name == "format" or kind == "drf_format_suffix":
        return "json" if kind.startswith("regex") else ".json"
    if kind == "int" or kind.startswith("regex"):
        return MISSING_PK
    return "missing-token"


class EndpointPolicyTests(TestCase):
    def test_every_pattern_declares_its_access_rule(self):
        patterns = url_patterns()
        # The walk must reach the whole tree: the home page, an app page, the API router, the public pages.
        keys = {pattern.key for pattern in patterns}
        for key in ("home", "core:audit", "equipment:detail", "equipment-detail", "public:equipment", "api-root"):
            self.assertIn(key, keys)
        undeclared = []
        for pattern in patterns:
            rule, why = declared_access(pattern.callback)
            if rule is None:
                undeclared.append(f"{pattern.route} ({pattern.key}): {why}")
        self.assertEqual(undeclared, [], "URL patterns with no declared access rule (see shuangfang/core/access.py)")

    def test_public_patterns_are_the_reviewed_ones(self):
        public = {pattern.key for pattern in url_patterns() if declared_access(pattern.callback)[0] == PUBLIC}
        self.assertEqual(public - EXPECTED_PUBLIC, set(), "patterns newly open to anonymous visitors: review them")
        self.assertEqual(EXPECTED_PUBLIC - public, set(), "reviewed public patterns that are no longer public")

    def test_the_builder_reaches_each_pattern(self):
        for pattern in url_patterns():
            path = pattern.path(missing_value)
            with self.subTest(route=pattern.route, path=path):
                match = resolve(path)
                self.assertEqual(match.func, pattern.callback)

    def test_anonymous_is_sent_to_login_or_refused_on_every_non_public_pattern(self):
        login_url = resolve_url(settings.LOGIN_URL)
        web, api = self.client_class(), APIClient()
        checked = 0
        for pattern in url_patterns():
            if declared_access(pattern.callback)[0] == PUBLIC:
                continue
            path = pattern.path(missing_value)
            for method in ("get", "post", "patch", "put", "delete"):
                with self.subTest(path=path, method=method):
                    if pattern.is_api:
                        response = getattr(api, method)(path, {}, format="json")
                        self.assertEqual(response.status_code, 401, response.content[:200])
                        self.assertTrue(response.has_header("WWW-Authenticate"))
                    else:
                        response = getattr(web, method)(path)
                        self.assertEqual(response.status_code, 302, f"{pattern.key}: {response.status_code}")
                        self.assertTrue(response["Location"].startswith(login_url + "?"), response["Location"])
                    checked += 1
        self.assertGreater(checked, 1000)

    def test_login_required_and_public_record_their_rule(self):
        from shuangfang.core.access import login_required, public

        def page(request):
            raise AssertionError("not reached by an anonymous caller")

        guarded = login_required(page)
        self.assertEqual(declared_access(guarded), ("authenticated", ""))
        open_page = public(lambda request: None)
        self.assertEqual(declared_access(open_page)[0], PUBLIC)
        self.assertIs(open_page.login_required, False)
        self.assertIsNone(declared_access(lambda request: None)[0])
