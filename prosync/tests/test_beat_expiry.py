"""Every beat entry's task expires within one interval, so that a worker coming back after an
outage runs the next scheduled copy instead of a queue of stale ones (an hour's worth of
minute-by-minute fleet assessments would otherwise run back to back)."""

import pytest
from django_celery_beat.models import PeriodicTask

from prosync.celery import app


@pytest.mark.django_db
def test_every_beat_task_expires_within_its_interval():
    entries = list(PeriodicTask.objects.select_related("interval").filter(enabled=True, interval__isnull=False))
    assert len(entries) >= 7, "the migrations install the product's beat entries"
    app.loader.import_default_modules()
    for entry in entries:
        task = app.tasks[entry.task]
        interval_s = entry.interval.schedule.run_every.total_seconds()
        assert task.expires, f"{entry.task} has no expiry"
        assert 0 < task.expires <= interval_s, (entry.task, task.expires, interval_s)
