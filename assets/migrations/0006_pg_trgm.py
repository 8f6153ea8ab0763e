from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm, for the register's search indexes (the next migration). On a managed database
    whose migrating role may not create extensions, an administrator runs
    ``CREATE EXTENSION pg_trgm`` once; this step then finds it there."""

    dependencies = [
        ("assets", "0005_asset_order_by_site_id"),
    ]

    operations = [TrigramExtension()]
