from django.apps import AppConfig


class TelemetryConfig(AppConfig):
    name = "telemetry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from assets.panels import AssetPanel, register
        from telemetry.views import telemetry_panel

        register(AssetPanel("telemetry", "Telemetry", "telemetry/_asset_panel.html", telemetry_panel, order=10))
