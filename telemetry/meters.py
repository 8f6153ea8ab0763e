"""Derived meters: running hours or cycles of an asset counted from one of its sensors (the
machine runs while the value is above a threshold), fed into the asset registry's meters and so
into meter-based maintenance.

Counted per ingested batch, in the ingest transaction, from the state kept on the
``DerivedMeter`` row (running or not, last reading time), so batches from any process continue
the same count. The meter gets a reading each time at least ``RECORD_STEP`` has accumulated,
not one per batch.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from prosync.core.recording import record
from telemetry.alarms import batch_rows, batch_sensor_ids
from telemetry.choices import DerivedMeterMode
from telemetry.models import DerivedMeter

logger = logging.getLogger(__name__)

# Hours (0.1 h = 6 min) or cycles gathered before the meter gets a new reading: fine enough for
# meter-based maintenance (intervals of hundreds of hours), and one meter reading every few
# minutes of running instead of one per batch.
RECORD_STEP = {DerivedMeterMode.RUNNING_HOURS: 0.1, DerivedMeterMode.CYCLES: 1.0}


def count(dm: DerivedMeter, points: Sequence[tuple[datetime, float]]) -> float:
    """Advance the meter's state through the points (sorted by time); returns what they add.
    Points not newer than the last one counted (late or repeated data) are skipped."""
    added = 0.0
    for ts, value in points:
        if dm.last_ts is not None and ts <= dm.last_ts:
            continue
        running = value > dm.threshold
        if dm.mode == DerivedMeterMode.RUNNING_HOURS:
            if dm.is_running and dm.last_ts is not None:
                gap = (ts - dm.last_ts).total_seconds()
                if gap <= dm.max_gap_s:
                    added += gap / 3600
        elif running and not dm.is_running:
            added += 1
        dm.is_running, dm.last_ts = running, ts
    return added


def update_from_batch(batch) -> int:
    """Count the batch's readings into the derived meters of their sensors; one query when no
    sensor of the batch has one. ``batch`` is a ``telemetry.backends.Batch`` or (sensor_id, ts,
    value) rows. Returns the number of meters given a reading."""
    # The ids travel as one array literal: a batch names hundreds of sensors, and adapting each
    # as a parameter of an IN list cost more than the query.
    ids = "{" + ",".join(map(str, batch_sensor_ids(batch))) + "}"
    meters = list(DerivedMeter.objects.select_for_update(of=("self",))
                  .filter(sensor_id__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)), is_enabled=True)
                  .order_by("id"))
    if not meters:
        return 0
    points: dict[int, list] = defaultdict(list)
    for sensor_id, ts, value in batch_rows(batch, {dm.sensor_id for dm in meters}):
        points[sensor_id].append((ts, value))
    recorded = 0
    for dm in meters:
        pts = sorted(points[dm.sensor_id], key=lambda p: p[0])
        dm.pending += count(dm, pts)
        if dm.pending >= RECORD_STEP[dm.mode] and _record(dm):
            recorded += 1
    with connection.cursor() as cursor:  # one UPDATE (bulk_update's CASE per row costs more than counting)
        cursor.execute(
            f"UPDATE {DerivedMeter._meta.db_table} d SET is_running = v.is_running, last_ts = v.last_ts, "
            "pending = v.pending FROM unnest(%s::bigint[], %s::boolean[], %s::timestamptz[], %s::float8[]) "
            "AS v(id, is_running, last_ts, pending) WHERE d.id = v.id",
            [[dm.pk for dm in meters], [dm.is_running for dm in meters], [dm.last_ts for dm in meters],
             [dm.pending for dm in meters]])
    return recorded


def _record(dm: DerivedMeter) -> bool:
    """Add the pending amount to the asset meter through the registry's service (which keeps
    meters counting up and rolls hours down the asset tree)."""
    from assets.models import Meter
    from assets.services import record_meter_reading

    meter = Meter.objects.get(pk=dm.meter_id)
    step = Decimal(str(round(dm.pending, 3)))
    try:
        with transaction.atomic():
            record_meter_reading(meter, meter.current_value + step, at=timezone.now(), source="telemetry")
    except ValidationError as exc:  # the readings stay stored; the meter catches up on the next batch
        logger.warning("derived meter reading refused", extra={"meter": meter.pk, "error": str(exc)})
        return False
    dm.pending -= float(step)
    return True


@transaction.atomic
def create_derived_meter(*, actor, **fields) -> DerivedMeter:
    dm = DerivedMeter(**fields)
    dm.full_clean()
    dm.save()
    record(actor, "derivedmeter.create", dm,
           changes={"sensor": dm.sensor_id, "meter": dm.meter_id, "mode": dm.mode, "threshold": dm.threshold})
    return dm


@transaction.atomic
def update_derived_meter(dm: DerivedMeter, *, actor, **changes) -> DerivedMeter:
    dm = DerivedMeter.objects.select_for_update().get(pk=dm.pk)
    changed = {}
    for field in ("sensor", "meter", "mode", "threshold", "max_gap_s", "is_enabled"):
        if field in changes and getattr(dm, field) != changes[field]:
            setattr(dm, field, changes[field])
            changed[field] = getattr(changes[field], "pk", changes[field])
    if changed:
        dm.full_clean()
        dm.save()
        record(actor, "derivedmeter.update", dm, changes=changed)
    return dm
