"""Filter sets of the parts area: the catalogue, storerooms, stock levels, movements and bills of
materials, shared by the pages and the API."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from assets.choices import MovementKind
from assets.models import Asset, BomLine, Part, Site, StockLevel, StockMovement, Storeroom
from prosync.core.filters import ScopedFilterSet
from prosync.core.selects import Chips


@extend_schema_field(OpenApiTypes.INT)
class StoreroomIdFilter(django_filters.ModelChoiceFilter):
    """A storeroom id, filtered through a method (parts have no storeroom field of their own)."""


def _user_levels(request):
    """Stock rows the requesting user may see (their sites' storerooms)."""
    return StockLevel.objects.for_user(getattr(request, "user", None), "view")


class PartFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    category = django_filters.ChoiceFilter(choices=[], label="Category")
    manufacturer = django_filters.CharFilter(lookup_expr="icontains")
    storeroom = StoreroomIdFilter(queryset=Storeroom.objects.all(), method="filter_storeroom", label="Stocked in")
    low_stock = django_filters.BooleanFilter(method="filter_low_stock", label="Low stock")
    # An id, not a select of every asset (thousands); the asset page links here with ?asset=<id>.
    asset = django_filters.ModelChoiceFilter(queryset=Asset.objects.all(), field_name="bom_lines__asset",
                                             label="Fits asset", distinct=True, widget=forms.HiddenInput)

    class Meta:
        model = Part
        fields = ["q", "category", "manufacturer", "storeroom", "low_stock", "asset"]

    shared_form_class = False  # its category choices are read from the parts on every request

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = Part.objects.exclude(category="").order_by("category").values_list("category", flat=True)
        self.filters["category"].extra["choices"] = [(c, c) for c in categories.distinct()]

    def search(self, queryset, name, value):
        return queryset.filter(Q(part_number__icontains=value) | Q(name__icontains=value)
                               | Q(description__icontains=value) | Q(manufacturer_part_number__icontains=value))

    def filter_low_stock(self, queryset, name, value):
        if value is None:
            return queryset
        low = Exists(_user_levels(self.request).low().filter(part=OuterRef("pk")))
        return queryset.filter(low if value else ~low)

    def filter_storeroom(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(_user_levels(self.request).filter(part=OuterRef("pk"), storeroom=value)))


class StoreroomFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = Storeroom
        fields = ["q", "site"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class StockLevelFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), field_name="storeroom__site")
    low = django_filters.BooleanFilter(method="filter_low", label="Low stock")
    # An id (the part page links here), not a select of the whole catalogue; search finds parts by number.
    part = django_filters.ModelChoiceFilter(queryset=Part.objects.all(), widget=forms.HiddenInput)

    class Meta:
        model = StockLevel
        fields = ["q", "site", "storeroom", "part", "low"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(part__part_number__icontains=value) | Q(part__name__icontains=value)
                               | Q(bin_location__icontains=value))

    def filter_low(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.low() if value else queryset.exclude(pk__in=queryset.low().values("pk"))


class StockMovementFilterSet(ScopedFilterSet):
    kind = django_filters.MultipleChoiceFilter(widget=Chips, choices=MovementKind.choices)
    reference = django_filters.CharFilter(lookup_expr="icontains")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), field_name="storeroom__site")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = StockMovement
        fields = ["part", "storeroom", "site", "kind", "reference", "asset", "since", "until"]


class BomLineFilterSet(ScopedFilterSet):
    class Meta:
        model = BomLine
        fields = ["asset", "part"]
