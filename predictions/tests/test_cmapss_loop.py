"""C-MAPSS engines in the product: imported as assets with readings, scored by a health model
trained on the same window statistics, so alerts and work orders follow."""

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from assets.models import Asset
from predictions import services
from predictions.models import HealthAssessment, ModelVersion
from telemetry.models import Reading


def write_cmapss(path, engines=12, seed=0):
    """A file in C-MAPSS's format: 26 columns; a few sensors drift towards failure, others are flat."""
    rng = np.random.default_rng(seed)
    lines = []
    for unit in range(1, engines + 1):
        life = int(rng.integers(120, 220))
        for cycle in range(1, life + 1):
            wear = (cycle / life) ** 2
            settings = [rng.normal(0, 0.002), rng.normal(0, 0.0003), 100.0]
            sensors = [518.67, 642 + 2 * wear + rng.normal(0, 0.2), 1590 + 25 * wear + rng.normal(0, 2),
                       1400 + 40 * wear + rng.normal(0, 3), 14.62, 21.61, 554 - 4 * wear + rng.normal(0, 0.3)]
            sensors += [2388 + rng.normal(0, 0.05) for _ in range(14)]
            lines.append(" ".join(f"{v:.4f}" for v in [unit, cycle, *settings, *sensors]))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.django_db
def test_import_creates_engines_and_an_active_model_that_scores_them(tmp_path, capsys):
    path = write_cmapss(tmp_path / "train.txt")
    call_command("import_cmapss", "--train", str(path), "--engines", "6", "--rounds", "60")
    out = capsys.readouterr().out
    assert "6 engines" in out and "RUL RMSE" in out
    engines = Asset.objects.filter(site__code="cmapss")
    assert engines.count() == 6 and all(e.category.name == "Turbofan engine" for e in engines)
    assert Reading.objects.filter(sensor__asset__in=engines).exists()
    mv = ModelVersion.objects.get(category__name="Turbofan engine")
    assert mv.status == "active" and mv.params["rul_unit"] == "cycles" and mv.params["rul_cap"] == 125
    report = services.assess_fleet()
    assert report.assessed == 6
    scores = HealthAssessment.objects.filter(asset__in=engines)
    assert all(0 <= a.health_score <= 100 and a.rul <= 125 for a in scores)


@pytest.mark.django_db
def test_engines_cut_near_failure_score_worse_than_fresh_ones(tmp_path):
    path = write_cmapss(tmp_path / "train.txt", engines=16)
    call_command("import_cmapss", "--train", str(path), "--engines", "16", "--rounds", "60")
    services.assess_fleet()
    by_engine = {a.asset.description: a for a in HealthAssessment.objects.select_related("asset")}
    remaining = []
    for description, a in by_engine.items():
        shown, last = (int(x) for x in description.split(": ")[1].split(" cycles")[0].split(" of "))
        remaining.append((last - shown, a.rul))
    true, pred = np.array(remaining, dtype=float).T
    assert np.corrcoef(np.minimum(true, 125), pred)[0, 1] > 0.5


@pytest.mark.django_db
def test_a_malformed_file_is_a_clear_command_error(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1 1 0.1 0.2\n")
    with pytest.raises(CommandError, match="line 1"):
        call_command("import_cmapss", "--train", str(bad))
    with pytest.raises(CommandError):
        call_command("import_cmapss", "--train", str(tmp_path / "missing.txt"))


@pytest.mark.django_db
def test_assessment_reads_the_engines_multi_scale_features_as_trained(tmp_path):
    """The engine model is trained on windows of 10 cycles up to the whole history, computed in
    numpy; the assessment computes them in the database. If they disagreed the health shown would
    be that of another engine state."""
    from datetime import timedelta

    from django.utils import timezone

    from predictions import cmapss, cmapss_loop

    df = cmapss.read_cmapss(write_cmapss(tmp_path / "train.txt", engines=3))
    sensors = cmapss_loop.informative_sensors(df)
    end = timezone.now()
    result = cmapss_loop.import_engines(df, sensors, engines=3, end=end)
    layout = cmapss_loop.engine_layout(sensors)
    assert max(layout.windows) >= df.groupby("unit")["cycle"].max().max() * cmapss_loop.CYCLE_SECONDS
    engines = list(Asset.objects.filter(site__code="cmapss").order_by("tag"))
    ids = [(s.pk, row, s.metric) for row, a in enumerate(engines) for s in a.sensors.all()]
    # A moment after the import, as the scheduled assessment sees it.
    X, has_data = layout.fleet_matrix(ids, len(engines), end + timedelta(seconds=1))
    assert has_data.all()
    for row, asset in enumerate(engines):
        unit = int(asset.tag.split("-")[1])
        cut, _ = result["cuts"][unit]
        engine = df[df["unit"] == unit]
        t = engine["cycle"].to_numpy() * float(cmapss_loop.CYCLE_SECONDS)
        trained = layout.row({s: (t, engine[s].to_numpy()) for s in sensors}, cut * float(cmapss_loop.CYCLE_SECONDS))
        np.testing.assert_allclose(X[row], trained, rtol=1e-6, atol=1e-6)
