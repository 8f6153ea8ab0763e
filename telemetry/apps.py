"""The telemetry app; it plugs the activity writer and the sensor search into the kernel."""

from django.apps import AppConfig


class TelemetryConfig(AppConfig):
    name = "telemetry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from assets.panels import AssetPanel, register
        from prosync.core import selects
        from telemetry.models import Sensor
        from telemetry.views import activity_panel, telemetry_panel

        selects.register("sensors", Sensor, search=("asset__tag", "metric", "name"), order_by=("asset__tag", "metric"),
                         select_related=("asset",))

        register(AssetPanel("telemetry", "Telemetry", "telemetry/_asset_panel.html", telemetry_panel, order=10))
        register(AssetPanel("activity", "Activity", "telemetry/_activity_panel.html", activity_panel, order=60))

        from prosync.core import recording
        from telemetry.eventlog import record_event

        recording.register("activity", record_event)
