"""MQTT ingestion against a real broker: the ``mqtt_ingest`` worker as its own process, readings
as single objects and lists, bad payloads reported on the error topic, messages stored in
batches, acknowledged only once committed, shared between workers; and ``make run``'s broker.

Uses the broker at MQTT_URL when it is set; otherwise starts Debian's mosquitto on a free port
with the configuration the project gives it (and says which it used)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import BASE_DIR, free_port, service_env, wait_for_port
from telemetry.broker import BrokerAccess, parse_url
from telemetry.models import Reading
from telemetry.mqtt import mosquitto_binary, mosquitto_config

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def broker_url(tmp_path_factory):
    given = os.environ.get("MQTT_URL")
    if given:
        print(f"MQTT tests use the broker at MQTT_URL ({given})")
        yield given
        return
    binary = mosquitto_binary()
    if binary is None:
        pytest.fail("mosquitto is not installed (apt-get install mosquitto) and MQTT_URL is not set")
    port = free_port()
    directory = tmp_path_factory.mktemp("mosquitto")
    directory.chmod(0o755)  # started as root, mosquitto saves as its own user
    conf = directory / "mosquitto.conf"
    conf.write_text(mosquitto_config(port, directory / "store"))
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc, timeout=15)
        print(f"MQTT tests use a mosquitto started on port {port}")
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


class Collector:
    """A client on the error topic, and a publisher."""

    def __init__(self, url: str, error_topic: str):
        import paho.mqtt.client as mqtt

        b = parse_url(url)
        self.errors: list[dict] = []
        self.subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        self.client.on_connect = lambda c, *_: c.subscribe(error_topic, qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = lambda c, u, m: self.errors.append(json.loads(m.payload))
        self.client.connect(b.host, b.port)
        self.client.loop_start()
        assert self.subscribed.wait(10)

    def publish(self, topic, payload):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.client.publish(topic, body, qos=1).wait_for_publish(10)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


class Worker:
    """``manage.py mqtt_ingest`` as its own process, with what it logs kept (statistics lines)."""

    def __init__(self, broker_url: str, topic_root: str, client_id: str, *options: str):
        self.args = [sys.executable, "manage.py", "mqtt_ingest", "--url", broker_url, "--topic",
                     f"{topic_root}/+/readings", "--error-topic", f"{topic_root}/errors", "--client-id", client_id,
                     "--group", topic_root, "--stats-interval", "0.2", "--site-level", "off", *options]
        self.start()

    def start(self) -> None:
        self.lines: list[str] = []
        self.subscribed = threading.Event()
        self.proc = subprocess.Popen(self.args, cwd=BASE_DIR, env=dict(service_env(), LOG_LEVEL="INFO"),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        assert self.subscribed.wait(60), self.lines

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)
            if "MQTT ingestion subscribed" in line:
                self.subscribed.set()

    def stats(self) -> list[dict]:
        return [json.loads(line) for line in self.lines if '"MQTT ingestion stats"' in line]

    def total(self, key: str) -> int:
        return sum(s[key] for s in self.stats())

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@contextlib.contextmanager
def ingest_workers(broker_url: str, topic_root: str, *options: str, count: int = 1):
    """``count`` workers sharing ``<topic_root>/+/readings``, and a collector of what they report
    on ``<topic_root>/errors``; all stopped afterwards."""
    collector = Collector(broker_url, f"{topic_root}/errors")
    workers = []
    try:
        workers += [Worker(broker_url, topic_root, f"{topic_root}-w{i}", *options) for i in range(count)]
        yield workers, collector
    finally:
        collector.close()
        for worker in workers:
            worker.stop()


@contextlib.contextmanager
def ingest_worker(broker_url: str, topic_root: str, *options: str):
    with ingest_workers(broker_url, topic_root, *options) as (workers, collector):
        try:
            yield workers[0].proc, collector
        except AssertionError:
            print("".join(workers[0].lines))
            raise


def test_mqtt_worker_ingests_and_reports_bad_payloads(live_plant, broker_url):
    topic_root = f"prosync-test-{os.getpid()}"
    with ingest_worker(broker_url, topic_root) as (worker, collector):
        vib, temp = live_plant.sensors_a["vibration"], live_plant.sensors_a["temperature"]
        t = timezone.now() - timedelta(minutes=5)
        # One reading as an object, by external key; then a list, by id, with one bad item.
        collector.publish(f"{topic_root}/gw-1/readings", {"sensor": vib.key, "ts": t.isoformat(), "value": 2.5})
        collector.publish(f"{topic_root}/gw-1/readings", [
            {"sensor": temp.pk, "ts": (t + timedelta(seconds=i)).isoformat(), "value": 60.0 + i} for i in range(3)
        ] + [{"sensor": temp.pk, "ts": t.isoformat(), "value": "hot"}])
        collector.publish(f"{topic_root}/gw-2/readings", b"{not json")
        collector.publish(f"{topic_root}/gw-2/readings", [{"sensor": "no-such-sensor", "ts": t.isoformat(),
                                                            "value": 1.0}])
        collector.publish(f"{topic_root}/gw-2/readings", [])
        assert wait_until(lambda: Reading.objects.filter(sensor__in=[vib, temp]).count() == 4), \
            Reading.objects.filter(sensor__in=[vib, temp]).count()
        assert wait_until(lambda: len(collector.errors) >= 4)
        by_topic = {}
        for e in collector.errors:
            by_topic.setdefault(e["topic"], []).append(e)
        list_error = by_topic[f"{topic_root}/gw-1/readings"][0]
        assert list_error["stored"] == 3 and list_error["refused"] == 1
        assert list_error["errors"] == [{"index": 3, "field": "value",
                                         "reason": "the value is a string; send a JSON number"}]
        reasons = [e["errors"][0]["reason"] for e in by_topic[f"{topic_root}/gw-2/readings"]]
        assert any("not valid JSON" in r for r in reasons)
        assert any("unknown sensor 'no-such-sensor'" in r for r in reasons)
        assert any("empty" in r for r in reasons)
        assert Reading.objects.get(sensor=vib).value == 2.5
        # Retrying the same message (QoS 1 redelivery) stores nothing twice.
        collector.publish(f"{topic_root}/gw-1/readings", {"sensor": vib.key, "ts": t.isoformat(), "value": 2.5})
        time.sleep(1.0)
        assert Reading.objects.filter(sensor=vib).count() == 1
        assert worker.poll() is None  # bad payloads never stop the worker


def test_topics_naming_sites_confine_each_message_to_its_sites_sensors(live_plant, broker_url):
    topic_root = f"prosync-site-{os.getpid()}"
    with ingest_worker(broker_url, topic_root, "--site-level", "1") as (_worker, collector):
        vib_a, vib_b = live_plant.sensors_a["vibration"], live_plant.sensors_b["vibration"]
        t = (timezone.now() - timedelta(minutes=5)).isoformat()
        site_a, site_b = live_plant.site_a.code, live_plant.site_b.code
        # Site A's topic: its own sensor is stored, site B's is as unknown as a sensor that does not exist.
        collector.publish(f"{topic_root}/{site_a}/readings", [{"sensor": vib_a.key, "ts": t, "value": 1.5},
                                                              {"sensor": vib_b.key, "ts": t, "value": 9.9}])
        collector.publish(f"{topic_root}/nowhere/readings", {"sensor": vib_a.key, "ts": t, "value": 7.0})
        collector.publish(f"{topic_root}/{site_b}/readings", {"sensor": vib_b.pk, "ts": t, "value": 2.5})
        assert wait_until(lambda: Reading.objects.filter(sensor__in=[vib_a, vib_b]).count() == 2)
        assert wait_until(lambda: len(collector.errors) >= 2)
        by_topic = {e["topic"]: e for e in collector.errors}
        mixed = by_topic[f"{topic_root}/{site_a}/readings"]
        assert mixed["stored"] == 1 and mixed["errors"] == [{"index": 1, "field": "sensor",
                                                             "reason": f"unknown sensor {vib_b.key!r}"}]
        assert "names no site" in by_topic[f"{topic_root}/nowhere/readings"]["errors"][0]["reason"]
        assert Reading.objects.get(sensor=vib_a).value == 1.5 and Reading.objects.get(sensor=vib_b).value == 2.5


def test_broker_url_parsing():
    assert parse_url("mqtt://u%40x:p@broker:1884") == parse_url("mqtt://u%40x:p@broker:1884")
    b = parse_url("mqtts://gw:secret@broker.example")
    assert (b.host, b.port, b.username, b.password, b.tls) == ("broker.example", 8883, "gw", "secret", True)
    with pytest.raises(ValueError, match="mqtt://"):
        parse_url("http://broker")


def test_a_batch_of_messages_reports_each_messages_refusals_with_its_own_topic_and_index(live_plant, broker_url):
    topic_root = f"prosync-batch-{os.getpid()}"
    # A long window, so that the messages published together are stored by one batch.
    with ingest_workers(broker_url, topic_root, "--batch-window-ms", "1500") as ([worker], collector):
        vib, temp = live_plant.sensors_a["vibration"], live_plant.sensors_a["temperature"]
        t = timezone.now() - timedelta(minutes=5)

        def at(seconds):
            return (t + timedelta(seconds=seconds)).isoformat()

        messages = [
            (f"{topic_root}/gw-1/readings", {"sensor": vib.pk, "ts": at(0), "value": 1.0}),
            (f"{topic_root}/gw-2/readings", [{"sensor": vib.pk, "ts": at(1), "value": 2.0},
                                             {"sensor": temp.pk, "ts": at(1), "value": "warm"}]),
            (f"{topic_root}/gw-3/readings", [{"sensor": temp.pk, "ts": at(2), "value": 61.0},
                                             {"sensor": temp.pk, "ts": at(3), "value": 62.0},
                                             {"sensor": "no-such-sensor", "ts": at(3), "value": 1.0}]),
            (f"{topic_root}/gw-4/readings", {"sensor": temp.pk, "ts": at(4), "value": 63.0}),
        ]
        for topic, payload in messages:
            collector.client.publish(topic, json.dumps(payload), qos=1)
        assert wait_until(lambda: Reading.objects.filter(sensor__in=[vib, temp]).count() == 5)
        assert wait_until(lambda: len(collector.errors) == 2 and worker.total("messages") == 4)
        # One batch stored all four messages...
        assert worker.total("batches") == 1 and worker.total("stored") == 5
        # ...and each refusal names its own message's topic and its index within that message.
        by_topic = {e["topic"]: e for e in collector.errors}
        assert by_topic[f"{topic_root}/gw-2/readings"] == {
            "topic": f"{topic_root}/gw-2/readings", "received": 2, "stored": 1, "refused": 1,
            "errors": [{"index": 1, "field": "value", "reason": "the value is a string; send a JSON number"}]}
        assert by_topic[f"{topic_root}/gw-3/readings"] == {
            "topic": f"{topic_root}/gw-3/readings", "received": 3, "stored": 2, "refused": 1,
            "errors": [{"index": 2, "field": "sensor", "reason": "unknown sensor 'no-such-sensor'"}]}


def _waiting_on_a_lock(dbname: str) -> bool:
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                       [dbname])
        return cursor.fetchone()[0] > 0


def test_a_message_is_acknowledged_only_once_its_batch_is_committed(live_plant, broker_url):
    """A worker killed while its batch waits on the database has acknowledged nothing: the
    broker sends the message again to the restarted worker, which stores it, once. Once the
    batch is committed and acknowledged, a restart brings nothing back."""
    import psycopg
    from django.db import connection

    topic_root = f"prosync-ack-{os.getpid()}"
    vib = live_plant.sensors_a["vibration"]
    ts = (timezone.now() - timedelta(minutes=5)).isoformat()
    db = connection.settings_dict
    with ingest_workers(broker_url, topic_root) as ([worker], collector):
        # Another session holds the readings table, so the worker's commit cannot happen.
        with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]) as blocker:
            blocker.execute("LOCK TABLE telemetry_reading IN ACCESS EXCLUSIVE MODE")
            collector.publish(f"{topic_root}/gw-1/readings", {"sensor": vib.pk, "ts": ts, "value": 4.5})
            assert wait_until(lambda: _waiting_on_a_lock(db["NAME"]))  # received, storing
            worker.kill()
            blocker.rollback()
        assert Reading.objects.filter(sensor=vib).count() == 0
        worker.start()  # same client id: the broker's session still holds the message
        assert wait_until(lambda: Reading.objects.filter(sensor=vib).count() == 1)
        assert wait_until(lambda: worker.total("messages") == 1)
        worker.stop()
        worker.start()
        time.sleep(1.5)
        assert worker.total("messages") == 0  # acknowledged after the commit: not sent again
        assert Reading.objects.filter(sensor=vib).count() == 1
        assert Reading.objects.get(sensor=vib).value == 4.5


def test_a_shared_subscription_spreads_messages_over_two_workers(live_plant, broker_url):
    topic_root = f"prosync-share-{os.getpid()}"
    sensors = list(live_plant.sensors_a.values()) + list(live_plant.sensors_b.values())
    t = timezone.now() - timedelta(minutes=10)
    with ingest_workers(broker_url, topic_root, "--batch-window-ms", "5", count=2) as (workers, collector):
        infos = [collector.client.publish(f"{topic_root}/gw-{i % 3}/readings", json.dumps(
            {"sensor": sensors[i % len(sensors)].pk, "ts": (t + timedelta(seconds=i)).isoformat(), "value": i}), qos=1)
            for i in range(300)]
        for info in infos:
            info.wait_for_publish(10)
        assert wait_until(lambda: Reading.objects.filter(sensor__in=sensors).count() == 300)
        assert wait_until(lambda: sum(w.total("messages") for w in workers) == 300)
        shares = [w.total("messages") for w in workers]
        # Both took part, and no message went to both (which would store each reading twice).
        assert min(shares) >= 50, shares
        assert sum(w.total("duplicates") for w in workers) == 0


def test_make_runs_broker_moves_to_a_free_port_when_1883_is_taken(live_plant):
    """What ``make run`` does for MQTT when port 1883 is taken by another program: its broker
    starts on a free port, says where gateways publish, keeps that port for the next start, takes
    a gateway's messages there (with its key, on its site's topic) and refuses anonymous clients."""

    from telemetry import services

    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 1883))
        holder.listen()
    except OSError:
        holder.close()
        holder = None  # already taken by another program, which is the case under test
    gateway, key = services.issue_gateway(site=live_plant.site_a, name="line gateway", actor=live_plant.admin)
    script = ("import json, os; from prosync import stack; env = dict(os.environ); "
              "commands = stack._mqtt_commands(env); "
              "print(json.dumps({'url': env.get('MQTT_URL'), 'commands': commands}))")
    # mosquitto reads its access files as its own user: not under pytest's private temporary folder.
    var_dir = Path(tempfile.mkdtemp(prefix="prosync-var-"))
    var_dir.chmod(0o755)
    env = dict(service_env(), PROSYNC_VAR_DIR=str(var_dir), MQTT_WORKERS="2")
    for name in ("MQTT_URL", "MQTT_PORT", "MQTT_PASSWORD_FILE", "MQTT_ACL_FILE", "MQTT_BROKER_PID_FILE"):
        env.pop(name, None)

    def make_run_mqtt():
        out = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                             check=True).stdout.splitlines()
        return out, json.loads(out[-1])

    try:
        printed, started = make_run_mqtt()
        url = started["url"]
        broker_address = parse_url(url)
        port = broker_address.port
        assert port != 1883 and broker_address.username == "prosync-ingest"
        assert any(f"MQTT broker on mqtt://127.0.0.1:{port}" in line and "prosync/<site code>/readings" in line
                   for line in printed)
        assert sorted(started["commands"]) == ["mosquitto", "mqtt-1", "mqtt-2"]
        broker = subprocess.Popen(started["commands"]["mosquitto"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, broker, timeout=15)
            assert _client(url) is None, "anonymous clients are refused"
            received = threading.Event()
            reader = _client(url, broker_address.username, broker_address.password)
            reader.on_message = lambda *_: received.set()
            subscribed = threading.Event()
            reader.on_subscribe = lambda *_: subscribed.set()
            reader.subscribe("prosync/+/readings", qos=1)
            assert subscribed.wait(10)
            device = _client(url, f"gateway-{gateway.key_prefix}", key)
            device.publish(f"prosync/{live_plant.site_a.code}/readings", b"{}", qos=1).wait_for_publish(10)
            assert received.wait(10)  # a gateway can publish there
            for client in (reader, device):
                client.loop_stop()
                client.disconnect()
        finally:
            broker.terminate()
            broker.wait(10)
        # The next start finds the same port and the same worker password again.
        assert make_run_mqtt()[1]["url"] == url
    finally:
        if holder is not None:
            holder.close()
        shutil.rmtree(var_dir, ignore_errors=True)


def test_a_worker_stopped_for_good_leaves_no_message_behind(live_plant, broker_url):
    """SIGTERM (a smaller group, a redeployed container): the worker stops taking messages and
    stores those it was sent before it goes, so the group's other worker has the rest and no
    message waits in a session nobody will resume."""
    topic_root = f"prosync-drain-{os.getpid()}"
    sensors = list(live_plant.sensors_a.values()) + list(live_plant.sensors_b.values())
    t = timezone.now() - timedelta(hours=1)
    with ingest_workers(broker_url, topic_root, count=2) as (workers, collector):
        infos = [collector.client.publish(f"{topic_root}/gw-{i % 3}/readings", json.dumps(
            {"sensor": sensors[i % len(sensors)].pk, "ts": (t + timedelta(seconds=i)).isoformat(), "value": i}), qos=1)
            for i in range(3000)]  # the last an hour minus 50 minutes ago: none refused as from the future
        assert wait_until(lambda: workers[0].total("messages") > 0, timeout=30)
        workers[0].stop()
        assert workers[0].proc.returncode == 0
        for info in infos:
            info.wait_for_publish(30)
        assert wait_until(lambda: Reading.objects.filter(sensor__in=sensors).count() == 3000, timeout=60), \
            Reading.objects.filter(sensor__in=sensors).count()
        assert workers[1].proc.poll() is None


def _client(url: str, username=None, password=None):
    """A connected paho client, or the reason the broker refused it."""
    import paho.mqtt.client as mqtt

    b = parse_url(url)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    if username:
        client.username_pw_set(username, password)
    answered, result = threading.Event(), {}

    def on_connect(c, userdata, flags, reason_code, properties):
        result["refused"] = reason_code.is_failure
        answered.set()

    client.on_connect = on_connect
    client.connect(b.host, b.port)
    client.loop_start()
    assert answered.wait(10)
    if result["refused"]:
        client.loop_stop()
        return None
    return client


def test_each_gateway_publishes_for_its_own_site_only_with_its_own_key(live_plant, settings):
    """The broker make run starts: anonymous and wrong passwords are refused, a gateway's key
    lets it write its own site's topic and read its own site's errors, nothing else; revoking the
    gateway shuts it out of the running broker."""
    from telemetry import services

    root = f"prosync-acl-{os.getpid()}"
    port = free_port()
    # mosquitto reads its access files as its own user: not under pytest's private temporary folder.
    directory = Path(tempfile.mkdtemp(prefix="prosync-broker-"))
    directory.chmod(0o755)
    access = BrokerAccess(directory / "passwd", directory / "acl", directory / "mosquitto.pid")
    worker_url = f"mqtt://prosync-ingest:worker-secret@127.0.0.1:{port}"
    settings.MQTT_URL, settings.MQTT_TOPIC_SITE_LEVEL = worker_url, 1
    settings.MQTT_TOPIC, settings.MQTT_ERROR_TOPIC = f"{root}/+/readings", f"{root}/{{site}}/errors"
    settings.MQTT_PASSWORD_FILE, settings.MQTT_ACL_FILE = str(access.password_file), str(access.acl_file)
    settings.MQTT_BROKER_PID_FILE = str(access.pid_file)
    gateway_a, key_a = services.issue_gateway(site=live_plant.site_a, name="north gateway", actor=live_plant.admin)
    _gateway_b, key_b = services.issue_gateway(site=live_plant.site_b, name="south gateway", actor=live_plant.admin)
    assert f"gateway-{gateway_a.key_prefix}:$7$" in access.password_file.read_text()

    conf = directory / "mosquitto.conf"
    conf.write_text(mosquitto_config(port, directory / "store", access=access))
    broker = subprocess.Popen([mosquitto_binary(), "-c", str(conf)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    access.pid_file.write_text(str(broker.pid))  # as make run does
    user_a = f"gateway-{gateway_a.key_prefix}"
    clients = []
    try:
        wait_for_port(port, broker, timeout=15)
        assert _client(worker_url) is None, "anonymous clients are refused"
        assert _client(worker_url, user_a, key_b) is None, "another gateway's key is refused"
        gw_a = _client(worker_url, user_a, key_a)
        assert gw_a is not None
        clients.append(gw_a)
        errors_seen: list[tuple[str, dict]] = []
        subscribed = threading.Event()
        gw_a.on_message = lambda c, u, m: errors_seen.append((m.topic, json.loads(m.payload)))
        gw_a.on_subscribe = lambda *_: subscribed.set()
        gw_a.subscribe([(f"{root}/{live_plant.site_a.code}/errors", 1), (f"{root}/{live_plant.site_b.code}/errors", 1)])
        assert subscribed.wait(10)

        worker = Worker(worker_url, root, f"{root}-w", "--site-level", "1", "--error-topic",
                        f"{root}/{{site}}/errors")
        try:
            vib_a, vib_b = live_plant.sensors_a["vibration"], live_plant.sensors_b["vibration"]
            t = (timezone.now() - timedelta(minutes=5)).isoformat()
            own, other = f"{root}/{live_plant.site_a.code}/readings", f"{root}/{live_plant.site_b.code}/readings"
            gw_a.publish(own, json.dumps([{"sensor": vib_a.key, "ts": t, "value": 1.5},
                                          {"sensor": "no-such-sensor", "ts": t, "value": 1.0}]), qos=1)
            gw_a.publish(other, json.dumps({"sensor": vib_b.key, "ts": t, "value": 9.9}), qos=1).wait_for_publish(10)
            assert wait_until(lambda: Reading.objects.filter(sensor=vib_a).count() == 1)
            assert wait_until(lambda: len(errors_seen) >= 1)
            time.sleep(1.0)
            assert not Reading.objects.filter(sensor=vib_b).exists(), "the broker drops a write to another site's topic"
            assert [topic for topic, _ in errors_seen] == [f"{root}/{live_plant.site_a.code}/errors"]
            assert errors_seen[0][1]["errors"][0]["reason"] == "unknown sensor 'no-such-sensor'"
        finally:
            worker.stop()

        services.revoke_gateway(gateway_a, actor=live_plant.admin)
        assert user_a not in access.password_file.read_text()
        assert wait_until(lambda: _client(worker_url, user_a, key_a) is None, timeout=10), \
            "the running broker shuts a revoked gateway out"
    finally:
        for client in clients:
            client.loop_stop()
            client.disconnect()
        broker.terminate()
        broker.wait(10)
        shutil.rmtree(directory, ignore_errors=True)
