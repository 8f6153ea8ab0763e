"""Choices of the asset register (statuses, criticality, location kinds, stock movements)."""

from django.db import models


class AssetStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED = "degraded", "Degraded"
    DOWN = "down", "Down"
    DECOMMISSIONED = "decommissioned", "Decommissioned"


class Criticality(models.TextChoices):
    A = "A", "A (critical)"
    B = "B", "B (important)"
    C = "C", "C (minor)"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    ISSUE = "issue", "Issue"
    RETURN = "return", "Return"
    ADJUSTMENT = "adjustment", "Adjustment"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"


class LocationKind(models.TextChoices):
    AREA = "area", "Area"
    BUILDING = "building", "Building"
    FLOOR = "floor", "Floor"
    LINE = "line", "Line"
    ROOM = "room", "Room"
    OTHER = "other", "Other"


class StatusReason(models.TextChoices):
    """Why an asset's status changed: the reason codes downtime is analysed by."""

    BREAKDOWN = "breakdown", "Breakdown (unplanned failure)"
    PLANNED_MAINTENANCE = "planned_maintenance", "Planned maintenance"
    INSPECTION = "inspection", "Inspection"
    NO_DEMAND = "no_demand", "No demand / idle"
    MATERIAL_SHORTAGE = "material_shortage", "Waiting for material or parts"
    UTILITY_FAILURE = "utility_failure", "Utility failure (power, air, water)"
    OPERATOR = "operator", "Operator or process issue"
    REPAIRED = "repaired", "Repaired / back in service"
    CONDITION = "condition", "Condition change (wear, performance)"
    DECOMMISSIONED = "decommissioned", "Decommissioned"
    OTHER = "other", "Other"


class MeterKind(models.TextChoices):
    RUNNING_HOURS = "running_hours", "Running hours"
    CYCLES = "cycles", "Cycles"
    COUNTER = "counter", "Counter"


class ReadingSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    TELEMETRY = "telemetry", "Telemetry"
    ROLLDOWN = "rolldown", "Rolled down from parent"


class DocumentKind(models.TextChoices):
    DOCUMENT = "document", "Document"
    PHOTO = "photo", "Photo"


class AttributeType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    INTEGER = "integer", "Whole number"
    BOOLEAN = "boolean", "Yes / no"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"
