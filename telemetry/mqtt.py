"""MQTT ingestion: a worker subscribed to the broker's reading topics (``MQTT_TOPIC``, e.g.
``prosync/+/readings``) that stores the messages through ``ingest_readings``, with the same
validation as the HTTP bulk endpoint; and the configuration of the broker the project starts.

A message is one reading ``{"sensor": ..., "ts": ..., "value": ...}`` or a JSON list of them.
Whatever is refused (bad JSON, a bad item with its index and reason) is logged and published to
``MQTT_ERROR_TOPIC`` with the topic it came from, so the gateway can see it.

Devices usually publish one reading per message, and one transaction per message would cap a
worker at a few hundred messages a second. So the worker gathers messages for up to
``MQTT_BATCH_WINDOW_MS`` or ``MQTT_BATCH_SIZE`` messages, whichever comes first, and stores them
with one ``ingest_readings`` call (one per site when topics name sites); each message's refusals
are still reported with its own topic and index.

Nothing is lost: QoS 1 messages are acknowledged to the broker only once their batch is
committed (paho's manual acknowledgements), on a persistent session under a stable client id.
A worker that dies mid-batch has acknowledged nothing of it; the broker sends those messages
again when it reconnects (or to the next worker of the group), and readings are idempotent on
sensor and instant, so a replay stores nothing twice. Such a replayed reading is counted as a
duplicate in the worker's statistics and as stored (it is in the store) in a message's outcome.

Several workers share one stream through a shared subscription (``$share/<group>/<topic>``,
``MQTT_SHARED_GROUP``): the broker hands each message to one worker of the group.

Who may publish is the broker's business (its authentication and ACLs). With
``MQTT_TOPIC_SITE_LEVEL`` set, one level of the topic names a site by its code
(``prosync/<site>/readings`` is level 1) and a message is stored for that site's sensors only, so
a broker ACL per site (mosquitto: ``pattern write prosync/%u/readings``, the gateway's user
named after its site) confines each gateway to its own site; without it the worker writes for
every sensor.
"""

from __future__ import annotations

import bisect
import collections
import json
import logging
import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections

from telemetry.broker import BrokerAccess, error_topic_for, parse_url

logger = logging.getLogger(__name__)



# --- The broker the project starts ------------------------------------------------------------

# Per subscriber: messages sent and not yet acknowledged, and messages waiting behind them. The
# worker acknowledges a whole batch at once after its commit, so the broker must let it have
# several batches in flight (mosquitto's default, 20, would hold a worker to 20 messages per
# commit); the queue must hold a burst, or a worker's restart, without dropping messages
# (mosquitto's default, 1,000, is what lost half of a 2,000-message burst).
BROKER_MAX_INFLIGHT = 10_000
BROKER_MAX_QUEUED = 1_000_000


def mosquitto_binary() -> str | None:
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()), None)


def mosquitto_config(port: int, data_dir: Path, *, host: str = "127.0.0.1", access: BrokerAccess | None = None) -> str:
    """A mosquitto configuration for the ingestion load: the limits above, and sessions and
    queued messages kept on disk across a broker restart. With ``access``, only the clients in its
    password file may connect, each confined by its ACL (``write_broker_access``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    run_as = []
    if os.geteuid() == 0:
        # Started as root, mosquitto switches to its own user, which must be able to save.
        import pwd

        try:
            entry = pwd.getpwnam("mosquitto")
            os.chown(data_dir, entry.pw_uid, entry.pw_gid)
        except KeyError:
            run_as = ["user root"]
    return "\n".join([
        f"listener {port} {host}",
        *run_as,
        *(["allow_anonymous false", f"password_file {access.password_file}", f"acl_file {access.acl_file}"]
          if access else ["allow_anonymous true"]),
        f"max_inflight_messages {BROKER_MAX_INFLIGHT}",
        f"max_queued_messages {BROKER_MAX_QUEUED}",
        "persistence true",
        f"persistence_location {data_dir}/",
        # Saved every 30 s and at shutdown: a broker that crashes loses at most the last 30 s of
        # messages still queued in it (devices publishing with QoS 1 have had their PUBACK).
        "autosave_interval 30",
        "",
    ])


def default_client_id() -> str:
    """A client id that is the same at every start of this worker on this host (a container's
    host name is its own), so the broker keeps its session and queued messages across restarts."""
    return f"prosync-ingest-{socket.gethostname()}"


# --- Storing messages -------------------------------------------------------------------------


def site_of_topic(topic: str, level: int | None) -> tuple[int | None, str | None]:
    """(site id, None) for the site the topic names at ``level``; (None, reason) when it names
    none; (None, None) when topics do not name sites."""
    return _sites_of_topics([topic], level)[topic]


def _sites_of_topics(topics: list[str], level: int | None) -> dict[str, tuple[int | None, str | None]]:
    """``site_of_topic`` for several topics with one query."""
    from assets.models import Site

    if level is None:
        return dict.fromkeys(topics, (None, None))
    codes = {}
    for topic in topics:
        parts = topic.split("/")
        codes[topic] = parts[level] if 0 <= level < len(parts) else ""
    wanted = {c for c in codes.values() if c}
    ids = dict(Site.objects.filter(code__in=wanted).values_list("code", "pk")) if wanted else {}
    out = {}
    for topic, code in codes.items():
        site_id = ids.get(code)
        out[topic] = (site_id, None) if site_id is not None else (
            None, f"the topic names no site (level {level} is {code!r}); nothing was stored")
    return out


@dataclass
class BatchOutcome:
    """What one batch of messages came to: one outcome per message (topic, received, stored,
    refused, errors with the message's own indexes), and the store's counts for the batch."""

    messages: list[dict]
    stored: int = 0
    duplicates: int = 0
    # Per message: the newest reading's instant (epoch seconds), for the age at commit.
    newest: list[float | None] = field(default_factory=list)


def _refusal(reason: str) -> list[dict]:
    return [{"index": None, "field": None, "reason": reason[:200]}]


def _epoch(raw) -> float | None:
    if type(raw) is str:
        try:
            return datetime.fromisoformat(raw).timestamp()
        except ValueError:
            return None
    if type(raw) in (int, float):
        return float(raw)
    return None


def ingest_messages(messages: list[tuple[str, bytes]], *, site_level: int | None = None) -> BatchOutcome:
    """Store a batch of MQTT messages ``(topic, payload)``: each is decoded and checked on its own
    (so a bad one is refused alone), then their readings go through ``ingest_readings`` together,
    one call per site (and per ``INGEST_MAX_BATCH`` readings), and each refused reading is given
    back to its message with the index it had there."""
    from telemetry.services import BatchRefused, ingest_readings

    close_old_connections()  # a long-running worker must survive a database restart
    sites = _sites_of_topics(list({t for t, _ in messages}), site_level)
    outcomes, newest = [], []
    groups: dict[int | None, list[tuple[int, list]]] = {}
    for topic, payload in messages:
        outcome = {"topic": topic, "received": 0, "stored": 0, "refused": 0, "errors": []}
        outcomes.append(outcome)
        newest.append(None)
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, ValueError) as exc:
            outcome["errors"] = _refusal(f"the message is not valid JSON: {exc}")
            continue
        items = [data] if isinstance(data, dict) else data
        # The same refusals, in the same words, as ingest_readings gives a whole batch.
        if not isinstance(items, list):
            outcome["errors"] = _refusal("the body must be a JSON list of readings")
            continue
        if not items:
            outcome["errors"] = _refusal("the list of readings is empty")
            continue
        if len(items) > settings.INGEST_MAX_BATCH:
            outcome["errors"] = _refusal(f"the batch has {len(items)} readings; the limit is "
                                         f"{settings.INGEST_MAX_BATCH}")
            continue
        site_id, refused = sites[topic]
        if refused:
            outcome["errors"] = _refusal(refused)
            continue
        outcome["received"] = len(items)
        last = items[-1]  # a device's newest reading is normally its last
        newest[-1] = _epoch(last.get("ts")) if isinstance(last, dict) else None
        groups.setdefault(site_id, []).append((len(outcomes) - 1, items))

    batch = BatchOutcome(messages=outcomes, newest=newest)
    for site_id, parts in groups.items():
        for chunk in _chunks(parts, settings.INGEST_MAX_BATCH):
            combined, starts = [], []
            for _, items in chunk:
                starts.append(len(combined))
                combined.extend(items)
            try:
                result = ingest_readings(combined, site_id=site_id)
            except BatchRefused as exc:  # cannot happen for checked messages; kept as a guard
                for position, _ in chunk:
                    outcomes[position]["errors"] = _refusal(exc.reason)
                continue
            batch.stored += result.stored
            batch.duplicates += result.duplicates
            for error in result.errors:
                k = bisect.bisect_right(starts, error["index"]) - 1
                outcomes[chunk[k][0]]["errors"].append({**error, "index": error["index"] - starts[k]})
            for position, _ in chunk:
                outcome = outcomes[position]
                outcome["refused"] = len({e["index"] for e in outcome["errors"]})
                outcome["stored"] = outcome["received"] - outcome["refused"]
    return batch


def _chunks(parts: list[tuple[int, list]], limit: int):
    """Consecutive messages whose readings together stay within ``limit``."""
    chunk, size = [], 0
    for part in parts:
        if chunk and size + len(part[1]) > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(part)
        size += len(part[1])
    if chunk:
        yield chunk


def handle_message(topic: str, payload: bytes, *, site_level: int | None = None) -> dict:
    """Store one message's readings; its outcome (received, stored, refused, errors, topic)."""
    return ingest_messages([(topic, payload)], site_level=site_level).messages[0]


# --- Statistics -------------------------------------------------------------------------------


def age_bucket(ms: float) -> int:
    """The age rounded down to two significant digits (each millisecond below 100 ms, each 10 ms
    below 1 s, each 100 ms below 10 s, ...): at most 90 buckets per power of ten, even for
    history sent hours late, and workers' histograms can be added up and read for percentiles."""
    ms = int(max(0.0, ms))
    step = 10 ** max(0, len(str(ms)) - 2)
    return ms // step * step


def percentile(histogram: dict, q: float) -> float | None:
    """The ``q`` quantile (0..1) of a histogram {bucket: count}."""
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = q * (total - 1), 0
    for bucket in sorted(histogram, key=float):
        seen += histogram[bucket]
        if seen > rank:
            return float(bucket)
    return float(max(histogram, key=float))


@dataclass
class Stats:
    """Counts since the last statistics line."""

    messages: int = 0
    batches: int = 0
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    refused_messages: int = 0
    # Age of each message's newest reading when its batch committed (ms), bucketed.
    age_ms: collections.Counter = field(default_factory=collections.Counter)


# --- The worker -------------------------------------------------------------------------------


class MqttIngestor:
    def __init__(self, url: str | None = None, topic: str | None = None, error_topic: str | None = None,
                 client_id: str | None = None, qos: int = 1, site_level: int | None = -1,
                 group: str | None = None, batch_size: int | None = None, batch_window_ms: int | None = None,
                 stats_interval: float | None = None):
        import paho.mqtt.client as mqtt

        self.broker = parse_url(url or settings.MQTT_URL)
        self.topic = topic or settings.MQTT_TOPIC
        self.group = settings.MQTT_SHARED_GROUP if group is None else group
        self.subscription = f"$share/{self.group}/{self.topic}" if self.group else self.topic
        self.site_level = settings.MQTT_TOPIC_SITE_LEVEL if site_level == -1 else site_level
        self.error_topic = error_topic if error_topic is not None else settings.MQTT_ERROR_TOPIC
        self.qos = qos
        self.batch_size = batch_size or settings.MQTT_BATCH_SIZE
        self.batch_window = (settings.MQTT_BATCH_WINDOW_MS if batch_window_ms is None else batch_window_ms) / 1000
        self.stats_interval = settings.MQTT_STATS_INTERVAL if stats_interval is None else stats_interval
        self.client_id = client_id or default_client_id()
        # A persistent session under a stable id: the broker keeps the subscription and the
        # messages not yet acknowledged while the worker is away, and sends them again.
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id,
                                  clean_session=False, manual_ack=True)
        if self.broker.username:
            self.client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        # Received and not yet stored; filled by paho's network thread, emptied by run_forever.
        self._inbox: collections.deque = collections.deque()
        self._arrived = threading.Event()
        # A plain flag: set from a signal handler, where taking a lock could deadlock.
        self._stopping = False
        self.stats = Stats()
        self.last_commit_at: float | None = None
        self._session_present = False

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            logger.error("MQTT connection refused", extra={"reason": str(reason_code)})
            return
        client.subscribe(self.subscription, qos=self.qos)
        self._session_present = flags.session_present

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        # Said once the broker has granted it: messages published from then on reach a worker.
        if any(code.is_failure for code in reason_codes):
            logger.error("MQTT subscription refused (does the broker allow shared subscriptions?)",
                         extra={"subscription": self.subscription, "reason": str(reason_codes[0])})
            return
        logger.info("MQTT ingestion subscribed", extra={"host": self.broker.host, "port": self.broker.port,
                                                        "subscription": self.subscription,
                                                        "client_id": self.client_id,
                                                        "session_present": self._session_present})

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        if reason_code != 0:
            logger.warning("MQTT connection lost; reconnecting", extra={"reason": str(reason_code)})

    def _on_message(self, client, userdata, msg):
        # Kept short: this runs on paho's network thread, once per message.
        self._inbox.append(msg)
        self._arrived.set()

    def _gather(self) -> list:
        """The next batch: waits for a first message, then for up to the batch window or until
        the batch is full."""
        inbox = self._inbox
        if not inbox:
            self._arrived.clear()
            if not inbox:
                self._arrived.wait(0.5)
                if not inbox:
                    return []
        deadline = time.monotonic() + self.batch_window
        while len(inbox) < self.batch_size and not self._stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(left, 0.002))
        return [inbox.popleft() for _ in range(min(len(inbox), self.batch_size))]

    def _store(self, messages: list) -> BatchOutcome | None:
        """Store a batch; on a lost database connection, wait and try again (the messages stay
        unacknowledged meanwhile; None if the worker is stopped before it succeeds). A batch
        that fails for any other reason is stored message by message, so one message that breaks
        the service cannot hold back the others."""
        pairs = [(m.topic, m.payload) for m in messages]
        delay = 1.0
        while True:
            try:
                try:
                    return ingest_messages(pairs, site_level=self.site_level)
                except (OperationalError, InterfaceError):
                    raise
                except Exception:
                    logger.exception("MQTT batch not ingested; storing its messages one by one")
                    return self._store_one_by_one(pairs)
            except (OperationalError, InterfaceError):
                logger.exception("Database unavailable; MQTT batch kept unacknowledged, retrying",
                                 extra={"messages": len(messages), "retry_in_s": delay})
                deadline = time.monotonic() + delay
                while time.monotonic() < deadline:
                    if self._stopping:
                        return None
                    time.sleep(0.1)
                delay = min(delay * 2, 30.0)

    def _store_one_by_one(self, pairs: list[tuple[str, bytes]]) -> BatchOutcome:
        batch = BatchOutcome(messages=[], newest=[])
        for topic, payload in pairs:
            try:
                one = ingest_messages([(topic, payload)], site_level=self.site_level)
            except (OperationalError, InterfaceError):
                raise
            except Exception as exc:  # reported as failed, and acknowledged: retrying cannot help
                if isinstance(exc, DatabaseError):
                    close_old_connections()
                logger.exception("MQTT message not ingested", extra={"topic": topic})
                one = BatchOutcome(messages=[{"topic": topic, "received": 0, "stored": 0, "refused": 0,
                                              "errors": _refusal(f"internal error: {type(exc).__name__}")}],
                                   newest=[None])
            batch.messages += one.messages
            batch.newest += one.newest
            batch.stored += one.stored
            batch.duplicates += one.duplicates
        return batch

    def _process(self, messages: list) -> None:
        outcome = self._store(messages)
        if outcome is None:
            return
        committed = time.time()
        for message in outcome.messages:
            if message["errors"]:
                logger.warning("MQTT readings refused", extra={"topic": message["topic"],
                                                               "refused": message["refused"],
                                                               "errors": message["errors"][:5]})
                if self.error_topic:
                    self.client.publish(error_topic_for(self.error_topic, message["topic"], self.site_level),
                                        json.dumps(message), qos=1)
        # Only now, with the batch committed, may the broker forget these messages.
        for m in messages:
            if m.qos:
                self.client.ack(m.mid, m.qos)
        s = self.stats
        s.messages += len(messages)
        s.batches += 1
        s.stored += outcome.stored
        s.duplicates += outcome.duplicates
        for message, newest in zip(outcome.messages, outcome.newest, strict=True):
            if message["errors"]:
                s.refused += message["refused"] or 1
                s.refused_messages += 1
            if newest is not None:
                s.age_ms[age_bucket((committed - newest) * 1000)] += 1
        self.last_commit_at = committed

    def log_stats(self) -> None:
        s, self.stats = self.stats, Stats()
        logger.info("MQTT ingestion stats", extra={
            "client_id": self.client_id, "messages": s.messages, "batches": s.batches, "stored": s.stored,
            "duplicates": s.duplicates, "refused": s.refused, "refused_messages": s.refused_messages,
            "age_ms_p50": percentile(s.age_ms, 0.5), "age_ms_p99": percentile(s.age_ms, 0.99),
            "age_ms_histogram": dict(s.age_ms), "last_commit_at": self.last_commit_at})

    def run_forever(self) -> None:
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self.client.loop_start()
        next_stats = time.monotonic() + self.stats_interval
        try:
            while not self._stopping:
                messages = self._gather()
                if messages:
                    self._process(messages)
                if self.stats_interval and time.monotonic() >= next_stats:
                    self.log_stats()
                    next_stats = time.monotonic() + self.stats_interval
            self._drain()
        finally:
            if self.stats.messages:
                self.log_stats()
            self.client.disconnect()
            self.client.loop_stop()

    def _drain(self) -> None:
        """On a stop: no new messages for this worker, and those it was sent are stored and
        acknowledged, so a worker stopped for good (a smaller group, a redeployed container under
        a new id) leaves nothing behind in its session. What is still unacknowledged when this
        gives up stays in the session for the next start under the same id."""
        if not self.client.is_connected():
            return
        unsubscribed = threading.Event()
        self.client.on_unsubscribe = lambda *_: unsubscribed.set()
        self.client.unsubscribe(self.subscription)
        unsubscribed.wait(5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            messages = self._gather()  # waits up to half a second for a straggler
            if not messages:
                break
            self._process(messages)

    def stop(self) -> None:
        """Stop taking messages, store those received, then disconnect (safe from a signal
        handler)."""
        self._stopping = True

