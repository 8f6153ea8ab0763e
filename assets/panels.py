"""Tabs of the asset page contributed by the apps above assets (telemetry, work orders,
health), registered in their AppConfig.ready() so that assets imports none of them.

The asset page renders the overview only; each tab's body is fetched on its own
(``assets:panel``) when it scrolls into view or its tab is chosen, so opening an asset does not
pay for nine tabs nobody has looked at yet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class AssetPanel:
    key: str
    title: str
    template: str
    context: Callable  # (request, asset) -> dict
    order: int = 50
    # () -> an expression counting the tab's rows for the asset being read (selectors.count_of),
    # shown on the tab ("Documents (3)") and read with the asset itself. The rows are on its site.
    count: Callable | None = None


_panels: dict[str, AssetPanel] = {}


def register(panel: AssetPanel) -> None:
    _panels[panel.key] = panel


def panels() -> list[AssetPanel]:
    return sorted(_panels.values(), key=lambda p: p.order)


def get(key: str) -> AssetPanel | None:
    return _panels.get(key)
