"""API rows as an integrator reads them: row URLs on the request's host, filters that filter or
refuse, and related names read with the row."""

import pytest

from conftest import jwt_client

pytestmark = pytest.mark.django_db


def test_row_urls_follow_the_host_of_each_request(plant, settings):
    settings.ALLOWED_HOSTS = ["plant.example", "depot.example"]
    api = jwt_client(plant.manager_a)
    first = api.get("/api/v1/assets/", HTTP_HOST="plant.example").json()["results"]
    second = api.get("/api/v1/assets/", HTTP_HOST="depot.example").json()["results"]
    assert {r["url"] for r in first} == {f"http://plant.example/api/v1/assets/{r['id']}/" for r in first}
    assert {r["url"] for r in second} == {f"http://depot.example/api/v1/assets/{r['id']}/" for r in second}
    token = str(plant.asset_a.qr_token)
    assert next(r for r in second if r["id"] == plant.asset_a.pk)["qr_url"] == f"http://depot.example/a/{token}/"


def test_api_filters_apply_only_when_set_and_still_refuse_bad_values(plant):
    """The filter set is skipped on a plain page, and only there: a set filter filters, a bad
    value is still a 400 naming the field, and an unknown parameter changes nothing."""
    from assets.models import Asset

    api = jwt_client(plant.manager_a)
    everything = api.get("/api/v1/assets/").json()["count"]
    assert everything == Asset.objects.filter(site=plant.site_a).count() > 1
    assert api.get("/api/v1/assets/", {"colour": "red"}).json()["count"] == everything
    Asset.objects.filter(pk=plant.child_a.pk).update(status="down")
    down = api.get("/api/v1/assets/", {"status": "down"}).json()
    assert [r["id"] for r in down["results"]] == [plant.child_a.pk]
    bad = api.get("/api/v1/assets/", {"status": "exploded"})
    assert bad.status_code == 400 and "status" in bad.json()


def test_asset_rows_name_their_category_in_lists_details_and_writes(plant):
    """The list reads the category's name with each row (no category object per row); a single
    asset and a write's answer name it as well, and an asset without a category says null."""
    from assets.models import Asset

    Asset.objects.filter(pk=plant.child_a.pk).update(category=None)
    api = jwt_client(plant.manager_a)
    rows = {r["id"]: r["category_name"] for r in api.get("/api/v1/assets/").json()["results"]}
    assert rows == {plant.asset_a.pk: "Centrifugal pump", plant.child_a.pk: None}
    assert api.get(f"/api/v1/assets/{plant.asset_a.pk}/").json()["category_name"] == "Centrifugal pump"
    created = api.post("/api/v1/assets/", {"site": plant.site_a.pk, "tag": "P-101", "name": "Spare pump",
                                           "category": plant.category.pk}, format="json")
    assert created.status_code == 201 and created.json()["category_name"] == "Centrifugal pump"
