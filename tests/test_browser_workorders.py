"""A technician's day and a planner's board in a real browser (Debian's Chromium driven by
Playwright against the real ASGI app under uvicorn, on the test database).

Screenshots land in test-output/<test name>/ (phone 390x844 for the technician, desktop for the
board) for a person to look at."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tests.browser import DESKTOP, PHONE, log_in, needs_chromium, new_page, off_the_loop, shot


def _day_setup(plant):
    from workorders import services
    from workorders.models import ChecklistTemplate, ChecklistTemplateItem, FailureCode

    codes = [FailureCode.objects.create(kind=k, code=c, description=d) for k, c, d in (
        ("problem", "VIB", "Excessive vibration"), ("cause", "BRG", "Bearing wear"),
        ("remedy", "RPL", "Replaced part"))]
    template = ChecklistTemplate.objects.create(name="Pump round")
    ChecklistTemplateItem.objects.bulk_create([
        ChecklistTemplateItem(template=template, position=1, label="Guard in place", kind="pass_fail"),
        ChecklistTemplateItem(template=template, position=2, label="Bearing temperature", kind="number", unit="°C",
                              min_value=10, max_value=70),
        ChecklistTemplateItem(template=template, position=3, label="Remarks", kind="text"),
    ])
    wo = services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Noisy feed pump",
                                    kind="corrective", priority="high", assignee=plant.tech_a,
                                    scheduled_start=timezone.now(), due_at=timezone.now() + timedelta(hours=6))
    services.attach_checklist(wo, template, actor=plant.manager_a)
    return wo, codes


@pytest.mark.browser
@needs_chromium
def test_a_technicians_day(browser, live_plant, asgi_server, output_dir, tmp_path):
    from playwright.sync_api import expect

    from workorders.models import ChecklistItem, TimeEntry, WorkOrder

    expect.set_options(timeout=10_000)  # a loaded CI machine is slow to answer

    plant = live_plant
    wo, codes = off_the_loop(lambda: _day_setup(plant))
    page = new_page(browser, PHONE)
    log_in(page, asgi_server, "tech_a")
    page.goto(f"{asgi_server}/work-orders/my/")
    today = page.locator("#today")
    card = today.locator(f'.my-card[data-id="{wo.pk}"]')
    expect(card).to_contain_text("Noisy feed pump")
    expect(page.locator("#overdue")).to_contain_text("Nothing overdue.")
    shot(page, output_dir, "1-my-work-phone")

    card.get_by_role("button", name="Start work").click()
    expect(page.locator(".msg-success")).to_contain_text(f"{wo.number} is now In progress")
    page.locator(f'.my-card[data-id="{wo.pk}"]').get_by_role("button", name="Start timer").click()
    expect(page.locator(".running-card")).to_contain_text(f"Timer running on {wo.number}")
    expect(page.locator(".running .elapsed")).to_contain_text("0:00:")  # the timer counts on the page
    shot(page, output_dir, "2-timer-running-phone")

    page.locator(f'.my-card[data-id="{wo.pk}"]').get_by_role("link", name="Checklist 0/3").click()
    guard = page.locator('[data-check="Guard in place"]')
    guard.get_by_role("button", name="Pass").click()
    expect(guard.locator(".result")).to_have_text("pass")
    temp = page.locator('[data-check="Bearing temperature"]')
    temp.locator("input[name=number]").fill("84")
    temp.get_by_role("button", name="Save").click()
    expect(temp.locator(".result")).to_have_text("84 °C")
    expect(page.locator('[data-check="Bearing temperature"].failed')).to_be_visible()
    remarks = page.locator('[data-check="Remarks"]')
    remarks.locator("input[name=text]").fill("Bearing noise on the drive end")
    remarks.get_by_role("button", name="Save").click()
    expect(remarks.locator(".result")).to_have_text("Bearing noise on the drive end")
    shot(page, output_dir, "3-checklist-one-failed-phone")

    # The failed check becomes a follow-up order in one click, linked and prefilled.
    # The technician stays on the order; the check's row links the new order, named after the finding.
    page.locator('[data-check="Bearing temperature"]').get_by_role("button", name="Create follow-up order").click()
    created = page.locator('[data-check="Bearing temperature"] .follow-up-link')
    expect(created).to_contain_text("Created the follow-up")
    expect(page.locator("h1")).to_contain_text(wo.number)
    created.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("Fix: Bearing temperature at 84 °C (limits 10–70 °C)")
    expect(page.locator(".facts")).to_contain_text(f"{wo.number} Noisy feed pump")
    expect(page.locator(".prewrap")).to_contain_text("measured 84 °C, limits 10–70 °C")
    shot(page, output_dir, "4-follow-up-phone")

    # A comment to the planner, picked from the @mention suggestions.
    page.goto(f"{asgi_server}{wo.get_absolute_url()}")
    box = page.locator("#comments textarea[name=body]")
    box.press_sequentially("Follow-up raised, @mana")
    expect(page.locator(".mention-list li").first).to_have_text("@manager_a")
    box.press("Tab")
    box.press_sequentially("please order a bearing")
    page.locator("#comments").get_by_role("button", name="Comment").click()
    expect(page.locator("#comments .comment").last).to_contain_text("Follow-up raised, @manager_a please order")

    # A photo of the finding, then back to the order to stop the timer and complete it.
    photo = tmp_path / "after.png"
    Image.new("RGB", (64, 48), (90, 120, 200)).save(photo)
    page.goto(f"{asgi_server}{wo.get_absolute_url()}")
    page.locator('#attachments input[type=file]').set_input_files(str(photo))
    page.locator("#attachments select[name=kind]").select_option("after")
    page.locator("#attachments").get_by_role("button", name="Upload").click()
    expect(page.locator("#attachments .gallery img")).to_have_count(1)
    page.locator("#time").get_by_role("button", name="Stop timer").click()
    expect(page.locator(".msg-success")).to_contain_text("Timer stopped")

    move = page.locator("#move")
    move.get_by_role("button", name="Complete", exact=True).click()  # without codes: refused, with the reason
    expect(page.locator(".msg-error")).to_contain_text("problem, cause, remedy missing")
    move = page.locator("#move")
    move.locator("select[name=problem_code]").select_option(str(codes[0].pk))
    move.locator("select[name=cause_code]").select_option(str(codes[1].pk))
    move.locator("select[name=remedy_code]").select_option(str(codes[2].pk))
    move.locator("input[name=note]").fill("Bearing replaced")
    shot(page, output_dir, "5-completing-with-codes-phone")
    move.get_by_role("button", name="Complete", exact=True).click()
    expect(page.locator(".msg-success")).to_contain_text(f"{wo.number} is now Completed")
    expect(page.locator("#timeline")).to_contain_text("moved it from In progress to Completed")
    expect(page.locator("#timeline")).to_contain_text("created the follow-up")
    shot(page, output_dir, "6-completed-phone")

    def stored():
        order = WorkOrder.objects.get(pk=wo.pk)
        return (order.status, order.problem_code_id, order.remedy_code_id,
                TimeEntry.objects.filter(work_order=wo, ended_at__isnull=False).count(),
                ChecklistItem.objects.filter(work_order=wo, done_at__isnull=False).count(),
                WorkOrder.objects.filter(follow_up_of=wo).count(), order.attachments.count())

    assert off_the_loop(stored) == ("completed", codes[0].pk, codes[2].pk, 1, 3, 1, 1)


@pytest.mark.browser
@needs_chromium
def test_board_drag_moves_an_order_and_an_illegal_move_comes_back_with_the_reason(
        browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    from workorders import services
    from workorders.models import WorkOrder

    expect.set_options(timeout=10_000)

    plant = live_plant
    wo = off_the_loop(lambda: services.create_work_order(actor=plant.manager_a, asset=plant.asset_a,
                                                          title="Align coupling", kind="inspection"))
    page = new_page(browser, DESKTOP)
    log_in(page, asgi_server, "manager_a")
    page.goto(f"{asgi_server}/work-orders/board/")
    card = page.locator(f'.wo-card[data-id="{wo.pk}"]')
    expect(page.locator('.board-col[data-status="open"]')).to_contain_text("Align coupling")
    shot(page, output_dir, "1-board")

    card.locator(".wo-title").drag_to(page.locator('.board-col[data-status="closed"] [data-drop]'))
    expect(card.locator(".card-error")).to_contain_text("An order that is Open can't be Closed; complete it first")
    expect(page.locator('.board-col[data-status="open"]')).to_contain_text("Align coupling")
    shot(page, output_dir, "2-illegal-move-refused")
    assert off_the_loop(lambda: WorkOrder.objects.get(pk=wo.pk).status) == "open"

    card.locator(".wo-title").drag_to(page.locator('.board-col[data-status="in_progress"] [data-drop]'))
    expect(page.locator('.board-col[data-status="in_progress"]')).to_contain_text("Align coupling")
    expect(page.locator('.board-col[data-status="in_progress"] [data-count]')).to_have_text("1")
    expect(card).to_have_attribute("data-status", "in_progress")
    expect(card.locator(".card-error")).to_be_hidden()
    assert off_the_loop(lambda: WorkOrder.objects.get(pk=wo.pk).status) == "in_progress"

    card.locator("select[data-move]").select_option("on_hold")  # the menu does the same without a mouse
    expect(page.locator('.board-col[data-status="on_hold"]')).to_contain_text("Align coupling")
    expect(card).to_have_attribute("data-status", "on_hold")  # set once the server has answered
    shot(page, output_dir, "3-moved")
    assert off_the_loop(lambda: WorkOrder.objects.get(pk=wo.pk).status) == "on_hold"

    phone = new_page(browser, PHONE, storage_state=page.context.storage_state())
    for name, url in (("board", "/work-orders/board/"), ("calendar", "/work-orders/calendar/"),
                      ("list", "/work-orders/"), ("order", wo.get_absolute_url())):
        phone.goto(f"{asgi_server}{url}")
        expect(phone.locator("h1")).to_be_visible()
        shot(phone, output_dir, f"4-{name}-phone")
        page.goto(f"{asgi_server}{url}")
        shot(page, output_dir, f"4-{name}-desktop")


@pytest.mark.browser
@needs_chromium
def test_an_open_order_page_says_when_someone_else_changes_the_order(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    from tests.browser import LIVE_TIMEOUT
    from workorders import services

    plant = live_plant
    wo = off_the_loop(lambda: services.create_work_order(actor=plant.manager_a, asset=plant.asset_a,
                                                          title="Check seal", kind="inspection",
                                                          assignee=plant.tech_a))
    page = new_page(browser, DESKTOP)
    log_in(page, asgi_server, "manager_a")
    page.goto(f"{asgi_server}/work-orders/{wo.pk}/")
    banner = page.locator("[data-order-live]")
    expect(page.locator("[data-live-status]")).to_have_text("live", timeout=LIVE_TIMEOUT)
    expect(banner).to_be_hidden()
    # A comment changes neither status nor version: no reason to interrupt the reader.
    off_the_loop(lambda: services.add_comment(wo, "On my way", actor=plant.tech_a))
    page.wait_for_timeout(500)
    expect(banner).to_be_hidden()
    # The technician starts the work from their phone: the planner's open page says so at once.
    off_the_loop(lambda: services.transition_work_order(wo, "in_progress", actor=plant.tech_a))
    expect(banner).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(banner.locator("[data-now]")).to_have_text("In progress")
    shot(page, output_dir, "order-changed-elsewhere")
    banner.locator("a").click()
    expect(page.locator("[data-status]").first).to_have_text("In progress")
    expect(page.locator("[data-order-live]")).to_be_hidden()
