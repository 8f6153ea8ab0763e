"""The demo plant: two sites, about forty assets in a tree, sensors on every machine, and a
few users of each role. Loaded by ``make run`` when the database is empty."""

from __future__ import annotations

from django.db import transaction

from accounts.roles import Role
from accounts.services import create_user
from assets.models import Asset, AssetCategory, Site
from prosync.demo_accounts import DEMO_PASSWORD, DEMO_USERS
from telemetry.models import Sensor
from telemetry.simulation import CATEGORY_SCALE, METRICS

SITES = [("north", "North Plant", "Europe/Berlin"), ("south", "South Depot", "Europe/Madrid")]


def _sensors_for(asset: Asset, site_code: str) -> list[Sensor]:
    scale = CATEGORY_SCALE.get(asset.category.name, 1.0)
    out = []
    for metric, (unit, lo, hi, _base, _noise) in METRICS.items():
        factor = scale if metric in ("vibration", "current") else 1.0
        out.append(Sensor(asset=asset, name=metric.capitalize(), metric=metric, unit=unit,
                          key=f"{site_code}.{asset.tag}.{metric}".lower(), expected_min=round(lo * factor, 2),
                          expected_max=round(hi * factor, 2), sampling_interval_s=2))
    return out


@transaction.atomic
def load_demo_plant() -> dict:
    categories = {name: AssetCategory.objects.get_or_create(name=name)[0] for name in CATEGORY_SCALE}
    area = AssetCategory.objects.get_or_create(name="Production line",
                                               defaults={"description": "A line or area grouping machines."})[0]
    sensors: list[Sensor] = []
    sites = {}
    for code, name, tz in SITES:
        site = Site.objects.create(code=code, name=name, timezone=tz)
        sites[code] = site
        prefix = code[0].upper()
        for line_no in (1, 2):
            line = Asset.objects.create(site=site, category=area, tag=f"{prefix}L{line_no}",
                                        name=f"{name} line {line_no}", criticality="A")
            for i in range(1, 4):
                n = f"{line_no}{i:02d}"
                pump = Asset.objects.create(site=site, parent=line, category=categories["Centrifugal pump"],
                                            tag=f"{prefix}P-{n}", name=f"Cooling water pump {n}",
                                            manufacturer="Grundfos", model_number="NB 65-200",
                                            serial_number=f"GF{code.upper()}{n}77", criticality="A" if i == 1 else "B")
                motor = Asset.objects.create(site=site, parent=pump, category=categories["Electric motor"],
                                             tag=f"{prefix}M-{n}", name=f"Pump motor {n}", manufacturer="ABB",
                                             model_number="M3BP 200", serial_number=f"ABB{code.upper()}{n}31")
                sensors += _sensors_for(pump, code) + _sensors_for(motor, code)
            compressor = Asset.objects.create(site=site, parent=line, category=categories["Air compressor"],
                                              tag=f"{prefix}C-{line_no}01", name=f"Instrument air compressor {line_no}",
                                              manufacturer="Atlas Copco", model_number="GA 30", criticality="A")
            fan = Asset.objects.create(site=site, parent=line, category=categories["Cooling fan"],
                                       tag=f"{prefix}F-{line_no}01", name=f"Cooling tower fan {line_no}",
                                       manufacturer="Howden", criticality="C")
            sensors += _sensors_for(compressor, code) + _sensors_for(fan, code)
    Sensor.objects.bulk_create(sensors)
    for username, role, codes, first, last in DEMO_USERS:
        create_user(username=username, password=DEMO_PASSWORD, role=role, site_ids=[sites[c].pk for c in codes],
                    first_name=first, last_name=last, email=f"{username}@demo.prosync.local",
                    is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    return {"sites": len(sites), "assets": Asset.objects.count(), "sensors": len(sensors), "users": len(DEMO_USERS)}
