from assets.api.serializers import AssetCategorySerializer, AssetSerializer, SiteSerializer
from assets.filters import AssetCategoryFilterSet, AssetFilterSet, SiteFilterSet
from assets.models import Asset, AssetCategory, Site
from prosync.api import ScopedViewSet


class SiteViewSet(ScopedViewSet):
    queryset = Site.objects.all()
    serializer_class = SiteSerializer
    filterset_class = SiteFilterSet
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "created_at"]


class AssetCategoryViewSet(ScopedViewSet):
    queryset = AssetCategory.objects.all()
    serializer_class = AssetCategorySerializer
    filterset_class = AssetCategoryFilterSet
    ordering_fields = ["name"]


class AssetViewSet(ScopedViewSet):
    queryset = Asset.objects.select_related("category")
    serializer_class = AssetSerializer
    filterset_class = AssetFilterSet
    search_fields = ["tag", "name", "serial_number"]
    ordering_fields = ["tag", "name", "status", "criticality", "created_at", "updated_at"]
