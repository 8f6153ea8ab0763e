"""FilterSets of requests, preventive schedules and projects, shared by their pages and the API."""

import django_filters
from django.db.models import Q

from accounts.models import User
from assets.models import Asset
from prosync.core.filters import ScopedFilterSet
from prosync.core.selects import Chips, SearchSelect
from workorders.choices import PMTrigger, ProjectStatus, RequestChannel, RequestStatus, WorkOrderPriority
from workorders.models import PreventiveSchedule, Project, WorkRequest


class WorkRequestFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(widget=Chips, choices=RequestStatus.choices)
    asset = django_filters.ModelChoiceFilter(queryset=Asset.objects.all(), widget=SearchSelect)
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
    asset = django_filters.ModelChoiceFilter(queryset=Asset.objects.all(), widget=SearchSelect)
    assignee = django_filters.ModelChoiceFilter(queryset=User.objects.all(), widget=SearchSelect)
    trigger = django_filters.ChoiceFilter(choices=PMTrigger.choices)
    active = django_filters.BooleanFilter()

    class Meta:
        model = PreventiveSchedule
        fields = ["asset", "trigger", "assignee", "active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(asset__tag__icontains=value))


class ProjectFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(widget=Chips, choices=ProjectStatus.choices)

    class Meta:
        model = Project
        fields = ["site", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))
