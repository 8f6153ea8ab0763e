"""The ``next`` of a button (a work-order transition, an alert acknowledged, a notification read)
leads back into the product, never to another site: a link crafted elsewhere cannot use a click
here to send someone on to a look-alike page."""

import pytest
from django.urls import reverse

from accounts.models import NotificationKind
from accounts.services import notify
from conftest import session_client
from telemetry.alerts import raise_alert
from workorders import services

# Browsers read "/\" as "//", so the first is as much another site as the second.
FOREIGN = ["/\\evil.example", "//evil.example", "https://evil.example/x", "javascript:alert(1)"]
LOCAL = "/work-orders/"


@pytest.fixture
def endpoints(plant):
    """Each button's URL, the page it returns to by default, and who presses it."""
    order = services.create_work_order(asset=plant.asset_a, title="Check seal", kind="inspection")
    alert, _ = raise_alert(asset=plant.asset_a, cause="test:vibration", source="manual", title="High vibration")
    note = notify(plant.manager_a, kind=NotificationKind.ASSIGNMENT, title="WO assigned to you", url="/work-orders/")
    return {
        "transition": (reverse("workorders:transition", args=[order.pk]), order.get_absolute_url(),
                       {"status": "in_progress"}),
        "acknowledge": (reverse("telemetry:acknowledge", args=[alert.pk]), reverse("telemetry:alerts"), {}),
        "mark-read": (reverse("accounts:mark-read", args=[note.pk]), reverse("accounts:inbox"), {}),
        "mark-all-read": (reverse("accounts:mark-all-read"), reverse("accounts:inbox"), {}),
    }


@pytest.mark.parametrize("name", ["transition", "acknowledge", "mark-read", "mark-all-read"])
@pytest.mark.parametrize("target", FOREIGN)
def test_a_next_to_another_site_falls_back_to_the_default_page(plant, endpoints, name, target):
    url, default, data = endpoints[name]
    response = session_client(plant.manager_a).post(url, {**data, "next": target})
    assert response.status_code == 302
    assert response["Location"] == default


@pytest.mark.parametrize("name", ["transition", "acknowledge", "mark-read", "mark-all-read"])
def test_a_next_on_this_site_is_followed(plant, endpoints, name):
    url, _default, data = endpoints[name]
    response = session_client(plant.manager_a).post(url, {**data, "next": LOCAL})
    assert response.status_code == 302
    assert response["Location"] == LOCAL


def test_a_next_in_the_query_string_is_checked_the_same_way(plant, endpoints):
    url, default, data = endpoints["acknowledge"]
    response = session_client(plant.manager_a).post(f"{url}?next=//evil.example", data)
    assert response["Location"] == default
