"""Run the MQTT ingestion worker until SIGTERM / Ctrl-C."""

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from telemetry.mqtt import MqttIngestor


class Command(BaseCommand):
    help = "Subscribe to the MQTT broker's reading topics and store every message through ingest_readings."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.MQTT_URL, help="mqtt://[user:pass@]host[:port] (MQTT_URL)")
        parser.add_argument("--topic", default=settings.MQTT_TOPIC, help="Topic pattern (MQTT_TOPIC)")
        parser.add_argument("--error-topic", default=settings.MQTT_ERROR_TOPIC,
                            help="Where refused readings are reported (MQTT_ERROR_TOPIC; empty: log only)")
        parser.add_argument("--site-level", type=int, default=settings.MQTT_TOPIC_SITE_LEVEL,
                            help="Topic level naming the site by its code; its sensors only (MQTT_TOPIC_SITE_LEVEL)")
        parser.add_argument("--client-id", default=None,
                            help="A stable id keeps a persistent session: QoS 1 messages wait during restarts")

    def handle(self, *args, url, topic, error_topic, client_id, site_level, **options):
        if not url:
            raise CommandError("No broker: set MQTT_URL or pass --url mqtt://host:1883")
        try:
            worker = MqttIngestor(url=url, topic=topic, error_topic=error_topic, client_id=client_id,
                                  site_level=site_level)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: worker.stop())
        self.stdout.write(f"MQTT ingestion: {worker.broker.host}:{worker.broker.port} topic {topic}", ending="\n")
        self.stdout.flush()
        worker.run_forever()
