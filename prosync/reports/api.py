"""The KPIs over the REST API: ``/api/v1/reports/`` lists them with their definitions,
``/api/v1/reports/<kpi>/`` gives one with its previous value, per-bucket series and the rows
behind it, for the same filters as the report pages (scoped to the caller's sites)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from prosync.core.permissions import SiteScopedPermission
from prosync.reports.kpis import CATALOGUE, KPI_ROWS, compute_kpi
from prosync.reports.scope import PRESETS, scope_from_params
from workorders.models import WorkOrder


class KpiSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    family = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    better = serializers.ChoiceField(choices=["higher", "lower"])
    definition = serializers.CharField()
    url = serializers.CharField()


class SeriesPointSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="The bucket's first day (ISO date).")
    value = serializers.FloatField(allow_null=True)


class KpiResultSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    family = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    definition = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="null: not enough data (see note).")
    previous = serializers.FloatField(allow_null=True, help_text="The same figure over the period just before.")
    better = serializers.ChoiceField(choices=["higher", "lower"])
    note = serializers.CharField(help_text="Why the value is null, if it is.")
    drill_url = serializers.CharField(allow_null=True, help_text="The list of orders or downtime behind it.")
    series = SeriesPointSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField(), help_text="The table behind the figure.")
    scope = serializers.DictField(help_text="The filters as understood: period bounds, bucket, time zone, cuts.")


FILTER_PARAMETERS = [
    OpenApiParameter("period", str, enum=[p for p, _ in PRESETS], description="Default 30d."),
    OpenApiParameter("start", str, description="First day (YYYY-MM-DD) when period=custom."),
    OpenApiParameter("end", str, description="Last day (YYYY-MM-DD, included) when period=custom."),
    OpenApiParameter("site", int), OpenApiParameter("location", int, description="With everything inside it."),
    OpenApiParameter("category", int), OpenApiParameter("asset", int), OpenApiParameter("team", int),
    OpenApiParameter("technician", int),
    OpenApiParameter("repeat_days", int, description="Repeat window of repeat failures and first-time fix "
                                                     "(1-365, default 30)."),
]


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class ReportListView(APIView):
    """Every KPI with its definition and unit."""

    permission_classes = [SiteScopedPermission]
    queryset = WorkOrder.objects.none()

    @extend_schema(tags=["reports"], responses={200: KpiSerializer(many=True)})
    def get(self, request):
        return Response([{"kpi": k.key, "family": k.family, "label": k.label, "unit": k.unit, "better": k.better,
                          "definition": k.definition,
                          "url": request.build_absolute_uri(reverse("api:report-kpi", args=[k.key]))}
                         for k in CATALOGUE.values()])


class ReportKpiView(APIView):
    """One KPI over the filters: its value, the previous period's, the series per day, week or
    month, and the rows of the table behind it. A bad filter answers 400 naming the field."""

    permission_classes = [SiteScopedPermission]
    queryset = WorkOrder.objects.none()

    @extend_schema(tags=["reports"], parameters=FILTER_PARAMETERS,
                   responses={200: KpiResultSerializer, 400: None, 404: None})
    def get(self, request, kpi: str):
        meta = CATALOGUE.get(kpi)
        if meta is None:
            raise NotFound(f"There is no KPI called “{kpi}”; /api/v1/reports/ lists them.")
        scope, form = scope_from_params(request.query_params, request.user)
        if scope is None:
            raise ValidationError({field: [str(e) for e in errors] for field, errors in form.errors.items()})
        figure, result = compute_kpi(kpi, scope, request.user)
        table = next((t for t in result.tables if t.key == KPI_ROWS.get(kpi)), None)
        rows = [{k: _plain(v) for k, v in row.items() if not k.startswith("_")} for row in table.rows] if table else []
        spark = figure.spark if figure else []
        data = {
            "kpi": kpi, "family": meta.family, "label": meta.label, "unit": meta.unit,
            "definition": figure.definition if figure else meta.definition,
            "value": _plain(figure.value) if figure else None,
            "previous": _plain(figure.previous) if figure else None,
            "better": meta.better, "note": figure.note if figure else "",
            "drill_url": figure.drill_url if figure else None,
            "series": [{"label": label, "value": _plain(v)} for label, v in zip(result.labels, spark, strict=False)]
            if spark else [],
            "rows": rows, "scope": scope.describe(),
        }
        return Response(data)
