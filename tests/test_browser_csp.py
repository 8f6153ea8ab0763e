"""The Content-Security-Policy in a real browser: Chromium walks the main pages (Swagger UI and the
admin included) and no script, style, connection or frame is blocked, while the pages' scripts
still work (the live feed connects, the rule editor shows its fields, Swagger UI lists the API)."""

from __future__ import annotations

import pytest

from tests.browser import LIVE_TIMEOUT, log_in, needs_chromium, new_page, off_the_loop

# Recorded before any script of the page runs (init scripts are not subject to the page's policy).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


def watched_page(browser):
    page = new_page(browser)
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: console.append(f"page error: {e}"))
    return page, console


def violations(page, console):
    return page.evaluate("window.__cspViolations || []") + console


@pytest.mark.browser
@needs_chromium
def test_main_pages_run_under_the_policy_without_a_violation(browser, live_plant, asgi_server):
    from playwright.sync_api import expect

    from workorders.models import WorkOrder

    plant = live_plant
    order = off_the_loop(lambda: WorkOrder.objects.create(site=plant.site_a, asset=plant.asset_a,
                                                          title="Replace the seal", created_by=plant.manager_a))
    page, console = watched_page(browser)
    log_in(page, asgi_server, "manager_a")
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator("[data-live-status]")).to_have_text("live", timeout=LIVE_TIMEOUT)  # WebSocket allowed
    seen = {}
    for path in ["/assets/", f"/assets/{plant.asset_a.pk}/", "/assets/parts/", "/assets/locations/",
                 "/work-orders/", f"/work-orders/{order.pk}/", "/work-orders/board/", "/work-orders/calendar/",
                 "/work-orders/my/", "/work-orders/requests/", "/alerts/", "/alerts/rules/",
                 f"/alerts/activity/?site={plant.site_a.pk}", "/predictions/models/", "/notifications/",
                 f"/assets/labels/?ids={plant.asset_a.pk}", "/reports/", "/reports/reliability/", "/reports/work/",
                 "/search/?q=pump", "/manage/people/", "/manage/settings/", "/manage/work/codes/",
                 "/manage/work/checklists/", "/assets/downtime/"]:
        page.goto(f"{asgi_server}{path}")
        page.wait_for_load_state("networkidle")
        seen[path] = violations(page, console)
        console.clear()

    page.goto(f"{asgi_server}/assets/{plant.asset_a.pk}/")
    expect(page.locator("[data-live-status]")).to_have_text("live", timeout=LIVE_TIMEOUT)
    page.click("nav.tabs a[href='#telemetry']")
    page.wait_for_load_state("networkidle")
    seen["asset telemetry tab"] = violations(page, console)
    console.clear()

    page.goto(f"{asgi_server}/alerts/rules/new/")
    page.select_option("select[name=condition]", "stale")
    expect(page.locator("input[name=stale_minutes]")).to_be_visible()  # rule_form.js runs
    expect(page.locator("input[name=high]")).to_be_hidden()
    seen["rule editor"] = violations(page, console)
    console.clear()

    page.goto(f"{asgi_server}/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
    seen["Swagger UI"] = violations(page, console)
    console.clear()

    admin, admin_console = watched_page(browser)
    log_in(admin, asgi_server, "admin1")
    for path in ["/admin/", "/admin/assets/asset/", f"/admin/assets/asset/{plant.asset_a.pk}/change/"]:
        admin.goto(f"{asgi_server}{path}")
        admin.wait_for_load_state("networkidle")
        seen[path] = violations(admin, admin_console)
        admin_console.clear()

    assert {where: found for where, found in seen.items() if found} == {}


@pytest.mark.browser
@needs_chromium
def test_an_injected_inline_script_is_blocked_and_reported(browser, live_plant, asgi_server):
    """The check above can fail: inline code the page did not bring is refused and seen."""
    page, console = watched_page(browser)
    log_in(page, asgi_server, "viewer_a")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.__ran = true";
                             document.body.append(s); }""")
    assert page.evaluate("window.__ran === true") is False
    assert any("script-src" in v for v in violations(page, console))
