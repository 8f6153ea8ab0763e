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
        parser.add_argument("--cap", type=float, default=None,
                            help="Cap of the piecewise-linear target (default: chosen by cross-validation among "
                                 f"--caps; without cross-validation, {cmapss.DEFAULT_CAP:g}).")
        parser.add_argument("--caps", default=",".join(f"{c:g}" for c in cmapss.CAP_CANDIDATES),
                            help="Candidate caps the cross-validation chooses from (default %(default)s).")
        parser.add_argument("--folds", type=int, default=5, help="Folds over engines; 0 skips the cross-validation.")
        parser.add_argument("--cuts", type=int, default=10, help="Random cut points per held-out engine.")
        parser.add_argument("--min-history", type=int, default=cmapss.MIN_HISTORY,
                            help="Fewest cycles a cut leaves (default %(default)s).")
        parser.add_argument("--min-rul", type=int, default=cmapss.TEST_MIN_RUL,
                            help="Cuts leave at least this many cycles of true RUL (default %(default)s).")
        parser.add_argument("--max-rul", type=float, default=cmapss.TEST_MAX_RUL,
                            help="Cuts leave at most this many cycles of true RUL (default %(default)g; 0: any).")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the cut points.")

    def handle(self, *args, **opts):
        if bool(opts["test"]) != bool(opts["rul"]):
            raise CommandError("--test and --rul go together: the test file and its true RUL file")
        if opts["cap"] is not None and opts["cap"] <= 0:
            raise CommandError("--cap must be positive")
        try:
            opts["caps"] = [float(c) for c in opts["caps"].split(",") if c.strip()]
        except ValueError as exc:
            raise CommandError(f"--caps must be numbers separated by commas: {opts['caps']!r}") from exc
        if not opts["caps"] or min(opts["caps"]) <= 0:
            raise CommandError("--caps needs at least one positive cap")
        if opts["folds"] < 0 or opts["folds"] == 1:
            raise CommandError("--folds must be 0 (no cross-validation) or at least 2")
        if opts["cuts"] < 1 or opts["min_history"] < 1 or opts["min_rul"] < 1:
            raise CommandError("--cuts, --min-history and --min-rul must be at least 1")
        if opts["max_rul"] < 0 or 0 < opts["max_rul"] < opts["min_rul"]:
            raise CommandError("--max-rul must be 0 (any) or at least --min-rul")
        opts["max_rul"] = opts["max_rul"] or None
        if opts["cap"] is None and (not opts["folds"] or len(opts["caps"]) == 1):
            # Nothing to choose between, or no cross-validation to choose with.
            opts["cap"] = opts["caps"][0] if opts["folds"] else cmapss.DEFAULT_CAP
        try:
            self._run(opts)
        except (cmapss.CmapssFormatError, ValueError) as exc:
            raise CommandError(str(exc)) from exc

    def _run(self, opts) -> None:
        started = time.perf_counter()
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
        protocol = self._protocol(opts)
        self.stdout.write(f"C-MAPSS RUL benchmark: {opts['train']} ({engines} engines, {len(train_df)} cycles)")
        self._print_protocol(protocol)
        cv_kwargs = {"cuts_per_engine": opts["cuts"], "min_history": opts["min_history"], "max_rul": opts["max_rul"],
                     "min_rul": opts["min_rul"]}

        cap = opts["cap"]
        selection = None
        if cap is None:
            t0 = time.perf_counter()
            selection = cmapss.choose_cap(train_df, opts["caps"], opts["folds"], seed=opts["seed"], **cv_kwargs)
            seconds["cap_selection"] = time.perf_counter() - t0
            cap = selection["cap"]
            self._print_selection(selection)
        self.stdout.write(f"Piecewise-linear target capped at {cap:g}"
                          + (" (chosen by cross-validation)" if selection else ""))
        report: dict = {"train": str(opts["train"]), "engines": int(engines), "cap": cap, "protocol": protocol}
        if selection:
            report["cap_selection"] = selection

        if opts["folds"]:
            t0 = time.perf_counter()
            cv = cmapss.cross_validate(train_df, cap, opts["folds"], seed=opts["seed"], **cv_kwargs)
            seconds["cross_validation"] = time.perf_counter() - t0
            self._print_cv(cv)
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

    @staticmethod
    def _protocol(opts) -> dict:
        return {"folds": opts["folds"], "split": "GroupKFold by engine", "cuts_per_engine": opts["cuts"],
                "min_history": opts["min_history"], "min_rul": opts["min_rul"], "max_rul": opts["max_rul"],
                "cut_seed": opts["seed"], "cap": "fixed" if opts["cap"] is not None else "chosen by cross-validation",
                "cap_candidates": opts["caps"] if opts["cap"] is None else [opts["cap"]],
                "model": {"seeds": list(cmapss.SEEDS), "rounds": cmapss.ROUNDS}}

    def _print_protocol(self, protocol: dict) -> None:
        if not protocol["folds"]:
            self.stdout.write("Protocol: no cross-validation (--folds 0); the model is trained on every engine.")
            return
        most = "any" if protocol["max_rul"] is None else f"{protocol['max_rul']:g}"
        self.stdout.write(
            f"Protocol: {protocol['folds']}-fold cross-validation by engine (GroupKFold); each held-out engine is cut "
            f"{protocol['cuts_per_engine']} times, at a cycle drawn uniformly so that at least "
            f"{protocol['min_history']} cycles are seen and the true RUL is {protocol['min_rul']} to {most} cycles "
            "(as FD001's test engines are cut); one prediction at the cut, as the test protocol predicts at each "
            "test engine's last cycle.")
        if protocol["cap"] != "fixed":
            caps = ", ".join(f"{c:g}" for c in protocol["cap_candidates"])
            self.stdout.write(f"The early-RUL cap is chosen among {caps} by a cross-validation on other cuts "
                              "(seed + 1000) of the same folds: the lowest NASA score among the caps whose RMSE "
                              f"against the true RUL is within {cmapss.CAP_RMSE_TOLERANCE:.0%} of the lowest.")

    def _print_selection(self, selection: dict) -> None:
        self.stdout.write(f"{'cap':>6} {'RMSE':>8} {'NASA/100':>10} {'RMSE capped':>12}")
        for row in selection["candidates"]:
            mark = "  <- chosen" if row["cap"] == selection["cap"] else ""
            self.stdout.write(f"{row['cap']:>6g} {row['rmse']:>8.2f} {row['score_per_100']:>10.1f} "
                              f"{row['rmse_capped']:>12.2f}{mark}")

    def _print_cv(self, cv: dict) -> None:
        self.stdout.write("")
        self.stdout.write(f"Cross-validation by engine at cap {cv['cap']:g}: {len(cv['folds'])} folds. "
                          "RMSE and NASA score against the true RUL, and 'capped' against min(true RUL, cap); "
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
        r, h = p["true_rul"], p["history"]
        self.stdout.write(f"Cuts: true RUL {r['min']:g} to {r['max']:g} (mean {r['mean']:.1f}), histories "
                          f"{h['min']} to {h['max']} cycles (mean {h['mean']:.0f}).")
        if cv["max_rul"] is None:
            self.stdout.write("Note: without --max-rul, cuts leave many engines with a true RUL far above the cap, "
                              "which no capped model can predict; the uncapped columns are dominated by them.")
