"""Choices of related-object selects (the filter forms' sites, locations, categories, people
and teams; the order page's checklists, storerooms and people), kept in the cache between
requests instead of read and turned into model instances on every page. Any write to one of
these models (save, delete, membership change) starts a new generation, so a select never
offers a deleted location or misses a new one; writes that send no signal (bulk updates) are
covered by a short lifetime."""

from __future__ import annotations

import hashlib
import time

from django import forms
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import DEFAULT_DB_ALIAS
from django.utils.safestring import mark_safe

from prosync import generations

# Models whose rows are offered by a filter select, and those that decide who sees them
# (site memberships scope the people).
CHOICE_MODELS = frozenset({"assets.Site", "assets.Location", "assets.AssetCategory", "assets.Storeroom",
                           "accounts.User", "accounts.SiteMembership", "workorders.Team",
                           "workorders.ChecklistTemplate"})
LIFETIME_S = 300
# Fields no select shows, whose saves alone (with update_fields) start no new generation: every
# sign-in saves the user's last_login.
UNSHOWN_FIELDS = frozenset({"last_login"})


NAMESPACE = "filter-choices"


def _touches(sender, instance=None, model=None, update_fields=None, **kwargs) -> bool:
    if model is not None:  # a many-to-many change: either side may be offered
        return type(instance)._meta.label in CHOICE_MODELS or model._meta.label in CHOICE_MODELS
    if update_fields is not None and set(update_fields) <= UNSHOWN_FIELDS:
        return False  # a sign-in's time: no select shows it
    return getattr(sender, "_meta", None) is not None and sender._meta.label in CHOICE_MODELS


def connect_signals() -> None:
    generations.watch(NAMESPACE, _touches)


def form_key(key_parts: tuple, using: str = DEFAULT_DB_ALIAS) -> str:
    return generations.cache_key("filter-form", generations.generation(NAMESPACE, using), key_parts)


def cached_form_html(get_form, render, key_parts: tuple, using: str = DEFAULT_DB_ALIAS,
                     found: str | None = None) -> str:
    """A filter form as HTML, rendered by ``render()`` once per generation of its choices and per
    ``key_parts`` (whatever else it shows: the user's scope, the current filters) and then read
    from the cache: building its selects cost more than the rows of a page. ``get_form()`` is
    called only to render it (building the form is a good part of that cost). ``found``: the
    cached HTML, when the caller read it already."""
    key = form_key(key_parts, using)
    html = found if found is not None else cache.get(key)
    if html is None:
        apply_cached_choices(get_form())
        html = str(render())
        cache.set(key, html, LIFETIME_S)
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, which escaped it


def apply_cached_choices(form) -> None:
    """Give each model select of ``form`` its choices from the cache (one round trip for all of
    them), reading and caching those that are missing. A submitted id is checked apart, against
    the rows the select offers (CachedChoiceValidation)."""
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


# --- Checking a chosen id without a query -------------------------------------------------------

_rows: dict[tuple, tuple[str, float, dict]] = {}  # key -> (generation, read at, {pk: row})


def choice_rows(field, key: tuple) -> dict:
    """The rows a model select offers (its scoped queryset), by primary key, read once per
    generation of the choices in this process and kept at most LIFETIME_S (writes that send no
    signal). ``key`` names the select and the scope it was made for."""
    gen = generations.generation(NAMESPACE, field.queryset.db)
    found = _rows.get(key)
    if found is None or found[0] != gen or time.monotonic() - found[1] > LIFETIME_S:
        for old in [k for k, (g, _, _) in list(_rows.items()) if g != gen]:  # no longer read: let them go
            _rows.pop(old, None)
        found = _rows[key] = (gen, time.monotonic(), {obj.pk: obj for obj in field.queryset})
    return found[2]


class CachedChoiceValidation:
    """A model select whose chosen id is checked against its rows kept in process
    (``choice_rows``) instead of by a query on every request: filter forms check a location, a
    site or a person on nearly every filtered page. The row given back is shared: it is read,
    never changed. Without ``choice_rows_key`` (or with values that are not primary keys) it checks
    as Django does."""

    choice_rows_key: tuple | None = None

    def to_python(self, value):
        pk_field = self.queryset.model._meta.pk
        if (self.choice_rows_key is None or value in self.empty_values
                or self.to_field_name not in (None, "", pk_field.name, pk_field.attname)
                or isinstance(value, self.queryset.model)
                or (getattr(self, "null_label", None) is not None and value == self.null_value)):
            return super().to_python(value)
        try:
            pk = pk_field.to_python(value)
        except ValidationError:
            pk = None
        found = choice_rows(self, self.choice_rows_key).get(pk)
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": value})
        return found


_validating_classes: dict[type, type] = {}


def check_choices_in_process(form_class, key: tuple) -> None:
    """Make the single model selects of ``form_class`` (a form shared by every user of one scope,
    named by ``key``) over the choice models check their ids through ``choice_rows``."""
    for name, field in form_class.base_fields.items():
        if (not isinstance(field, forms.ModelChoiceField) or isinstance(field, forms.ModelMultipleChoiceField)
                or field.queryset is None or field.queryset.model._meta.label not in CHOICE_MODELS):
            continue
        base = type(field)
        cls = _validating_classes.get(base)
        if cls is None:
            cls = _validating_classes[base] = type(base.__name__, (CachedChoiceValidation, base), {})
        field.__class__ = cls
        field.choice_rows_key = (key, name)
