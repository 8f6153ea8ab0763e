"""Install the beat entries that generate preventive orders and send due-soon / overdue
notifications (idempotent; the tasks themselves are safe to run twice)."""

from django.db import migrations

TASKS = {
    "Generate preventive work orders": ("workorders.generate_preventive_orders", 300),
    "Notify due and overdue work orders": ("workorders.notify_due_orders", 600),
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
        ("workorders", "0004_requests_preventive_projects"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, remove)]
