"""Work requests: submitted by anyone with an account and through the public QR form (rate
limit, honeypot, validation), approved into an order with its photos or rejected with a reason,
and only by a manager or admin of the request's site."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from conftest import PASSWORD, asset_page
from workorders import services_planning as svc
from workorders.choices import RequestStatus
from workorders.models import Attachment, WorkOrder, WorkRequest


def login(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def png(name="photo.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # uploaded photos go to a temporary local storage


def test_technician_submits_a_request_from_the_page(plant):
    c = login(plant.tech_a)
    assert c.get(reverse("workorders:request-new")).status_code == 200
    r = c.post(reverse("workorders:request-new"), {"asset": plant.asset_a.pk, "title": "Pump leaks",
                                                   "description": "Oil under the coupling", "priority": "high",
                                                   "photos": [png()]})
    wr = WorkRequest.objects.get()
    assert r.status_code == 302 and r["Location"] == wr.get_absolute_url()
    assert (wr.site, wr.requested_by, wr.status, wr.photos.count()) == (plant.site_a, plant.tech_a, "pending", 1)
    # The list shows it to the site's people only.
    assert "Pump leaks" in login(plant.manager_a).get(reverse("workorders:requests")).content.decode()
    assert "Pump leaks" not in login(plant.tech_b).get(reverse("workorders:requests")).content.decode()
    assert login(plant.tech_b).get(wr.get_absolute_url()).status_code == 404


def test_request_form_shows_errors_inline(plant):
    c = login(plant.viewer_a)  # a viewer may report a problem too
    r = c.post(reverse("workorders:request-new"), {"title": "", "description": "x", "priority": "medium"})
    assert r.status_code == 400
    html = r.content.decode()
    assert 'data-field="title"' in html and "This field is required." in html
    assert "Choose the asset, or at least the site." in html
    r = c.post(reverse("workorders:request-new"),
               {"site": plant.site_b.pk, "title": "x", "description": "y", "priority": "medium"})
    assert r.status_code == 400, "another site's id is not a valid choice"
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    r = c.post(reverse("workorders:request-new"), {"asset": plant.asset_a.pk, "title": "t", "description": "d",
                                                   "priority": "low", "photos": [bad]})
    assert r.status_code == 400 and WorkRequest.objects.count() == 0


def make_request(plant, **kw) -> WorkRequest:
    return svc.submit_request(asset=kw.pop("asset", plant.asset_a), title="Noisy bearing",
                              description="Grinding noise at start-up", actor=plant.tech_a,
                              photos=[png()], **kw)


@pytest.mark.parametrize("who", ["tech_a", "viewer_a", "norole"])
def test_only_managers_may_decide(plant, who):
    wr = make_request(plant)
    c = login(getattr(plant, who))
    r = c.post(reverse("workorders:request-approve", args=[wr.pk]), {"kind": "corrective", "priority": "high"})
    assert r.status_code in (403, 404)
    r = c.post(reverse("workorders:request-reject", args=[wr.pk]), {"reason": "no"})
    assert r.status_code in (403, 404)
    wr.refresh_from_db()
    assert wr.status == RequestStatus.PENDING and WorkOrder.objects.count() == 0
    page = c.get(wr.get_absolute_url())
    assert "Approve into a work order" not in page.content.decode()


def test_manager_of_another_site_cannot_see_or_decide(plant):
    from accounts.roles import Role
    from accounts.services import create_user

    manager_b = create_user(username="manager_b", password=PASSWORD, role=Role.MANAGER, site_ids=[plant.site_b.pk])
    wr = make_request(plant)
    c = login(manager_b)
    assert c.post(reverse("workorders:request-approve", args=[wr.pk]), {"kind": "corrective",
                                                                        "priority": "low"}).status_code == 404
    assert not svc.may_decide(manager_b, wr)


def test_manager_approves_into_an_order_keeping_the_photos(plant):
    wr = make_request(plant)
    c = login(plant.manager_a)
    page = c.get(wr.get_absolute_url()).content.decode()
    assert "Approve into a work order" in page
    r = c.post(reverse("workorders:request-approve", args=[wr.pk]),
               {"kind": "corrective", "priority": "urgent", "assignee": plant.tech_a.pk})
    wr.refresh_from_db()
    wo = wr.work_order
    assert r.status_code == 302 and r["Location"] == wo.get_absolute_url()
    assert (wr.status, wr.decided_by) == (RequestStatus.APPROVED, plant.manager_a)
    assert (wo.title, wo.priority, wo.asset, wo.assignee) == ("Noisy bearing", "urgent", plant.asset_a, plant.tech_a)
    photo = Attachment.objects.get(work_order=wo)
    assert photo.kind == "before" and photo.file.name == wr.photos.get().image.name
    # Deciding twice is refused with a message, not a second order.
    r = c.post(reverse("workorders:request-approve", args=[wr.pk]), {"kind": "corrective", "priority": "low"},
               follow=True)
    assert WorkOrder.objects.count() == 1


def test_rejection_needs_a_reason(plant):
    wr = make_request(plant)
    c = login(plant.admin)
    r = c.post(reverse("workorders:request-reject", args=[wr.pk]), {"reason": "  "})
    assert r.status_code == 400 and "This field is required." in r.content.decode()
    r = c.post(reverse("workorders:request-reject", args=[wr.pk]), {"reason": "Duplicate of REQ-1"})
    wr.refresh_from_db()
    assert r.status_code == 302 and (wr.status, wr.reason) == (RequestStatus.REJECTED, "Duplicate of REQ-1")
    page = login(plant.tech_a).get(wr.get_absolute_url()).content.decode()
    assert "Duplicate of REQ-1" in page


# --- The public QR form --------------------------------------------------------------------------


def report_url(asset) -> str:
    return reverse("workorders:report", args=[asset.qr_token])


def test_public_form_creates_a_request_without_login(plant):
    c = Client()
    url = report_url(plant.asset_a)
    page = c.get(url)
    assert page.status_code == 200 and plant.asset_a.tag in page.content.decode()
    assert c.get(f"/report/{plant.asset_a.qr_token}/").status_code == 200, "the short address serves it too"
    r = c.post(url, {"name": "Ann Operator", "contact": "+31 6 1234",
                     "description": "Smoke from the motor\nsince 10:00", "photos": [png()]})
    assert r.status_code == 200 and "Thank you" in r.content.decode()
    wr = WorkRequest.objects.get()
    assert (wr.asset, wr.site, wr.channel, wr.requested_by) == (plant.asset_a, plant.site_a, "qr", None)
    assert (wr.title, wr.reporter_name, wr.photos.count()) == ("Smoke from the motor", "Ann Operator", 1)


def test_public_form_validation_and_honeypot(plant):
    c = Client()
    url = report_url(plant.asset_a)
    r = c.post(url, {"name": "", "description": "short"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "This field is required." in html and "at least 10 characters" in html
    assert c.post(url, {"name": "Bot", "description": "Buy cheap pumps now!!", "website": "http://spam"}) \
        .status_code == 200
    assert WorkRequest.objects.count() == 0, "a filled honeypot keeps nothing"
    assert Client().get(reverse("workorders:report", args=[uuid.uuid4()])).status_code == 404
    bad = SimpleUploadedFile("x.pdf", b"%PDF-1.4", content_type="application/pdf")
    r = c.post(url, {"name": "Ann", "description": "Leaking valve body", "photos": [bad]})
    assert r.status_code == 400 and "Upload a valid image" in r.content.decode()


def test_public_form_is_rate_limited_per_ip(plant, settings):
    settings.PUBLIC_REPORT_LIMIT = 3
    url = report_url(plant.asset_a)
    c = Client(REMOTE_ADDR="198.51.100.7")
    for i in range(3):
        assert c.post(url, {"name": "Ann", "description": f"Problem number {i} here"}).status_code == 200
    r = c.post(url, {"name": "Ann", "description": "Problem number 4 here"})
    assert r.status_code == 429 and "Too many reports" in r.content.decode()
    assert WorkRequest.objects.count() == 3
    other = Client(REMOTE_ADDR="198.51.100.8")
    assert other.post(url, {"name": "Bob", "description": "Another person's problem"}).status_code == 200


def test_asset_page_has_the_maintenance_plan_tab(plant):
    from workorders import services_planning as preventive
    from workorders.models import PreventiveSchedule

    wr = make_request(plant)
    preventive.save_schedule(PreventiveSchedule(asset=plant.asset_a, title="Weekly walk-round", interval=1,
                                                interval_unit="weeks"), actor=None)
    html = asset_page(login(plant.tech_a), plant.asset_a)
    assert "Maintenance plan" in html and "Weekly walk-round" in html and wr.get_absolute_url() in html
    assert f"{reverse('workorders:request-new')}?asset={plant.asset_a.pk}" in html
    assert "Plan preventive maintenance" not in html, "a technician does not plan schedules"


def test_api_request_with_photos_multipart(plant):
    from conftest import jwt_client

    api = jwt_client(plant.tech_a)
    r = api.post("/api/v1/work-requests/", {"asset": plant.asset_a.pk, "title": "Cracked guard",
                                            "description": "The coupling guard is cracked",
                                            "upload_photos": [png("a.png"), png("b.png")]}, format="multipart")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["channel"] == "api" and body["status"] == "pending" and len(body["photos"]) == 2
    assert body["site"] == plant.site_a.pk and body["requested_by"] == plant.tech_a.pk
    bad = api.post("/api/v1/work-requests/", {"asset": plant.asset_a.pk, "title": "x", "description": "y",
                                              "upload_photos": [SimpleUploadedFile("n.png", b"nope",
                                                                                   content_type="image/png")]},
                   format="multipart")
    assert bad.status_code == 400 and "upload_photos" in bad.json()
    other = api.post("/api/v1/work-requests/", {"asset": plant.asset_b.pk, "title": "x", "description": "y"},
                     format="json")
    assert other.status_code == 400 and "asset" in other.json(), "another site's asset does not exist for them"
