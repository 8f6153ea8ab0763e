"""Closing the loop: a predictive work order's finding becomes a label, and the model page shows
how often the model's alerts were right."""

import pytest

from conftest import degrading_readings, jwt_client, register_active_model
from predictions import services
from predictions.models import FeedbackLabel
from telemetry.services import ingest_readings
from workorders.models import WorkOrder


@pytest.fixture
def predictive_order(plant):
    mv = register_active_model(plant.category)
    ingest_readings(degrading_readings(plant.sensors_a, wear_from=0.6, wear_to=0.93))
    services.assess_fleet()
    wo = WorkOrder.objects.get(asset=plant.asset_a, kind="predictive")
    return plant, mv, wo


def api_transition(client, wo, status, **extra):
    return client.post(f"/api/v1/work-orders/{wo.pk}/transition/", {"status": status, **extra}, format="json")


def test_completing_a_predictive_order_needs_the_finding_and_records_a_label(predictive_order,
                                                                             django_capture_on_commit_callbacks):
    plant, mv, wo = predictive_order
    client = jwt_client(plant.tech_a)
    assert api_transition(client, wo, "in_progress").status_code == 200
    refused = api_transition(client, wo, "completed")
    assert refused.status_code == 400 and "fault confirmed" in refused.json()["outcome"][0]
    wo.refresh_from_db()
    assert wo.status == "in_progress" and not FeedbackLabel.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = api_transition(client, wo, "completed", outcome="fault_confirmed", note="bearing cage cracked")
    assert done.status_code == 200 and done.json()["outcome"] == "fault_confirmed"
    label = FeedbackLabel.objects.get(work_order=wo)
    assert label.fault_confirmed and label.model_version == mv and label.asset == plant.asset_a
    assert label.assessment is not None and label.labelled_by == plant.tech_a
    assert label.alert.asset == plant.asset_a


def test_a_wrong_outcome_value_is_a_400_naming_the_field(predictive_order):
    plant, _mv, wo = predictive_order
    client = jwt_client(plant.tech_a)
    api_transition(client, wo, "in_progress")
    r = api_transition(client, wo, "completed", outcome="maybe")
    assert r.status_code == 400 and "outcome" in r.json()


def test_precision_from_feedback_is_shown_on_the_model_page(predictive_order, client,
                                                           django_capture_on_commit_callbacks):
    plant, mv, wo = predictive_order
    client.force_login(plant.manager_a)
    # Through the order page, as a technician does it.
    client.post(f"/work-orders/{wo.pk}/transition/", {"status": "in_progress", "version": wo.version})
    wo.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/work-orders/{wo.pk}/transition/",
                        {"status": "completed", "outcome": "no_fault_found", "version": wo.version}, follow=True)
    assert "is now Completed" in r.content.decode()
    assert FeedbackLabel.objects.get(work_order=wo).fault_confirmed is False
    html = client.get("/predictions/models/").content.decode()
    assert "0% <small class=\"muted\">(0 of 1 inspected)" in html


def test_order_page_refuses_completion_without_finding_with_a_message(predictive_order, client):
    plant, _mv, wo = predictive_order
    client.force_login(plant.tech_a)
    client.post(f"/work-orders/{wo.pk}/transition/", {"status": "in_progress"})
    r = client.post(f"/work-orders/{wo.pk}/transition/", {"status": "completed"}, follow=True)
    html = r.content.decode()
    assert "Say what you found" in html and "What did you find?" in html
    wo.refresh_from_db()
    assert wo.status == "in_progress"


def test_recording_feedback_twice_keeps_one_label(predictive_order):
    plant, _mv, wo = predictive_order
    from workorders.services import transition_work_order

    transition_work_order(wo, "in_progress", actor=plant.tech_a)
    wo = transition_work_order(wo, "completed", actor=plant.tech_a, outcome="fault_confirmed")
    services.record_feedback(work_order=wo)
    services.record_feedback(work_order=wo)
    assert FeedbackLabel.objects.filter(work_order=wo).count() == 1
