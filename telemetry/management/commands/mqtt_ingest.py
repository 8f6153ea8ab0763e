"""Run the MQTT ingestion worker until SIGTERM / Ctrl-C."""

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from telemetry.mqtt import MqttIngestor


def site_level(value: str) -> int | None:
    return None if value.strip().lower() in ("", "off", "none") else int(value)


class Command(BaseCommand):
    help = ("Subscribe to the MQTT broker's reading topics and store the messages through ingest_readings, "
            "in batches, acknowledging each message once its batch is committed.")

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.MQTT_URL, help="mqtt://[user:pass@]host[:port] (MQTT_URL)")
        parser.add_argument("--topic", default=settings.MQTT_TOPIC, help="Topic pattern (MQTT_TOPIC)")
        parser.add_argument("--error-topic", default=settings.MQTT_ERROR_TOPIC,
                            help="Where refused readings are reported (MQTT_ERROR_TOPIC; empty: log only)")
        parser.add_argument("--site-level", type=site_level, default=settings.MQTT_TOPIC_SITE_LEVEL,
                            help="Topic level naming the site by its code, its sensors only; 'off': topics name "
                                 "no site (MQTT_TOPIC_SITE_LEVEL)")
        parser.add_argument("--client-id", default=None,
                            help="The session's id at the broker, the same at every start of this worker "
                                 "(default prosync-ingest-<host name>); two workers must not share one")
        parser.add_argument("--group", default=settings.MQTT_SHARED_GROUP,
                            help="Shared-subscription group: the workers of a group share the messages "
                                 "(MQTT_SHARED_GROUP; empty: a plain subscription)")
        parser.add_argument("--batch-size", type=int, default=settings.MQTT_BATCH_SIZE,
                            help="Most messages stored in one batch (MQTT_BATCH_SIZE)")
        parser.add_argument("--batch-window-ms", type=int, default=settings.MQTT_BATCH_WINDOW_MS,
                            help="Longest wait for more messages after the first of a batch (MQTT_BATCH_WINDOW_MS)")
        parser.add_argument("--stats-interval", type=float, default=settings.MQTT_STATS_INTERVAL,
                            help="Seconds between statistics lines in the log (MQTT_STATS_INTERVAL; 0: none)")

    def handle(self, *args, url, topic, error_topic, client_id, site_level, group, batch_size, batch_window_ms,
               stats_interval, **options):
        if not url:
            raise CommandError("No broker: set MQTT_URL or pass --url mqtt://host:1883")
        try:
            worker = MqttIngestor(url=url, topic=topic, error_topic=error_topic, client_id=client_id,
                                  site_level=site_level, group=group, batch_size=batch_size,
                                  batch_window_ms=batch_window_ms, stats_interval=stats_interval)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: worker.stop())
        self.stdout.write(f"MQTT ingestion: {worker.broker.host}:{worker.broker.port} "
                          f"subscription {worker.subscription} as {worker.client_id}", ending="\n")
        self.stdout.flush()
        worker.run_forever()
