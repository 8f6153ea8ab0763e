"""Uploaded files reach only those who may see their object: request and part photos (and every
other file an API answer names) through permission-checked views, never a /media/ URL; images
over the pixel cap refused with their size; QR labels that can be replaced."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from conftest import jwt_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png(name="photo.png", size=(8, 8)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def bomb(name="bomb.png", side=100_000) -> SimpleUploadedFile:
    """A valid PNG of a few dozen bytes declaring a side x side canvas (10 gigapixels)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    body = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
    return SimpleUploadedFile(name, body, content_type="image/png")


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_request_photos_are_served_to_those_who_see_the_request_only(plant):
    from workorders.models import WorkRequest

    answer = jwt_client(plant.tech_a).post("/api/v1/work-requests/", {
        "asset": plant.asset_a.pk, "title": "Guard cracked", "description": "At the coupling",
        "upload_photos": [png("guard.png")]}, format="multipart")
    assert answer.status_code == 201, answer.content
    wr = WorkRequest.objects.get(pk=answer.json()["id"])
    photo = wr.photos.get()
    url = f"/work-orders/requests/photos/{photo.pk}/"
    assert answer.json()["photos"] == [f"http://testserver{url}"]

    manager = logged_in(plant.manager_a)
    page = manager.get(f"/work-orders/requests/{wr.pk}/").content.decode()
    assert f'<img src="{url}"' in page and "/media/" not in page  # the reporter's photo shows
    served = manager.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff" and served["Content-Disposition"].startswith("inline")
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (8, 8)
    assert logged_in(plant.tech_b).get(url).status_code == 404  # another site's request
    assert Client().get(url).status_code == 302  # not signed in: to the login page


def test_part_photos_are_served_through_a_checked_view(plant):
    api = jwt_client(plant.manager_a)
    answer = api.post("/api/v1/parts/", {"part_number": "BRG-6205", "name": "Bearing", "unit": "pcs",
                                         "photo": png("bearing.png")}, format="multipart")
    assert answer.status_code == 201, answer.content
    part_id = answer.json()["id"]
    url = f"/assets/parts/{part_id}/photo/"
    assert answer.json()["photo"] == f"http://testserver{url}"
    page = logged_in(plant.viewer_a).get(f"/assets/parts/{part_id}/").content.decode()
    assert f'src="{url}"' in page and "/media/" not in page
    served = logged_in(plant.viewer_a).get(url)
    assert served.status_code == 200 and served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline")
    assert Client().get(url).status_code == 302
    assert logged_in(plant.norole).get(url).status_code == 404


def test_no_api_answer_names_a_media_url(plant):
    from workorders import services

    wo = services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Check seal")
    api = jwt_client(plant.manager_a)
    att = api.post(f"/api/v1/work-orders/{wo.pk}/attachments/", {"file": png("before.png"), "kind": "before"},
                   format="multipart")
    assert att.status_code == 201, att.content
    assert att.json()["file"].endswith(f"/work-orders/attachments/{att.json()['id']}/")
    listed = api.get(f"/api/v1/work-orders/{wo.pk}/attachments/").content.decode()
    assert "/media/" not in listed


def test_pillow_refuses_decompression_bombs_at_the_configured_size(settings):
    assert Image.MAX_IMAGE_PIXELS == settings.IMAGE_MAX_PIXELS


def test_an_image_over_the_pixel_cap_is_refused_with_its_size(plant, settings):
    from workorders.models import WorkRequest

    settings.IMAGE_MAX_PIXELS = 1_000_000
    api = jwt_client(plant.tech_a)
    refused = api.post("/api/v1/work-requests/", {
        "asset": plant.asset_a.pk, "title": "Big", "description": "Huge photo",
        "upload_photos": [png("big.png", size=(1500, 1000))]}, format="multipart")
    assert refused.status_code == 400
    assert "1500 × 1000 pixels; at most 1 megapixels" in str(refused.json())
    assert not WorkRequest.objects.filter(title="Big").exists()


def test_a_decompression_bomb_is_a_clear_refusal_everywhere(plant):
    from assets.models import Asset, Part
    from workorders.models import WorkRequest

    api = jwt_client(plant.tech_a)
    refused = api.post("/api/v1/work-requests/", {"asset": plant.asset_a.pk, "title": "Bomb", "description": "x",
                                                  "upload_photos": [bomb()]}, format="multipart")
    assert refused.status_code == 400 and "megapixels are accepted" in str(refused.json())
    refused = jwt_client(plant.manager_a).post("/api/v1/parts/", {"part_number": "B-1", "name": "Bomb", "unit": "pcs",
                                                                  "photo": bomb()}, format="multipart")
    assert refused.status_code == 400 and "megapixels are accepted" in str(refused.json()["photo"])
    page = logged_in(plant.manager_a).post("/assets/parts/new/", {"part_number": "B-2", "name": "Bomb", "unit": "pcs",
                                                                  "photo": bomb()})
    assert page.status_code in (400, 422) and "megapixels are accepted" in page.content.decode()
    token = Asset.objects.get(pk=plant.asset_a.pk).qr_token
    page = Client().post(f"/report/{token}/", {"name": "Ann", "description": "Leak", "photos": [bomb()]})
    assert page.status_code == 400 and "megapixels are accepted" in page.content.decode()
    doc = jwt_client(plant.manager_a).post("/api/v1/asset-documents/", {"asset": plant.asset_a.pk, "file": bomb()},
                                           format="multipart")
    assert doc.status_code == 400 and "megapixels are accepted" in str(doc.json())
    assert not WorkRequest.objects.filter(title="Bomb").exists() and not Part.objects.filter(name="Bomb").exists()


def test_a_manager_rotates_the_qr_code_and_the_old_label_stops_working(plant):
    from accounts.models import AuditLog
    from assets.models import Asset

    old = plant.asset_a.qr_token
    assert Client().get(f"/a/{old}/").status_code == 302
    tech = logged_in(plant.tech_a)
    assert tech.post(f"/assets/{plant.asset_a.pk}/qr/rotate/").status_code == 403
    assert Asset.objects.get(pk=plant.asset_a.pk).qr_token == old
    manager = logged_in(plant.manager_a)
    assert "Rotate QR code" in manager.get(f"/assets/{plant.asset_a.pk}/").content.decode()
    assert "Rotate QR code" not in tech.get(f"/assets/{plant.asset_a.pk}/").content.decode()
    done = manager.post(f"/assets/{plant.asset_a.pk}/qr/rotate/", follow=True)
    assert done.status_code == 200 and "has a new QR code" in done.content.decode()
    new = Asset.objects.get(pk=plant.asset_a.pk).qr_token
    assert new != old
    for gone in (f"/a/{old}/", f"/report/{old}/"):
        answer = Client().get(gone)
        assert answer.status_code == 404 and "This label is no longer valid" in answer.content.decode()
    assert Client().get(f"/a/{new}/").status_code == 302
    assert done.redirect_chain[-1][0] == f"/assets/{plant.asset_a.pk}/"
    audit = AuditLog.objects.get(action="asset.qr_rotate")
    assert audit.actor == plant.manager_a and str(old) not in str(audit.changes)
    assert logged_in(plant.tech_b).post(f"/assets/{plant.asset_a.pk}/qr/rotate/").status_code in (403, 404)
