"""Backups of the whole system of record: a PostgreSQL custom-format dump plus the uploaded files,
in one tar archive that `restore` puts back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT_VERSION = 1
DUMP_NAME = "database.dump"
MANIFEST_NAME = "manifest.json"
MEDIA_PREFIX = "media/"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, for an operator."""


@dataclass
class BackupResult:
    path: Path
    media_files: int
    size: int


def _client(name: str) -> str:
    """pg_dump / pg_restore: the embedded server's own binaries (the newest major version, so they
    also read older servers), else the ones on PATH."""
    try:
        from prosync.embedded import pg_bin

        path = pg_bin(name)
        if os.access(path, os.X_OK):
            return path
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} was not found; install the PostgreSQL client tools")
    return found


def _connection_args(alias: str = "default") -> tuple[list[str], dict]:
    db = connections[alias].settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(cmd: list[str], env: dict) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603 -- our own client binaries
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _media_root() -> Path | None:
    """The uploaded files' folder when they live on this machine's disk; None when they are kept
    in an object store (which keeps its own versions)."""
    backend = settings.STORAGES["default"]["BACKEND"]
    if backend != "django.core.files.storage.FileSystemStorage":
        return None
    return Path(settings.MEDIA_ROOT)


def create_backup(output: Path) -> BackupResult:
    """Write a backup archive to `output`: a `.tar` file, or a folder where it gets a dated name."""
    if output.is_dir() or output.suffix != ".tar":
        output.mkdir(parents=True, exist_ok=True)
        output = output / f"prosync-backup-{timezone.now():%Y%m%d-%H%M%S}.tar"
    output.parent.mkdir(parents=True, exist_ok=True)
    args, env = _connection_args()
    media = _media_root()
    media_files = 0
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / DUMP_NAME
        _run([_client("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump), *args], env)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            tar.add(dump, arcname=DUMP_NAME)
            if media is not None and media.exists():
                for path in sorted(p for p in media.rglob("*") if p.is_file()):
                    tar.add(path, arcname=MEDIA_PREFIX + path.relative_to(media).as_posix())
                    media_files += 1
            manifest = {"format": FORMAT_VERSION, "created_at": timezone.now().isoformat(),
                        "database": connections["default"].settings_dict["NAME"],
                        "media_files": media_files, "media_in_object_store": media is None}
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            with tempfile.SpooledTemporaryFile() as buf:
                buf.write(data)
                buf.seek(0)
                tar.addfile(info, buf)
        # Renamed only when complete, so a killed backup never leaves a file that looks whole.
        partial.replace(output)
    return BackupResult(path=output, media_files=media_files, size=output.stat().st_size)


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.getmember(MANIFEST_NAME)
            manifest = json.load(tar.extractfile(member))
            tar.getmember(DUMP_NAME)
    except (FileNotFoundError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} is not a ProSyncHub backup: {exc}") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{archive} has backup format {manifest.get('format')}; this version reads {FORMAT_VERSION}")
    return manifest


def restore_backup(archive: Path) -> dict:
    """Replace the database's content and the uploaded files with the archive's."""
    manifest = read_manifest(archive)
    args, env = _connection_args()
    media = _media_root()
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r") as tar:
        tar.extract(DUMP_NAME, tmp, filter="data")
        script = Path(tmp) / "restore.sql"
        _run([_client("pg_restore"), "--no-owner", "--no-privileges", "--file", str(script),
              str(Path(tmp) / DUMP_NAME)], env)
        # The old schema is dropped and the dump replayed in one transaction: a failure leaves the
        # database as it was. (pg_restore's own --clean cannot drop partitioned tables' constraints.)
        prelude = Path(tmp) / "prelude.sql"
        prelude.write_text("DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
        # Our own idle connections would not block the DROP, but a half-open transaction would.
        connections.close_all()
        _run([_client("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1",
              "--file", str(prelude), "--file", str(script), *args], env)
        if media is not None:
            members = [m for m in tar.getmembers() if m.name.startswith(MEDIA_PREFIX) and m.isfile()]
            staging = Path(tmp) / "media"
            tar.extractall(staging.parent, members=members, filter="data")
            if media.exists():
                shutil.rmtree(media)
            if staging.exists():
                shutil.copytree(staging, media)
            else:
                media.mkdir(parents=True, exist_ok=True)
    return manifest
