"""Install the beat entry that applies raw-reading retention and makes the coming days'
partitions, every hour (idempotent). Readings lose their database foreign key to the sensor:
the ingestion service only writes sensors it has just looked up, a deleted sensor's readings
are deleted by Django's cascade, and the per-row check cost a third of the write time. For the
same reason the B-tree key on (id, ts) becomes a BRIN index on id: ids come from a sequence, so
they are unique and grow with insertion order, which BRIN finds quickly for a lookup by id at
next to no cost per written row. The rollups drop their separate sensor index, which their
unique (sensor, bucket) key already serves."""

import django.db.models.deletion
from django.db import migrations, models

TASK_NAME = "Telemetry retention and partitions"


def install(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME, defaults={"task": "telemetry.apply_retention", "interval": interval, "enabled": True})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("telemetry", "0006_derived_meters"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(install, remove),
        migrations.RunSQL(
            "ALTER TABLE telemetry_reading DROP CONSTRAINT IF EXISTS telemetry_reading_pkey; "
            "CREATE INDEX telemetry_reading_id_brin ON telemetry_reading USING brin (id)",
            "DROP INDEX IF EXISTS telemetry_reading_id_brin; "
            "ALTER TABLE telemetry_reading ADD CONSTRAINT telemetry_reading_pkey PRIMARY KEY (id, ts)"),
        migrations.AlterField(
            model_name="readingrollupminute", name="sensor",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                    to="telemetry.sensor")),
        migrations.AlterField(
            model_name="readingrolluphour", name="sensor",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                    to="telemetry.sensor")),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AlterField(
                model_name="reading", name="sensor",
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE,
                                        related_name="readings", to="telemetry.sensor"))],
            database_operations=[migrations.RunSQL(
                "ALTER TABLE telemetry_reading DROP CONSTRAINT IF EXISTS telemetry_reading_sensor_id_fk",
                "ALTER TABLE telemetry_reading ADD CONSTRAINT telemetry_reading_sensor_id_fk FOREIGN KEY (sensor_id) "
                "REFERENCES telemetry_sensor (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED")],
        ),
    ]
