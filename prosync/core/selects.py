"""Choice widgets: searchable selects that render only the chosen option(s) of a large choice list,
the registry in which the apps name what can be searched, the one scoped JSON endpoint that the
browser asks for matching options as the user types, and chips for multi-value filters."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.forms.models import ModelChoiceIterator
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

MAX_RESULTS = 20


@dataclass(frozen=True)
class Searchable:
    model: type[Model]
    search_fields: tuple[str, ...]
    order_by: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()


_searchables: dict[str, Searchable] = {}


def register(kind: str, model: type[Model], *, search: tuple[str, ...], order_by: tuple[str, ...] = (),
             select_related: tuple[str, ...] = ()) -> None:
    """Make ``model`` searchable at /choices/<kind>/; called from the app's ``AppConfig.ready()``.
    The model's manager must offer ``for_user(user, "view")``, which decides what a user finds."""
    _searchables[kind] = Searchable(model, search, order_by, select_related)


def kind_of(model: type[Model]) -> str:
    for kind, searchable in _searchables.items():
        if searchable.model is model:
            return kind
    raise LookupError(f"{model._meta.label} is not registered as searchable.")


@login_required
@require_GET
def choices(request, kind: str):
    """Up to ``MAX_RESULTS`` options of ``kind`` the user may see whose text contains ``q``."""
    searchable = _searchables.get(kind)
    if searchable is None:
        return JsonResponse({"error": f"Nothing called “{kind}” can be searched."}, status=400)
    qs = searchable.model._default_manager.for_user(request.user, "view")
    words = request.GET.get("q", "").split()
    for word in words[:5]:
        qs = qs.filter(Q(*(Q(**{f"{f}__icontains": word}) for f in searchable.search_fields), _connector=Q.OR))
    if searchable.select_related:
        qs = qs.select_related(*searchable.select_related)
    qs = qs.order_by(*searchable.order_by) if searchable.order_by else qs
    return JsonResponse([{"value": obj.pk, "text": str(obj)} for obj in qs[:MAX_RESULTS]], safe=False)


class SearchSelect(forms.Select):
    """A select of a model choice field that renders the empty choice and the chosen object only;
    the script on ``data-search-url`` offers the rest as the user types. Without JavaScript it
    still submits its value, and the field validates it against its (scoped) queryset."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(self.choices, ModelChoiceIterator):
            url = reverse("choices", args=[kind_of(self.choices.queryset.model)])
            context["widget"]["attrs"]["data-search-url"] = url
        return context

    def optgroups(self, name, value, attrs=None):
        wanted = [v for v in value if v not in ("", None)]
        options = []
        if not isinstance(self.choices, ModelChoiceIterator):
            return super().optgroups(name, value, attrs)
        field = self.choices.field
        if field.empty_label is not None and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", field.empty_label, not wanted, 0, attrs=attrs))
        for obj in _chosen(self.choices.queryset, wanted):
            pk = str(field.prepare_value(obj))
            options.append(self.create_option(name, pk, field.label_from_instance(obj), True, len(options),
                                              attrs=attrs))
        return [(None, options, 0)]


class SearchSelectMultiple(SearchSelect, forms.SelectMultiple):
    """The same for several choices (``ModelMultipleChoiceField``)."""


class Chips(forms.CheckboxSelectMultiple):
    """Several values of a short list (statuses, priorities) as checkboxes drawn as chips: one
    click each, where a multiple select needs Ctrl-click."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"class": "chips", **(attrs or {})}, choices)


def _chosen(queryset, values: list[str]):
    if not values:
        return []
    try:
        return list(queryset.filter(pk__in=values))
    except (ValueError, TypeError, ValidationError):  # not ids: the field reports it when cleaning
        return []
