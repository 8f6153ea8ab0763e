"""The sensor chart and the CSV import page in Chromium: the chart draws the stored series,
switches range, and appends a reading that arrives over the WebSocket; screenshots on desktop
and phone land in test-output/<test name>/."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from conftest import jwt_client
from tests.browser import LIVE_TIMEOUT, PHONE, log_in, needs_chromium, new_page, off_the_loop, shot


@pytest.mark.browser
@needs_chromium
def test_chart_shows_history_switches_range_and_appends_live(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    from telemetry import services

    plant = live_plant
    vib = plant.sensors_a["vibration"]
    end = timezone.now().replace(microsecond=0) - timedelta(seconds=30)
    n = 6 * 3600 // 5
    values = 2.2 + 0.4 * np.sin(np.arange(n) / 200) + np.random.default_rng(2).normal(0, 0.05, n)
    values[n // 2] = 9.0  # a spike the chart must not lose
    items = [{"sensor": vib.pk, "ts": (end - timedelta(seconds=5 * (n - i))).isoformat(), "value": float(v)}
             for i, v in enumerate(values)]
    off_the_loop(lambda: services.ingest_readings(items))

    page = new_page(browser)
    log_in(page, asgi_server, "tech_a")
    page.goto(f"{asgi_server}/assets/{plant.asset_a.pk}/#telemetry:sensor={vib.pk}&range=24h")
    chart = page.locator("[data-sensor-chart]")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart.locator("[data-chart-info]")).to_contain_text("points from")
    expect(page.locator("[data-live-status]")).to_have_text("live", timeout=LIVE_TIMEOUT)
    expect(chart.locator('[data-range="24h"]')).to_have_attribute("aria-pressed", "true")
    chart.scroll_into_view_if_needed()
    shot(page, output_dir, "chart-24h-desktop")
    chart.screenshot(path=str(output_dir / "chart-24h-desktop-panel.png"))

    chart.locator('[data-range="1h"]').click()
    expect(chart.locator("[data-chart-info]")).to_contain_text("raw readings")
    before = int(chart.get_attribute("data-points"))
    assert 600 <= before <= 721  # one reading every 5 s over the last hour
    assert "range=1h" in page.url

    response = off_the_loop(lambda: jwt_client(plant.tech_a).post(
        "/api/v1/readings/bulk/", [{"sensor": vib.pk, "ts": timezone.now().isoformat(), "value": 3.1}], format="json"))
    assert response.status_code == 201, response.content
    expect(chart).to_have_attribute("data-points", str(before + 1), timeout=LIVE_TIMEOUT)
    shot(page, output_dir, "chart-1h-live-desktop")
    chart.screenshot(path=str(output_dir / "chart-1h-live-desktop-panel.png"))

    phone = new_page(browser, PHONE)
    log_in(phone, asgi_server, "tech_a")
    phone.goto(f"{asgi_server}/assets/{plant.asset_a.pk}/#telemetry:sensor={vib.pk}&range=7d")
    expect(phone.locator("[data-sensor-chart] [data-chart-info]")).to_contain_text("1-minute rollups")
    phone.locator("[data-sensor-chart]").scroll_into_view_if_needed()
    width = phone.evaluate("document.querySelector('[data-sensor-chart] canvas').getBoundingClientRect().width")
    assert width <= 390
    shot(phone, output_dir, "chart-7d-phone")
    phone.locator("[data-sensor-chart]").screenshot(path=str(output_dir / "chart-7d-phone-panel.png"))

    phone.goto(f"{asgi_server}/alerts/imports/")
    expect(phone.locator("h1")).to_have_text("Import historical readings")
    shot(phone, output_dir, "csv-imports-phone")
