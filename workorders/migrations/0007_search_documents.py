import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The global search: the weighted text documents of orders, comments and requests, stored
    by PostgreSQL and indexed (GIN), and trigram indexes of the titles compared for misspellings."""

    dependencies = [
        ('assets', '0009_search_documents'),
        ('workorders', '0006_open_orders_due_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='comment',
            name='search_document',
            field=models.GeneratedField(db_persist=True, expression=django.contrib.postgres.search.SearchVector('body', config='english'), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddField(
            model_name='workorder',
            name='search_document',
            field=models.GeneratedField(db_persist=True, expression=django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('title', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('description', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddField(
            model_name='workrequest',
            name='search_document',
            field=models.GeneratedField(db_persist=True, expression=django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('title', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('description', 'reporter_name', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_document'], name='comment_search_document'),
        ),
        migrations.AddIndex(
            model_name='workorder',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_document'], name='workorder_search_document'),
        ),
        migrations.AddIndex(
            model_name='workorder',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('title'), name='gin_trgm_ops'), name='workorder_title_trgm'),
        ),
        migrations.AddIndex(
            model_name='workrequest',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_document'], name='workrequest_search_document'),
        ),
        migrations.AddIndex(
            model_name='workrequest',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('title'), name='gin_trgm_ops'), name='workrequest_title_trgm'),
        ),
    ]
