import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    """The register's search (trigram indexes on the four searched columns) and its sort by name.
    Built concurrently: a register in use keeps taking writes while they are built."""

    atomic = False

    dependencies = [
        ("assets", "0006_pg_trgm"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="asset",
            index=models.Index(fields=["name"], name="assets_asse_name_e4d2fa_idx"),
        ),
        *(AddIndexConcurrently(
            model_name="asset",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(column),
                                                        name="gin_trgm_ops"),
                name=f"asset_{column}_trgm"),
        ) for column in ("tag", "name", "serial_number", "manufacturer")),
    ]
