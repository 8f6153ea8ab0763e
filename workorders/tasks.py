"""Celery tasks of the work-order app: thin, idempotent wrappers over the services."""

from celery import shared_task


# Beat tasks expire after one interval: a worker back from an outage runs the next one, not a
# backlog of stale copies.
@shared_task(name="workorders.generate_preventive_orders", expires=300)
def generate_preventive_orders() -> dict:
    """Beat, every few minutes: each due preventive order exactly once, however often it runs."""
    from workorders.services_planning import generate_due_orders

    result = generate_due_orders()
    return {"created": result.created, "missed": result.missed}


@shared_task(name="workorders.notify_due_orders", expires=600)
def notify_due_orders() -> dict:
    """Beat: due-soon and overdue notifications, each sent once per person, order and due date."""
    from workorders.receivers import notify_due_orders as run

    return run()
