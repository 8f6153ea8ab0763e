"""Who may publish on the MQTT broker: per-gateway credentials and ACLs for mosquitto, written
from the gateways in the database (manage.py mqtt_access, and on every gateway issued or revoked)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

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


PASSWORD_ITERATIONS = 1000


@dataclass(frozen=True)
class BrokerAccess:
    """Where the broker's password file and ACL are written, and the file holding the pid of the
    broker to tell (SIGHUP) when they change (written by whoever starts the broker)."""
    password_file: Path
    acl_file: Path
    pid_file: Path

    @classmethod
    def from_settings(cls) -> BrokerAccess | None:
        if not (settings.MQTT_PASSWORD_FILE and settings.MQTT_ACL_FILE):
            return None
        return cls(Path(settings.MQTT_PASSWORD_FILE), Path(settings.MQTT_ACL_FILE),
                   Path(settings.MQTT_BROKER_PID_FILE or Path(settings.MQTT_PASSWORD_FILE).with_suffix(".pid")))


def mosquitto_password_hash(password: str, *, salt: bytes | None = None) -> str:
    """A password-file entry's hash in mosquitto's own format ($7$: PBKDF2-HMAC-SHA512), so
    that the project writes the file itself from the hashes it keeps."""
    salt = salt or os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PASSWORD_ITERATIONS)
    return f"$7${PASSWORD_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def gateway_username(key_prefix: str) -> str:
    return f"gateway-{key_prefix}"


def topic_for_site(pattern: str, level: int | None, site_code: str) -> str:
    """``prosync/+/readings`` with the site level filled in: ``prosync/north/readings``."""
    if level is None:
        return pattern
    parts = pattern.split("/")
    if 0 <= level < len(parts):
        parts[level] = site_code
    return "/".join(parts)


def error_topic_for(template: str, topic: str, level: int | None) -> str:
    """Where a message's refusals go: ``MQTT_ERROR_TOPIC`` with ``{site}`` replaced by the site
    level of the message's topic, so a gateway reads its own site's errors only."""
    if "{site}" not in template:
        return template
    parts = topic.split("/")
    code = parts[level] if level is not None and 0 <= level < len(parts) else "all"
    return template.replace("{site}", code)


def broker_access_files(*, worker_username: str, worker_password: str) -> tuple[str, str]:
    """(password file, ACL) for mosquitto: the ingestion workers read every site's readings and
    write the error topics; each active gateway writes its own site's readings and reads its own
    site's errors, and nothing else. Gateways issued before MQTT credentials existed have no
    entry until a new key is issued for them."""
    from telemetry.models import Gateway

    level, pattern, errors = settings.MQTT_TOPIC_SITE_LEVEL, settings.MQTT_TOPIC, settings.MQTT_ERROR_TOPIC
    passwords = [f"{worker_username}:{mosquitto_password_hash(worker_password)}"]
    acl = [f"user {worker_username}", f"topic read {pattern}", f"topic write {error_topic_for(errors, pattern, level)}",
           ""]
    gateways = Gateway.objects.filter(is_active=True).exclude(mqtt_password_hash="").select_related("site")
    for gateway in gateways.order_by("pk"):
        user = gateway_username(gateway.key_prefix)
        passwords.append(f"{user}:{gateway.mqtt_password_hash}")
        topic = topic_for_site(pattern, level, gateway.site.code)
        acl += [f"user {user}", f"topic write {topic}", f"topic read {error_topic_for(errors, topic, level)}", ""]
    return "\n".join(passwords) + "\n", "\n".join(acl)


def write_broker_access(access: BrokerAccess, *, worker_username: str, worker_password: str) -> None:
    """Write the password file and ACL (each replaced whole, never half-written) and tell a
    running broker to read them again."""
    passwords, acl = broker_access_files(worker_username=worker_username, worker_password=worker_password)
    for path, text in ((access.password_file, passwords), (access.acl_file, acl)):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text)
        partial.chmod(0o600)
        if os.geteuid() == 0:
            import pwd

            try:  # a broker started here as root reads them as its own user after a reload
                entry = pwd.getpwnam("mosquitto")
                os.chown(partial, entry.pw_uid, entry.pw_gid)
            except KeyError:  # the broker runs elsewhere (a container sharing only this folder)
                partial.chmod(0o644)
        partial.replace(path)
    # No broker running yet: it reads the files when it starts.
    import psutil

    with contextlib.suppress(FileNotFoundError, ValueError, psutil.Error, PermissionError):
        broker = psutil.Process(int(access.pid_file.read_text().strip()))
        if broker.name().startswith("mosquitto"):  # a stale pid file may name someone else now
            broker.send_signal(signal.SIGHUP)


def sync_broker_access() -> bool:
    """After a gateway is issued or revoked: rewrite the broker's files when this installation
    manages them (MQTT_PASSWORD_FILE and MQTT_ACL_FILE set, the worker's credentials in MQTT_URL)."""
    access = BrokerAccess.from_settings()
    if access is None or not settings.MQTT_URL:
        return False
    broker = parse_url(settings.MQTT_URL)
    if not (broker.username and broker.password):
        logger.error("MQTT_PASSWORD_FILE is set but MQTT_URL carries no worker credentials; broker files not written")
        return False
    write_broker_access(access, worker_username=broker.username, worker_password=broker.password)
    return True
