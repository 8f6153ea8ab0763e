"""Large choice lists (locations, assets, parts, people, sensors) as searchable selects: the one
choices endpoint finds only what the user may see, and pages render the chosen option alone."""

from __future__ import annotations

import re

import pytest

from conftest import session_client
from tests.browser import PHONE, choose, log_in, needs_chromium, new_page, off_the_loop, shot

pytestmark = pytest.mark.django_db


def _locations(plant):
    from assets.models import Location

    def make(site, code, name):
        return Location.objects.create(site=site, code=code, name=name, path="", depth=0)

    return make(plant.site_a, "HALL-A", "Pump hall"), make(plant.site_b, "HALL-B", "Pump hall bravo")


def _texts(response):
    assert response.status_code == 200, response.content
    return [row["text"] for row in response.json()]


def test_a_technician_finds_only_their_own_sites_things(plant):
    _locations(plant)
    client = session_client(plant.tech_a)
    assert _texts(client.get("/choices/locations/", {"q": "hall"})) == ["HALL-A Pump hall"]
    assert _texts(client.get("/choices/assets/", {"q": "pump"})) == ["P-100 Feed pump A"]
    assert _texts(client.get("/choices/assets/", {"q": "P-200"})) == []
    people = _texts(client.get("/choices/people/"))
    assert "tech_a" in people and "manager_a" in people and "tech_b" not in people
    sensors = _texts(client.get("/choices/sensors/", {"q": "P-"}))
    assert sensors and all(s.startswith("P-100/") for s in sensors)
    row = client.get("/choices/assets/", {"q": "motor"}).json()
    assert row == [{"value": plant.child_a.pk, "text": "P-100-M Motor A"}]


def test_the_search_matches_every_word_and_caps_the_results(plant):
    from assets.models import Asset, Part

    Asset.objects.bulk_create(Asset(site=plant.site_a, tag=f"V-{i:03}", name="Gate valve") for i in range(30))
    Part.objects.create(part_number="SEAL-40", name="Mechanical seal 40 mm")
    client = session_client(plant.manager_a)
    assert len(_texts(client.get("/choices/assets/", {"q": "valve"}))) == 20
    assert _texts(client.get("/choices/assets/", {"q": "gate V-017"})) == ["V-017 Gate valve"]
    assert _texts(client.get("/choices/parts/", {"q": "seal 40"})) == ["SEAL-40 Mechanical seal 40 mm"]


def test_an_unknown_kind_is_refused_and_anonymous_users_are_sent_to_log_in(plant, client):
    assert session_client(plant.tech_a).get("/choices/work-orders/").status_code == 400
    response = client.get("/choices/assets/", {"q": "pump"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert session_client(plant.norole).get("/choices/assets/").json() == []


def test_a_list_filtered_by_location_renders_that_option_only(plant):
    hall_a, _ = _locations(plant)
    from assets.models import Location

    for i in range(40):
        Location.objects.create(site=plant.site_a, code=f"R-{i:02}", name="Room", path="", depth=0)
    page = session_client(plant.tech_a).get("/assets/", {"location": hall_a.pk}).content.decode()
    select = re.search(r'<select name="location".*?</select>', page, re.S).group(0)
    assert 'data-search-url="/choices/locations/"' in select
    assert re.findall(r'<option value="(\d*)"', select) == ["", str(hall_a.pk)]
    assert "selected" in select.split(f'value="{hall_a.pk}"')[1].split(">")[0]


def test_another_sites_location_is_refused_naming_the_field(plant):
    _, hall_b = _locations(plant)
    page = session_client(plant.tech_a).get("/assets/", {"location": hall_b.pk}).content.decode()
    assert re.search(r'class="field-error">Location: Select a valid choice', page)
    assert "HALL-B" not in page


def test_an_edit_form_refuses_another_sites_asset_and_offers_only_the_chosen_one(plant):
    from workorders.models import WorkOrder

    client = session_client(plant.manager_a)
    response = client.post("/work-orders/new/", {"title": "Leak", "asset": plant.asset_b.pk, "kind": "corrective",
                                                 "priority": "medium"})
    assert response.status_code in (200, 400, 422)
    assert "Select a valid choice" in response.content.decode()
    assert not WorkOrder.objects.exists()
    page = client.get("/work-orders/new/", {"asset": plant.asset_a.pk}).content.decode()
    select = re.search(r'<select name="asset".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="(\d*)"', select) == ["", str(plant.asset_a.pk)]


@pytest.mark.browser
@needs_chromium
def test_typing_in_a_searchable_select_offers_matching_options(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    plant = live_plant
    hall_a, _ = off_the_loop(lambda: _locations(plant))
    page = new_page(browser)
    log_in(page, asgi_server, "tech_a")
    page.goto(f"{asgi_server}/assets/")
    box = page.locator("select[name=location] + .ts-wrapper")
    box.locator(".ts-control").click()
    box.locator(".ts-control input").press_sequentially("hall", delay=30)
    options = box.locator(".ts-dropdown .option")
    expect(options).to_have_text(["HALL-A Pump hall"])  # never the other site's hall
    shot(page, output_dir, "1-location-search-desktop")
    options.first.click()
    expect(page).to_have_url(re.compile(rf"/assets/\?.*\blocation={hall_a.pk}\b"))
    expect(page.locator("#results .empty")).to_contain_text("matches these filters")  # no asset in the new hall yet
    shot(page, output_dir, "2-location-chosen-desktop")
    page.check("input[name=status][value=operational]")
    expect(page).to_have_url(re.compile(r"\bstatus=operational\b"))

    phone = new_page(browser, PHONE, storage_state=page.context.storage_state())
    phone.goto(f"{asgi_server}/work-orders/new/")
    choose(phone, "select[name=asset]", "motor")
    expect(phone.locator("select[name=asset]")).to_have_value(str(plant.child_a.pk))
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the form scrolls sideways on a phone ({width}px)"
    shot(phone, output_dir, "2-asset-search-phone")
