"""How machines behave: sensor signals as a function of wear, shared by the live telemetry
simulator and by the training of the health models, so that both see the same physics.

Wear goes from 0 (new) to 1 (failure). Vibration rises steeply near the end of life,
temperature and motor current creep up, discharge pressure sags.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# metric: (unit, expected_min, expected_max, healthy base, noise std as a fraction of base)
METRICS: dict[str, tuple[str, float, float, float, float]] = {
    "vibration": ("mm/s", 0.0, 7.1, 2.2, 0.06),
    "temperature": ("°C", 10.0, 85.0, 55.0, 0.01),
    "current": ("A", 0.0, 48.0, 38.0, 0.015),
    "pressure": ("bar", 4.0, 9.0, 7.2, 0.01),
}

# Each category scales the healthy base values: same physics, different machines.
CATEGORY_SCALE: dict[str, float] = {
    "Centrifugal pump": 1.0,
    "Electric motor": 0.8,
    "Air compressor": 1.25,
    "Cooling fan": 0.6,
}


@dataclass(frozen=True)
class MachineProfile:
    scale: float = 1.0
    seed: int = 0

    def base(self, metric: str) -> float:
        b = METRICS[metric][3]
        return b * self.scale if metric in ("vibration", "current") else b


def signal(profile: MachineProfile, wear: np.ndarray | float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Sensor values for one or many wear levels, with measurement noise."""
    w = np.clip(np.asarray(wear, dtype=float), 0.0, 1.2)
    shape = w.shape
    out = {}
    for metric, (_unit, _lo, _hi, _base, noise) in METRICS.items():
        base = profile.base(metric)
        if metric == "vibration":
            clean = base * (1.0 + 2.6 * w**2.5)
        elif metric == "temperature":
            clean = base + 24.0 * w**2
        elif metric == "current":
            clean = base * (1.0 + 0.18 * w**1.5)
        else:
            clean = base * (1.0 - 0.22 * w**2)
        out[metric] = clean + rng.normal(0.0, noise * base, size=shape)
    return out


class FleetSimulator:
    """Live readings for every sensor of the fleet. About one machine in five wears out over
    20–45 minutes (starting part-way so the demo shows trouble soon); when it fails, or when a
    work order on it is completed, it is repaired and starts again as new."""

    def __init__(self, *, degrading_share: float = 0.2, seed: int = 11):
        self.rng = np.random.default_rng(seed)
        self.degrading_share = degrading_share
        self.machines: dict[int, dict] = {}

    def refresh(self, sensors: list[tuple[int, int, str, str | None]]) -> None:
        """sensors: (sensor_id, asset_id, metric, category name)."""
        by_asset: dict[int, dict] = {}
        for sensor_id, asset_id, metric, category in sensors:
            if metric not in METRICS:
                continue
            m = by_asset.setdefault(asset_id, {"sensors": {}, "category": category})
            m["sensors"][metric] = sensor_id
        for asset_id, info in by_asset.items():
            if asset_id not in self.machines:
                degrading = (asset_id * 7919) % 100 < self.degrading_share * 100
                self.machines[asset_id] = {
                    "profile": MachineProfile(scale=CATEGORY_SCALE.get(info["category"], 1.0), seed=asset_id),
                    "degrading": degrading,
                    "life_s": float(self.rng.uniform(20, 45) * 60),
                    "wear": float(self.rng.uniform(0.35, 0.75)) if degrading else float(self.rng.uniform(0.0, 0.1)),
                }
            self.machines[asset_id]["sensors"] = info["sensors"]

    def repair(self, asset_id: int) -> None:
        if asset_id in self.machines:
            self.machines[asset_id]["wear"] = float(self.rng.uniform(0.0, 0.05))

    def step(self, dt: float) -> None:
        for m in self.machines.values():
            if m["degrading"]:
                m["wear"] += dt / m["life_s"]
                if m["wear"] >= 1.0:
                    m["wear"] = float(self.rng.uniform(0.0, 0.05))  # failed and replaced

    def readings(self, at_epoch: float) -> list[tuple[int, float, float]]:
        """(sensor_id, epoch seconds, value) for every sensor at one instant."""
        out = []
        for m in self.machines.values():
            values = signal(m["profile"], m["wear"], self.rng)
            for metric, sensor_id in m["sensors"].items():
                out.append((sensor_id, at_epoch, round(float(values[metric]), 4)))
        return out

    def history(self, seconds: float, interval: float, end_epoch: float) -> list[tuple[int, float, float]]:
        """Back-fill: the last ``seconds`` of readings, with the wear each machine had then."""
        out = []
        steps = int(seconds // interval)
        saved = {aid: m["wear"] for aid, m in self.machines.items()}
        for m in self.machines.values():
            if m["degrading"]:
                m["wear"] = max(0.0, m["wear"] - seconds / m["life_s"])
        for i in range(steps):
            out.extend(self.readings(end_epoch - seconds + i * interval))
            self.step(interval)
        for aid, wear in saved.items():
            self.machines[aid]["wear"] = wear
        return out
