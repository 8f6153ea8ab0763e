"""FilterSets shared by the HTML lists (list, board, calendar) and the API."""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import User
from assets.models import Asset, AssetCategory, Location
from prosync.core.filters import ScopedFilterSet
from prosync.core.selects import Chips, SearchSelect
from workorders.choices import FailureCodeKind, WorkOrderPriority, WorkOrderStatus, WorkOrderType
from workorders.models import FailureCode, WorkOrder

DATE = forms.DateInput(attrs={"type": "date"})


class WorkOrderFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    # distinct=False: plain columns, no join can repeat a row, and SELECT DISTINCT over every
    # column of a large table is what makes a filtered list slow.
    status = django_filters.MultipleChoiceFilter(widget=Chips, choices=WorkOrderStatus.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(widget=Chips, choices=WorkOrderPriority.choices, distinct=False)
    kind = django_filters.MultipleChoiceFilter(widget=Chips, choices=WorkOrderType.choices, label="Type",
                                               distinct=False)
    asset = django_filters.ModelChoiceFilter(queryset=Asset.objects.all(), widget=SearchSelect)
    assignee = django_filters.ModelChoiceFilter(queryset=User.objects.all(), widget=SearchSelect)
    is_open = django_filters.BooleanFilter(method="filter_open", label="Open only")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue")
    mine = django_filters.BooleanFilter(method="filter_mine", label="Mine")
    due_after = django_filters.DateFilter(field_name="due_at", lookup_expr="date__gte", label="Due from", widget=DATE)
    due_before = django_filters.DateFilter(field_name="due_at", lookup_expr="date__lte", label="Due until",
                                           widget=DATE)
    # The fields the reports' drill-down links use: an order list behind every figure.
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="Created from",
                                              widget=DATE)
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte",
                                               label="Created until", widget=DATE)
    completed_after = django_filters.DateFilter(field_name="completed_at", lookup_expr="date__gte",
                                                label="Completed from", widget=DATE)
    completed_before = django_filters.DateFilter(field_name="completed_at", lookup_expr="date__lte",
                                                 label="Completed until", widget=DATE)
    problem_code = django_filters.ModelChoiceFilter(
        queryset=FailureCode.objects.filter(kind=FailureCodeKind.PROBLEM), label="Problem code")
    has_problem_code = django_filters.BooleanFilter(field_name="problem_code", lookup_expr="isnull", exclude=True,
                                                    label="With a problem code")
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all(), method="filter_location",
                                                label="Location", widget=SearchSelect)
    category = django_filters.ModelChoiceFilter(queryset=AssetCategory.objects.all(), field_name="asset__category",
                                                label="Asset category")
    # Hidden: set by the backlog's age buckets, kept while the other filters change.
    age_min = django_filters.NumberFilter(method="filter_age_min", label="At least this many days old",
                                          min_value=0, max_value=100000, widget=forms.HiddenInput)
    age_max = django_filters.NumberFilter(method="filter_age_max", label="At most this many days old",
                                          min_value=0, max_value=100000, widget=forms.HiddenInput)

    class Meta:
        model = WorkOrder
        fields = ["site", "asset", "assignee", "team", "status", "priority", "kind"]

    def search(self, queryset, name, value):
        value = value.strip()
        number = value.upper().removeprefix("WO-")
        if number.isdecimal():
            return queryset.filter(Q(pk=int(number)) | Q(title__icontains=value))
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value)
                               | Q(asset__tag__iexact=value))

    def filter_open(self, queryset, name, value):
        return queryset.open() if value else queryset.exclude(pk__in=queryset.open().values("pk"))

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        return queryset.overdue(now) if value else queryset.exclude(pk__in=queryset.overdue(now).values("pk"))

    @extend_schema_field(OpenApiTypes.INT)
    def filter_location(self, queryset, name, value):
        """Orders on assets at the location or anywhere below it."""
        return queryset.filter(asset__location__path__startswith=value.path) if value else queryset

    def filter_age_min(self, queryset, name, value):
        """Created at least ``value`` whole days ago (the backlog's age buckets: 8-30 days...)."""
        if value is None:
            return queryset
        return queryset.filter(created_at__lt=timezone.now() - timedelta(days=int(value)))

    def filter_age_max(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(created_at__gte=timezone.now() - timedelta(days=int(value) + 1))

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None or not user.is_authenticated:
            return queryset
        return queryset.filter(pk__in=WorkOrder.objects.of_person(user).values("pk"))


class FailureCodeFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.ChoiceFilter(choices=FailureCodeKind.choices, label="Type")
    active = django_filters.BooleanFilter(label="Offered on orders")

    class Meta:
        model = FailureCode
        fields = ["kind", "active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(description__icontains=value))
