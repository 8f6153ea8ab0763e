"""A year of history for the demo plant, so that every report means something at first start:
breakdowns with their downtime and corrective orders (codes, estimates, hours at labour rates,
parts out of the stores), requests turned into orders, preventive schedules with a year of
occurrences (mostly on time, some late, a few missed), alerts of the predictive loop with what the
technicians found, a backlog with ages, and each site's weekly operating calendar.

Planned in Python from a seeded random generator (the same plant every time, relative to the
moment of loading), checked against the models' rules (``clean()``, the lifecycle's allowed
moves, the stock ledger's running balance) and written with bulk inserts: a few thousand rows in
a few seconds, without an audit row per historical write. Idempotent: a plant that already has
orders completed more than two months ago gets nothing."""

from __future__ import annotations

import heapq
import math
import random
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.utils import timezone

SEED = 16
DAYS = 365
CENT = Decimal("0.01")

# The north plant runs two shifts on weekdays and a morning on Saturdays; the south depot runs
# around the clock (an empty calendar is 24/7).
NORTH_HOURS = {**{d: [["06:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}, "sat": [["06:00", "14:00"]]}

# Failures per year of each kind of machine, and of the plant's bad actors.
RATES = {"Centrifugal pump": 5, "Electric motor": 3, "Air compressor": 7, "Cooling fan": 3}
BAD_ACTORS = {"NP-101": 16, "NC-101": 13, "SP-102": 11, "SM-201": 9}
# How each kind of machine fails: (problem, cause, remedy, part number, quantity, median repair
# hours, weight, what the technician wrote).
MODES = {
    "Centrifugal pump": [
        ("LEAK", "SEAL", "RPL", "SEAL-MG1-40", 1, 5.0, 4, "Mechanical seal leaking"),
        ("VIB", "BRG", "RPL", "BRG-6309-2Z", 2, 6.0, 3, "Drive-end bearing worn"),
        ("VIB", "MIS", "ALN", None, 0, 2.5, 2, "Pump and motor out of alignment"),
        ("NOISE", "BRG", "RPL", "BRG-6309-2Z", 2, 5.0, 1, "Grinding noise from the bearing housing"),
        ("VIB", "MIS", "RPL", "CPL-B125", 1, 3.0, 2, "Coupling element torn"),
    ],
    "Electric motor": [
        ("TRIP", "ELEC", "ADJ", None, 0, 1.5, 3, "Motor tripped on overload"),
        ("TEMP", "BRG", "RPL", "BRG-6312-C3", 2, 7.0, 2, "Motor bearing running hot"),
        ("TRIP", "ELEC", "RPL", "FUSE-NH00-63", 3, 1.0, 2, "Fuses blown"),
        ("NOISE", "LUB", "LUBE", None, 0, 1.0, 1, "Bearing dry, noisy"),
    ],
    "Air compressor": [
        ("TEMP", "LUB", "RPL", "OIL-ROTO-XD", 10, 3.0, 3, "High discharge temperature, oil degraded"),
        ("TRIP", "ELEC", "ADJ", None, 0, 1.5, 2, "Tripped on motor protection"),
        ("LEAK", "SEAL", "ADJ", None, 0, 2.0, 2, "Oil leak at a fitting"),
        ("TEMP", "BRG", "RPL", "FLT-1622-1855", 1, 2.0, 1, "Air filter clogged, running hot"),
    ],
    "Cooling fan": [
        ("VIB", "MIS", "ALN", None, 0, 2.0, 2, "Fan out of balance"),
        ("NOISE", "LUB", "LUBE", "GRS-LGHP2", 1, 1.0, 2, "Bearing squealing"),
        ("NOISE", "MIS", "RPL", "BELT-SPB-2360", 2, 2.0, 3, "V-belts slipping"),
    ],
}
# (category or None for production lines, title, interval, unit, lead days, estimated hours,
# planned stop in hours or 0, planned parts)
SCHEDULES = [
    (None, "Weekly line walk-around", 1, "weeks", 2, "1.0", 0, []),
    ("Centrifugal pump", "Monthly pump inspection and lubrication", 1, "months", 5, "1.5", 0, []),
    ("Electric motor", "Quarterly motor check: insulation and bearings", 3, "months", 10, "2.0", 1.5, []),
    ("Air compressor", "Compressor service: filters and oil", 2, "months", 7, "4.0", 3,
     [("FLT-1622-1855", 1), ("FLT-1625-7525", 1), ("OIL-ROTO-XD", 8)]),
    ("Cooling fan", "Fan belt and bearing check", 2, "months", 7, "1.5", 1, [("GRS-LGHP2", 1)]),
]
REPORTERS = ["Olga Operator", "Ben Shift-lead", "Carla Control-room", "Dev Production", "Eva Quality"]
# Defects noticed on rounds and left for a quiet moment.
DEFERRED = [
    ("NP-203", "Paint flaking on the base frame", "low", "4"),
    ("NF-201", "Guard mesh worn, replace", "medium", "2"),
    ("NC-201", "Small oil weep at the drain valve", "low", "1.5"),
    ("NM-102", "Terminal box label missing", "low", "0.5"),
    ("SP-101", "Replace the suction pressure gauge", "medium", "1"),
    ("SF-101", "Fan cowl bolts loose", "low", "1"),
    ("SC-201", "Condensate drain timer unreliable", "medium", "3"),
    ("SM-103", "Cable gland cracked", "medium", "1.5"),
    ("NP-102", "Insulate the discharge line", "low", "6"),
    ("SP-203", "Foundation grout cracked", "low", "8"),
    ("NL1", "Line 1 walkway lighting out", "medium", "2"),
    ("SL2", "Line 2 drip trays corroded", "low", "5"),
]


@dataclass
class Stop:
    asset: object
    start: datetime
    end: datetime
    reason: str
    note: str
    user: object = None
    changes: bool = True  # recorded through status changes (the shift log's duplicates are not)
    obj: object = None


@dataclass
class Plan:
    """One order to write: the instance, its moves, its labour and its parts."""

    wo: object
    created: datetime
    updated: datetime | None = None
    moves: list = field(default_factory=list)  # (to_status, at, actor, note)
    entries: list = field(default_factory=list)  # (user, start, hours)
    parts: list = field(default_factory=list)  # (part number, quantity, at, user)
    stop: Stop | None = None
    request: object = None
    alert: object = None
    occurrence: object = None
    follow_up_of: Plan | None = None
    feedback: bool = False


def _hours(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _set_columns(model, ids: list[int], columns: dict[str, list]) -> None:
    """Timestamps the ORM fills in on insert (auto_now_add), set to their historical values in one
    statement per table."""
    if not ids:
        return
    names = list(columns)
    sql = (f"UPDATE {model._meta.db_table} t SET " + ", ".join(f"{c} = v.{c}" for c in names)
           + " FROM unnest(%s::bigint[], " + ", ".join("%s::timestamptz[]" for _ in names)
           + ") AS v(id, " + ", ".join(names) + ") WHERE t.id = v.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, *(columns[c] for c in names)])


def already_loaded(now: datetime) -> bool:
    from workorders.models import WorkOrder

    return WorkOrder.objects.filter(completed_at__lt=now - timedelta(days=60)).exists()


@transaction.atomic
def load_demo_history(now: datetime | None = None) -> dict:
    """Write the year before ``now`` (default: now); returns the rows written by kind, or {} when
    the plant already has a history or is not the demo plant."""
    from accounts.models import User
    from assets.models import Asset, AssetStatusChange, Downtime, Part, Site, StockLevel, StockMovement, Storeroom
    from predictions.models import FeedbackLabel
    from telemetry.choices import AlertSeverity, AlertSource, AlertStatus
    from telemetry.models import Alert, Sensor
    from workorders.models import (
        ALLOWED_TRANSITIONS,
        FailureCode,
        LabourRate,
        PartUsage,
        PMOccurrence,
        PreventiveSchedule,
        PreventiveSchedulePart,
        SlaPolicy,
        StatusChange,
        Team,
        TimeEntry,
        WorkOrder,
        WorkRequest,
    )
    from workorders.services_planning import opened_steps, shift

    now = now or timezone.now()
    sites = {s.code: s for s in Site.objects.filter(code__in=["north", "south"])}
    users = {u.username: u for u in User.objects.filter(username__in=[
        "manager", "viewer", "tech.north", "tech.south", "tech.north2", "tech.south2"])}
    codes = {c.code: c for c in FailureCode.objects.all()}
    if len(sites) < 2 or "manager" not in users or "tech.north" not in users or not codes or already_loaded(now):
        return {}
    rng = random.Random(SEED)
    base = now.replace(minute=0, second=0, microsecond=0)
    start = base - timedelta(days=DAYS)
    manager = users["manager"]
    crews = {"north": [users["tech.north"], users.get("tech.north2", users["tech.north"])],
             "south": [users.get("tech.south", users["tech.north"]),
                       users.get("tech.south2", users.get("tech.south", users["tech.north"]))]}
    rates = dict(LabourRate.objects.values_list("user_id", "hourly_rate"))
    for person, rate in ((crews["north"][1], "52.00"), (crews["south"][1], "44.00")):
        if person.pk not in rates:
            rates[person.pk] = LabourRate.objects.create(user=person, hourly_rate=Decimal(rate)).hourly_rate
    teams = {t.site.code: t for t in Team.objects.select_related("site").filter(site__in=sites.values())}
    for code, team in teams.items():
        team.members.add(*crews[code])
    sla = {p.priority: p.resolve_within for p in SlaPolicy.objects.all()}
    sla = {"urgent": timedelta(hours=4), "high": timedelta(hours=24), "medium": timedelta(days=3),
           "low": timedelta(days=7), **sla}
    parts = {p.part_number: p for p in Part.objects.all()}
    stores = {r.site.code: r for r in Storeroom.objects.select_related("site").filter(code="main")}
    north = sites["north"]
    if not north.operating_hours:
        north.operating_hours = NORTH_HOURS
        north.full_clean()
        north.save(update_fields=["operating_hours"])

    assets = list(Asset.objects.filter(site__in=sites.values()).select_related("site", "category")
                  .order_by("site", "tag"))
    by_tag = {a.tag: a for a in assets}
    machines = [a for a in assets if a.category and a.category.name in RATES]
    lines = [a for a in assets if a.parent_id is None]
    # Replacement values of the machines the register left without one (pumps have theirs).
    values = {"Electric motor": ("3900.00", 1400), "Air compressor": ("27500.00", 2100),
              "Cooling fan": ("6400.00", 1800)}
    priced = []
    for i, a in enumerate(machines):
        if a.purchase_cost is None and a.category.name in values:
            cost, age = values[a.category.name]
            a.purchase_cost = Decimal(cost) + 100 * (i % 4)
            a.install_date = a.install_date or (base - timedelta(days=age + 30 * i)).date()
            priced.append(a)
    Asset.objects.bulk_update(priced, ["purchase_cost", "install_date"])
    sensors = {(s.asset_id, s.metric): s for s in Sensor.objects.filter(asset__in=machines)}

    # Each asset's history stops before its first recorded status change (the demo's recent days).
    first_change = {}
    for asset_id, at in AssetStatusChange.objects.order_by("at").values_list("asset_id", "at"):
        first_change.setdefault(asset_id, at)
    cutoff = {a.pk: min(first_change.get(a.pk, base), base) - timedelta(hours=2) for a in assets}
    parent_of = {a.pk: a.parent_id for a in assets}

    def line_of(a) -> int:
        pk = a.pk
        while parent_of.get(pk):
            pk = parent_of[pk]
        return pk

    tzs = {code: zoneinfo.ZoneInfo(s.timezone) for code, s in sites.items()}

    def running(site_code: str, at: datetime) -> bool:
        hours = sites[site_code].operating_hours
        if not hours:
            return True
        local = at.astimezone(tzs[site_code])
        day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()]
        hhmm = local.strftime("%H:%M")
        return any(a <= hhmm < b for a, b in hours.get(day, []))

    def lognormal(median: float, sigma: float = 0.5) -> float:
        return median * math.exp(rng.gauss(0, sigma))

    plans: list[Plan] = []
    stops: list[Stop] = []

    def order(asset, title, kind, priority, created, *, assignee=None, est=None, **fields) -> Plan:
        wo = WorkOrder(site=asset.site, asset=asset, title=title[:200], kind=kind, priority=priority,
                       assignee=assignee, team=teams.get(asset.site.code) if assignee else None,
                       created_by=fields.pop("created_by", manager),
                       due_at=fields.pop("due_at", created + sla[priority]),
                       estimated_hours=Decimal(est) if est is not None else None, **fields)
        wo.status = "assigned" if assignee else "open"
        plan = Plan(wo=wo, created=created)
        plans.append(plan)
        return plan

    def work(plan: Plan, begin: datetime, end: datetime, tech, *, helper=None, hours: float | None = None,
             share: float = 0.85):
        """Labour between the start of the work and its end (``hours`` of it, else most of the span),
        in entries of at most ten hours laid end to end: the lead, and sometimes a second pair of hands."""
        span = max((end - begin).total_seconds() / 3600, 0.25)
        total = min(hours if hours is not None else span * share, span)
        n = max(math.ceil(total / 10), 1)
        for k in range(n):
            each = max(round(total / n * 4) / 4, 0.25)
            at = begin + timedelta(hours=span * k / n)
            plan.entries.append((tech, at, each))
            if helper is not None and helper.pk != tech.pk:
                plan.entries.append((helper, at + timedelta(minutes=15), max(round(each * 0.6 * 4) / 4, 0.25)))

    def finish(plan: Plan, begin: datetime, done: datetime, tech, *, closed_after: float | None = 2.0,
               note: str = "", codes_of=None, outcome: str = ""):
        wo = plan.wo
        if wo.status == "open" and not any(m[0] == "assigned" for m in plan.moves):
            wo.assignee, wo.team = tech, teams.get(wo.site.code)
            plan.moves.append(("assigned", begin - timedelta(minutes=5), manager, "assigned"))
        plan.moves.append(("in_progress", begin, tech, ""))
        plan.moves.append(("completed", done, tech, note))
        if codes_of:
            wo.problem_code, wo.cause_code, wo.remedy_code = (codes[c] for c in codes_of)
        wo.outcome = outcome
        if closed_after is not None and done + timedelta(days=closed_after) < base:
            plan.moves.append(("closed", done + timedelta(days=closed_after, hours=rng.uniform(1, 20)), manager,
                               "checked by the planner"))

    # --- Breakdowns: downtime, corrective and emergency orders, requests -------------------------
    failures = []
    for a in machines:
        rate = BAD_ACTORS.get(a.tag, RATES[a.category.name])
        t = start + timedelta(hours=rng.expovariate(rate / 8760))
        while t < cutoff[a.pk]:
            if running(a.site.code, t) or rng.random() < 0.15:  # most failures happen while running
                failures.append((t, a))
            t += timedelta(hours=rng.expovariate(rate / 8760))
    failures.sort(key=lambda f: (f[0], f[1].pk))
    for t, a in failures:
        code = a.site.code
        tech, helper = rng.choice(crews[code]), None
        if a.category.name == "Electric motor":
            tech = crews[code][1]  # the electrician
        modes = MODES[a.category.name]
        problem, cause, remedy, part, qty, median, _w, note = rng.choices(modes, weights=[m[6] for m in modes])[0]
        stops_asset = a.criticality == "A" or rng.random() < 0.75
        wrench = lognormal(median * 1.2)
        span = wrench
        if rng.random() < 0.03:  # a major repair: a rewind, an airend, a shaft, partly in a workshop outside
            extra = rng.uniform(48, 150)
            span += extra
            wrench += extra * 0.25
        waits = rng.random() < 0.2  # parts not in the stores: the order waits on hold
        recent = t > cutoff[a.pk] - timedelta(days=6)
        priority = ("urgent" if a.criticality == "A" else "high") if stops_asset else rng.choice(["high", "medium"])
        kind = "emergency" if stops_asset and a.criticality == "A" and rng.random() < 0.6 else "corrective"
        via_request = kind == "corrective" and rng.random() < 0.45
        created = t + timedelta(minutes=rng.randint(3, 25))
        request = None
        if via_request:
            decided = t + timedelta(hours=lognormal(1.2, 0.7))
            reporter = rng.choice(REPORTERS)
            portal = code == "north" and rng.random() < 0.4 and "viewer" in users
            request = WorkRequest(site=a.site, asset=a, title=f"{a.tag}: {note.lower()}", priority=priority,
                                  description=f"{note} on {a.name}, noticed on the round.",
                                  channel="portal" if portal else "qr",
                                  requested_by=users["viewer"] if portal else None,
                                  reporter_name="" if portal else reporter,
                                  reporter_contact="" if portal else f"ext. {4400 + rng.randint(1, 80)}",
                                  created_at=t, status="approved", decided_by=manager, decided_at=decided)
            created = decided
        est = f"{max(round(wrench * math.exp(rng.gauss(0, 0.25)) * 2) / 2, 0.5):.1f}"
        plan = order(a, f"{a.tag} {note.lower()}", kind, priority, created, est=est,
                     created_by=manager if request else tech)
        if request is not None:
            request.full_clean(exclude=["work_order"])
            plan.request = request
            plan.wo.source, plan.wo.description = "request", f"{request.description}\n\nReported by {reporter}."
        # The planner (or, at night, the technician on call) takes it: the order's acknowledgement.
        ack = created + timedelta(hours=lognormal(0.25 if stops_asset else 1.5, 0.6))
        begin = max(t + timedelta(hours=lognormal(0.7 if stops_asset else 3.0, 0.6)),
                    ack + timedelta(minutes=rng.randint(5, 20)))
        done = begin + timedelta(hours=span + (rng.uniform(16, 72) if waits else 0))
        plan.wo.assignee, plan.wo.team = tech, teams.get(code)
        if ack >= cutoff[a.pk]:
            plan.wo.assignee = plan.wo.team = None
            continue
        plan.moves.append(("assigned", ack, manager if rng.random() < 0.7 else tech, "assigned"))
        if recent or done >= cutoff[a.pk]:
            # Still in hand at the time of loading: the machine runs on a temporary fix.
            if rng.random() < 0.5 and begin < cutoff[a.pk]:
                plan.moves.append(("in_progress", begin, tech, ""))
                stop_at = min(begin + timedelta(hours=wrench / 2), cutoff[a.pk])
                work(plan, begin, stop_at, tech)
                if waits or rng.random() < 0.5:
                    plan.moves.append(("on_hold", stop_at + timedelta(minutes=10), tech, "waiting for parts"))
            continue
        if waits:
            hold = begin + timedelta(hours=min(wrench / 3, 2))
            back = done - timedelta(hours=span - min(wrench / 3, 2))
            plan.moves.append(("in_progress", begin, tech, ""))
            plan.moves.append(("on_hold", hold, tech, f"waiting for {parts[part].name if part else 'a spare part'}"))
            work(plan, begin, hold, tech)
            plan.moves.append(("in_progress", back, tech, "parts arrived"))
            work(plan, back, done, tech, hours=wrench - min(wrench / 3, 2))
            plan.moves.append(("completed", done, tech, note))
            plan.wo.problem_code, plan.wo.cause_code, plan.wo.remedy_code = (codes[c] for c in (problem, cause, remedy))
            if done + timedelta(days=2) < base:
                plan.moves.append(("closed", done + timedelta(days=2, hours=3), manager, "checked by the planner"))
        else:
            if wrench > 3 and rng.random() < 0.4:
                helper = rng.choice(crews[code])
            work(plan, begin, done, tech, helper=helper, hours=wrench)
            finish(plan, begin, done, tech, note=f"{note}: {codes[remedy].description.lower()}",
                   codes_of=(problem, cause, remedy), closed_after=rng.choice([1.0, 2.0, 3.0, None]))
            if rng.random() < 0.05 and done + timedelta(days=3) < cutoff[a.pk]:
                # Came back: reopened, then done properly (not a first-time fix).
                again = done + timedelta(days=rng.uniform(0.5, 2))
                moves = [m for m in plan.moves if m[0] != "closed"]
                moves += [("in_progress", again, tech, "the fault came back"),
                          ("completed", again + timedelta(hours=2), tech, "fixed again")]
                plan.moves = moves
                work(plan, again, again + timedelta(hours=2), tech)
        if part:
            plan.parts.append((part, qty, begin + timedelta(minutes=20), tech))
        if stops_asset:
            back_in_service = done + timedelta(minutes=rng.randint(10, 45))
            plan.stop = Stop(a, t, min(back_in_service, cutoff[a.pk]), "breakdown", note, tech)
            stops.append(plan.stop)

    # --- Predictive loop: alerts, inspections, what was found, planned repairs -------------------
    alerts = []
    candidates = [a for a in machines if a.category.name != "Cooling fan"]
    n_alerts = 36
    for i in range(n_alerts):
        a = rng.choice(candidates)
        t = start + timedelta(days=10 + (DAYS - 25) * (i + rng.random()) / n_alerts)
        if t > cutoff[a.pk] - timedelta(days=3):
            continue
        code = a.site.code
        health = round(rng.uniform(12, 39), 1)
        severity = AlertSeverity.CRITICAL if health < 20 else AlertSeverity.WARNING
        confirmed = rng.random() < 0.7
        rul = rng.uniform(20, 200)
        tech = rng.choice(crews[code])
        ack = t + timedelta(minutes=rng.randint(8, 150))
        begin = ack + timedelta(hours=rng.uniform(1, 30))
        done = begin + timedelta(hours=rng.uniform(0.75, 2.5))
        sensor = sensors.get((a.pk, "vibration"))
        alert = Alert(site=a.site, asset=a, sensor=sensor, source=AlertSource.PREDICTION, cause="low_health",
                      severity=severity, status=AlertStatus.CLOSED,
                      title=f"{a.tag}: health {health:.0f}/100, failure likely in ~{rul:.0f} h",
                      message=f"Estimated remaining life {rul:.1f} h; probability of failure within the horizon "
                              f"{rng.uniform(0.55, 0.95):.0%}. Main drivers: vibration trend, bearing temperature.",
                      details={"health": health}, acknowledged_at=ack, acknowledged_by=tech,
                      closed_at=done + timedelta(hours=rng.uniform(2, 30)))
        alert.opened_at = t
        alerts.append(alert)
        plan = order(a, f"Inspect {a.tag} {a.name}: predicted failure", "predictive",
                     "urgent" if severity == AlertSeverity.CRITICAL else "high", t + timedelta(seconds=1),
                     est="1.5", created_by=None, source="prediction", description=alert.message)
        plan.alert = alert
        plan.feedback = True
        work(plan, begin, done, tech)
        finish(plan, begin, done, tech, outcome="fault_confirmed" if confirmed else "no_fault_found",
               note="fault found, repair planned" if confirmed else "no fault found, readings normal")
        if confirmed and done + timedelta(days=6) < cutoff[a.pk]:
            modes = MODES[a.category.name]
            problem, cause, remedy, part, qty, median, _w, note = rng.choices(modes, weights=[m[6] for m in modes])[0]
            when = done + timedelta(days=rng.uniform(1, 5))
            repair = lognormal(median * 0.8, 0.3)
            fix = order(a, f"Planned repair {a.tag}: {note.lower()}", "corrective", "high", done + timedelta(hours=1),
                        assignee=tech, est=f"{max(round(median * 2) / 2, 0.5):.1f}", scheduled_start=when)
            fix.follow_up_of = plan
            work(fix, when, when + timedelta(hours=repair), tech)
            finish(fix, when, when + timedelta(hours=repair), tech, codes_of=(problem, cause, remedy),
                   note=f"{note}: found before it failed")
            if part:
                fix.parts.append((part, qty, when + timedelta(minutes=15), tech))
            fix.stop = Stop(a, when - timedelta(minutes=10), when + timedelta(hours=repair, minutes=20),
                            "planned_maintenance", f"Planned repair after alert: {note.lower()}", tech)
            stops.append(fix.stop)

    # --- Preventive schedules and a year of occurrences -------------------------------------------
    schedules, schedule_parts, occurrences = [], [], []
    for i, a in enumerate(assets):
        spec = next((s for s in SCHEDULES if s[0] == (a.category.name if a.parent_id else None)), None)
        if spec is None:
            continue
        _cat, title, interval, unit, lead, est, stop_h, planned = spec
        tech = crews[a.site.code][1] if a.category.name == "Electric motor" else crews[a.site.code][i % 2]
        first = start + timedelta(days=3 + (i * 5) % 25, hours=7 - base.hour)
        schedule = PreventiveSchedule(asset=a, title=title, interval=interval, interval_unit=unit, anchor="fixed",
                                      starts_at=first, lead_time_days=lead, assignee=tech, team=teams.get(a.site.code),
                                      estimated_hours=Decimal(est), priority="medium")
        schedule.clean()
        schedules.append(schedule)
        schedule_parts += [(schedule, number, q) for number, q in planned]
        last = opened_steps(schedule, now + timedelta(days=lead)) + 1
        for seq in range(1, last + 1):
            due = shift(first, schedule, seq - 1)
            window = shift(due, schedule, 1)
            created = due - timedelta(days=lead)
            occ = PMOccurrence(schedule=schedule, seq=seq, due_at=due, window_ends_at=window, compliance="pending")
            occ.created_at = created
            occurrences.append(occ)
            plan = order(a, title, "preventive", "medium", created, assignee=tech, est=est, due_at=due,
                         created_by=None, source="pm", scheduled_start=due - timedelta(days=min(lead, 2)))
            plan.occurrence = occ
            hours = float(est) * rng.uniform(0.7, 1.35)
            roll = rng.random()
            limit = base - timedelta(hours=1)
            if window < limit:  # decided: on time, late or missed
                if roll < 0.87:
                    done = created + (due - created) * rng.uniform(0.35, 1.0)
                elif roll < 0.95:
                    done = due + (window - due) * rng.uniform(0.05, 0.7)
                else:
                    done = None
            elif due < limit and roll < 0.75:
                done = created + (min(due, limit) - created) * rng.uniform(0.4, 1.0)
            else:
                done = None
            if done is not None and done > limit:
                done = None
            if done is None:
                if window < limit:
                    occ.compliance = "missed"
                    if window > base - timedelta(days=100) and rng.random() < 0.2:
                        continue  # still open: the oldest end of the backlog
                    plan.moves.append(("cancelled", window - timedelta(hours=6), manager,
                                       "not done in its window: the line could not be released"))
                continue
            begin = done - timedelta(hours=hours)
            work(plan, begin, done, tech, share=0.95)
            finish(plan, begin, done, tech, note="done", closed_after=rng.choice([1.0, 3.0, None]))
            occ.completed_at = done
            occ.compliance = "on_time" if done <= due else "late" if done <= window else "missed"
            for number, q in planned:
                plan.parts.append((number, q, begin + timedelta(minutes=10), tech))
            if stop_h:
                plan.stop = Stop(a, begin, begin + timedelta(hours=stop_h), "planned_maintenance", title, tech)
                stops.append(plan.stop)

    # --- Defects noticed on rounds and left for a quiet moment: done weeks later, the latest still open.
    for k in range(40):
        tag, title, priority, est = DEFERRED[k % len(DEFERRED)]
        a = by_tag.get(tag)
        if a is None:
            continue
        created = start + timedelta(days=4 + 9 * k + rng.uniform(0, 6), hours=rng.randint(0, 8))
        tech = crews[a.site.code][k % 2]
        plan = order(a, f"{tag}: {title}", "corrective", priority, created, est=est,
                     due_at=created + timedelta(days=rng.choice([14, 30, 60, 90])))
        done = created + timedelta(days=lognormal(25, 0.6))
        if done < base - timedelta(days=1) or k % 3:
            plan.wo.assignee, plan.wo.team = tech, teams.get(a.site.code)
            plan.moves.append(("assigned", created + timedelta(hours=rng.uniform(2, 30)), manager, "assigned"))
        if done < base - timedelta(days=1):
            hours = float(est) * rng.uniform(0.8, 1.3)
            work(plan, done - timedelta(hours=hours), done, tech, share=1.0)
            finish(plan, done - timedelta(hours=hours), done, tech, closed_after=rng.choice([2.0, None]),
                   codes_of=(("DMG", "WEAR") if "DMG" in codes else ("LEAK", "SEAL")) + ("RPL",), note="done")
            continue
        if k % 3 and k % 4 == 1:
            begin = created + timedelta(days=2)
            plan.moves.append(("in_progress", begin, tech, ""))
            work(plan, begin, begin + timedelta(hours=1), tech)
            plan.moves.append(("on_hold", begin + timedelta(hours=1, minutes=5), tech, "waiting for parts"))

    # --- Requests that did not become orders -------------------------------------------------------
    rejected = []
    for k in range(12):
        a = rng.choice(machines)
        t = start + timedelta(days=rng.uniform(5, DAYS - 3))
        if t > cutoff[a.pk]:
            continue
        decided = k < 10
        request = WorkRequest(site=a.site, asset=a, title=f"{a.tag} sounds odd", channel="qr",
                              description=f"{a.name} sounds different from usual.", reporter_name=rng.choice(REPORTERS),
                              created_at=t, status="rejected" if decided else "pending")
        if decided:
            request.decided_by, request.decided_at = manager, t + timedelta(hours=lognormal(2, 0.6))
            request.reason = rng.choice(["Normal operating noise, checked on the round.",
                                         "Already in hand on an open order.", "Duplicate of an earlier request."])
        if not decided and t < base - timedelta(days=7):
            request.created_at = base - timedelta(days=rng.uniform(1, 6))
        request.full_clean(exclude=["work_order"])
        rejected.append(request)

    # --- Downtime: the stops above, a few line-wide power dips, the shift log's duplicates ---------
    for k in range(6):
        line = lines[k % len(lines)]
        t = start + timedelta(days=20 + 55 * k + rng.uniform(0, 30))
        length = timedelta(minutes=rng.randint(25, 120))
        for a in machines:
            if line_of(a) == line.pk and t + length < cutoff[a.pk]:
                stops.append(Stop(a, t, t + length, "utility_failure", "Power dip: line tripped", manager))
    for k, line in enumerate(lines):
        # Each line's yearly shutdown: every machine on it stopped for three days of overhaul.
        t = start + timedelta(days=70 + 75 * k, hours=6 - base.hour)
        for a in machines:
            if line_of(a) == line.pk and t + timedelta(hours=68) < cutoff[a.pk]:
                stops.append(Stop(a, t, t + timedelta(hours=68), "planned_maintenance",
                                  f"Yearly shutdown of {line.name}", manager))
    per_asset: dict[int, list[Stop]] = {}
    stopped = {id(p.stop): p for p in plans if p.stop is not None}
    for s in sorted(stops, key=lambda s: (s.asset.pk, s.start)):
        kept = per_asset.setdefault(s.asset.pk, [])
        if s.end <= s.start or s.end > cutoff[s.asset.pk] or (kept and s.start < kept[-1].end):
            # A machine is down once at a time through its status; the later stop is not recorded.
            if id(s) in stopped:
                stopped[id(s)].stop = None
            continue
        kept.append(s)
    duplicates = []
    breakdowns = [s for ss in per_asset.values() for s in ss if s.reason == "breakdown"]
    for s in rng.sample(breakdowns, min(10, len(breakdowns))):
        # The line operator logged the same stop from the control room: overlapping records.
        duplicates.append(Stop(s.asset, s.start - timedelta(minutes=rng.randint(5, 30)),
                               s.start + (s.end - s.start) * rng.uniform(0.3, 0.9), "operator",
                               "Stop logged by the line operator", None, changes=False))
    all_stops = [s for ss in per_asset.values() for s in ss] + duplicates

    # --- Check the plans against the models' rules ----------------------------------------------
    for p in plans:
        p.moves.sort(key=lambda m: m[1])
        status = p.wo.status
        for to, at, _actor, _note in p.moves:
            if to not in ALLOWED_TRANSITIONS[status] or at < p.created:
                raise ValueError(f"demo history: {p.wo.title}: {status} to {to} at {at} is not allowed")
            status = to
        p.wo.status = status
        p.wo.clean()
        done = [at for to, at, _a, _n in p.moves if to == "completed"]
        p.wo.completed_at = done[-1] if done and status in ("completed", "closed") else None
        p.wo.version = 1 + len(p.moves)
        p.updated = max([p.created, *(m[1] for m in p.moves)])
        if p.updated > now:
            raise ValueError(f"demo history: {p.wo.title} ends in the future")

    # --- Write ---------------------------------------------------------------------------------
    counts = {}
    for s in all_stops:
        s.obj = Downtime(asset=s.asset, started_at=s.start, ended_at=s.end, reason_code=s.reason, note=s.note,
                         started_by=s.user, ended_by=s.user)
    Downtime.objects.bulk_create([s.obj for s in all_stops])
    counts["downtime"] = len(all_stops)
    changes = []
    for s in all_stops:
        if s.changes:
            back = "other" if s.reason == "utility_failure" else "repaired"
            changes += [AssetStatusChange(asset=s.asset, from_status="operational", to_status="down",
                                          reason_code=s.reason, note=s.note, at=s.start, user=s.user),
                        AssetStatusChange(asset=s.asset, from_status="down", to_status="operational",
                                          reason_code=back, note="back in service", at=s.end, user=s.user)]
    AssetStatusChange.objects.bulk_create(changes)

    alert_times = [a.opened_at for a in alerts]
    occurrence_times = [o.created_at for o in occurrences]
    PreventiveSchedule.objects.bulk_create(schedules)
    _set_columns(PreventiveSchedule, [s.pk for s in schedules],
                 {"created_at": [start - timedelta(days=2)] * len(schedules),
                  "updated_at": [start - timedelta(days=2)] * len(schedules)})
    PreventiveSchedulePart.objects.bulk_create(PreventiveSchedulePart(schedule=s, part=parts[n], quantity=q)
                                               for s, n, q in schedule_parts if n in parts)
    Alert.objects.bulk_create(alerts)
    _set_columns(Alert, [a.pk for a in alerts], {"opened_at": alert_times})
    requests = [p.request for p in plans if p.request is not None]
    WorkRequest.objects.bulk_create(requests + rejected)
    counts["requests"] = len(requests) + len(rejected)

    for p in plans:
        if p.stop is not None:
            p.wo.downtime = p.stop.obj
        if p.alert is not None:
            p.wo.source_ref = str(p.alert.pk)
        elif p.request is not None:
            p.wo.source_ref = str(p.request.pk)
        elif p.occurrence is not None:
            p.wo.source_ref = f"pm:{p.occurrence.schedule.pk}:{p.occurrence.seq}"
    WorkOrder.objects.bulk_create([p.wo for p in plans])
    orders = [p.wo for p in plans]
    _set_columns(WorkOrder, [p.wo.pk for p in plans], {"created_at": [p.created for p in plans],
                                                       "updated_at": [p.updated for p in plans]})
    counts["work_orders"] = len(orders)
    follow = [p for p in plans if p.follow_up_of is not None]
    for p in follow:
        p.wo.follow_up_of = p.follow_up_of.wo
    WorkOrder.objects.bulk_update([p.wo for p in follow], ["follow_up_of"])
    Through = WorkOrder.assignees.through
    Through.objects.bulk_create(Through(workorder_id=w.pk, user_id=w.assignee_id) for w in orders if w.assignee_id)
    for p in plans:
        if p.request is not None:
            p.request.work_order = p.wo
    WorkRequest.objects.bulk_update(requests, ["work_order"])

    moves = []
    for p in plans:
        status = "assigned" if p.wo.assignee_id and not any(m[0] == "assigned" for m in p.moves) else "open"
        for to, at, actor, note in p.moves:
            moves.append(StatusChange(work_order=p.wo, from_status=status, to_status=to, actor=actor, note=note, at=at))
            status = to
    StatusChange.objects.bulk_create(moves)
    counts["status_changes"] = len(moves)

    entries = []
    for p in plans:
        for person, begin, hours in p.entries:
            entry = TimeEntry(work_order=p.wo, user=person, started_at=begin,
                              ended_at=begin + timedelta(hours=hours), hours=_hours(hours),
                              hourly_rate=rates.get(person.pk, Decimal("45.00")), note="")
            entry.clean()
            entries.append(entry)
            p.wo.actual_hours += entry.hours
            p.wo.labour_cost += entry.hours * entry.hourly_rate
    TimeEntry.objects.bulk_create(entries)
    _set_columns(TimeEntry, [e.pk for e in entries], {"created_at": [e.ended_at for e in entries]})
    counts["time_entries"] = len(entries)

    usages = _stock_history(plans, parts, stores, manager, start, base, rng, StockLevel, StockMovement, PartUsage)
    counts["parts_used"] = len(usages)
    for p in plans:
        p.wo.labour_cost = p.wo.labour_cost.quantize(CENT, rounding=ROUND_HALF_UP)
    WorkOrder.objects.bulk_update(orders, ["actual_hours", "labour_cost", "parts_cost"])

    for p in plans:
        if p.occurrence is not None:
            p.occurrence.work_order = p.wo
    PMOccurrence.objects.bulk_create(occurrences)
    _set_columns(PMOccurrence, [o.pk for o in occurrences], {"created_at": occurrence_times})
    counts["pm_occurrences"] = len(occurrences)
    labels = [FeedbackLabel(work_order=p.wo, asset=p.wo.asset, alert=p.alert,
                            fault_confirmed=p.wo.outcome == "fault_confirmed", labelled_at=p.wo.completed_at,
                            labelled_by=p.entries[0][0] if p.entries else None)
              for p in plans if p.feedback and p.wo.completed_at is not None]
    FeedbackLabel.objects.bulk_create(labels)
    counts["alerts"] = len(alerts)
    return counts


def _stock_history(plans, parts, stores, manager, start, base, rng, StockLevel, StockMovement, PartUsage) -> list:
    """The stores' year: the opening stock counted at the start, issues to the orders, and a
    delivery some days after a part falls to its reorder point. The demo's opening receipts are
    dated to the start of the year and every balance is recomputed in time order, so the ledger
    reads as one story ending at the levels on hand; the overhaul campaign still leaves its two
    parts low."""
    issues = {}  # (part number, storeroom id) -> [(at, quantity, plan, user)]
    for p in plans:
        store = stores.get(p.wo.site.code)
        for number, qty, at, user in p.parts:
            if number in parts and store is not None:
                issues.setdefault((number, store.pk), []).append((at, Decimal(qty), p, user))
    levels = {(lv.part_id, lv.storeroom_id): lv for lv in StockLevel.objects.all()}
    existing = {}
    for m in StockMovement.objects.order_by("created_at", "pk"):
        existing.setdefault((m.part_id, m.storeroom_id), []).append(m)
    new, times, usages, touched = [], [], [], []
    keys = {(parts[n].pk, s) for n, s in issues} | set(existing)
    by_pk = {p.pk: p for p in parts.values()}
    store_by_pk = {s.pk: s for s in stores.values()}
    for part_id, store_id in sorted(keys):
        part = by_pk[part_id]
        level = levels.get((part_id, store_id))
        if level is None:
            level = StockLevel.objects.create(part=part, storeroom_id=store_id)
            levels[(part_id, store_id)] = level
        point = level.reorder_point or Decimal(4)
        refill = level.reorder_quantity or Decimal(10)
        queue = []  # (at, order, kind, payload)
        for i, m in enumerate(existing.get((part_id, store_id), [])):
            if m.kind == "receipt" and m.note == "opening stock":
                m.created_at = start - timedelta(days=2)
            queue.append((m.created_at, 0, i, ("old", m)))
        for j, (at, qty, plan, user) in enumerate(issues.get((part.part_number, store_id), [])):
            queue.append((at, 1, j, ("issue", qty, plan, user)))
        heapq.heapify(queue)
        balance, pending, n_po = Decimal(0), False, 0

        def receipt(at, qty, note, part=part, store_id=store_id):
            nonlocal balance, n_po
            n_po += 1
            balance += qty
            new.append(StockMovement(part=part, storeroom_id=store_id, kind="receipt", quantity=qty,
                                     balance_after=balance, unit_cost=part.unit_cost, note=note,
                                     reference=f"PO-{at:%Y}-{part.pk:02d}{store_id}{n_po:02d}", created_by=manager))
            times.append(at)

        while queue:
            at, _o, _i, item = heapq.heappop(queue)
            if item[0] == "delivery":
                receipt(at, item[1], "replenishment")
                pending = False
                continue
            if item[0] == "old":
                m = item[1]
                if m.kind != "receipt" and m.note == "overhaul campaign":
                    if balance < 3:
                        receipt(at - timedelta(hours=1), refill, "delivery for the campaign")
                    m.quantity = -(balance - 2)
                if balance + m.quantity < 0:
                    receipt(at - timedelta(hours=1), refill - m.quantity, "urgent delivery")
                balance += m.quantity
                m.balance_after = balance
                touched.append(m)
                continue
            _kind, qty, plan, user = item
            if balance < qty:
                receipt(at - timedelta(hours=2), max(refill, qty), "urgent delivery")
            balance -= qty
            movement = StockMovement(part=part, storeroom_id=store_id, kind="issue", quantity=-qty,
                                     balance_after=balance, unit_cost=part.unit_cost, reference=f"WO-{plan.wo.pk:05d}",
                                     note=plan.wo.title[:255], asset=plan.wo.asset, created_by=user)
            new.append(movement)
            times.append(at)
            usages.append(PartUsage(work_order=plan.wo, part=part, storeroom=store_by_pk[store_id], quantity=qty,
                                    unit_cost=part.unit_cost, movement=movement, issued_by=user, issued_at=at))
            plan.wo.parts_cost += (qty * part.unit_cost).quantize(CENT, rounding=ROUND_HALF_UP)
            if balance <= point and not pending:
                arrives = at + timedelta(days=rng.uniform(3, 10))
                if arrives < base - timedelta(hours=3):
                    pending = True
                    heapq.heappush(queue, (arrives, 2, 0, ("delivery", refill)))
        level.on_hand = balance
    StockMovement.objects.bulk_create(new)
    _set_columns(StockMovement, [m.pk for m in new], {"created_at": times})
    StockMovement.objects.bulk_update(touched, ["quantity", "balance_after"])
    _set_columns(StockMovement, [m.pk for m in touched], {"created_at": [m.created_at for m in touched]})
    for u in usages:
        u.movement_id = u.movement.pk
    PartUsage.objects.bulk_create(usages)
    StockLevel.objects.bulk_update(list(levels.values()), ["on_hand"])
    return usages
