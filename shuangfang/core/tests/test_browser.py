"""The paths that matter, end to end in a real browser: Debian's Chromium driven by Playwright against
a live server (pytest-django's `live_server`, a real HTTP server in a thread).

Each path checks what a unit test cannot: that the pages hang together (forms, redirects, htmx swaps),
that the static files load and the page scripts run under the platform's own strict
Content-Security-Policy (a breach shows up in the console as a refused script or style), and that the
browser console stays free of errors.  The assertions lean on stable things (URLs, field names, CSS
classes, data values, messages taken from the code that produces them) rather than on wording, so that
a changed translation does not break them.

Without /usr/bin/chromium the tests are skipped, unless SHUANGFANG_REQUIRE_BROWSER=1 (set by CI),
which turns the missing browser into a failure.
"""

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone, translation
from playwright.sync_api import Page, Response, expect, sync_playwright

from shuangfang.accounts import totp
from shuangfang.accounts.services import locked_message
from shuangfang.core.models import Event
from shuangfang.core.navigation import menu_for
from shuangfang.core.testing import PASSWORD, make_equipment, make_organization, make_user
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import Equipment
from shuangfang.equipment.validation import CatalogFacts, equipment_field_errors

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QR_SCREENSHOT = Path("/tmp/shuangfang_qr_phone.png")
ZEZHOU, YANGCHENG = "140525", "140522"
TIMEOUT_MS = 10_000

# Each test starts from the reference data the migrations load (regions, the equipment catalog):
# the live server needs committed rows, so the tests are transactional, and the flush after each
# one would otherwise leave the next without them.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("SHUANGFANG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and SHUANGFANG_REQUIRE_BROWSER=1 requires it")
        pytest.skip(reason)
    # Playwright's sync API keeps an event loop running in this thread; Django refuses ORM calls
    # from a thread with a running loop unless told that no coroutine shares the connection (true
    # here: the loop only drives the browser).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    snapshots = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    try:
        with sync_playwright() as playwright:
            # Starting Playwright leaves this thread in another contextvars context, where Django's
            # per-context registry of connections starts empty: the new connection objects lack the
            # snapshot of the reference data that the test database setup kept for serialized rollback
            # (when an earlier test module set the database up), so hand it over.
            for alias, contents in snapshots.items():
                if contents is not None and not hasattr(connections[alias], "_test_serialized_contents"):
                    connections[alias]._test_serialized_contents = contents
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Tab:
    """One page in a fresh browser context, with what its console reported."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)
    # Documents the test loads on purpose with an error status (a 404 page, a refused login).
    expected_failures: set[str] = field(default_factory=set)

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str):
        return self.page.goto(self.url(path))

    def expect_failure_status(self, path: str) -> None:
        self.expected_failures.add(self.url(path))

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        location = (message.location or {}).get("url", "")
        if location.split("?")[0].endswith("/favicon.ico"):
            return
        if message.text.startswith("Failed to load resource") and location in self.expected_failures:
            return
        self.errors.append(f"console: {message.text} ({location})")

    def on_page_error(self, error) -> None:
        self.errors.append(f"page error: {error}")

    def assert_console_clean(self) -> None:
        assert self.errors == [], "\n".join(self.errors)

    def assert_assets_loaded(self) -> None:
        """Every style sheet of the page parsed into rules, and the page script ran (it marks <html>)."""
        empty = self.page.evaluate(
            """() => Array.from(document.querySelectorAll('link[rel="stylesheet"]'))
                 .filter((link) => !link.sheet || link.sheet.cssRules.length === 0)
                 .map((link) => link.href)"""
        )
        assert empty == [], f"style sheets that did not load: {empty}"
        expect(self.page.locator("html")).to_have_class(re.compile(r"\bjs\b"))


@pytest.fixture
def open_tab(browser, live_server):
    contexts, tabs = [], []

    def open_tab(**context_options) -> Tab:
        context = browser.new_context(locale="zh-CN", **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        tab = Tab(page=page, base_url=live_server.url)
        page.on("console", tab.on_console)
        page.on("pageerror", tab.on_page_error)
        tabs.append(tab)
        return tab

    yield open_tab
    for context in contexts:
        context.close()
    for tab in tabs:
        # Shown with the report of a test that failed before it checked its console.
        for error in tab.errors:
            print(error)


def path_pattern(path: str, query: str = "") -> re.Pattern:
    """A URL whose path is exactly `path`, and whose query holds `query` when one is given."""
    if query:
        return re.compile(rf"^https?://[^/]+{re.escape(path)}\?(.*&)?{re.escape(query)}(&.*)?$")
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def follow(page: Page, action) -> Response:
    """Do what loads a new document (a click, a form sent, a self-submitting select) and wait until it
    has loaded, scripts included; the response of the document, after any redirect."""
    with page.expect_navigation() as navigation:
        action()
    return navigation.value


def sign_in(tab: Tab, username: str, password: str = PASSWORD) -> Response:
    page = tab.page
    page.fill('form.login-box input[name="username"]', username)
    page.fill('form.login-box input[name="password"]', password)
    return follow(page, lambda: page.click('form.login-box button[type="submit"]'))


def sign_in_by_cookie(tab: Tab, user) -> None:
    """A session made on the server side, handed to the browser: for paths that are not about signing in."""
    client = Client()
    client.force_login(user)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    tab.page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": tab.base_url}])


def days_from_today(days: int):
    return timezone.localdate() + timedelta(days=days)


def overdue_dates() -> dict:
    return {"last_inspected_on": days_from_today(-375), "inspection_due_on": days_from_today(-10)}


def valid_dates() -> dict:
    return {"last_inspected_on": days_from_today(-30), "inspection_due_on": days_from_today(335)}


# 1. A unit's safety officer: sign in, the figures, the filtered list, suspend and resume ---------------------------


def test_safety_officer_suspends_and_resumes_overdue_equipment(open_tab):
    unit = make_organization("甲单位", "use_unit", ZEZHOU, seed=1)
    officer = make_user("officer", unit, "safety_officer")
    overdue = make_equipment(unit, "31101401012020A0001", **overdue_dates())
    make_equipment(unit, "31101401012020A0002", **valid_dates())
    version_before = overdue.version
    tab = open_tab(viewport={"width": 1280, "height": 900})
    page = tab.page

    tab.goto("/")
    expect(page).to_have_url(path_pattern("/accounts/login/", "next=/"))
    sign_in(tab, officer.username)
    expect(page).to_have_url(path_pattern("/"))
    tab.assert_assets_loaded()
    expect(page.locator('#main a.figure[href*="inspection_state=overdue"] .figure-value')).to_have_text("1")
    expect(page.locator('#main a.figure[href*="inspection_state=valid"] .figure-value')).to_have_text("1")

    follow(page, lambda: page.click('nav.menu a[href="/equipment/"]'))
    expect(page).to_have_url(path_pattern("/equipment/"))
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)
    # The filter form swaps the results in through htmx and puts the filter into the address.
    page.select_option('form.filters select[name="inspection_state"]', "overdue")
    expect(page).to_have_url(path_pattern("/equipment/", "inspection_state=overdue"))
    expect(rows).to_have_count(1)
    expect(rows.locator("a.code-text")).to_have_text(overdue.code)

    follow(page, lambda: rows.locator("a.code-text").click())
    expect(page).to_have_url(path_pattern(f"/equipment/{overdue.pk}/"))
    tab.assert_assets_loaded()
    suspend_reason, resume_reason = "电梯年度大修，暂停使用", "大修完成，检验合格"
    page.click('details.eq-action:has(form[action$="/suspend/"]) > summary')
    page.fill("#id_suspend_reason", suspend_reason)
    follow(page, lambda: page.click('form[action$="/suspend/"] button[type="submit"]'))
    expect(page).to_have_url(path_pattern(f"/equipment/{overdue.pk}/"))
    status_badge = page.locator(".badge-row .badge").first
    expect(status_badge).to_have_text(str(EquipmentStatus.SUSPENDED.label))
    expect(status_badge).to_have_class(re.compile(rf"\bbadge-{EquipmentStatus.SUSPENDED.color}\b"))
    expect(page.locator("li.eq-timeline-suspended")).to_contain_text(suspend_reason)
    # Suspended equipment may be resumed (or scrapped), not suspended again.
    expect(page.locator('form[action$="/suspend/"]')).to_have_count(0)

    page.click('details.eq-action:has(form[action$="/resume/"]) > summary')
    page.fill("#id_resume_reason", resume_reason)
    follow(page, lambda: page.click('form[action$="/resume/"] button[type="submit"]'))
    expect(page.locator("li.eq-timeline-resumed")).to_contain_text(resume_reason)
    expect(status_badge).to_have_text(str(EquipmentStatus.IN_USE.label))

    overdue.refresh_from_db()
    assert overdue.status == EquipmentStatus.IN_USE
    assert overdue.version == version_before + 2
    events = list(
        Event.objects.filter(object_type="equipment.equipment", object_id=str(overdue.pk))
        .exclude(type="equipment.registered")
        .order_by("seq")
        .values_list("type", "actor_id", "data")
    )
    assert events == [
        ("equipment.suspended", officer.pk, {"status": ["in_use", "suspended"], "reason": suspend_reason}),
        ("equipment.resumed", officer.pk, {"status": ["suspended", "in_use"], "reason": resume_reason}),
    ]
    tab.assert_console_clean()


# 2. Registering equipment: refusals next to their fields, nothing saved, then the file of the new equipment -------


def test_registering_equipment_shows_refusals_next_to_fields_and_saves_nothing(open_tab):
    unit = make_organization("甲单位", "use_unit", ZEZHOU, seed=1)
    officer = make_user("officer", unit, "safety_officer")
    code = "31101401012024A0099"
    tab = open_tab(viewport={"width": 1280, "height": 900})
    page = tab.page
    sign_in_by_cookie(tab, officer)

    def register() -> Response:
        return follow(page, lambda: page.click('form.eq-form button[type="submit"]'))

    tab.goto("/equipment/new/")
    tab.assert_assets_loaded()
    tab.expect_failure_status("/equipment/new/")
    page.fill("#id_code", code)
    page.fill("#id_name", "1号客梯")
    page.fill("#id_manufactured_on", "2021-03-01")
    page.fill("#id_commissioned_on", "2020-01-01")

    # No category: the form refuses it before the service is asked.
    assert register().status == 400
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.locator(".field.has-error:has(#id_category) .errorlist")).to_have_count(1)
    assert not Equipment.objects.filter(code=code).exists()

    # A category, but put to use before it was made: the service's own message, next to the date.
    page.select_option("#id_category", "3110")
    assert register().status == 400
    message = equipment_field_errors(
        {"manufactured_on": date(2021, 3, 1), "commissioned_on": date(2020, 1, 1)},
        catalog=CatalogFacts({}),
        organization_region_prefix="",
        today=timezone.localdate(),
    )["commissioned_on"]
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.locator(".field.has-error:has(#id_commissioned_on) .errorlist")).to_have_text(message)
    # What was typed is kept.
    expect(page.locator("#id_code")).to_have_value(code)
    expect(page.locator("#id_category")).to_have_value("3110")
    assert not Equipment.objects.filter(code=code).exists()

    page.fill("#id_commissioned_on", "2021-06-01")
    register()
    equipment = Equipment.objects.get(code=code)
    expect(page).to_have_url(path_pattern(f"/equipment/{equipment.pk}/"))
    expect(page.locator(".subtitle .code-text")).to_have_text(code)
    expect(page.locator(".message-success")).to_have_count(1)
    expect(page.locator("li.eq-timeline-registered")).to_have_count(1)
    assert equipment.organization == unit
    assert equipment.category_id == "3110"
    assert equipment.commissioned_on == date(2021, 6, 1)
    assert Event.objects.filter(type="equipment.registered", object_id=str(equipment.pk)).count() == 1
    tab.assert_console_clean()


# 3. The public QR page on a phone, without signing in --------------------------------------------------------------


def test_public_qr_page_fits_a_phone(open_tab):
    unit = make_organization("晋城市某小区物业服务中心", "use_unit", ZEZHOU, seed=1)
    dates = valid_dates()
    elevator = make_equipment(unit, "31101401012020A0001", category="3110", site="泽州县某小区3号楼1单元", **dates)
    tab = open_tab(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = tab.page

    response = tab.goto(f"/q/{elevator.public_token}/")
    assert response.status == 200
    tab.assert_assets_loaded()
    verdict = page.locator(".eq-verdict")
    expect(verdict).to_have_class(re.compile(r"\beq-verdict-green\b"))
    expect(verdict).to_contain_text(dates["inspection_due_on"].isoformat())
    emergency = page.locator("a.eq-emergency")
    expect(emergency).to_have_attribute("href", "tel:96333")
    expect(emergency).to_contain_text("96333")
    expect(emergency).to_be_in_viewport()
    # Anonymous: no way into the equipment file.
    expect(page.locator(".eq-public-file")).to_have_count(0)
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the page scrolls sideways: {scroll_width}px wide"
    page.screenshot(path=str(QR_SCREENSHOT), full_page=True)
    tab.assert_console_clean()


# 4. A county regulator: the per-unit table, a figure into the list, a sibling county is not found -----------------


def test_county_regulator_drills_from_unit_figures_and_cannot_see_sibling_county(open_tab):
    unit_a = make_organization("甲单位", "use_unit", ZEZHOU, seed=1)
    unit_c = make_organization("丙单位", "use_unit", ZEZHOU, seed=3)
    unit_b = make_organization("乙单位", "use_unit", YANGCHENG, seed=2)
    county = make_organization("泽州县市场监督管理局", "regulator", ZEZHOU, jurisdiction=ZEZHOU, seed=12)
    inspector = make_user("county_inspector", county, "inspector")
    overdue_a = make_equipment(unit_a, "31101401012020A0001", **overdue_dates())
    make_equipment(unit_a, "31101401012020A0002", **valid_dates())
    make_equipment(unit_c, "31101401012020C0001", **valid_dates())
    make_equipment(unit_b, "31101401012020B0001", **overdue_dates())
    tab = open_tab(viewport={"width": 1280, "height": 900})
    page = tab.page

    tab.goto("/")
    sign_in(tab, inspector.username)
    # A regulator's first sign-in binds an authenticator (the second factor), then shows the recovery codes once.
    expect(page).to_have_url(path_pattern("/accounts/two-factor/enrol/"))
    secret = page.locator("[data-totp-secret]").inner_text().replace(" ", "")
    page.fill("#id_code", totp.code_for(secret, totp.step_at()))
    follow(page, lambda: page.click('form[action="/accounts/two-factor/enrol/"] button[type="submit"]'))
    expect(page.locator("ul.recovery-codes li")).to_have_count(10)
    follow(page, lambda: page.click("text=我已保存，继续"))
    expect(page).to_have_url(path_pattern("/"))
    tab.assert_assets_loaded()
    unit_rows = page.locator('section[aria-labelledby="children-heading"] table.data tbody tr')
    # Unit A first: the units with the most to do lead the table; unit B is in the sibling county.
    expect(unit_rows.locator("th a")).to_have_text([unit_a.name, unit_c.name])
    # ECharts loaded and drew the chart beside the table.
    expect(page.locator("[data-chart-source]")).to_have_attribute("data-chart-drawn", "1")

    row_a = unit_rows.filter(has=page.locator(f'th a[href="/organizations/{unit_a.pk}/"]'))
    overdue_link = row_a.locator('a[href*="inspection_state=overdue"]')
    expect(overdue_link).to_have_text("1")
    expect(overdue_link).to_have_class(re.compile(r"\bhot\b"))
    follow(page, overdue_link.click)
    expect(page).to_have_url(path_pattern("/equipment/", f"organization={unit_a.pk}"))
    expect(page).to_have_url(path_pattern("/equipment/", "inspection_state=overdue"))
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("a.code-text")).to_have_text(overdue_a.code)

    tab.expect_failure_status(f"/?region={YANGCHENG}")
    response = tab.goto(f"/?region={YANGCHENG}")
    assert response.status == 404
    expect(page.locator(".error-page .code")).to_have_text("404")
    expect(page.locator("body")).not_to_contain_text(unit_b.name)
    tab.assert_console_clean()


# 5. Five wrong passwords lock the account; the right one then shows when the lock ends --------------------------


def test_locked_account_is_told_when_the_lock_ends(open_tab):
    unit = make_organization("甲单位", "use_unit", ZEZHOU, seed=1)
    officer = make_user("officer", unit, "safety_officer")
    tab = open_tab()
    page = tab.page
    tab.goto("/accounts/login/")
    # The refusals during the lock answer 429, which the console reports.
    tab.expect_failure_status("/accounts/login/")

    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(tab, officer.username, f"wrong-password-{attempt}")
        expect(page).to_have_url(path_pattern("/accounts/login/"))
    response = sign_in(tab, officer.username)
    assert response.status == 429

    expect(page).to_have_url(path_pattern("/accounts/login/"))
    alert = page.locator("form.login-box .alert-error")
    expect(alert).to_have_text(locked_message(officer.username))
    shown = re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", alert.inner_text())
    assert shown, alert.inner_text()
    lock_ends = datetime.strptime(shown.group(), "%Y-%m-%d %H:%M")
    expected_end = (timezone.localtime() + settings.AXES_COOLOFF_TIME).replace(tzinfo=None)
    assert abs(lock_ends - expected_end) <= timedelta(minutes=2), (lock_ends, expected_end)
    # Not signed in: the home page still sends the browser to the login page.
    tab.goto("/")
    expect(page).to_have_url(path_pattern("/accounts/login/", "next=/"))
    tab.assert_console_clean()


# 6. The language selector in the header ----------------------------------------------------------------------------


def test_language_selector_switches_to_english_and_back(open_tab):
    unit = make_organization("甲单位", "use_unit", ZEZHOU, seed=1)
    officer = make_user("officer", unit, "safety_officer")
    with translation.override("en"):
        english = [str(item.label) for item in menu_for(officer)]
    with translation.override("zh-hans"):
        chinese = [str(item.label) for item in menu_for(officer)]
    assert english != chinese, "the English catalogue translates no menu entry"
    tab = open_tab(viewport={"width": 1280, "height": 900})
    page = tab.page
    sign_in_by_cookie(tab, officer)
    menu = page.locator("nav.menu a")
    html = page.locator("html")
    language = page.locator("#language-select")

    tab.goto("/")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(menu).to_have_text(chinese)

    # Choosing a language submits the form by itself (static/js/shuangfang.js) and comes back to the page.
    follow(page, lambda: language.select_option("en"))
    expect(page).to_have_url(path_pattern("/"))
    expect(html).to_have_attribute("lang", "en")
    expect(menu).to_have_text(english)
    # The choice holds on the next page.
    follow(page, lambda: page.click('nav.menu a[href="/equipment/"]'))
    expect(html).to_have_attribute("lang", "en")
    expect(language).to_have_value("en")

    follow(page, lambda: language.select_option("zh-hans"))
    expect(page).to_have_url(path_pattern("/equipment/"))
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(menu).to_have_text(chinese)
    tab.assert_console_clean()
