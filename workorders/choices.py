from django.db import models


class WorkOrderStatus(models.TextChoices):
    OPEN = "open", "Open"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    COMPLETED = "completed", "Completed"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class WorkOrderPriority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class WorkOrderType(models.TextChoices):
    CORRECTIVE = "corrective", "Corrective"
    PREVENTIVE = "preventive", "Preventive"
    PREDICTIVE = "predictive", "Predictive"
    INSPECTION = "inspection", "Inspection"
    EMERGENCY = "emergency", "Emergency"


OPEN_STATUSES = (
    WorkOrderStatus.OPEN, WorkOrderStatus.ASSIGNED, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.ON_HOLD,
)


class PredictionOutcome(models.TextChoices):
    """What the technician found on a predictive work order: the label the models learn from."""

    FAULT_CONFIRMED = "fault_confirmed", "Fault confirmed"
    NO_FAULT_FOUND = "no_fault_found", "No fault found"
