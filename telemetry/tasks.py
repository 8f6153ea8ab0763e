"""Celery tasks of the telemetry store: thin wrappers over the services."""

from celery import shared_task
from django.conf import settings

from telemetry import alarms, services


# Beat tasks expire after one interval: a worker back from an outage runs the next one, not a
# backlog of stale copies.
@shared_task(name="telemetry.apply_retention", expires=3600)
def apply_retention() -> dict:
    """Scheduled by beat; idempotent (dropping what is already gone does nothing)."""
    done = services.apply_retention()
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in done.items()}


@shared_task(name="telemetry.fold_rollups", ignore_result=True, expires=settings.TELEMETRY_ROLLUP_FOLD_SECONDS)
def fold_rollups() -> int:
    """Scheduled by beat every few seconds: fold what writes left pending into the rollups
    (reads fold their own sensors first, so this only keeps the pending table short)."""
    from telemetry import storage

    return storage.fold_rollups()


@shared_task(name="telemetry.import_csv")
def import_csv(job_id: int) -> dict:
    """Import an uploaded CSV; progress is saved on the CsvImport row as it goes."""
    job = services.run_csv_import(job_id)
    return {"job": job.pk, "status": job.status, "stored": job.stored, "refused": job.refused}


@shared_task(name="telemetry.check_stale_sensors", ignore_result=True, expires=60)
def check_stale_sensors() -> int:
    """Scheduled by beat: raise (or clear) the stale alarms of silent sensors; idempotent."""
    return alarms.check_stale_sensors()


@shared_task(name="telemetry.deliver_event_outbox", ignore_result=True, expires=30)
def deliver_event_outbox() -> int:
    """Beat, every 30 s: events that waited for MongoDB while it was down."""
    from telemetry import eventlog

    return eventlog.deliver_outbox()
