"""Features of a sensor's recent window: the same function serves training and assessment, so
the model sees in production exactly what it was trained on."""

from __future__ import annotations

import numpy as np

from predictions.constants import EWM_HALFLIFE_SECONDS

STATS = ("last", "mean", "std", "min", "max", "slope", "ewm")


def feature_names(metrics: list[str]) -> list[str]:
    return [f"{metric}__{stat}" for metric in metrics for stat in STATS]


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


def vector(windows_by_metric: dict[str, tuple], metrics: list[str]) -> np.ndarray:
    """One row of the feature matrix from {metric: (epochs, values)}; missing metrics are NaN."""
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
