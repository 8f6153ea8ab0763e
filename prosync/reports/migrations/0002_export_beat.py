"""Install the beat entries that send due report subscriptions and delete expired export files
(idempotent; the tasks themselves are safe to run twice)."""

from django.db import migrations

TASKS = {
    "Send due report subscriptions": ("reports.send_due_subscriptions", 900),
    "Delete expired export files": ("reports.clean_expired_exports", 3600),
}


def install(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, seconds) in TASKS.items():
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "interval": interval,
                                                                   "enabled": True})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(TASKS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_export_jobs_and_subscriptions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, remove)]
