"""Signals of work orders, so that what follows from them (preventive-maintenance compliance,
prediction feedback labels, notifications) is not imported by the services that change orders."""

from django.dispatch import Signal

# Sent inside the transaction of a status change, with sender=WorkOrder, work_order=<WorkOrder>,
# previous=<status>, actor=<User or None>: the writes that follow from it (compliance of a PM
# occurrence, a feedback label) are part of that change, and an error in one undoes it.
work_order_transitioned = Signal()

# Sent after commit (send_robust) with sender=WorkOrder, work_order=<WorkOrder>, users=[<User>] newly assigned,
# actor=<User or None>: the notifications side tells the people concerned.
work_order_assigned = Signal()

# Sent after commit (send_robust) with sender=WorkOrder, work_order=<WorkOrder>, previous=<status>,
# actor=<User or None>.
work_order_status_changed = Signal()
