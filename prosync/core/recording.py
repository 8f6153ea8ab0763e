"""The one way a service records a write: its audit row and activity event in the service's
transaction, its live push and the signals to other apps after commit.

The audit trail lives in ``accounts`` and the activity log in ``telemetry``; they plug their
writers in from ``AppConfig.ready()`` (``register``), so the kernel imports neither."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.dispatch import Signal

from prosync.core.events import broadcast_on_commit

logger = logging.getLogger(__name__)

_writers: dict[str, Callable] = {}


def register(kind: str, writer: Callable) -> None:
    """Plug in the writer of the audit trail (``"audit"``: ``writer(actor=, action=, obj=,
    changes=)``) or of the activity log (``"activity"``: ``writer(actor=, obj=, kind=, title=,
    site_id=, asset_id=, details=, ...)``)."""
    _writers[kind] = writer


def record(actor, action: str, obj, *, changes: dict | None = None, activity: dict | None = None,
           push: dict | None = None):
    """Record ``actor``'s write of ``obj``; call it inside the service's transaction.

    ``activity`` (kind, title, site_id, asset_id, details) adds an event to the asset's and
    site's activity log; ``push`` (asset_id, site_id, event_type, payload) is sent to their live
    pages after commit. Returns the audit row."""
    audit = _writers["audit"](actor=actor, action=action, obj=obj, changes=changes or {})
    if activity is not None and "activity" in _writers:
        _writers["activity"](actor=actor, obj=obj, **activity)
    if push is not None:
        broadcast_on_commit(**push)
    return audit


def send_on_commit(signal: Signal, **kwargs) -> None:
    """Send ``signal`` after commit to receivers that react to a write already made
    (notifications, orders opened by an alarm): a failing receiver is logged, and neither stops
    the others nor reaches the caller of the committed write."""

    def send():
        for receiver, result in signal.send_robust(**kwargs):
            if isinstance(result, Exception):
                logger.error("receiver %s failed", getattr(receiver, "__qualname__", receiver),
                             exc_info=(type(result), result, result.__traceback__))

    transaction.on_commit(send)
