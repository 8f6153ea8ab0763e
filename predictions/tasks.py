"""Celery tasks of the predictions app: thin wrappers over the services."""

from celery import shared_task
from django.conf import settings

from predictions import services


# Beat tasks expire after one interval: a worker back from an outage runs the next one, not a
# backlog of stale copies.
@shared_task(name="predictions.assess_fleet", ignore_result=False, expires=settings.ASSESSMENT_INTERVAL_SECONDS)
def assess_fleet() -> dict:
    """Scheduled by beat; safe to run twice in one interval (assessments are stamped per interval)."""
    return services.assess_fleet().__dict__


@shared_task(name="predictions.train_models")
def train_models(run_id: int) -> dict:
    """Train the models of a queued TrainingRun; progress is written on the run as it goes."""
    run = services.run_training(run_id)
    return {"run": run.pk, "status": run.status, "model_version": run.model_version_id}


@shared_task(name="predictions.retrain_where_labels_arrived", expires=settings.RETRAIN_CHECK_HOURS * 3600)
def retrain_where_labels_arrived() -> list[int]:
    """Scheduled by beat: queue a training run for each category with enough new labels."""
    return [run.pk for run in services.retrain_where_labels_arrived()]
