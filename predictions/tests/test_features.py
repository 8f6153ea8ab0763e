"""Features of a window on signals whose statistics are known exactly."""

import numpy as np
import pytest

from predictions.features import STATS, feature_names, vector, window_features


def stat(values, name):
    return values[STATS.index(name)]


def test_ramp_gives_its_slope_per_minute_and_its_extremes():
    t = np.arange(0, 600, 2.0)  # ten minutes every 2 s
    v = 10.0 + 0.5 * t / 60.0  # rises 0.5 per minute
    f = window_features(t, v)
    assert stat(f, "slope") == pytest.approx(0.5)
    assert stat(f, "last") == pytest.approx(v[-1])
    assert stat(f, "min") == pytest.approx(10.0)
    assert stat(f, "max") == pytest.approx(v[-1])
    assert stat(f, "mean") == pytest.approx(v.mean())
    # The weighted mean leans to recent values: above the plain mean on a rising ramp.
    assert stat(f, "mean") < stat(f, "ewm") < stat(f, "last")


def test_constant_signal_has_no_spread_and_no_slope():
    t = np.arange(0, 100, 1.0)
    f = window_features(t, np.full(100, 3.25))
    assert stat(f, "std") == 0
    assert stat(f, "slope") == 0
    assert stat(f, "ewm") == pytest.approx(3.25)


def test_std_of_alternating_signal():
    t = np.arange(0, 10, 1.0)
    f = window_features(t, np.array([1.0, -1.0] * 5))
    assert stat(f, "std") == pytest.approx(1.0)


def test_missing_metric_is_nan_not_zero():
    row = vector({"vibration": (np.array([0.0, 1.0]), np.array([2.0, 2.0]))}, ["vibration", "temperature"])
    names = feature_names(["vibration", "temperature"])
    assert len(row) == len(names)
    assert not np.isnan(row[names.index("vibration__mean")])
    assert np.isnan(row[names.index("temperature__mean")])


@pytest.mark.django_db
def test_database_statistics_equal_the_training_features(plant):
    """Assessment computes features in PostgreSQL, training in numpy: they must agree."""
    from datetime import timedelta

    from django.utils import timezone

    from conftest import degrading_readings
    from predictions.features import fleet_window_features
    from telemetry.models import Reading
    from telemetry.services import ingest_readings

    ingest_readings(degrading_readings(plant.sensors_a, wear_from=0.3, wear_to=0.9, minutes=6))
    vib = plant.sensors_a["vibration"]
    ingest_readings([{"sensor": plant.sensors_b["vibration"].pk, "ts": timezone.now().isoformat(), "value": 3.0}])
    now = timezone.now()
    sql = fleet_window_features([s.pk for s in plant.sensors_a.values()] + [plant.sensors_b["vibration"].pk],
                                now - timedelta(minutes=10), now)
    rows = list(Reading.objects.filter(sensor=vib).order_by("ts").values_list("ts", "value"))
    t = np.array([ts.timestamp() for ts, _ in rows])
    v = np.array([value for _, value in rows])
    assert sql[vib.pk] == pytest.approx(window_features(t, v), rel=1e-6, abs=1e-9)
    single = sql[plant.sensors_b["vibration"].pk]  # one reading: no spread, no slope
    assert single[STATS.index("std")] == 0 and single[STATS.index("slope")] == 0 and single[0] == 3.0
    assert len(sql) == 5


def test_conformal_margin_widens_a_too_narrow_interval_to_the_nominal_coverage():
    from predictions.training import conformal_margin

    rng = np.random.default_rng(0)
    y = rng.normal(0.0, 1.0, 2000)
    lo, hi = np.full(2000, -0.5), np.full(2000, 0.5)  # covers about 38 %
    margin = conformal_margin(y, lo, hi, 0.8)
    assert margin == pytest.approx(1.2816 - 0.5, abs=0.08)  # the 90 % quantile of |N(0,1)| less 0.5
    fresh = rng.normal(0.0, 1.0, 20000)
    assert np.mean((fresh >= -0.5 - margin) & (fresh <= 0.5 + margin)) == pytest.approx(0.8, abs=0.02)
    assert conformal_margin(y, np.full(2000, -5.0), np.full(2000, 5.0), 0.8) < 0  # too wide: it narrows
