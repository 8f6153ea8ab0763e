"""Row counts of lists (the pages' "1,234 rows", the API's ``count``), kept in the cache while
the app whose rows they count has not changed: paging through a list, or coming back to it,
counts its rows once instead of on every page. Any save, delete or many-to-many change of a
model of that app starts a new generation of its counts, in every process (web, workers), from
the moment it starts; writes that send no signal are covered by a short lifetime.

A count is keyed by the list (the view), the user's scope (their sites) and the filters of the
request, not by the query's SQL: building the SQL to key on would cost what it saves."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS

from prosync import generations

LIFETIME_S = 60
NOT_FILTERS = frozenset({"page", "page_size", "sort", "ordering", "format", "cursor"})


def namespace(app_label: str) -> str:
    return f"row-counts:{app_label}"


def connect_signals() -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("django.") and config.models_module is not None:
            label = config.label
            generations.watch(namespace(label), lambda sender, _label=label, **kw: _touches(sender, _label))


def _touches(sender, app_label: str) -> bool:
    meta = getattr(sender, "_meta", None)
    return meta is not None and meta.app_label == app_label


def list_apps(model, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The apps whose writes change a list of ``model``: its own, those the view names, and the
    register's (sites, locations and assets, which nearly every list's filters reach)."""
    return tuple(dict.fromkeys((model._meta.app_label, *extra, "assets")))


def list_name(view) -> str:
    """A list's name in cache keys: its view class."""
    return f"{type(view).__module__}.{type(view).__qualname__}"


def request_key(request, list_name: str) -> tuple:
    """What a list's count depends on besides the rows: which list, whose scope, which filters."""
    user = request.user
    filters = sorted((k, v) for k, values in request.GET.lists() if k not in NOT_FILTERS for v in values)
    return (list_name, user.pk, user.is_superuser, tuple(sorted(getattr(user, "site_ids", ()))), tuple(filters))


def count_key(app_labels: tuple[str, ...], key_parts: tuple, using: str = DEFAULT_DB_ALIAS) -> str:
    return generations.cache_key(
        "row-count", generations.current(tuple(namespace(label) for label in app_labels), using), key_parts)


def cached_count(app_labels: tuple[str, ...], key_parts: tuple, compute: Callable[[], int],
                 using: str = DEFAULT_DB_ALIAS, found: int | None = None) -> int:
    """``compute()`` once per generation of the apps whose rows the list reads (its model's, and
    those its filters join) and per ``key_parts``. ``found``: the cached count, when the caller
    read it already (with other keys, in one round trip)."""
    key = count_key(app_labels, key_parts, using)
    n = found if found is not None else cache.get(key)
    if n is None:
        n = compute()
        cache.set(key, n, LIFETIME_S)
    return n
