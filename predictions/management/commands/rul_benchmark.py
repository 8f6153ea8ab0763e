"""Benchmark the LightGBM remaining-useful-life model on NASA C-MAPSS files: cross-validation by
engine on a training file, and optionally the standard test protocol on a test file."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError

from predictions import cmapss


def _rounded(value):
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


class Command(BaseCommand):
    help = ("Cross-validated (by engine) RMSE and NASA score of the C-MAPSS RUL model on a training file; "
            "with --test and --rul, also the standard test protocol (prediction at each engine's last cycle).")

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, help="C-MAPSS training file (run-to-failure engines).")
        parser.add_argument("--test", help="C-MAPSS test file (truncated engines).")
        parser.add_argument("--rul", help="True RUL of the test engines, one line per engine.")
        parser.add_argument("--cap", type=float, default=cmapss.DEFAULT_CAP,
                            help="Cap of the piecewise-linear target (default %(default)s).")
        parser.add_argument("--folds", type=int, default=5, help="Folds over engines; 0 skips the cross-validation.")
        parser.add_argument("--cuts", type=int, default=10, help="Random cut points per held-out engine.")
        parser.add_argument("--min-history", type=int, default=cmapss.MIN_HISTORY,
                            help="Fewest cycles a cut leaves (default %(default)s).")
        parser.add_argument("--max-rul", type=float, default=None,
                            help="Cuts leave at most this many cycles of true RUL (default: any).")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the cut points.")

    def handle(self, *args, **opts):
        if bool(opts["test"]) != bool(opts["rul"]):
            raise CommandError("--test and --rul go together: the test file and its true RUL file")
        if opts["cap"] <= 0:
            raise CommandError("--cap must be positive")
        if opts["folds"] < 0 or opts["folds"] == 1:
            raise CommandError("--folds must be 0 (no cross-validation) or at least 2")
        if opts["cuts"] < 1 or opts["min_history"] < 1:
            raise CommandError("--cuts and --min-history must be at least 1")
        if opts["max_rul"] is not None and opts["max_rul"] < 1:
            raise CommandError("--max-rul must be at least 1")
        try:
            self._run(opts)
        except (cmapss.CmapssFormatError, ValueError) as exc:
            raise CommandError(str(exc)) from exc

    def _run(self, opts) -> None:
        started = time.perf_counter()
        cap = opts["cap"]
        train_df = cmapss.read_cmapss(opts["train"])
        test_df = true_rul = None
        if opts["test"]:
            # Read everything first: a bad test file should fail before minutes of cross-validation.
            test_df, true_rul = cmapss.read_cmapss(opts["test"]), cmapss.read_rul(opts["rul"])
            if test_df["unit"].nunique() != len(true_rul):
                raise CommandError(f"{opts['test']} has {test_df['unit'].nunique()} engines but {opts['rul']} "
                                   f"has {len(true_rul)} RUL values")
        seconds = {"read": time.perf_counter() - started}
        engines = train_df["unit"].nunique()
        self.stdout.write(f"C-MAPSS RUL benchmark: {opts['train']} ({engines} engines, {len(train_df)} cycles), "
                          f"piecewise-linear target capped at {cap:g}")
        report: dict = {"train": str(opts["train"]), "engines": int(engines), "cap": cap}

        if opts["folds"]:
            t0 = time.perf_counter()
            cv = cmapss.cross_validate(train_df, cap, opts["folds"], cuts_per_engine=opts["cuts"],
                                       min_history=opts["min_history"], max_rul=opts["max_rul"], seed=opts["seed"])
            seconds["cross_validation"] = time.perf_counter() - t0
            self._print_cv(cv, opts)
            report["cv"] = cv

        if test_df is not None:
            t0 = time.perf_counter()
            model = cmapss.train(train_df, cap)
            seconds["train"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            test = cmapss.evaluate_test(model, test_df, true_rul)
            seconds["test"] = time.perf_counter() - t0
            self.stdout.write("")
            self.stdout.write(f"Test set {opts['test']} ({test['engines']} engines, prediction at each last cycle, "
                              f"clipped to [0, {cap:g}]):")
            self.stdout.write(f"  RMSE vs true RUL          {test['rmse']:8.2f}")
            self.stdout.write(f"  NASA score vs true RUL    {test['score']:8.1f}   "
                              f"({test['score_per_100']:.1f} per 100 engines)")
            self.stdout.write(f"  RMSE vs min(true, cap)    {test['rmse_capped']:8.2f}")
            self.stdout.write(f"  NASA score vs min(true, cap), per 100 engines {test['score_capped_per_100']:.1f}")
            dropped = model.info["dropped_columns"]
            self.stdout.write(f"  model: {len(model.boosters)} LightGBM boosters x {model.info['rounds']} rounds, "
                              f"{model.info['features']} features; dropped columns: {', '.join(dropped) or 'none'}")
            report["test"] = test

        seconds["total"] = time.perf_counter() - started
        self.stdout.write("")
        self.stdout.write("Timing: " + ", ".join(f"{k.replace('_', ' ')} {v:.1f} s" for k, v in seconds.items()))
        report["seconds"] = seconds
        self.stdout.write(json.dumps(_rounded(report)))

    def _print_cv(self, cv: dict, opts) -> None:
        limit = f", true RUL <= {opts['max_rul']:g}" if opts["max_rul"] is not None else ""
        self.stdout.write(f"Cross-validation by engine: {len(cv['folds'])} folds; each held-out engine cut "
                          f"{opts['cuts']} times uniformly after {opts['min_history']}..life-1 cycles{limit}; "
                          "prediction at the cut.")
        self.stdout.write("RMSE and NASA score against the true RUL, and 'capped' against min(true RUL, cap); "
                          "NASA scores are sums scaled to 100 engines (cuts).")
        header = (f"{'fold':>6} {'engines':>8} {'cuts':>6} {'RMSE':>8} {'NASA/100':>10} {'RMSE capped':>12} "
                  f"{'NASA/100 capped':>16} {'seconds':>8}")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for f in cv["folds"]:
            self.stdout.write(f"{f['fold']:>6} {f['held_out_engines']:>8} {f['cuts']:>6} {f['rmse']:>8.2f} "
                              f"{f['score_per_100']:>10.1f} {f['rmse_capped']:>12.2f} "
                              f"{f['score_capped_per_100']:>16.1f} {f['seconds']:>8.1f}")
        self.stdout.write("-" * len(header))
        m, p = cv["mean"], cv["pooled"]
        self.stdout.write(f"{'mean':>6} {'':>8} {'':>6} {m['rmse']:>8.2f} {m['score_per_100']:>10.1f} "
                          f"{m['rmse_capped']:>12.2f} {m['score_capped_per_100']:>16.1f}")
        self.stdout.write(f"{'pooled':>6} {'':>8} {p['cuts']:>6} {p['rmse']:>8.2f} {p['score_per_100']:>10.1f} "
                          f"{p['rmse_capped']:>12.2f} {p['score_capped_per_100']:>16.1f}")
        if opts["max_rul"] is None:
            self.stdout.write("Note: uniform cuts leave many engines with a true RUL far above the cap, which no "
                              "capped model can predict; the uncapped columns are dominated by them. --max-rul "
                              "restricts cuts to a test-like range.")
