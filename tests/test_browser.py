"""End-to-end journeys in a real browser: Debian's Chromium driven by Playwright (sync API)
against the real ASGI app under uvicorn (HTTP + WebSockets) on the test database.

Screenshots of every page visited land in test-output/<test name>/ (desktop 1280x900 and a
390x844 phone viewport) for a person to look at."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import degrading_readings, jwt_client
from tests.browser import LIVE_TIMEOUT, PHONE, log_in, needs_chromium, new_page, off_the_loop, shot


@pytest.mark.browser
@needs_chromium
def test_technician_logs_in_and_sees_a_reading_arrive_live_on_the_asset_page(browser, live_plant, asgi_server,
                                                                             output_dir):
    from playwright.sync_api import expect

    plant = live_plant
    sensor = plant.sensors_a["vibration"]
    page = new_page(browser)
    log_in(page, asgi_server, "tech_a")
    expect(page).to_have_url(f"{asgi_server}/work-orders/my/")  # a technician's day starts on My work
    expect(page.locator("h1")).to_have_text("My work")
    page.goto(f"{asgi_server}/")
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator(".nav-user")).to_contain_text("tech_a")
    expect(page.locator("[data-live-status]")).to_have_text("live", timeout=LIVE_TIMEOUT)  # the site's feed
    shot(page, output_dir, "dashboard-desktop")

    page.goto(f"{asgi_server}/assets/{plant.asset_a.pk}/")
    expect(page.locator("h1")).to_contain_text(plant.asset_a.tag)
    status = page.locator("[data-live-status]")
    expect(status).to_have_text("live", timeout=LIVE_TIMEOUT)
    page.click("nav.tabs a[href='#telemetry']")  # the tab's body comes as it is shown
    value = page.locator(f'[data-sensor-value="{sensor.pk}"]')
    expect(value).to_have_text("—")
    shot(page, output_dir, "asset-desktop-before-reading")

    # A marker on the window survives only if the page is not reloaded.
    page.evaluate("window.__noReload = true")
    response = off_the_loop(lambda: jwt_client(plant.tech_a).post(
        "/api/v1/readings/bulk/", [{"sensor": sensor.pk, "ts": timezone.now().isoformat(), "value": 4.321}],
        format="json"))
    assert response.status_code == 201, response.content
    expect(value).to_have_text("4.32", timeout=LIVE_TIMEOUT)
    expect(page.locator(f'[data-sensor-ts="{sensor.pk}"]')).not_to_have_text("no data yet")
    assert page.evaluate("window.__noReload") is True
    expect(status).to_have_text("live")
    shot(page, output_dir, "asset-desktop-after-reading")

    phone = new_page(browser, PHONE, storage_state=page.context.storage_state())
    for name, path in [("dashboard", "/"), ("asset", f"/assets/{plant.asset_a.pk}/#telemetry"), ("assets", "/assets/")]:
        phone.goto(f"{asgi_server}{path}")
        if name == "asset":
            expect(phone.locator(f'[data-sensor-value="{sensor.pk}"]')).to_have_text("4.32")
        if name in ("asset", "dashboard"):
            expect(phone.locator("[data-live-status]")).to_have_text("live", timeout=LIVE_TIMEOUT)
        shot(phone, output_dir, f"{name}-phone")
        # Nothing may be wider than the phone: no sideways scrolling of the whole page.
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    phone.click("label.nav-toggle-label")
    expect(phone.locator("nav.nav")).to_be_visible()
    shot(phone, output_dir, "menu-phone")


@pytest.mark.browser
@needs_chromium
def test_technician_cannot_see_the_other_sites_asset(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    plant = live_plant
    page = new_page(browser)
    log_in(page, asgi_server, "tech_a")
    expect(page).to_have_url(f"{asgi_server}/work-orders/my/")

    response = page.goto(f"{asgi_server}/assets/{plant.asset_b.pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(plant.asset_b.name)
    shot(page, output_dir, "other-site-asset-404")

    page.goto(f"{asgi_server}/assets/")
    tags = page.locator("#results table tbody td:first-child")
    expect(tags.get_by_role("link", name=plant.asset_a.tag, exact=True)).to_be_visible()
    assert plant.asset_b.tag not in tags.all_inner_texts()
    expect(page.locator("#results")).not_to_contain_text(plant.asset_b.tag)
    expect(page.locator("#results")).not_to_contain_text(plant.asset_b.name)
    shot(page, output_dir, "asset-list-desktop")


@pytest.mark.browser
@needs_chromium
def test_anonymous_visitor_is_sent_to_login_and_a_wrong_password_is_refused(browser, live_plant, asgi_server,
                                                                            output_dir):
    from playwright.sync_api import expect

    page = new_page(browser)
    page.goto(f"{asgi_server}/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("nav.nav")).to_have_count(0)
    expect(page.locator("[data-live-status]")).to_be_hidden()  # no live feed on this page
    shot(page, output_dir, "login-desktop")

    page.fill("input[name=username]", "tech_a")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).to_contain_text("correct username and password")
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator("input[name=username]")).to_have_value("tech_a")
    shot(page, output_dir, "login-error-desktop")

    phone = new_page(browser, PHONE)
    phone.goto(f"{asgi_server}/login/")
    shot(phone, output_dir, "login-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("path", ["/assets/", "/work-orders/", "/alerts/"])
def test_filter_form_offers_no_choice_from_another_site(plant, client, path):
    """The lists' filter forms (site, parent, asset, sensor, assignee) must not name what belongs
    to a site the user is not a member of. Plain test client: this is about the HTML served."""
    client.force_login(plant.tech_a)
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    for leaked in (plant.site_b.name, plant.asset_b.tag, plant.sensors_b["vibration"].key, plant.tech_b.username):
        assert leaked not in html, f"{leaked!r} of site B is offered on {path} to a technician of site A"


def seed_assessed_plant(plant):
    """What an hour of the scheduled assessment leaves behind for a pump going bad (P-100), its motor
    to watch and the healthy pump of the other site, written directly: training a real model takes
    longer than this whole file may. The real pipeline is covered in predictions/tests."""
    from predictions.constants import LOW_HEALTH_CAUSE
    from predictions.features import feature_names
    from predictions.models import HealthAssessment, ModelVersion
    from telemetry.services import ingest_readings, raise_alert
    from telemetry.simulation import METRICS
    from workorders.services import create_work_order

    mv = ModelVersion.objects.create(
        name="pump-health", category=plant.category, version=1, status="active", artifact=b"",
        training_source="simulated: 60 run-to-failure runs of a centrifugal pump",
        feature_names=feature_names(list(METRICS)), params={"rul_unit": "minutes"},
        metrics={"rul_rmse": 6.8, "interval_coverage": 0.79, "interval_nominal": 0.8, "fail_brier": 0.061})
    now = timezone.now()
    drivers = [("vibration__ewm", -38.2, 5.91), ("vibration__slope", -21.7, 0.42), ("temperature__max", -9.4, 78.3),
               ("current__std", 4.1, 0.8), ("pressure__mean", -2.6, 6.4)]
    for asset, start, end in [(plant.asset_a, 93, 31), (plant.child_a, 81, 56), (plant.asset_b, 90, 88)]:
        rows = []
        for i in range(30):
            health = start + (end - start) * (i / 29) ** 1.6
            rows.append(HealthAssessment(
                asset=asset, model_version=mv, assessed_at=now - timedelta(minutes=2 * (29 - i)), health_score=health,
                failure_probability=round(max(0.0, (70 - health) / 60), 2), rul=health * 0.9,
                rul_lower=health * 0.7, rul_upper=health * 1.1,
                contributions=[{"feature": f, "contribution": c, "value": v} for f, c, v in drivers]))
        HealthAssessment.objects.bulk_create(rows)
    for sensors, wear in [(plant.sensors_a, 0.95), (plant.sensors_b, 0.05)]:
        ingest_readings(degrading_readings(sensors, wear_from=wear, wear_to=wear, minutes=1))
    alert, _ = raise_alert(asset=plant.asset_a, cause=LOW_HEALTH_CAUSE, source="prediction", severity="critical",
                           title=f"Health of {plant.asset_a.tag} is 31/100",
                           message="Remaining useful life about 28 min (22–34). Main drivers: vibration__ewm "
                                   "(-38.2), vibration__slope (-21.7), temperature__max (-9.4).")
    raise_alert(asset=plant.child_a, cause="out_of_range", source="rule", severity="warning",
                title="Temperature above expected range on P-100-M")
    wo = create_work_order(asset=plant.asset_a, title=f"Inspect {plant.asset_a.tag}: predicted failure",
                           kind="predictive", priority="urgent", source="prediction", source_ref=str(alert.pk),
                           description="Health 31/100, remaining useful life about 28 min.\n\nMain drivers:\n"
                                       "- vibration__ewm (-38.2)\n- vibration__slope (-21.7)\n"
                                       "- temperature__max (-9.4)")
    create_work_order(asset=plant.child_a, title="Replace motor bearing grease", kind="preventive",
                      priority="medium", assignee=plant.tech_a, due_at=now + timedelta(days=3))
    return wo


@pytest.mark.browser
@needs_chromium
def test_screenshots_of_an_assessed_plant(browser, live_plant, asgi_server, output_dir):
    """Screenshot tour of a plant with a failing pump: health trend and drivers, the alert and the
    predictive work order it raised, on every page a planner uses, desktop and phone."""
    from playwright.sync_api import expect

    plant = live_plant
    wo = off_the_loop(lambda: seed_assessed_plant(plant))
    pages = [("dashboard", "/"), ("asset", f"/assets/{plant.asset_a.pk}/#health"), ("assets", "/assets/"),
             ("workorders", "/work-orders/"), ("workorder", wo.get_absolute_url()), ("alerts", "/alerts/"),
             ("models", "/predictions/models/")]
    desktop = new_page(browser)
    log_in(desktop, asgi_server, "manager_a")
    expect(desktop).to_have_url(f"{asgi_server}/")
    phone = new_page(browser, PHONE, storage_state=desktop.context.storage_state())
    for page, suffix in [(desktop, "desktop"), (phone, "phone")]:
        for name, path in pages:
            response = page.goto(f"{asgi_server}{path}")
            assert response.status == 200, path
            if name == "asset":
                expect(page.locator("#health-chart .uplot")).to_be_visible()
                expect(page.locator("[data-health-contribs] li")).to_have_count(5)
                expect(page.locator("[data-health-score]")).to_have_text("31")
            if name in ("asset", "dashboard"):
                expect(page.locator("[data-live-status]")).to_have_text("live", timeout=LIVE_TIMEOUT)
            shot(page, output_dir, f"{name}-{suffix}")
            if suffix == "phone":
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
