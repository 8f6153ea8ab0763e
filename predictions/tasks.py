"""Celery tasks of the predictions app: thin wrappers over the services."""

from celery import shared_task

from predictions import services


@shared_task(name="predictions.assess_fleet", ignore_result=False)
def assess_fleet() -> dict:
    """Scheduled by beat; safe to run twice in one interval (assessments are stamped per interval)."""
    return services.assess_fleet().__dict__
