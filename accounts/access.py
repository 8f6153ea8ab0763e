"""A user's access profile — role groups, sites and model permissions — kept in the cache, so
a page does not read four tables before it starts its own work. Any change to what decides
access (a group's members or permissions, a user's own permissions, a site membership) starts
a new generation; writes that send no signal (bulk updates) are covered by a short lifetime."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS

from prosync import generations

NAMESPACE = "access"
LIFETIME_S = 300
ACCESS_MODELS = frozenset({"auth.Group", "auth.Permission", "accounts.SiteMembership"})


def profile(user) -> dict:
    """``{"groups": [...], "sites": [...], "perms": [...]}`` of a saved user, read once per
    generation and kept on the instance for the rest of the request."""
    found = getattr(user, "_access_profile", None)
    if found is not None:
        return found
    using = user._state.db or DEFAULT_DB_ALIAS
    # The flags are part of the key: they come with the user row on every request, and a profile
    # read while someone was a superuser (or inactive) must not outlive the change.
    key = f"access:{generations.generation(NAMESPACE, using)}:{user.pk}:{user.is_active:d}{user.is_superuser:d}"
    found = cache.get(key)
    if found is None:
        reader = ModelBackend()
        found = {"groups": list(user.groups.values_list("name", flat=True)),
                 "sites": list(user.memberships.values_list("site_id", flat=True)),
                 "perms": sorted(reader.get_user_permissions(user) | reader.get_group_permissions(user))
                 if user.is_active else []}
        cache.set(key, found, LIFETIME_S)
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


def connect_signals() -> None:
    generations.watch(NAMESPACE, _touches)
