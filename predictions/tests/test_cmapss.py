"""The C-MAPSS benchmark on synthetic files in the exact C-MAPSS format (engines whose sensors drift
towards failure, with noise), so that it runs without NASA's data; one test on the real training
file when CMAPSS_TRAIN names it."""

from __future__ import annotations

import json
import math
import os
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from predictions import cmapss

CONSTANT_SENSORS = {1: 518.67, 5: 14.62, 10: 1.3, 16: 0.03, 18: 2388.0, 19: 100.0}


def engine_rows(unit: int, life: int, rng: np.random.Generator, last: int | None = None) -> list[str]:
    """Cycles 1..last of an engine that fails after `life` cycles: its informative sensors drift
    (exponentially, as wear accelerates) from an engine-specific start, with noise."""
    last = life if last is None else last
    t = np.arange(1, last + 1)
    wear = (np.exp(3.0 * t / life) - 1.0) / (math.e**3 - 1.0)
    offset = rng.normal(0.0, 0.3, size=22)
    lines = []
    for i, cycle in enumerate(t):
        settings = [rng.normal(0.0, 0.002), rng.normal(0.0, 0.0003), 100.0]
        sensors = []
        for s in range(1, 22):
            if s in CONSTANT_SENSORS:
                sensors.append(CONSTANT_SENSORS[s])
            else:
                direction = 1.0 if s % 2 else -1.0
                sensors.append(100.0 + 10.0 * s + offset[s] + direction * 6.0 * wear[i] + rng.normal(0.0, 0.5))
        # The published files: single spaces, four decimals for most sensors, trailing blanks.
        lines.append(f"{unit} {cycle} {settings[0]:.4f} {settings[1]:.4f} {settings[2]:.1f} "
                     + " ".join(f"{v:.4f}" for v in sensors) + "  ")
    return lines


def write_train(path: Path, lives: list[int], seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    lines = [line for unit, life in enumerate(lives, start=1) for line in engine_rows(unit, life, rng)]
    path.write_text("\n".join(lines) + "\n\n")
    return path


def write_test(test_path: Path, rul_path: Path, lives: list[int], cuts: list[int], seed: int = 1) -> np.ndarray:
    """A test file of engines cut after `cuts` cycles, and its true RUL file (life - cut)."""
    rng = np.random.default_rng(seed)
    lines = [line for unit, (life, cut) in enumerate(zip(lives, cuts, strict=True), start=1)
             for line in engine_rows(unit, life, rng, last=cut)]
    test_path.write_text("\n".join(lines) + "\n")
    true = np.array(lives) - np.array(cuts)
    rul_path.write_text("".join(f"{r} \n" for r in true))
    return true


TRAIN_LIVES = [90, 100, 110, 120, 130, 140, 150, 160, 105, 125, 145, 115]
TEST_LIVES = [120, 130, 140, 150, 125, 135, 145, 155]
TEST_CUTS = [112, 122, 133, 144, 35, 35, 40, 40]  # four engines near failure, four fresh ones


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("cmapss")
    train = write_train(d / "train_SYN.txt", TRAIN_LIVES)
    true = write_test(d / "test_SYN.txt", d / "RUL_SYN.txt", TEST_LIVES, TEST_CUTS)
    return {"dir": d, "train": train, "test": d / "test_SYN.txt", "rul": d / "RUL_SYN.txt", "true": true}


@pytest.fixture(scope="module")
def model(files) -> cmapss.RulModel:
    return cmapss.train(cmapss.read_cmapss(files["train"]))


def test_reader_parses_the_format(files):
    df = cmapss.read_cmapss(files["train"])
    assert list(df.columns) == cmapss.COLUMNS
    assert len(df) == sum(TRAIN_LIVES)
    assert df["unit"].nunique() == len(TRAIN_LIVES)
    assert df.groupby("unit")["cycle"].max().tolist() == TRAIN_LIVES
    assert df["sensor_1"].eq(518.67).all()
    assert cmapss.read_rul(files["rul"]).tolist() == files["true"].tolist()


@pytest.mark.parametrize(("corrupt", "message"), [
    (lambda cols: cols[:-1], "line 7: expected 26 columns, found 25"),
    (lambda cols: [*cols, "1.0"], "line 7: expected 26 columns, found 27"),
    (lambda cols: cols[:9] + ["abc"] + cols[10:], "line 7, column 10: not a number: 'abc'"),
    (lambda cols: ["1.5", *cols[1:]], "line 7: unit must be a positive integer"),
])
def test_reader_names_the_file_and_line_of_a_malformed_row(tmp_path, corrupt, message):
    lines = engine_rows(1, 20, np.random.default_rng(0))
    lines[6] = " ".join(corrupt(lines[6].split()))
    path = tmp_path / "bad.txt"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(cmapss.CmapssFormatError) as err:
        cmapss.read_cmapss(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_reader_rejects_a_missing_file_and_an_empty_one(tmp_path):
    with pytest.raises(cmapss.CmapssFormatError, match="no such file"):
        cmapss.read_cmapss(tmp_path / "absent.txt")
    (tmp_path / "empty.txt").write_text("\n")
    with pytest.raises(cmapss.CmapssFormatError, match="no data"):
        cmapss.read_cmapss(tmp_path / "empty.txt")


def test_labels_are_piecewise_linear_and_capped():
    df = pd.DataFrame({"unit": [1] * 200 + [2] * 50, "cycle": list(range(1, 201)) + list(range(1, 51))})
    label = cmapss.rul_labels(df, cap=125).to_numpy()
    first = label[:200]
    assert first[-1] == 0 and first[-2] == 1  # the last cycle is the failure
    assert (first[:75] == 125).all()  # 200 - cycle >= 125: the plateau
    assert np.all(np.diff(first[75:]) == -1)  # then one cycle less per cycle
    assert label[200] == 49 and label[-1] == 0  # a short engine never reaches the cap
    assert cmapss.rul_labels(df, cap=100).max() == 100


def test_nasa_score_matches_hand_computed_values():
    assert cmapss.nasa_score([10.0], [10.0]) == 0.0
    early = cmapss.nasa_score([0.0], [13.0])  # d = -13: exp(1) - 1
    late = cmapss.nasa_score([23.0], [13.0])  # d = +10: exp(1) - 1
    assert early == pytest.approx(math.e - 1)
    assert late == pytest.approx(math.e - 1)
    # Same error either way: late costs more than early.
    assert cmapss.nasa_score([30.0], [20.0]) == pytest.approx(math.exp(1.0) - 1)
    assert cmapss.nasa_score([10.0], [20.0]) == pytest.approx(math.exp(10 / 13) - 1)
    assert cmapss.nasa_score([30.0], [20.0]) > cmapss.nasa_score([10.0], [20.0])
    # A sum over engines.
    assert cmapss.nasa_score([30.0, 10.0, 5.0], [20.0, 20.0, 5.0]) == pytest.approx(
        math.exp(1.0) + math.exp(10 / 13) - 2)
    assert cmapss.rmse([1.0, 5.0], [4.0, 1.0]) == pytest.approx(math.sqrt((9 + 16) / 2))


def test_constant_columns_are_dropped_as_learnt_from_training_data(model):
    assert {f"sensor_{s}" for s in CONSTANT_SENSORS} <= set(model.spec.dropped)
    assert {"setting_1", "setting_2", "setting_3"} <= set(model.spec.dropped)  # noise, unrelated to wear
    assert "sensor_2" in model.spec.columns


def test_features_of_a_cycle_never_look_ahead(files, model):
    df = cmapss.read_cmapss(files["train"])
    full = cmapss.make_features(df, model.spec)
    held, _ = cmapss.truncate(df, cuts_per_engine=2, seed=3)
    cut = cmapss.make_features(held, model.spec)
    # The truncated engine's rows are the original engine's first rows: same features.
    first = held[held["unit"] == 1]
    original = df.index[(df["unit"] == 1) & (df["cycle"] <= first["cycle"].max())]
    np.testing.assert_allclose(cut.loc[first.index].to_numpy(), full.loc[original].to_numpy(), rtol=1e-9, atol=1e-9)


def test_test_protocol_predicts_once_per_engine_at_its_last_cycle(files, model):
    test_df = cmapss.read_cmapss(files["test"])
    pred = cmapss.predict_last_cycle(model, test_df)
    assert pred.index.tolist() == list(range(1, len(TEST_LIVES) + 1))
    every_row = pd.Series(cmapss.predict(model, test_df), index=test_df.index)
    last_rows = test_df.groupby("unit")["cycle"].idxmax()
    assert pred.to_numpy() == pytest.approx(every_row.loc[last_rows.to_numpy()].to_numpy())
    assert ((pred >= 0) & (pred <= model.cap)).all()
    figures = cmapss.evaluate_test(model, test_df, files["true"])
    assert figures["engines"] == len(TEST_LIVES)


def test_model_sees_engines_near_failure(files, model):
    pred = cmapss.predict_last_cycle(model, cmapss.read_cmapss(files["test"])).to_numpy()
    near, fresh = pred[:4], pred[4:]  # true RUL 8 to 11, and 90 to 115
    assert near.max() < 40
    assert fresh.min() > 60
    assert fresh.mean() - near.mean() > 50


def test_cross_validation_cuts_held_out_engines(files):
    df = cmapss.read_cmapss(files["train"])
    cv = cmapss.cross_validate(df, folds=2, cuts_per_engine=2, seed=5, seeds=(1,), rounds=100)
    assert [f["fold"] for f in cv["folds"]] == [1, 2]
    assert sum(f["held_out_engines"] for f in cv["folds"]) == len(TRAIN_LIVES)
    assert cv["pooled"]["cuts"] == 2 * len(TRAIN_LIVES)
    assert all(math.isfinite(f["rmse"]) and f["score_per_100"] >= 0 for f in cv["folds"])
    again = cmapss.cross_validate(df, folds=2, cuts_per_engine=2, seed=5, seeds=(1,), rounds=100)
    assert again["pooled"]["rmse"] == cv["pooled"]["rmse"]  # deterministic


def test_cross_validation_cuts_engines_like_the_test_set(files):
    """Held-out engines are cut as FD001's test engines are: at least 31 cycles seen, true RUL 7 to 145."""
    df = cmapss.read_cmapss(files["train"])
    held, true = cmapss.truncate(df, cuts_per_engine=50, max_rul=cmapss.TEST_MAX_RUL, min_rul=cmapss.TEST_MIN_RUL,
                                 seed=1)
    assert true.min() >= 7 and true.max() <= 145
    assert held.groupby("unit")["cycle"].size().min() >= cmapss.MIN_HISTORY
    # Every admissible RUL is drawn, from near failure to the longest the engine allows.
    assert true.min() <= 8 and true.max() >= 110
    cv = cmapss.cross_validate(df, folds=2, cuts_per_engine=3, seed=5, seeds=(1,), rounds=50)
    assert cv["pooled"]["true_rul"]["min"] >= 7 and cv["pooled"]["true_rul"]["max"] <= 145
    assert cv["pooled"]["history"]["min"] >= 31


def test_command_reports_protocol_cap_choice_cross_validation_and_test_figures(files):
    out = StringIO()
    call_command("rul_benchmark", "--train", str(files["train"]), "--test", str(files["test"]), "--rul",
                 str(files["rul"]), "--folds", "2", "--cuts", "2", "--caps", "60,125", stdout=out)
    text = out.getvalue()
    assert "Protocol: 2-fold cross-validation by engine" in text
    assert "true RUL is 7 to 145 cycles" in text
    assert "<- chosen" in text
    assert "RMSE vs true RUL" in text
    assert "NASA score vs true RUL" in text
    assert "pooled" in text
    report = json.loads(text.strip().splitlines()[-1])
    # The cap is the candidate with the lower cross-validated RMSE against the true RUL: a cap of 60
    # cannot predict the long remaining lives the cuts leave, so it loses.
    candidates = {row["cap"]: row["rmse"] for row in report["cap_selection"]["candidates"]}
    assert report["cap"] == report["cap_selection"]["cap"] == 125 == min(candidates, key=candidates.get)
    assert report["cv"]["cap"] == 125
    assert report["protocol"]["min_rul"] == 7 and report["protocol"]["max_rul"] == 145
    assert report["test"]["engines"] == len(TEST_LIVES)
    assert report["test"]["rmse"] > 0 and report["test"]["score"] > 0
    assert len(report["cv"]["folds"]) == 2
    assert report["seconds"]["total"] > 0


def test_command_without_cross_validation_says_so_and_uses_the_default_cap(files):
    out = StringIO()
    call_command("rul_benchmark", "--train", str(files["train"]), "--test", str(files["test"]), "--rul",
                 str(files["rul"]), "--folds", "0", stdout=out)
    text = out.getvalue()
    assert "no cross-validation" in text and "<- chosen" not in text
    report = json.loads(text.strip().splitlines()[-1])
    assert report["cap"] == cmapss.DEFAULT_CAP and report["protocol"]["cap"] == "fixed"
    assert "cv" not in report and report["test"]["engines"] == len(TEST_LIVES)


@pytest.mark.parametrize("which", ["train", "test", "rul"])
def test_command_turns_a_missing_file_into_a_command_error(files, tmp_path, which):
    paths = {"train": str(files["train"]), "test": str(files["test"]), "rul": str(files["rul"])}
    paths[which] = str(tmp_path / "nowhere.txt")
    with pytest.raises(CommandError, match="nowhere.txt: no such file"):
        call_command("rul_benchmark", "--train", paths["train"], "--test", paths["test"], "--rul", paths["rul"],
                     "--folds", "0", stdout=StringIO())


def test_command_turns_a_malformed_file_or_bad_options_into_a_command_error(files, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1 1 0.0 0.0 100.0\n")
    with pytest.raises(CommandError, match="line 1: expected 26 columns"):
        call_command("rul_benchmark", "--train", str(bad), stdout=StringIO())
    short_rul = tmp_path / "RUL_short.txt"
    short_rul.write_text("10\n20\n")
    with pytest.raises(CommandError, match="8 engines but .* has 2 RUL values"):
        call_command("rul_benchmark", "--train", str(files["train"]), "--test", str(files["test"]),
                     "--rul", str(short_rul), "--folds", "0", stdout=StringIO())
    with pytest.raises(CommandError, match="--test and --rul go together"):
        call_command("rul_benchmark", "--train", str(files["train"]), "--test", str(files["test"]), stdout=StringIO())
    with pytest.raises(CommandError, match="--caps must be numbers"):
        call_command("rul_benchmark", "--train", str(files["train"]), "--caps", "120,high", stdout=StringIO())
    with pytest.raises(CommandError, match="--max-rul must be 0"):
        call_command("rul_benchmark", "--train", str(files["train"]), "--max-rul", "5", stdout=StringIO())
    with pytest.raises(CommandError, match="12 engines cannot make 20 folds"):
        call_command("rul_benchmark", "--train", str(files["train"]), "--folds", "20", stdout=StringIO())


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("CMAPSS_TRAIN"), reason="set CMAPSS_TRAIN to a C-MAPSS train_FD001.txt to run")
def test_real_fd001_held_out_engines():
    """Train on 80 engines of FD001, cut the 20 others the way the test set is cut (true RUL 7 to
    145): the error is that of the published state of the art."""
    df = cmapss.read_cmapss(os.environ["CMAPSS_TRAIN"])
    model = cmapss.train(df[df["unit"] <= 80].reset_index(drop=True))
    held, true = cmapss.truncate(df[df["unit"] > 80].reset_index(drop=True), cuts_per_engine=20,
                                 max_rul=cmapss.TEST_MAX_RUL, min_rul=cmapss.TEST_MIN_RUL)
    figures = cmapss.evaluate_test(model, held, true)
    # The accuracy the model must reach on FD001's test set, better than the deep CNNs' published
    # 12.6 / 274; this split gave 10.3 / 136.
    assert figures["rmse"] < 11.5
    assert figures["score_per_100"] < 200
