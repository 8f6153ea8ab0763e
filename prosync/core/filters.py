"""Base FilterSet: the choices of related-object filters are scoped like everything else, so a
filter form never names another site's assets or people, and ``?asset=<other site's id>`` is
as invalid as an id that does not exist."""

import django_filters


class ScopedFilterSet(django_filters.FilterSet):
    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        for f in self.filters.values():
            if isinstance(f, django_filters.ModelChoiceFilter):
                f.extra.setdefault("empty_label", "All")  # a filter left empty filters nothing
            if not isinstance(f, django_filters.filters.QuerySetRequestMixin) or f.queryset is None:
                continue
            qs = f.queryset(request) if callable(f.queryset) else f.queryset
            f.queryset = qs.for_user(user, "view") if user is not None else qs.none()
