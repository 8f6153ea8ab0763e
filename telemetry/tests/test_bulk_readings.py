"""The bulk readings endpoint: what a gateway sends, what is stored, and what it is told when
items are bad (index, field, reason), never a 500."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import jwt_client
from telemetry.models import Reading

URL = "/api/v1/readings/bulk/"


def post_raw(client, body: str, query=""):
    return client.post(URL + query, data=body, content_type="application/json")


@pytest.fixture
def gateway(plant):
    return jwt_client(plant.tech_a)


@pytest.fixture
def vib(plant):
    return plant.sensors_a["vibration"]


def ts(seconds_ago=0):
    return (timezone.now() - timedelta(seconds=seconds_ago)).isoformat()


def test_valid_batch_is_stored_and_sensor_shows_latest_value(gateway, vib, plant):
    temp = plant.sensors_a["temperature"]
    body = [{"sensor": vib.pk, "ts": ts(4), "value": 2.5}, {"sensor": vib.pk, "ts": ts(2), "value": 2.75},
            {"sensor": temp.key, "ts": ts(2), "value": 61}]
    r = gateway.post(URL, body, format="json")
    assert r.status_code == 201
    assert r.json() == {"received": 3, "stored": 3, "duplicates": 0, "refused": 0, "errors": []}
    vib.refresh_from_db()
    assert vib.last_value == 2.75
    assert Reading.objects.filter(sensor=temp).get().value == 61.0


def test_duplicates_are_stored_once_and_out_of_order_data_is_accepted(gateway, vib):
    t1, t2 = ts(10), ts(20)
    first = gateway.post(URL, [{"sensor": vib.pk, "ts": t1, "value": 1.0}, {"sensor": vib.pk, "ts": t1, "value": 1.0}],
                         format="json")
    assert first.status_code == 201 and first.json()["stored"] == 1 and first.json()["duplicates"] == 1
    # Resending (a retry) and an older reading arriving late.
    again = gateway.post(URL, [{"sensor": vib.pk, "ts": t1, "value": 1.0}, {"sensor": vib.pk, "ts": t2, "value": 0.5}],
                         format="json")
    assert again.json()["stored"] == 1 and again.json()["duplicates"] == 1
    assert Reading.objects.filter(sensor=vib).count() == 2
    vib.refresh_from_db()
    assert vib.last_value == 1.0  # the late, older reading does not become "latest"


def test_epoch_seconds_are_accepted(gateway, vib):
    r = gateway.post(URL, [{"sensor": vib.pk, "ts": timezone.now().timestamp() - 5, "value": 3}], format="json")
    assert r.status_code == 201 and r.json()["stored"] == 1


def test_bad_items_are_refused_by_index_while_valid_ones_are_stored(gateway, vib, plant):
    # Python's encoder writes NaN and Infinity as bare literals, as some gateways really send them.
    other = plant.sensors_b["vibration"].key
    body = json.dumps([
        {"sensor": vib.pk, "ts": ts(1), "value": 1.5},
        {"sensor": 999999, "ts": ts(1), "value": 1},
        {"sensor": vib.pk, "ts": ts(1), "value": float("nan")},
        {"sensor": vib.pk, "ts": ts(2), "value": float("inf")},
        {"sensor": vib.pk, "ts": ts(3), "value": "12.5"},
        {"sensor": vib.pk, "ts": "yesterday", "value": 1},
        {"sensor": vib.pk, "ts": ts(-3600), "value": 1},
        {"sensor": vib.pk, "ts": "2026-01-01T10:00:00", "value": 1},
        {"sensor": other, "ts": ts(1), "value": 1},
        {"ts": ts(1), "value": 1},
        {"sensor": vib.pk, "ts": ts(4), "value": True},
    ])
    assert "NaN" in body and "Infinity" in body
    r = post_raw(gateway, body)
    assert r.status_code == 400
    data = r.json()
    assert data["received"] == 11 and data["stored"] == 1 and data["refused"] == 10
    errors = {(e["index"], e["field"]): e["reason"] for e in data["errors"]}
    assert "unknown sensor" in errors[(1, "sensor")]
    assert "NaN or infinite" in errors[(2, "value")]
    assert "NaN or infinite" in errors[(3, "value")]
    assert "string" in errors[(4, "value")]
    assert "ISO 8601" in errors[(5, "ts")]
    assert "future" in errors[(6, "ts")]
    assert "time-zone" in errors[(7, "ts")]
    assert "unknown sensor" in errors[(8, "sensor")]  # another site's sensor is not revealed
    assert "required" in errors[(9, "sensor")]
    assert "number" in errors[(10, "value")]
    assert Reading.objects.count() == 1  # only item 0
    assert not Reading.objects.filter(sensor=plant.sensors_b["vibration"]).exists()


def test_atomic_refuses_the_whole_batch(gateway, vib):
    body = [{"sensor": vib.pk, "ts": ts(1), "value": 1.0}, {"sensor": vib.pk, "ts": ts(2), "value": "x"}]
    r = gateway.post(URL + "?atomic=true", body, format="json")
    assert r.status_code == 400 and r.json()["stored"] == 0 and r.json()["errors"][0]["index"] == 1
    assert not Reading.objects.exists()


@pytest.mark.parametrize("body, reason", [
    ("{not json", "not valid JSON"),
    ("[]", "empty"),
    ('{"sensor": 1, "ts": "x", "value": 1}', "JSON list"),
    ('"hello"', "JSON list"),
    ("null", "JSON list"),
])
def test_unusable_bodies_get_400_with_a_reason(gateway, body, reason):
    r = post_raw(gateway, body)
    assert r.status_code == 400
    assert reason in json.dumps(r.json())
    assert not Reading.objects.exists()


def test_items_of_the_wrong_shape_are_refused_by_index(gateway):
    r = post_raw(gateway, '[1, "x", null, [], {}, {"sensor": [1], "ts": {}, "value": {}}]')
    assert r.status_code == 400
    assert {e["index"] for e in r.json()["errors"]} == {0, 1, 2, 3, 4, 5}


def test_a_batch_over_the_limit_is_refused_whole(gateway, vib, settings):
    settings.INGEST_MAX_BATCH = 5
    body = [{"sensor": vib.pk, "ts": ts(i), "value": i} for i in range(6)]
    r = gateway.post(URL, body, format="json")
    assert r.status_code == 400 and "limit is 5" in r.json()["errors"][0]["reason"]
    assert not Reading.objects.exists()


def test_anonymous_and_viewer_cannot_ingest(plant, vib):
    body = [{"sensor": vib.pk, "ts": ts(1), "value": 1.0}]
    assert jwt_client(None).post(URL, body, format="json").status_code == 401
    assert jwt_client(plant.viewer_a).post(URL, body, format="json").status_code == 403
    assert not Reading.objects.exists()
