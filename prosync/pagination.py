"""API pagination (its own module: DRF imports it while its views module is still loading)."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from prosync import counts


class CountCachedPaginator(Paginator):
    """Django's paginator whose count is read from the cache while the list's rows are unchanged
    (prosync.counts): an integrator or a planner paging through a list has it counted once."""

    count_cache: tuple | None = None  # (app labels, key parts): see prosync.counts
    count_found: int | None = None  # the cached count, when it was read with other cached parts

    def compute_count(self) -> int:
        return Paginator.count.func(self)

    @cached_property
    def count(self) -> int:
        if self.count_cache is None or not hasattr(self.object_list, "query"):
            return self.compute_count()
        return counts.cached_count(*self.count_cache, self.compute_count, using=self.object_list.db,
                                   found=self.count_found)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        count_cache = (counts.list_apps(queryset.model, getattr(view, "count_apps", ())),
                       counts.request_key(request, counts.list_name(view) if view is not None else "api"))

        def paginator(object_list, per_page, *args, **kwargs):
            found = CountCachedPaginator(object_list, per_page, *args, **kwargs)
            found.count_cache = count_cache
            return found

        self.django_paginator_class = paginator
        return super().paginate_queryset(queryset, request, view)
