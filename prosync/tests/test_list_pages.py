"""The shared list page's paginator counts up to a cap: past it the page says so instead of
pretending an exact total, and every page up to the cap still opens."""

import pytest

from assets.models import Asset
from conftest import session_client
from prosync.generic import CappedPaginator

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
    from assets.models import Location

    client = session_client(plant.manager_a)
    assert "Boiler house" not in client.get("/assets/").content.decode()  # choices now cached
    room = Location.objects.create(site=plant.site_a, code="BH", name="Boiler house", kind="building")
    assert "Boiler house" in client.get("/assets/").content.decode()
    room.name = "Steam house"
    room.save()
    page = client.get("/assets/").content.decode()
    assert "Steam house" in page and "Boiler house" not in page
