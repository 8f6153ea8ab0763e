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


def count_queries(queries) -> int:
    return sum(1 for q in queries.captured_queries if q["sql"].upper().startswith("SELECT COUNT("))


def test_counts_are_kept_until_a_row_changes(plant, django_assert_max_num_queries):
    """Paging through a list counts it once; a new, moved or deleted asset is counted at once, on
    the page and in the API, and another user's scope never reads this one's count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assets import services
    from conftest import jwt_client

    many_assets(plant, 30)
    client, api = session_client(plant.manager_a), jwt_client(plant.manager_a)
    assert "32 rows" in client.get("/assets/").content.decode()
    assert api.get("/api/v1/assets/").json()["count"] == 32
    with CaptureQueriesContext(connection) as queries:
        assert "32 rows" in client.get("/assets/?page=2").content.decode()
        assert api.get("/api/v1/assets/", {"page": 1, "ordering": "-tag"}).json()["count"] == 32
    assert count_queries(queries) == 0  # both counts from the cache
    new = services.create_asset(user=None, site=plant.site_a, tag="NEW-1", name="New pump")
    assert "33 rows" in client.get("/assets/?page=2").content.decode()
    assert api.get("/api/v1/assets/").json()["count"] == 33
    assert "1 row" in client.get("/assets/?q=New pump").content.decode()
    services.delete_asset(new, user=None)
    assert "No asset matches these filters" in client.get("/assets/?q=New pump").content.decode()
    assert api.get("/api/v1/assets/").json()["count"] == 32
    # The other site's technician has their own count, not this one.
    assert jwt_client(plant.tech_b).get("/api/v1/assets/").json()["count"] == Asset.objects.filter(
        site=plant.site_b).count()


def test_filter_form_classes_are_shared_only_by_the_same_scope(plant):
    """The filter form (its choices) is made once per scope: two users of different sites never
    see each other's locations, and a location added later is still accepted as a filter."""
    from assets.models import Location

    north = Location.objects.create(site=plant.site_a, code="N-HALL", name="North hall", kind="building")
    south = Location.objects.create(site=plant.site_b, code="S-HALL", name="South hall", kind="building")
    tech_a, tech_b = session_client(plant.tech_a), session_client(plant.tech_b)
    for _ in range(2):  # the second time from the shared class
        page_a, page_b = tech_a.get("/assets/?q=x").content.decode(), tech_b.get("/assets/?q=x").content.decode()
        assert "N-HALL" in page_a and "S-HALL" not in page_a
        assert "S-HALL" in page_b and "N-HALL" not in page_b
    assert tech_a.get(f"/assets/?location={south.pk}").status_code == 200
    assert "Select a valid choice" not in tech_a.get(f"/assets/?location={north.pk}").content.decode()
    later = Location.objects.create(site=plant.site_a, code="N-SHED", name="Shed", kind="building")
    page = tech_a.get(f"/assets/?location={later.pk}").content.decode()
    assert "N-SHED" in page and 'selected>N-SHED' in page


def test_a_chosen_location_is_checked_without_a_query_within_the_users_sites(plant):
    """A filter's chosen location, site or person is checked against the select's rows kept in
    the process: no query on each page, another site's location is still refused, and a new one
    is offered at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assets.services import create_location
    from conftest import jwt_client

    here = create_location(user=None, site=plant.site_a, code="L1", name="Line 1", kind="line")
    there = create_location(user=None, site=plant.site_b, code="L9", name="Line 9", kind="line")
    Asset.objects.filter(pk=plant.asset_a.pk).update(location=here)
    client = session_client(plant.manager_a)
    client.get(f"/assets/?location={here.pk}&category={plant.category.pk}")  # the selects' rows are read here, once
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/assets/?location={here.pk}&category={plant.category.pk}&status=operational").content
    assert f'href="/assets/{plant.asset_a.pk}/"'.encode() in page and b"P-100-M" not in page
    assert not [q for q in queries.captured_queries
                if q["sql"].startswith(('SELECT "assets_location"', 'SELECT "assets_assetcategory"'))]

    api = jwt_client(plant.manager_a)
    refused = api.get("/api/v1/assets/", {"location": there.pk})
    assert refused.status_code == 400 and "location" in refused.json()
    assert api.get("/api/v1/assets/", {"location": "not-a-number"}).status_code == 400
    assert [r["id"] for r in api.get("/api/v1/assets/", {"location": here.pk}).json()["results"]] == [plant.asset_a.pk]
    inner = create_location(user=None, site=plant.site_a, parent=here, code="L1-R", name="Room", kind="room")
    Asset.objects.filter(pk=plant.child_a.pk).update(location=inner)
    below = api.get("/api/v1/assets/", {"location": inner.pk}).json()  # known at once
    assert [r["id"] for r in below["results"]] == [plant.child_a.pk]


def test_a_shared_filter_form_made_late_is_still_scoped(plant):
    """A filter set that skipped scoping (its scope's form existed) and must then make the form
    after all scopes its filters first: the form never offers another site's location."""
    from django.test import RequestFactory

    from assets.filters import AssetFilterSet
    from assets.services import create_location
    from prosync import filters

    create_location(user=None, site=plant.site_a, code="LA", name="Line A", kind="line")
    create_location(user=None, site=plant.site_b, code="LB", name="Line B", kind="line")
    request = RequestFactory().get("/assets/")
    request.user = plant.tech_a
    AssetFilterSet(None, request=request).form  # noqa: B018 - the scope's form class exists now
    late = AssetFilterSet(None, request=request)  # skips scoping
    filters._form_classes.clear()  # the shared class is gone (a new process would not have it either)
    offered = {label for _, label in late.form.fields["location"].choices}
    assert any("LA" in str(label) for label in offered) and not any("LB" in str(label) for label in offered)


def test_signing_in_keeps_the_filter_choices_cached(plant):
    """Every sign-in saves the user's last_login; no select shows it, so the cached choices and
    filter forms stay."""
    from django.test import Client

    from conftest import PASSWORD
    from prosync import filter_choices, generations

    before = generations.generation(filter_choices.NAMESPACE)
    assert Client().login(username="manager_a", password=PASSWORD)
    assert generations.generation(filter_choices.NAMESPACE) == before
    plant.manager_a.first_name = "Mara"
    plant.manager_a.save()  # a name is shown (assignee selects): a new generation
    assert generations.generation(filter_choices.NAMESPACE) != before


def test_register_rows_read_by_compiled_sql_are_the_orms_rows(plant):
    """The register's rows come from SQL compiled once per number of rows and run with each
    page's ids: the same rows as the ORM gives, in whatever order they are asked for, and fresh
    values on every run (a renamed site)."""
    from assets.views import REGISTER_COLUMNS, AssetListView
    from prosync.generic import rows_by_id

    view = AssetListView()
    ids = [plant.asset_a.pk, plant.child_a.pk]
    expected = {r["pk"]: r for r in view.base_queryset().filter(pk__in=ids).values(*REGISTER_COLUMNS)}
    assert {r["pk"]: r for r in rows_by_id(view, ids)} == expected
    plant.site_a.name = "Alpha Works"
    plant.site_a.save()
    again = rows_by_id(view, ids[::-1])
    assert {r["pk"] for r in again} == set(ids) and {r["site__name"] for r in again} == {"Alpha Works"}
    assert [(r["tag"], r["site__name"]) for r in rows_by_id(view, [plant.asset_b.pk])] == [("P-200", "Bravo Plant")]
