"""The reports' Celery tasks: thin, idempotent, calling the services."""

from celery import shared_task

from prosync.reports import delivery, jobs


@shared_task(name="reports.run_export_job")
def run_export_job(job_id: int) -> None:
    jobs.run_export_job(job_id)


# Beat tasks expire after one interval (a worker back from an outage runs the next one).
@shared_task(name="reports.clean_expired_exports", expires=3600)
def clean_expired_exports() -> int:
    return jobs.clean_expired_exports()


@shared_task(name="reports.send_due_subscriptions", expires=900)
def send_due_subscriptions() -> int:
    return delivery.send_due_subscriptions()
