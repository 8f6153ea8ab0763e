"""Spare-part and stock writes: the catalogue, storerooms, the bill of materials and every stock
movement. The ledger (StockMovement) is the truth; each movement updates the cached
StockLevel.on_hand in the same transaction, under a row lock, so that on hand is always the
ledger's sum and two people issuing the last unit cannot both succeed."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from assets.choices import MovementKind
from assets.models import Asset, BomLine, Part, StockLevel, StockMovement, Storeroom
from assets.signals import stock_low
from prosync.core.events import send_many, site_group
from prosync.core.permissions import can
from prosync.core.recording import record, send_on_commit


class StockConflict(ValidationError):
    """A movement the stock cannot allow: a ValidationError on ``quantity``, so forms show it
    inline; the API answers it with 409 and the ``figures`` that explain it."""

    figures: dict[str, str] = {}


class InsufficientStock(StockConflict):
    """An issue or transfer asks for more than is on hand."""

    def __init__(self, *, part: Part, storeroom: Storeroom, on_hand: Decimal, requested: Decimal):
        self.part, self.storeroom, self.on_hand, self.requested = part, storeroom, on_hand, requested
        self.figures = {"on_hand": str(on_hand), "requested": str(requested)}
        super().__init__({"quantity": (
            f"Only {_fmt(on_hand)} {part.unit} of {part.part_number} on hand in {storeroom.code}; "
            f"cannot take {_fmt(requested)}.")})


class ReturnExceedsIssued(StockConflict):
    """A return asks to bring back more than is still out on its reference (issued minus already
    returned, of that part and storeroom)."""

    def __init__(self, *, part: Part, storeroom: Storeroom, reference: str, out: Decimal, requested: Decimal):
        self.part, self.storeroom, self.out, self.requested = part, storeroom, out, requested
        self.figures = {"out": str(out), "requested": str(requested)}
        what = f"{part.part_number} from {storeroom.code} on {reference}"
        super().__init__({"quantity": (
            f"Cannot return {_fmt(requested)} {part.unit}: nothing of {what} is out." if out <= 0 else
            f"Cannot return {_fmt(requested)} {part.unit}: only {_fmt(out)} {part.unit} of {what} are still out.")})


def _fmt(q: Decimal) -> str:
    q = Decimal(q)
    return f"{q.normalize():f}" if q == q.to_integral_value() else f"{q:f}".rstrip("0").rstrip(".")


def parse_quantity(value, *, field: str = "quantity", allow_negative: bool = False) -> Decimal:
    """A ledger quantity from what a person or a client sent, or a ValidationError on ``field``."""
    try:
        q = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: f"{value!r} is not a number."}) from None
    if not q.is_finite():
        raise ValidationError({field: "The quantity must be a finite number."})
    if abs(q) >= Decimal("1e11"):  # before the rounding check: 1e999 cannot even be rounded
        raise ValidationError({field: "The quantity is too large."})
    if q != q.quantize(Decimal("0.001")):
        raise ValidationError({field: "At most three decimal places."})
    if q == 0 or (q < 0 and not allow_negative):
        raise ValidationError({field: "The quantity must be greater than zero." if not allow_negative
                               else "The change cannot be zero."})
    return q


def _locked_level(part: Part, storeroom: Storeroom) -> StockLevel:
    """The stock row of this part and storeroom, created if missing, locked until commit. The
    insert ignores a concurrent insert of the same row; the lock then serialises the writers."""
    level = StockLevel.objects.select_for_update().filter(part=part, storeroom=storeroom).first()
    if level is None:
        StockLevel.objects.bulk_create([StockLevel(part=part, storeroom=storeroom)], ignore_conflicts=True)
        level = StockLevel.objects.select_for_update().get(part=part, storeroom=storeroom)
    level.part, level.storeroom = part, storeroom  # already in hand: no second fetch
    return level


def _move(level: StockLevel, kind: str, quantity: Decimal, *, actor, unit_cost=None, reference: str = "",
          note: str = "", asset: Asset | None = None, transfer_id=None) -> StockMovement:
    """Append one ledger row and move the cached on-hand with it (caller holds the row lock)."""
    new_on_hand = level.on_hand + quantity
    if new_on_hand < 0:
        raise InsufficientStock(part=level.part, storeroom=level.storeroom, on_hand=level.on_hand,
                                requested=-quantity)
    was_low = level.is_low
    movement = StockMovement(part=level.part, storeroom=level.storeroom, kind=kind, quantity=quantity,
                             balance_after=new_on_hand, unit_cost=unit_cost, reference=reference[:60],
                             note=note[:255], asset=asset, transfer_id=transfer_id,
                             created_by=actor if actor is not None and actor.is_authenticated else None)
    # Field checks only: the quantity, storeroom and asset were checked above, and the database's
    # constraints stand behind them (full_clean would spend a query per foreign key and constraint).
    movement.clean_fields(exclude=["part", "storeroom", "asset", "created_by", "balance_after"])
    movement.save()
    level.on_hand = new_on_hand
    level.save(update_fields=["on_hand", "updated_at"])
    record(actor, f"stock.{kind}", movement,
           changes={"part": level.part.part_number, "storeroom": level.storeroom.code, "quantity": str(quantity),
                    "on_hand": str(new_on_hand), "reference": reference})
    if level.is_low and not was_low:
        _on_low_stock(level)
    return movement


def _on_low_stock(level: StockLevel) -> None:
    """Stock just fell to its reorder point: tell listeners (notifications) and live pages, after commit."""
    payload = {"part": level.part_id, "part_number": level.part.part_number, "storeroom": level.storeroom_id,
               "storeroom_code": level.storeroom.code, "on_hand": str(level.on_hand),
               "reorder_point": str(level.reorder_point), "reorder_quantity": str(level.reorder_quantity)}
    site_id = level.storeroom.site_id
    send_on_commit(stock_low, sender=StockLevel, level=level)
    transaction.on_commit(lambda: send_many([([site_group(site_id)], "assets.stock_low", payload)]))


def _check_asset(asset: Asset | None, storeroom: Storeroom) -> None:
    if asset is not None and asset.site_id != storeroom.site_id:
        raise ValidationError({"asset": "The asset must be on the storeroom's site."})


@transaction.atomic
def receive_stock(part: Part, storeroom: Storeroom, quantity, *, actor, unit_cost=None, reference: str = "",
                  note: str = "") -> StockMovement:
    """Goods received into a storeroom (a delivery, a purchase order)."""
    quantity = parse_quantity(quantity)
    if unit_cost is not None:
        try:
            unit_cost = Decimal(str(unit_cost))
        except (InvalidOperation, ValueError):
            raise ValidationError({"unit_cost": f"{unit_cost!r} is not a number."}) from None
        if not unit_cost.is_finite() or unit_cost < 0:
            raise ValidationError({"unit_cost": "The unit cost cannot be negative."})
    return _move(_locked_level(part, storeroom), MovementKind.RECEIPT, quantity, actor=actor, unit_cost=unit_cost,
                 reference=reference, note=note)


@transaction.atomic
def issue_stock(part: Part, storeroom: Storeroom, quantity, *, actor, reference: str = "", asset: Asset | None = None,
                note: str = "") -> StockMovement:
    """Parts taken out of a storeroom, usually for a work order (``reference="WO-00042"``) on an
    asset. Raises InsufficientStock (naming the quantity on hand) when there is not enough."""
    quantity = parse_quantity(quantity)
    _check_asset(asset, storeroom)
    return _move(_locked_level(part, storeroom), MovementKind.ISSUE, -quantity, actor=actor, unit_cost=part.unit_cost,
                 reference=reference, asset=asset, note=note)


@transaction.atomic
def return_stock(part: Part, storeroom: Storeroom, quantity, *, actor, reference: str = "", asset: Asset | None = None,
                 note: str = "") -> StockMovement:
    """Unused parts brought back to the storeroom: no more than is still out on ``reference``
    (what was issued on it from this storeroom, less what has come back). Without a reference
    it is a receipt in all but name, so only those who may receive stock make one."""
    quantity = parse_quantity(quantity)
    _check_asset(asset, storeroom)
    reference = reference.strip()
    if not reference and actor is not None and not can(actor, "change", StockLevel):
        raise ValidationError({"reference": "Name the work order or reference the parts were issued on; "
                                            "a return without one is a receipt, made by a storekeeper."})
    level = _locked_level(part, storeroom)  # the lock also makes two returns of the last unit queue
    if reference:
        out = -(StockMovement.objects.filter(part=part, storeroom=storeroom, reference=reference[:60],
                                             kind__in=[MovementKind.ISSUE, MovementKind.RETURN])
                .aggregate(q=Sum("quantity"))["q"] or Decimal(0))
        if quantity > out:
            raise ReturnExceedsIssued(part=part, storeroom=storeroom, reference=reference, out=out,
                                      requested=quantity)
    return _move(level, MovementKind.RETURN, quantity, actor=actor, reference=reference, asset=asset, note=note)


@transaction.atomic
def adjust_stock(part: Part, storeroom: Storeroom, quantity=None, *, actor, counted=None, reference: str = "",
                 note: str = "") -> StockMovement | None:
    """A correction, by a signed change (``quantity``) or to a counted quantity (``counted``, a
    stocktake). The reason (``note``) is required. Returns None when the count matches the book."""
    if (quantity is None) == (counted is None):
        raise ValidationError({"quantity": "Give either the change or the counted quantity, not both."})
    if not note.strip():
        raise ValidationError({"note": "Say why the stock is adjusted (count, damage, loss...)."})
    level = _locked_level(part, storeroom)
    if counted is not None:
        counted = Decimal(str(counted)) if not isinstance(counted, Decimal) else counted
        if counted < 0:
            raise ValidationError({"counted": "A counted quantity cannot be negative."})
        if counted == level.on_hand:
            return None
        delta = parse_quantity(counted - level.on_hand, field="counted", allow_negative=True)
    else:
        delta = parse_quantity(quantity, allow_negative=True)
    return _move(level, MovementKind.ADJUSTMENT, delta, actor=actor, reference=reference, note=note)


@transaction.atomic
def transfer_stock(part: Part, from_storeroom: Storeroom, to_storeroom: Storeroom, quantity, *, actor,
                   reference: str = "", note: str = "") -> tuple[StockMovement, StockMovement]:
    """Move stock between storerooms: two ledger rows sharing one transfer id."""
    quantity = parse_quantity(quantity)
    if from_storeroom.pk == to_storeroom.pk:
        raise ValidationError({"to_storeroom": "Choose a different storeroom to transfer to."})
    # Lock both rows in one fixed order, so two opposite transfers cannot deadlock.
    first, second = sorted([from_storeroom, to_storeroom], key=lambda s: s.pk)
    levels = {first.pk: _locked_level(part, first), second.pk: _locked_level(part, second)}
    transfer_id = uuid.uuid4()
    out = _move(levels[from_storeroom.pk], MovementKind.TRANSFER_OUT, -quantity, actor=actor, reference=reference,
                note=note or f"to {to_storeroom.code}", transfer_id=transfer_id)
    into = _move(levels[to_storeroom.pk], MovementKind.TRANSFER_IN, quantity, actor=actor, reference=reference,
                 note=note or f"from {from_storeroom.code}", transfer_id=transfer_id)
    return out, into


def ledger_mismatches() -> list[tuple[int, int, Decimal, Decimal]]:
    """(part id, storeroom id, cached on hand, ledger sum) wherever they differ; empty when sound."""
    sums = {(r["part_id"], r["storeroom_id"]): r["total"]
            for r in StockMovement.objects.values("part_id", "storeroom_id").annotate(total=Sum("quantity"))}
    out = []
    for level in StockLevel.objects.values("part_id", "storeroom_id", "on_hand"):
        key = (level["part_id"], level["storeroom_id"])
        total = sums.pop(key, Decimal(0))
        if total != level["on_hand"]:
            out.append((*key, level["on_hand"], total))
    out.extend((*key, Decimal(0), total) for key, total in sums.items())
    return out


# --- Catalogue, storerooms, stock settings, bill of materials ---------------------------------


def _save(obj, *, actor, verb: str, changes: dict | None = None):
    obj.full_clean()
    obj.save()
    record(actor, f"{obj._meta.model_name}.{verb}", obj, changes=changes)
    return obj


@transaction.atomic
def save_part(part: Part, *, actor, changes: dict | None = None) -> Part:
    return _save(part, actor=actor, verb="update" if part.pk else "create", changes=changes)


@transaction.atomic
def save_storeroom(storeroom: Storeroom, *, actor, changes: dict | None = None) -> Storeroom:
    return _save(storeroom, actor=actor, verb="update" if storeroom.pk else "create", changes=changes)


@transaction.atomic
def save_bom_line(line: BomLine, *, actor, changes: dict | None = None) -> BomLine:
    return _save(line, actor=actor, verb="update" if line.pk else "create", changes=changes)


@transaction.atomic
def set_reorder_levels(part: Part, storeroom: Storeroom, *, actor, reorder_point=None, reorder_quantity=None,
                       bin_location: str | None = None) -> StockLevel:
    """Reorder point and quantity (and bin) of a part in a storeroom; on hand is left to the ledger."""
    level = _locked_level(part, storeroom)
    was_low = level.is_low
    changes = {}
    for field, value in (("reorder_point", reorder_point), ("reorder_quantity", reorder_quantity)):
        if value is not None:
            value = Decimal(str(value))
            if value < 0:
                raise ValidationError({field: "Cannot be negative."})
            setattr(level, field, value)
            changes[field] = str(value)
    if bin_location is not None:
        level.bin_location = bin_location
        changes["bin_location"] = bin_location
    level.full_clean(exclude=["part", "storeroom"])
    level.save()
    record(actor, "stocklevel.update", level, changes=changes)
    if level.is_low and not was_low:
        _on_low_stock(level)
    return level


@transaction.atomic
def delete_object(obj, *, actor) -> None:
    """Delete a part, storeroom, stock level or BOM line; one with ledger history is refused by
    PROTECT (the API answers 409)."""
    record(actor, f"{obj._meta.model_name}.delete", obj)
    obj.delete()
