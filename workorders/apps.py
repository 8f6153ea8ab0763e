"""The work-order app; it plugs its receivers and the asset page's tabs in."""

from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "workorders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from assets.panels import AssetPanel, register
        from workorders.views import workorders_panel

        register(AssetPanel("workorders", "Work orders", "workorders/_asset_panel.html", workorders_panel, order=30))

        from workorders.views_planning import planning_panel

        register(AssetPanel("planning", "Maintenance plan", "workorders/planning/_asset_panel.html", planning_panel,
                            order=35))

        from workorders import receivers

        receivers.connect()  # notifications and preventive-maintenance compliance

        from workorders import alarm_receivers

        alarm_receivers.connect()  # corrective orders opened by alarm rules

        from workorders.searchables import register_searchables

        register_searchables()  # the header's global search
