"""A list page's rows for export: the same scoped, filtered rows and the same columns as its CSV,
as a sheet of typed cells, with the list's title, file name, filters in words and clock."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.text import slugify

from prosync.core.generic import FilteredListView
from prosync.reports.exports import sheets as sh

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def list_title(view) -> str:
    return str(view.title or view.model._meta.verbose_name_plural).capitalize()


def list_site(user, params):
    """Whose clock a list's dates are read on: the site it is filtered to, else the user's only
    site, else the instance's."""
    from assets.models import Site

    sites = Site.objects.for_user(user)
    raw = params.get("site", "")
    if raw.isdecimal():
        site = sites.filter(pk=int(raw)).first()
        if site is not None:
            return site
    if not user.sees_all_sites and len(user.site_ids) == 1:
        return sites.filter(pk=user.site_ids[0]).first()
    return None


def list_filename(view, fmt: str) -> str:
    return f"{slugify(view.model._meta.verbose_name_plural)}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def row_count(queryset, limit: int) -> int:
    """The rows, counted up to ``limit + 1``: enough to know a list is over the limit."""
    return queryset.order_by().values("pk")[: limit + 1].count()


def list_sheet(view, queryset, *, user, params, total=None, progress=None) -> sh.Sheet:
    return sh.list_sheet(list_title(view), queryset, view.table_class.export_columns(),
                         site=list_site(user, params), total=total, progress=progress)


def filters_in_words(view) -> list[tuple[str, str]]:
    """The filters a list was cut by, as its filter form shows them."""
    form = getattr(getattr(view, "filterset", None), "form", None)
    if form is None or not form.is_bound or not form.is_valid():
        return []
    out = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", [], ()) or name in ("sort", "page"):
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", []) or [])
        if isinstance(value, (list, tuple, set)) or hasattr(value, "__iter__") and not isinstance(value, str):
            shown = ", ".join(str(choices.get(v, v)) for v in value)
        else:
            shown = str(choices.get(value, value))
        out.append((str(field.label or name).capitalize(), shown))
    return out


def view_for(path: str, params: str, user):
    """A list view set up as if ``user`` had asked for ``path?params``: the job writes exactly the
    rows the page would have exported, scoped by the same ``for_user``."""
    try:
        match = resolve(path)
    except Resolver404 as exc:
        raise ValueError(f"no list at {path}") from exc
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or not issubclass(view_class, FilteredListView):
        raise ValueError(f"no list at {path}")
    request = HttpRequest()
    request.method, request.path, request.user = "GET", path, user
    request.GET = QueryDict(params)
    view = view_class(**(getattr(match.func, "view_initkwargs", None) or {}))
    view.setup(request, *match.args, **match.kwargs)
    return view
