"""Writes about sites, assets and spare parts. The stock ledger's services live in assets.parts
and are re-exported here, so callers have one place to import asset-side writes from."""

from assets.parts import (  # noqa: F401
    InsufficientStock,
    adjust_stock,
    issue_stock,
    receive_stock,
    return_stock,
    transfer_stock,
)
