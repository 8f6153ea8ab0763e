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
    load_demo_register()  # locations, attributes, meters, status history and downtime
    parts = load_demo_parts()
    load_demo_planning()
    from workorders.demo import load_demo_work

    load_demo_work()  # failure codes, SLA, teams, checklists, orders in every status with time and parts
    from prosync.demo_history import load_demo_history

    history = load_demo_history()  # a year of orders, downtime, PM, stock, requests and alerts for the reports
    return {"sites": len(sites), "assets": Asset.objects.count(), "sensors": len(sensors), "users": len(DEMO_USERS),
            "parts": parts, "history orders": history.get("work_orders", 0)}


# --- Asset register: locations, category attributes, meters, status history and downtime -----

DEMO_ATTRIBUTES = {
    "Centrifugal pump": [
        {"key": "rated_flow", "label": "Rated flow", "type": "number", "unit": "m³/h", "required": True},
        {"key": "head", "label": "Head", "type": "number", "unit": "m"},
        {"key": "seal_type", "label": "Seal", "type": "choice", "choices": ["Packing", "Mechanical single",
                                                                          "Mechanical double"]}],
    "Electric motor": [
        {"key": "rated_power", "label": "Rated power", "type": "number", "unit": "kW", "required": True},
        {"key": "ip_rating", "label": "IP rating", "type": "choice", "choices": ["IP54", "IP55", "IP56", "IP66"]},
        {"key": "atex", "label": "ATEX", "type": "boolean"}],
}


def load_demo_register() -> None:
    """Idempotent: a location tree per site (building > lines > rooms) with the machines placed
    in it, attribute schemas and values, warranty and cost, running-hour meters (motors follow
    their pump) with a reading history, and a few weeks of status changes with downtime."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from assets import services
    from assets.models import Location

    if Location.objects.exists():
        return
    admin = User.objects.filter(username="admin").first()
    for name, schema in DEMO_ATTRIBUTES.items():
        AssetCategory.objects.filter(name=name, attribute_schema=[]).update(attribute_schema=schema)
    today = timezone.localdate()
    for site in Site.objects.filter(code__in=[c for c, _n, _t in SITES]).order_by("code"):
        p = site.code[0].upper()
        building = services.create_location(actor=admin, site=site, code=f"{p}-B1", name="Main building",
                                            kind="building")
        for line_no in (1, 2):
            line_loc = services.create_location(actor=admin, site=site, parent=building, code=f"{p}-L{line_no}",
                                                name=f"Line {line_no} hall", kind="line")
            pump_room = services.create_location(actor=admin, site=site, parent=line_loc, code=f"{p}-L{line_no}-PR",
                                                 name=f"Line {line_no} pump room", kind="room")
            air_room = services.create_location(actor=admin, site=site, parent=line_loc, code=f"{p}-L{line_no}-AR",
                                                name=f"Line {line_no} compressor room", kind="room")
            line = Asset.objects.get(site=site, tag=f"{p}L{line_no}")
            services.move_asset(line, actor=admin, location=line_loc)  # its machines follow
            for asset in Asset.objects.filter(parent=line).select_related("category"):
                kind = asset.category.name
                room = pump_room if kind == "Centrifugal pump" else air_room if kind == "Air compressor" else None
                if room:
                    services.move_asset(asset, actor=admin, location=room)  # a pump's motor follows it
        services.create_location(actor=admin, site=site, parent=building, code=f"{p}-WS", name="Workshop",
                                 kind="room")

    for i, pump in enumerate(Asset.objects.filter(category__name="Centrifugal pump").order_by("site", "tag")):
        services.update_asset(pump, actor=admin, install_date=today - timedelta(days=900 + 40 * i),
                              warranty_end=today + timedelta(days=[-120, 25, 60, 400][i % 4]),
                              purchase_cost=f"{8400 + 350 * (i % 3)}.00",
                              attributes={"rated_flow": 120 + 10 * (i % 3), "head": 32,
                                          "seal_type": "Mechanical single"})
        hours = services.create_meter(actor=admin, asset=pump, name="Running hours", initial_value=12000 + 700 * i)
        motor = pump.children.first()
        if motor is not None:
            services.update_asset(motor, actor=admin, attributes={"rated_power": 15 if i % 2 else 18.5,
                                                                 "ip_rating": "IP55", "atex": False},
                                  warranty_end=today + timedelta(days=300 - 50 * i))
            services.create_meter(actor=admin, asset=motor, name="Running hours", initial_value=9000 + 500 * i,
                                  rolls_down=True)
        now = timezone.now()
        for day in (21, 14, 7, 1):
            services.record_meter_reading(hours, hours.current_value + 24 * (22 - day) // 2, actor=admin,
                                          at=now - timedelta(days=day))
            hours.refresh_from_db()

    now = timezone.now()
    tech = User.objects.filter(username="tech.north").first() or admin
    history = [  # (site, tag, [(days ago, status, reason, note)])
        ("north", "NP-101", [(18, "down", "breakdown", "Mechanical seal leaking"),
                             (17.7, "operational", "repaired", "Seal replaced")]),
        ("north", "NP-102", [(9, "degraded", "condition", "Noisy at start-up"),
                             (6, "down", "planned_maintenance", "Bearing change"),
                             (5.8, "operational", "repaired", "")]),
        ("north", "NF-101", [(3, "degraded", "condition", "Belt slipping, reduced airflow")]),
        ("north", "NC-201", [(0.2, "down", "utility_failure", "No cooling water")]),
        ("south", "SP-101", [(12, "down", "breakdown", "Motor tripped"),
                             (11.5, "operational", "repaired", "Overload relay reset, insulation checked")]),
    ]
    for site_code, tag, steps in history:
        asset = Asset.objects.filter(site__code=site_code, tag=tag).first()
        if asset is None:
            continue
        for days, status, reason, note in steps:
            services.change_asset_status(asset, status, actor=tech, reason_code=reason, note=note,
                                         at=now - timedelta(days=days))


# --- Spare parts: a catalogue, storerooms with stock (a few lines low), and bills of materials ---

DEMO_PARTS = [
    # part number, name, category, manufacturer, unit, unit cost, fits (asset category)
    ("BRG-6309-2Z", "Deep groove ball bearing 6309-2Z", "Bearings", "SKF", "pcs", "18.40", "Centrifugal pump"),
    ("SEAL-MG1-40", "Mechanical seal MG1, 40 mm", "Seals", "EagleBurgmann", "pcs", "145.00", "Centrifugal pump"),
    ("CPL-B125", "Coupling flexible element B125", "Couplings", "Flender", "pcs", "32.00", "Centrifugal pump"),
    ("BRG-6312-C3", "Motor bearing 6312-C3", "Bearings", "SKF", "pcs", "41.90", "Electric motor"),
    ("FUSE-NH00-63", "NH00 fuse 63 A gG", "Electrical", "Siemens", "pcs", "6.80", "Electric motor"),
    ("FLT-1622-1855", "Air filter element 1622 1855 01", "Filters", "Atlas Copco", "pcs", "54.00", "Air compressor"),
    ("FLT-1625-7525", "Oil filter 1625 7525 00", "Filters", "Atlas Copco", "pcs", "38.50", "Air compressor"),
    ("OIL-ROTO-XD", "Roto-Xtend Duty Fluid", "Lubricants", "Atlas Copco", "l", "14.20", "Air compressor"),
    ("BELT-SPB-2360", "V-belt SPB 2360", "Belts", "Optibelt", "pcs", "22.30", "Cooling fan"),
    ("GRS-LGHP2", "High-performance bearing grease LGHP 2", "Lubricants", "SKF", "kg", "31.00", "Cooling fan"),
]
# (site code, storeroom code, name)
DEMO_STOREROOMS = [("north", "main", "Main stores"), ("north", "l1-cage", "Line 1 parts cage"),
                   ("south", "main", "Main stores")]


def load_demo_parts() -> int:
    """Idempotent: parts, storerooms and BOM lines are created once; stock is received only into
    stock rows that do not exist yet, so a second run changes nothing."""
    from accounts.models import User
    from assets import services_parts as stock
    from assets.models import BomLine, Part, StockLevel, Storeroom

    user = User.objects.filter(username="admin").first()
    catalogue = {}
    for number, name, category, maker, unit, cost, fits in DEMO_PARTS:
        catalogue[number] = (Part.objects.get_or_create(
            part_number=number, defaults={"name": name, "category": category, "manufacturer": maker, "unit": unit,
                                          "unit_cost": cost})[0], fits)
    rooms = []
    for site_code, code, name in DEMO_STOREROOMS:
        site = Site.objects.filter(code=site_code).first()
        if site is not None:
            rooms.append(Storeroom.objects.get_or_create(site=site, code=code, defaults={"name": name})[0])
    for r, room in enumerate(rooms):
        for i, (part, fits) in enumerate(catalogue.values()):
            if room.code != "main" and i % 3:
                continue  # the line cage holds only the fast movers
            if StockLevel.objects.filter(part=part, storeroom=room).exists():
                continue
            quantity = 40 if part.unit in ("l", "kg") else 6 + (i * 7 + r * 3) % 11
            stock.receive_stock(part, room, quantity, actor=user, unit_cost=part.unit_cost,
                                reference=f"PO-2026-{100 + r * 10 + i}", note="opening stock")
            stock.set_reorder_levels(part, room, actor=user, reorder_point=4 if part.unit == "pcs" else 10,
                                     reorder_quantity=10 if part.unit == "pcs" else 40, bin_location=f"A-{i + 1:02d}")
            if i in (1, 5) and room.code == "main":  # seals and air filters ran low after a campaign
                asset = Asset.objects.filter(site=room.site, category__name=fits).first()
                level = StockLevel.objects.get(part=part, storeroom=room)
                stock.issue_stock(part, room, level.on_hand - 2, actor=user, asset=asset,
                                  reference=f"WO-{1000 + r * 10 + i:05d}", note="overhaul campaign")
    for part, fits in catalogue.values():
        for asset in Asset.objects.filter(category__name=fits):
            BomLine.objects.get_or_create(asset=asset, part=part,
                                          defaults={"quantity": 2 if part.category == "Bearings" else 1})
    return Part.objects.count()


# --- Planning: preventive schedules, a shutdown project, a pending request --------------------


def load_demo_planning() -> None:
    """A few preventive schedules (calendar fixed and floating, and by meter), a shutdown
    project whose orders wait for each other, and a request reported through a QR label."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import User
    from assets.models import Meter
    from workorders import services, services_planning
    from workorders.choices import RequestChannel
    from workorders.models import PreventiveSchedule, Project
    from workorders.services_planning import submit_request

    north = Site.objects.get(code="north")
    tech = User.objects.get(username="tech.north")
    manager = User.objects.get(username="manager")
    pump = Asset.objects.get(site=north, tag="NP-101")
    compressor = Asset.objects.get(site=north, tag="NC-101")
    fan = Asset.objects.get(site=north, tag="NF-101")
    now = timezone.now()
    hours = Meter.objects.get_or_create(asset=compressor, name="Running hours",
                                        defaults={"unit": "h", "current_value": Decimal("3850")})[0]
    for schedule in (
        PreventiveSchedule(asset=pump, title="Lubricate pump bearings", interval=2, interval_unit="weeks",
                           starts_at=now + timedelta(days=3), lead_time_days=5, assignee=tech,
                           estimated_hours=Decimal("1.5")),
        PreventiveSchedule(asset=fan, title="Check and re-tension V-belts", interval=3, interval_unit="months",
                           anchor="floating", starts_at=now + timedelta(days=20), lead_time_days=7, assignee=tech,
                           estimated_hours=Decimal("2")),
        PreventiveSchedule(asset=compressor, title="Compressor 4,000 h service", trigger="meter", meter=hours,
                           meter_interval=Decimal("4000"), meter_lead=Decimal("200"), assignee=tech,
                           priority="high", estimated_hours=Decimal("6")),
    ):
        services_planning.save_schedule(schedule, actor=manager)
    services_planning.generate_due_orders()

    start = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())  # next Monday
    project = services_planning.save_project(Project(site=north, name="Line 1 spring shutdown", starts_on=start,
                                            ends_on=start + timedelta(days=11), status="planned", owner=manager,
                                            description="Cooling water pumps of line 1: seals, alignment, "
                                                        "motor bearings."), actor=manager)
    at = lambda day, hour=7: timezone.make_aware(  # noqa: E731
        timezone.datetime.combine(start + timedelta(days=day), timezone.datetime.min.time())) + timedelta(hours=hour)
    steps = [("Isolate and drain NP-101", 0, 0, "4"), ("Replace mechanical seal NP-101", 1, 2, "12"),
             ("Laser-align pump and motor NP-101", 3, 3, "6"), ("Re-commission NP-101", 4, 4, "3")]
    orders = []
    for title, first, last, est in steps:
        wo = services.create_work_order(actor=manager, asset=pump, title=title, kind="inspection",
                                        assignee=tech, scheduled_start=at(first), due_at=at(last, 16),
                                        estimated_hours=Decimal(est))
        if orders:
            services.add_dependency(wo, orders[-1], actor=manager)
        orders.append(wo)
    services_planning.add_orders(project, orders, actor=manager)

    submit_request(asset=Asset.objects.get(site=north, tag="NP-102"), title="Pump 102 is very loud",
                   description="Pump 102 is very loud\nA grinding noise since this morning's start-up.",
                   reporter_name="Olga Operator", reporter_contact="ext. 4411", channel=RequestChannel.QR)
