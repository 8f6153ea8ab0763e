"""Work-order pages: the list, the order, and the work-orders tab of the asset page."""

from prosync.generic import FilteredListView, ScopedDetailView
from workorders.filters import WorkOrderFilterSet
from workorders.models import WorkOrder


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


def workorders_panel(request, asset):
    return {"work_orders": list(WorkOrder.objects.filter(asset=asset).select_related("assignee")[:20])}
