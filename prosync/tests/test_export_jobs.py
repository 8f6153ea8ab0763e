"""Large exports as background jobs: above EXPORT_SYNC_MAX_ROWS the list is written by the
Celery task with its progress, the owner alone downloads it, and beat deletes it when it expires."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from conftest import session_client
from prosync.reports import jobs, tasks
from prosync.reports.models import ExportJob
from workorders.models import WorkOrder


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _orders(plant, n: int, site=None, asset=None):
    site, asset = site or plant.site_a, asset or plant.asset_a
    WorkOrder.objects.bulk_create([WorkOrder(site=site, asset=asset, title=f"{site.code} check {i:05d}",
                                             kind="preventive", due_at=timezone.now() + timedelta(days=1))
                                   for i in range(n)])


def test_big_list_export_runs_as_a_job_with_progress_and_only_its_owner_downloads(plant, settings, monkeypatch):
    settings.EXPORT_SYNC_MAX_ROWS = 1000
    _orders(plant, 2500)
    _orders(plant, 3, site=plant.site_b, asset=plant.asset_b)
    owner = session_client(plant.manager_a)
    response = owner.get("/work-orders/?kind=preventive&format=xlsx")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert job.status == "queued" and job.rows_total == 2500 and job.params == "kind=preventive"
    queued = owner.get(response["Location"], headers={"HX-Request": "true"})
    assert b'hx-trigger="every 1s"' in queued.content and b"<html" not in queued.content  # a partial that polls
    assert b"0 of 2500 rows" in queued.content

    seen = []
    real = jobs._progress

    def watching(job_id):
        report = real(job_id)

        def both(done):
            report(done)
            seen.append(ExportJob.objects.get(pk=job_id).rows_done)
        return both

    monkeypatch.setattr(jobs, "_progress", watching)
    tasks.run_export_job.apply(args=[job.pk])  # the Celery task, run in this process
    job.refresh_from_db()
    assert job.status == "done" and job.rows_done == 2500 and job.expires_at > timezone.now()
    assert seen[:2] == [1000, 2000] and seen[-1] == 2500  # progress saved on the way, not only at the end

    page = owner.get(f"/exports/{job.pk}/").content.decode()
    assert "Ready" in page and f"/exports/{job.pk}/download/" in page
    assert 'hx-trigger="every' not in page  # the page stops polling
    download = owner.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    titles = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(titles) == 2500 and all(t.startswith("alpha check") for t in titles)  # no site B row
    assert job.file.url not in page  # the file is never linked at its storage address

    for other in (plant.tech_a, plant.viewer_a, plant.admin):  # same site, or every site: still not theirs
        assert session_client(other).get(f"/exports/{job.pk}/download/").status_code == 404
        assert session_client(other).get(f"/exports/{job.pk}/").status_code == 404
    anonymous = session_client(plant.manager_a)
    anonymous.logout()
    assert anonymous.get(f"/exports/{job.pk}/download/").status_code == 302

    # Run twice (beat or a retried task): the finished file is left alone.
    tasks.run_export_job.apply(args=[job.pk])
    assert ExportJob.objects.get(pk=job.pk).file.name == job.file.name


def test_small_list_export_answers_at_once_without_a_job(plant, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 1000
    _orders(plant, 10)
    response = session_client(plant.manager_a).get("/work-orders/?format=xlsx")
    assert response.status_code == 200 and not ExportJob.objects.exists()


def test_expired_export_files_are_deleted_by_beat(plant, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 5
    _orders(plant, 8)
    client = session_client(plant.manager_a)
    client.get("/work-orders/?format=xlsx")
    job = ExportJob.objects.get()
    jobs.run_export_job(job.pk)
    job.refresh_from_db()
    path = job.file.path
    assert client.get(f"/exports/{job.pk}/download/").status_code == 200
    assert jobs.clean_expired_exports(now=timezone.now()) == 0  # not yet
    assert jobs.clean_expired_exports(now=timezone.now() + timedelta(days=settings.EXPORT_FILE_DAYS, hours=1)) == 1
    job.refresh_from_db()
    assert job.status == "expired" and not job.file
    import os
    assert not os.path.exists(path)
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    assert "has been deleted" in client.get(f"/exports/{job.pk}/").content.decode()


def test_export_job_of_a_list_that_fails_says_so(plant):
    job = jobs.start_export_job(actor=plant.manager_a, kind="list", target="/no/such/list/", title="Nothing",
                                params="", fmt="xlsx")
    jobs.run_export_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "could not be written" in job.error
    page = session_client(plant.manager_a).get(f"/exports/{job.pk}/").content.decode()
    assert "Failed" in page and "narrow the filters" in page
