"""The store over HTTP: gateway keys on the bulk endpoint, the series endpoint (resolution,
at most N points, scoping, clear 400s) and CSV uploads with per-row errors."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import jwt_client
from telemetry import services, storage
from telemetry.models import CsvImport, Gateway

BULK = "/api/v1/readings/bulk/"


def gateway_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Gateway {key}")
    return client


def test_gateway_key_ingests_for_its_own_site_only_and_can_be_revoked(plant, store):
    gateway, key = services.issue_gateway(site=plant.site_a, name="PLC bridge", actor=plant.manager_a)
    assert key.startswith(gateway.key_prefix) and key not in gateway.key_hash  # only a hash is kept
    vib_a, vib_b = plant.sensors_a["vibration"], plant.sensors_b["vibration"]
    now = timezone.now()
    r = gateway_client(key).post(BULK, [{"sensor": vib_a.key, "ts": now.isoformat(), "value": 3.5},
                                        {"sensor": vib_b.key, "ts": now.isoformat(), "value": 9.9}], format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["stored"] == 1 and body["errors"] == [{"index": 1, "field": "sensor",
                                                       "reason": f"unknown sensor {vib_b.key!r}"}]
    assert storage.get_store().count_raw([vib_a.pk]) == 1 and storage.get_store().count_raw([vib_b.pk]) == 0
    # The gateway may ingest and nothing else.
    assert gateway_client(key).get("/api/v1/sensors/").status_code in (401, 403)
    assert gateway_client(key + "x").post(BULK, [{"sensor": vib_a.pk, "ts": now.isoformat(), "value": 1}],
                                          format="json").status_code == 401
    services.revoke_gateway(gateway, actor=plant.manager_a)
    r = gateway_client(key).post(BULK, [{"sensor": vib_a.pk, "ts": now.isoformat(), "value": 1}], format="json")
    assert r.status_code == 401


def test_gateways_api_shows_the_key_once_and_viewers_cannot_issue(plant):
    manager = jwt_client(plant.manager_a)
    r = manager.post("/api/v1/gateways/", {"site": plant.site_a.pk, "name": "Historian"}, format="json")
    assert r.status_code == 201 and "." in r.json()["key"]
    listed = manager.get("/api/v1/gateways/").json()["results"]
    assert [g["name"] for g in listed] == ["Historian"] and "key" not in listed[0]
    assert "key_hash" not in listed[0]
    assert jwt_client(plant.viewer_a).post("/api/v1/gateways/", {"site": plant.site_a.pk, "name": "X"},
                                           format="json").status_code == 403
    other = manager.post("/api/v1/gateways/", {"site": plant.site_b.pk, "name": "Y"}, format="json")
    assert other.status_code == 400 and "site" in other.json()
    assert jwt_client(plant.tech_b).get("/api/v1/gateways/").json()["results"] == []
    assert Gateway.objects.count() == 1


def test_series_endpoint_answers_at_most_n_points_and_scopes_and_explains_bad_input(plant, store):
    vib = plant.sensors_a["vibration"]
    end = timezone.now().replace(microsecond=0)
    items = [{"sensor": vib.pk, "ts": (end - timedelta(seconds=3600 - i)).isoformat(), "value": (i % 50) / 10}
             for i in range(3600)]
    services.ingest_readings(items)
    client = jwt_client(plant.viewer_a)
    url = f"/api/v1/sensors/{vib.pk}/series/"
    params = {"start": (end - timedelta(hours=1)).isoformat(), "end": end.isoformat(), "points": 500}
    r = client.get(url, params)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["resolution"] == "raw" and body["points"] == len(body["t"]) == len(body["value"]) <= 500
    assert max(body["max"]) == 4.9 and min(body["min"]) == 0.0
    month = client.get(url, {**params, "start": (end - timedelta(days=30)).isoformat()}).json()
    assert month["resolution"] == "1h" and month["points"] == len(month["t"]) in (1, 2)  # the hours with data
    assert max(month["max"]) == 4.9 and min(month["min"]) == 0.0
    week = client.get(url, {**params, "start": (end - timedelta(days=7)).isoformat()}).json()
    assert week["resolution"] == "1m" and 60 <= week["points"] <= 61
    assert jwt_client(plant.tech_b).get(url, params).status_code == 404  # another site's sensor
    assert client.get(url, {**params, "points": "lots"}).json() == {
        "points": "points must be a whole number from 2 to 10000"}
    bad = client.get(url, {"start": "yesterday", "end": "2026-01-01T00:00:00"})
    assert bad.status_code == 400 and set(bad.json()) == {"start", "end"}
    assert client.get(url, {"start": end.isoformat(), "end": (end - timedelta(hours=1)).isoformat()}).json() == {
        "start": "start must be before end"}


def test_a_raw_series_over_the_cap_is_refused_naming_it(plant, store, settings):
    """Any Viewer could make the server read years of raw readings with ?resolution=raw."""
    settings.RAW_SERIES_MAX_POINTS = 1000
    vib = plant.sensors_a["vibration"]
    end = timezone.now().replace(microsecond=0)
    services.ingest_readings([{"sensor": vib.pk, "ts": (end - timedelta(seconds=i)).isoformat(), "value": 1.0}
                              for i in range(1001)])
    client = jwt_client(plant.viewer_a)
    url = f"/api/v1/sensors/{vib.pk}/series/"
    params = {"start": (end - timedelta(days=3 * 365)).isoformat(), "end": end.isoformat(), "resolution": "raw"}
    r = client.get(url, params)
    assert r.status_code == 400 and r.json()["max_raw_points"] == 1000
    assert "more than 1,000 readings" in r.json()["resolution"] and "coarser resolution" in r.json()["resolution"]
    r = client.get(url, {**params, "start": (end - timedelta(seconds=999)).isoformat()})
    assert r.status_code == 200 and r.json()["resolution"] == "raw", "1,000 readings: at the cap, not over it"
    r = client.get(url, {**params, "resolution": "1h"})
    assert r.status_code == 200 and r.json()["resolution"] == "1h"


def csv_file(text: str, name="history.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_csv_upload_stores_valid_rows_and_reports_bad_ones_by_row_number(plant, store,
                                                                        django_capture_on_commit_callbacks):
    vib, temp = plant.sensors_a["vibration"], plant.sensors_a["temperature"]
    t = timezone.now().replace(microsecond=0) - timedelta(days=3)
    rows = ["sensor,ts,value"]
    rows += [f"{vib.key},{(t + timedelta(seconds=i)).isoformat()},{i / 10}" for i in range(12)]
    rows += [
        f"{temp.pk},{t.isoformat()},NaN",                      # row 14
        f"{temp.pk},{t.isoformat()},warm",                     # row 15
        f"no.such.sensor,{t.isoformat()},1",                   # row 16
        f"{vib.key},{(t + timedelta(seconds=3)).isoformat()},9",  # row 17: duplicate of row 5
        f"{temp.pk},{t.isoformat()}",                          # row 18: too few columns
        f"{temp.pk},{(timezone.now() + timedelta(days=1)).isoformat()},1",  # row 19: future
    ]
    client = jwt_client(plant.tech_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = client.post("/api/v1/csv-imports/", {"file": csv_file("\n".join(rows))}, format="multipart")
    assert r.status_code == 202, r.content
    queued = [c for c in callbacks if "start_csv_import" in c.__qualname__]
    assert len(queued) == 1  # the import is queued after commit (the others renew cache generations)
    job = services.run_csv_import(r.json()["id"])  # what the Celery task runs
    assert job.status == CsvImport.Status.DONE
    assert (job.total_rows, job.stored, job.duplicates, job.refused) == (18, 12, 1, 5)
    errors = {(e["row"], e["field"]): e["reason"] for e in job.errors}
    assert "NaN" in errors[(14, "value")] and "string" in errors[(15, "value")]
    assert "unknown sensor" in errors[(16, "sensor")] and "too few columns" in errors[(18, None)]
    assert "future" in errors[(19, "ts")]
    assert storage.get_store().count_raw([vib.pk]) == 12 and storage.get_store().count_raw([temp.pk]) == 0
    progress = client.get(f"/api/v1/csv-imports/{job.pk}/").json()
    assert progress["percent"] == 100 and progress["refused"] == 5
    assert jwt_client(plant.tech_b).get(f"/api/v1/csv-imports/{job.pk}/").status_code == 404


def test_atomic_csv_upload_stores_nothing_when_a_row_is_bad(plant, store):
    vib = plant.sensors_a["vibration"]
    t = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    text = f"ts,value,sensor\n{t.isoformat()},1.5,{vib.pk}\n{t.isoformat()},oops,{vib.pk}\n"
    job = services.start_csv_import(upload=csv_file(text), actor=plant.tech_a, atomic=True)
    job = services.run_csv_import(job.pk)
    assert job.status == CsvImport.Status.FAILED and "Nothing was stored" in job.message
    assert job.errors == [{"row": 3, "field": "value", "reason": "the value is a string; send a JSON number"}]
    assert storage.get_store().count_raw([vib.pk]) == 0


def test_csv_without_the_needed_columns_fails_with_a_reason_and_viewers_cannot_upload(plant):
    job = services.start_csv_import(upload=csv_file("when,what\n1,2\n"), actor=plant.tech_a)
    job = services.run_csv_import(job.pk)
    assert job.status == CsvImport.Status.FAILED and "missing: sensor, ts, value" in job.message
    r = jwt_client(plant.viewer_a).post("/api/v1/csv-imports/", {"file": csv_file("sensor,ts,value\n")},
                                        format="multipart")
    assert r.status_code == 403
    r = jwt_client(plant.tech_a).post("/api/v1/csv-imports/", {}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_larger_csv_is_imported_in_chunks_and_a_binary_file_is_refused_with_a_reason(plant, settings):
    settings.TELEMETRY_CSV_CHUNK = 1000
    cur = plant.sensors_a["current"]
    t = timezone.now().replace(microsecond=0) - timedelta(days=2)
    text = "sensor,ts,value\n" + "".join(f"{cur.pk},{(t + timedelta(seconds=i)).isoformat()},{i % 40}\n"
                                         for i in range(4500))
    job = services.run_csv_import(services.start_csv_import(upload=csv_file(text), actor=plant.tech_a).pk)
    assert (job.status, job.total_rows, job.processed_rows, job.stored, job.refused) == ("done", 4500, 4500, 4500, 0)
    assert storage.get_store().count_raw([cur.pk]) == 4500
    binary = SimpleUploadedFile("dump.csv", b"\xff\xfe\x00\x81garbage\x00", content_type="text/csv")
    job = services.run_csv_import(services.start_csv_import(upload=binary, actor=plant.tech_a).pk)
    assert job.status == CsvImport.Status.FAILED and "not a readable UTF-8 CSV" in job.message


def test_reading_and_rollup_lists_page_through_the_store_on_both_backends(plant, store):
    vib = plant.sensors_a["vibration"]
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)
    services.ingest_readings([{"sensor": vib.pk, "ts": (start + timedelta(seconds=10 * i)).isoformat(),
                               "value": float(i % 7)} for i in range(150)])  # 25 minutes of data
    api = jwt_client(plant.tech_a)
    since = (start - timedelta(minutes=1)).isoformat()
    first = api.get("/api/v1/readings/", {"sensor": vib.pk, "since": since, "limit": 100})
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 100 and body["results"][0]["value"] == 0.0 and body["next"]
    rest = api.get(body["next"]).json()
    assert rest["count"] == 50 and rest["next"] is None
    stamps = [r["ts"] for r in body["results"] + rest["results"]]
    assert len(set(stamps)) == 150 and stamps == sorted(stamps), "every reading once, oldest first, across pages"
    page = api.get("/api/v1/reading-rollups-1m/", {"sensor": vib.pk, "since": since, "limit": 10}).json()
    pages = [page]
    while page["next"]:
        page = api.get(page["next"]).json()
        pages.append(page)
    assert [p["count"] for p in pages] == [10, 10, 5] and pages[0]["resolution"] == "1m"  # 25 minutes
    buckets = [r for p in pages for r in p["results"]]
    assert len({r["bucket"] for r in buckets}) == 25 and sum(r["count"] for r in buckets) == 150
    hours = api.get("/api/v1/reading-rollups-1h/", {"sensor": vib.pk, "since": since}).json()
    assert sum(r["count"] for r in hours["results"]) == 150 and hours["next"] is None
    assert abs(sum(r["mean"] * r["count"] for r in hours["results"]) - sum(i % 7 for i in range(150))) < 1e-6


def test_store_lists_refuse_bad_parameters_by_name_and_hide_other_sites(plant, store):
    api = jwt_client(plant.tech_a)
    assert api.get("/api/v1/readings/").json() == {
        "sensor": "give the sensor's id: the store is listed one sensor at a time"}
    body = api.get("/api/v1/readings/", {"sensor": plant.sensors_b["vibration"].pk}).json()
    assert "among those you may see" in body["sensor"]
    r = api.get("/api/v1/reading-rollups-1m/", {"sensor": plant.sensors_a["vibration"].pk, "since": "yesterday",
                                                 "until": "2026-01-01T00:00:00", "limit": "0"})
    assert r.status_code == 400 and set(r.json()) == {"since", "until", "limit"}
    r = api.get("/api/v1/readings/", {"sensor": plant.sensors_a["vibration"].pk, "since": "2026-02-01T00:00:00Z",
                                      "until": "2026-01-01T00:00:00Z"})
    assert r.status_code == 400 and "after" in r.json()["since"]
    vib = plant.sensors_a["vibration"].pk
    assert api.get("/api/v1/readings/", {"sensor": vib, "since": "1700000000"}).status_code == 200  # epoch seconds
    for odd in ({"sensor": "²"}, {"sensor": vib, "limit": "²"}, {"sensor": vib, "until": "0001-01-01T00:00:00Z"},
                {"sensor": vib, "until": "9999-12-31T23:59:59-05:00"}):
        r = api.get("/api/v1/reading-rollups-1h/", odd)
        assert r.status_code == 400 and set(r.json()) <= {"sensor", "limit", "until"}, (odd, r.content)
    anonymous = APIClient().get("/api/v1/readings/", {"sensor": plant.sensors_a["vibration"].pk})
    assert anonymous.status_code in (401, 403)


def test_a_csv_row_whose_sensor_is_a_superscript_digit_is_refused_not_fatal(plant, store):
    """"²" passes str.isdigit() but not int(): the row is refused by number, the others stored."""
    vib = plant.sensors_a["vibration"]
    t = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    text = f"sensor,ts,value\n{vib.pk},{t.isoformat()},1.5\n²,{t.isoformat()},2\n"
    job = services.run_csv_import(services.start_csv_import(upload=csv_file(text), actor=plant.tech_a).pk)
    assert job.status == CsvImport.Status.DONE and (job.stored, job.refused) == (1, 1)
    assert {(e["row"], e["field"]) for e in job.errors} == {(3, "sensor")}


def test_bulk_and_import_bodies_over_their_limit_are_413_before_parsing(plant, store, settings):
    """Request bodies were read and parsed whatever their size."""
    settings.INGEST_MAX_BODY_BYTES = 1000
    settings.IMPORT_MAX_BODY_BYTES = 1000
    vib = plant.sensors_a["vibration"]
    client = jwt_client(plant.tech_a)
    item = {"sensor": vib.pk, "ts": timezone.now().isoformat(), "value": 1.0}
    big = orjson.dumps([item] * 30)  # about 1,900 bytes
    r = client.post("/api/v1/readings/bulk/", big, content_type="application/json")
    assert r.status_code == 413 and "at most 1,000 bytes" in r.json()["detail"]
    assert storage.get_store().count_raw([vib.pk]) == 0
    # A body that is not even JSON: refused by its length, so it was never parsed.
    r = client.post("/api/v1/readings/bulk/", b"x" * 1001, content_type="application/json")
    assert r.status_code == 413
    r = client.post("/api/v1/readings/bulk/", orjson.dumps([item]), content_type="application/json")
    assert r.status_code == 201, r.content
    admin = jwt_client(plant.admin)
    csv = b"code,name\n" + b"".join(b"s%d,Site %d\n" % (i, i) for i in range(100))
    r = admin.post("/api/v1/imports/sites/", {"file": SimpleUploadedFile("sites.csv", csv), "dry_run": "true"},
                   format="multipart")
    assert r.status_code == 413 and "IMPORT_MAX_BODY_BYTES" in r.json()["detail"]


class WorkerDied(BaseException):
    """Stands for the worker process being killed mid-import (not an error the code handles)."""


def test_a_csv_import_whose_worker_died_resumes_where_it_stopped_without_counting_twice(plant, settings, monkeypatch):
    settings.TELEMETRY_CSV_CHUNK = 1000
    cur = plant.sensors_a["current"]
    t = timezone.now().replace(microsecond=0) - timedelta(days=2)
    text = "sensor,ts,value\n" + "".join(f"{cur.pk},{(t + timedelta(seconds=i)).isoformat()},{i % 40}\n"
                                         for i in range(4500))
    job = services.start_csv_import(upload=csv_file(text), actor=plant.tech_a)
    real_ingest, calls = services.ingest_readings, []

    def dies_on_third_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise WorkerDied
        return real_ingest(*args, **kwargs)

    monkeypatch.setattr(services, "ingest_readings", dies_on_third_chunk)
    with pytest.raises(WorkerDied):
        services.run_csv_import(job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.stored) == ("running", 2000, 2000)

    monkeypatch.setattr(services, "ingest_readings", real_ingest)
    job = services.run_csv_import(job.pk)  # the broker hands the task out again
    assert (job.status, job.processed_rows, job.stored, job.duplicates) == ("done", 4500, 4500, 0)
    assert storage.get_store().count_raw([cur.pk]) == 4500


def test_a_csv_import_with_no_progress_past_its_lease_is_marked_failed_with_what_was_stored(plant, settings, client):
    job = services.start_csv_import(upload=csv_file("sensor,ts,value\n"), actor=plant.tech_a)
    long_ago = timezone.now() - timedelta(seconds=settings.IMPORT_LEASE_SECONDS + 60)
    CsvImport.objects.filter(pk=job.pk).update(status="running", total_rows=5000, processed_rows=1000, stored=1000,
                                               heartbeat_at=long_ago)
    fresh = services.start_csv_import(upload=csv_file("sensor,ts,value\n"), actor=plant.tech_a)
    CsvImport.objects.filter(pk=fresh.pk).update(status="running", heartbeat_at=timezone.now())
    client.force_login(plant.tech_a)
    page = client.get(reverse("telemetry:csv-import", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert "Stopped after 1000 of 5000 rows" in page and "upload the file again" in page
    assert CsvImport.objects.get(pk=fresh.pk).status == "running", "an import still making progress is left alone"
