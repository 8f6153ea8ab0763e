from django.apps import AppConfig


class TelemetryConfig(AppConfig):
    name = "telemetry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from assets.panels import AssetPanel, register
        from telemetry.views import activity_panel, telemetry_panel

        register(AssetPanel("telemetry", "Telemetry", "telemetry/_asset_panel.html", telemetry_panel, order=10))
        register(AssetPanel("activity", "Activity", "telemetry/_activity_panel.html", activity_panel, order=60))

        from django.db.models.signals import post_save

        from telemetry import alarms  # noqa: F401  (registers the stale-sensor task)
        from telemetry.eventlog import record_from_audit

        post_save.connect(record_from_audit, sender="accounts.AuditLog", dispatch_uid="telemetry.eventlog.audit")
