"""FilterSets of requests, preventive schedules and projects, shared by their pages and the API."""

import django_filters
from django.db.models import Q

from prosync.filters import ScopedFilterSet
from workorders.choices import PMTrigger, ProjectStatus, RequestChannel, RequestStatus, WorkOrderPriority
from workorders.models import PreventiveSchedule, Project, WorkRequest


class WorkRequestFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=RequestStatus.choices)
    channel = django_filters.ChoiceFilter(choices=RequestChannel.choices, label="Submitted through")
    priority = django_filters.ChoiceFilter(choices=WorkOrderPriority.choices)

    class Meta:
        model = WorkRequest
        fields = ["site", "asset", "status", "channel", "priority"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value) |
                               Q(reporter_name__icontains=value))


class PreventiveScheduleFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    trigger = django_filters.ChoiceFilter(choices=PMTrigger.choices)
    active = django_filters.BooleanFilter()

    class Meta:
        model = PreventiveSchedule
        fields = ["asset", "trigger", "assignee", "active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(asset__tag__icontains=value))


class ProjectFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=ProjectStatus.choices)

    class Meta:
        model = Project
        fields = ["site", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))
