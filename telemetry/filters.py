"""FilterSets shared by the HTML lists and the API."""

import django_filters
from django.db.models import Q

from assets.models import Asset
from prosync.core.filters import ScopedFilterSet
from prosync.core.selects import Chips, SearchSelect
from telemetry.choices import AlarmCondition, AlertSeverity, AlertSource, AlertStatus
from telemetry.models import AlarmRule, AlarmState, Alert, Sensor


class SensorFilterSet(ScopedFilterSet):
    site = django_filters.NumberFilter(field_name="asset__site")

    class Meta:
        model = Sensor
        fields = ["asset", "metric", "key", "is_active"]


class AlertFilterSet(ScopedFilterSet):
    status = django_filters.MultipleChoiceFilter(widget=Chips, choices=AlertStatus.choices)
    severity = django_filters.MultipleChoiceFilter(widget=Chips, choices=AlertSeverity.choices)
    source = django_filters.ChoiceFilter(choices=AlertSource.choices)
    asset = django_filters.ModelChoiceFilter(queryset=Asset.objects.all(), widget=SearchSelect)
    sensor = django_filters.ModelChoiceFilter(queryset=Sensor.objects.select_related("asset"), widget=SearchSelect)

    class Meta:
        model = Alert
        fields = ["site", "asset", "sensor", "cause", "status", "severity", "source"]


class AlarmRuleFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    sensor = django_filters.ModelChoiceFilter(queryset=Sensor.objects.select_related("asset"), widget=SearchSelect)
    condition = django_filters.MultipleChoiceFilter(widget=Chips, choices=AlarmCondition.choices)
    severity = django_filters.MultipleChoiceFilter(widget=Chips, choices=AlertSeverity.choices)

    class Meta:
        model = AlarmRule
        fields = ["q", "site", "sensor", "category", "metric", "condition", "severity", "is_enabled"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(metric__icontains=value)
                               | Q(sensor__asset__tag__icontains=value))


class AlarmStateFilterSet(ScopedFilterSet):
    class Meta:
        model = AlarmState
        fields = ["rule", "sensor", "active", "suppressed"]
