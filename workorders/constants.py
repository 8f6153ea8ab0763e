"""Defaults of the work-order app: SLA per priority, attachment limits, labour rate."""

from datetime import timedelta
from decimal import Decimal

from workorders.choices import WorkOrderPriority as P

# Resolution time per priority when the SLA table has no row for it.
DEFAULT_SLA = {P.URGENT: timedelta(hours=4), P.HIGH: timedelta(hours=24), P.MEDIUM: timedelta(days=3),
               P.LOW: timedelta(days=7)}

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_ATTACHMENT_TYPES = {
    "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",), "image/webp": (".webp",), "image/gif": (".gif",),
    "application/pdf": (".pdf",), "text/plain": (".txt",),
}
# Used when a technician has no labour rate of their own.
DEFAULT_HOURLY_RATE = Decimal("45.00")
