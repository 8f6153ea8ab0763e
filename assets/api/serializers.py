from rest_framework import serializers

from assets.models import Asset, AssetCategory, Site
from prosync.api import ScopedModelSerializer


class SiteSerializer(ScopedModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "code", "name", "address", "timezone", "created_at"]


class AssetCategorySerializer(ScopedModelSerializer):
    class Meta:
        model = AssetCategory
        fields = ["id", "name", "description"]


class AssetSerializer(ScopedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:asset-detail")
    category_name = serializers.CharField(source="category.name", read_only=True, default=None)

    class Meta:
        model = Asset
        fields = ["id", "url", "site", "parent", "category", "category_name", "tag", "name", "description", "status",
                  "criticality", "manufacturer", "model_number", "serial_number", "install_date", "created_at",
                  "updated_at"]
