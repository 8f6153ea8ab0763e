"""The work-order lifecycle: every allowed and refused move, through the service, the page and
the API, with the version check against concurrent edits."""

import pytest

from conftest import jwt_client
from workorders import services
from workorders.choices import WorkOrderStatus
from workorders.models import ALLOWED_TRANSITIONS, IllegalTransition

ALL = list(WorkOrderStatus.values)
PAIRS = [(a, b) for a in ALL for b in ALL if a != b]


def order_in(plant, status):
    wo = services.create_work_order(asset=plant.asset_a, title="Check seal", kind="inspection")
    wo.status = status  # set directly: the test is about the move out of this status
    wo.save()
    return wo


@pytest.mark.parametrize("start, target", PAIRS)
def test_service_allows_exactly_the_lifecycle(plant, start, target):
    wo = order_in(plant, start)
    if target in ALLOWED_TRANSITIONS[start]:
        moved = services.transition_work_order(wo, target, acting_user=plant.tech_a)
        assert moved.status == target and moved.version == wo.version + 1
    else:
        with pytest.raises(IllegalTransition, match=f"from '{start}' to '{target}'"):
            services.transition_work_order(wo, target, acting_user=plant.tech_a)
        wo.refresh_from_db()
        assert wo.status == start


@pytest.mark.parametrize("start, target", [("open", "in_progress"), ("open", "closed"), ("in_progress", "open"),
                                           ("completed", "closed"), ("closed", "open")])
def test_api_and_page_agree_with_the_service(plant, client, start, target):
    allowed = target in ALLOWED_TRANSITIONS[start]
    wo = order_in(plant, start)
    r = jwt_client(plant.tech_a).post(f"/api/v1/work-orders/{wo.pk}/transition/", {"status": target}, format="json")
    assert r.status_code == (200 if allowed else 409)
    wo2 = order_in(plant, start)
    client.force_login(plant.tech_a)
    page = client.post(f"/work-orders/{wo2.pk}/transition/", {"status": target}, follow=True).content.decode()
    wo2.refresh_from_db()
    assert (wo2.status == target) is allowed
    assert ("is now" in page) is allowed and ("cannot go from" in page) is not allowed


def test_stale_version_from_the_page_is_refused_and_nothing_changes(plant, client):
    wo = order_in(plant, "open")
    services.transition_work_order(wo, "assigned", acting_user=plant.manager_a)  # someone else, meanwhile
    client.force_login(plant.tech_a)
    page = client.post(f"/work-orders/{wo.pk}/transition/", {"status": "in_progress", "version": 1},
                       follow=True).content.decode()
    assert "changed by someone else" in page
    wo.refresh_from_db()
    assert wo.status == "assigned"


def test_viewer_sees_no_buttons_and_cannot_post(plant, client):
    wo = order_in(plant, "open")
    client.force_login(plant.viewer_a)
    assert "Move this order" not in client.get(f"/work-orders/{wo.pk}/").content.decode()
    assert client.post(f"/work-orders/{wo.pk}/transition/", {"status": "in_progress"}).status_code == 404


def test_timeline_lists_the_moves(plant, client):
    wo = order_in(plant, "open")
    services.transition_work_order(wo, "in_progress", acting_user=plant.tech_a, note="on my way")
    client.force_login(plant.tech_a)
    html = client.get(f"/work-orders/{wo.pk}/").content.decode()
    assert "moved it from open to in_progress" in html and "on my way" in html
