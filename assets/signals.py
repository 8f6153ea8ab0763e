"""Signals for listeners above the assets app (notifications, purchasing) so that assets imports none of them."""

from django.dispatch import Signal

# Sent after commit with sender=StockLevel, level=<StockLevel> when a part's stock in a storeroom
# falls to or below its reorder point (once per crossing, not on every movement while low).
stock_low = Signal()
