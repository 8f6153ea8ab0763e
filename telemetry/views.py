"""Alert pages, and the telemetry tab of the asset page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from assets.selectors import latest_health
from prosync.core.generic import FilteredListView
from prosync.core.views import next_url
from telemetry import services
from telemetry.choices import ACTIVE_ALERT_STATUSES
from telemetry.filters import AlertFilterSet
from telemetry.models import Alert, Sensor
from telemetry.tables import AlertTable


class AlertListView(FilteredListView):
    model = Alert
    filterset_class = AlertFilterSet
    table_class = AlertTable
    title = "Alerts"
    template_name = "telemetry/alert_list.html"
    partial_template_name = "telemetry/_alert_table.html"
    default_sort = "-opened"

    def base_queryset(self):
        # The asset's health now, shown beside the value the alert was raised at.
        return Alert.objects.select_related("asset", "site", "acknowledged_by", "sensor", "rule") \
            .annotate(live_health=latest_health("asset"))


@login_required
@require_POST
def acknowledge(request, pk):
    alert = get_object_or_404(Alert.objects.for_user(request.user, "change"), pk=pk)
    try:
        services.acknowledge_alert(alert, actor=request.user)
        messages.success(request, f"Alert acknowledged: {alert.title}")
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect(next_url(request, "telemetry:alerts"))


def telemetry_panel(request, asset):
    return {
        "sensors": list(Sensor.objects.filter(asset=asset).order_by("metric")),
        "active_alerts": list(Alert.objects.filter(asset=asset, status__in=ACTIVE_ALERT_STATUSES)),
    }


def activity_panel(request, asset):
    from telemetry.eventlog import events_for

    return {"events": events_for(request.user, asset_id=asset.pk, limit=30), "asset_id": asset.pk,
            "site_id": asset.site_id}
