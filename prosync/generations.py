"""Cache generations: a value cached under a generation is found again until something it was
read from changes, which starts a new generation (so every key of the old one is simply never
read again). Kept per database, so projects, tests and benchmarks sharing one Redis never
invalidate each other, and a database rebuilt under the same name never finds its
predecessor's values."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

# Within a request (see RequestGenerations) the generations are read once, all of them together at
# the first read (one round trip whether the page consults one cache or five), and kept for the
# rest of it.
_request_memo: ContextVar[dict | None] = ContextVar("generations", default=None)
_watched: set[str] = set()


def _key(namespace: str, using: str) -> str:
    return f"{namespace}:{connections[using].settings_dict['NAME']}:generation"


def generation(namespace: str, using: str = DEFAULT_DB_ALIAS) -> str:
    key = _key(namespace, using)
    memo = _request_memo.get()
    if memo is not None:  # in a request: this one and every other not yet read, together
        if key not in memo:
            memo.update(cache.get_many({_key(ns, using) for ns in _watched} - memo.keys() | {key}))
        gen = memo.get(key)
        if gen is not None:
            return gen
    gen = cache.get(key)
    if gen is None:
        cache.add(key, uuid.uuid4().hex, None)
        gen = cache.get(key)
    if memo is not None:
        memo[key] = gen
    return gen


def current(namespaces: tuple[str, ...], using: str = DEFAULT_DB_ALIAS) -> tuple[str, ...]:
    """The generations of several namespaces (within a request, read with the others)."""
    return tuple(generation(ns, using) for ns in namespaces)


def cache_key(prefix: str, gens: str | tuple[str, ...], parts: tuple) -> str:
    """A cache key for a value read under these generations and depending on ``parts`` (kept
    short: the parts may be long, a user's sites and filters)."""
    return f"{prefix}:" + hashlib.blake2b(f"{gens}|{parts!r}".encode(), digest_size=16).hexdigest()


def new_generation(namespace: str, using: str = DEFAULT_DB_ALIAS) -> None:
    key, gen = _key(namespace, using), uuid.uuid4().hex
    cache.set(key, gen, None)
    memo = _request_memo.get()
    if memo is not None:
        memo[key] = gen


class RequestGenerations:
    """Middleware: the generations read during a request are read together and kept until its end."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)


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

    _watched.add(namespace)
    for signal, name in ((post_save, "save"), (post_delete, "delete"), (m2m_changed, "m2m")):
        signal.connect(on_change, weak=False, dispatch_uid=f"{namespace}.{name}")
    post_migrate.connect(on_migrate, weak=False, dispatch_uid=f"{namespace}.migrate")
