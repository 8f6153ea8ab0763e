"""The demo plant's year of history, which the reports are read on at first start: every family
has a year of rows, the rows keep the models' rules, the figures a plant manager reads from them
are plausible, and loading again adds nothing."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Max, Min
from django.utils import timezone

from assets.models import Asset, AssetStatusChange, Downtime, StockMovement
from assets.services_parts import ledger_mismatches
from predictions.models import FeedbackLabel
from telemetry.models import Alert
from workorders.models import PartUsage, PMOccurrence, StatusChange, TimeEntry, WorkOrder, WorkRequest

FAMILIES = (WorkOrder, StatusChange, TimeEntry, PartUsage, StockMovement, Downtime, AssetStatusChange, PMOccurrence,
            WorkRequest, Alert, FeedbackLabel)


def _counts() -> tuple:
    return tuple(model.objects.count() for model in FAMILIES)


def _span_days(qs, column: str) -> float:
    span = qs.aggregate(lo=Min(column), hi=Max(column))
    return (span["hi"] - span["lo"]).total_seconds() / 86400


def test_report_demo_history_covers_a_year_of_every_family_and_loads_once(db):
    from prosync.demo import load_demo_plant
    from prosync.demo_history import load_demo_history

    t0 = time.perf_counter()
    load_demo_plant()
    print(f"\ndemo plant with a year of history loaded in {time.perf_counter() - t0:.2f} s")
    now = timezone.now()

    # Corrective and emergency work over the year, with codes, estimates, hours and parts.
    failures = WorkOrder.objects.filter(kind__in=["corrective", "emergency"], status__in=["completed", "closed"],
                                        problem_code__isnull=False)
    assert failures.count() >= 150 and _span_days(failures, "completed_at") > 330
    assert not failures.filter(cause_code__isnull=True).exists()
    assert not failures.filter(remedy_code__isnull=True).exists()
    assert failures.filter(kind="emergency").exists() and failures.filter(estimated_hours__isnull=False).count() > 100
    assert WorkOrder.objects.filter(source="request", request__isnull=False).count() > 20
    assert WorkRequest.objects.filter(status="rejected").exclude(reason="").exists()
    # Labour at the people's rates, rolled up on the orders as the services do.
    entry = TimeEntry.objects.filter(work_order__in=failures, hourly_rate=Decimal("52.00")).first()
    assert entry is not None and entry.user.username == "tech.north2"
    for wo in failures.filter(completed_at__lt=now - timedelta(days=3)).order_by("pk")[:40]:
        entries = list(wo.time_entries.all())
        assert entries and wo.actual_hours == sum(e.hours for e in entries)
        assert wo.labour_cost == sum(e.hours * e.hourly_rate for e in entries).quantize(Decimal("0.01"))
        assert wo.parts_cost == sum((u.quantity * u.unit_cost).quantize(Decimal("0.01")) for u in wo.part_usages.all())
        moves = list(wo.status_changes.order_by("at", "pk"))
        assert all(a.to_status == b.from_status for a, b in zip(moves, moves[1:], strict=False))
        started = min(m.at for m in moves if m.to_status == "in_progress")
        assert wo.created_at <= started < wo.completed_at and all(started <= e.started_at for e in entries)

    # Parts out of the stores: each usage is a ledger row, the ledger's balances run in time order.
    assert PartUsage.objects.filter(work_order__in=failures).count() > 50
    assert ledger_mismatches() == []
    last = {}
    for m in StockMovement.objects.order_by("created_at", "pk"):
        key = (m.part_id, m.storeroom_id)
        assert m.balance_after == last.get(key, Decimal(0)) + m.quantity >= 0, m
        last[key] = m.balance_after
    assert StockMovement.objects.filter(kind="receipt", note="replenishment").exists()

    # Downtime with reasons, some overlapping, some tied to orders; the status history agrees.
    downtime = Downtime.objects.filter(ended_at__isnull=False)
    assert _span_days(downtime, "started_at") > 330
    assert {"breakdown", "planned_maintenance", "utility_failure", "operator"} <= set(
        downtime.values_list("reason_code", flat=True))
    assert WorkOrder.objects.filter(downtime__reason_code="breakdown").count() > 50
    overlapping = [d for d in downtime.filter(reason_code="operator")
                   if downtime.filter(asset=d.asset, reason_code="breakdown", started_at__lt=d.ended_at,
                                      ended_at__gt=d.started_at).exists()]
    assert len(overlapping) >= 5
    for asset in Asset.objects.all():
        changes = list(asset.status_changes.order_by("at", "pk"))
        assert all(a.to_status == b.from_status for a, b in zip(changes, changes[1:], strict=False)), asset.tag
        assert not changes or changes[-1].to_status == asset.status

    # Figures a plant manager would believe, worked out here from the rows: availability of the
    # machines over the year (stops of one machine merged) and the mean time between failures.
    machines = Asset.objects.exclude(category__name="Production line")
    year_start = now - timedelta(days=365)
    spans = defaultdict(list)
    for d in downtime.filter(asset__in=machines).exclude(reason_code="no_demand"):
        spans[d.asset_id].append((max(d.started_at, year_start), d.ended_at))
    down_h = 0.0
    for intervals in spans.values():
        end = None
        for lo, hi in sorted(intervals):
            lo = max(lo, end) if end else lo
            if hi > lo:
                down_h += (hi - lo).total_seconds() / 3600
            end = max(end, hi) if end else hi
    hours = machines.count() * 365 * 24
    availability = 1 - down_h / hours
    mtbf_days = hours / failures.count() / 24
    print(f"availability {availability:.1%}, MTBF {mtbf_days:.0f} days over {failures.count()} failures")
    assert 0.92 <= availability <= 0.99 and 3 <= mtbf_days <= 90

    # Preventive schedules with a year of occurrences: mostly on time, some late, a few missed.
    decided = PMOccurrence.objects.exclude(compliance="pending")
    on_time, late, missed = (decided.filter(compliance=c).count() for c in ("on_time", "late", "missed"))
    assert late > 5 and missed > 3 and _span_days(decided, "due_at") > 330
    assert 0.80 <= on_time / (on_time + late + missed) <= 0.95
    assert all(o.work_order.completed_at == o.completed_at
               for o in decided.filter(compliance="on_time").select_related("work_order")[:50])

    # The predictive loop's alerts, and what the technicians found on their orders.
    labels = FeedbackLabel.objects.filter(alert__source="prediction")
    assert labels.filter(fault_confirmed=True).count() > 10 and labels.filter(fault_confirmed=False).exists()
    assert all(label.work_order.source_ref == str(label.alert_id) for label in labels)
    assert WorkOrder.objects.filter(follow_up_of__kind="predictive", status__in=["completed", "closed"]).exists()

    # A backlog with ages: fresh work, and work left for weeks and months.
    backlog = WorkOrder.objects.open()
    assert backlog.filter(created_at__gt=now - timedelta(days=7)).exists()
    assert backlog.filter(created_at__lt=now - timedelta(days=30)).count() >= 5
    assert backlog.filter(created_at__lt=now - timedelta(days=90)).exists()
    assert backlog.overdue().exists() and TimeEntry.objects.filter(ended_at__isnull=True).count() == 1

    counts = _counts()
    t0 = time.perf_counter()
    assert load_demo_history() == {}
    assert _counts() == counts, "a second load adds nothing"
    print(f"second load checked in {time.perf_counter() - t0:.2f} s")
