"""Base FilterSet: the choices of related-object filters are scoped like everything else, so a
filter form never names another site's assets or people, and ``?asset=<other site's id>`` is
as invalid as an id that does not exist."""

import copy

import django_filters
from django_filters.filters import FilterMethod
from django_filters.filterset import FilterSetMetaclass
from django_filters.rest_framework import DjangoFilterBackend

from prosync import filter_choices

_form_classes: dict[tuple, type] = {}


class _Filters(dict):
    """A filter set class's filters, copied for each filter set made from it (django-filter deep
    copies them): each filter on its own, with its own arguments and its own method binding, but
    sharing what no request changes. The deep copy also copied every related-object filter's
    queryset, query and all, and cost more than filtering itself."""

    def __deepcopy__(self, memo):
        return _Filters((name, _copy_filter(f)) for name, f in self.items())


def _copy_filter(original):
    f = copy.copy(original)
    f.extra = dict(original.extra)  # a filter set may set its choices (PartFilterSet does)
    f.__dict__.pop("_field", None)  # its form field is made again when asked for, from this copy
    if isinstance(f.__dict__.get("filter"), FilterMethod):
        f.filter = FilterMethod(f)  # bound to this copy, whose parent is the new filter set
    return f


class ScopedFilterSetMetaclass(FilterSetMetaclass):
    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_filters = _Filters(new_class.base_filters)
        return new_class


class ScopedFilterSet(django_filters.FilterSet, metaclass=ScopedFilterSetMetaclass):
    # The form class (its fields and their scoped choices) depends only on the filter set and the
    # user's scope, so it is made once per pair instead of on every request (a new class each
    # time was most of a filter form's cost). A filter set whose __init__ changes its filters by
    # anything else (rows of the database, say) sets this to False.
    shared_form_class = True

    def _form_key(self) -> tuple | None:
        """What decides the choices of the form: the sites seen, and the role's permissions
        (for_user offers nothing of a model the role may not view). None: not shared."""
        user = getattr(self.request, "user", None)
        if not self.shared_form_class or user is None or not user.is_authenticated:
            return None
        return (type(self), user.sees_all_sites, tuple(sorted(user.site_ids)), frozenset(user.get_all_permissions()))

    def get_form_class(self):
        key = self._shared_key
        if key is None:  # not shared: scoped when made
            return super().get_form_class()
        form_class = _form_classes.get(key)
        if form_class is None:
            self._scope_filters()  # the class is made from this filter set's filters
            form_class = super().get_form_class()
            filter_choices.check_choices_in_process(form_class, key)
            _form_classes[key] = form_class
        return form_class

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self._shared_key = self._form_key()
        self._scoped = False
        if self._shared_key not in _form_classes:
            self._scope_filters()
        # else: the shared form's fields were made from filters scoped to this same scope, and
        # nothing else reads the filters' querysets (scoped when a new form class is made)

    def _scope_filters(self) -> None:
        if self._scoped:
            return
        self._scoped = True
        request = self.request
        user = getattr(request, "user", None)
        for f in self.filters.values():
            if not isinstance(f, django_filters.filters.QuerySetRequestMixin) or f.queryset is None:
                continue
            qs = f.queryset(request) if callable(f.queryset) else f.queryset
            f.queryset = qs.for_user(user, "view") if user is not None else qs.none()


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, building (and validating) a filter set only when the request sets
    one of its filters: a plain page of a list skips a form of scoped choices it would not use. A
    parameter counts when it starts with a filter's name (range filters add ``_after`` and the like)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
                param.startswith(name) for param in request.query_params for name in filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)
