"""The stock ledger: on hand is always the ledger's sum, stock never goes negative, the last unit
cannot be issued twice by two people at once, transfers are two rows, low stock is announced once."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import AuditLog
from assets import services_parts as parts
from assets.models import Part, StockLevel, StockMovement, Storeroom
from assets.signals import stock_low


@pytest.fixture
def stock(plant):
    part = Part.objects.create(part_number="BRG-6205", name="Ball bearing 6205", unit="pcs", unit_cost="12.50")
    main = Storeroom.objects.create(site=plant.site_a, code="main", name="Main store")
    line = Storeroom.objects.create(site=plant.site_a, code="line1", name="Line 1 cage")
    return part, main, line


def on_hand(part, room) -> Decimal:
    return StockLevel.objects.get(part=part, storeroom=room).on_hand


def test_movements_keep_on_hand_equal_to_the_ledger_sum(plant, stock):
    part, main, line = stock
    parts.receive_stock(part, main, 10, actor=plant.manager_a, unit_cost="11.90", reference="PO-7")
    parts.issue_stock(part, main, 3, actor=plant.tech_a, reference="WO-00042", asset=plant.asset_a)
    parts.return_stock(part, main, 1, actor=plant.tech_a, reference="WO-00042")
    parts.adjust_stock(part, main, counted=7, actor=plant.manager_a, note="stocktake")
    out, into = parts.transfer_stock(part, main, line, "2.5", actor=plant.manager_a)
    assert on_hand(part, main) == Decimal("4.5") and on_hand(part, line) == Decimal("2.5")
    assert out.transfer_id == into.transfer_id and out.quantity == -into.quantity == Decimal("-2.5")
    assert parts.ledger_mismatches() == []
    kinds = list(StockMovement.objects.filter(storeroom=main).order_by("pk").values_list("kind", "quantity"))
    assert kinds == [("receipt", 10), ("issue", -3), ("return", 1), ("adjustment", -1),
                     ("transfer_out", Decimal("-2.5"))]
    assert StockMovement.objects.filter(storeroom=main).order_by("pk").last().balance_after == Decimal("4.5")
    assert AuditLog.objects.filter(action="stock.issue", actor=plant.tech_a).exists()


def test_issue_more_than_on_hand_is_refused_with_the_quantity_and_changes_nothing(plant, stock):
    part, main, _ = stock
    parts.receive_stock(part, main, 2, actor=plant.manager_a)
    with pytest.raises(parts.InsufficientStock) as exc:
        parts.issue_stock(part, main, 3, actor=plant.tech_a, reference="WO-00001")
    assert "Only 2 pcs of BRG-6205 on hand in main" in str(exc.value.message_dict["quantity"])
    assert on_hand(part, main) == 2 and StockMovement.objects.count() == 1
    with pytest.raises(parts.InsufficientStock):
        parts.transfer_stock(part, main, stock[2], 5, actor=plant.manager_a)
    with pytest.raises(parts.InsufficientStock):
        parts.adjust_stock(part, main, -3, actor=plant.manager_a, note="broken")
    assert on_hand(part, main) == 2 and StockMovement.objects.count() == 1 and parts.ledger_mismatches() == []


@pytest.mark.parametrize("bad", [0, -1, "abc", "1.0001", "NaN"])
def test_bad_quantities_are_refused_on_the_quantity_field(plant, stock, bad):
    part, main, _ = stock
    with pytest.raises(ValidationError) as exc:
        parts.receive_stock(part, main, bad, actor=plant.manager_a)
    assert "quantity" in exc.value.message_dict
    assert not StockMovement.objects.exists()


def test_adjustment_needs_a_reason_and_issue_to_another_sites_asset_is_refused(plant, stock):
    part, main, _ = stock
    parts.receive_stock(part, main, 5, actor=plant.manager_a)
    with pytest.raises(ValidationError) as exc:
        parts.adjust_stock(part, main, counted=4, actor=plant.manager_a)
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        parts.issue_stock(part, main, 1, actor=plant.manager_a, asset=plant.asset_b)
    assert "asset" in exc.value.message_dict
    assert parts.adjust_stock(part, main, counted=5, actor=plant.manager_a, note="count") is None  # matches the book
    assert StockMovement.objects.count() == 1


def test_low_stock_is_announced_once_when_crossing_the_reorder_point(plant, stock, django_capture_on_commit_callbacks):
    part, main, _ = stock
    parts.receive_stock(part, main, 10, actor=plant.manager_a)
    parts.set_reorder_levels(part, main, actor=plant.manager_a, reorder_point=3, reorder_quantity=20)
    heard = []

    def listener(sender, level, **kw):
        heard.append((level.part.part_number, level.on_hand))

    stock_low.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            parts.issue_stock(part, main, 6, actor=plant.tech_a)  # 4 left: not low
            parts.issue_stock(part, main, 1, actor=plant.tech_a)  # 3 left: low now
            parts.issue_stock(part, main, 1, actor=plant.tech_a)  # still low: no second alert
    finally:
        stock_low.disconnect(listener)
    assert heard == [("BRG-6205", Decimal(3))]
    assert list(StockLevel.objects.low()) == [StockLevel.objects.get(part=part, storeroom=main)]


def test_the_sites_planners_are_told_when_a_part_reaches_its_reorder_point(plant, stock, mailoutbox,
                                                                             django_capture_on_commit_callbacks):
    from accounts.models import Notification, NotificationKind

    part, main, _ = stock
    plant.manager_a.email = "planner@example.com"
    plant.manager_a.save()
    parts.receive_stock(part, main, 10, actor=plant.manager_a)
    parts.set_reorder_levels(part, main, actor=plant.manager_a, reorder_point=3, reorder_quantity=20)
    with django_capture_on_commit_callbacks(execute=True):
        parts.issue_stock(part, main, 7, actor=plant.tech_a)  # 3 left: at the reorder point
        parts.issue_stock(part, main, 1, actor=plant.tech_a)  # still low: nobody is told twice
    notes = Notification.objects.filter(kind=NotificationKind.STOCK_LOW)
    assert [(n.recipient, n.title) for n in notes] == [(plant.manager_a, "Reorder BRG-6205: 3 pcs left in main")]
    assert notes[0].url == part.get_absolute_url() and "reorder quantity 20" in notes[0].body
    assert [m.to for m in mailoutbox] == [["planner@example.com"]], "it needs action: e-mailed by default"
    with django_capture_on_commit_callbacks(execute=True):
        parts.receive_stock(part, main, 20, actor=plant.manager_a)  # back above the point...
        parts.issue_stock(part, main, 20, actor=plant.tech_a)  # ...and down again: a new crossing
    assert Notification.objects.filter(kind=NotificationKind.STOCK_LOW, recipient=plant.manager_a).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issues_of_the_last_unit_cannot_both_succeed():
    """Two threads, each with its own database connection, issue the last bearing at once on the
    real PostgreSQL: exactly one gets it, the other is refused, and on hand is 0, not -1."""
    from conftest import make_plant

    plant = make_plant()
    part = Part.objects.create(part_number="SEAL-1", name="Mechanical seal")
    room = Storeroom.objects.create(site=plant.site_a, code="main", name="Main store")
    parts.receive_stock(part, room, 1, actor=plant.manager_a)
    barrier = threading.Barrier(2)
    results = []

    def worker(n):
        try:
            barrier.wait(timeout=10)
            parts.issue_stock(part, room, 1, actor=plant.tech_a, reference=f"WO-0000{n}")
            results.append("ok")
        except parts.InsufficientStock:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["ok", "refused"]
    assert on_hand(part, room) == 0
    assert StockMovement.objects.filter(kind="issue").count() == 1
    assert parts.ledger_mismatches() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_receipts_into_a_new_stock_row_lose_nothing():
    """Many first receipts of a part into a storeroom at once: one stock row, every unit counted."""
    from conftest import make_plant

    plant = make_plant()
    part = Part.objects.create(part_number="FLT-9", name="Oil filter")
    room = Storeroom.objects.create(site=plant.site_a, code="main", name="Main store")
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                parts.receive_stock(part, room, 2, actor=plant.manager_a)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert StockLevel.objects.filter(part=part).count() == 1
    assert on_hand(part, room) == 40 and parts.ledger_mismatches() == []


def test_demo_plant_has_parts_stock_and_boms_and_loading_twice_changes_nothing(db):
    from assets.models import BomLine
    from prosync.demo import load_demo_parts, load_demo_plant

    load_demo_plant()
    counts = (Part.objects.count(), StockMovement.objects.count(), BomLine.objects.count())
    assert counts[0] >= 10 and counts[1] > 10 and counts[2] > 20
    assert StockLevel.objects.low().exists() and parts.ledger_mismatches() == []
    load_demo_parts()
    assert (Part.objects.count(), StockMovement.objects.count(), BomLine.objects.count()) == counts
