"""Reports in a real browser (Debian's Chromium driven by Playwright against the real ASGI app
under uvicorn, on the test database): the overview loads, charts are drawn, and a click on a bar
or on a figure lands on the filtered list of orders behind it; on a phone nothing spills sideways.

Screenshots of the overview, every family page and the dashboard land in
test-output/<test name>/ at 390x844 and 1366x900 for a person to look at."""

from __future__ import annotations

import re

import pytest

from prosync.tests.test_report_pages import history
from tests.browser import PHONE, choose, log_in, needs_chromium, new_page, off_the_loop, shot

WIDE = {"width": 1366, "height": 900}
FAMILIES = ("reliability", "work", "cost", "predictive")


def drawn_pixels(page, selector: str) -> int:
    """Pixels a chart's canvas has painted (0 for a blank canvas)."""
    return page.evaluate("""(sel) => {
        const c = document.querySelector(sel + ' canvas');
        if (!c || !c.width || !c.height) return 0;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
        return n;
    }""", selector)


def click_bar(page, chart_key: str, index: int, count: int):
    over = page.locator(f'[data-chart="{chart_key}"] .u-over')
    over.scroll_into_view_if_needed()
    box = over.bounding_box()
    over.click(position={"x": box["width"] * (index + 0.5) / count, "y": box["height"] - 4})


@pytest.mark.browser
@needs_chromium
def test_reports_overview_charts_and_drill_down(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    plant = live_plant
    off_the_loop(lambda: history(plant, 6, days=20))
    page = new_page(browser, WIDE)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, asgi_server, "viewer_a")

    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.locator("h1")).to_have_text("Reports")
    for family in FAMILIES:
        expect(page.locator(f'.report-group[data-family="{family}"] .rtile').first).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("P-200")
    shot(page, output_dir, "1-overview-desktop")

    # A tile's number opens the orders it counts: site A's one overdue order, not site B's.
    page.goto(f"{asgi_server}/reports/work/?period=30d")
    overdue = page.locator('[data-figure="overdue"] a.rtile-n')
    expect(overdue).to_have_text("1")
    overdue.click()
    expect(page).to_have_url(f"{asgi_server}/work-orders/?overdue=true")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Overdue check on P-100")

    # A chart is drawn, and a click on its bar lands on the orders behind that bar.
    page.goto(f"{asgi_server}/reports/reliability/?period=30d")
    chart = '[data-chart="failures_by_code"]'
    expect(page.locator(f"{chart} canvas")).to_be_visible()
    box = page.locator(f"{chart} canvas").bounding_box()
    assert box["width"] > 300 and box["height"] > 150, box
    assert drawn_pixels(page, chart) > 500
    table = page.locator("#chart-failures_by_code table.report-table")
    expect(table.locator("tbody tr").first).to_contain_text("VIB")  # most failures first: 4 of the 6
    expect(table.locator("tbody tr").first.locator("td.num").first).to_have_text("4")
    shot(page, output_dir, "2-reliability-desktop")
    click_bar(page, "failures_by_code", 0, count=table.locator("tbody tr").count())
    expect(page).to_have_url(re.compile(r"/work-orders/\?.*problem_code="))
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(4)
    for i in (0, 1, 3, 4):
        expect(page.locator("#results")).to_contain_text(f"Vibration on P-100 #{i}")
    expect(page.locator("#results")).not_to_contain_text("Vibration on P-100 #2")  # a seal leak
    expect(page.locator("#results")).not_to_contain_text("P-200")

    # The table under a chart sorts by a click on its header.
    page.go_back()
    header = page.locator("#chart-failures_by_code th button", has_text="Failures")
    header.click()
    expect(page.locator("#chart-failures_by_code table.report-table tbody tr").first).to_contain_text("LEAK")

    # A filter chosen in a searchable select applies at once and the URL keeps each filter once,
    # the empty ones left out.
    failures = page.locator('[data-figure="failures"]')
    expect(failures.locator(".trend")).to_have_class(re.compile("trend-bad"))  # more failures than before: red
    expect(failures.locator(".rtile-n")).not_to_have_text("0")
    choose(page, "select[name=asset]", "Motor A")  # a machine without a failure
    expect(page).to_have_url(f"{asgi_server}/reports/reliability/?period=30d&asset={plant.child_a.pk}")
    expect(failures.locator(".rtile-n")).to_have_text("0")
    # Custom dates appear once "Custom dates" is chosen, and go into the URL with the period.
    expect(page.locator("input[name=start]")).to_be_hidden()
    page.select_option("select[name=period]", "custom")
    page.fill("input[name=start]", "2026-03-01")
    page.fill("input[name=end]", "2026-03-31")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{asgi_server}/reports/reliability/?period=custom&start=2026-03-01&end=2026-03-31"
                             f"&asset={plant.child_a.pk}")
    expect(page.locator(".page-head")).to_contain_text("01 Mar 2026 – 31 Mar 2026")

    for family in FAMILIES:
        page.goto(f"{asgi_server}/reports/{family}/?period=30d")
        expect(page.locator(".rtile").first).to_be_visible()
        shot(page, output_dir, f"3-{family}-desktop")
    page.goto(f"{asgi_server}/")
    expect(page.locator('[data-chart="opened_closed"] canvas')).to_be_visible()
    assert drawn_pixels(page, '[data-chart="opened_closed"]') > 500
    shot(page, output_dir, "4-dashboard-desktop")
    assert errors == []


@pytest.mark.browser
@needs_chromium
def test_reports_on_a_phone(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    plant = live_plant
    off_the_loop(lambda: history(plant, 6, days=20))
    page = new_page(browser, PHONE)
    log_in(page, asgi_server, "manager_a")
    wide = "() => document.documentElement.scrollWidth"
    page.goto(f"{asgi_server}/reports/?period=30d")
    expect(page.locator(".rtile").first).to_be_visible()
    assert page.evaluate(wide) <= PHONE["width"]
    shot(page, output_dir, "1-overview-phone")
    for family in FAMILIES:
        page.goto(f"{asgi_server}/reports/{family}/?period=30d")
        expect(page.locator(".rtile").first).to_be_visible()
        charts = page.locator(".report-chart canvas")
        if charts.count():
            assert charts.first.bounding_box()["width"] <= PHONE["width"]
        assert page.evaluate(wide) <= PHONE["width"], family  # wide tables scroll inside their box
        shot(page, output_dir, f"2-{family}-phone")
    page.goto(f"{asgi_server}/")
    expect(page.locator('[data-chart="backlog_trend"] canvas')).to_be_visible()
    assert page.evaluate(wide) <= PHONE["width"]
    shot(page, output_dir, "3-dashboard-phone")
