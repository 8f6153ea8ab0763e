"""Send simulated sensor readings through the ingestion service, live (the demo's gateways)."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from telemetry import services
from telemetry.models import Sensor
from telemetry.simulation import FleetSimulator
from workorders.models import WorkOrder

CHUNK = 5000


class Command(BaseCommand):
    help = "Simulate the fleet's sensors: normal and slowly degrading machines, one reading per sensor per interval."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between readings.")
        parser.add_argument("--backfill-minutes", type=float, default=10.0,
                            help="History to write first when the recent past is empty.")
        parser.add_argument("--iterations", type=int, default=0, help="Stop after N ticks (0: run until stopped).")

    def handle(self, *args, **opts):
        interval = opts["interval"]
        sim = FleetSimulator()
        self._refresh(sim)
        started = timezone.now()
        # Each sensor's latest value is kept by both stores, so this holds on PostgreSQL and MongoDB.
        recent = Sensor.objects.filter(last_ts__gte=started - timezone.timedelta(minutes=2)).exists()
        if opts["backfill_minutes"] > 0 and not recent:
            rows = sim.history(opts["backfill_minutes"] * 60, interval, started.timestamp())
            for i in range(0, len(rows), CHUNK):
                self._ingest(rows[i:i + CHUNK])
            self.stdout.write(f"back-filled {len(rows)} readings over {opts['backfill_minutes']:g} minutes")
        self.stdout.write(f"simulating {len(sim.machines)} machines every {interval:g}s; Ctrl-C stops")
        tick, last_check = 0, started
        try:
            while not opts["iterations"] or tick < opts["iterations"]:
                t0 = time.monotonic()
                sim.step(interval)
                self._ingest(sim.readings(time.time()))
                tick += 1
                if tick % 15 == 0:
                    last_check = self._repairs(sim, last_check)
                    self._refresh(sim)
                time.sleep(max(0.0, interval - (time.monotonic() - t0)))
        except KeyboardInterrupt:
            pass

    def _refresh(self, sim):
        sim.refresh(list(Sensor.objects.filter(is_active=True).values_list("id", "asset_id", "metric",
                                                                            "asset__category__name")))

    def _repairs(self, sim, since):
        """A completed work order means the machine was fixed: it runs as new again."""
        now = timezone.now()
        for asset_id in WorkOrder.objects.filter(completed_at__gte=since, asset__isnull=False).values_list(
                "asset_id", flat=True):
            sim.repair(asset_id)
        return now

    def _ingest(self, rows):
        items = [{"sensor": sid, "ts": ts, "value": value} for sid, ts, value in rows]
        result = services.ingest_readings(items)
        if result.errors:
            self.stderr.write(f"{result.refused} readings refused, e.g. {result.errors[0]}")
