"""Work orders and their lifecycle."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from prosync.permissions import SiteScopedQuerySet
from workorders.choices import OPEN_STATUSES, PredictionOutcome, WorkOrderPriority, WorkOrderStatus, WorkOrderType

S = WorkOrderStatus
# The one place that says which status may follow which.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.OPEN: {S.ASSIGNED, S.IN_PROGRESS, S.CANCELLED},
    S.ASSIGNED: {S.OPEN, S.IN_PROGRESS, S.CANCELLED},
    S.IN_PROGRESS: {S.ON_HOLD, S.COMPLETED, S.CANCELLED},
    S.ON_HOLD: {S.IN_PROGRESS, S.CANCELLED},
    S.COMPLETED: {S.CLOSED, S.IN_PROGRESS},
    S.CLOSED: set(),
    S.CANCELLED: set(),
}


class IllegalTransition(Exception):
    pass


class WorkOrderQuerySet(SiteScopedQuerySet):
    """Site-scoped (``for_user``) like every other model, plus the work-order filters."""

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class WorkOrder(models.Model):
    site_field = "site"

    site = models.ForeignKey("assets.Site", on_delete=models.PROTECT, related_name="work_orders")
    asset = models.ForeignKey("assets.Asset", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="work_orders")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=WorkOrderStatus.choices, default=WorkOrderStatus.OPEN)
    priority = models.CharField(max_length=10, choices=WorkOrderPriority.choices, default=WorkOrderPriority.MEDIUM)
    kind = models.CharField("type", max_length=20, choices=WorkOrderType.choices, default=WorkOrderType.CORRECTIVE)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_work_orders")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    source = models.CharField(max_length=40, blank=True, help_text="What raised it, e.g. 'prediction'.")
    source_ref = models.CharField(max_length=64, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=PredictionOutcome.choices, blank=True,
                               help_text="Predictive orders: whether the predicted fault was found.")
    version = models.PositiveIntegerField(default=1, help_text="Raised on every change; detects concurrent edits.")

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["site", "status"]), models.Index(fields=["asset", "status"])]

    def __str__(self) -> str:
        return f"WO-{self.pk or 0:05d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("workorders:detail", args=[self.pk])

    @property
    def number(self) -> str:
        return f"WO-{self.pk:05d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def clean(self) -> None:
        if self.asset_id and self.site_id and self.asset.site_id != self.site_id:
            raise ValidationError({"asset": "The asset is on another site than the work order."})

    def transition_to(self, status: str) -> str:
        """Change status if the lifecycle allows it; returns the previous status."""
        if status not in WorkOrderStatus.values:
            raise IllegalTransition(f"'{status}' is not a work-order status.")
        if status not in ALLOWED_TRANSITIONS[self.status]:
            allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[self.status])) or "none"
            raise IllegalTransition(
                f"A work order cannot go from '{self.status}' to '{status}' (allowed: {allowed}).")
        previous, self.status = self.status, status
        return previous
