"""The CSV import pages: upload, progress that polls until done, per-row errors, scoping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import PASSWORD
from telemetry import services
from telemetry.models import CsvImport

URL = "/alerts/imports/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def logged_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_upload_page_queues_the_import_and_its_page_shows_progress_then_row_errors(client, plant):
    vib = plant.sensors_a["vibration"]
    t = timezone.now().replace(microsecond=0) - timedelta(days=1)
    text = "sensor,ts,value\n" + "".join(f"{vib.key},{(t + timedelta(seconds=i)).isoformat()},{i}\n" for i in range(5))
    text += f"{vib.key},{t.isoformat()},abc\n"
    logged_in(client, plant.tech_a)
    page = client.get(URL)
    assert page.status_code == 200 and b'type="file"' in page.content and b"No import yet" in page.content
    r = client.post(URL, {"file": SimpleUploadedFile("pump.csv", text.encode(), "text/csv")})
    job = CsvImport.objects.get()
    assert r.status_code == 302 and r["Location"] == f"{URL}{job.pk}/"
    queued = client.get(r["Location"], headers={"HX-Request": "true"})
    assert b'hx-trigger="every 1s"' in queued.content and b"<html" not in queued.content  # a partial that polls
    services.run_csv_import(job.pk)
    done = client.get(r["Location"])
    html = done.content.decode()
    assert "5 readings stored, 0 already there, 1 rows refused." in html
    assert 'hx-trigger="every' not in html  # finished: the polling stops
    assert '<td class="num" data-label="Row">7</td>' in html and "the value is a string" in html
    assert "pump.csv" in client.get(URL).content.decode()


def test_bad_file_gets_a_form_error_viewer_cannot_upload_other_site_cannot_see(client, plant):
    logged_in(client, plant.tech_a)
    r = client.post(URL, {"file": SimpleUploadedFile("pump.xlsx", b"x", "application/octet-stream")})
    assert r.status_code == 400 and "Upload a .csv file." in r.content.decode()
    assert not CsvImport.objects.exists()
    job = services.start_csv_import(upload=SimpleUploadedFile("a.csv", b"sensor,ts,value\n"),
                                    actor=plant.tech_a)
    client.logout()
    logged_in(client, plant.viewer_a)
    page = client.get(URL)
    assert b'type="file"' not in page.content and b"a.csv" in page.content
    assert client.post(URL, {"file": SimpleUploadedFile("b.csv", b"sensor,ts,value\n")}).status_code == 403
    client.logout()
    logged_in(client, plant.tech_b)
    assert client.get(f"{URL}{job.pk}/").status_code == 404
    assert b"a.csv" not in client.get(URL).content
