"""Rollups fold from a pending table: a write adds the minute aggregates of the rows it inserted
to ``telemetry_rollup_pending`` (a heap with an index on the sensor, for reads that fold one
sensor), and ``telemetry.fold_rollups`` (beat, every ``TELEMETRY_ROLLUP_FOLD_SECONDS``) or a
rollup read moves them into the rollups. Aggregates still pending from the time before are none:
earlier writes updated the rollups themselves.

The sensor table gets a fill factor of 50: each write moves the latest value of its sensors on,
and with room left on the page PostgreSQL updates the row in place (a HOT update) instead of
adding an entry to each of the table's seven indexes."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "Telemetry rollup fold"


def install(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=settings.TELEMETRY_ROLLUP_FOLD_SECONDS,
                                                         period="seconds")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME, defaults={"task": "telemetry.fold_rollups", "interval": interval, "enabled": True})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("telemetry", "0007_retention_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE TABLE telemetry_rollup_pending (sensor_id bigint NOT NULL, bucket timestamptz NOT NULL, "
            "min double precision NOT NULL, max double precision NOT NULL, sum double precision NOT NULL, "
            "count bigint NOT NULL); "
            "CREATE INDEX telemetry_rollup_pending_sensor ON telemetry_rollup_pending (sensor_id); "
            "ALTER TABLE telemetry_sensor SET (fillfactor = 50)",
            "DROP TABLE telemetry_rollup_pending; ALTER TABLE telemetry_sensor RESET (fillfactor)"),
        migrations.RunPython(install, remove),
    ]
