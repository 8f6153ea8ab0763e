"""The downtime list the reports' downtime figures lead to, in a real browser on a phone and a desktop."""

import pytest

from prosync.tests.test_report_kpis import make_codes, reliability_history, scope_for
from tests.browser import DESKTOP, PHONE, log_in, needs_chromium, new_page, off_the_loop, shot


@pytest.mark.browser
@needs_chromium
def test_report_downtime_drill_down_page_on_phone_and_desktop(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    from prosync.reports.kpis import FAMILIES

    plant = live_plant

    def build():
        reliability_history(plant, make_codes())
        result = FAMILIES["reliability"](scope_for(plant.tech_a), plant.tech_a)
        chart = next(c for c in result.charts if c.key == "downtime_by_reason")
        return chart.drill_urls[chart.labels.index("Breakdown (unplanned failure)")]

    url = off_the_loop(build)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(browser, viewport)
        log_in(page, asgi_server, "tech_a")
        page.goto(asgi_server + url)
        expect(page.locator("h1")).to_have_text("Downtime")
        rows = page.locator("#results tbody tr")
        # The pump's two overlapping breakdowns on Monday; site B's breakdown is not shown.
        expect(rows).to_have_count(2)
        expect(page.locator("#results")).to_contain_text("P-100")
        expect(page.locator("#results")).not_to_contain_text("P-200")
        expect(page.locator("#results")).to_contain_text("Breakdown (unplanned failure)")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, f"the page scrolls sideways on a {name}: {width} px"
        shot(page, output_dir, f"downtime-{name}")
