"""Browser journey of alarms with Chromium: a manager writes an alarm rule (inline validation
before saving), a crossing raises the alarm, a technician acknowledges it, and the activity feed
tells the story; the pages also on a phone. Screenshots go to test-output/<test>/."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.browser import PHONE, choose, log_in, needs_chromium, new_page, off_the_loop


@needs_chromium
def test_rule_editor_alarm_acknowledge_and_activity(live_plant, asgi_server, browser, output_dir):
    from telemetry.models import Alert
    from telemetry.services import ingest_readings

    sensor = live_plant.sensors_a["vibration"]
    page = new_page(browser)
    log_in(page, asgi_server, "manager_a")
    page.goto(f"{asgi_server}/alerts/rules/")
    page.get_by_text("No alarm rules yet").wait_for()
    page.click("text=New rule")
    page.fill("input[name=name]", "Pump vibration")
    choose(page, "select[name=sensor]", f"{sensor.asset.tag}/{sensor.metric}")
    page.select_option("select[name=condition]", "outside")
    page.fill("input[name=low]", "5")
    page.fill("input[name=high]", "3")
    page.locator("input[name=high]").dispatch_event("change")
    # Checked on the server as the fields change; nothing saved yet.
    page.get_by_text("The high limit must be above the low limit.").wait_for()
    page.screenshot(path=output_dir / "rule_form_error.png", full_page=True)
    assert off_the_loop(lambda: live_plant.site_a.alarm_rules.count()) == 0
    page.fill("input[name=low]", "1")
    page.fill("input[name=high]", "7.5")
    page.fill("input[name=deadband]", "0.5")
    page.click("button[type=submit]")
    page.get_by_text("Alarm rule created: Pump vibration").wait_for()
    page.locator("td", has_text="outside 1 – 7.5 (deadband 0.5)").wait_for()
    page.screenshot(path=output_dir / "rule_list.png", full_page=True)

    t = timezone.now() - timedelta(minutes=5)
    off_the_loop(lambda: ingest_readings([{"sensor": sensor.pk, "ts": (t + timedelta(seconds=i)).isoformat(),
                                           "value": v} for i, v in enumerate([4.0, 9.0, 7.2, 7.8])]))
    assert off_the_loop(lambda: Alert.objects.filter(rule__name="Pump vibration", status="open").count()) == 1

    tech = new_page(browser)
    log_in(tech, asgi_server, "tech_a")
    tech.goto(f"{asgi_server}/alerts/")
    tech.get_by_text("Pump vibration: P-100").first.wait_for()
    tech.click("button:has-text('Acknowledge')")
    tech.get_by_text("Alert acknowledged").wait_for()
    tech.screenshot(path=output_dir / "alerts.png", full_page=True)

    tech.goto(f"{asgi_server}/alerts/activity/?site={live_plant.site_a.pk}")
    tech.locator("[data-kind='alarm.acknowledged']").wait_for()
    tech.locator("[data-kind='alarm.raised']").wait_for()
    tech.screenshot(path=output_dir / "activity.png", full_page=True)
    # Live: the clearing arrives in the open feed without a reload.
    off_the_loop(lambda: ingest_readings([{"sensor": sensor.pk, "ts": (t + timedelta(seconds=10)).isoformat(),
                                           "value": 4.0}]))
    tech.locator("[data-live-events] li.new", has_text="Cleared").wait_for()

    phone = new_page(browser, viewport=PHONE)
    log_in(phone, asgi_server, "manager_a")
    phone.goto(f"{asgi_server}/alerts/rules/")
    phone.get_by_text("Pump vibration").wait_for()
    phone.screenshot(path=output_dir / "rule_list_phone.png", full_page=True)
    phone.click("text=Pump vibration")
    phone.locator("input[name=high]").wait_for()
    phone.screenshot(path=output_dir / "rule_form_phone.png", full_page=True)
    phone.goto(f"{asgi_server}/assets/{live_plant.asset_a.pk}/#activity")
    phone.locator("#activity [data-kind='alarm.cleared']").wait_for()
    phone.screenshot(path=output_dir / "asset_activity_phone.png", full_page=True)
    # No horizontal scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
