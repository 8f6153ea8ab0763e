"""A user's access profile — role groups, sites and model permissions — kept in the cache, so
a page does not read four tables before it starts its own work. Any change to what decides
access (a group's members or permissions, a user's own permissions, a site membership) starts
a new generation of the profiles; writes that send no signal (bulk updates) are covered by a
short lifetime. With the cache unreachable, profiles are read from the database: a Redis
outage slows pages down, it never refuses them and never fails the write that changed access."""

from __future__ import annotations

import logging
import uuid

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)

LIFETIME_S = 300
ACCESS_MODELS = frozenset({"auth.Group", "auth.Permission", "accounts.SiteMembership"})


def _generation_key(using: str) -> str:
    # Per database: test runs, benchmarks and a rebuilt database sharing one Redis never mix profiles.
    return f"access:{connections[using].settings_dict['NAME']}:generation"


def _generation(using: str) -> str:
    key = _generation_key(using)
    gen = cache.get(key)
    if gen is None:
        cache.add(key, uuid.uuid4().hex, None)
        gen = cache.get(key)
    return gen


def new_generation(using: str = DEFAULT_DB_ALIAS) -> None:
    """Profiles read before now are never read again. Best effort: with the cache down there is
    nothing stale to forget (profiles are then read from the database)."""
    try:
        cache.set(_generation_key(using), uuid.uuid4().hex, None)
    except Exception:
        logger.warning("access profiles not renewed: cache unreachable", exc_info=True)


def _read(user) -> dict:
    reader = ModelBackend()
    return {"groups": list(user.groups.values_list("name", flat=True)),
            "sites": list(user.memberships.values_list("site_id", flat=True)),
            "perms": sorted(reader.get_user_permissions(user) | reader.get_group_permissions(user))
            if user.is_active else []}


def profile(user) -> dict:
    """``{"groups": [...], "sites": [...], "perms": [...]}`` of a saved user, read once per
    generation and kept on the instance for the rest of the request."""
    found = getattr(user, "_access_profile", None)
    if found is not None:
        return found
    using = user._state.db or DEFAULT_DB_ALIAS
    try:
        # The flags are part of the key: they come with the user row on every request, and a
        # profile read while someone was a superuser (or inactive) must not outlive the change.
        key = f"access:{_generation(using)}:{user.pk}:{user.is_active:d}{user.is_superuser:d}"
        found = cache.get(key)
        if found is None:
            found = _read(user)
            cache.set(key, found, LIFETIME_S)
    except Exception:
        logger.warning("access profile read from the database: cache unreachable", exc_info=True)
        found = _read(user)
    user._access_profile = found
    return found


def forget(user) -> None:
    """Drop what this instance has read of its access (after changing it in the same request)."""
    for attr in ("_access_profile", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)
    for prop in ("role", "site_ids"):
        user.__dict__.pop(prop, None)


class CachedModelBackend(ModelBackend):
    """Django's model backend, its permissions read from the access profile."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = set(profile(user_obj)["perms"])
        return user_obj._perm_cache


def _touches(sender, model=None, **kwargs) -> bool:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    if model is not None:  # a many-to-many change: the through model is the sender
        user_model = get_user_model()
        return sender in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through)
    return getattr(sender, "_meta", None) is not None and sender._meta.label in ACCESS_MODELS


def _on_change(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    if _touches(sender, **kwargs):
        new_generation(using)
        # Once more at commit: a request that read the old rows in between must not keep them.
        transaction.on_commit(lambda: new_generation(using), using=using)


def connect_signals() -> None:
    for signal, name in ((post_save, "save"), (post_delete, "delete"), (m2m_changed, "m2m")):
        signal.connect(_on_change, weak=False, dispatch_uid=f"access.{name}")
