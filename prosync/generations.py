"""Cache generations: a value cached under a generation is found again until something it was
read from changes, which starts a new generation (so every key of the old one is simply never
read again). Kept per database, so projects, tests and benchmarks sharing one Redis never
invalidate each other, and a database rebuilt under the same name never finds its
predecessor's values."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections


def _key(namespace: str, using: str) -> str:
    return f"{namespace}:{connections[using].settings_dict['NAME']}:generation"


def generation(namespace: str, using: str = DEFAULT_DB_ALIAS) -> str:
    key = _key(namespace, using)
    gen = cache.get(key)
    if gen is None:
        cache.add(key, uuid.uuid4().hex, None)
        gen = cache.get(key)
    return gen


def new_generation(namespace: str, using: str = DEFAULT_DB_ALIAS) -> None:
    cache.set(_key(namespace, using), uuid.uuid4().hex, None)
