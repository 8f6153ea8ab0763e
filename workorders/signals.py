"""Signals for the apps above work orders (predictions learns from completed predictive orders
without workorders importing it)."""

from django.dispatch import Signal

# Sent after commit with sender=WorkOrder, work_order=<WorkOrder>, acting_user=<User or None>.
work_order_completed = Signal()
