"""Training of the health models with LightGBM: a remaining-useful-life regressor (capped,
piecewise-linear target), two quantile regressors for its interval, and a classifier of
failure within the horizon. Evaluation holds out whole machines, never single windows."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import GroupKFold

from predictions import constants
from predictions.features import FeatureLayout, feature_names
from telemetry.simulation import CATEGORY_SCALE, METRICS, MachineProfile, signal

SIM_INTERVAL_S = 2.0
QUANTILES = (0.1, 0.9)
MIN_MACHINES_TO_EVALUATE = 4  # one held out and three to calibrate on, at the very least


@dataclass
class Dataset:
    X: np.ndarray
    rul: np.ndarray
    failed_within_horizon: np.ndarray
    groups: np.ndarray  # which machine (run) each row comes from
    metrics: list[str]
    source: str
    # How the labels and windows were made; recorded on the model so assessment matches them.
    rul_cap: float = constants.RUL_CAP
    horizon: float = constants.FAILURE_HORIZON
    rul_unit: str = "minutes"
    window_seconds: float = constants.WINDOW_SECONDS
    layout: FeatureLayout | None = None  # None: the single-window layout of older versions
    training_window: tuple[str, str] | None = None  # span of recorded history the labels come from
    label_counts: dict = field(default_factory=dict)

    @property
    def feature_names(self) -> list[str]:
        return self.layout.names if self.layout else feature_names(self.metrics)

    def layout_params(self) -> dict:
        if self.layout:
            return self.layout.to_params()
        return {"metrics": self.metrics, "window_seconds": self.window_seconds}

    def __len__(self) -> int:
        return len(self.rul)

    def combined_with(self, other: Dataset) -> Dataset:
        """Rows of both (same layout and labels); machines of ``other`` keep their own groups."""
        if self.feature_names != other.feature_names or (self.rul_cap, self.horizon) != (other.rul_cap, other.horizon):
            raise ValueError("datasets with different features or labels cannot be combined")
        offset = int(self.groups.max()) + 1 if len(self.groups) else 0
        counts = {k: self.label_counts.get(k, 0) + other.label_counts.get(k, 0)
                  for k in {*self.label_counts, *other.label_counts}}
        return Dataset(np.vstack([self.X, other.X]), np.concatenate([self.rul, other.rul]),
                       np.concatenate([self.failed_within_horizon, other.failed_within_horizon]),
                       np.concatenate([self.groups, other.groups + offset]), self.metrics,
                       source=f"{self.source} + {other.source}", rul_cap=self.rul_cap, horizon=self.horizon,
                       rul_unit=self.rul_unit, window_seconds=self.window_seconds, layout=self.layout,
                       training_window=self.training_window or other.training_window, label_counts=counts)


@dataclass
class TrainedModels:
    boosters: dict[str, lgb.Booster]
    feature_names: list[str]
    metrics: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    calibration: dict | None = None  # isotonic map of the classifier's raw output: {"x": [...], "y": [...]}

    def serialise(self) -> bytes:
        texts = {name: b.model_to_string() for name, b in self.boosters.items()}
        return json.dumps({"boosters": texts, "calibration": self.calibration}).encode()

    @classmethod
    def load(cls, artifact: bytes, feature_names: list[str], params: dict) -> TrainedModels:
        data = json.loads(bytes(artifact).decode())
        texts = data.get("boosters", data)  # versions before calibration stored the boosters alone
        return cls({name: lgb.Booster(model_str=text) for name, text in texts.items() if name != "calibration"},
                   feature_names, params=params, calibration=data.get("calibration"))

    def failure_probability(self, X: np.ndarray) -> np.ndarray:
        raw = self.boosters["fail"].predict(X)
        if not self.calibration:
            return raw
        return np.interp(raw, self.calibration["x"], self.calibration["y"])


def fit_calibration(raw: np.ndarray, outcome: np.ndarray) -> dict:
    """Isotonic regression of outcomes on raw scores, kept as the points of a monotone curve."""
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, outcome)
    return {"x": [round(float(v), 6) for v in iso.X_thresholds_], "y": [round(float(v), 6) for v in iso.y_thresholds_]}


def reliability(p: np.ndarray, outcome: np.ndarray, bins: int = 10) -> list[dict]:
    """Predicted probability against observed frequency, per bin: the calibration plot's points."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    return [{"predicted": round(float(p[idx == b].mean()), 3), "observed": round(float(outcome[idx == b].mean()), 3),
             "count": int((idx == b).sum())} for b in range(bins) if (idx == b).any()]


def simulate_history(category: str, *, runs: int = 160, points_per_run: int = 40, seed: int | None = None,
                     rul_cap: float = constants.RUL_CAP, horizon: float = constants.FAILURE_HORIZON) -> Dataset:
    """Run-to-failure histories of simulated machines of one category (plus healthy ones that
    never fail), cut into windows the way the assessment sees them."""
    rng = np.random.default_rng(zlib.crc32(category.encode()) if seed is None else seed)
    metrics = list(METRICS)
    layout = FeatureLayout.default(metrics)
    scale = CATEGORY_SCALE.get(category, 1.0)
    rows, ruls, fails, groups = [], [], [], []
    for run in range(runs):
        profile = MachineProfile(scale=scale * rng.uniform(0.92, 1.08), seed=run)
        healthy = run % 4 == 0
        life_min = rng.uniform(15, 90)
        # Older machines start a little more worn; running hours follow age and duty.
        age_days = rng.uniform(30, 3650)
        w0 = rng.uniform(0.0, 0.08) + 0.04 * age_days / 3650
        hours0 = age_days * 24 * rng.uniform(0.3, 0.9)
        horizon_min = life_min if not healthy else rng.uniform(20, 60)
        epochs = np.arange(0.0, horizon_min * 60.0, SIM_INTERVAL_S)
        wear = np.full_like(epochs, w0) if healthy else w0 + (1 - w0) * epochs / (life_min * 60.0)
        values = signal(profile, wear, rng)
        series = {m: (epochs, values[m]) for m in metrics}
        for t_end in rng.uniform(120.0, epochs[-1], size=points_per_run):
            rows.append(layout.row(series, t_end, (age_days, hours0 + t_end / 3600.0)))
            rul = rul_cap if healthy else min(rul_cap, life_min - t_end / 60.0)
            ruls.append(rul)
            fails.append(0 if healthy else int(life_min - t_end / 60.0 <= horizon))
            groups.append(run)
    return Dataset(np.vstack(rows), np.array(ruls), np.array(fails), np.array(groups), metrics,
                   source=f"simulator: {runs} machines", window_seconds=layout.longest, layout=layout,
                   label_counts={"simulated_runs": runs})


def _params(objective: str, **extra) -> dict:
    # One thread: these models are small, and LightGBM's threads spin badly on a busy machine
    # (training runs beside the web server, the worker and the simulator). Depth at most 6: the
    # explanation of every assessment (TreeSHAP, pred_contrib) costs leaves x depth^2 per tree;
    # unbounded leaf-wise trees made it 2.4x slower on 10,000 assets for no better accuracy on
    # held-out machines.
    return {"objective": objective, "learning_rate": 0.05, "num_leaves": 31, "max_depth": 6, "min_data_in_leaf": 20,
            "feature_fraction": 0.9, "bagging_fraction": 0.9, "bagging_freq": 1, "verbose": -1,
            "num_threads": 1, "seed": 1, **extra}


def _fit(ds: Dataset, idx: np.ndarray, rounds: int) -> dict[str, lgb.Booster]:
    names = ds.feature_names
    boosters = {
        "rul": lgb.train(_params("regression"), lgb.Dataset(ds.X[idx], ds.rul[idx], feature_name=names),
                         num_boost_round=rounds),
        "fail": lgb.train(_params("binary"),
                          lgb.Dataset(ds.X[idx], ds.failed_within_horizon[idx], feature_name=names),
                          num_boost_round=rounds),
    }
    for q in QUANTILES:
        boosters[f"rul_q{int(q * 100)}"] = lgb.train(
            _params("quantile", alpha=q), lgb.Dataset(ds.X[idx], ds.rul[idx], feature_name=names),
            num_boost_round=rounds)
    return boosters


def evaluate(ds: Dataset, rounds: int = 200, holdout_share: float = 0.25, seed: int = 3) -> dict:
    """Hold out a share of machines, train on the rest, report RUL RMSE/MAE, interval coverage
    and the classifier's Brier score and accuracy. The classifier's calibration and the
    interval's conformal margin come from out-of-fold predictions on the training machines
    only, so every held-out machine measures what production will see."""
    rng = np.random.default_rng(seed)
    machines = np.unique(ds.groups)
    if len(machines) < MIN_MACHINES_TO_EVALUATE:
        return {"holdout_machines": 0, "machines": int(len(machines)),
                "note": f"only {len(machines)} machine(s) to learn from: too few to hold any out"}
    held = rng.choice(machines, size=max(2, int(len(machines) * holdout_share)), replace=False)
    test = np.isin(ds.groups, held)
    train_idx = np.where(~test)[0]
    boosters = _fit(ds, train_idx, rounds)
    oof = _out_of_fold(ds, train_idx, rounds)
    calibration = fit_calibration(oof["fail"], ds.failed_within_horizon[train_idx])
    margin = conformal_margin(ds.rul[train_idx], oof["lo"], oof["hi"], QUANTILES[1] - QUANTILES[0])
    X, rul, fail = ds.X[test], ds.rul[test], ds.failed_within_horizon[test]
    pred = boosters["rul"].predict(X)
    lo, hi = boosters["rul_q10"].predict(X), boosters["rul_q90"].predict(X)
    raw = boosters["fail"].predict(X)
    p = np.interp(raw, calibration["x"], calibration["y"])
    return {
        "holdout_machines": int(len(held)),
        "holdout_rows": int(test.sum()),
        "rul_rmse": round(float(np.sqrt(np.mean((pred - rul) ** 2))), 3),
        "rul_mae": round(float(np.mean(np.abs(pred - rul))), 3),
        "interval_coverage": round(float(np.mean((rul >= lo - margin) & (rul <= hi + margin))), 3),
        "interval_coverage_raw": round(float(np.mean((rul >= lo) & (rul <= hi))), 3),
        "interval_nominal": QUANTILES[1] - QUANTILES[0],
        "interval_margin": round(margin, 4),
        "interval_mean_width": round(float(np.mean(np.maximum(hi - lo + 2 * margin, 0.0))), 3),
        "fail_brier": round(float(np.mean((p - fail) ** 2)), 4),
        "fail_brier_uncalibrated": round(float(np.mean((raw - fail) ** 2)), 4),
        "fail_accuracy": round(float(np.mean((p >= 0.5) == fail)), 3),
        "calibration_curve": reliability(p, fail),
    }


def _out_of_fold(ds: Dataset, idx: np.ndarray, rounds: int, folds: int = 3) -> dict[str, np.ndarray] | None:
    """Each row of ``idx`` scored by models that did not see its machine: the raw failure
    score and the two quantiles (for the isotonic calibration and the conformal margin).
    None when the rows come from a single machine."""
    groups = ds.groups[idx]
    folds = min(folds, len(np.unique(groups)))
    if folds < 2:
        return None
    out = {name: np.zeros(len(idx)) for name in ("fail", "lo", "hi")}
    names = ds.feature_names
    for fit_part, score_part in GroupKFold(n_splits=folds).split(idx, groups=groups):
        rows, scored = idx[fit_part], idx[score_part]
        fail = lgb.train(_params("binary"), lgb.Dataset(ds.X[rows], ds.failed_within_horizon[rows],
                                                        feature_name=names), num_boost_round=rounds)
        out["fail"][score_part] = fail.predict(ds.X[scored])
        for name, q in zip(("lo", "hi"), QUANTILES, strict=True):
            booster = lgb.train(_params("quantile", alpha=q), lgb.Dataset(ds.X[rows], ds.rul[rows], feature_name=names),
                                num_boost_round=rounds)
            out[name][score_part] = booster.predict(ds.X[scored])
    return out


def conformal_margin(y: np.ndarray, lo: np.ndarray, hi: np.ndarray, coverage: float) -> float:
    """The amount to add on both sides of [lo, hi] so that it holds ``coverage`` of y (may be
    negative when the quantile models are too wide). Conformalised quantile regression."""
    scores = np.maximum(lo - y, y - hi)
    n = len(scores)
    if n == 0:
        return 0.0
    level = min(1.0, np.ceil((n + 1) * coverage) / n)
    return float(np.quantile(scores, level, method="higher"))


def train(ds: Dataset, rounds: int = 200, on_progress=None) -> TrainedModels:
    """Evaluate on held-out machines, then fit on all of them. ``on_progress(percent, message)``."""
    report = on_progress or (lambda *_: None)
    report(40, "evaluating on held-out machines")
    metrics = evaluate(ds, rounds=rounds)
    report(60, "calibrating probabilities and the interval on out-of-fold predictions")
    everything = np.arange(len(ds.rul))
    oof = _out_of_fold(ds, everything, rounds)
    calibration = fit_calibration(oof["fail"], ds.failed_within_horizon) if oof else None
    margin = conformal_margin(ds.rul, oof["lo"], oof["hi"], QUANTILES[1] - QUANTILES[0]) if oof else 0.0
    report(80, "fitting the final models on every machine")
    boosters = _fit(ds, everything, rounds)
    gain = boosters["rul"].feature_importance(importance_type="gain")
    importance = sorted(zip(ds.feature_names, gain.tolist(), strict=True), key=lambda kv: -kv[1])[:15]
    metrics["feature_importance"] = [[name, round(g, 1)] for name, g in importance]
    params = {"rul_cap": ds.rul_cap, "horizon": ds.horizon, "rul_unit": ds.rul_unit, **ds.layout_params(),
              "rounds": rounds, "rows": int(len(ds.rul)), "machines": int(len(np.unique(ds.groups))),
              "interval_margin": round(margin, 4), "labels": ds.label_counts,
              "training_window": list(ds.training_window) if ds.training_window else None}
    return TrainedModels(boosters, ds.feature_names, metrics, params, calibration=calibration)


def predict(models: TrainedModels, X: np.ndarray) -> dict[str, np.ndarray]:
    cap = float(models.params.get("rul_cap", constants.RUL_CAP))
    rul = np.clip(models.boosters["rul"].predict(X), 0.0, cap)
    margin = float(models.params.get("interval_margin", 0.0))
    lo = np.clip(models.boosters["rul_q10"].predict(X) - margin, 0.0, cap)
    hi = np.clip(models.boosters["rul_q90"].predict(X) + margin, 0.0, cap)
    p_fail = np.clip(models.failure_probability(X), 0.0, 1.0)
    contrib = models.boosters["rul"].predict(X, pred_contrib=True)[:, :-1]  # last column is the bias
    health = 100.0 * (0.6 * rul / cap + 0.4 * (1.0 - p_fail))
    return {"rul": rul, "rul_lower": np.minimum(lo, rul), "rul_upper": np.maximum(hi, rul), "p_fail": p_fail,
            "health": np.clip(health, 0.0, 100.0), "contributions": contrib}
