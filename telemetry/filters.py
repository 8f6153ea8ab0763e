"""FilterSets shared by the HTML lists and the API."""

import django_filters

from prosync.filters import ScopedFilterSet
from telemetry.choices import AlertSeverity, AlertSource, AlertStatus
from telemetry.models import Alert, Reading, Sensor


class SensorFilterSet(ScopedFilterSet):
    site = django_filters.NumberFilter(field_name="asset__site")

    class Meta:
        model = Sensor
        fields = ["asset", "metric", "key", "is_active"]


class ReadingFilterSet(ScopedFilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="ts", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="ts", lookup_expr="lte")
    asset = django_filters.NumberFilter(field_name="sensor__asset")

    class Meta:
        model = Reading
        fields = ["sensor"]


class AlertFilterSet(ScopedFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AlertStatus.choices)
    severity = django_filters.MultipleChoiceFilter(choices=AlertSeverity.choices)
    source = django_filters.ChoiceFilter(choices=AlertSource.choices)

    class Meta:
        model = Alert
        fields = ["site", "asset", "sensor", "cause", "status", "severity", "source"]
