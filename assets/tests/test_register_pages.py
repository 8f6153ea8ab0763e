"""The asset register's pages as a planner and a technician use them: filters by location and
warranty, forms with inline errors that change nothing, moves, status changes, meter readings,
uploads and downloads, QR codes and label sheets; query counts that do not grow with rows."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assets import services
from assets.models import Asset, AssetCategory, AssetDocument, Downtime, Location, Meter
from assets.tests.helpers import png_bytes
from conftest import asset_page, jwt_client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def manager(client, plant):
    client.force_login(plant.manager_a)
    return client


@pytest.fixture
def tree(plant):
    b1 = services.create_location(actor=None, site=plant.site_a, code="B1", name="Building 1", kind="building")
    r1 = services.create_location(actor=None, site=plant.site_a, parent=b1, code="R1", name="Pump room", kind="room")
    return b1, r1


def row(asset) -> str:
    return f'data-label="Tag"><a href="/assets/{asset.pk}/"'


def test_list_filters_by_location_subtree_and_warranty(manager, plant, tree):
    b1, r1 = tree
    today = timezone.localdate()
    services.update_asset(plant.child_a, actor=None, location=r1, warranty_end=today + timedelta(days=20))
    services.update_asset(plant.asset_a, actor=None, warranty_end=today - timedelta(days=1))
    html = manager.get("/assets/", {"location": b1.pk}).content.decode()  # the room is inside the building
    assert row(plant.child_a) in html and row(plant.asset_a) not in html
    html = manager.get("/assets/", {"warranty": "30"}).content.decode()
    assert row(plant.child_a) in html and row(plant.asset_a) not in html
    html = manager.get("/assets/", {"warranty": "expired"}).content.decode()
    assert row(plant.asset_a) in html and row(plant.child_a) not in html
    assert f'name="ids" value="{plant.asset_a.pk}" form="label-form"' in html  # tick to print labels


def test_create_form_checks_category_attributes_inline(manager, plant):
    cat = AssetCategory.objects.create(name="Compressor", attribute_schema=[
        {"key": "pressure", "label": "Rated pressure", "type": "number", "unit": "bar", "required": True}])
    page = manager.get("/assets/new/", {"category": cat.pk, "site": plant.site_a.pk}).content.decode()
    assert 'name="attr_pressure"' in page and "Rated pressure (bar)" in page
    data = {"site": plant.site_a.pk, "tag": "C-1", "name": "Compressor 1", "category": cat.pk, "criticality": "A",
            "attr_pressure": "high"}
    r = manager.post("/assets/new/", data, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and "<html" not in body and "Enter a number." in body
    assert not Asset.objects.filter(tag="C-1").exists()
    r = manager.post("/assets/new/", {**data, "tag": "P-100", "attr_pressure": "7.5"})  # the tag is taken
    assert r.status_code == 422 and "already exists" in r.content.decode()
    r = manager.post("/assets/new/", {**data, "attr_pressure": "7.5"})
    asset = Asset.objects.get(tag="C-1")
    assert r.status_code == 302 and r["Location"] == f"/assets/{asset.pk}/"
    assert asset.attributes == {"pressure": 7.5} and asset.created_at is not None
    assert "Rated pressure" in manager.get(r["Location"]).content.decode()


def test_viewer_cannot_open_write_forms(client, plant):
    client.force_login(plant.viewer_a)
    for url in ("/assets/new/", f"/assets/{plant.asset_a.pk}/edit/", f"/assets/{plant.asset_a.pk}/move/",
                f"/assets/{plant.asset_a.pk}/status/", f"/assets/{plant.asset_a.pk}/documents/"):
        assert client.get(url).status_code == 403, url
    r = client.post(f"/assets/{plant.asset_a.pk}/status/", {"status": "down", "reason_code": "breakdown"})
    assert r.status_code == 403 and Asset.objects.get(pk=plant.asset_a.pk).status == "operational"
    page = asset_page(client, plant.asset_a)
    assert "/move/" not in page and "Change status" not in page


def test_move_form_refuses_a_cycle_and_moves_a_subtree(manager, plant, tree):
    url = f"/assets/{plant.asset_a.pk}/move/"
    r = manager.post(url, {"parent": plant.child_a.pk})
    assert r.status_code == 422 and "cycle" in r.content.decode()
    assert Asset.objects.get(pk=plant.asset_a.pk).parent_id is None
    r = manager.post(url, {"parent": plant.asset_b.pk})  # another site's asset is not even offered
    assert r.status_code == 422 and "Select a valid choice" in r.content.decode()
    skid = services.create_asset(actor=None, site=plant.site_a, tag="SKID", name="Skid")
    r = manager.post(url, {"parent": skid.pk, "location": tree[1].pk})
    assert r.status_code == 302
    plant.child_a.refresh_from_db()
    assert Asset.objects.get(pk=plant.asset_a.pk).parent_id == skid.pk and plant.child_a.parent_id == plant.asset_a.pk
    crumbs = manager.get(f"/assets/{plant.child_a.pk}/").content.decode()
    assert crumbs.index(f'href="/assets/{skid.pk}/"') < crumbs.index(f'href="/assets/{plant.asset_a.pk}/"')


def test_technician_reports_a_breakdown_and_the_page_shows_downtime(client, plant):
    client.force_login(plant.tech_a)
    r = client.post(f"/assets/{plant.asset_a.pk}/status/", {"status": "down", "reason_code": ""})
    assert r.status_code == 422 and "This field is required." in r.content.decode()
    r = client.post(f"/assets/{plant.asset_a.pk}/status/",
                    {"status": "down", "reason_code": "breakdown", "note": "Bearing noise"})
    assert r.status_code == 302
    dt = Downtime.objects.get(asset=plant.asset_a)
    assert dt.ended_at is None and dt.started_by == plant.tech_a
    page = asset_page(client, plant.asset_a)
    assert "still down" in page and "Bearing noise" in page and "Breakdown (unplanned failure)" in page
    assert "data-availability" in page and "Last 7 days" in page


def test_meter_reading_form_names_the_last_value(client, plant):
    meter = services.create_meter(actor=None, asset=plant.asset_a, name="Hours", initial_value=0)
    services.record_meter_reading(meter, 1200)
    client.force_login(plant.tech_a)
    url = f"/assets/{plant.asset_a.pk}/meters/{meter.pk}/readings/"
    r = client.post(url, {"value": "1100"})
    assert r.status_code == 422 and "lower than the last reading, 1200 h" in r.content.decode()
    assert Meter.objects.get(pk=meter.pk).current_value == 1200
    assert client.post(url, {"value": "1250.5"}).status_code == 302
    page = asset_page(client, plant.asset_a)
    assert "1250.5 h" in page


def test_upload_limits_preview_and_permission_checked_download(client, plant, settings):
    settings.ASSET_DOCUMENT_MAX_BYTES = 50_000
    client.force_login(plant.tech_a)
    url = f"/assets/{plant.asset_a.pk}/documents/"
    big = SimpleUploadedFile("manual.pdf", b"%PDF-1.7\n" + b"0" * 60_000, content_type="application/pdf")
    r = client.post(url, {"file": big, "title": "Manual"})
    assert r.status_code == 422 and "The file is 58.6 KB; the limit is 48.8 KB." in r.content.decode()
    assert not AssetDocument.objects.exists()
    r = client.post(url, {"file": SimpleUploadedFile("nameplate.png", png_bytes(640, 480)), "title": "Nameplate"})
    assert r.status_code == 302
    doc = AssetDocument.objects.get()
    page = asset_page(client, plant.asset_a)
    assert 'href="#documents">Documents (1)' in page and "Nameplate" in page
    assert f'src="/assets/documents/{doc.pk}/preview/"' in page
    preview = client.get(f"/assets/documents/{doc.pk}/preview/")
    assert preview.status_code == 200 and preview["Content-Type"] == "image/jpeg"
    download = client.get(f"/assets/documents/{doc.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == doc.file.open("rb").read()
    assert 'attachment; filename="nameplate.png"' in download["Content-Disposition"]
    assert settings.MEDIA_URL not in page  # never a public media link
    client.force_login(plant.tech_b)
    assert client.get(f"/assets/documents/{doc.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/assets/documents/{doc.pk}/").status_code == 302


def test_qr_code_opens_the_asset_or_the_public_report_form(client, plant):
    token = plant.asset_a.qr_token
    url = reverse("assets:qr", args=[token])
    assert url == f"/a/{token}/"
    r = client.get(url)  # nobody signed in: the public problem report
    assert r.status_code == 302 and r["Location"] == reverse("workorders:report", args=[token])
    client.force_login(plant.tech_b)  # signed in, but not on this site
    assert client.get(url)["Location"] == reverse("workorders:report", args=[token])
    client.force_login(plant.tech_a)
    assert client.get(url)["Location"] == f"/assets/{plant.asset_a.pk}/"
    assert client.get("/a/00000000-0000-0000-0000-000000000000/").status_code == 404
    svg = client.get(f"/assets/{plant.asset_a.pk}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    page = client.get(f"/assets/{plant.asset_a.pk}/").content.decode()
    assert f'<img src="/assets/{plant.asset_a.pk}/qr.svg"' in page
    # A browser that has it asks again with its ETag: unchanged, nothing is sent; a new tag, a new code.
    assert client.get(f"/assets/{plant.asset_a.pk}/qr.svg", HTTP_IF_NONE_MATCH=svg["ETag"]).status_code == 304
    Asset.objects.filter(pk=plant.asset_a.pk).update(tag="P-100-NEW")
    again = client.get(f"/assets/{plant.asset_a.pk}/qr.svg", HTTP_IF_NONE_MATCH=svg["ETag"])
    assert again.status_code == 200 and b"P-100-NEW" in again.content


def test_label_sheet_for_ticked_assets_or_the_current_filter(manager, plant):
    r = manager.get("/assets/labels/", {"ids": [plant.asset_a.pk, plant.asset_b.pk]})
    html = r.content.decode()
    assert r.status_code == 200 and html.count("data-label-asset=") == 1  # site B's asset is not printed
    assert f'data-label-asset="{plant.asset_a.pk}"' in html and html.count("<svg") == 1 and "@page" not in html
    assert "css/labels.css" in html and "data-print" in html and "js/page.js" in html  # the Print button
    services.change_asset_status(plant.child_a, "down", actor=None, reason_code="breakdown")
    html = manager.get("/assets/labels/", {"status": "down"}).content.decode()
    assert re.findall(r'data-label-asset="(\d+)"', html) == [str(plant.child_a.pk)]


def test_location_tree_and_a_move_that_would_close_a_cycle(manager, plant, tree):
    b1, r1 = tree
    services.update_asset(plant.asset_a, actor=None, location=r1)
    html = manager.get("/assets/locations/").content.decode()
    assert html.index("Building 1") < html.index("Pump room") and "2 assets" in html  # the child followed
    assert "<details open><summary>" in html  # a location with children folds
    # The filters answer an HTMX request with the trees alone; the URL keeps the filter.
    part = manager.get("/assets/locations/", {"q": "Pump"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Pump room" in part and "<form" not in part and "<html" not in part
    r = manager.post(f"/assets/locations/{b1.pk}/", {"kind": "building", "code": "B1", "name": "Building 1",
                                                    "parent": r1.pk})
    assert r.status_code == 422 and "Select a valid choice" in r.content.decode()  # its own subtree is not offered
    assert Location.objects.get(pk=b1.pk).parent_id is None
    r = manager.post("/assets/locations/new/", {"site": plant.site_a.pk, "kind": "room", "code": "B1", "name": "x"})
    assert r.status_code == 422 and "already exists" in r.content.decode()


def _grow(plant, n: int) -> None:
    """n more assets on site A, each with a location, a parent, a meter, a downtime and a document row."""
    loc = services.create_location(actor=None, site=plant.site_a, code=f"AREA-{n}", name="Area")
    assets = Asset.objects.bulk_create([
        Asset(site=plant.site_a, parent=plant.asset_a, location=loc, category=plant.category, tag=f"X-{n}-{i:04d}",
              name=f"Extra {i}", warranty_end=timezone.localdate()) for i in range(n)])
    Meter.objects.bulk_create([Meter(asset=a, name="Hours") for a in assets])
    now = timezone.now()
    Downtime.objects.bulk_create([Downtime(asset=a, started_at=now - timedelta(hours=3), ended_at=now,
                                           reason_code="breakdown") for a in assets])
    Downtime.objects.bulk_create([Downtime(asset=plant.asset_a, started_at=now - timedelta(days=2, minutes=i),
                                           ended_at=now - timedelta(days=2, minutes=i - 1), reason_code="other")
                                  for i in range(n, 0, -1)])
    AssetDocument.objects.bulk_create([AssetDocument(asset=plant.asset_a, title=f"Doc {i}", file=f"x/{i}.pdf",
                                                     original_name=f"{i}.pdf", content_type="application/pdf", size=1)
                                       for i in range(n)])


@pytest.mark.parametrize("rows", [10, 200])
def test_queries_stay_constant_as_rows_grow(manager, plant, rows, django_assert_max_num_queries):
    _grow(plant, rows)
    with django_assert_max_num_queries(14):
        r = manager.get("/assets/", {"page_size": 100, "location": Location.objects.last().pk})
        assert r.status_code == 200 and r.content.decode().count('name="ids"') == min(rows, 25)
    with django_assert_max_num_queries(16):
        page = manager.get(f"/assets/{plant.asset_a.pk}/").content.decode()
        assert f'href="#documents">Documents ({rows})' in page
    for key in re.findall(r'data-panel="([^"]+)"', page):
        with django_assert_max_num_queries(14):
            assert manager.get(f"/assets/{plant.asset_a.pk}/tabs/{key}/", HTTP_HX_REQUEST="true").status_code == 200
    api = jwt_client(plant.manager_a)
    with django_assert_max_num_queries(10):
        r = api.get("/api/v1/assets/", {"page_size": 500})
        assert r.status_code == 200 and r.json()["count"] == rows + 2
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/downtime/", {"page_size": 500}).json()["count"] == 2 * rows
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/meters/", {"page_size": 500}).json()["count"] == rows
    with django_assert_max_num_queries(12):
        assert manager.get("/assets/labels/", {"location": Location.objects.last().pk}).status_code == 200
