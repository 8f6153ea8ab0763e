"""One place that decides what a user may see and do: querysets scoped to sites, and the DRF
permission class that every API view uses. HTML views, exports and WebSocket consumers call
the same ``for_user``."""

from __future__ import annotations

from django.db import models
from rest_framework.permissions import DjangoModelPermissions

ACTIONS = ("view", "add", "change", "delete")


def can(user, action: str, model: type[models.Model]) -> bool:
    """Whether the user's role allows ``action`` on ``model`` at all (site scope aside)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")


class SiteScopedQuerySet(models.QuerySet):
    """Rows a user may act on: their role must allow the action, and the row must belong to one
    of their sites. Each model names the path to its site in ``site_field`` ("" for Site
    itself, None for data shared by every site)."""

    def for_user(self, user, action: str = "view"):
        assert action in ACTIONS, action
        if not can(user, action, self.model):
            return self.none()
        path = self.model.site_field
        if user.sees_all_sites or path is None:  # None: shared by all sites (categories, models)
            return self
        lookup = f"{path}__in" if path else "pk__in"
        return self.filter(**{lookup: user.site_ids})


SiteScopedManager = models.Manager.from_queryset(SiteScopedQuerySet)


class SiteScopedPermission(DjangoModelPermissions):
    """Authenticated users with the role's model permission; reads need ``view``. Rows outside
    the user's sites are filtered by ``for_user`` in the viewset and so answer 404.
    Custom actions declare their permission in ``view.action_permissions``."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        custom = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if custom is not None:
            return request.user.has_perms(custom)
        return super().has_permission(request, view)
