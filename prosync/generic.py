"""Generic page views shared by the apps: a filtered, sortable, paginated list scoped by
``for_user``, answering HTMX requests with the table partial of the same template."""

from __future__ import annotations

import csv

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.text import slugify
from django.views.generic import DetailView, ListView

from prosync import counts, filter_choices
from prosync.pagination import CountCachedPaginator
from prosync.permissions import can
from prosync.renderers import spreadsheet_safe


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


class CappedPaginator(CountCachedPaginator):
    """Counts a list's rows up to ``cap``: past it the list says "10000+ rows" and pages up to the
    cap, so a page of an unfiltered list of millions costs what it does with ten thousand (an
    exact COUNT(*) reads every row the filter matches)."""

    cap = 10_000
    capped = False

    def compute_count(self) -> int:
        # Only the ids are counted: the list's annotations (sensor counts and the like) are not
        # computed for ten thousand rows just to be thrown away.
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return len(self.object_list)
        n = CountCachedPaginator.count.func(self)
        self.capped = n > self.cap
        return min(n, self.cap)


class FilteredListView(ScopedMixin, ListView):
    paginator_class = CappedPaginator
    filterset_class = None
    sort_fields: dict[str, str] = {}  # query value -> ORM ordering
    default_sort = ""
    paginate_by = 25
    title = ""
    template_name = "partials/list_page.html"
    partial_template_name = None  # the results table, also the answer to an HTMX request

    def get_queryset(self):
        qs = self._scoped = super().get_queryset()
        if self.filtered:
            qs = self.filterset.qs if self.filterset.is_valid() else qs
        sort = self.request.GET.get("sort", self.default_sort)
        self.sort = sort if sort.lstrip("-") in self.sort_fields else self.default_sort
        if self.sort:
            field = self.sort_fields[self.sort.lstrip("-")]
            qs = qs.order_by(f"-{field}" if self.sort.startswith("-") else field, "pk")
        return qs

    @cached_property
    def filtered(self) -> bool:
        """Whether the request sets any filter (a sort, a page or an export alone is no filter)."""
        return any(key not in counts.NOT_FILTERS for key in self.request.GET)

    @cached_property
    def filterset(self):
        """Built when it is used: to filter, or to draw the filter form when it is not cached."""
        return self.filterset_class(self.request.GET if self.filtered else None, queryset=self._scoped,
                                    request=self.request)

    # Apps whose writes change what this list counts besides its model's and the register's.
    count_apps: tuple[str, ...] = ()

    @cached_property
    def request_key(self) -> tuple:
        """This list, this user's scope and these filters: what its count and its filter form
        are cached under (besides the generations of what they read)."""
        return counts.request_key(self.request, counts.list_name(self))

    @cached_property
    def count_cache(self) -> tuple:
        """What this list's count is cached under: the apps whose writes change it, and request_key."""
        return counts.list_apps(self.model, self.count_apps), self.request_key

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        paginator = super().get_paginator(queryset, per_page, orphans, allow_empty_first_page, **kwargs)
        paginator.count_cache = self.count_cache
        paginator.count_found = self.cached_parts.get("count")
        return paginator

    @cached_property
    def cached_parts(self) -> dict:
        """The page's count and its filter form (not drawn in an HTMX partial) as far as the cache
        holds them, read together in one round trip: {"count": …, "form": …}."""
        using = self.model.objects.db
        keys = {"count": counts.count_key(*self.count_cache, using)}
        if not wants_partial(self.request):
            keys["form"] = filter_choices.form_key(self.form_key_parts, using)
        found = cache.get_many(keys.values())
        return {part: found[key] for part, key in keys.items() if key in found}

    @property
    def form_key_parts(self) -> tuple:
        return (self.request_key, self.sort)

    def paginate_queryset(self, queryset, page_size):
        """The page's ids first, sorted and cut on the list's own table (and only the joins the
        filters and the sort need), then its rows with their joins and annotations for those ids
        alone: sorting ten thousand joined rows by a column without an index took tens of
        milliseconds, the narrow sort a few. The rows are read by id alone: the ids already went
        through the scope and the filters, which would only be planned and checked again."""
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        if isinstance(queryset, QuerySet):
            ids = list(page.object_list.values_list("pk", flat=True))
            if not ids:
                rows = []
            elif self.page_columns:
                rows = rows_by_id(self, ids)
            else:
                rows = self.base_queryset().order_by().filter(pk__in=ids)
            by_pk = {row["pk"] if isinstance(row, dict) else row.pk: row for row in rows}
            page.object_list = object_list = [by_pk[pk] for pk in ids if pk in by_pk]
        return paginator, page, object_list, is_paginated

    # A list that names its columns (ORM paths, "pk" first) gets its rows as dicts of them, read
    # by SQL compiled once per number of rows (rows_by_id); None: model instances.
    page_columns: tuple[str, ...] | None = None

    def get_template_names(self):
        if wants_partial(self.request) and self.partial_template_name:
            return [self.partial_template_name]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx.update(filterset=SimpleLazyObject(lambda: self.filterset), filtered=self.filtered, sort=self.sort,
                   querystring=params.urlencode())
        if not wants_partial(self.request):  # the partial has no form
            ctx["filter_form_html"] = self.filter_form_html()
        no_sort = params.copy()
        no_sort.pop("sort", None)
        ctx["querystring_nosort"] = no_sort.urlencode()
        return ctx

    def filter_form_html(self) -> str:
        """The filter form as shown to this user (their sites decide the choices) with these
        filters and this sort, from the cache while none of its choices has changed."""
        return filter_choices.cached_form_html(lambda: self.filterset.form, lambda: render_to_string(
            "partials/filter_form.html", {"filterset": self.filterset, "sort": self.sort}, request=self.request),
            self.form_key_parts, using=self.model.objects.db, found=self.cached_parts.get("form"))

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response["Vary"] = "HX-Request"
        return response

    # --- CSV export of the filtered list: ``?format=csv`` with the page's own filters and sort ---
    export_columns: list[tuple[str, str]] | None = None  # (header, attribute path with "__"); None: model fields

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return csv_export(self.get_queryset(), self.get_export_columns(), self.model._meta.verbose_name_plural)
        return super().get(request, *args, **kwargs)

    def get_export_columns(self) -> list[tuple[str, str]]:
        if self.export_columns is not None:
            return self.export_columns
        return [(f.verbose_name, f.attname) for f in self.model._meta.concrete_fields]


_rows_sql: dict[tuple, tuple] = {}
_STAND_IN = -9_000_000_000  # ids below it stand for a page's ids while its rows' SQL is compiled


def rows_by_id(view, ids: list[int]) -> list[dict]:
    """The rows of ``view.base_queryset()`` with these ids, as dicts of ``view.page_columns``.
    Their SQL (joins, annotations and all) is compiled once per list and number of ids, with
    stand-in ids, and then run with the page's own: compiling it cost more than running it. The
    base queryset must not depend on the request; the ids come from the scoped, filtered list."""
    using = view.model.objects.db
    key = (type(view), len(ids), using)
    plan = _rows_sql.get(key)
    if plan is None:
        stand_ins = [_STAND_IN - i for i in range(len(ids))]
        qs = view.base_queryset().order_by().filter(pk__in=stand_ins).values(*view.page_columns)
        compiler = qs.query.get_compiler(using)
        sql, params = compiler.as_sql()
        slots = [i for i, p in enumerate(params) if p in stand_ins]
        if len(slots) != len(ids):  # the stand-ins are not where they were meant to be: the ORM's way
            return list(view.base_queryset().order_by().filter(pk__in=ids).values(*view.page_columns))
        names = [*qs.query.extra_select, *qs.query.values_select, *qs.query.annotation_select]
        plan = _rows_sql[key] = (sql, tuple(params), slots, names,
                                 compiler.get_converters([column[0] for column in compiler.select]))
    sql, params, slots, names, converters = plan
    params = list(params)
    for slot, pk in zip(slots, ids, strict=True):
        params[slot] = pk
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    rows = []
    for row in found:
        if converters:
            row = list(row)
            for i, (functions, expression) in converters.items():
                for convert in functions:
                    row[i] = convert(row[i], expression, connection)
        rows.append(dict(zip(names, row, strict=True)))
    return rows


class _Echo:
    def write(self, value):
        return value


def _cell(obj, path: str):
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    if callable(value):
        value = value()
    return spreadsheet_safe(value)


def csv_export(queryset, columns: list[tuple[str, str]], name: str) -> StreamingHttpResponse:
    """Stream the rows of an already scoped and filtered queryset as CSV (UTF-8 with a BOM, so
    spreadsheets read accents right), in chunks, however long the list."""
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow([str(header) for header, _ in columns])
        chunked = queryset.iterator(chunk_size=2000)
        for obj in chunked:
            yield writer.writerow([_cell(obj, path) for _, path in columns])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    filename = f"{slugify(name)}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ScopedDetailView(ScopedMixin, DetailView):
    pass
