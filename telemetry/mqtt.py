"""MQTT ingestion: a worker subscribed to the broker's reading topics (``MQTT_TOPIC``, e.g.
``prosync/+/readings``) that stores each message through ``ingest_readings``, with the same
validation as the HTTP bulk endpoint.

A message is one reading ``{"sensor": ..., "ts": ..., "value": ...}`` or a JSON list of them.
Whatever is refused (bad JSON, a bad item with its index and reason) is logged and published to
``MQTT_ERROR_TOPIC`` with the topic it came from, so the gateway can see it.

Who may publish is the broker's business (its authentication and ACLs). With
``MQTT_TOPIC_SITE_LEVEL`` set, one level of the topic names a site by its code
(``prosync/<site>/readings`` is level 1) and a message is stored for that site's sensors only, so
a broker ACL per site (mosquitto: ``pattern write prosync/%u/readings``, the gateway's user
named after its site) confines each gateway to its own site; without it the worker writes for
every sensor.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import close_old_connections

from telemetry.services import BatchRefused, ingest_readings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False


def parse_url(url: str) -> Broker:
    """``mqtt://user:pass@host:1883`` or ``mqtts://host:8883``."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"MQTT_URL must start with mqtt:// or mqtts://, not {parts.scheme or 'nothing'}")
    if not parts.hostname:
        raise ValueError("MQTT_URL has no host")
    tls = parts.scheme in ("mqtts", "ssl")
    return Broker(host=parts.hostname, port=parts.port or (8883 if tls else 1883),
                  username=unquote(parts.username) if parts.username else None,
                  password=unquote(parts.password) if parts.password else None, tls=tls)


def site_of_topic(topic: str, level: int | None) -> tuple[int | None, str | None]:
    """(site id, None) for the site the topic names at ``level``; (None, reason) when it names
    none; (None, None) when topics do not name sites."""
    from assets.models import Site

    if level is None:
        return None, None
    parts = topic.split("/")
    code = parts[level] if 0 <= level < len(parts) else ""
    site_id = Site.objects.filter(code=code).values_list("pk", flat=True).first() if code else None
    if site_id is None:
        return None, f"the topic names no site (level {level} is {code!r}); nothing was stored"
    return site_id, None


def handle_message(topic: str, payload: bytes, *, site_level: int | None = None) -> dict:
    """Store one message's readings. Returns the outcome: received, stored, duplicates, refused,
    errors (each with index, field, reason), and the topic. With ``site_level``, only the
    sensors of the site the topic names at that level are known."""
    outcome = {"topic": topic, "received": 0, "stored": 0, "duplicates": 0, "refused": 0, "errors": []}
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        outcome["errors"] = [{"index": None, "field": None, "reason": f"the message is not valid JSON: {exc}"[:200]}]
        return outcome
    items = [data] if isinstance(data, dict) else data
    close_old_connections()  # a long-running worker must survive a database restart
    site_id, refused = site_of_topic(topic, site_level)
    if refused:
        outcome["errors"] = [{"index": None, "field": None, "reason": refused}]
        return outcome
    try:
        result = ingest_readings(items, site_id=site_id)
    except BatchRefused as exc:
        outcome["errors"] = [{"index": None, "field": None, "reason": exc.reason}]
        return outcome
    outcome.update(result.as_dict())
    return outcome


class MqttIngestor:
    def __init__(self, url: str | None = None, topic: str | None = None, error_topic: str | None = None,
                 client_id: str | None = None, qos: int = 1, site_level: int | None = -1):
        import paho.mqtt.client as mqtt

        self.broker = parse_url(url or settings.MQTT_URL)
        self.topic = topic or settings.MQTT_TOPIC
        self.site_level = settings.MQTT_TOPIC_SITE_LEVEL if site_level == -1 else site_level
        self.error_topic = error_topic if error_topic is not None else settings.MQTT_ERROR_TOPIC
        self.qos = qos
        # A stable client id with a persistent session keeps QoS 1 messages queued at the broker
        # while the worker restarts.
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=client_id or f"prosync-ingest-{uuid.uuid4().hex[:8]}",
                                  clean_session=client_id is None)
        if self.broker.username:
            self.client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.messages = 0

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            logger.error("MQTT connection refused", extra={"reason": str(reason_code)})
            return
        client.subscribe(self.topic, qos=self.qos)
        logger.info("MQTT ingestion subscribed", extra={"host": self.broker.host, "port": self.broker.port,
                                                        "topic": self.topic})

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        if reason_code != 0:
            logger.warning("MQTT connection lost; reconnecting", extra={"reason": str(reason_code)})

    def _on_message(self, client, userdata, msg):
        self.messages += 1
        try:
            outcome = handle_message(msg.topic, msg.payload, site_level=self.site_level)
        except Exception as exc:  # the worker keeps running; the message is reported as failed
            logger.exception("MQTT message not ingested", extra={"topic": msg.topic})
            outcome = {"topic": msg.topic, "received": 0, "stored": 0, "refused": 0,
                       "errors": [{"index": None, "field": None, "reason": f"internal error: {type(exc).__name__}"}]}
        if outcome["errors"]:
            logger.warning("MQTT readings refused", extra={"topic": msg.topic, "refused": outcome.get("refused"),
                                                           "errors": outcome["errors"][:5]})
            if self.error_topic:
                client.publish(self.error_topic, json.dumps(outcome), qos=1)

    def run_forever(self) -> None:
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self.client.loop_forever(retry_first_connection=True)

    def stop(self) -> None:
        self.client.disconnect()
