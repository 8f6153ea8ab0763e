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
