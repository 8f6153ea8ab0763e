"""Filters of the notification inbox."""

from __future__ import annotations

import django_filters

from accounts.models import Notification, NotificationKind
from prosync.core.filters import ScopedFilterSet


class NotificationFilterSet(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=NotificationKind.choices)
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="Unread only")

    class Meta:
        model = Notification
        fields = ["kind", "unread"]
