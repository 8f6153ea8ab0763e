"""Train and register the LightGBM health models of asset categories on recorded and/or simulated
run-to-failure history."""

from django.core.management.base import BaseCommand, CommandError

from assets.models import AssetCategory
from predictions import services
from predictions.models import ModelVersion


class Command(BaseCommand):
    help = "Train the health models (RUL, interval, failure within horizon) per asset category and register them."

    def add_arguments(self, parser):
        parser.add_argument("--category", action="append", help="Category name (repeatable); default: all.")
        parser.add_argument("--runs", type=int, default=100, help="Simulated machines per category.")
        parser.add_argument("--rounds", type=int, default=150, help="Boosting rounds.")
        parser.add_argument("--no-activate", action="store_true", help="Register as candidates only.")
        parser.add_argument("--if-missing", action="store_true", help="Only categories without an active model.")
        parser.add_argument("--source", choices=services.TRAINING_SOURCES, default="auto",
                            help="history: recorded failures, inspections and running machines only; simulator: "
                                 "simulated machines only; auto (default): both when anything is recorded.")

    def handle(self, *args, **opts):
        # Categories whose machines have sensors: a model for a line or a building would have nothing to read.
        categories = AssetCategory.objects.filter(assets__sensors__isnull=False).distinct()
        if opts["category"]:
            categories = categories.filter(name__in=opts["category"])
            missing = set(opts["category"]) - set(categories.values_list("name", flat=True))
            if missing:
                raise CommandError(f"unknown categories: {', '.join(sorted(missing))}")
        for category in categories:
            if opts["if_missing"] and ModelVersion.objects.active_for(category.pk):
                continue
            self.stdout.write(f"training {category.name} (source: {opts['source']})...")
            try:
                mv = services.train_for_category(category, runs=opts["runs"], rounds=opts["rounds"],
                                                 activate=not opts["no_activate"], source=opts["source"])
            except services.NotEnoughHistory as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"  learned from {mv.training_source}")
            m = mv.metrics
            if not m.get("holdout_machines"):
                note = m.get('note', 'no held-out machines')
                self.stdout.write(self.style.WARNING(f"  {mv}: not evaluated ({note})"))
                continue
            self.stdout.write(self.style.SUCCESS(
                f"  {mv}: RUL RMSE {m['rul_rmse']} min, interval coverage {m['interval_coverage']:.0%}, "
                f"failure Brier {m['fail_brier']} (held-out machines: {m['holdout_machines']})"))
