"""Training labels from what the plant has recorded: failures (completed corrective or emergency
work orders with a problem code, and predicted faults a technician confirmed), inspections that
found nothing, and machines that simply kept running. Features are computed at past instants
through the same fleet statistics the scheduled assessment uses, so a model trained on history
reads the store exactly as it will in production."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.utils import timezone

from assets.models import Asset, AssetCategory
from predictions.features import FeatureLayout, asset_extras
from predictions.models import FeedbackLabel
from predictions.training import Dataset
from telemetry.models import Sensor
from workorders.choices import WorkOrderStatus, WorkOrderType
from workorders.models import WorkOrder

UNIT_SECONDS = {"minutes": 60.0, "hours": 3600.0, "cycles": 60.0}
POINTS_PER_RUN = 40  # instants sampled in the life before each failure
HEALTHY_POINTS_PER_ASSET = 8  # instants sampled where the machine is known to have lived on
SNAP_SECONDS = 30  # instants are rounded to this grid so that assets share statistics queries


@dataclass
class Label:
    asset_id: int
    at: datetime
    rul: float
    failed_within_horizon: int
    group: str


@dataclass
class HistoryLabels:
    labels: list[Label] = field(default_factory=list)
    failures: int = 0
    failures_from_work_orders: int = 0
    failures_confirmed_by_feedback: int = 0
    no_fault_inspections: int = 0
    healthy_assets: int = 0
    start: datetime | None = None
    end: datetime | None = None


def failure_orders(category: AssetCategory):
    """Work orders that record a failure: corrective or emergency, done, with a problem code."""
    return WorkOrder.objects.filter(
        asset__category=category, kind__in=[WorkOrderType.CORRECTIVE, WorkOrderType.EMERGENCY],
        status__in=[WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED], completed_at__isnull=False,
        problem_code__isnull=False)


def failure_events(category: AssetCategory) -> tuple[dict[int, list[datetime]], int, int]:
    """{asset: [failure instants]} from corrective/emergency orders completed with a problem code
    and from confirmed predictions. A confirmed prediction and the corrective order that repaired
    the same fault are one failure, not two."""
    orders = list(failure_orders(category).values_list("asset_id", "completed_at"))
    confirmed = list(FeedbackLabel.objects.filter(asset__category=category, fault_confirmed=True)
                     .values_list("asset_id", "labelled_at"))
    raw: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for asset_id, at in orders:
        raw[asset_id].append((at, "order"))
    for asset_id, at in confirmed:
        raw[asset_id].append((at, "feedback"))
    events: dict[int, list[datetime]] = {}
    from_orders = from_feedback = 0
    for asset_id, items in raw.items():
        merged: list[tuple[datetime, str]] = []
        for at, kind in sorted(items):
            if merged and at - merged[-1][0] < timedelta(hours=24):
                continue  # the same fault recorded twice
            merged.append((at, kind))
        events[asset_id] = [at for at, _ in merged]
        from_orders += sum(kind == "order" for _, kind in merged)
        from_feedback += sum(kind == "feedback" for _, kind in merged)
    return events, from_orders, from_feedback


def label_history(category: AssetCategory, *, rul_cap: float, horizon: float, rul_unit: str = "minutes",
                  now: datetime | None = None, seed: int = 11) -> HistoryLabels:
    """The instants to learn from, with their labels (piecewise-linear RUL capped at ``rul_cap``
    and failure within ``horizon``, both in ``rul_unit``)."""
    now = now or timezone.now()
    unit = UNIT_SECONDS[rul_unit]
    cap_s, horizon_s = rul_cap * unit, horizon * unit
    rng = np.random.default_rng(seed)
    events, from_orders, from_feedback = failure_events(category)
    out = HistoryLabels(failures_from_work_orders=from_orders, failures_confirmed_by_feedback=from_feedback)
    lookback = timedelta(seconds=3 * cap_s)
    for asset_id, instants in events.items():
        previous = None
        for n, failed_at in enumerate(instants):
            start = failed_at - lookback if previous is None else max(previous, failed_at - lookback)
            span = (failed_at - start).total_seconds()
            for offset in np.sort(rng.uniform(0.0, span, POINTS_PER_RUN)):
                left = span - offset  # seconds from this instant to the failure
                out.labels.append(Label(asset_id, start + timedelta(seconds=float(offset)), min(rul_cap, left / unit),
                                        int(left <= horizon_s), f"{asset_id}:{n}"))
            previous = failed_at
            out.failures += 1
    # An inspection that found nothing: the machine was not about to fail.
    for asset_id, at in FeedbackLabel.objects.filter(asset__category=category, fault_confirmed=False).values_list(
            "asset_id", "labelled_at"):
        out.labels.append(Label(asset_id, at, rul_cap, 0, f"{asset_id}:nff:{at.timestamp():.0f}"))
        out.no_fault_inspections += 1
    # Machines that lived on for at least the cap after an instant (and did not fail before the
    # next failure, if any) were at the cap then: those instants are healthy labels.
    last_failure = {asset_id: max(instants) for asset_id, instants in events.items()}
    latest_healthy = now - timedelta(seconds=cap_s)
    for asset_id in Asset.objects.filter(category=category).values_list("pk", flat=True):
        earliest = max(last_failure.get(asset_id, latest_healthy - lookback), latest_healthy - lookback)
        span = (latest_healthy - earliest).total_seconds()
        if span <= 0:
            continue
        for offset in rng.uniform(0.0, span, HEALTHY_POINTS_PER_ASSET):
            out.labels.append(Label(asset_id, earliest + timedelta(seconds=float(offset)), rul_cap, 0,
                                    f"{asset_id}:healthy"))
        out.healthy_assets += 1
    if out.labels:
        out.start = min(label.at for label in out.labels)
        out.end = max(label.at for label in out.labels)
    return out


def history_dataset(category: AssetCategory, layout: FeatureLayout, *, rul_cap: float, horizon: float,
                    rul_unit: str = "minutes", now: datetime | None = None, seed: int = 11) -> Dataset | None:
    """Features at each labelled instant; instants with no reading in any window are dropped.
    Statistics queries: one per window and distinct instant (instants are snapped to a grid),
    each covering every asset labelled at that instant."""
    found = label_history(category, rul_cap=rul_cap, horizon=horizon, rul_unit=rul_unit, now=now, seed=seed)
    if not found.labels:
        return None
    assets = {a.pk: a for a in Asset.objects.filter(pk__in={label.asset_id for label in found.labels})}
    sensors_of: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for sensor_id, asset_id, metric in Sensor.objects.filter(asset_id__in=list(assets), metric__in=layout.metrics
                                                             ).values_list("id", "asset_id", "metric"):
        sensors_of[asset_id].append((sensor_id, metric))
    by_instant: dict[datetime, list[Label]] = defaultdict(list)
    for label in found.labels:
        epoch = label.at.timestamp()
        snapped = datetime.fromtimestamp(epoch - epoch % SNAP_SECONDS, tz=label.at.tzinfo)
        by_instant[snapped].append(label)
    rows, kept = [], []
    for instant, labels in sorted(by_instant.items()):
        members = [assets[label.asset_id] for label in labels]
        sensors = [(sid, i, metric) for i, label in enumerate(labels) for sid, metric in sensors_of[label.asset_id]]
        extras = asset_extras(members, instant, historical=True) if layout.asset_features else None
        X, has_data = layout.fleet_matrix(sensors, len(labels), instant, extras)
        rows.append(X[has_data])
        kept.extend(label for label, ok in zip(labels, has_data, strict=True) if ok)
    if not kept:
        return None
    group_ids = {g: i for i, g in enumerate(sorted({label.group for label in kept}))}
    counts = {"failures": found.failures, "failures_from_work_orders": found.failures_from_work_orders,
              "failures_confirmed_by_feedback": found.failures_confirmed_by_feedback,
              "no_fault_inspections": found.no_fault_inspections, "healthy_assets": found.healthy_assets,
              "history_rows": len(kept)}
    return Dataset(np.vstack(rows), np.array([label.rul for label in kept]),
                   np.array([label.failed_within_horizon for label in kept]),
                   np.array([group_ids[label.group] for label in kept]), list(layout.metrics),
                   source=describe(counts), rul_cap=rul_cap, horizon=horizon, rul_unit=rul_unit,
                   window_seconds=layout.longest, layout=layout,
                   training_window=(found.start.isoformat(), found.end.isoformat()), label_counts=counts)


def describe(counts: dict) -> str:
    return (f"recorded history: {counts['failures']} failures ({counts['failures_from_work_orders']} corrective "
            f"orders, {counts['failures_confirmed_by_feedback']} confirmed predictions), "
            f"{counts['no_fault_inspections']} no-fault inspections, {counts['healthy_assets']} machines running on")
