"""FilterSets shared by the HTML lists (list, board, calendar) and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from assets.models import Asset
from prosync.core.filters import ScopedFilterSet
from prosync.core.selects import Chips, SearchSelect
from workorders.choices import FailureCodeKind, WorkOrderPriority, WorkOrderStatus, WorkOrderType
from workorders.models import FailureCode, WorkOrder


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
    due_after = django_filters.DateFilter(field_name="due_at", lookup_expr="date__gte", label="Due from")
    due_before = django_filters.DateFilter(field_name="due_at", lookup_expr="date__lte", label="Due until")

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
