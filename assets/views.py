"""Asset pages: the register (list) and the asset page with its tabs."""

from django.db.models import Count

from assets import panels
from assets.filters import AssetFilterSet
from assets.models import Asset
from prosync.generic import FilteredListView, ScopedDetailView


class AssetListView(FilteredListView):
    model = Asset
    filterset_class = AssetFilterSet
    title = "Assets"
    partial_template_name = "assets/_asset_table.html"
    sort_fields = {"tag": "tag", "name": "name", "status": "status", "criticality": "criticality",
                   "site": "site__name", "category": "category__name"}
    default_sort = "tag"

    def base_queryset(self):
        return Asset.objects.select_related("site", "category", "parent").annotate(sensor_count=Count("sensors"))


class AssetDetailView(ScopedDetailView):
    model = Asset
    template_name = "assets/asset_detail.html"

    def base_queryset(self):
        return Asset.objects.select_related("site", "category", "parent")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        asset = self.object
        ctx["ancestors"] = asset.ancestors()
        ctx["children"] = asset.children.for_user(self.request.user).select_related("category")
        ctx["panels"] = [(p, p.context(self.request, asset)) for p in panels.panels()]
        return ctx
