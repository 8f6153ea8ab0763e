"""Tabs of the asset page contributed by the apps above assets (telemetry, work orders,
health), registered in their AppConfig.ready() so that assets imports none of them."""

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


_panels: dict[str, AssetPanel] = {}


def register(panel: AssetPanel) -> None:
    _panels[panel.key] = panel


def panels() -> list[AssetPanel]:
    return sorted(_panels.values(), key=lambda p: p.order)
