"""Reads of spare parts that need care: stock totals and low-stock flags over the user's own
storerooms only (the catalogue is shared, the stock is not)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from assets.models import StockLevel


def parts_with_stock(queryset, user):
    """Parts annotated with ``on_hand`` and ``is_low`` over the storerooms the user may see."""
    levels = StockLevel.objects.for_user(user, "view")
    visible = Q(stock_levels__in=levels.values("pk"))
    return queryset.annotate(
        on_hand=Coalesce(Sum("stock_levels__on_hand", filter=visible), Decimal(0),
                         output_field=DecimalField(max_digits=16, decimal_places=3)),
        is_low=Exists(levels.low().filter(part=OuterRef("pk"))),
    ).order_by(*queryset.query.order_by or ["part_number"])  # GROUP BY drops Meta.ordering


def low_stock_count(user) -> int:
    """Stock rows at or below their reorder point in the user's storerooms (dashboard badge)."""
    return StockLevel.objects.for_user(user, "view").low().count()
