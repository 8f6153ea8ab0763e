"""Choices of related-object selects (the filter forms' sites, locations, categories, people
and teams; the order page's checklists, storerooms and people), kept in the cache between
requests instead of read and turned into model instances on every page. Any write to one of
these models (save, delete, membership change) starts a new generation, so a select never
offers a deleted location or misses a new one; writes that send no signal (bulk updates) are
covered by a short lifetime."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from prosync import generations

# Models whose rows are offered by a filter select, and those that decide who sees them
# (site memberships scope the people).
CHOICE_MODELS = frozenset({"assets.Site", "assets.Location", "assets.AssetCategory", "assets.Storeroom",
                           "accounts.User", "accounts.SiteMembership", "workorders.Team",
                           "workorders.ChecklistTemplate"})
LIFETIME_S = 300


NAMESPACE = "filter-choices"


def new_generation(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    generations.new_generation(NAMESPACE, using)


def _on_write(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    if getattr(sender, "_meta", None) is not None and sender._meta.label in CHOICE_MODELS:
        new_generation(using)


def _on_m2m(sender, instance, model, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    if type(instance)._meta.label in CHOICE_MODELS or model._meta.label in CHOICE_MODELS:
        new_generation(using)


def connect_signals() -> None:
    post_save.connect(_on_write, dispatch_uid="filter_choices.save")
    post_delete.connect(_on_write, dispatch_uid="filter_choices.delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="filter_choices.m2m")
    # A database rebuilt under the same name (tests, benchmarks) must not find its predecessor's ids.
    post_migrate.connect(new_generation, dispatch_uid="filter_choices.migrate")


def apply_cached_choices(form) -> None:
    """Give each model select of ``form`` its choices from the cache (one round trip for all of
    them), reading and caching those that are missing. Validation still uses the field's
    queryset, so a submitted id is checked against the database as before."""
    fields = {}
    for name, field in form.fields.items():
        qs = getattr(field, "queryset", None)
        if qs is None or qs.model._meta.label not in CHOICE_MODELS or not hasattr(field, "label_from_instance"):
            continue
        try:
            sql, params = qs.query.sql_with_params()
        except EmptyResultSet:  # .none(): nothing to read, nothing to cache
            continue
        digest = hashlib.blake2b(f"{sql}|{params!r}".encode(), digest_size=16).hexdigest()
        fields[name] = (field, digest)
        using = qs.db
    if not fields:
        return
    gen = generations.generation(NAMESPACE, using)
    keys = {name: f"filter-choices:{gen}:{digest}" for name, (_, digest) in fields.items()}
    found = cache.get_many(keys.values())
    missing = {}
    for name, (field, _) in fields.items():
        choices = found.get(keys[name])
        if choices is None:
            choices = [(obj.pk, field.label_from_instance(obj)) for obj in field.queryset]
            missing[keys[name]] = choices
        first = [("", field.empty_label)] if field.empty_label is not None else []
        if getattr(field, "null_label", None) is not None:  # django-filter's "none" option
            first.append((field.null_value, field.null_label))
        # Set as ModelChoiceField's property setter would (django-filter's setter wraps the
        # value in a queryset iterator, which a list is not).
        field._choices = field.widget.choices = first + [(pk, label) for pk, label in choices]
    if missing:
        cache.set_many(missing, LIFETIME_S)
