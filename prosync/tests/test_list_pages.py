"""The shared list page's paginator counts up to a cap: past it the page says so instead of
pretending an exact total, and every page up to the cap still opens."""

import pytest

from assets.models import Asset
from conftest import session_client
from prosync.core.generic import CappedPaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 30)


def many_assets(plant, n):
    Asset.objects.bulk_create(Asset(site=plant.site_a, category=plant.category, tag=f"X-{i:03d}", name=f"Extra {i}")
                              for i in range(n))


def test_list_past_the_cap_says_more_than(plant, small_cap):
    many_assets(plant, 40)  # with the plant's own two, 42 in site A
    client = session_client(plant.manager_a)
    page = client.get("/assets/").content.decode()
    assert "more than 30 rows" in page and "Page 1 of 2+" in page
    last = client.get("/assets/?page=2&sort=tag").content.decode()
    assert "X-" in last and "Next" not in last.split('aria-label="Pages"')[1]


def test_list_under_the_cap_counts_exactly(plant, small_cap):
    many_assets(plant, 20)
    page = session_client(plant.manager_a).get("/assets/").content.decode()
    assert "22 rows" in page and "more than" not in page


def test_filter_counts_only_what_it_matches(plant, small_cap):
    many_assets(plant, 40)
    page = session_client(plant.manager_a).get("/assets/?q=Extra 1").content.decode()
    assert "11 rows" in page  # Extra 1, Extra 10-19


def test_filter_selects_offer_what_was_just_added_or_renamed(plant):
    """The location select finds a location the moment it is added, and by its new name once
    renamed: nothing is kept between requests."""
    from assets.models import Location

    client = session_client(plant.manager_a)

    def found(text):
        return [o["text"] for o in client.get("/choices/locations/", {"q": text}).json()]

    assert found("house") == []
    room = Location.objects.create(site=plant.site_a, code="BH", name="Boiler house", kind="building")
    assert any("Boiler house" in t for t in found("house"))
    room.name = "Steam house"
    room.save()
    assert any("Steam house" in t for t in found("house")) and not any("Boiler" in t for t in found("house"))
    page = client.get(f"/assets/?location={room.pk}").content.decode()
    assert "Steam house" in page  # the chosen location is shown by its name


LIST_PAGES = ["/assets/", "/assets/parts/", "/assets/stock/", "/assets/storerooms/", "/work-orders/",
              "/work-orders/requests/", "/work-orders/preventive/", "/work-orders/projects/", "/alerts/",
              "/alerts/rules/", "/notifications/"]


def test_every_list_page_asks_as_many_queries_for_many_rows_as_for_few(plant):
    """No query per row: a page of the list costs the same number of queries with 2 rows or 25."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workorders import services as wo_services

    client = session_client(plant.manager_a)

    def queries_of(url):
        client.get(url)  # the user's access profile is read from the cache, as on every page but the first
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        return len(queries)

    wo_services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="First", kind="inspection")
    before = {url: queries_of(url) for url in LIST_PAGES}
    many_assets(plant, 30)
    for i in range(30):
        wo_services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title=f"Check {i}",
                                      kind="inspection", assignee=plant.tech_a)
    after = {url: queries_of(url) for url in LIST_PAGES}
    assert after == before


def test_csv_export_writes_what_people_read(plant):
    """Labels, names and local minutes, not stored codes, ids and microseconds."""
    import csv
    import io

    from workorders import services as wo_services

    wo_services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Seal leak", kind="corrective")
    client = session_client(plant.manager_a)
    assets = list(csv.DictReader(io.StringIO(
        b"".join(client.get("/assets/?format=csv").streaming_content).decode("utf-8-sig"))))
    row = next(r for r in assets if r["Tag"] == plant.asset_a.tag)
    assert row["Site"] == plant.site_a.name and row["Status"] == plant.asset_a.get_status_display()
    orders = list(csv.DictReader(io.StringIO(
        b"".join(client.get("/work-orders/?format=csv").streaming_content).decode("utf-8-sig"))))
    order = next(r for r in orders if r["Title"] == "Seal leak")
    assert order["Asset"] == plant.asset_a.tag and order["Type"] == "Corrective"
    assert len(order["Created"]) == len("2026-01-02 03:04")  # to the minute, no seconds or offset


def test_a_filter_on_another_sites_location_lists_nothing_of_it(plant):
    from assets.services import create_location

    there = create_location(actor=None, site=plant.site_b, code="L9", name="Line 9", kind="line")
    page = session_client(plant.tech_a).get(f"/assets/?location={there.pk}")
    assert page.status_code == 200 and plant.asset_b.tag not in page.content.decode()
