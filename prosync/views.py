"""Project-wide pages: the dashboard, and the health endpoints for load balancers."""

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.roles import Role
from assets.models import Asset, Site
from assets.selectors_parts import low_stock_count
from predictions.selectors import fleet_ranking, health_bands
from telemetry.choices import ACTIVE_ALERT_STATUSES, AlertSeverity
from telemetry.models import Alert
from workorders.models import WorkOrder


def lands_on_my_work(user) -> bool:
    """Technicians start their day from their own orders; planners and viewers from the fleet."""
    return getattr(user, "role", "") == Role.TECHNICIAN


@login_required
def start(request):
    """Where signing in leads: My work for a technician, the dashboard for everyone else."""
    return redirect("workorders:my-work" if lands_on_my_work(request.user) else "dashboard")


@login_required
def dashboard(request):
    user = request.user
    alerts = Alert.objects.for_user(user).filter(status__in=ACTIVE_ALERT_STATUSES).select_related("asset")
    work_orders = WorkOrder.objects.for_user(user).open().select_related("asset", "assignee")
    ranking = fleet_ranking(user, limit=12)
    bands = health_bands(user)
    counts = alerts.aggregate(total=Count("pk"), critical=Count("pk", filter=Q(severity=AlertSeverity.CRITICAL)))
    return render(request, "dashboard.html", {
        "sites": Site.objects.for_user(user).annotate(asset_count=Count("assets")),
        "asset_count": Asset.objects.for_user(user).count(),
        "alerts": alerts[:10],
        "alert_counts": counts,
        "work_orders": work_orders[:10],
        "work_order_count": work_orders.count(),
        "ranking": ranking,
        "bands": bands,
        "assessed": sum(bands.values()),
        "low_stock": low_stock_count(user),
    })


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # report, never raise: this endpoint exists to say what is down
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {exc.__class__.__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
