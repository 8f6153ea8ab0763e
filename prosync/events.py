"""Real-time events: small JSON messages to per-asset and per-site groups, sent after commit.

Event types are namespaced (``telemetry.readings``, ``telemetry.alert``,
``predictions.assessment``). A channel-layer failure (Redis down) is logged and never undoes
or fails the write that caused it: the live view degrades, the data is kept.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def asset_group(asset_id: int) -> str:
    return f"asset.{asset_id}"


def site_group(site_id: int) -> str:
    return f"site.{site_id}"


def send_now(groups: list[str], event_type: str, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "broadcast", "event": event_type, "payload": payload}
    try:
        for group in groups:
            async_to_sync(layer.group_send)(group, message)
    except Exception:  # the live push is best effort; the stored data is what matters
        logger.warning("live event not delivered", extra={"event": event_type, "groups": groups}, exc_info=True)


def broadcast_on_commit(*, asset_id: int, site_id: int, event_type: str, payload: dict) -> None:
    groups = [asset_group(asset_id), site_group(site_id)]
    transaction.on_commit(lambda: send_now(groups, event_type, payload))
