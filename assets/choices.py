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
