"""Work-order events reach people: assignment pushed live over the WebSocket (real Channels on
Redis), status changes, due-soon and overdue once each; completing a preventive order records
its compliance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from accounts.models import Notification
from prosync.asgi import application
from prosync.core.ws_auth import issue_ticket
from workorders import services
from workorders import services_planning as preventive
from workorders.choices import Compliance, WorkOrderStatus
from workorders.models import PMOccurrence, PreventiveSchedule
from workorders.receivers import notify_due_orders


@pytest.mark.django_db(transaction=True)
async def test_assigning_an_order_notifies_the_assignee_live(live_plant, close_db_connections):
    p = live_plant
    comm = WebsocketCommunicator(application, f"/ws/notifications/?ticket={issue_ticket(p.tech_a)}",
                                 headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")])
    connected, _ = await comm.connect(timeout=5)
    assert connected
    try:
        hello = await comm.receive_json_from(timeout=5)
        assert hello["payload"]["unread"] == 0
        wo = await sync_to_async(services.create_work_order)(
            actor=p.manager_a, asset=p.asset_a, title="Replace mechanical seal", assignee=p.tech_a)
        msg = await comm.receive_json_from(timeout=10)
        assert msg["type"] == "notification.new"
        assert msg["payload"]["title"] == f"{wo.number} assigned to you"
        assert msg["payload"]["url"] == wo.get_absolute_url() and msg["payload"]["unread"] == 1
        stored = await sync_to_async(lambda: list(Notification.objects.filter(recipient=p.tech_a)
                                                  .values_list("kind", flat=True)))()
        assert stored == ["assignment"]
    finally:
        await comm.disconnect()


def test_status_change_tells_the_others_not_the_actor(plant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        wo = services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Align coupling",
                                        assignee=plant.tech_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.transition_work_order(wo, WorkOrderStatus.IN_PROGRESS, actor=plant.tech_a)
    to_manager = Notification.objects.filter(recipient=plant.manager_a, kind="status_change")
    assert [n.title for n in to_manager] == [f"{wo.number} is now in progress"]
    assert not Notification.objects.filter(recipient=plant.tech_a, kind="status_change").exists()


def test_due_soon_and_overdue_are_sent_once(plant, django_capture_on_commit_callbacks):
    now = timezone.now()
    late = services.create_work_order(actor=None, asset=plant.asset_a, title="Late one",
                                      assignee=plant.tech_a, due_at=now - timedelta(hours=2))
    soon = services.create_work_order(actor=None, asset=plant.asset_a, title="Soon one",
                                      assignee=plant.tech_a, due_at=now + timedelta(hours=3))
    services.create_work_order(actor=None, asset=plant.asset_a, title="Far one", assignee=plant.tech_a,
                               due_at=now + timedelta(days=5))
    assert notify_due_orders(now=now) == {"overdue": 1, "due_soon": 1}
    assert notify_due_orders(now=now) == {"overdue": 0, "due_soon": 0}, "a second beat sends nothing again"
    titles = sorted(Notification.objects.filter(recipient=plant.tech_a, kind__in=["overdue", "due_soon"])
                    .values_list("title", flat=True))
    assert len(titles) == 2 and titles[0].startswith(late.number) and titles[1].startswith(soon.number)
    # Rescheduled: the new due date is announced once more.
    services.update_work_order(soon, actor=plant.manager_a, due_at=now + timedelta(hours=5))
    assert notify_due_orders(now=now)["due_soon"] == 1


def test_completing_a_pm_order_records_compliance(plant, django_capture_on_commit_callbacks):
    s = preventive.save_schedule(PreventiveSchedule(asset=plant.asset_a, title="Grease", interval=1,
                                                    interval_unit="weeks", starts_at=timezone.now() + timedelta(days=1),
                                                    lead_time_days=2), actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        wo = preventive.generate_for_schedule(s.pk)
    assert wo is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.transition_work_order(wo, WorkOrderStatus.IN_PROGRESS, actor=plant.tech_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.transition_work_order(wo, WorkOrderStatus.COMPLETED, actor=plant.tech_a)
    occ = PMOccurrence.objects.get(work_order=wo)
    assert occ.compliance == Compliance.ON_TIME and occ.completed_at is not None
