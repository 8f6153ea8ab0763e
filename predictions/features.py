"""Features of an asset's recent readings: per sensor and per window, the last value, mean, std,
min, max, slope and exponentially weighted mean; plus the asset's age and running hours. The
same layout serves training (numpy on whole histories) and assessment (statistics computed by
the telemetry store for the whole fleet at once), so the model sees in production exactly what
it was trained on. A model version records its layout in its params."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings

from predictions.constants import EWM_HALFLIFE_SECONDS, WINDOW_SECONDS

STATS = ("last", "mean", "std", "min", "max", "slope", "ewm")
ASSET_FEATURES = ("asset__age_days", "asset__running_hours")


def window_label(seconds: float) -> str:
    """600 -> '10m', 3600 -> '1h', 86400 -> '1d', 45 -> '45s'."""
    s = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size and s % size == 0:
            return f"{s // size}{unit}"
    return f"{s}s"


def window_features(epochs, values, halflife_s: float = EWM_HALFLIFE_SECONDS) -> np.ndarray:
    """[last, mean, std, min, max, slope per minute, exponentially weighted mean]; NaN when empty."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return np.full(len(STATS), np.nan)
    t = np.asarray(epochs, dtype=float)
    if v.size > 1:
        tc = t - t.mean()
        denom = float(np.dot(tc, tc))
        slope = float(np.dot(tc, v - v.mean()) / denom) * 60.0 if denom > 0 else 0.0
    else:
        slope = 0.0
    weights = np.exp(-(t[-1] - t) * np.log(2.0) / halflife_s)
    ewm = float(np.dot(weights, v) / weights.sum())
    return np.array([v[-1], v.mean(), v.std(), v.min(), v.max(), slope, ewm])


def configured_windows() -> tuple[int, ...]:
    windows = tuple(int(w) for w in getattr(settings, "PREDICTION_WINDOWS_SECONDS", (WINDOW_SECONDS,)))
    if not windows or min(windows) <= 0:
        raise ValueError("PREDICTION_WINDOWS_SECONDS needs at least one positive window length")
    return windows


@dataclass(frozen=True)
class FeatureLayout:
    """Which features a model reads, in which order."""

    metrics: tuple[str, ...]
    windows: tuple[int, ...] = (WINDOW_SECONDS,)
    halflife_s: float = EWM_HALFLIFE_SECONDS
    asset_features: bool = True
    legacy: bool = False  # versions trained before several windows existed: one window, bare names

    @classmethod
    def default(cls, metrics: Sequence[str], *, asset_features: bool = True) -> FeatureLayout:
        return cls(tuple(metrics), configured_windows(), EWM_HALFLIFE_SECONDS, asset_features)

    @classmethod
    def from_params(cls, params: dict) -> FeatureLayout:
        halflife = float(params.get("ewm_halflife_seconds", EWM_HALFLIFE_SECONDS))
        if "windows" not in params:
            return cls(tuple(params["metrics"]), (int(params.get("window_seconds", WINDOW_SECONDS)),), halflife,
                       asset_features=False, legacy=True)
        return cls(tuple(params["metrics"]), tuple(int(w) for w in params["windows"]), halflife,
                   bool(params.get("asset_features", False)))

    def to_params(self) -> dict:
        return {"metrics": list(self.metrics), "windows": list(self.windows), "window_seconds": max(self.windows),
                "ewm_halflife_seconds": self.halflife_s, "asset_features": self.asset_features}

    @property
    def longest(self) -> int:
        return max(self.windows)

    @property
    def names(self) -> list[str]:
        if self.legacy:
            return [f"{m}__{s}" for m in self.metrics for s in STATS]
        names = [f"{m}__{s}__{window_label(w)}" for w in self.windows for m in self.metrics for s in STATS]
        return names + list(ASSET_FEATURES if self.asset_features else ())

    def row(self, series: dict[str, tuple], t_end: float, extras: Sequence[float] = (np.nan, np.nan)) -> np.ndarray:
        """One row from whole histories {metric: (epochs, values)} cut at ``t_end``; missing
        metrics and empty windows are NaN, never zero."""
        parts = []
        for w in self.windows:
            for m in self.metrics:
                epochs, values = series.get(m, ((), ()))
                epochs, values = np.asarray(epochs, dtype=float), np.asarray(values, dtype=float)
                sel = (epochs > t_end - w) & (epochs <= t_end)
                parts.append(window_features(epochs[sel], values[sel], self.halflife_s))
        if self.asset_features:
            parts.append(np.asarray(extras, dtype=float))
        return np.concatenate(parts)

    def fleet_matrix(self, sensors: Sequence[tuple[int, int, str]], n_rows: int, until: datetime,
                     extras: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Feature matrix of many assets at ``until`` from ``sensors`` = [(sensor id, row, metric)]:
        one statistics query per window whatever the number of assets. Returns (X, has_data)."""
        col_of = {m: j for j, m in enumerate(self.metrics)}
        sensors = [s for s in sensors if s[2] in col_of]
        ids = [s[0] for s in sensors]
        cubes = []
        for w in self.windows:
            stats = fleet_window_features(ids, until - timedelta(seconds=w), until, self.halflife_s)
            cube = np.full((n_rows, len(self.metrics), len(STATS)), np.nan)
            for sensor_id, row, metric in sensors:
                if sensor_id in stats:
                    cube[row, col_of[metric]] = stats[sensor_id]
            cubes.append(cube.reshape(n_rows, -1))
        has_data = ~np.isnan(np.hstack(cubes)).all(axis=1) if cubes else np.zeros(n_rows, dtype=bool)
        if self.asset_features:
            cubes.append(np.full((n_rows, len(ASSET_FEATURES)), np.nan) if extras is None else extras)
        return np.hstack(cubes), has_data


def feature_names(metrics: list[str]) -> list[str]:
    """Names of the single-window layout without asset features (kept for older model versions)."""
    return FeatureLayout(tuple(metrics), legacy=True).names


def vector(windows_by_metric: dict[str, tuple], metrics: list[str]) -> np.ndarray:
    """One row of the single-window layout from {metric: (epochs, values)}; missing metrics are NaN."""
    parts = [window_features(*windows_by_metric.get(m, ((), ()))) for m in metrics]
    return np.concatenate(parts) if parts else np.empty(0)


def fleet_window_features(sensor_ids: list[int], since, until,
                          halflife_s: float = EWM_HALFLIFE_SECONDS) -> dict[int, np.ndarray]:
    """``window_features`` of many sensors at once, computed by the telemetry store in one
    query (only one row of statistics per sensor leaves the database). Same definitions as
    ``window_features``; a test holds the two to the same numbers."""
    from telemetry import storage

    assert storage.WINDOW_STATISTICS == STATS
    stats = storage.window_statistics(sensor_ids, since, until, halflife_s)
    return {sensor_id: np.array(values, dtype=float) for sensor_id, values in stats.items()}


def asset_extras(assets: Sequence, now: datetime, *, historical: bool = False) -> np.ndarray:
    """Age in days (from the install date) and running hours (from the asset's running-hours
    meter) of each asset at ``now``; NaN where unknown. For a past instant (``historical``) the
    hours are the last meter reading taken by then, not today's value. Two queries at most."""
    out = np.full((len(assets), len(ASSET_FEATURES)), np.nan)
    today = now.date()
    row_of = {}
    for i, asset in enumerate(assets):
        row_of.setdefault(asset.pk, []).append(i)
        if asset.install_date and asset.install_date <= today:
            out[i, 0] = float((today - asset.install_date).days)
    from django.apps import apps

    try:
        meter_model = apps.get_model("assets", "Meter")
        reading_model = apps.get_model("assets", "MeterReading")
    except LookupError:
        return out
    if historical:
        hours = (reading_model.objects
                 .filter(meter__asset_id__in=list(row_of), meter__kind="running_hours", at__lte=now)
                 .order_by("meter__asset_id", "-at").distinct("meter__asset_id")
                 .values_list("meter__asset_id", "value"))
    else:
        hours = (meter_model.objects
                 .filter(asset_id__in=list(row_of), kind="running_hours", last_reading_at__isnull=False)
                 .order_by("asset_id", "pk").distinct("asset_id").values_list("asset_id", "current_value"))
    for asset_id, value in hours:
        for i in row_of[asset_id]:
            out[i, 1] = float(value)
    return out
