"""The planner's path through the asset register in a real browser (Debian's Chromium driven by
Playwright, against the ASGI app under uvicorn on the test database): find an asset through the
filters, open it, move it under another parent, attach a photo, print its label.

Screenshots land in test-output/<test name>/ (desktop and a 390x844 phone)."""

from __future__ import annotations

import io
import re

import pytest

from tests.browser import PHONE, choose, log_in, needs_chromium, new_page, off_the_loop, shot


def _png() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (640, 420), (32, 96, 160))
    ImageDraw.Draw(img).rectangle((60, 60, 580, 360), outline=(255, 255, 255), width=12)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def media_root(tmp_path, monkeypatch):
    """Uploads of the server under test go to a temporary directory (set before it starts)."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "media"))
    return tmp_path / "media"


@pytest.mark.browser
@needs_chromium
def test_planner_finds_moves_photographs_and_labels_an_asset(browser, media_root, live_plant, asgi_server,
                                                             output_dir, tmp_path):
    from playwright.sync_api import expect

    from assets import services
    from assets.models import Asset, AssetDocument

    plant = live_plant
    skid = off_the_loop(lambda: services.create_asset(actor=None, site=plant.site_a, tag="SKID-9",
                                                      name="Cooling skid", criticality="A"))
    page = new_page(browser)
    log_in(page, asgi_server, "manager_a")
    expect(page.locator("h1")).to_have_text("Dashboard")

    # Find the motor through the filters: the table updates in place and the URL keeps the state.
    page.goto(f"{asgi_server}/assets/")
    page.locator("main input[name=q]").press_sequentially("motor", delay=30)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/assets/\?.*\bq=motor\b"))
    page.check("input[name=criticality][value=B]")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/assets/\?.*\bcriticality=B\b.*\bq=motor\b"))
    shot(page, output_dir, "1-list-filtered")

    # Open it, and move it under the skid.
    page.click(f"#results a:text-is('{plant.child_a.tag}')")
    expect(page.locator("h1")).to_contain_text(plant.child_a.tag)
    expect(page.locator(".breadcrumbs")).to_contain_text(plant.asset_a.tag)
    page.click("[data-action=move]")
    expect(page.locator("h1")).to_have_text(f"Move {plant.child_a.tag}")
    choose(page, "select[name=parent]", "SKID-9")
    shot(page, output_dir, "2-move-form")
    page.click("button:text-is('Move')")
    expect(page.locator(".msg")).to_contain_text("moved")
    expect(page.locator(".breadcrumbs")).to_contain_text("SKID-9")
    expect(page.locator(".breadcrumbs")).not_to_contain_text(f"{plant.asset_a.tag} ›")
    assert off_the_loop(lambda: Asset.objects.get(pk=plant.child_a.pk).parent_id) == skid.pk
    page.click("summary:text-is('Change status…')")  # the form comes when it is opened
    expect(page.locator("details.inline-form select[name=reason_code]")).to_be_visible()
    page.select_option("details.inline-form select[name=status]", "down")
    page.select_option("details.inline-form select[name=reason_code]", "breakdown")
    page.click("details.inline-form button:text-is('Record status change')")
    expect(page.locator(".msg")).to_contain_text("is now down")
    # A down asset's page comes with its status form open and loaded, for the way back to service.
    expect(page.locator("details.inline-form[open] select[name=reason_code]")).to_be_visible()
    expect(page.locator("details.inline-form[open] select[name=status] option[value=down]")).to_have_count(0)

    # Attach a photo: it is listed with its preview.
    photo = tmp_path / "motor-nameplate.png"
    photo.write_bytes(_png())
    page.click("nav.tabs a[href='#documents']")  # the tab's body comes as it is shown
    expect(page.locator("#documents details.inline-form")).to_have_attribute("open", "")  # no documents yet
    page.set_input_files("#documents input[type=file]", str(photo))
    page.fill("#documents input[name=title]", "Motor nameplate")
    page.click("#documents button:text-is('Upload')")
    expect(page.locator(".msg")).to_contain_text("Motor nameplate")
    thumb = page.locator("#documents img.thumb")
    expect(thumb).to_have_count(1)
    page.wait_for_function("document.querySelector('#documents img.thumb').naturalWidth > 0")
    assert off_the_loop(lambda: AssetDocument.objects.get().kind) == "photo"
    page.locator("#documents").scroll_into_view_if_needed()
    shot(page, output_dir, "3-asset-with-photo")

    # Print its label: the label sheet with the QR code, and its printed (PDF) form.
    page.click("[data-action=label]")
    expect(page.locator("[data-label-asset]")).to_have_count(1)
    expect(page.locator(".label .tag")).to_have_text(plant.child_a.tag)
    expect(page.locator(".label svg")).to_have_count(1)
    shot(page, output_dir, "4-label-sheet")
    page.emulate_media(media="print")
    expect(page.locator(".bar")).to_be_hidden()
    pdf = page.pdf(format="A4", print_background=True)
    (output_dir / "label-sheet.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000

    # The same pages on a phone.
    phone = new_page(browser, PHONE, storage_state=page.context.storage_state())
    phone.goto(f"{asgi_server}/assets/?q=motor")
    expect(phone.locator("#results tbody tr")).to_have_count(1)
    shot(phone, output_dir, "5-phone-list")
    phone.goto(f"{asgi_server}/assets/{plant.child_a.pk}/")
    expect(phone.locator("h1")).to_contain_text(plant.child_a.tag)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the asset page scrolls sideways on a phone ({width}px)"
    shot(phone, output_dir, "6-phone-asset")

