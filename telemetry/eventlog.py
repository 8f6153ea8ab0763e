"""The activity log of assets and sites: append-only events (alarms, asset status changes, work
orders), stored in PostgreSQL (the ``Event`` table) or MongoDB (an ``events`` collection), chosen
by the same ``TELEMETRY_BACKEND`` setting as the readings.

Other apps add to it through the kernel's ``record(..., activity=...)``, whose activity writer
is ``record_event`` (registered in TelemetryConfig.ready), so none of them imports this one.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from telemetry.choices import AlertSeverity
from telemetry.models import Event, EventOutbox

logger = logging.getLogger(__name__)

FIELDS = ("at", "site_id", "asset_id", "kind", "title", "severity", "actor_id", "object_type", "object_id", "details")


class PostgresEventStore:
    """Rows of ``telemetry.Event``, written in the caller's transaction."""

    name = "postgres"

    def append(self, records: list[dict]) -> None:
        Event.objects.bulk_create([Event(**r) for r in records])

    def query(self, *, site_ids=None, asset_id=None, kinds=None, before: datetime | None = None,
              since: datetime | None = None, limit: int = 50) -> list[dict]:
        qs = Event.objects.all()
        if site_ids is not None:
            qs = qs.filter(site_id__in=site_ids)
        if asset_id is not None:
            qs = qs.filter(asset_id=asset_id)
        if kinds:
            qs = qs.filter(kind__in=kinds)
        if since is not None:
            qs = qs.filter(at__gte=since)
        if before is not None:
            qs = qs.filter(at__lt=before)
        return [dict(row) for row in qs.order_by("-at", "-id").values("id", *FIELDS)[:limit]]


class MongoEventStore:
    """Documents of the ``events`` collection. MongoDB takes no part in the caller's transaction,
    so an event goes first into the ``EventOutbox`` table, in that transaction (an event of a
    rolled-back change never exists), and on to MongoDB after the commit. With MongoDB down the
    change still commits: its events wait in the outbox and a beat task (and every later commit)
    delivers them once MongoDB answers again, each under its own ``_id``, never twice."""

    name = "mongodb"

    def __init__(self, uri: str, database: str = "prosync"):
        import pymongo

        # Connecting is lazy: building the store never waits on a server that is down.
        self.client = pymongo.MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=3000)
        db = self.client.get_default_database(default=database)
        self.collection = db["events"]
        self._indexed = False
        self._retry_after = 0.0

    def _ensure_indexes(self) -> None:
        if not self._indexed:
            self.collection.create_index([("site_id", 1), ("at", -1)])
            self.collection.create_index([("asset_id", 1), ("at", -1)])
            self._indexed = True

    def append(self, records: list[dict]) -> None:
        EventOutbox.objects.bulk_create([EventOutbox(at=r["at"], record=r) for r in records])
        transaction.on_commit(self.deliver_after_commit, robust=True)

    def deliver(self, limit: int = 1000) -> int:
        """Move what waits in the outbox to MongoDB, oldest first; how many were moved. After a
        failure, commits do not try again for EVENT_OUTBOX_RETRY_SECONDS (a request must not
        wait on a server that is down); the beat task always does."""
        from pymongo.errors import BulkWriteError, PyMongoError

        moved = 0
        while batch := list(EventOutbox.objects.order_by("id")[:limit]):
            docs = [{**row.record, "_id": str(row.key), "at": row.at} for row in batch]
            try:
                self._ensure_indexes()
                self.collection.insert_many(docs, ordered=False)
            except BulkWriteError as exc:
                if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                    raise
                # Already there (a delivery that stopped before removing its rows): nothing to add.
            except PyMongoError as exc:
                waiting = EventOutbox.objects.count()
                logger.warning("event log unavailable; events wait in the outbox",
                               extra={"waiting": waiting, "error": str(exc)[:200]})
                self._retry_after = time.monotonic() + settings.EVENT_OUTBOX_RETRY_SECONDS
                return moved
            EventOutbox.objects.filter(pk__in=[row.pk for row in batch]).delete()
            moved += len(batch)
            if len(batch) < limit:
                break
        self._retry_after = 0.0
        return moved

    def deliver_after_commit(self) -> None:
        if time.monotonic() >= self._retry_after:
            self.deliver()

    def query(self, *, site_ids=None, asset_id=None, kinds=None, before=None, since=None, limit: int = 50):
        flt: dict = {}
        if site_ids is not None:
            flt["site_id"] = {"$in": list(site_ids)}
        if asset_id is not None:
            flt["asset_id"] = asset_id
        if kinds:
            flt["kind"] = {"$in": list(kinds)}
        if since is not None or before is not None:
            flt["at"] = {**({"$gte": since} if since else {}), **({"$lt": before} if before else {})}
        out = []
        for doc in self.collection.find(flt).sort([("at", -1), ("_id", -1)]).limit(limit):
            doc["id"] = str(doc.pop("_id"))
            out.append(doc)
        return out


def store():
    """The event store of the configured backend (one client per backend and address)."""
    if settings.TELEMETRY_BACKEND == "mongodb":
        return _store("mongodb", settings.MONGODB_URI)
    return _store("postgres", "")


@cache
def _store(backend: str, uri: str):
    return MongoEventStore(uri) if backend == "mongodb" else PostgresEventStore()


def record_event(*, kind: str, title: str, site_id: int, asset_id: int | None = None,
                 severity: str = AlertSeverity.INFO, actor=None, obj=None, details: dict | None = None,
                 at: datetime | None = None) -> dict:
    """Append one event to the log of the asset and its site, and push it live after commit."""
    from prosync.core.events import broadcast_many_on_commit, send_many, site_group

    record = {
        "at": at or timezone.now(), "site_id": site_id, "asset_id": asset_id, "kind": kind, "title": title[:200],
        "severity": severity,
        "actor_id": actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None,
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "", "details": details or {},
    }
    store().append([record])
    payload = {"kind": kind, "title": record["title"], "severity": severity, "at": record["at"].isoformat(),
               "asset": asset_id, "site": site_id}
    if asset_id is not None:
        broadcast_many_on_commit([(asset_id, site_id, "telemetry.event", payload)])
    else:
        messages = [([site_group(site_id)], "telemetry.event", payload)]
        transaction.on_commit(lambda: send_many(messages))
    return record


def events_for(user, *, asset_id: int | None = None, site_id: int | None = None, kinds=None,
               before: datetime | None = None, limit: int = 50) -> list[dict]:
    """The newest events the user may see (their sites), optionally of one asset or site."""
    from assets.models import Site

    sites = Site.objects.for_user(user, "view")
    if not user.sees_all_sites or site_id is not None:
        allowed = set(sites.values_list("id", flat=True))
        site_ids = allowed & {site_id} if site_id is not None else allowed
    else:
        site_ids = None if sites.exists() else set()
    if site_ids is not None and not site_ids:
        return []
    from pymongo.errors import PyMongoError

    try:
        return store().query(site_ids=site_ids, asset_id=asset_id, kinds=kinds, before=before, limit=limit)
    except PyMongoError as exc:  # a MongoDB that is down leaves the activity feed empty, not the page broken
        logger.warning("event log unavailable for reading", extra={"error": str(exc)[:200]})
        return []


def deliver_outbox() -> int:
    """Beat: events that wait for MongoDB (nothing to do on the PostgreSQL backend)."""
    log = store()
    return log.deliver() if isinstance(log, MongoEventStore) else 0

