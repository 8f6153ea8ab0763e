import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0001_initial'),
        ('telemetry', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReadingRollupMinute',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('bucket', models.DateTimeField(help_text='Start of the bucket (UTC).')),
                ('min', models.FloatField()),
                ('max', models.FloatField()),
                ('sum', models.FloatField()),
                ('count', models.PositiveIntegerField()),
                ('sensor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='telemetry.sensor')),
            ],
            options={
                'verbose_name': 'reading rollup (1 minute)',
                'verbose_name_plural': 'reading rollups (1 minute)',
                'ordering': ['sensor', 'bucket'],
                'abstract': False,
                'constraints': [models.UniqueConstraint(fields=('sensor', 'bucket'), name='unique_rollup_minute')],
            },
        ),
        migrations.CreateModel(
            name='ReadingRollupHour',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('bucket', models.DateTimeField(help_text='Start of the bucket (UTC).')),
                ('min', models.FloatField()),
                ('max', models.FloatField()),
                ('sum', models.FloatField()),
                ('count', models.PositiveIntegerField()),
                ('sensor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='telemetry.sensor')),
            ],
            options={
                'verbose_name': 'reading rollup (1 hour)',
                'verbose_name_plural': 'reading rollups (1 hour)',
                'ordering': ['sensor', 'bucket'],
                'abstract': False,
                'constraints': [models.UniqueConstraint(fields=('sensor', 'bucket'), name='unique_rollup_hour')],
            },
        ),
        migrations.CreateModel(
            name='Gateway',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=80)),
                ('key_prefix', models.CharField(editable=False, help_text='First characters of the key, to recognise it in logs.', max_length=12, unique=True)),
                ('key_hash', models.CharField(editable=False, max_length=128)),
                ('is_active', models.BooleanField(default=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('last_seen_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('site', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='gateways', to='assets.site')),
            ],
            options={
                'ordering': ['site', 'name'],
                'constraints': [models.UniqueConstraint(fields=('site', 'name'), name='unique_gateway_name_per_site')],
            },
        ),
        migrations.CreateModel(
            name='CsvImport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(upload_to='telemetry/csv/%Y/%m/')),
                ('original_name', models.CharField(max_length=200)),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('atomic', models.BooleanField(default=False, help_text='Refuse the whole file if any row is bad.')),
                ('total_rows', models.PositiveIntegerField(default=0)),
                ('processed_rows', models.PositiveIntegerField(default=0)),
                ('stored', models.PositiveIntegerField(default=0)),
                ('duplicates', models.PositiveIntegerField(default=0)),
                ('refused', models.PositiveIntegerField(default=0)),
                ('errors', models.JSONField(blank=True, default=list, help_text='The first errors, with row numbers.')),
                ('message', models.CharField(blank=True, max_length=300)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('site', models.ForeignKey(blank=True, help_text='Empty when the uploader sees every site.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assets.site')),
                ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'CSV import',
                'ordering': ['-created_at'],
            },
        ),
    ]
