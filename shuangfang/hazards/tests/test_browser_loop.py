"""The hidden-hazard loop once, end to end in a real browser (Debian's Chromium driven by Playwright against a live
server): the safety officer on a phone scans the elevator's QR code into today's daily check (SAMR Order 74), finds one
on-site item failed and photographs it; the failed item becomes a hazard (SAWS Order 16), the safety director confirms
it with the 五落实 at a desk, the officer rectifies it with a photo, the principal accepts it and it is closed.

Each step is checked where it lands: the hazard's row, the page the browser is left on, and a console without errors
(a script or style refused by the strict Content-Security-Policy shows up there). The phone's pages must not scroll
sideways. The fixtures and helpers are those of the core browser tests.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from shuangfang.core.testing import make_equipment, make_organization, make_user, tiny_png
from shuangfang.core.tests.test_browser import (  # noqa: F401  (pytest finds the fixtures by their names here)
    Tab,
    browser,
    follow,
    open_tab,
    path_pattern,
    sign_in_by_cookie,
)
from shuangfang.hazards import investigation
from shuangfang.hazards.choices import Handling, HazardGrade, HazardSource, HazardStatus, InvestigationKind, TaskStatus
from shuangfang.hazards.forms import item_prefix
from shuangfang.hazards.models import Hazard, HazardAttachment, InvestigationTask
from shuangfang.hazards.scheduling import run_duty_cycle

# Same database handling as the core browser tests: the live server needs committed rows, and the reference data the
# migrations load (regions, the equipment catalog) must be there again for the next test.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ZEZHOU = "140525"
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# An on-site item without a GB 45067-2024 clause: failing it makes a general hazard, which the unit closes itself.
FAILED_ITEM = "ELV-ALARM-INTERCOM"


def photo(name: str) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": tiny_png()}


def assert_fits_phone(tab: Tab) -> None:
    width = tab.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"{tab.page.url} scrolls sideways: {width}px wide"


def assert_images_load(tab: Tab, images) -> None:
    """The photos come through the scoped attachment download and decode as images."""
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        tab.page.wait_for_function("(image) => image.complete && image.naturalWidth > 0", arg=image.element_handle())


def status_label(status: str) -> str:
    with translation.override("zh-hans"):
        return str(HazardStatus(status).label)


def test_hazard_loop_from_a_phone_check_to_acceptance(open_tab, settings):  # noqa: F811  (the imported fixture)
    # The live server hands its one in-memory SQLite connection to every request thread, so two requests writing at
    # once collide ("database table is locked"); a hazard page loads its photos at once, and each download would save
    # the session (SESSION_SAVE_EVERY_REQUEST) and fail with 400. Here a request saves the session only when it changed
    # it; the sliding idle timeout is not what this test is about.
    settings.SESSION_SAVE_EVERY_REQUEST = False
    # 1. A use unit with an elevator and its three people; the scheduler gives the elevator today's daily check.
    unit = make_organization("晋城市某小区物业服务中心", "use_unit", ZEZHOU, seed=1)
    officer = make_user("officer", unit, "safety_officer")
    director = make_user("director", unit, "safety_director")
    principal = make_user("principal", unit, "principal")
    elevator = make_equipment(unit, "31101401012020A0001", category="3110", site="泽州县某小区3号楼1单元")
    today = timezone.localdate()
    run_duty_cycle(today)
    task = InvestigationTask.objects.get(equipment=elevator, kind=InvestigationKind.DAILY, period_start=today)
    assert task.status == TaskStatus.PENDING
    items = investigation.checklist_for_task(task)
    failed = next(item for item in items if item.item_code == FAILED_ITEM)
    assert not failed.gb45067_clause
    failed_field = item_prefix(failed)

    # 2. The officer, on a phone: the QR code → today's check → every item "符合" but one, with a note and a photo.
    phone = open_tab(**PHONE)
    page = phone.page
    sign_in_by_cookie(phone, officer)
    assert phone.goto(f"/hazards/scan/{elevator.public_token}/").status == 200
    phone.assert_assets_loaded()
    assert_fits_phone(phone)
    task_path = f"/hazards/tasks/{task.pk}/"
    follow(page, lambda: page.click(f'.hz-task-title a[href="{task_path}"]'))
    expect(page).to_have_url(path_pattern(task_path))
    phone.assert_assets_loaded()
    assert_fits_phone(phone)

    form = page.locator("form.hz-execute")
    outcomes = form.locator(".hz-outcomes")
    expect(outcomes).to_have_count(len(items))
    # Nothing is ticked before the checker asks; the script shows the button and ticks every item on it.
    expect(form.locator(".hz-outcomes input[type=radio]:checked")).to_have_count(0)
    form.locator("[data-all-ok]").click()
    expect(form.locator(".hz-outcomes input[type=radio][value=ok]:checked")).to_have_count(len(items))
    note = "紧急报警按钮按下后值班室无应答"
    form.locator(f'input[name="{failed_field}-outcome"][value="not_ok"]').check()
    form.locator(f'input[name="{failed_field}-note"]').fill(note)
    form.locator(f'input[name="{failed_field}-photos"]').set_input_files(photo("photo.png"))
    expect(form.locator(".hz-outcomes input[type=radio][value=ok]:checked")).to_have_count(len(items) - 1)
    response = follow(page, lambda: form.locator('button[type="submit"]').click())
    assert response.status == 200
    expect(page).to_have_url(path_pattern(task_path))

    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.completed_by == officer
    hazard = Hazard.objects.get(check_result__task=task)
    assert hazard.source == HazardSource.CHECK
    assert hazard.status == HazardStatus.REPORTED
    assert hazard.grade == HazardGrade.GENERAL
    assert hazard.equipment == elevator
    assert note in hazard.description
    assert hazard.attachments.filter(stage=HazardAttachment.Stage.REPORT).count() == 1
    hazard_path = f"/hazards/{hazard.pk}/"
    expect(page.locator(".message-warning")).to_have_count(1)
    raised = page.locator(f'.hz-list a[href="{hazard_path}"]')
    expect(raised).to_have_count(1)
    failed_row = page.locator("li.hz-item-not_ok")
    expect(failed_row).to_have_count(1)
    expect(failed_row).to_contain_text(note)
    expect(failed_row.locator(f'a[href="{hazard_path}"]')).to_have_count(1)
    assert_images_load(phone, failed_row.locator(".hz-thumb img"))
    expect(page.locator("li.hz-item-ok")).to_have_count(len(items) - 1)
    assert_fits_phone(phone)

    follow(page, raised.click)
    expect(page).to_have_url(path_pattern(hazard_path))
    expect(page.locator(".badge-row .badge").nth(1)).to_have_text(status_label(HazardStatus.REPORTED))
    assert_images_load(phone, page.locator('section[aria-labelledby="found-title"] .hz-thumb img'))
    assert_fits_phone(phone)
    phone.assert_console_clean()

    # 3. The safety director, at a desk: 确认定级 as a general hazard with the 五落实.
    desk = open_tab(**DESKTOP)
    sign_in_by_cookie(desk, director)
    desk.goto(hazard_path)
    desk.assert_assets_loaded()
    confirm = desk.page.locator("#action-confirm")
    confirm.locator("summary").click()
    confirm_form = confirm.locator("form")
    confirm_form.locator('select[name="grade"]').select_option(HazardGrade.GENERAL)
    # The 治理方案 concerns a major hazard only: the script hides it for a general one.
    expect(confirm_form.locator("[data-plan-for-major]")).to_be_hidden()
    confirm_form.locator(f'input[name="handling"][value="{Handling.DEADLINE}"]').check()
    confirm_form.locator('select[name="responsible"]').select_option(str(officer.pk))
    measures, funds, contingency = "联系维保单位检修报警装置及对讲线路", "800元", "检修期间在轿厢张贴值班电话，专人值守"
    deadline = today + timedelta(days=7)
    confirm_form.locator('textarea[name="measures"]').fill(measures)
    confirm_form.locator('input[name="funds"]').fill(funds)
    confirm_form.locator('input[name="deadline"]').fill(deadline.isoformat())
    confirm_form.locator('textarea[name="contingency"]').fill(contingency)
    follow(desk.page, lambda: confirm_form.locator('button[type="submit"]').click())
    expect(desk.page).to_have_url(path_pattern(hazard_path))
    expect(desk.page.locator(".message-success")).to_have_count(1)

    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFYING
    assert hazard.grade == HazardGrade.GENERAL
    assert hazard.handling == Handling.DEADLINE
    assert hazard.deadline == deadline
    assert hazard.responsible == officer
    assert hazard.confirmed_by == director
    assert (hazard.measures, hazard.funds, hazard.contingency) == (measures, funds, contingency)
    expect(desk.page.locator(".badge-row .badge").nth(1)).to_have_text(status_label(HazardStatus.RECTIFYING))
    expect(desk.page.locator('section[aria-labelledby="five-title"]')).to_contain_text(deadline.isoformat())
    desk.assert_console_clean()

    # 4. The officer, back on the phone: the rectification with a photo of the repair.
    phone.goto(hazard_path)
    rectify = page.locator("#action-rectify")
    rectify.locator("summary").click()
    rectification = "维保单位已更换报警按钮并修复对讲线路，试验通话正常"
    rectify.locator('textarea[name="description"]').fill(rectification)
    rectify.locator('input[name="evidence"]').set_input_files(photo("after.png"))
    assert_fits_phone(phone)
    follow(page, lambda: rectify.locator('button[type="submit"]').click())
    expect(page).to_have_url(path_pattern(hazard_path))
    expect(page.locator(".message-success")).to_have_count(1)

    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.AWAITING_ACCEPTANCE
    assert hazard.rectified_by == officer
    assert hazard.rectification == rectification
    assert hazard.attachments.filter(stage=HazardAttachment.Stage.EVIDENCE).count() == 1
    expect(page.locator(".badge-row .badge").nth(1)).to_have_text(status_label(HazardStatus.AWAITING_ACCEPTANCE))
    assert_images_load(phone, page.locator('section[aria-labelledby="fix-title"] .hz-thumb img'))
    # Whoever rectified does not accept their own work.
    expect(page.locator("#action-accept")).to_have_count(0)
    assert_fits_phone(phone)
    phone.assert_console_clean()

    # 5. The principal, at a desk: 验收 passed → closed (销号), with the whole loop in the timeline.
    boss = open_tab(**DESKTOP)
    sign_in_by_cookie(boss, principal)
    boss.goto(hazard_path)
    accept = boss.page.locator("#action-accept")
    accept.locator("summary").click()
    accept.locator('input[name="passed"][value="true"]').check()
    comment = "现场复查报警对讲正常，同意销号"
    accept.locator('textarea[name="comment"]').fill(comment)
    follow(boss.page, lambda: accept.locator('button[type="submit"]').click())
    expect(boss.page).to_have_url(path_pattern(hazard_path))
    expect(boss.page.locator(".message-success")).to_have_count(1)

    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.CLOSED
    assert hazard.accepted_by == principal
    assert hazard.acceptance_comment == comment
    assert hazard.closed_at is not None
    closed = status_label(HazardStatus.CLOSED)
    assert closed == "已销号"
    expect(boss.page.locator(".badge-row .badge").nth(1)).to_have_text(closed)
    # A closed hazard offers no more actions.
    expect(boss.page.locator(".hz-actions")).to_have_count(0)
    steps = boss.page.locator("ol.hz-timeline > li")
    expect(steps).to_have_class(
        [
            re.compile(r"\bhz-event-hazard-reported\b"),
            re.compile(r"\bhz-event-hazard-confirmed\b"),
            re.compile(r"\bhz-event-hazard-rectification_submitted\b"),
            re.compile(r"\bhz-event-hazard-accepted\b"),
            re.compile(r"\bhz-event-hazard-closed\b"),
        ]
    )
    heads = steps.locator(".hz-timeline-head .muted")
    for index, person in enumerate((officer, director, officer, principal, principal)):
        expect(heads.nth(index)).to_contain_text(person.display_name)
    expect(steps.nth(3)).to_contain_text(comment)
    boss.assert_console_clean()
    phone.assert_console_clean()
    desk.assert_console_clean()
