"""The printable work order: one PDF with what was asked and what was done, pay shown only to
whom the pay rule allows, and nobody else's site."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from assets import services_parts as parts
from assets.models import Part, Storeroom
from conftest import session_client
from workorders import services as wo_services
from workorders.models import ChecklistTemplate, ChecklistTemplateItem, LabourRate


def _text(response) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def order(plant):
    LabourRate.objects.create(user=plant.tech_a, hourly_rate=Decimal("31.50"))
    LabourRate.objects.create(user=plant.manager_a, hourly_rate=Decimal("77.25"))
    wo = wo_services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Replace mechanical seal",
                                       description="Leak at the drive end.\nIsolate before opening.",
                                       kind="corrective", priority="high", assignee=plant.tech_a)
    template = ChecklistTemplate.objects.create(name="Seal job")
    ChecklistTemplateItem.objects.create(template=template, label="Pump isolated and locked out", kind="pass_fail",
                                         position=1)
    ChecklistTemplateItem.objects.create(template=template, label="Shaft run-out", kind="number", unit="mm",
                                         position=2, required=False)
    items = wo_services.attach_checklist(wo, template, actor=plant.manager_a)
    wo_services.record_checklist_result(items[0], actor=plant.tech_a, passed=True)
    seal = Part.objects.create(part_number="SEAL-40", name="Mechanical seal 40 mm", unit_cost="84.00")
    store = Storeroom.objects.create(site=plant.site_a, code="main", name="Main store A")
    parts.receive_stock(seal, store, 5, actor=plant.admin)
    wo_services.issue_part(wo, part=seal, storeroom=store, quantity=1, actor=plant.tech_a)
    wo_services.log_time(wo, actor=plant.tech_a, hours=Decimal("2.5"), user=plant.tech_a, note="Removed the seal")
    wo_services.log_time(wo, actor=plant.manager_a, hours=Decimal("1"), user=plant.manager_a)
    wo_services.add_comment(wo, "Seal face was scored; keep a spare.", actor=plant.tech_a)
    return wo


def test_export_workorder_pdf_holds_the_order_and_its_work(plant, order):
    client = session_client(plant.tech_a)
    page = client.get(f"/work-orders/{order.pk}/").content.decode()
    assert f'href="/work-orders/{order.pk}/print.pdf"' in page and "Print / PDF" in page
    response = client.get(f"/work-orders/{order.pk}/print.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="{order.number}.pdf"' in response["Content-Disposition"]
    text = _text(response)
    for expected in (order.number, "Replace mechanical seal", "P-100", "Feed pump A", "Alpha Plant", "Assigned",
                     "High", "Leak at the drive end.", "Pump isolated and locked out", "Pass", "Shaft run-out",
                     "SEAL-40", "€84.00", "Removed the seal", "Seal face was scored", "Technician", "Supervisor"):
        assert expected in text, expected
    # The technician sees their own pay and not the manager's.
    assert "€31.50" in text and "€77.25" not in text


def test_export_workorder_pdf_pay_for_the_manager_and_none_for_a_viewer(plant, order):
    managers = _text(session_client(plant.manager_a).get(f"/work-orders/{order.pk}/print.pdf"))
    assert "€31.50" in managers and "€77.25" in managers
    viewers = _text(session_client(plant.viewer_a).get(f"/work-orders/{order.pk}/print.pdf"))
    assert "Replace mechanical seal" in viewers and "€31.50" not in viewers and "Rate" not in viewers


def test_export_workorder_pdf_of_another_site_is_not_found(plant, order):
    assert session_client(plant.tech_b).get(f"/work-orders/{order.pk}/print.pdf").status_code == 404
    anonymous = session_client(plant.tech_a)
    anonymous.logout()
    assert anonymous.get(f"/work-orders/{order.pk}/print.pdf").status_code == 302
