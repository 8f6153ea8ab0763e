"""Work-order pages: the list, the order, and the work-orders tab of the asset page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accounts.models import AuditLog
from prosync.generic import FilteredListView, ScopedDetailView
from workorders import services
from workorders.choices import PredictionOutcome, WorkOrderStatus
from workorders.filters import WorkOrderFilterSet
from workorders.models import ALLOWED_TRANSITIONS, IllegalTransition, WorkOrder


class WorkOrderListView(FilteredListView):
    model = WorkOrder
    filterset_class = WorkOrderFilterSet
    title = "Work orders"
    partial_template_name = "workorders/_workorder_table.html"
    sort_fields = {"created": "created_at", "due": "due_at", "priority": "priority", "status": "status",
                   "asset": "asset__tag"}
    default_sort = "-created"

    def base_queryset(self):
        return WorkOrder.objects.select_related("asset", "site", "assignee")


class WorkOrderDetailView(ScopedDetailView):
    model = WorkOrder
    template_name = "workorders/workorder_detail.html"

    def base_queryset(self):
        return WorkOrder.objects.select_related("asset", "site", "assignee", "created_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        wo = self.object
        may_change = WorkOrder.objects.for_user(self.request.user, "change").filter(pk=wo.pk).exists()
        labels = dict(WorkOrderStatus.choices)
        ctx["next_statuses"] = [(s, labels[s]) for s in NEXT_STATUS_ORDER if s in ALLOWED_TRANSITIONS[wo.status]] \
            if may_change else []
        ctx["outcomes"] = PredictionOutcome.choices
        ctx["timeline"] = AuditLog.objects.filter(object_type=wo._meta.label_lower, object_id=str(wo.pk)) \
            .select_related("actor").order_by("at")
        return ctx


# Buttons in the order a technician works through an order.
NEXT_STATUS_ORDER = [WorkOrderStatus.ASSIGNED, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.ON_HOLD,
                     WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED, WorkOrderStatus.OPEN, WorkOrderStatus.CANCELLED]


@login_required
@require_POST
def transition(request, pk):
    """Status buttons of the order page: the service decides; a refusal is shown, never lost."""
    wo = get_object_or_404(WorkOrder.objects.for_user(request.user, "change"), pk=pk)
    version = request.POST.get("version", "")
    try:
        wo = services.transition_work_order(
            wo, request.POST.get("status", ""), acting_user=request.user, note=request.POST.get("note", "")[:500],
            outcome=request.POST.get("outcome", ""), expected_version=int(version) if version.isdigit() else None)
        messages.success(request, f"{wo.number} is now {wo.get_status_display().lower()}.")
    except (IllegalTransition, services.StaleVersion, services.OutcomeRequired) as exc:
        messages.error(request, str(exc))
    return redirect(wo.get_absolute_url())


def workorders_panel(request, asset):
    return {"work_orders": list(WorkOrder.objects.filter(asset=asset).select_related("assignee")[:20])}
