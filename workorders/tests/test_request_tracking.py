"""A requester follows their report: the tracking link shown after the QR form (and e-mailed
when they left an address) shows that request's status in plain words and nothing internal;
a signed-in requester finds theirs under "My requests".

E-mail: pytest-django replaces the SMTP backend with Django's in-memory outbox (``mailoutbox``)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from conftest import session_client
from workorders import services_planning as svc
from workorders.services import add_comment, transition_work_order
from workorders.services_tracking import tracking_path

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _report(asset, committed, **data):
    form = {"name": "Ida Visitor", "contact": "ida@example.com",
            "description": "Water drips from the pump housing\nsince this morning", **data}
    with committed(execute=True):  # e-mails leave after commit
        return Client().post(f"/report/{asset.qr_token}/", form)


def test_qr_report_shows_and_emails_its_tracking_link(wo_plant, mailoutbox, django_capture_on_commit_callbacks):
    page = _report(wo_plant.asset_a, django_capture_on_commit_callbacks)
    body = page.content.decode()
    assert page.status_code == 200 and "Follow what becomes of it" in body
    link = re.search(r'href="https?://[^/"]+(/track/[^"]+/)"', body).group(1)
    mails = [m for m in mailoutbox if m.to == ["ida@example.com"]]
    assert len(mails) == 1 and link in mails[0].body

    tracking = Client().get(link).content.decode()
    assert "Received" in tracking and "Water drips from the pump housing" in tracking
    assert "A maintenance planner will look at it soon." in tracking


def test_phone_contact_gets_the_link_on_screen_only(wo_plant, mailoutbox, django_capture_on_commit_callbacks):
    page = _report(wo_plant.asset_a, django_capture_on_commit_callbacks, contact="+49 170 555 1234")
    assert "/track/" in page.content.decode()
    assert not [m for m in mailoutbox if "received" in m.subject]


def test_tracking_shows_progress_but_no_internal_comment_nor_other_requests(wo_plant):
    mine = svc.submit_request(asset=wo_plant.asset_a, title="Pump drips", description="Water under pump A",
                              reporter_name="Ida", reporter_contact="ida@example.com")
    other = svc.submit_request(asset=wo_plant.asset_a, title="Fan noisy", description="Fan rattles in hall 2",
                               reporter_name="Bo")
    wo = svc.approve_request(mine, actor=wo_plant.manager_a, assignee=wo_plant.tech_a)
    add_comment(wo, "Internal: supplier quote is 4,300 EUR, ask finance", actor=wo_plant.manager_a)
    transition_work_order(wo, "in_progress", actor=wo_plant.tech_a)

    page = Client().get(tracking_path(mine))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Being worked on" in body and "Work started." in body and "Accepted" in body
    assert "supplier quote" not in body and "4,300" not in body  # internal comment stays inside
    assert "tech_a" not in body and "manager_a" not in body  # nor who works on it
    assert "Fan rattles" not in body and other.title not in body
    other_body = Client().get(tracking_path(other)).content.decode()
    assert "Fan rattles in hall 2" in other_body and "Water under pump A" not in other_body


def test_notes_marked_for_the_requester_show_and_the_others_do_not(wo_plant):
    wr = svc.submit_request(asset=wo_plant.asset_a, title="Pump drips", description="Water under pump A",
                            reporter_name="Ida")
    wo = svc.approve_request(wr, actor=wo_plant.manager_a)
    client = session_client(wo_plant.manager_a)
    order_page = client.get(wo.get_absolute_url()).content.decode()
    assert "Also show to the person who reported it" in order_page
    client.post(f"/work-orders/{wo.pk}/comments/", {"body": "The seal is ordered; we fit it on Thursday.",
                                                    "public": "on"})
    client.post(f"/work-orders/{wo.pk}/comments/", {"body": "Seal costs 380, charge to line 2 budget"})
    body = Client().get(tracking_path(wr)).content.decode()
    assert "Note from maintenance: The seal is ordered; we fit it on Thursday." in body
    assert "charge to line 2 budget" not in body
    assert "Shown to the requester" in client.get(wo.get_absolute_url()).content.decode()


def test_rejected_request_says_why(wo_plant):
    wr = svc.submit_request(asset=wo_plant.asset_a, title="Paint", description="Paint is chipped on the guard")
    svc.reject_request(wr, actor=wo_plant.manager_a, reason="Cosmetic: scheduled with the yearly repaint.")
    body = Client().get(tracking_path(wr)).content.decode()
    assert "Not taken up" in body and "scheduled with the yearly repaint" in body


def test_tampered_token_is_404_styled(wo_plant):
    wr = svc.submit_request(asset=wo_plant.asset_a, title="Leak", description="Oil on the floor by P-100")
    path = tracking_path(wr)
    token = path.split("/")[2]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    page = Client().get(f"/track/{forged}/")
    assert page.status_code == 404 and "Page not found" in page.content.decode()
    assert 'href="/login/"' in page.content.decode()  # a way on for a visitor without an account
    assert "Oil on the floor" not in page.content.decode()
    # Nor does the bare number open it, nor a token signed for another purpose.
    from django.core import signing

    assert Client().get(f"/track/{wr.pk}/").status_code == 404
    assert Client().get(f"/track/{signing.dumps(wr.pk)}/").status_code == 404


def test_my_requests_lists_only_my_own(wo_plant):
    mine = svc.submit_request(asset=wo_plant.asset_a, title="Door sticks", description="Cabinet door sticks",
                              actor=wo_plant.viewer_a)
    svc.submit_request(asset=wo_plant.asset_a, title="Lamp out", description="Lamp out over P-100",
                       actor=wo_plant.tech_a)
    page = session_client(wo_plant.viewer_a).get("/work-orders/requests/mine/")
    body = page.content.decode()
    assert page.status_code == 200 and "Door sticks" in body and "Lamp out" not in body
    detail = session_client(wo_plant.viewer_a).get(mine.get_absolute_url()).content.decode()
    assert tracking_path(mine) in detail  # the requester can pass their tracking link on


def test_tracking_page_shows_times_in_the_instance_time_zone(wo_plant):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from accounts.models import InstanceSettings
    from workorders.models import WorkRequest

    InstanceSettings.objects.create(time_zone="Asia/Tokyo")
    wr = svc.submit_request(asset=wo_plant.asset_a, title="Leak", description="Oil on the floor by P-100")
    WorkRequest.objects.filter(pk=wr.pk).update(created_at=datetime(2026, 3, 2, 23, 30, tzinfo=ZoneInfo("UTC")))
    body = Client().get(tracking_path(wr)).content.decode()
    assert "08:30" in body and "23:30" not in body  # 23:30 UTC is 08:30 the next morning in Tokyo
