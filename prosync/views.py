"""Project-wide pages: the dashboard, and the health endpoints for load balancers."""

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
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
    order_counts = work_orders.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=timezone.now())))
    return render(request, "dashboard.html", {
        "sites": Site.objects.for_user(user).annotate(asset_count=Count("assets")),
        "asset_count": Asset.objects.for_user(user).count(),
        "alerts": alerts[:10],
        "alert_counts": counts,
        "work_orders": work_orders[:10],
        "work_order_count": order_counts["open"],
        "overdue_count": order_counts["overdue"],
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


def csrf_failure(request, reason=""):
    """A form sent without its anti-forgery token (an expired page, a form posted from another
    site): the styled refusal, saying what to do, instead of Django's technical page."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


def server_error(request):
    """handler500: a database that does not answer (stopped, restarting, unreachable) is a 503
    with Retry-After, so clients and load balancers retry, and people read that it is passing;
    anything else is the 500 page. Drawn without the database (it may be what failed)."""
    import sys

    from django.db import InterfaceError, OperationalError
    from django.template import loader

    exc = sys.exc_info()[1]
    if not isinstance(exc, OperationalError | InterfaceError):
        return HttpResponseServerError(loader.get_template("500.html").render())
    message = ("The database is not answering (it may be restarting); this request may not have been saved. "
               "Try again in a minute.")
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER_SECONDS)
    return response
