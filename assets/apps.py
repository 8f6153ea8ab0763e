"""The assets app; it registers its searchable selects and the asset page's tabs."""

from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from assets.models import Asset, AssetDocument, Location, Part
        from assets.panels import AssetPanel, register
        from assets.selectors import count_of
        from assets.views import children_panel, documents_panel, history_panel
        from prosync.core import selects

        selects.register("locations", Location, search=("code", "name"), order_by=("site_id", "path"))
        selects.register("assets", Asset, search=("tag", "name"), order_by=("site_id", "tag"))
        selects.register("parts", Part, search=("part_number", "name"), order_by=("part_number",))

        from assets.searchables import register_searchables

        register_searchables()  # the header's global search

        # The asset page's own tabs share the registry with those of the apps above (telemetry 10,
        # health 20, work orders 30), so that they all come in one order.
        register(AssetPanel("children", "Children", "assets/_children_panel.html", children_panel, order=5,
                            count=lambda: count_of(Asset, "parent")))
        register(AssetPanel("documents", "Documents", "assets/_documents_panel.html", documents_panel, order=60,
                            count=lambda: count_of(AssetDocument)))
        register(AssetPanel("history", "History", "assets/_history_panel.html", history_panel, order=90))

        from assets.views_parts import asset_parts_panel

        register(AssetPanel("parts", "Parts", "assets/parts/_asset_panel.html", asset_parts_panel, order=50))
