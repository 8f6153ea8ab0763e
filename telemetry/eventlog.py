"""The activity log of assets and sites: append-only events (alarms, asset status changes, work
orders), stored in PostgreSQL (the ``Event`` table) or MongoDB (an ``events`` collection), chosen
by the same ``TELEMETRY_BACKEND`` setting as the readings.

Other apps add to it through the kernel's ``record(..., activity=...)``, whose activity writer
is ``record_event`` (registered in TelemetryConfig.ready), so none of them imports this one.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from telemetry.choices import AlertSeverity
from telemetry.models import Event

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
    """Documents of the ``events`` collection, written after the surrounding transaction commits
    (MongoDB takes no part in it, and an event of a rolled-back change must not appear)."""

    name = "mongodb"

    def __init__(self, uri: str, database: str = "prosync"):
        import pymongo

        self.client = pymongo.MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=3000)
        db = self.client.get_default_database(default=database)
        self.collection = db["events"]
        self.collection.create_index([("site_id", 1), ("at", -1)])
        self.collection.create_index([("asset_id", 1), ("at", -1)])

    def append(self, records: list[dict]) -> None:
        docs = [dict(r) for r in records]
        transaction.on_commit(lambda: self.collection.insert_many(docs, ordered=False))

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
    return store().query(site_ids=site_ids, asset_id=asset_id, kinds=kinds, before=before, limit=limit)

