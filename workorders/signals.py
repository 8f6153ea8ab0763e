"""Signals for the apps above work orders (predictions learns from completed predictive orders
without workorders importing it)."""

from django.dispatch import Signal

# Sent after commit with sender=WorkOrder, work_order=<WorkOrder>, acting_user=<User or None>.
work_order_completed = Signal()

# Sent after commit with sender=WorkOrder, work_order=<WorkOrder>, users=[<User>] newly assigned,
# acting_user=<User or None>: the notifications side tells the people concerned.
work_order_assigned = Signal()

# Sent after commit with sender=WorkOrder, work_order=<WorkOrder>, previous=<status>, acting_user=<User or None>.
work_order_status_changed = Signal()
