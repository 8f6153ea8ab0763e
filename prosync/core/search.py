"""The registry of what the header's global search looks in: each app names its searchable models
in its ``AppConfig.ready()`` (the kernel imports no app), and the project layer's search engine
(``prosync/search.py``) reads them, always through the model's ``for_user``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q


@dataclass(frozen=True)
class Searchable:
    """One kind of result.

    ``document``: the weighted full-text document, either the name of a stored (generated)
    ``SearchVectorField`` with a GIN index (large tables) or a ``SearchVector`` expression (small ones).
    ``similar``: text columns compared word by word with trigrams, so that a misspelt word still
    finds its row; each should have a GIN trigram index on ``UPPER(column)`` where the table is large.
    ``exact(q)``: the rows the query names exactly (a tag, a number), ranked first; ``None`` if none.
    ``elsewhere(query)``: ids of rows matched through related rows (an order through its comments).
    ``context(obj)``: the short line under the title that says which one it is."""

    kind: str
    label: str
    model: type[Model]
    document: Any
    similar: tuple[str, ...] = ()
    exact: Callable[[str], Q | None] | None = None
    elsewhere: Callable[[Any], list[int]] | None = None
    context: Callable[[Model], str] = lambda obj: ""
    select_related: tuple[str, ...] = field(default=())
    order: int = 50  # the place of the kind's group on the results page


_registry: dict[str, Searchable] = {}


def register(searchable: Searchable) -> None:
    """Called from an app's ``AppConfig.ready()``; the model's manager must offer ``for_user``."""
    _registry[searchable.kind] = searchable


def searchables() -> list[Searchable]:
    return sorted(_registry.values(), key=lambda s: s.order)
