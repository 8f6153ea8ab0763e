"""System checks of the deployment: production refuses to start with a secret key that anyone
holding the source code also has."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# Where a key may have been written down in the source tree: settings defaults, the example
# environment, compose files, CI and build scripts. The operator's own .env is not part of it.
_SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "var", "media", "test-output", "__pycache__",
                 "vendor", "staticfiles"}
_SKIPPED_FILES = {".env"}
_TEXT_SUFFIXES = {".py", ".txt", ".md", ".yml", ".yaml", ".toml", ".cfg", ".ini", ".example", ".sh", ".json",
                  ".env", ".conf", ""}
_MAX_FILE_BYTES = 512 * 1024


def _source_files(root: Path):
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith(".") or d == ".ci"]
        for name in files:
            path = Path(folder) / name
            if name in _SKIPPED_FILES or path.suffix not in _TEXT_SUFFIXES:
                continue
            try:
                if path.stat().st_size <= _MAX_FILE_BYTES:
                    yield path
            except OSError:
                continue


def keys_found_in_repository(keys: dict[str, str], root: Path | None = None) -> dict[str, Path]:
    """The settings among ``keys`` (name -> value) whose value is written in a file of the source tree."""
    root = root or Path(settings.BASE_DIR)
    wanted = {name: value for name, value in keys.items() if value}
    found: dict[str, Path] = {}
    for path in _source_files(root):
        if not wanted:
            break
        try:
            text = path.read_text(encoding="utf-8", errors="ignore")
        except OSError:
            continue
        for name, value in list(wanted.items()):
            if value in text:
                found[name] = path.relative_to(root)
                del wanted[name]
    return found


def _signing_keys() -> dict[str, str]:
    keys = {"SECRET_KEY": settings.SECRET_KEY}
    jwt_key = getattr(settings, "SIMPLE_JWT", {}).get("SIGNING_KEY")
    if jwt_key and jwt_key != settings.SECRET_KEY:
        keys["JWT_SIGNING_KEY"] = jwt_key
    return keys


def _published_key_errors() -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"{name} is the one written in {path}: anyone with the source code can sign sessions, "
            "password-reset links and API tokens.",
            hint=f"Set {name} in the environment (or .env) to a new random value, e.g. the output of "
                 "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
            id="prosync.E001",
        )
        for name, path in keys_found_in_repository(_signing_keys()).items()
    ]


@checks.register(checks.Tags.security)
def published_secret_key_in_production(app_configs=None, **kwargs):
    """Every start in production (PROSYNC_ENV=production), not only `check --deploy`."""
    return _published_key_errors() if getattr(settings, "PRODUCTION", False) else []


@checks.register(checks.Tags.security, deploy=True)
def published_secret_key_on_deploy(app_configs=None, **kwargs):
    """`check --deploy` with DEBUG off: the settings are meant for a deployment."""
    if settings.DEBUG or getattr(settings, "PRODUCTION", False):  # production: the check above already says it
        return []
    return _published_key_errors()


def refuse_to_start_with_a_published_key() -> None:
    """Called by the ASGI application in production: a server that would sign with a published key
    does not start (uvicorn runs no system checks)."""
    errors = _published_key_errors()
    if errors:
        raise ImproperlyConfigured(" ".join(f"{e.msg} {e.hint}" for e in errors))
