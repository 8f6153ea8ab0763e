"""Generic page views shared by the apps: a filtered, sortable, paginated list scoped by
``for_user``, answering HTMX requests with the table partial of the same template."""

from __future__ import annotations

import csv
from collections.abc import Callable

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.views.generic import DetailView, ListView

from prosync.core.permissions import can
from prosync.core.renderers import spreadsheet_safe
from prosync.core.tables import Column, Table


def wants_partial(request) -> bool:
    """An HTMX request for part of a page (a filter, a pager), not a boosted navigation."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def render_page_or_partial(request, page: str, partial: str, context: dict):
    """The whole page, or to an HTMX filter request only the part it swaps in; the answer varies
    with the HX-Request header, so a cache never serves one for the other."""
    response = render(request, partial if wants_partial(request) else page, context)
    response["Vary"] = "HX-Request"
    return response


class ScopedMixin(LoginRequiredMixin):
    action = "view"

    def get_queryset(self):
        model = self.model
        if not can(self.request.user, self.action, model):
            raise PermissionDenied(f"Your role may not {self.action} {model._meta.verbose_name_plural}.")
        return self.base_queryset().for_user(self.request.user, self.action)

    def base_queryset(self):
        return self.model.objects.all()


class CappedPaginator(Paginator):
    """Counts a list's rows up to ``cap``: past it the list says "10000+ rows" and pages up to the
    cap, so a page of an unfiltered list of millions costs what it does with ten thousand (an
    exact COUNT(*) reads every row the filter matches)."""

    cap = 10_000
    capped = False

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return len(self.object_list)
        # Only the ids are counted: the list's annotations are not computed just to be thrown away.
        n = self.object_list.order_by().values("pk")[: self.cap + 1].count()
        self.capped = n > self.cap
        return min(n, self.cap)


class FilteredListView(ScopedMixin, ListView):
    """A list page: scoped by ``for_user``, filtered by ``filterset_class``, sorted and drawn by
    ``table_class`` (its columns declare the sort keys and the CSV export), paginated; an HTMX
    request gets the results partial of the same page."""

    paginator_class = CappedPaginator
    filterset_class = None
    table_class: type[Table] | None = None
    default_sort = ""
    paginate_by = 25
    title = ""
    template_name = "partials/list_page.html"
    partial_template_name = "partials/results_table.html"  # also the answer to an HTMX request

    def get_queryset(self):
        qs = super().get_queryset()
        self.filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
        if self.filterset.is_bound and self.filterset.is_valid():
            qs = self.filterset.qs
        sort_fields = self.table_class.sort_fields()
        sort = self.request.GET.get("sort", self.default_sort)
        self.sort = sort if sort.lstrip("-") in sort_fields else self.default_sort
        if self.sort:
            field = sort_fields[self.sort.lstrip("-")]
            # Rows without a value (an asset not assessed yet) last, whichever way the column sorts.
            order = F(field).desc(nulls_last=True) if self.sort.startswith("-") else F(field).asc(nulls_last=True)
            qs = qs.order_by(order, "pk")
        return qs

    @property
    def filtered(self) -> bool:
        """Whether the request sets any filter (a sort, a page or an export alone is no filter)."""
        return any(key not in NOT_FILTERS and any(self.request.GET.getlist(key)) for key in self.request.GET)

    def get_template_names(self):
        if wants_partial(self.request):
            return [self.partial_template_name]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        no_sort = params.copy()
        no_sort.pop("sort", None)
        ctx.update(filterset=self.filterset, filtered=self.filtered, sort=self.sort, querystring=params.urlencode(),
                   table=self.table_class(ctx["object_list"], request=self.request, sort=self.sort, params=no_sort))
        return ctx

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response["Vary"] = "HX-Request"
        return response

    def get(self, request, *args, **kwargs):
        export = request.GET.get("format", "")
        if export == "csv":
            return csv_export(self.get_queryset(), self.table_class.export_columns(),
                              self.model._meta.verbose_name_plural)
        if export in LIST_EXPORTERS:
            return LIST_EXPORTERS[export](self, request)
        return super().get(request, *args, **kwargs)


NOT_FILTERS = frozenset({"page", "page_size", "sort", "ordering", "format", "cursor"})

# Further export formats of every list (``?format=xlsx``), plugged in by the layer that draws
# them: format → function of (the list view, set up for the request; the request) → response.
LIST_EXPORTERS: dict[str, Callable] = {}


class _Echo:
    def write(self, value):
        return value


def csv_export(queryset, columns: list[Column], name: str) -> StreamingHttpResponse:
    """Stream the rows of an already scoped and filtered queryset as CSV (UTF-8 with a BOM, so
    spreadsheets read accents right), in chunks, however long the list."""
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow([str(column.header) for column in columns])
        for obj in queryset.iterator(chunk_size=2000):
            yield writer.writerow([spreadsheet_safe(column.export(obj)) for column in columns])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    filename = f"{slugify(name)}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ScopedDetailView(ScopedMixin, DetailView):
    pass
