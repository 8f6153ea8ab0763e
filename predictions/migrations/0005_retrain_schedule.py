"""Install the beat entry that looks for new labels every RETRAIN_CHECK_HOURS and queues a
candidate training run where enough have arrived (idempotent)."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "Retrain health models on new labels"


def install(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=settings.RETRAIN_CHECK_HOURS, period="hours")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME, defaults={"task": "predictions.retrain_where_labels_arrived", "interval": interval,
                                  "enabled": True})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("predictions", "0004_training_run"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, remove)]
