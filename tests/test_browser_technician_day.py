"""A technician's day on a 390 x 844 phone, in a real browser (Debian's Chromium driven by Playwright
against the real ASGI app): signing in lands on My work; the asset's QR label, typed in, opens the
order waiting on it; starting it makes the technician its lead and the timer runs; a failed check
becomes a follow-up named after the finding without leaving the order; a photo is added; the order
is completed. Screenshots land in test-output/<test name>/."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tests.browser import PHONE, log_in, needs_chromium, new_page, off_the_loop, shot


def _setup(plant):
    from workorders import services
    from workorders.models import ChecklistTemplate, ChecklistTemplateItem

    template = ChecklistTemplate.objects.create(name="Seal round")
    ChecklistTemplateItem.objects.bulk_create([
        ChecklistTemplateItem(template=template, position=1, label="Guard in place", kind="pass_fail"),
        ChecklistTemplateItem(template=template, position=2, label="No leaks at the seal", kind="pass_fail"),
    ])
    now = timezone.now()
    # Waiting on the pump for whoever comes by: no lead yet.
    waiting = services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Check the pump seal",
                                         kind="inspection", priority="high", due_at=now + timedelta(hours=4))
    services.attach_checklist(waiting, template, actor=plant.manager_a)
    # Already the technician's, and late.
    late = services.create_work_order(actor=plant.manager_a, asset=plant.child_a, title="Grease the motor bearings",
                                      kind="preventive", priority="medium", assignee=plant.tech_a,
                                      due_at=now - timedelta(hours=2))
    return waiting, late


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def _small_targets(page) -> list[str]:
    """Visible buttons and links styled as buttons smaller than 44 x 44 px."""
    return page.evaluate("""() => [...document.querySelectorAll('main .btn, main button')]
        .filter(el => el.offsetParent !== null)
        .map(el => [el.textContent.trim() || el.getAttribute('aria-label'), el.getBoundingClientRect()])
        .filter(([, r]) => r.width < 44 || r.height < 44)
        .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)""")


@pytest.mark.browser
@needs_chromium
def test_a_technicians_day_on_a_phone(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    from workorders.models import Attachment, TimeEntry, WorkOrder

    expect.set_options(timeout=10_000)
    plant = live_plant
    waiting, late = off_the_loop(lambda: _setup(plant))
    page = new_page(browser, PHONE)

    # Signing in lands on My work, first in the technician's menu.
    log_in(page, asgi_server, "tech_a")
    page.wait_for_url("**/work-orders/my/")
    expect(page.locator("h1")).to_have_text("My work")
    expect(page.locator(".nav a").first).to_have_text("My work")
    expect(page.locator("#overdue")).to_contain_text("Grease the motor bearings")
    expect(page.get_by_role("button", name="Open")).to_be_visible()
    assert _small_targets(page) == []
    shot(page, output_dir, "1-my-work")

    # The pump's QR label, typed in: the one order waiting on the pump opens.
    page.get_by_label("Label address or asset tag").fill(f"{asgi_server}/a/{plant.asset_a.qr_token}/")
    page.get_by_role("button", name="Open").click()
    page.wait_for_url(f"**/work-orders/{waiting.pk}/")
    expect(page.locator("h1")).to_contain_text("Check the pump seal")
    expect(page.locator(".facts")).to_contain_text("Lead—")
    # The highlighted button is the next step; cancelling is apart and asks why.
    expect(page.locator("#move .btn.primary")).to_have_text("Start work")
    expect(page.locator("#move .buttons")).not_to_contain_text("Cancel")
    shot(page, output_dir, "2-scanned-order")

    # Start: the technician becomes the lead.
    page.locator("#move .btn.primary").click()
    expect(page.locator(".msg-success")).to_contain_text(f"{waiting.number} is now In progress")
    expect(page.locator(".facts")).to_contain_text("Lead" + str(plant.tech_a))
    expect(page.locator("#move .btn.primary")).to_have_text("Complete")

    # The timer runs, on the page and on My work, where the other order's timer says why it cannot start.
    page.get_by_role("button", name="Start timer").click()
    expect(page.locator("#time .running .elapsed")).to_contain_text("0:00:")
    page.goto(f"{asgi_server}/work-orders/my/")
    expect(page.locator(".running-card")).to_contain_text(f"Timer running on {waiting.number}")
    other = page.locator(f'.my-card[data-id="{late.pk}"]')
    expect(other.get_by_role("button", name="Start timer")).to_be_disabled()
    expect(other.locator(".why")).to_have_text(f"Your timer runs on {waiting.number}: stop it first.")
    shot(page, output_dir, "3-my-work-timer-running")

    # The checklist: one pass, one fail with what was found; the follow-up keeps the technician here.
    page.locator(f'.my-card[data-id="{waiting.pk}"]').get_by_role("link", name="Checklist 0/2").click()
    order_url = page.url
    page.locator('[data-check="Guard in place"]').get_by_role("button", name="Pass").click()
    expect(page.locator('[data-check="Guard in place"] .result')).to_have_text("pass")
    seal = page.locator('[data-check="No leaks at the seal"]')
    seal.locator("input[name=text]").fill("Seal leaking")
    seal.get_by_role("button", name="Fail").click()
    expect(seal.locator(".result")).to_have_text("fail")
    expect(seal.locator(".check-finding")).to_have_text("Found: Seal leaking")
    expect(page.locator("#checklist-progress")).to_have_text("2 of 2 done")
    seal.get_by_role("button", name="Create follow-up order").click()
    expect(seal.locator(".follow-up-link")).to_contain_text("Created the follow-up")
    expect(seal.locator(".follow-up-link a")).to_contain_text("Fix: Seal leaking")
    assert page.url == order_url  # still on the order
    follow_up = off_the_loop(lambda: WorkOrder.objects.get(follow_up_of=waiting))
    assert follow_up.title == "Fix: Seal leaking" and follow_up.asset_id == plant.asset_a.pk
    shot(page, output_dir, "4-follow-up-on-the-order")

    # A photo of the seal.
    upload = page.locator("#attachments form")
    upload.locator("input[type=file]").set_input_files(
        {"name": "seal.png", "mimeType": "image/png", "buffer": _photo()})
    upload.locator("input[name=caption]").fill("Seal, drive end")
    upload.get_by_role("button", name="Upload").click()
    expect(page.locator("#attachments .gallery img")).to_have_count(1)
    assert off_the_loop(lambda: Attachment.objects.filter(work_order=waiting).count()) == 1

    # Complete: the highlighted button; the timer stops with it.
    assert _small_targets(page) == []
    page.locator("#move .btn.primary").click()
    expect(page.locator(".msg-success")).to_contain_text(f"{waiting.number} is now Completed")
    expect(page.locator("[data-status]").first).to_have_text("Completed")
    expect(page.locator("#move .btn.primary")).to_have_text("Close")
    shot(page, output_dir, "5-completed")
    done = off_the_loop(lambda: WorkOrder.objects.get(pk=waiting.pk))
    assert done.status == "completed" and done.assignee_id == plant.tech_a.pk
    assert off_the_loop(lambda: TimeEntry.objects.filter(work_order=waiting, ended_at__isnull=True).count()) == 0


@pytest.mark.browser
@needs_chromium
def test_moving_a_board_card_to_assigned_asks_who_and_cancelling_asks_why(browser, live_plant, asgi_server,
                                                                        output_dir):
    from playwright.sync_api import expect

    from workorders.models import WorkOrder

    expect.set_options(timeout=10_000)
    plant = live_plant
    waiting, late = off_the_loop(lambda: _setup(plant))
    page = new_page(browser, {"width": 1366, "height": 900})
    log_in(page, asgi_server, "manager_a")
    page.goto(f"{asgi_server}/work-orders/board/")
    card = page.locator(f'.wo-card[data-id="{waiting.pk}"]')
    card.locator("[data-move]").select_option("assigned")
    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text(f"Assign {waiting.number}")
    expect(page.locator('.board-col[data-status="open"]')).to_contain_text("Check the pump seal")  # not yet moved
    dialog.get_by_label("Who leads it?").select_option(label=str(plant.tech_a))
    shot(page, output_dir, "1-assign-asks-who")
    dialog.get_by_role("button", name="Move").click()
    expect(page.locator('.board-col[data-status="assigned"]')).to_contain_text("Check the pump seal")
    expect(card.locator(".card-error")).to_be_hidden()
    expect(card).to_have_class(re.compile(r"\bmoved\b"))  # the server took the move
    expect(card).to_contain_text(str(plant.tech_a))
    moved = off_the_loop(lambda: WorkOrder.objects.get(pk=waiting.pk))
    assert moved.status == "assigned" and moved.assignee_id == plant.tech_a.pk

    card = page.locator(f'.wo-card[data-id="{late.pk}"]')
    card.locator("[data-move]").select_option("cancelled")
    expect(dialog.get_by_label("Why is it cancelled? (kept with the order)")).to_be_visible()
    dialog.get_by_role("button", name="Back").click()
    expect(dialog).to_be_hidden()
    assert off_the_loop(lambda: WorkOrder.objects.get(pk=late.pk).status) == "assigned"  # nothing happened
    card.locator("[data-move]").select_option("cancelled")
    dialog.get_by_label("Why is it cancelled? (kept with the order)").fill("Motor replaced last week")
    dialog.get_by_role("button", name="Move").click()
    expect(page.locator('.board-col[data-status="cancelled"]')).to_contain_text("Grease the motor bearings")
    expect(card).to_have_class(re.compile(r"\bmoved\b"))
    change = off_the_loop(lambda: WorkOrder.objects.get(pk=late.pk).status_changes.last())
    assert change.to_status == "cancelled" and change.note == "Motor replaced last week"
