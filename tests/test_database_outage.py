"""Fault test: the web process loses PostgreSQL (the network between them cut, as in a restart or
a failover) while people use it. Requests fail fast with 503 and Retry-After (a styled page for a
browser, JSON for the API), never a 500 or a hang; once PostgreSQL answers again the same process
serves 200s by itself, pooled connections included.

The web process (uvicorn, its connection pool on) reaches the test database through a TCP relay
started here, which the test cuts and restores: stopping the shared test server itself would stop
the rest of the suite."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db import connection

from conftest import BASE_DIR, PASSWORD, free_port, service_env, wait_for_port

pytestmark = pytest.mark.slow


class Relay:
    """A TCP relay to PostgreSQL that can be cut (every connection dropped, new ones refused) and
    restored on the same port."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, free_port()
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            if self.listener is not None:
                with contextlib.suppress(OSError):  # wakes the thread blocked in accept(); close() alone does not
                    self.listener.shutdown(socket.SHUT_RDWR)
                self.listener.close()
                self.listener = None
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


def _get(opener, url: str, **headers):
    """(status, headers, body, seconds)."""
    started = time.monotonic()
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 -- the test's own http:// server
    try:
        with opener.open(request, timeout=30) as r:
            return r.status, r.headers, r.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode(), time.monotonic() - started


@pytest.fixture
def web_through_relay(live_plant):
    db = connection.settings_dict
    relay = Relay((db["HOST"] or "127.0.0.1", int(db["PORT"])))
    port = free_port()
    env = dict(service_env(), DATABASE_URL=f"postgres://{db['USER']}@127.0.0.1:{relay.port}/{db['NAME']}",
               DB_POOL_MAX_SIZE="4", DB_POOL_MIN_SIZE="2")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "prosync.asgi:application", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"],
                            cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}", relay
    finally:
        relay.cut()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _sign_in(base: str, username: str):
    """A browser's session (cookie jar) and an API client's token."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _status, _headers, page, _ = _get(browser, f"{base}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    sign_in = urllib.request.Request(f"{base}/login/", data=form.encode(),  # noqa: S310 -- the test's server
                                     headers={"Referer": f"{base}/login/"})
    browser.open(sign_in, timeout=30).read()
    api = urllib.request.build_opener()
    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    token_request = urllib.request.Request(f"{base}/api/v1/auth/token/", data=body,  # noqa: S310 -- the test's server
                                           headers={"Content-Type": "application/json"})
    with api.open(token_request, timeout=30) as r:
        access = json.loads(r.read())["access"]
    return browser, api, {"Authorization": f"Bearer {access}"}


def test_requests_fail_fast_with_503_while_postgresql_is_gone_and_recover_by_themselves(web_through_relay, live_plant):
    base, relay = web_through_relay
    browser, api, bearer = _sign_in(base, live_plant.manager_a.username)
    page, api_list = f"{base}/assets/", f"{base}/api/v1/assets/"
    assert _get(browser, page)[0] == 200
    assert _get(api, api_list, **bearer)[0] == 200

    relay.cut()
    status, headers, body, seconds = _get(browser, page)
    assert status == 503 and headers["Retry-After"], body[:300]
    assert "The database is not answering" in body and "Back to the dashboard" in body
    assert seconds < 8, f"a request without a database must fail fast, took {seconds:.1f} s"
    status, headers, body, seconds = _get(api, api_list, **bearer)
    assert status == 503 and headers["Retry-After"] and "database is not answering" in json.loads(body)["detail"]
    assert seconds < 8
    assert _get(api, f"{base}/readyz")[0] == 503

    relay.restore()
    deadline = time.monotonic() + 20
    statuses = []
    while time.monotonic() < deadline:
        statuses = [_get(browser, page)[0], _get(api, api_list, **bearer)[0]]
        if statuses == [200, 200]:
            break
        time.sleep(0.5)
    assert statuses == [200, 200], "the same web process serves again once PostgreSQL answers"
    # And keeps serving: the pool's dead connections were replaced, not handed out one per request.
    assert all(_get(browser, page)[0] == 200 for _ in range(6))
