"""FilterSets shared by the HTML lists and the API."""

import django_filters
from django.db.models import Q

from prosync.filters import ScopedFilterSet
from workorders.choices import WorkOrderPriority, WorkOrderStatus, WorkOrderType
from workorders.models import WorkOrder


class WorkOrderFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=WorkOrderStatus.choices)
    priority = django_filters.MultipleChoiceFilter(choices=WorkOrderPriority.choices)
    kind = django_filters.MultipleChoiceFilter(choices=WorkOrderType.choices, label="Type")
    is_open = django_filters.BooleanFilter(method="filter_open", label="Open only")

    class Meta:
        model = WorkOrder
        fields = ["site", "asset", "assignee", "status", "priority", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_open(self, queryset, name, value):
        return queryset.open() if value else queryset.exclude(pk__in=queryset.open().values("pk"))
