"""Background jobs of the accounts app: stored answers of idempotent API writes expire."""

from celery import shared_task

from prosync.core import idempotency


@shared_task(name="accounts.purge_idempotency_keys", ignore_result=True, expires=3600)
def purge_idempotency_keys() -> int:
    return idempotency.purge_expired()
