"""Idempotency-Key on the API's writes: a client retrying a POST (its answer lost on a bad
network, a phone back online) gets the first answer again and nothing is written twice; the same
key with another body is refused with 422 naming the header."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import jwt_client

pytestmark = pytest.mark.django_db

HEADER = {"HTTP_IDEMPOTENCY_KEY": "7b1a6c2e-order-1"}


def order_payload(plant, title="Replace the seal"):
    return {"asset": plant.asset_a.pk, "title": title, "priority": "high"}


def test_a_retried_work_order_is_created_once_and_gets_the_same_answer(plant):
    from workorders.models import WorkOrder

    api = jwt_client(plant.manager_a)
    first = api.post("/api/v1/work-orders/", order_payload(plant), format="json", **HEADER)
    again = api.post("/api/v1/work-orders/", order_payload(plant), format="json", **HEADER)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.json()["number"] == first.json()["number"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert WorkOrder.objects.filter(title="Replace the seal").count() == 1
    # Without the header every POST is a new order, as before.
    api.post("/api/v1/work-orders/", order_payload(plant), format="json")
    assert WorkOrder.objects.filter(title="Replace the seal").count() == 2


def test_the_same_key_with_another_body_is_refused_naming_the_header(plant):
    from workorders.models import WorkOrder

    api = jwt_client(plant.manager_a)
    assert api.post("/api/v1/work-orders/", order_payload(plant), format="json", **HEADER).status_code == 201
    other = api.post("/api/v1/work-orders/", order_payload(plant, title="Another job"), format="json", **HEADER)
    assert other.status_code == 422
    assert "different request" in other.json()["Idempotency-Key"][0]
    assert not WorkOrder.objects.filter(title="Another job").exists()
    # The same key on another endpoint is another request too.
    request = api.post("/api/v1/work-requests/", {"asset": plant.asset_a.pk, "title": "Leak", "description": "Oil"},
                       format="json", **HEADER)
    assert request.status_code == 422


def test_keys_belong_to_their_caller(plant):
    from workorders.models import WorkOrder

    assert jwt_client(plant.manager_a).post("/api/v1/work-orders/", order_payload(plant), format="json",
                                            **HEADER).status_code == 201
    theirs = jwt_client(plant.admin).post("/api/v1/work-orders/", order_payload(plant), format="json", **HEADER)
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert WorkOrder.objects.filter(title="Replace the seal").count() == 2


def test_a_refused_write_is_not_stored_and_a_corrected_retry_goes_through(plant):
    api = jwt_client(plant.manager_a)
    bad = api.post("/api/v1/work-orders/", {"asset": plant.asset_a.pk}, format="json", **HEADER)
    assert bad.status_code == 400 and "title" in bad.json()
    # The client fixes the body and retries with the same key: the 400 is not replayed.
    fixed = api.post("/api/v1/work-orders/", order_payload(plant), format="json", **HEADER)
    assert fixed.status_code == 201


def test_a_bad_key_is_refused(plant):
    api = jwt_client(plant.manager_a)
    answer = api.post("/api/v1/work-orders/", order_payload(plant), format="json", HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert answer.status_code == 422 and "Idempotency-Key" in answer.json()


def test_a_retried_request_and_reading_batch_are_stored_once(plant):
    from telemetry.models import Reading
    from workorders.models import WorkRequest

    api = jwt_client(plant.tech_a)
    body = {"asset": plant.asset_a.pk, "title": "Guard cracked", "description": "Near the coupling"}
    answers = [api.post("/api/v1/work-requests/", body, format="json", HTTP_IDEMPOTENCY_KEY="req-1")
               for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201] and answers[0].json()["id"] == answers[1].json()["id"]
    assert WorkRequest.objects.filter(title="Guard cracked").count() == 1

    sensor = plant.sensors_a["vibration"]
    items = [{"sensor": sensor.pk, "ts": (timezone.now() - timedelta(seconds=i)).isoformat(), "value": i}
             for i in range(5)]
    answers = [api.post("/api/v1/readings/bulk/", items, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
               for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json() and answers[1].json()["stored"] == 5  # not 0 stored, 5 duplicates
    assert Reading.objects.filter(sensor=sensor).count() == 5


def test_stored_answers_expire_and_the_key_can_be_used_again(plant, settings):
    from accounts.models import IdempotentRequest
    from accounts.tasks import purge_idempotency_keys
    from workorders.models import WorkOrder

    api = jwt_client(plant.manager_a)
    api.post("/api/v1/work-orders/", order_payload(plant), format="json", **HEADER)
    api.post("/api/v1/work-orders/", order_payload(plant, title="Later job"), format="json",
             HTTP_IDEMPOTENCY_KEY="k2")
    IdempotentRequest.objects.filter(key=HEADER["HTTP_IDEMPOTENCY_KEY"]).update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS, minutes=1))
    # Past the expiry the key is free even before the sweep ...
    again = api.post("/api/v1/work-orders/", order_payload(plant), format="json", **HEADER)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert WorkOrder.objects.filter(title="Replace the seal").count() == 2
    # ... and the hourly task deletes what has expired, keeping the rest.
    IdempotentRequest.objects.filter(key="k2").update(created_at=timezone.now() - timedelta(days=2))
    assert purge_idempotency_keys() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == [HEADER["HTTP_IDEMPOTENCY_KEY"]]


def test_the_schema_documents_the_header(plant):
    api = jwt_client(plant.viewer_a)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/v1/work-orders/", "/api/v1/work-requests/", "/api/v1/readings/bulk/"):
        names = [p["name"] for p in schema["paths"][path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_write_once():
    """Two copies of the same request at the same instant: the unique key makes the second wait
    for the first's transaction and then replay its answer."""
    from conftest import make_plant
    from workorders.models import WorkOrder

    plant = make_plant()
    barrier = threading.Barrier(4)
    answers = []

    def send():
        try:
            api = jwt_client(plant.manager_a)
            barrier.wait()
            answers.append(api.post("/api/v1/work-orders/", order_payload(plant), format="json", **HEADER))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [201] * 4
    assert len({a.json()["id"] for a in answers}) == 1
    assert WorkOrder.objects.filter(title="Replace the seal").count() == 1
