"""Django admin of sensors, gateways, alarm rules, alerts and derived meters."""

from django.contrib import admin

from telemetry.models import (
    AlarmRule,
    AlarmState,
    Alert,
    CsvImport,
    DerivedMeter,
    Event,
    Gateway,
    Reading,
    ReadingRollupHour,
    ReadingRollupMinute,
    Sensor,
)


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


class ServiceAdminMixin:
    """Admin writes go through the services (validation, audit, alarm reset), like every other
    entry point."""

    create_service = update_service = delete_service = None
    service_fields: tuple[str, ...] = ()

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in self.service_fields if f in form.cleaned_data}
        if change:
            current = type(obj).objects.get(pk=obj.pk)
            saved = type(self).update_service(current, actor=request.user, **data)
        else:
            saved = type(self).create_service(actor=request.user, **data)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        if type(self).delete_service is not None:
            type(self).delete_service(obj, actor=request.user)
        else:
            super().delete_model(request, obj)


@admin.register(AlarmRule)
class AlarmRuleAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["name", "site", "sensor", "category", "metric", "condition", "severity", "is_enabled"]
    list_filter = ["condition", "severity", "is_enabled", "site"]
    search_fields = ["name", "metric", "sensor__key"]
    raw_id_fields = ["sensor"]
    list_select_related = ["site", "sensor__asset", "category"]
    service_fields = ("site", "name", "sensor", "category", "metric", "condition", "high", "low", "deadband",
                      "duration_s", "rate_per_minute", "stale_minutes", "severity", "create_work_order", "is_enabled")

    @staticmethod
    def create_service(**kwargs):
        from telemetry.alarms import create_alarm_rule

        return create_alarm_rule(**kwargs)

    @staticmethod
    def update_service(rule, **kwargs):
        from telemetry.alarms import update_alarm_rule

        return update_alarm_rule(rule, **kwargs)

    @staticmethod
    def delete_service(rule, **kwargs):
        from telemetry.alarms import delete_alarm_rule

        return delete_alarm_rule(rule, **kwargs)


@admin.register(AlarmState)
class AlarmStateAdmin(admin.ModelAdmin):
    """Written by the evaluation only."""

    list_display = ["rule", "sensor", "in_condition", "since", "active", "suppressed", "last_ts", "last_value"]
    list_filter = ["active", "suppressed"]
    list_select_related = ["rule", "sensor__asset"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The activity log is append-only."""

    list_display = ["at", "kind", "title", "site", "asset", "severity", "actor"]
    list_filter = ["kind", "severity", "site"]
    search_fields = ["title", "kind"]
    list_select_related = ["site", "asset", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DerivedMeter)
class DerivedMeterAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["sensor", "meter", "mode", "threshold", "is_running", "last_ts", "pending", "is_enabled"]
    list_filter = ["mode", "is_enabled"]
    raw_id_fields = ["sensor", "meter"]
    list_select_related = ["sensor__asset", "meter"]
    service_fields = ("sensor", "meter", "mode", "threshold", "max_gap_s", "is_enabled")

    @staticmethod
    def create_service(**kwargs):
        from telemetry.meters import create_derived_meter

        return create_derived_meter(**kwargs)

    @staticmethod
    def update_service(dm, **kwargs):
        from telemetry.meters import update_derived_meter

        return update_derived_meter(dm, **kwargs)


# --- Store: gateways, rollups, CSV imports --------------------------------------------------------


@admin.register(Gateway)
class GatewayAdmin(admin.ModelAdmin):
    """Adding a gateway issues its key through the service and shows it once."""

    list_display = ["name", "site", "key_prefix", "is_active", "created_at", "last_seen_at"]
    list_filter = ["is_active", "site"]
    search_fields = ["name", "key_prefix"]
    readonly_fields = ["key_prefix", "created_at", "last_seen_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["site", "name"] if obj is None else ["site", "name", "is_active", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        from django.contrib import messages

        from telemetry import services

        if change:
            return super().save_model(request, obj, form, change)
        gateway, key = services.issue_gateway(site=obj.site, name=obj.name, actor=request.user)
        obj.pk, obj.key_prefix = gateway.pk, gateway.key_prefix
        messages.warning(request, f"Key of gateway {gateway.name} (shown once, copy it now): {key}")

    @admin.action(description="Revoke the selected gateways")
    def revoke(self, request, queryset):
        from telemetry import services

        for gateway in queryset:
            services.revoke_gateway(gateway, actor=request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReadingRollupMinute, ReadingRollupHour)
class RollupAdmin(ReadOnlyAdmin):
    list_display = ["sensor", "bucket", "min", "max", "mean", "count"]
    list_filter = ["sensor__metric"]
    raw_id_fields = ["sensor"]
    list_select_related = ["sensor", "sensor__asset"]
    show_full_result_count = False

    def get_queryset(self, request):
        from telemetry import storage

        storage.fold_rollups()  # what writes left pending, so the list has every reading
        return super().get_queryset(request)


@admin.register(CsvImport)
class CsvImportAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "status", "uploaded_by", "processed_rows", "total_rows", "stored", "refused",
                    "created_at"]
    list_filter = ["status"]
    list_select_related = ["uploaded_by"]
