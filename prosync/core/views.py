"""Helpers of the apps' HTML views: the permission checks of edit views, a form page (or its
partial) with a service's validation errors on it, and where to go after a write (a ``next``
that stays on this site)."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme

from prosync.core.generic import render_page_or_partial, wants_partial
from prosync.core.permissions import can


def require(user, action: str, model: type[Model]) -> None:
    """403 unless the user's role allows ``action`` on ``model`` (their sites decide the rest)."""
    if not can(user, action, model):
        raise PermissionDenied(f"Your role may not {action} {model._meta.verbose_name_plural}.")


def permission_required(action: str, model: type[Model]):
    """A view for signed-in users whose role allows ``action`` on ``model``; others get the login
    page or a 403, before the view reads anything."""

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            require(request.user, action, model)
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorator


def scoped_object(request, queryset: QuerySet | type[Model], pk, action: str = "view"):
    """The object if the user's role allows ``action`` (else 403) and it is on one of their sites
    (else 404, as for an id that does not exist): the same rule as every list and the API."""
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    require(request.user, action, queryset.model)
    return get_object_or_404(queryset.for_user(request.user, action), pk=pk)


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names, else on the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        target = field if field in form.fields else None
        for message in errors:
            if target is None and field not in ("__all__", "attributes"):
                message = f"{field.replace('_', ' ').capitalize()}: {message}"
            form.add_error(target, message)


def render_form(request, form: forms.Form, page: str, partial: str, context: dict, *, refused: int = 422):
    """A form's page, or its partial for HTMX. A refused full-page POST answers ``refused`` so that
    scripts see the refusal; the partial stays a 200, because HTMX swaps in only successful answers."""
    response = render_page_or_partial(request, page, partial, {"form": form, **context})
    if form.is_bound and form.errors and not wants_partial(request):
        response.status_code = refused
    return response


def next_url(request, default: str) -> str:
    """The request's ``next`` if it leads to this site (over https when the request came so), else
    ``default``: a link that sends people to another site after a click here is refused."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return default
