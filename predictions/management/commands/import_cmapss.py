"""Turn C-MAPSS engines into assets with sensors and readings, and train their health model,
so that the loop can be watched on real run-to-failure data."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from predictions import cmapss, cmapss_loop, services, training


class Command(BaseCommand):
    help = "Import C-MAPSS engines (a training-format file) as assets with readings, and train their health model."

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, help="A C-MAPSS run-to-failure file (e.g. train_FD001.txt).")
        parser.add_argument("--engines", type=int, default=30, help="How many engines to import (0: all).")
        parser.add_argument("--site", default="cmapss", help="Code of the site to put them on.")
        parser.add_argument("--whole", action="store_true", help="Import whole lives instead of random cuts.")
        parser.add_argument("--no-model", action="store_true", help="Import only; do not train a model.")
        parser.add_argument("--rounds", type=int, default=200, help="Boosting rounds of the health model.")

    def handle(self, *args, **opts):
        try:
            df = cmapss.read_cmapss(opts["train"])
        except (OSError, cmapss.CmapssFormatError) as exc:
            raise CommandError(str(exc)) from exc
        sensors = cmapss_loop.informative_sensors(df)
        result = cmapss_loop.import_engines(df, sensors, site_code=opts["site"], engines=opts["engines"] or None,
                                            truncate=not opts["whole"], end=timezone.now())
        self.stdout.write(f"{result['engines']} engines on site '{result['site'].name}', {len(sensors)} sensors each, "
                          f"{result['readings']} readings stored")
        if opts["no_model"]:
            return
        ds = cmapss_loop.window_dataset(df, sensors)
        self.stdout.write(f"training the {cmapss_loop.CATEGORY} health model on {len(ds.rul)} windows...")
        trained = training.train(ds, rounds=opts["rounds"])
        mv = services.register_model(category=result["category"], trained=trained, source=ds.source, activate=True)
        m = mv.metrics
        self.stdout.write(self.style.SUCCESS(
            f"{mv}: RUL RMSE {m['rul_rmse']} cycles on held-out engines, interval coverage "
            f"{m['interval_coverage']:.0%}, failure Brier {m['fail_brier']}"))
        self.stdout.write("the next scheduled assessment (or `manage.py assess_fleet`) scores the engines")
