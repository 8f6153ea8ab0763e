"""Filters of the notification inbox and of the people list."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from accounts.models import Notification, NotificationKind, SiteMembership, User
from accounts.roles import Role
from prosync.core.filters import ScopedFilterSet


class NotificationFilterSet(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=NotificationKind.choices)
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="Unread only")

    class Meta:
        model = Notification
        fields = ["kind", "unread"]


class PersonFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    role = django_filters.ChoiceFilter(choices=Role.choices, field_name="groups__name", label="Role")
    # Sites are a model of a higher app: named through the membership's foreign key (public _meta).
    site = django_filters.ModelChoiceFilter(field_name="memberships__site", label="Site",
                                            queryset=SiteMembership._meta.get_field("site").related_model.objects.all())
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = User
        fields = ["role", "site", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(first_name__icontains=value) |
                               Q(last_name__icontains=value) | Q(email__icontains=value) |
                               Q(job_title__icontains=value))
