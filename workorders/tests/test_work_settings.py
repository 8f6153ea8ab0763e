"""Work settings in the app: response times per priority, failure codes, and the checklist
template builder, as an Admin or a planner uses them."""

from datetime import timedelta

import pytest

from accounts.models import AuditLog
from conftest import session_client
from workorders.models import ChecklistTemplate, ChecklistTemplateItem, FailureCode, SlaPolicy, WorkOrder
from workorders.services import attach_checklist, create_work_order

pytestmark = pytest.mark.django_db


def _labels(template) -> list[str]:
    return list(ChecklistTemplateItem.objects.filter(template=template).order_by("position", "pk")
                .values_list("label", flat=True))


@pytest.fixture
def pump_checks(wo_plant):
    template = ChecklistTemplate.objects.create(name="Pump monthly", category=wo_plant.category)
    for position, label in enumerate(["Seal dry", "Vibration", "Bearing temperature"]):
        ChecklistTemplateItem.objects.create(template=template, label=label, position=position)
    return template


def test_response_times_saved_and_used_for_new_orders(wo_plant):
    client = session_client(wo_plant.admin)
    page = client.get("/manage/work/response-times/")
    assert page.status_code == 200 and "Urgent priority" in page.content.decode()
    response = client.post("/manage/work/response-times/", {"urgent": "4", "high": "24", "medium": "72", "low": ""})
    assert response.status_code == 302
    assert SlaPolicy.objects.get(priority="urgent").resolve_within == timedelta(hours=4)
    assert not SlaPolicy.objects.filter(priority="low").exists()
    assert 'value="4' in client.get("/manage/work/response-times/").content.decode()
    wo = create_work_order(actor=wo_plant.admin, asset=wo_plant.asset_a, title="Leak", priority="urgent")
    assert timedelta(hours=3, minutes=59) < wo.due_at - wo.created_at <= timedelta(hours=4, seconds=5)
    bad = client.post("/manage/work/response-times/", {"urgent": "-1"})
    assert bad.status_code == 422 and "greater than or equal to 0.25" in bad.content.decode()


def test_failure_codes_add_edit_deactivate(wo_plant):
    client = session_client(wo_plant.manager_a)
    response = client.post("/manage/work/codes/new/", {"kind": "problem", "code": "LEAK",
                                                      "description": "Leaking seal", "category": ""})
    assert response.status_code == 302
    code = FailureCode.objects.get(code="LEAK")
    assert "Leaking seal" in client.get("/manage/work/codes/").content.decode()
    duplicate = client.post("/manage/work/codes/new/", {"kind": "problem", "code": "LEAK", "description": "Again"})
    assert duplicate.status_code == 422 and "already exists" in duplicate.content.decode()
    client.post(f"/manage/work/codes/{code.pk}/", {"kind": "problem", "code": "LEAK",
                                                   "description": "Seal leaking", "category": wo_plant.category.pk})
    code.refresh_from_db()
    assert code.description == "Seal leaking" and code.category == wo_plant.category
    client.post(f"/manage/work/codes/{code.pk}/active/", {"active": "0"})
    code.refresh_from_db()
    assert not code.active
    assert "No (deactivated)" in client.get("/manage/work/codes/").content.decode()
    assert AuditLog.objects.filter(action="failurecode.deactivate", object_id=str(code.pk)).exists()


def test_checklist_builder_reorder_persists_and_reaches_orders(wo_plant, pump_checks):
    client = session_client(wo_plant.manager_a)
    last = ChecklistTemplateItem.objects.get(template=pump_checks, label="Bearing temperature")
    assert client.post(f"/manage/work/checklists/{pump_checks.pk}/items/{last.pk}/move/",
                       {"direction": "up"}).status_code == 302
    assert _labels(pump_checks) == ["Seal dry", "Bearing temperature", "Vibration"]
    first = ChecklistTemplateItem.objects.get(template=pump_checks, label="Seal dry")
    client.post(f"/manage/work/checklists/{pump_checks.pk}/items/{first.pk}/move/", {"direction": "down"})
    assert _labels(pump_checks) == ["Bearing temperature", "Seal dry", "Vibration"]
    page = client.get(f"/manage/work/checklists/{pump_checks.pk}/").content.decode()
    assert page.index("Bearing temperature") < page.index("Seal dry") < page.index("Vibration")

    wo = create_work_order(actor=wo_plant.manager_a, asset=wo_plant.asset_a, title="Monthly check")
    attach_checklist(wo, pump_checks, actor=wo_plant.manager_a)
    assert list(WorkOrder.objects.get(pk=wo.pk).checklist_items.order_by("position", "pk")
                .values_list("label", flat=True)) == ["Bearing temperature", "Seal dry", "Vibration"]


def test_checklist_builder_adds_number_check_with_limits(wo_plant, pump_checks):
    client = session_client(wo_plant.admin)
    url = f"/manage/work/checklists/{pump_checks.pk}/items/"
    response = client.post(url, {"label": "Discharge pressure", "kind": "number", "unit": "bar",
                                 "min_value": "2", "max_value": "6", "required": "on"})
    assert response.status_code == 302
    item = ChecklistTemplateItem.objects.get(label="Discharge pressure")
    assert (item.unit, item.min_value, item.max_value) == ("bar", 2, 6)
    assert _labels(pump_checks)[-1] == "Discharge pressure"
    page = client.get(f"/manage/work/checklists/{pump_checks.pk}/").content.decode()
    assert "good from 2 to 6 bar" in page
    client.post(url, {"label": "Vibration", "kind": "number", "unit": "mm/s", "max_value": "4.5"})
    assert "good up to 4.5 mm/s" in client.get(f"/manage/work/checklists/{pump_checks.pk}/").content.decode()
    bad = client.post(url, {"label": "Flow", "kind": "number", "min_value": "9", "max_value": "3"})
    assert bad.status_code == 422 and "The upper limit is below the lower limit." in bad.content.decode()
    # Remove one: the others close the gap.
    client.post(f"/manage/work/checklists/{pump_checks.pk}/items/{item.pk}/delete/")
    assert "Discharge pressure" not in _labels(pump_checks)


def test_new_checklist_shared_or_per_category(wo_plant):
    client = session_client(wo_plant.admin)
    response = client.post("/manage/work/checklists/", {"name": "Daily walk-round", "description": "",
                                                        "category": ""})
    template = ChecklistTemplate.objects.get(name="Daily walk-round")
    assert response.status_code == 302 and response["Location"].endswith(f"/checklists/{template.pk}/")
    assert template.category is None
    assert "Shared" in client.get("/manage/work/checklists/").content.decode()


def test_response_times_are_for_admins_only(wo_plant):
    """One table for every site: a Manager of one site must not move another site's due dates."""
    client = session_client(wo_plant.manager_a)
    assert client.post("/manage/work/response-times/", {"urgent": "1"}).status_code == 403
    assert not SlaPolicy.objects.filter(priority="urgent").exists()
    assert "Response times" not in client.get("/manage/work/codes/").content.decode()


@pytest.mark.parametrize("url", ["/manage/work/response-times/", "/manage/work/codes/", "/manage/work/checklists/"])
def test_technician_and_viewer_get_403(wo_plant, url):
    for who in (wo_plant.tech_a, wo_plant.viewer_a):
        assert session_client(who).get(url).status_code == 403
