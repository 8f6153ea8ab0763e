"""Base FilterSet: the choices of related-object filters are scoped like everything else, so a
filter form never names another site's assets or people, and ``?asset=<other site's id>`` is
as invalid as an id that does not exist."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend


class ScopedFilterSet(django_filters.FilterSet):
    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
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
