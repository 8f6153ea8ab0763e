"""Telemetry writes: reading ingestion (every channel goes through ``ingest_readings``), gateways,
CSV imports and retention; the alert lifecycle (``telemetry.alerts``) is re-exported here."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from celery import current_app
from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from prosync.core.recording import record
from telemetry import alarms, live, meters, storage
from telemetry.alerts import acknowledge_alert, close_alert, raise_alert  # noqa: F401
from telemetry.backends import Batch, to_us
from telemetry.broker import mosquitto_password_hash, sync_broker_access
from telemetry.models import CsvImport, Gateway, Sensor

logger = logging.getLogger(__name__)


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return len({e["index"] for e in self.errors})

    def as_dict(self) -> dict:
        return {"received": self.received, "stored": self.stored, "duplicates": self.duplicates,
                "refused": self.refused, "errors": self.errors}


class BatchRefused(ValueError):
    """The whole batch is unusable (not a list, empty, too large)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _parse_ts(raw, now: datetime) -> tuple[datetime | None, str | None]:
    if isinstance(raw, bool) or raw is None:
        return None, "a timestamp is required (ISO 8601 with offset, or epoch seconds)"
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            return None, "the timestamp is not a finite number"
        try:
            ts = datetime.fromtimestamp(raw, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None, "the timestamp is out of range"
    elif isinstance(raw, str):
        try:
            ts = parse_datetime(raw.strip())
        except ValueError:
            ts = None
        if ts is None:
            return None, f"'{raw[:40]}' is not an ISO 8601 timestamp"
        if timezone.is_naive(ts):
            return None, "the timestamp has no time-zone offset (add Z or +hh:mm)"
    else:
        return None, "the timestamp must be a string or a number"
    if ts > now + settings.INGEST_MAX_FUTURE:
        return None, "the timestamp is in the future beyond the allowed clock skew"
    return ts, None


def _parse_value(raw) -> tuple[float | None, str | None]:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        if isinstance(raw, str):
            return None, "the value is a string; send a JSON number"
        return None, "the value must be a number"
    value = float(raw)
    if not math.isfinite(value):
        return None, "the value is NaN or infinite"
    return value, None


def ingest_readings(items, *, actor=None, site_id: int | None = None, atomic: bool = False,
                    dry_run: bool = False) -> IngestResult:
    """Validate and store readings ``[{sensor, ts, value}, ...]``; ``sensor`` is an id or a key.

    Each bad item is refused with its index, field and reason while the valid items are stored
    (or nothing is stored when ``atomic``). Sensors are looked up among those the acting user
    may see, so another site's sensor is as unknown as one that does not exist.

    ``site_id`` narrows the lookup further to one site's sensors (an MQTT topic per site).

    Validation runs column by column over the whole batch (the per-item messages are built
    only for the items that fail), and the store writes the batch in one COPY.
    """
    if not isinstance(items, list):
        raise BatchRefused("the body must be a JSON list of readings")
    if not items:
        raise BatchRefused("the list of readings is empty")
    if len(items) > settings.INGEST_MAX_BATCH:
        raise BatchRefused(f"the batch has {len(items)} readings; the limit is {settings.INGEST_MAX_BATCH}")

    n = len(items)
    result = IngestResult(received=n)
    now = timezone.now()
    if not all(type(item) is dict for item in items):
        items = [item if isinstance(item, dict) else _NOT_AN_OBJECT for item in items]
    refs = [item.get("sensor") for item in items]
    stamps = [item.get("ts") for item in items]
    values = [item.get("value") for item in items]

    sensors = Sensor.objects.all() if actor is None else Sensor.objects.for_user(actor, "view")
    if site_id is not None:
        sensors = sensors.filter(asset__site_id=site_id)
    ids = {r for r in refs if type(r) is int}
    keys = {r for r in refs if type(r) is str}
    # The ids travel as one array parameter: a batch may name hundreds of sensors.
    by_ids = Q(id__in=RawSQL("SELECT unnest(%s::bigint[])", ("{" + ",".join(map(str, ids)) + "}",)))
    # No ordering: the model's default order joins the site and sorts, for a lookup.
    found = list(sensors.filter(is_active=True).filter(by_ids | Q(key__in=keys)).order_by()
                 .values_list("id", "key", "asset_id", "asset__site_id"))
    placement = {row[0]: (row[2], row[3]) for row in found}  # sensor: (asset, site)
    by_id = {row[0]: row[0] for row in found}
    by_key = {row[1]: row[0] for row in found}
    get_id, get_key = by_id.get, by_key.get
    sensor_ids = [get_id(r) if type(r) is int else get_key(r) if type(r) is str else None for r in refs]

    ts_us, ts_ok = _timestamps_us(stamps, now)
    value_ok = np.fromiter((type(v) is float or type(v) is int for v in values), bool, n)
    value = np.zeros(n, np.float64)
    if value_ok.all():
        value = np.array(values, np.float64)
    elif value_ok.any():
        value[value_ok] = np.array([v for v, ok in zip(values, value_ok, strict=True) if ok], np.float64)
    value_ok &= np.isfinite(value)
    sensor_ok = np.fromiter((s is not None for s in sensor_ids), bool, n)

    good = sensor_ok & ts_ok & value_ok
    if not good.all():
        result.errors = _item_errors(items, refs, stamps, values, np.flatnonzero(~good), sensor_ok, ts_ok, value_ok,
                                     now)
    if (atomic and result.errors) or dry_run:
        return result
    sid = np.array([s if s is not None else 0 for s in sensor_ids], np.int64)
    batch = Batch(sid[good], ts_us[good], value[good])
    if not len(batch):
        return result
    result.stored = _store(batch, {s: placement[s] for s in set(batch.sensor.tolist())})
    result.duplicates = len(batch) - result.stored
    return result


_NOT_AN_OBJECT: dict = {}
_fromiso = datetime.fromisoformat


def _timestamps_us(stamps: list, now: datetime) -> tuple[np.ndarray, np.ndarray]:
    """Microseconds since the epoch and validity of each timestamp: ISO 8601 strings with an
    offset, or epoch seconds; not beyond the allowed clock skew into the future."""
    n = len(stamps)
    out = np.zeros(n, np.int64)
    ok = np.zeros(n, bool)
    try:  # the usual batch: every timestamp an ISO string with an offset
        # Each distinct string is parsed once: a gateway's batch holds many sensors read at the
        # same instants (400 sensors at 1 Hz: 5,000 readings, 13 distinct timestamps).
        distinct = list(dict.fromkeys(stamps))  # TypeError for an unhashable item: slow path
        parsed = [_fromiso(s) for s in distinct]
        if any(d.tzinfo is None for d in parsed):
            raise ValueError
        # Exact microseconds without a timedelta per item: whole seconds from the float
        # timestamp (far from any rounding edge once the microseconds are taken off), plus
        # the microseconds themselves.
        micro = np.fromiter((d.microsecond for d in parsed), np.int64, len(parsed))
        seconds = np.fromiter((d.timestamp() for d in parsed), np.float64, len(parsed))
        us = np.round(seconds - micro / 1e6).astype(np.int64) * 1_000_000 + micro
        if len(distinct) == n:
            out[:] = us
        else:
            us_of = dict(zip(distinct, us.tolist(), strict=True))
            out[:] = np.fromiter(map(us_of.__getitem__, stamps), np.int64, n)
        ok[:] = True
    except (TypeError, ValueError):
        for i, raw in enumerate(stamps):
            ts, reason = _parse_ts(raw, now)
            if reason is None:
                out[i], ok[i] = to_us(ts), True
    ok &= out <= to_us(now + settings.INGEST_MAX_FUTURE)
    return out, ok


def _item_errors(items, refs, stamps, values, bad, sensor_ok, ts_ok, value_ok, now) -> list[dict]:
    errors = []
    for index in bad.tolist():
        if items[index] is _NOT_AN_OBJECT:
            errors.append({"index": index, "field": None, "reason": "each reading must be a JSON object"})
            continue
        if not sensor_ok[index]:
            ref = refs[index]
            reason = "the sensor is required" if ref is None else f"unknown sensor {ref!r}"[:120]
            errors.append({"index": index, "field": "sensor", "reason": reason})
        if not ts_ok[index]:
            _ts, reason = _parse_ts(stamps[index], now)
            errors.append({"index": index, "field": "ts", "reason": reason or "the timestamp is not valid"})
        if not value_ok[index]:
            _v, reason = _parse_value(values[index])
            errors.append({"index": index, "field": "value", "reason": reason or "the value is not valid"})
    return errors


def _store(batch: Batch, touched: dict[int, tuple[int, int]]) -> int:
    """Write a validated batch, then run what follows a write, in one transaction. A deadlock
    between concurrent writers is retried (the savepoint keeps an outer transaction usable)."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                stored = storage.write_batch(batch)
                after_readings_stored(batch, touched)
            return stored
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != "40P01" or attempt == 2:
                raise
    raise AssertionError("unreachable")


def after_readings_stored(batch: Batch, touched: dict[int, tuple[int, int]]) -> None:
    """The one place for what follows a write of readings, inside its transaction: alarm rules
    on the batch's (sensor_id, ts, value) rows, then the live push of the latest values of the
    touched sensors ({sensor: (asset, site)}) after commit."""
    alarms.evaluate_batch(batch)
    meters.update_from_batch(batch)
    _broadcast_latest(touched)


def _broadcast_latest(touched: dict[int, tuple[int, int]]) -> None:
    """The latest values of the touched assets, pushed after commit and coalesced per asset
    across batches and processes (telemetry.live)."""
    live.push_latest_on_commit(dict(touched.values()))


# --- Gateways, CSV imports, retention -----------------------------------------------------------


def issue_gateway(*, site, name: str, actor) -> tuple[Gateway, str]:
    """Register a gateway and return it with its API key; only a hash is kept, so the key is
    shown this once."""
    import secrets

    prefix = secrets.token_hex(4)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        gateway = Gateway(site=site, name=name, key_prefix=prefix, key_hash=Gateway.hash_key(key),
                          mqtt_password_hash=mosquitto_password_hash(key))
        gateway.full_clean()
        gateway.save()
        record(actor, "gateway.issue", gateway, changes={"name": name})
        transaction.on_commit(sync_broker_access)
    return gateway, key


@transaction.atomic
def revoke_gateway(gateway: Gateway, *, actor) -> Gateway:
    gateway.is_active = False
    gateway.save(update_fields=["is_active"])
    record(actor, "gateway.revoke", gateway)
    transaction.on_commit(sync_broker_access)
    return gateway


CSV_COLUMNS = ("sensor", "ts", "value")
CSV_MAX_ERRORS_KEPT = 200


def start_csv_import(*, upload, actor, atomic: bool = False) -> CsvImport:
    """Keep an uploaded CSV (columns sensor, ts, value; a header row) and queue its import."""
    # The job is listed on the uploader's (first) site; one who sees every site sees it anyway.
    site_ids = [] if actor.sees_all_sites else sorted(actor.site_ids)
    with transaction.atomic():
        job = CsvImport(uploaded_by=actor, original_name=upload.name[:200], atomic=atomic,
                        site_id=site_ids[0] if site_ids else None)
        job.file.save(upload.name, upload, save=False)
        job.save()
        record(actor, "csvimport.start", job, changes={"file": job.original_name})
        # By name: tasks import the services, not the other way round.
        transaction.on_commit(lambda: current_app.send_task("telemetry.import_csv", args=[job.pk]))
    return job


def _csv_value(raw: str):
    """CSV cells are text: numbers become numbers; anything else stays text and is refused by
    the same rules as the bulk endpoint."""
    raw = raw.strip()
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw


def run_csv_import(job_id: int) -> CsvImport:
    """Import a queued CSV in chunks through ``ingest_readings`` (the bulk endpoint's rules),
    streaming the file (never all of it in memory) and saving progress after each chunk. Row
    numbers in errors count the header as row 1. With ``atomic`` a first pass validates every
    row and nothing is stored if one is bad."""
    import csv
    import io
    from itertools import islice

    job = CsvImport.objects.select_related("uploaded_by").get(pk=job_id)
    if job.finished:
        return job  # idempotent: a second delivery of the task does nothing
    user = job.uploaded_by
    chunk = settings.TELEMETRY_CSV_CHUNK

    def open_rows():
        fh = job.file.open("rb")
        return fh, csv.reader(io.TextIOWrapper(fh, encoding="utf-8-sig", newline=""))

    try:
        fh, reader = open_rows()
        with fh:
            header = [h.strip().lower() for h in next(reader, [])]
            total = sum(1 for _ in reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        return _finish_csv(job, CsvImport.Status.FAILED, f"The file is not a readable UTF-8 CSV file: {exc}")
    if not header:
        return _finish_csv(job, CsvImport.Status.FAILED, "The file is empty.")
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        return _finish_csv(job, CsvImport.Status.FAILED,
                           f"The header must name the columns sensor, ts, value; missing: {', '.join(missing)}.")
    col = {c: header.index(c) for c in CSV_COLUMNS}
    # A second delivery after its worker died resumes after the last chunk saved: each chunk's
    # readings and its progress are committed together, so nothing is counted twice.
    resume_at = job.processed_rows if job.status == CsvImport.Status.RUNNING else 0
    job.total_rows, job.status, job.heartbeat_at = total, CsvImport.Status.RUNNING, timezone.now()
    job.save(update_fields=["total_rows", "status", "heartbeat_at"])

    def item(row):
        if len(row) < len(header):
            return None
        ref = row[col["sensor"]].strip()
        return {"sensor": int(ref) if ref.isdecimal() else ref, "ts": row[col["ts"]].strip(),
                "value": _csv_value(row[col["value"]])}

    def chunks():
        fh, reader = open_rows()
        with fh:
            next(reader, None)
            start = 0
            while part := list(islice(reader, chunk)):
                yield start, part
                start += len(part)

    kept: list[dict] = list(job.errors) if resume_at else []
    refused = job.refused if resume_at else 0
    if job.atomic:  # validate everything first; store nothing if any row is bad
        for start, part in chunks():
            errors = _csv_errors(part, [item(r) for r in part], start, user, check_only=True)
            refused += len({e["row"] for e in errors})
            kept += errors[:CSV_MAX_ERRORS_KEPT - len(kept)]
        if refused:
            job.refused, job.errors, job.processed_rows = refused, kept, total
            return _finish_csv(job, CsvImport.Status.FAILED,
                               f"Nothing was stored: {refused} rows are not valid (atomic import).")
    for start, part in chunks():
        if start < resume_at:
            continue
        with transaction.atomic():
            errors = _csv_errors(part, [item(r) for r in part], start, user, job=job)
            refused += len({e["row"] for e in errors})
            kept += errors[:CSV_MAX_ERRORS_KEPT - len(kept)]
            job.processed_rows, job.refused, job.errors = start + len(part), refused, kept
            job.heartbeat_at = timezone.now()
            job.save(update_fields=["processed_rows", "stored", "duplicates", "refused", "errors", "heartbeat_at"])
    message = f"{job.stored} readings stored, {job.duplicates} already there, {job.refused} rows refused."
    return _finish_csv(job, CsvImport.Status.DONE, message)


def expire_lost_imports(now: datetime | None = None) -> int:
    """Mark failed the imports whose worker is gone: running with no progress for longer than
    ``IMPORT_LEASE_SECONDS``, or queued and never started for a day. The readings already stored
    stay; uploading the file again stores the rest (the stored ones count as already there)."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.IMPORT_LEASE_SECONDS)
    lost = 0
    for job in CsvImport.objects.filter(Q(status=CsvImport.Status.RUNNING)
                                        & (Q(heartbeat_at__lt=now - lease)
                                           | Q(heartbeat_at__isnull=True, created_at__lt=now - lease))):
        _finish_csv(job, CsvImport.Status.FAILED,
                    f"Stopped after {job.processed_rows} of {job.total_rows} rows: the import made no progress for "
                    f"{settings.IMPORT_LEASE_SECONDS // 60} minutes (its worker stopped). {job.stored} readings were "
                    "stored; upload the file again to import the rest.")
        lost += 1
    for job in CsvImport.objects.filter(status=CsvImport.Status.QUEUED, created_at__lt=now - timedelta(days=1)):
        _finish_csv(job, CsvImport.Status.FAILED, "Never started: no worker took the import. Upload the file again.")
        lost += 1
    if lost:
        logger.warning("CSV imports marked failed: their worker was lost", extra={"imports": lost})
    return lost


def _csv_errors(part, items, start, user, *, job=None, check_only=False) -> list[dict]:
    """Ingest (or only validate) one chunk; errors carry the file's row number."""
    errors = []
    valid_positions = []
    for i, it in enumerate(items):
        if it is None:
            errors.append({"row": start + i + 2, "field": None, "reason": "the row has too few columns"})
        else:
            valid_positions.append(i)
    shaped = [items[i] for i in valid_positions]
    if shaped:
        result = (validate_readings(shaped, actor=user) if check_only
                  else ingest_readings(shaped, actor=user))
        for e in result.errors:
            errors.append({"row": start + valid_positions[e["index"]] + 2, "field": e["field"], "reason": e["reason"]})
        if job is not None:
            job.stored += result.stored
            job.duplicates += result.duplicates
    return sorted(errors, key=lambda e: e["row"])


def validate_readings(items, *, actor=None) -> IngestResult:
    """The checks of ``ingest_readings`` without storing anything."""
    return ingest_readings(items, actor=actor, atomic=True, dry_run=True)


def _finish_csv(job: CsvImport, status: str, message: str) -> CsvImport:
    job.status, job.message, job.finished_at = status, message[:300], timezone.now()
    job.save()
    record(job.uploaded_by, f"csvimport.{status}", job, changes={"message": job.message})
    return job


def apply_retention(*, now: datetime | None = None, actor=None) -> dict:
    """Drop raw readings older than TELEMETRY_RAW_RETENTION_DAYS (whole days), keeping the
    rollups; make sure the partitions of the coming week exist."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TELEMETRY_RAW_RETENTION_DAYS)
    with transaction.atomic():
        done = storage.drop_raw_before(cutoff)
        storage.prepare(now, now + timedelta(days=7))
    logger.info("telemetry retention applied", extra={"cutoff": cutoff.isoformat(), **done})
    return {"cutoff": cutoff, **done}
