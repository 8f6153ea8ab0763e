"""Choices of the work-order app (statuses, types, priorities, requests, schedules, projects)."""

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


class FailureCodeKind(models.TextChoices):
    PROBLEM = "problem", "Problem"
    CAUSE = "cause", "Cause"
    REMEDY = "remedy", "Remedy"


class ChecklistItemKind(models.TextChoices):
    PASS_FAIL = "pass_fail", "Pass / fail"
    NUMBER = "number", "Number"
    TEXT = "text", "Text"
    PHOTO = "photo", "Photo"


class AttachmentKind(models.TextChoices):
    BEFORE = "before", "Before"
    AFTER = "after", "After"
    DOCUMENT = "document", "Document"


# --- Requests, preventive maintenance, projects -------------------------------------------------


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class RequestChannel(models.TextChoices):
    PORTAL = "portal", "Signed-in user"
    QR = "qr", "Public QR form"
    API = "api", "API"


class PMTrigger(models.TextChoices):
    CALENDAR = "calendar", "Calendar"
    METER = "meter", "Meter"


class IntervalUnit(models.TextChoices):
    DAYS = "days", "days"
    WEEKS = "weeks", "weeks"
    MONTHS = "months", "months"


class PMAnchor(models.TextChoices):
    FIXED = "fixed", "Fixed (on the calendar)"
    FLOATING = "floating", "Floating (from the last completion)"


class Compliance(models.TextChoices):
    PENDING = "pending", "Pending"
    ON_TIME = "on_time", "Done on time"
    LATE = "late", "Done late"
    MISSED = "missed", "Missed"


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
