"""Cache generations: a value cached under a generation is found again until something it was
read from changes, which starts a new generation (so every key of the old one is simply never
read again). Kept per database, so projects, tests and benchmarks sharing one Redis never
invalidate each other, and a database rebuilt under the same name never finds its
predecessor's values."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


def _key(namespace: str, using: str) -> str:
    return f"{namespace}:{connections[using].settings_dict['NAME']}:generation"


def generation(namespace: str, using: str = DEFAULT_DB_ALIAS) -> str:
    key = _key(namespace, using)
    gen = cache.get(key)
    if gen is None:
        cache.add(key, uuid.uuid4().hex, None)
        gen = cache.get(key)
    return gen


def current(namespaces: tuple[str, ...], using: str = DEFAULT_DB_ALIAS) -> tuple[str, ...]:
    """The generations of several namespaces in one round trip."""
    keys = [_key(ns, using) for ns in namespaces]
    found = cache.get_many(keys)
    return tuple(found.get(key) or generation(ns, using) for key, ns in zip(keys, namespaces, strict=True))


def new_generation(namespace: str, using: str = DEFAULT_DB_ALIAS) -> None:
    cache.set(_key(namespace, using), uuid.uuid4().hex, None)


def watch(namespace: str, touches: Callable[..., bool]) -> None:
    """Start a new generation of ``namespace`` on every save, delete or many-to-many change
    for which ``touches(sender, **signal_kwargs)`` holds, once more when the writing
    transaction commits (a request that read the old rows in between must not leave them cached
    under the newest generation), and after every migrate (a database rebuilt under the same
    name must not find its predecessor's values)."""

    def on_change(sender, using=DEFAULT_DB_ALIAS, **kwargs):
        if touches(sender, **kwargs):
            new_generation(namespace, using)
            transaction.on_commit(lambda: new_generation(namespace, using), using=using)

    def on_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
        new_generation(namespace, using)

    for signal, name in ((post_save, "save"), (post_delete, "delete"), (m2m_changed, "m2m")):
        signal.connect(on_change, weak=False, dispatch_uid=f"{namespace}.{name}")
    post_migrate.connect(on_migrate, weak=False, dispatch_uid=f"{namespace}.migrate")
