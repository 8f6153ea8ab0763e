"""FilterSets shared by the HTML lists and the API."""

import django_filters

from predictions.models import FeedbackLabel, HealthAssessment, ModelVersion
from prosync.core.filters import ScopedFilterSet


class ModelVersionFilterSet(ScopedFilterSet):
    class Meta:
        model = ModelVersion
        fields = ["category", "status"]


class HealthAssessmentFilterSet(ScopedFilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="assessed_at", lookup_expr="gte")
    site = django_filters.NumberFilter(field_name="asset__site")
    health_below = django_filters.NumberFilter(field_name="health_score", lookup_expr="lt")

    class Meta:
        model = HealthAssessment
        fields = ["asset", "model_version"]


class FeedbackLabelFilterSet(ScopedFilterSet):
    class Meta:
        model = FeedbackLabel
        fields = ["asset", "model_version", "fault_confirmed"]
