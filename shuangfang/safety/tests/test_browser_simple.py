"""Simple mode once, end to end in a real browser on a phone (Debian's Chromium driven by Playwright against a live
server): a small enterprise's manager signs in and lands on the simple home, follows the banner to the guided start,
appoints the principal, the safety director and the safety officer, generates the Order 74 plan, finds today's daily
check on the simple home, carries it out on the existing task page and sees it leave today's list.

Each step is checked where it lands — the rows, the page the browser is on, a console without errors (a script or
style refused by the strict Content-Security-Policy shows up there) — and no page scrolls sideways on the phone. The
fixtures and helpers are those of the core browser tests.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shuangfang.core.testing import make_equipment, make_organization, make_user
from shuangfang.core.tests.test_browser import (  # noqa: F401  (pytest finds the fixtures by their names here)
    Tab,
    browser,
    follow,
    open_tab,
    path_pattern,
    sign_in,
)
from shuangfang.hazards.choices import InvestigationKind, TaskStatus
from shuangfang.hazards.models import InvestigationPlan, InvestigationTask
from shuangfang.hazards.scheduling import is_duty_cycle_plan
from shuangfang.risks.services import do_apply_templates
from shuangfang.safety.choices import AppointmentRole
from shuangfang.safety.models import Appointment

# Same database handling as the core browser tests: the live server needs committed rows, and the reference data the
# migrations load (regions, the equipment catalog) must be there again for the next test.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ZEZHOU = "140525"
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
HOME = "/safety/simple/"
START = "/safety/simple/start/"


def page_pattern(path: str) -> re.Pattern:
    """The path exactly, with any query and any fragment (the start page returns to the step just done)."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?[^#]*)?(#.*)?$")


def assert_fits_phone(tab: Tab) -> None:
    width = tab.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"{tab.page.url} scrolls sideways: {width}px wide"


def test_a_small_enterprise_starts_and_does_its_daily_check_on_a_phone(open_tab, settings):  # noqa: F811
    # The live server hands its one in-memory SQLite connection to every request thread, so two requests writing at
    # once collide ("database table is locked"); here a request saves the session only when it changed it (the
    # sliding idle timeout of SESSION_SAVE_EVERY_REQUEST is not what this test is about).
    settings.SESSION_SAVE_EVERY_REQUEST = False
    # 1. A small enterprise with one elevator whose risks are identified: steps 1 and 2 of the guided start are done.
    unit = make_organization("晋城市某小型商场", "use_unit", ZEZHOU, seed=41)
    unit.small_micro = True
    unit.save(update_fields=["small_micro"])
    boss = make_user("boss", unit, "org_admin", "principal")
    clerk = make_user("clerk", unit, "operator")
    elevator = make_equipment(unit, "31101401012020M0001", category="3110", site="商场中庭")
    do_apply_templates(actor=boss, equipment=[elevator])
    today = timezone.localdate()

    # 2. Signing in on the phone lands on the simple home; its banner leads to the guided start.
    phone = open_tab(**PHONE)
    page = phone.page
    phone.goto("/")
    expect(page).to_have_url(path_pattern("/accounts/login/", "next=/"))
    sign_in(phone, boss.username)
    expect(page).to_have_url(path_pattern(HOME))
    phone.assert_assets_loaded()
    assert_fits_phone(phone)
    expect(page.locator("[data-full-version]")).to_have_attribute("href", "/?full=1")
    expect(page.locator('[data-section="tasks"] a[data-task]')).to_have_count(0)
    follow(page, lambda: page.click("a[data-start-banner]"))
    expect(page).to_have_url(page_pattern(START))
    phone.assert_assets_loaded()
    assert_fits_phone(phone)
    for key, done in (("equipment", "true"), ("risks", "true"), ("people", "false"), ("plan", "false")):
        expect(page.locator(f'[data-step="{key}"]')).to_have_attribute("data-done", done)

    # 3. Step 3: the manager is principal and safety officer, the clerk safety director.
    people = page.locator("#step-3 form")
    people.locator('select[name="principal"]').select_option(str(boss.pk))
    people.locator('select[name="safety_director"]').select_option(str(clerk.pk))
    people.locator('select[name="safety_officer"]').select_option(str(boss.pk))
    follow(page, lambda: people.locator('button[type="submit"]').click())
    expect(page).to_have_url(page_pattern(START))
    expect(page.locator(".message-success")).to_have_count(1)
    expect(page.locator('[data-step="people"]')).to_have_attribute("data-done", "true")
    expect(page.locator(".sm-role-confirmed")).to_have_count(3)
    assert {
        (a.role, a.person_id, tuple(a.equipment_categories)) for a in Appointment.objects.filter(organization=unit)
    } == {
        (AppointmentRole.PRINCIPAL, boss.pk, ()),
        (AppointmentRole.SAFETY_DIRECTOR, clerk.pk, ()),
        (AppointmentRole.SAFETY_OFFICER, boss.pk, ()),
    }
    assert_fits_phone(phone)

    # 4. Step 4: one button makes the three Order 74 plans and today's tasks; every step is now done.
    follow(page, lambda: page.click("[data-generate-plan]"))
    expect(page).to_have_url(page_pattern(START))
    expect(page.locator(".message-success")).to_have_count(1)
    for key in ("equipment", "risks", "people", "plan", "print"):
        expect(page.locator(f'[data-step="{key}"]')).to_have_attribute("data-done", "true")
    plans = [plan for plan in InvestigationPlan.objects.filter(organization=unit) if is_duty_cycle_plan(plan)]
    assert sorted(plan.kind for plan in plans) == sorted(
        [InvestigationKind.DAILY, InvestigationKind.WEEKLY, InvestigationKind.MONTHLY]
    )
    task = InvestigationTask.objects.get(equipment=elevator, kind=InvestigationKind.DAILY, period_start=today)
    assert (task.assignee, task.status) == (boss, TaskStatus.PENDING)
    expect(page.locator("#step-4 .sm-today")).to_be_visible()
    assert_fits_phone(phone)
    phone.assert_console_clean()

    # 5. Back on the simple home: no banner, today's daily check at the top of the list.
    follow(page, lambda: page.click(f'.sm-head a[href="{HOME}"]'))
    expect(page).to_have_url(path_pattern(HOME))
    expect(page.locator("a[data-start-banner]")).to_have_count(0)
    check = page.locator(f'[data-section="tasks"] a[data-task="{task.pk}"]')
    expect(check).to_have_count(1)
    assert_fits_phone(phone)

    # 6. The existing task page: every item "符合", submitted as the day's zero-risk report.
    task_path = f"/hazards/tasks/{task.pk}/"
    follow(page, check.click)
    expect(page).to_have_url(path_pattern(task_path))
    phone.assert_assets_loaded()
    form = page.locator("form.hz-execute")
    form.locator("[data-all-ok]").click()
    response = follow(page, lambda: form.locator('button[type="submit"]').click())
    assert response.status == 200
    expect(page).to_have_url(path_pattern(task_path))
    expect(page.locator(".message-success")).to_have_count(1)
    task.refresh_from_db()
    assert (task.status, task.completed_by) == (TaskStatus.DONE, boss)
    assert_fits_phone(phone)

    # 7. The home page leads back to simple mode, where the check has left today's list.
    phone.goto("/")
    expect(page).to_have_url(path_pattern(HOME))
    expect(page.locator(f'a[data-task="{task.pk}"]')).to_have_count(0)
    # What stays is the rest of the manager's work due today (the monthly meeting on a month's last day).
    remaining = InvestigationTask.objects.filter(
        assignee=boss, status__in=[TaskStatus.PENDING, TaskStatus.OVERDUE], due_on__lte=today
    )
    assert not remaining.filter(kind=InvestigationKind.DAILY).exists()
    expect(page.locator('[data-section="tasks"] a[data-task]')).to_have_count(remaining.count())
    assert_fits_phone(phone)
    phone.assert_console_clean()
