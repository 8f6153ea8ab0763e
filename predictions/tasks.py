"""Celery tasks of the predictions app: thin wrappers over the services."""

from celery import shared_task

from predictions import services


@shared_task(name="predictions.assess_fleet", ignore_result=False)
def assess_fleet() -> dict:
    """Scheduled by beat; safe to run twice in one interval (assessments are stamped per interval)."""
    return services.assess_fleet().__dict__


@shared_task(name="predictions.train_models")
def train_models(run_id: int) -> dict:
    """Train the models of a queued TrainingRun; progress is written on the run as it goes."""
    run = services.run_training(run_id)
    return {"run": run.pk, "status": run.status, "model_version": run.model_version_id}


@shared_task(name="predictions.retrain_where_labels_arrived")
def retrain_where_labels_arrived() -> list[int]:
    """Scheduled by beat: queue a training run for each category with enough new labels."""
    return [run.pk for run in services.retrain_where_labels_arrived()]
