"""The planner's global search in a real browser (Chromium + Playwright against uvicorn on the test
database): Ctrl-K and "/" reach the header's box, the misspelt "compresor" finds the compressors
in the dropdown and on the results page, and another site's assets never appear; on a phone the
box folds to an icon that opens it. Screenshots in test-output/<test name>/."""

from __future__ import annotations

import re

import pytest

from tests.browser import PHONE, log_in, needs_chromium, new_page, off_the_loop, shot

WIDE = {"width": 1366, "height": 900}


def _compressors(plant):
    from assets.models import Asset

    Asset.objects.create(site=plant.site_a, tag="C-301", name="Air compressor", manufacturer="Atlas Copco")
    Asset.objects.create(site=plant.site_a, tag="C-302", name="Compressor skid 2")
    Asset.objects.create(site=plant.site_b, tag="C-900", name="Bravo compressor")


@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_planner_search_finds_compressors_despite_misspelling(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    off_the_loop(lambda: _compressors(live_plant))
    page = new_page(browser, WIDE)
    log_in(page, asgi_server, "manager_a")
    expect(page.locator("h1")).to_be_visible()
    box = page.locator("header [data-global-search] input[name=q]")
    page.keyboard.press("Control+k")
    expect(box).to_be_focused()
    box.press_sequentially("compresor", delay=30)
    dropdown = page.locator("[data-search-results]")
    expect(dropdown).to_be_visible()
    expect(dropdown).to_contain_text("C-301 Air compressor")
    expect(dropdown).to_contain_text("C-302 Compressor skid 2")
    expect(dropdown).not_to_contain_text("C-900")
    shot(page, output_dir, "header-dropdown-desktop")
    box.press("ArrowDown")  # the arrow keys walk the results
    expect(dropdown.locator("a").first).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()
    page.keyboard.press("Escape")  # closes the dropdown (and Chromium empties a search box)
    expect(dropdown).to_be_hidden()

    page.locator("main h1").click()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    expect(box).to_have_value("")  # the key that opened the box is not typed into it
    box.press_sequentially("compresor", delay=30)
    box.press("Enter")
    expect(page).to_have_url(f"{asgi_server}/search/?q=compresor")
    assets = page.locator("[data-search-kind=asset]")
    expect(assets.locator("h2")).to_have_text("Assets 2")
    expect(assets.locator(".search-hits li")).to_have_count(2)
    expect(assets).to_contain_text("C-301 Air compressor")
    expect(assets.locator("mark").first).to_have_text(re.compile("^compressor$", re.IGNORECASE))
    expect(page.locator("main")).not_to_contain_text("C-900")
    expect(page.locator("main")).not_to_contain_text("Bravo")
    shot(page, output_dir, "results-desktop")
    assets.locator("a", has_text="C-301").click()
    expect(page.locator("h1")).to_contain_text("C-301")

    # Nothing found: a clear empty state, not a blank page.
    page.goto(f"{asgi_server}/search/?q=zzyzx")
    expect(page.locator("[data-search-empty]")).to_contain_text("Nothing found for “zzyzx”")


@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_search_on_a_phone_opens_from_the_header_icon(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    off_the_loop(lambda: _compressors(live_plant))
    page = new_page(browser, PHONE)
    log_in(page, asgi_server, "tech_b")  # site B: finds its compressor and none of site A's
    box = page.locator("header [data-global-search] input[name=q]")
    icon = page.locator("header [data-search-open]")
    expect(box).to_be_hidden()
    expect(icon).to_be_visible()
    size = icon.bounding_box()
    assert size["width"] >= 44 and size["height"] >= 44, size
    shot(page, output_dir, "header-phone")
    icon.tap()
    expect(box).to_be_visible()
    expect(box).to_be_focused()
    box.press_sequentially("compresor", delay=30)
    expect(page.locator("[data-search-results]")).to_contain_text("C-900 Bravo compressor")
    shot(page, output_dir, "header-phone-open")
    box.press("Enter")
    assets = page.locator("[data-search-kind=asset]")
    expect(assets.locator(".search-hits li")).to_have_count(1)
    expect(assets).to_contain_text("C-900 Bravo compressor")
    expect(page.locator("main")).not_to_contain_text("C-301")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, output_dir, "results-phone")
