"""Alert pages, and the telemetry tab of the asset page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from prosync.generic import FilteredListView
from telemetry import services
from telemetry.choices import ACTIVE_ALERT_STATUSES
from telemetry.filters import AlertFilterSet
from telemetry.models import Alert, Sensor


class AlertListView(FilteredListView):
    model = Alert
    filterset_class = AlertFilterSet
    title = "Alerts"
    template_name = "telemetry/alert_list.html"
    partial_template_name = "telemetry/_alert_table.html"
    sort_fields = {"opened": "opened_at", "severity": "severity", "status": "status", "asset": "asset__tag"}
    default_sort = "-opened"

    def base_queryset(self):
        return Alert.objects.select_related("asset", "site", "acknowledged_by", "sensor", "rule")


@login_required
@require_POST
def acknowledge(request, pk):
    alert = get_object_or_404(Alert.objects.for_user(request.user, "change"), pk=pk)
    try:
        services.acknowledge_alert(alert, acting_user=request.user)
        messages.success(request, f"Alert acknowledged: {alert.title}")
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect(request.POST.get("next") or "telemetry:alerts")


def telemetry_panel(request, asset):
    return {
        "sensors": list(Sensor.objects.filter(asset=asset).order_by("metric")),
        "active_alerts": list(Alert.objects.filter(asset=asset, status__in=ACTIVE_ALERT_STATUSES)),
    }


def activity_panel(request, asset):
    from telemetry.eventlog import events_for

    return {"events": events_for(request.user, asset_id=asset.pk, limit=30), "asset_id": asset.pk,
            "site_id": asset.site_id}
