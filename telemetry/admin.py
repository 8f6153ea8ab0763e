from django.contrib import admin

from telemetry.models import Alert, Reading, Sensor


@admin.register(Sensor)
class SensorAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "asset", "metric", "unit", "last_value", "last_ts", "is_active"]
    list_filter = ["metric", "is_active", "asset__site"]
    search_fields = ["key", "name", "asset__tag"]
    autocomplete_fields = ["asset"]
    list_select_related = ["asset"]


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin):
    list_display = ["sensor", "ts", "value"]
    list_filter = ["sensor__metric"]
    raw_id_fields = ["sensor"]
    list_select_related = ["sensor", "sensor__asset"]
    show_full_result_count = False  # counting a large readings table on every page is slow


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["title", "asset", "severity", "status", "source", "opened_at", "acknowledged_by"]
    list_filter = ["status", "severity", "source", "site"]
    search_fields = ["title", "asset__tag"]
    raw_id_fields = ["asset", "sensor"]
    list_select_related = ["asset", "acknowledged_by"]
