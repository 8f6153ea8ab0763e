"""Large exports written in the background: a job records who asked for what, a Celery task
writes the file with its progress, the owner alone downloads it, and beat deletes it when it
expires."""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from prosync.reports.models import ExportJob

logger = logging.getLogger(__name__)
S = ExportJob.Status


def start_export_job(*, actor, kind: str, target: str, title: str, params: str, fmt: str,
                     total: int = 0) -> ExportJob:
    job = ExportJob.objects.create(user=actor, kind=kind, target=target, title=title[:200], params=params[:2000],
                                   format=fmt, rows_total=total)
    from prosync.celery import app

    transaction.on_commit(lambda: app.send_task("reports.run_export_job", args=[job.pk]))
    return job


def _progress(job_id: int):
    def report(done: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(rows_done=done)
    return report


def run_export_job(job_id: int) -> ExportJob | None:
    """Write the job's file. Safe to run twice: a finished job is left alone, a job whose worker
    died is written again from the start."""
    claimed = ExportJob.objects.filter(pk=job_id, status__in=[S.QUEUED, S.RUNNING]) \
        .update(status=S.RUNNING, rows_done=0)
    if not claimed:
        return None
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    try:
        filename, write = _writer(job)
        with tempfile.TemporaryFile() as out:
            write(out)
            out.seek(0)
            job.file.save(filename, File(out, name=filename), save=False)
        job.filename, job.status = filename, S.DONE
        job.finished_at = timezone.now()
        job.expires_at = job.finished_at + timedelta(days=settings.EXPORT_FILE_DAYS)
        job.refresh_from_db(fields=["rows_total"])
        job.rows_done = job.rows_total
        job.save(update_fields=["file", "filename", "status", "finished_at", "expires_at", "rows_done"])
    except Exception as exc:
        logger.exception("export job %s failed", job_id)
        ExportJob.objects.filter(pk=job_id).update(status=S.FAILED, finished_at=timezone.now(),
                                                   error=f"The export could not be written: {exc}"[:500])
        return None
    return job


def _writer(job: ExportJob):
    from prosync.reports.exports import lists
    from prosync.reports.exports.writers import csv_lines, write_xlsx

    user = job.user
    progress = _progress(job.pk)
    if job.kind == ExportJob.Kind.LIST:
        view = lists.view_for(job.target, job.params, user)
        queryset = view.get_queryset()
        total = queryset.order_by().count()
        ExportJob.objects.filter(pk=job.pk).update(rows_total=total)
        sheet = lists.list_sheet(view, queryset, user=user, params=QueryDict(job.params), total=total)
        name = lists.list_filename(view, job.format)
        sheets = [sheet]
        title = lists.list_title(view)
    else:
        from prosync.reports.exports import reports
        from prosync.reports.scope import scope_from_params

        scope, form = scope_from_params(QueryDict(job.params), user)
        if scope is None:
            raise ValueError("; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        result = reports.compute(job.target, scope, user)
        ExportJob.objects.filter(pk=job.pk).update(rows_total=reports.row_count(result))
        name = reports.filename(result, scope, job.format)
        if job.format == "pdf":
            return name, lambda out: (out.write(reports.render(result, scope, "pdf")), progress(
                reports.row_count(result)))
        from prosync.reports.exports.sheets import report_sheets

        sheets, title = report_sheets(result, scope), f"{result.title} report"
    if job.format == "csv":
        def write(out):
            done = 0
            for line in csv_lines(sheets):
                out.write(line.encode("utf-8"))
                done += 1
                if done % 1000 == 0:
                    progress(done)
            progress(max(0, done - 1))
        return name, write
    return name, lambda out: write_xlsx(sheets, out, title=title, progress=progress)


def download_for(user, job_id: int) -> ExportJob | None:
    return ExportJob.objects.for_user(user).filter(pk=job_id, status=S.DONE).first()


def clean_expired_exports(now=None) -> int:
    """Delete the files of expired jobs (and jobs over a month old): safe to run twice."""
    now = now or timezone.now()
    gone = 0
    for job in ExportJob.objects.filter(status=S.DONE, expires_at__lte=now):
        if job.file:
            job.file.delete(save=False)
        job.status, job.file = S.EXPIRED, ""
        job.save(update_fields=["status", "file"])
        gone += 1
    ExportJob.objects.filter(created_at__lt=now - timedelta(days=30), status__in=[S.EXPIRED, S.FAILED]).delete()
    return gone
