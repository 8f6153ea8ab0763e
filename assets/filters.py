"""FilterSets shared by the HTML lists and the API."""

import django_filters
from django.db.models import Q

from assets.choices import AssetStatus, Criticality
from assets.models import Asset, AssetCategory, Site
from prosync.filters import ScopedFilterSet


class SiteFilterSet(ScopedFilterSet):
    class Meta:
        model = Site
        fields = {"code": ["exact"], "name": ["icontains"]}


class AssetCategoryFilterSet(ScopedFilterSet):
    class Meta:
        model = AssetCategory
        fields = {"name": ["exact", "icontains"]}


class AssetFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=AssetStatus.choices)
    criticality = django_filters.MultipleChoiceFilter(choices=Criticality.choices)
    is_root = django_filters.BooleanFilter(field_name="parent", lookup_expr="isnull", label="Top-level only")

    class Meta:
        model = Asset
        fields = ["site", "category", "parent", "status", "criticality"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(tag__icontains=value) | Q(name__icontains=value) | Q(serial_number__icontains=value)
                               | Q(manufacturer__icontains=value))
