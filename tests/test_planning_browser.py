"""Planning in a real browser (Chromium + Playwright against uvicorn on the test database): an
operator reports a problem from a QR label on a phone, the manager sees the bell ring and
approves the request, the technician's bell rings live with the assignment; the schedule,
project and inbox pages on desktop and phone. Screenshots in test-output/<test name>/."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser import PHONE, choose, log_in, needs_chromium, new_page, off_the_loop, shot

LIVE = 10_000


def _planning_data(plant):
    from workorders import services
    from workorders import services_planning as preventive
    from workorders import services_planning as projects
    from workorders.models import PreventiveSchedule, Project

    for i, (title, unit) in enumerate([("Lubricate bearings", "weeks"), ("Inspect coupling", "months")]):
        s = preventive.save_schedule(PreventiveSchedule(asset=plant.asset_a, title=title, interval=1,
                                                        interval_unit=unit, lead_time_days=0, assignee=plant.tech_a,
                                                        starts_at=timezone.now() - timedelta(days=10 + i)),
                                     actor=None)
        preventive.generate_for_schedule(s.pk)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    project = projects.save_project(Project(site=plant.site_a, name="Pump overhaul", starts_on=monday,
                                            ends_on=monday + timedelta(days=11)), actor=plant.manager_a)
    orders = []
    for n, (title, start, end, hours) in enumerate([("Drain", 0, 0, "8"), ("Replace seal", 1, 3, "30"),
                                                     ("Align", 2, 4, "12"), ("Restart", 8, 8, "4")]):
        wo = services.create_work_order(
            actor=plant.manager_a, asset=plant.asset_a, title=title, kind="inspection", assignee=plant.tech_a,
            scheduled_start=timezone.now().replace(hour=7) + timedelta(days=start - timezone.localdate().weekday()),
            due_at=timezone.now().replace(hour=16) + timedelta(days=end - timezone.localdate().weekday()),
            estimated_hours=Decimal(hours))
        if n:
            services.add_dependency(wo, orders[-1], actor=plant.manager_a)
        orders.append(wo)
    projects.add_orders(project, orders, actor=plant.manager_a)
    return project


@pytest.mark.browser
@needs_chromium
def test_qr_report_to_approved_order_with_live_bells(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    plant = live_plant
    # The operator, on a phone, without an account.
    phone = new_page(browser, PHONE)
    phone.goto(f"{asgi_server}/report/{plant.asset_a.qr_token}/")
    expect(phone.locator("h1")).to_have_text("Report a problem")
    expect(phone.locator("[data-field=website]")).not_to_be_in_viewport()  # the honeypot stays out of sight
    phone.click("button[type=submit]")
    expect(phone.locator(".field-error").first).to_be_visible()
    shot(phone, output_dir, "report-phone-errors")
    phone.fill("input[name=name]", "Olga Operator")
    phone.fill("textarea[name=description]", "Loud grinding noise\nsince the morning start-up")
    shot(phone, output_dir, "report-phone-filled")
    phone.click("button[type=submit]")
    expect(phone.locator("h1")).to_have_text("Thank you")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, output_dir, "report-phone-thanks")

    # The technician keeps a page open; the manager's bell already counts the new request.
    tech = new_page(browser)
    log_in(tech, asgi_server, "tech_a")
    expect(tech.locator("[data-unread]")).to_be_hidden()
    manager = new_page(browser)
    log_in(manager, asgi_server, "manager_a")
    expect(manager.locator("[data-unread]")).to_have_text("1", timeout=LIVE)
    manager.goto(f"{asgi_server}/work-orders/requests/")
    expect(manager.locator("table")).to_contain_text("Loud grinding noise")
    shot(manager, output_dir, "requests-desktop")
    manager.click("text=Loud grinding noise >> xpath=ancestor::tr//a")
    expect(manager.locator("h1")).to_contain_text("REQ-")
    choose(manager, "select[name=assignee]", "tech_a")
    manager.select_option("select[name=priority]", "high")
    shot(manager, output_dir, "request-detail-desktop")
    manager.click("text=Approve into a work order")
    expect(manager.locator("h1")).to_contain_text("WO-")

    # The assignee hears it at once, without reloading.
    expect(tech.locator("[data-unread]")).to_have_text("1", timeout=LIVE)
    expect(tech.locator(".toast")).to_contain_text("assigned to you")
    shot(tech, output_dir, "technician-bell-live")
    tech.click("[data-notification-bell]")
    expect(tech.locator(".inbox li.unread")).to_have_count(1)
    shot(tech, output_dir, "inbox-desktop")
    tech.click("text=Mark all read")
    expect(tech.locator(".inbox li.unread")).to_have_count(0)
    expect(tech.locator("[data-unread]")).to_be_hidden()


@pytest.mark.browser
@needs_chromium
def test_planning_pages_on_desktop_and_phone(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    plant = live_plant
    project = off_the_loop(lambda: _planning_data(plant))
    page = new_page(browser)
    log_in(page, asgi_server, "manager_a")
    pages = [("pm-list", "/work-orders/preventive/"), ("project", f"/work-orders/projects/{project.pk}/"),
             ("projects", "/work-orders/projects/"), ("pm-new", "/work-orders/preventive/new/"),
             ("preferences", "/notifications/preferences/")]
    for name, path in pages:
        page.goto(f"{asgi_server}{path}")
        shot(page, output_dir, f"{name}-desktop")
    page.goto(f"{asgi_server}/work-orders/projects/{project.pk}/")
    expect(page.locator(".gantt-bar")).to_have_count(4)
    expect(page.locator(".resource td.over")).to_have_count(1)  # 50 h planned in the week of a 40 h person
    page.goto(f"{asgi_server}/work-orders/preventive/new/")
    page.select_option("select[name=trigger]", "meter")
    expect(page.locator("[data-field=meter]")).to_be_visible()
    expect(page.locator("[data-field=interval_unit]")).to_be_hidden()
    phone = new_page(browser, PHONE, storage_state=page.context.storage_state())
    for name, path in pages[:3]:
        phone.goto(f"{asgi_server}{path}")
        shot(phone, output_dir, f"{name}-phone")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
