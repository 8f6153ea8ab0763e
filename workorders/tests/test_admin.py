"""The admin of every work-order model opens, and orders created and edited there go through the
services (SLA due date, audit row, version)."""

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from workorders import services
from workorders.models import WorkOrder

MODELS = ["workorder", "team", "slapolicy", "failurecode", "checklisttemplate", "checklistitem", "comment",
          "attachment", "labourrate", "timeentry", "partusage", "savedview", "statuschange"]


@pytest.fixture
def admin_client(client, wo_plant):
    wo_plant.admin.is_staff = True
    wo_plant.admin.is_superuser = True
    wo_plant.admin.save()
    client.force_login(wo_plant.admin)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_admin_page_opens(admin_client, wo_plant, model):
    services.create_work_order(asset=wo_plant.asset_a, title="Seal", kind="inspection")
    assert admin_client.get(reverse(f"admin:workorders_{model}_changelist")).status_code == 200


def test_admin_creates_and_edits_through_the_services(admin_client, wo_plant):
    r = admin_client.post(reverse("admin:workorders_workorder_add"), {
        "site": wo_plant.site_a.pk, "asset": wo_plant.asset_a.pk, "title": "From the admin", "kind": "corrective",
        "priority": "urgent", "source": "", "source_ref": "",
        **{f"{p}-TOTAL_FORMS": 0 for p in ("status_changes", "checklist_items", "time_entries", "part_usages")},
        **{f"{p}-INITIAL_FORMS": 0 for p in ("status_changes", "checklist_items", "time_entries", "part_usages")},
    })
    assert r.status_code == 302, r.content.decode()[:2000]
    wo = WorkOrder.objects.get(title="From the admin")
    assert wo.due_at is not None and wo.created_by == wo_plant.admin
    assert AuditLog.objects.filter(action="workorder.create", object_id=str(wo.pk)).exists()
    r = admin_client.get(reverse("admin:workorders_workorder_change", args=[wo.pk]))
    assert r.status_code == 200 and "From the admin" in r.content.decode()
