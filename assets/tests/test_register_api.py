"""The asset register over the API, as an integrator uses it: locations, moves, status changes
with downtime and availability, meters and readings, documents as multipart uploads. Bad input
gets a 400 naming the field and the reason, and changes nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assets.models import Asset, AssetDocument, Downtime, Location, Meter
from assets.tests.helpers import png_bytes
from conftest import jwt_client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def api(plant):
    return jwt_client(plant.manager_a)


def test_location_tree_over_the_api_refuses_cycles(api, plant):
    b = api.post("/api/v1/locations/", {"site": plant.site_a.pk, "code": "B1", "name": "Building", "kind": "building"})
    assert b.status_code == 201 and b.json()["path"] == f"/{b.json()['id']}/"
    r = api.post("/api/v1/locations/", {"site": plant.site_a.pk, "parent": b.json()["id"], "code": "R1",
                                        "name": "Room", "kind": "room"})
    assert r.status_code == 201 and r.json()["depth"] == 1
    cycle = api.patch(f"/api/v1/locations/{b.json()['id']}/", {"parent": r.json()["id"]})
    assert cycle.status_code == 400 and "cycle" in cycle.json()["parent"][0]
    other = api.post("/api/v1/locations/", {"site": plant.site_b.pk, "code": "X", "name": "Elsewhere"})
    assert other.status_code == 400 and "site" in other.json()
    assert Location.objects.get(pk=b.json()["id"]).parent_id is None
    inside = api.get("/api/v1/locations/", {"within": b.json()["id"]}).json()["results"]
    assert [row["code"] for row in inside] == ["R1"]


def test_move_action_moves_a_subtree_and_refuses_cycles(api, plant):
    skid = api.post("/api/v1/assets/", {"site": plant.site_a.pk, "tag": "SKID", "name": "Skid"}).json()
    r = api.post(f"/api/v1/assets/{plant.asset_a.pk}/move/", {"parent": skid["id"]})
    assert r.status_code == 200 and r.json()["parent"] == skid["id"]
    r = api.post(f"/api/v1/assets/{skid['id']}/move/", {"parent": plant.child_a.pk})
    assert r.status_code == 400 and "cycle" in r.json()["parent"][0]
    r = api.post(f"/api/v1/assets/{plant.asset_a.pk}/move/", {"parent": plant.asset_b.pk})
    assert r.status_code == 400 and "does not exist" in r.json()["parent"][0]  # other sites are invisible
    assert api.post(f"/api/v1/assets/{plant.asset_a.pk}/move/", {}).status_code == 400
    assert Asset.objects.get(pk=skid["id"]).parent_id is None
    viewer = jwt_client(plant.viewer_a)
    assert viewer.post(f"/api/v1/assets/{plant.asset_a.pk}/move/", {"parent": None}).status_code == 403


def test_status_action_records_downtime_and_availability_follows(plant):
    tech = jwt_client(plant.tech_a)
    at = (timezone.now() - timedelta(hours=6)).isoformat()
    r = tech.post(f"/api/v1/assets/{plant.asset_a.pk}/status/", {"status": "down", "reason_code": "breakdown",
                                                                 "at": at})
    assert r.status_code == 201 and r.json()["from_status"] == "operational" and r.json()["user"] == plant.tech_a.pk
    r = tech.post(f"/api/v1/assets/{plant.asset_a.pk}/status/", {"status": "down", "reason_code": "breakdown"})
    assert r.status_code == 400 and "already down" in r.json()["status"][0]
    r = tech.post(f"/api/v1/assets/{plant.asset_a.pk}/status/", {"status": "operational", "reason_code": "fixed"})
    assert r.status_code == 400 and "reason_code" in r.json()
    at2 = (timezone.now() - timedelta(hours=3)).isoformat()
    tech.post(f"/api/v1/assets/{plant.asset_a.pk}/status/", {"status": "operational", "reason_code": "repaired",
                                                             "at": at2})
    downtime = tech.get("/api/v1/downtime/", {"asset": plant.asset_a.pk}).json()["results"]
    assert len(downtime) == 1 and downtime[0]["duration_hours"] == pytest.approx(3, abs=0.01)
    start = (timezone.now() - timedelta(hours=12)).isoformat()
    avail = tech.get(f"/api/v1/assets/{plant.asset_a.pk}/availability/", {"start": start}).json()
    assert avail["downtime_hours"] == pytest.approx(3, abs=0.01)
    assert avail["availability_percent"] == pytest.approx(75, abs=0.1)
    bad = tech.get(f"/api/v1/assets/{plant.asset_a.pk}/availability/", {"start": "yesterday"})
    assert bad.status_code == 400 and "start" in bad.json()
    history = tech.get("/api/v1/asset-status-changes/", {"asset": plant.asset_a.pk, "to_status": "down"}).json()
    assert [row["reason_code"] for row in history["results"]] == ["breakdown"]
    # the plain update cannot change the status behind the history's back
    r = jwt_client(plant.manager_a).patch(f"/api/v1/assets/{plant.asset_a.pk}/", {"status": "down"})
    assert r.status_code == 400 and "status change" in r.json()["status"][0]
    assert Downtime.objects.count() == 1


def test_asset_fields_and_attributes_over_the_api(api, plant):
    plant.category.attribute_schema = [{"key": "impeller_mm", "type": "integer", "required": True}]
    plant.category.save()
    body = {"site": plant.site_a.pk, "tag": "P-900", "name": "New pump", "category": plant.category.pk,
            "warranty_end": "2027-01-31", "purchase_cost": "1234.50", "attributes": {"impeller_mm": 12.5}}
    r = api.post("/api/v1/assets/", body, format="json")
    assert r.status_code == 400 and "not a whole number" in str(r.json()["attributes"])
    r = api.post("/api/v1/assets/", {**body, "attributes": {"impeller_mm": 250}}, format="json")
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["attributes"] == {"impeller_mm": 250} and data["purchase_cost"] == "1234.50"
    assert data["qr_url"].endswith(f"/a/{data['qr_token']}/")
    assert api.get("/api/v1/assets/", {"warranty": "expired"}).json()["count"] == 0


def test_meters_and_monotonic_readings_over_the_api(plant):
    api = jwt_client(plant.manager_a)
    parent = api.post("/api/v1/meters/", {"asset": plant.asset_a.pk, "name": "Hours", "kind": "running_hours",
                                          "unit": "h", "initial_value": "100"}).json()
    child = api.post("/api/v1/meters/", {"asset": plant.child_a.pk, "name": "Hours", "kind": "running_hours",
                                         "unit": "h", "rolls_down": True}).json()
    assert parent["current_value"] == "100.000"
    tech = jwt_client(plant.tech_a)
    r = tech.post("/api/v1/meter-readings/", {"meter": parent["id"], "value": "130"})
    assert r.status_code == 201 and r.json()["user"] == plant.tech_a.pk
    r = tech.post("/api/v1/meter-readings/", {"meter": parent["id"], "value": "120"})
    assert r.status_code == 400 and "lower than the last reading, 130 h" in r.json()["value"][0]
    assert Meter.objects.get(pk=parent["id"]).current_value == 130
    assert Meter.objects.get(pk=child["id"]).current_value == 30  # rolled down
    readings = tech.get("/api/v1/meter-readings/", {"asset": plant.child_a.pk}).json()["results"]
    assert [(row["value"], row["source"]) for row in readings] == [("30.000", "rolldown")]
    r = api.patch(f"/api/v1/meters/{parent['id']}/", {"current_value": "5"})  # only readings move it
    assert r.status_code == 200 and r.json()["current_value"] == "130.000"
    assert tech.post("/api/v1/meters/", {"asset": plant.asset_a.pk, "name": "X"}).status_code == 403


def test_documents_upload_over_the_api_with_limits(plant, settings):
    tech = jwt_client(plant.tech_a)
    photo = SimpleUploadedFile("motor.png", png_bytes(400, 300), content_type="image/png")
    r = tech.post("/api/v1/asset-documents/", {"asset": plant.asset_a.pk, "file": photo}, format="multipart")
    assert r.status_code == 201, r.content
    doc = r.json()
    assert doc["kind"] == "photo" and doc["title"] == "motor" and doc["preview_url"].endswith("/preview/")
    assert tech.get(doc["download_url"]).status_code == 200
    settings.ASSET_DOCUMENT_MAX_BYTES = 100
    big = SimpleUploadedFile("manual.pdf", b"%PDF" + b"0" * 200)
    r = tech.post("/api/v1/asset-documents/", {"asset": plant.asset_a.pk, "file": big}, format="multipart")
    assert r.status_code == 400 and "the limit is 0.1 KB" in r.json()["file"][0]
    other = SimpleUploadedFile("x.png", png_bytes())
    r = tech.post("/api/v1/asset-documents/", {"asset": plant.asset_b.pk, "file": other}, format="multipart")
    assert r.status_code == 400 and "asset" in r.json()
    assert AssetDocument.objects.count() == 1
    assert tech.delete(f"/api/v1/asset-documents/{doc['id']}/").status_code == 403  # technicians add, not delete


def test_a_newly_required_attribute_does_not_block_an_unrelated_api_edit(api, plant):
    plant.category.attribute_schema = [{"key": "impeller_mm", "type": "integer", "required": True}]
    plant.category.save()
    r = api.patch(f"/api/v1/assets/{plant.asset_a.pk}/", {"name": "Feed pump A (renamed)"})
    assert r.status_code == 200 and r.json()["name"] == "Feed pump A (renamed)"
    r = api.patch(f"/api/v1/assets/{plant.asset_a.pk}/", {"attributes": {}}, format="json")
    assert r.status_code == 400 and "required" in str(r.json()["attributes"])
