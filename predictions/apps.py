from django.apps import AppConfig


class PredictionsConfig(AppConfig):
    name = "predictions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from assets.panels import AssetPanel, register
        from predictions.views import health_panel

        register(AssetPanel("health", "Health", "predictions/_asset_panel.html", health_panel, order=20))
