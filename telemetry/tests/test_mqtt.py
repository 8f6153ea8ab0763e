"""MQTT ingestion against a real broker: the ``mqtt_ingest`` worker as its own process, readings
as single objects and lists, bad payloads reported on the error topic.

Uses the broker at MQTT_URL when it is set; otherwise starts Debian's mosquitto on a free port
with a temporary configuration (and says which it used)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import BASE_DIR, free_port, service_env, wait_for_port
from telemetry.models import Reading
from telemetry.mqtt import parse_url

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def broker_url(tmp_path_factory):
    given = os.environ.get("MQTT_URL")
    if given:
        print(f"MQTT tests use the broker at MQTT_URL ({given})")
        yield given
        return
    binary = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None)
    if binary is None:
        pytest.fail("mosquitto is not installed (apt-get install mosquitto) and MQTT_URL is not set")
    port = free_port()
    conf = tmp_path_factory.mktemp("mosquitto") / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
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


@contextlib.contextmanager
def ingest_worker(broker_url: str, topic_root: str, *options: str):
    """``manage.py mqtt_ingest`` on ``<topic_root>/+/readings``, and a collector of what it reports
    on ``<topic_root>/errors``; both stopped afterwards."""
    error_topic = f"{topic_root}/errors"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "mqtt_ingest", "--url", broker_url, "--topic", f"{topic_root}/+/readings",
         "--error-topic", error_topic, *options],
        cwd=BASE_DIR, env=service_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    collector = Collector(broker_url, error_topic)
    try:
        assert "MQTT ingestion" in worker.stdout.readline()
        time.sleep(0.5)  # the worker subscribes right after it connects
        yield worker, collector
    finally:
        collector.close()
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()


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
