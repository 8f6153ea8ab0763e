"""Reads of spare parts that need care: stock totals and low-stock flags over the user's own
storerooms only (the catalogue is shared, the stock is not)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from assets.models import StockLevel


def parts_with_stock(queryset, user):
    """Parts annotated with ``on_hand`` and ``is_low`` over the storerooms the user may see.
    Correlated subqueries rather than a join and GROUP BY: a page of 25 parts sums 25 parts'
    stock, and counting the list needs no aggregation at all."""
    levels = StockLevel.objects.for_user(user, "view").filter(part=OuterRef("pk"))
    total = levels.order_by().values("part").annotate(total=Sum("on_hand")).values("total")
    return queryset.annotate(
        on_hand=Coalesce(Subquery(total, output_field=DecimalField(max_digits=16, decimal_places=3)), Decimal(0),
                         output_field=DecimalField(max_digits=16, decimal_places=3)),
        is_low=Exists(levels.low()),
    )


def low_stock_count(user) -> int:
    """Stock rows at or below their reorder point in the user's storerooms (dashboard badge)."""
    return StockLevel.objects.for_user(user, "view").low().count()
