"""Requests the schema-driven fuzz (bench/fuzz.py) found answered with a server error or with a
body the published schema does not describe; each is an answer a client can rely on now."""

from __future__ import annotations

import pytest

from conftest import jwt_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/projects/", "/api/v1/pm-schedules/"])
def test_planning_lists_export_as_csv(plant, path):
    answer = jwt_client(plant.manager_a).get(path, {"format": "csv", "page": "0", "page_size": "0"})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("path", ["/api/v1/meters/", "/api/v1/pm-schedules/", "/api/v1/labour-rates/"])
def test_options_asked_as_csv_describes_the_endpoint(plant, path):
    answer = jwt_client(plant.manager_a).options(path, {"format": "csv"})
    assert answer.status_code == 200


def test_a_refused_csv_export_answers_400_in_csv(plant):
    from workorders import services

    wo = services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Check seal")
    answer = jwt_client(plant.manager_a).get(f"/api/v1/work-orders/{wo.pk}/checklist-items/",
                                             {"format": "csv", "search": "pump\x00", "page": "21048"})
    assert answer.status_code in (400, 404)
    assert answer.content.decode("utf-8-sig").splitlines()[0] == "detail"


def schema(api) -> dict:
    return api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def response_schema(doc, path, method="get", code="200"):
    return doc["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]


def test_answers_match_their_published_shape(plant):
    from workorders import services

    api = jwt_client(plant.manager_a)
    doc = schema(api)
    # The activity log is a page object, not a bare list.
    page = api.get("/api/v1/events/").json()
    assert set(page) == {"results", "next_before"}
    ref = response_schema(doc, "/api/v1/events/")["$ref"].rsplit("/", 1)[-1]
    assert set(doc["components"]["schemas"][ref]["properties"]) == {"results", "next_before"}
    # A work order's outcome is blank until a predictive order is completed: "" is allowed.
    wo = services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Check seal")
    assert api.get(f"/api/v1/work-orders/{wo.pk}/").json()["outcome"] == ""
    outcome = doc["components"]["schemas"]["WorkOrder"]["properties"]["outcome"]
    assert any(r["$ref"].endswith("BlankEnum") for r in outcome.get("oneOf", outcome.get("allOf", [])))
    # History: the whole list, as published (not a page).
    assert isinstance(api.get(f"/api/v1/work-orders/{wo.pk}/history/").json(), list)
    assert response_schema(doc, "/api/v1/work-orders/{id}/history/")["type"] == "array"
    # A new part is answered with its stock figures like any listed part.
    part = api.post("/api/v1/parts/", {"part_number": "X-1", "name": "Seal kit", "unit": "pcs"}, format="json")
    assert part.status_code == 201 and part.json()["on_hand"] == "0.000" and part.json()["is_low"] is False


def test_an_unreadable_reading_batch_is_refused_in_the_documented_shape(plant):
    api = jwt_client(plant.tech_a)
    answer = api.post("/api/v1/readings/bulk/", "{", content_type="application/json")
    assert answer.status_code == 400
    body = answer.json()
    assert body["stored"] == 0 and "not valid JSON" in body["errors"][0]["reason"]
    refused = api.post("/api/v1/readings/bulk/", [], format="json", HTTP_IDEMPOTENCY_KEY="bad\x01key")
    assert refused.status_code == 422 and "Idempotency-Key" in refused.json()
