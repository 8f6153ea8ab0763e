"""Report delivery: subscriptions sent by e-mail once per period with the report attached, and
signed share links that open a report read-only with the sharer's scope until they expire.
E-mail goes to Django's in-memory outbox (``mail.outbox``), which the test settings put in place
of the SMTP relay."""

from __future__ import annotations

import io
import time
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core import mail

from accounts.models import SiteMembership
from conftest import session_client
from prosync.reports import delivery
from prosync.reports.models import ReportSubscription
from workorders import services as wo_services
from workorders.models import LabourRate

UTC = ZoneInfo("UTC")
MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def history(plant):
    plant.manager_a.email = "planner@alpha.example"
    plant.manager_a.save(update_fields=["email"])
    LabourRate.objects.create(user=plant.tech_a, hourly_rate=Decimal("40.00"))
    wo = wo_services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Alpha order",
                                       kind="corrective")
    wo_services.log_time(wo, actor=plant.manager_a, hours=Decimal("2"), user=plant.tech_a)
    wo_b = wo_services.create_work_order(actor=None, asset=plant.asset_b, title="Bravo order", kind="corrective")
    wo_services.log_time(wo_b, actor=plant.admin, hours=Decimal("3"), user=plant.tech_b)
    return plant


def test_report_subscription_is_sent_once_per_period_with_its_attachment(history):
    client = session_client(history.manager_a)
    response = client.post("/reports/subscriptions/", {"family": "cost", "filters": "period=7d",
                                                       "frequency": "weekly", "format": "xlsx"})
    assert response.status_code == 302
    sub = ReportSubscription.objects.get()
    assert sub.user == history.manager_a and sub.filters == "period=7d"
    page = client.get("/reports/subscriptions/").content.decode()
    assert "Every week" in page and "Last 7 days" in page and "not yet" in page

    assert delivery.send_due_subscriptions(now=MONDAY) == 1
    assert delivery.send_due_subscriptions(now=MONDAY.replace(hour=6, minute=15)) == 0  # beat fired twice
    assert delivery.send_due_subscriptions(now=datetime(2026, 12, 4, 9, tzinfo=UTC)) == 0  # same week
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["planner@alpha.example"] and "Cost report" in message.subject
    name, content, mimetype = message.attachments[0]
    assert name.endswith(".xlsx") and mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(content))
    names = [row[0] for row in book["Cost by asset"].iter_rows(min_row=2, values_only=True)]
    assert any("P-100" in n for n in names) and not any("P-200" in n for n in names)  # the subscriber's sites only
    assert "/reports/subscriptions/" in message.body  # how to stop it

    assert delivery.send_due_subscriptions(now=datetime(2026, 12, 7, 6, tzinfo=UTC)) == 1  # the next week
    assert len(mail.outbox) == 2
    sub.refresh_from_db()
    assert sub.last_period == "2026-W50" and sub.last_sent_at == datetime(2026, 12, 7, 6, tzinfo=UTC)


def test_report_subscription_paused_or_stopped_sends_nothing_and_belongs_to_its_owner(history):
    client = session_client(history.manager_a)
    client.post("/reports/subscriptions/", {"family": "work", "filters": "period=last_month",
                                            "frequency": "monthly", "format": "pdf"})
    sub = ReportSubscription.objects.get()
    duplicate = client.post("/reports/subscriptions/", {"family": "work", "filters": "period=last_month",
                                                        "frequency": "monthly", "format": "pdf"})
    assert duplicate.status_code == 422 and "already receive" in duplicate.content.decode()
    # Someone else cannot pause or stop it.
    assert session_client(history.tech_a).post(f"/reports/subscriptions/{sub.pk}/toggle/").status_code == 404
    client.post(f"/reports/subscriptions/{sub.pk}/toggle/")
    assert delivery.send_due_subscriptions(now=MONDAY) == 0 and not mail.outbox
    client.post(f"/reports/subscriptions/{sub.pk}/toggle/")
    assert delivery.send_due_subscriptions(now=MONDAY) == 1
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert name.endswith(".pdf") and mimetype == "application/pdf" and content.startswith(b"%PDF")
    client.post(f"/reports/subscriptions/{sub.pk}/delete/")
    assert not ReportSubscription.objects.exists()


def test_report_subscription_refuses_bad_filters_with_the_reason(history):
    client = session_client(history.manager_a)
    response = client.post("/reports/subscriptions/", {"family": "cost", "filters": f"site={history.site_b.pk}",
                                                       "frequency": "weekly", "format": "pdf"})
    assert response.status_code == 422 and "site" in response.content.decode().lower()
    response = client.post("/reports/subscriptions/", {"family": "nope", "filters": "period=7d",
                                                       "frequency": "yearly", "format": "pdf"})
    html = response.content.decode()
    assert response.status_code == 422 and "no such report" in html and "yearly" in html
    assert not ReportSubscription.objects.exists()


def test_report_share_link_opens_read_only_with_the_sharers_scope(history):
    made = session_client(history.manager_a).post("/reports/cost/share/", {"filters": "period=30d"})
    assert made.status_code == 200
    url = made.context["url"]
    assert "/reports/shared/" in url and made.context["days"] == 14
    anonymous = session_client(history.manager_a)
    anonymous.logout()
    page = anonymous.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "Cost report" in html and "read-only" in html
    assert "P-100" in html and "P-200" not in html  # the sharer's site A, not site B
    assert "<form" not in html and page["Referrer-Policy"] == "no-referrer"

    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-3] + ("abc" if token[-3:] != "abc" else "xyz")
    refused = anonymous.get(f"/reports/shared/{tampered}/")
    assert refused.status_code == 403 and "not valid" in refused.content.decode()

    # The sharer loses site A: the link no longer opens.
    SiteMembership.objects.filter(user=history.manager_a).delete()
    history.manager_a.refresh_from_db()
    assert anonymous.get(url).status_code == 410


def test_report_share_link_expires(history, settings):
    made = session_client(history.manager_a).post("/reports/work/share/", {"filters": "period=7d"})
    url = made.context["url"]
    settings.REPORT_LINK_MAX_AGE = 0
    time.sleep(1.1)
    expired = session_client(history.tech_a).get(url)
    assert expired.status_code == 410 and "expired" in expired.content.decode()
