"""FilterSets shared by the HTML lists and the API."""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from assets.choices import (
    AssetStatus,
    Criticality,
    DocumentKind,
    LocationKind,
    MeterKind,
    ReadingSource,
    StatusReason,
)
from assets.models import (
    SEARCH_COLUMNS,
    Asset,
    AssetCategory,
    AssetDocument,
    AssetStatusChange,
    Downtime,
    Location,
    Meter,
    MeterReading,
    Site,
)
from prosync.core.filters import ScopedFilterSet
from prosync.core.selects import Chips, SearchSelect

WARRANTY_CHOICES = [("expired", "Expired"), ("30", "Expires within 30 days"), ("90", "Expires within 90 days"),
                    ("valid", "Under warranty"), ("none", "No warranty date")]


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
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all(), method="filter_location",
                                                label="Location", widget=SearchSelect)
    # distinct=False: plain columns need no DISTINCT, which would cost a sort of the whole register
    status = django_filters.MultipleChoiceFilter(widget=Chips, choices=AssetStatus.choices, distinct=False)
    criticality = django_filters.MultipleChoiceFilter(widget=Chips, choices=Criticality.choices, distinct=False)
    warranty = django_filters.ChoiceFilter(choices=WARRANTY_CHOICES, method="filter_warranty", label="Warranty")
    # An id (the asset page's children link here), not a select of thousands of possible parents.
    parent = django_filters.ModelChoiceFilter(queryset=Asset.objects.all(), widget=forms.HiddenInput)
    is_root = django_filters.BooleanFilter(field_name="parent", lookup_expr="isnull", label="Top-level only")

    class Meta:
        model = Asset
        fields = ["site", "location", "category", "parent", "status", "criticality", "warranty"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(*(Q(**{f"{column}__icontains": value}) for column in SEARCH_COLUMNS), _connector=Q.OR))

    @extend_schema_field(OpenApiTypes.INT)
    def filter_location(self, queryset, name, value):
        """The location and every location below it."""
        return queryset.filter(location__path__startswith=value.path) if value else queryset

    def filter_warranty(self, queryset, name, value):
        today = timezone.localdate()
        if value == "expired":
            return queryset.filter(warranty_end__lt=today)
        if value == "none":
            return queryset.filter(warranty_end__isnull=True)
        if value in ("30", "90"):
            return queryset.filter(warranty_end__gte=today, warranty_end__lte=today + timedelta(days=int(value)))
        if value == "valid":
            return queryset.filter(warranty_end__gte=today)
        return queryset


class LocationFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.MultipleChoiceFilter(widget=Chips, choices=LocationKind.choices)
    parent = django_filters.ModelChoiceFilter(queryset=Location.objects.all(), widget=SearchSelect)
    within = django_filters.ModelChoiceFilter(queryset=Location.objects.all(), method="filter_within",
                                              label="Within", widget=SearchSelect)

    class Meta:
        model = Location
        fields = ["site", "parent", "kind", "within"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    @extend_schema_field(OpenApiTypes.INT)
    def filter_within(self, queryset, name, value):
        return queryset.filter(path__startswith=value.path).exclude(pk=value.pk) if value else queryset


class AssetStatusChangeFilterSet(ScopedFilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")
    to_status = django_filters.MultipleChoiceFilter(widget=Chips, choices=AssetStatus.choices)
    reason_code = django_filters.MultipleChoiceFilter(widget=Chips, choices=StatusReason.choices)
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), field_name="asset__site")

    class Meta:
        model = AssetStatusChange
        fields = ["asset", "site", "to_status", "reason_code", "since", "until"]


class DowntimeFilterSet(ScopedFilterSet):
    asset = django_filters.ModelChoiceFilter(queryset=Asset.objects.all(), widget=SearchSelect)
    since = django_filters.IsoDateTimeFilter(method="filter_since", label="Down after",
                                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    until = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt", label="Down before",
                                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    is_open = django_filters.BooleanFilter(field_name="ended_at", lookup_expr="isnull", label="Still down")
    reason_code = django_filters.MultipleChoiceFilter(widget=Chips, choices=StatusReason.choices, label="Reason")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), field_name="asset__site", label="Site")
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all(), method="filter_location",
                                                label="Location", widget=SearchSelect)
    category = django_filters.ModelChoiceFilter(queryset=AssetCategory.objects.all(), field_name="asset__category",
                                                label="Asset category")

    class Meta:
        model = Downtime
        fields = ["asset", "site", "location", "category", "reason_code", "is_open", "since", "until"]

    @extend_schema_field(OpenApiTypes.INT)
    def filter_location(self, queryset, name, value):
        """Downtime of assets at the location or anywhere below it."""
        return queryset.filter(asset__location__path__startswith=value.path) if value else queryset

    def filter_since(self, queryset, name, value):
        return queryset.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=value)) if value else queryset


class MeterFilterSet(ScopedFilterSet):
    kind = django_filters.MultipleChoiceFilter(widget=Chips, choices=MeterKind.choices)
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), field_name="asset__site")

    class Meta:
        model = Meter
        fields = ["asset", "site", "kind", "rolls_down"]


class MeterReadingFilterSet(ScopedFilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")
    source = django_filters.MultipleChoiceFilter(widget=Chips, choices=ReadingSource.choices)
    asset = django_filters.ModelChoiceFilter(queryset=Asset.objects.all(), field_name="meter__asset")

    class Meta:
        model = MeterReading
        fields = ["meter", "asset", "source", "since", "until"]


class AssetDocumentFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.MultipleChoiceFilter(widget=Chips, choices=DocumentKind.choices)

    class Meta:
        model = AssetDocument
        fields = ["asset", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(original_name__icontains=value))


# --- Spare parts and stock ---------------------------------------------------------------------
