"""Write the MQTT broker's password file and ACL from the gateways in the database."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from telemetry.broker import BrokerAccess, parse_url, write_broker_access


class Command(BaseCommand):
    help = ("Write mosquitto's password file and ACL: the ingestion workers (the user and password in MQTT_URL) "
            "read every site's readings; each active gateway (user gateway-<key prefix>, its API key as password) "
            "writes its own site's topic only. A running broker whose pid file is given is told to reload.")

    def add_arguments(self, parser):
        parser.add_argument("--password-file", default=settings.MQTT_PASSWORD_FILE)
        parser.add_argument("--acl-file", default=settings.MQTT_ACL_FILE)
        parser.add_argument("--pid-file", default=settings.MQTT_BROKER_PID_FILE)
        parser.add_argument("--url", default=settings.MQTT_URL,
                            help="mqtt://user:password@host: the ingestion workers' credentials (MQTT_URL)")

    def handle(self, *args, password_file, acl_file, pid_file, url, **options):
        if not (password_file and acl_file):
            raise CommandError("give --password-file and --acl-file (or set MQTT_PASSWORD_FILE and MQTT_ACL_FILE)")
        try:
            broker = parse_url(url) if url else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if broker is None or not (broker.username and broker.password):
            raise CommandError("MQTT_URL (or --url) must carry the ingestion workers' user and password")
        access = BrokerAccess(Path(password_file), Path(acl_file),
                              Path(pid_file) if pid_file else Path(password_file).with_suffix(".pid"))
        write_broker_access(access, worker_username=broker.username, worker_password=broker.password)
        self.stdout.write(self.style.SUCCESS(f"broker access written to {access.password_file} and {access.acl_file}"))
