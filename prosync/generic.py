"""Generic page views shared by the apps: a filtered, sortable, paginated list scoped by
``for_user``, answering HTMX requests with the table partial of the same template."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.views.generic import DetailView, ListView

from prosync.permissions import can


class ScopedMixin(LoginRequiredMixin):
    action = "view"

    def get_queryset(self):
        model = self.model
        if not can(self.request.user, self.action, model):
            raise PermissionDenied(f"Your role may not {self.action} {model._meta.verbose_name_plural}.")
        return self.base_queryset().for_user(self.request.user, self.action)

    def base_queryset(self):
        return self.model.objects.all()


class FilteredListView(ScopedMixin, ListView):
    filterset_class = None
    sort_fields: dict[str, str] = {}  # query value -> ORM ordering
    default_sort = ""
    paginate_by = 25
    title = ""
    template_name = "partials/list_page.html"
    partial_template_name = None  # the results table, also the answer to an HTMX request

    def get_queryset(self):
        qs = super().get_queryset()
        self.filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
        qs = self.filterset.qs if self.filterset.is_bound and self.filterset.is_valid() else qs
        sort = self.request.GET.get("sort", self.default_sort)
        self.sort = sort if sort.lstrip("-") in self.sort_fields else self.default_sort
        if self.sort:
            field = self.sort_fields[self.sort.lstrip("-")]
            qs = qs.order_by(f"-{field}" if self.sort.startswith("-") else field, "pk")
        return qs

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted and self.partial_template_name:
            return [self.partial_template_name]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx.update(filterset=self.filterset, sort=self.sort, querystring=params.urlencode())
        no_sort = params.copy()
        no_sort.pop("sort", None)
        ctx["querystring_nosort"] = no_sort.urlencode()
        return ctx

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response["Vary"] = "HX-Request"
        return response


class ScopedDetailView(ScopedMixin, DetailView):
    pass
