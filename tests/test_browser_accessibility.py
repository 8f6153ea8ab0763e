"""The main pages checked with axe-core (vendored in tests/vendor/, injected by the test only) and
photographed at phone (390 x 844) and desktop (1366 x 900) widths for a person to look at:
dashboard, My work, an order, the asset register, an asset, the board and the alerts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import PHONE, log_in, needs_chromium, new_page, off_the_loop, shot

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WIDE = {"width": 1366, "height": 900}
SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 4).map(n => n.target.join(" ")).join(", ")}`);
}"""


def _seed(plant):
    from prosync.core import humanize
    from telemetry.models import Alert
    from tests.test_browser import seed_assessed_plant
    from workorders.models import WorkOrder

    wo = seed_assessed_plant(plant)
    # The low-health alert as the assessment now words it, the score it was raised at in its details.
    drivers = "; ".join(humanize.feature_text(f, v) for f, v in (("vibration__ewm", 5.91), ("vibration__slope", 0.42)))
    Alert.objects.filter(asset=plant.asset_a, source="prediction").update(
        details={"health": 14.0}, title=f"{plant.asset_a.tag}: " + humanize.health_text(14, 12, 8, 16, "minutes"),
        message=f"{plant.asset_a.name}: the health model expects a failure in about 12 minutes. "
                f"What drives it: {drivers}.")
    WorkOrder.objects.filter(pk=wo.pk).update(description=Alert.objects.get(asset=plant.asset_a,
                                                                          source="prediction").message)
    return wo


def _pages(plant, wo) -> list[tuple[str, str, str]]:
    """(name, user, path) of the pages to check."""
    return [
        ("dashboard", "manager_a", "/"),
        ("my-work", "tech_a", "/work-orders/my/"),
        ("order", "tech_a", f"/work-orders/{wo.pk}/"),
        ("asset-register", "manager_a", "/assets/"),
        ("asset", "manager_a", f"/assets/{plant.asset_a.pk}/"),
        ("board", "manager_a", "/work-orders/board/"),
        ("alerts", "manager_a", "/alerts/"),
    ]


@pytest.mark.browser
@needs_chromium
def test_main_pages_have_no_serious_accessibility_violations(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    plant = live_plant
    wo = off_the_loop(lambda: _seed(plant))
    pages = {}
    for viewport, label in ((PHONE, "phone"), (WIDE, "desktop")):
        for user in ("manager_a", "tech_a"):
            page = new_page(browser, viewport, inject_scripts=True)
            log_in(page, asgi_server, user)
            page.wait_for_url(lambda url: "/login/" not in url)
            pages[(label, user)] = page
    found = {}
    for name, user, path in _pages(plant, wo):
        for label in ("phone", "desktop"):
            page = pages[(label, user)]
            page.goto(f"{asgi_server}{path}")
            page.wait_for_load_state("networkidle")
            expect(page.locator("h1").first).to_be_visible()
            if name == "asset":  # each tab's body comes as it scrolls into view: bring them all in
                for section in page.locator("section.card[id]").all():
                    section.scroll_into_view_if_needed()
                    expect(section.locator("[data-panel] .loading")).to_have_count(0)
                page.wait_for_load_state("networkidle")
            shot(page, output_dir, f"{name}-{label}")
            if label == "desktop":  # the checks are the same markup at both widths, save contrast of phone-only styles
                continue
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(SERIOUS)
            if violations:
                found[name] = violations
    assert found == {}, "\n".join(f"{page}: {v}" for page, vs in found.items() for v in vs)


@pytest.mark.browser
@needs_chromium
def test_the_register_and_the_asset_show_health_in_band_colours(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    plant = live_plant
    off_the_loop(lambda: _seed(plant))
    page = new_page(browser, WIDE)
    log_in(page, asgi_server, "manager_a")
    page.goto(f"{asgi_server}/assets/?sort=health")
    first = page.locator("#results tbody tr").first
    expect(first).to_contain_text(plant.asset_a.tag)  # the sickest first
    expect(first.locator(".health.poor")).to_have_text("31 / 100, Poor")
    box = page.locator(".filters input[name=q]")
    box.press_sequentially("P-1", delay=30)
    page.wait_for_url(re.compile(r"q=P-1(&|$)"))
    box.press_sequentially("00", delay=30)
    page.wait_for_url(re.compile(r"q=P-100(&|$)"))
    expect(page.locator("#results tbody tr").first).to_contain_text(plant.asset_a.tag)
    assert page.url.count("q=") == 1, page.url  # the filters do not pile up
    page.goto(f"{asgi_server}/assets/{plant.asset_a.pk}/")
    expect(page.locator(".page-head .health-chip.poor")).to_have_text("Health 31/100 · Poor")
    page.locator("#health").scroll_into_view_if_needed()  # the tab's body comes as it is shown
    expect(page.locator("#health [data-health-text]")).to_contain_text("Health 31/100 · likely to fail in about")
    expect(page.locator("#health .contribs")).to_contain_text("Vibration recent average: 5.9 mm/s")
    expect(page.locator("#health")).not_to_contain_text("p(fail")
    page.goto(f"{asgi_server}/alerts/")
    expect(page.locator(".health-now").first).to_contain_text("Health now 31/100")
    expect(page.locator(".health-now").first).to_contain_text("14/100 when raised")
