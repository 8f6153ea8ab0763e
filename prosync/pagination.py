"""API pagination (its own module: DRF imports it while its views module is still loading)."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from prosync import counts


class CountCachedPaginator(Paginator):
    """Django's paginator whose count is read from the cache while the list's rows are unchanged
    (prosync.counts): an integrator paging through a list has it counted once."""

    count_cache: tuple | None = None

    @cached_property
    def count(self) -> int:
        compute = Paginator.count.func.__get__(self)
        if self.count_cache is None or not hasattr(self.object_list, "query"):
            return compute()
        return counts.cached_count(*self.count_cache, compute, using=self.object_list.db)


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
