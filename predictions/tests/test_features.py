"""Features of a window on signals whose statistics are known exactly."""

from datetime import UTC

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


def test_each_configured_window_summarises_its_own_stretch_of_the_signal():
    """A ramp that went flat 10 minutes ago: the 10-minute window sees the flat part only, the
    30-minute window also sees the climb."""
    from predictions.features import FeatureLayout

    layout = FeatureLayout(("vibration",), (600, 1800), asset_features=True)
    assert layout.names[:2] == ["vibration__last__10m", "vibration__mean__10m"]
    assert "vibration__slope__30m" in layout.names and layout.names[-2:] == ["asset__age_days",
                                                                               "asset__running_hours"]
    t = np.arange(0.0, 1800.0, 10.0)
    v = np.where(t < 1200.0, t / 60.0, 20.0)  # +1 per minute for 20 minutes, then flat at 20
    row = layout.row({"vibration": (t, v)}, t_end=t[-1], extras=(400.0, 9000.0))
    f = dict(zip(layout.names, row, strict=True))
    assert f["vibration__slope__10m"] == pytest.approx(0.0, abs=1e-9)
    assert f["vibration__min__10m"] == 20.0
    assert f["vibration__slope__30m"] > 0.5 and f["vibration__min__30m"] == 0.0
    assert f["asset__age_days"] == 400.0 and f["asset__running_hours"] == 9000.0
    # A model trained before several windows existed keeps its own layout.
    legacy = FeatureLayout.from_params({"metrics": ["vibration"], "window_seconds": 600})
    assert legacy.names == feature_names(["vibration"]) and legacy.windows == (600,)


@pytest.mark.django_db
def test_age_and_running_hours_come_from_install_date_and_the_hours_meter(plant):
    from datetime import date, datetime, timedelta

    from assets.models import Meter
    from assets.services import record_meter_reading
    from predictions.features import asset_extras

    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    plant.asset_a.install_date = date(2025, 6, 1)
    plant.asset_a.save()
    meter = Meter.objects.create(asset=plant.asset_a, name="Hours", kind="running_hours")
    record_meter_reading(meter, 1000, at=now - timedelta(days=30))
    record_meter_reading(meter, 1500, at=now - timedelta(days=1))
    extras = asset_extras([plant.asset_a, plant.asset_b], now)
    assert extras[0].tolist() == [365.0, 1500.0]
    assert np.isnan(extras[1]).all()  # no install date, no meter: unknown, not zero
    # At a past instant the hours are what the meter said then.
    past = asset_extras([plant.asset_a], now - timedelta(days=10), historical=True)
    assert past[0].tolist() == [355.0, 1000.0]
