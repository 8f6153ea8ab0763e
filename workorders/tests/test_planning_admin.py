"""The admin pages of requests, schedules, occurrences, projects and notifications open, and a
schedule saved in the admin goes through the service (audit row)."""

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from accounts.services import notify
from workorders import services_planning as preventive
from workorders.models import PreventiveSchedule
from workorders.services_planning import submit_request

PAGES = ["workorders_workrequest", "workorders_preventiveschedule", "workorders_pmoccurrence", "workorders_project",
         "accounts_notification", "accounts_notificationpreference"]


@pytest.fixture
def admin_client(client, plant):
    plant.admin.is_staff = plant.admin.is_superuser = True
    plant.admin.save()
    client.force_login(plant.admin)
    return client


def test_admin_pages_open_and_schedules_save_through_the_service(admin_client, plant):
    wr = submit_request(asset=plant.asset_a, title="Noise", description="Grinding at start", actor=plant.tech_a)
    s = preventive.save_schedule(PreventiveSchedule(asset=plant.asset_a, title="Weekly", interval=1,
                                                    interval_unit="weeks"), actor=None)
    preventive.generate_for_schedule(s.pk)
    notify(plant.admin, kind="mention", title="Hello")
    for page in PAGES:
        assert admin_client.get(reverse(f"admin:{page}_changelist")).status_code == 200, page
    assert admin_client.get(reverse("admin:workorders_workrequest_change", args=[wr.pk])).status_code == 200
    r = admin_client.post(reverse("admin:workorders_preventiveschedule_add"), {
        "asset": plant.asset_a.pk, "title": "From the admin", "trigger": "calendar", "interval": 2,
        "interval_unit": "weeks", "anchor": "fixed", "starts_at_0": "2026-12-01", "starts_at_1": "08:00",
        "lead_time_days": 1, "meter_start": 0, "meter_lead": 0, "priority": "medium", "active": "on",
        "parts-TOTAL_FORMS": 0, "parts-INITIAL_FORMS": 0})
    assert r.status_code == 302, r.content.decode()[:2000]
    created = PreventiveSchedule.objects.get(title="From the admin")
    assert AuditLog.objects.filter(action="pm.create", object_id=str(created.pk), actor=plant.admin).exists()
