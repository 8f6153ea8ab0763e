"""Writes about sites, assets and spare parts. Every write to the asset register (locations,
assets: create, edit, move; status changes and downtime; meters and their readings; documents)
is a function here: atomic, takes the acting user, validates with the model's own rules, writes
the audit trail and sends live events after commit. The stock ledger's services live in
assets.services_parts and are re-exported here, so callers have one place to import asset-side writes
from."""

from __future__ import annotations

import io
import logging
import mimetypes
import uuid
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from assets.choices import AssetStatus, DocumentKind, MeterKind, ReadingSource, StatusReason
from assets.models import (
    Asset,
    AssetDocument,
    AssetStatusChange,
    Downtime,
    Location,
    Meter,
    MeterReading,
    Site,
)
from assets.selectors import descendant_ids
from assets.services_parts import (  # noqa: F401
    InsufficientStock,
    adjust_stock,
    issue_stock,
    receive_stock,
    return_stock,
    transfer_stock,
)
from prosync.core.events import broadcast_on_commit
from prosync.core.files import check_image_pixels
from prosync.core.recording import record

logger = logging.getLogger(__name__)

UNSET = object()
MAX_FUTURE = timedelta(minutes=5)  # clock skew allowed between a device or browser and the server
IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "gif", "webp"}
THUMBNAIL_SIZE = (360, 360)

ASSET_FIELDS = ("site", "parent", "location", "category", "tag", "name", "description", "criticality",
                "manufacturer", "model_number", "serial_number", "install_date", "warranty_end", "purchase_cost",
                "attributes")
LOCATION_FIELDS = ("site", "parent", "kind", "code", "name", "description")
METER_FIELDS = ("asset", "name", "kind", "unit", "rolls_down")


def _jsonable(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, (int, float, str, bool, type(None), dict, list)):
        return value
    return str(value)


def _changes(obj, fields: dict) -> dict:
    """{field: [old, new]} for the fields whose value changes."""
    out = {}
    for name, new in fields.items():
        attname = obj._meta.get_field(name).attname
        old = getattr(obj, attname)
        new_value = new.pk if hasattr(new, "pk") else new
        if old != new_value:
            out[name] = [_jsonable(old), _jsonable(new_value)]
    return out


def _lock_site(site_id: int) -> None:
    """Tree moves on one site are serialised, so that two concurrent moves cannot close a cycle
    that each alone would not."""
    Site.objects.select_for_update().filter(pk=site_id).values_list("pk").first()


def _check_not_future(at: datetime, field: str = "at") -> None:
    if timezone.is_naive(at):
        raise ValidationError({field: "The time needs a time zone (e.g. 2026-11-21T10:00:00Z)."})
    if at > timezone.now() + MAX_FUTURE:
        raise ValidationError({field: "This time is in the future."})


def _asset_push(asset: Asset, event_type: str, payload: dict | None = None) -> dict:
    return {"asset_id": asset.pk, "site_id": asset.site_id, "event_type": event_type,
            "payload": {"asset": asset.pk, "tag": asset.tag, **(payload or {})}}


# --- Locations ------------------------------------------------------------------------------


@transaction.atomic
def create_location(*, actor, **fields) -> Location:
    unknown = set(fields) - set(LOCATION_FIELDS)
    if unknown:
        raise ValueError(f"not location fields: {sorted(unknown)}")
    location = Location(**fields)
    location.full_clean(exclude=["path", "depth"])
    _lock_site(location.site_id)
    location.save()
    parent_path = location.parent.path if location.parent_id else "/"
    location.path = f"{parent_path}{location.pk}/"
    location.depth = location.path.count("/") - 2
    location.save(update_fields=["path", "depth"])
    record(actor, "location.create", location, changes={k: _jsonable(v) for k, v in fields.items()})
    return location


@transaction.atomic
def update_location(location: Location, *, actor, **fields) -> Location:
    """Edit a location; a new parent moves its whole subtree (paths of every descendant follow).
    The site of a location is fixed: a subtree never straddles two sites."""
    unknown = set(fields) - set(LOCATION_FIELDS)
    if unknown:
        raise ValueError(f"not location fields: {sorted(unknown)}")
    location = Location.objects.select_for_update().get(pk=location.pk)
    if "site" in fields and _jsonable(fields["site"]) != location.site_id:
        raise ValidationError({"site": "A location stays on its site; create it on the other site instead."})
    changes = _changes(location, fields)
    if not changes:
        return location
    _lock_site(location.site_id)
    old_path, old_depth = location.path, location.depth
    for name, value in fields.items():
        setattr(location, name, value)
    location.full_clean(exclude=["path", "depth"])
    if "parent" in changes:
        parent_path = location.parent.path if location.parent_id else "/"
        new_path = f"{parent_path}{location.pk}/"
        new_depth = new_path.count("/") - 2
        Location.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)), depth=F("depth") + (new_depth - old_depth))
        location.path, location.depth = new_path, new_depth
    location.save()
    record(actor, "location.move" if "parent" in changes else "location.update", location, changes=changes)
    return location


@transaction.atomic
def delete_location(location: Location, *, actor) -> None:
    if location.children.exists():
        raise ValidationError({"location": "This location has sub-locations; move or delete them first."})
    if location.assets.exists():
        raise ValidationError({"location": "Assets are placed in this location; move them first."})
    record(actor, "location.delete", location)
    location.delete()


# --- Assets ---------------------------------------------------------------------------------


@transaction.atomic
def create_asset(*, actor, status: str = AssetStatus.OPERATIONAL, **fields) -> Asset:
    unknown = set(fields) - set(ASSET_FIELDS)
    if unknown:
        raise ValueError(f"not asset fields: {sorted(unknown)}")
    asset = Asset(status=status, **fields)
    asset.full_clean()
    if asset.parent_id:
        _lock_site(asset.site_id)
    asset.save()
    record(actor, "asset.create", asset, changes={k: _jsonable(v) for k, v in fields.items()},
           push=_asset_push(asset, "asset.created"))
    return asset


@transaction.atomic
def update_asset(asset: Asset, *, actor, **fields) -> Asset:
    """Edit an asset. A new parent or location moves the asset with its whole subtree: children
    stay under it, and descendants that were in the asset's old location follow it to the new
    one. Cycles and other sites' parents or locations are refused. The status changes only
    through ``change_asset_status`` (which records the reason and the downtime)."""
    if "status" in fields and fields.pop("status") != asset.status:
        raise ValidationError({"status": "Change the status with a status change (it records the reason and "
                                         "the downtime)."})
    unknown = set(fields) - set(ASSET_FIELDS)
    if unknown:
        raise ValueError(f"not asset fields: {sorted(unknown)}")
    asset = Asset.objects.select_related("category").select_for_update(of=("self",)).get(pk=asset.pk)
    if "site" in fields and _jsonable(fields["site"]) != asset.site_id:
        raise ValidationError({"site": "An asset stays on its site; moving equipment between sites is a "
                                       "decommission and a new asset."})
    changes = _changes(asset, fields)
    if not changes:
        return asset
    moving = "parent" in changes or "location" in changes
    if moving:
        _lock_site(asset.site_id)
    old_location_id = asset.location_id
    for name, value in fields.items():
        setattr(asset, name, value)
    try:
        asset.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
        if not {"attributes", "category"} & set(changes):
            # attributes a category came to require later do not block a move or an unrelated edit
            errors.pop("attributes", None)
        if errors:
            raise ValidationError(errors) from exc
    asset.save()
    followers = 0
    if "location" in changes:
        below = descendant_ids([asset.pk])
        if below:
            followers = Asset.objects.filter(pk__in=below, location_id=old_location_id).update(
                location_id=asset.location_id, updated_at=timezone.now())
            if followers:
                changes["descendants_moved"] = followers
    record(actor, "asset.move" if moving else "asset.update", asset, changes=changes,
           push=_asset_push(asset, "asset.updated", {"changed": sorted(changes)}))
    return asset


def move_asset(asset: Asset, *, actor, parent=UNSET, location=UNSET) -> Asset:
    """Re-parent an asset (``parent=None`` makes it top-level) and/or place it in a location,
    with its subtree."""
    fields = {}
    if parent is not UNSET:
        fields["parent"] = parent
    if location is not UNSET:
        fields["location"] = location
    if not fields:
        raise ValidationError({"parent": "Give a new parent or a new location."})
    return update_asset(asset, actor=actor, **fields)


@transaction.atomic
def delete_asset(asset: Asset, *, actor) -> None:
    if asset.children.exists():
        raise ValidationError({"asset": "This asset has child assets; move or delete them first."})
    record(actor, "asset.delete", asset)
    asset.delete()


# --- Status and downtime ---------------------------------------------------------------------


@transaction.atomic
def change_asset_status(asset: Asset, status: str, *, actor, reason_code: str, note: str = "",
                        at: datetime | None = None) -> AssetStatusChange:
    """Record a status change (who, when, from, to, why). Going "down" opens a downtime record;
    leaving "down" closes it. Changes are kept in time order: one cannot be dated before the
    asset's last change."""
    errors = {}
    if status not in AssetStatus.values:
        errors["status"] = f"{status!r} is not a status; use one of {', '.join(AssetStatus.values)}."
    if reason_code not in StatusReason.values:
        errors["reason_code"] = f"{reason_code!r} is not a reason code; use one of {', '.join(StatusReason.values)}."
    if errors:
        raise ValidationError(errors)
    at = at or timezone.now()
    _check_not_future(at)
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if status == asset.status:
        raise ValidationError({"status": f"The asset is already {asset.get_status_display().lower()}."})
    last = asset.status_changes.order_by("-at", "-pk").first()
    if last is not None and at < last.at:
        raise ValidationError({"at": f"The last status change was at {last.at:%Y-%m-%d %H:%M} UTC; a change "
                                     f"cannot be dated before it."})
    change = AssetStatusChange.objects.create(asset=asset, from_status=asset.status, to_status=status,
                                              reason_code=reason_code, note=note, at=at, user=_person(actor))
    if status == AssetStatus.DOWN:
        Downtime.objects.create(asset=asset, started_at=at, reason_code=reason_code, note=note,
                                started_by=_person(actor))
    elif asset.status == AssetStatus.DOWN:
        Downtime.objects.filter(asset=asset, ended_at__isnull=True).update(ended_at=at, ended_by=_person(actor))
    previous = asset.status
    asset.status = status
    asset.save(update_fields=["status", "updated_at"])
    moved = " \u2192 ".join(s.replace("_", " ") for s in (previous, status))
    record(actor, "asset.status", asset,
           changes={"status": [previous, status], "reason_code": reason_code, "note": note, "at": at.isoformat()},
           activity={"kind": "asset.status", "title": f"{asset}: {moved} ({reason_code.replace('_', ' ')})",
                     "site_id": asset.site_id, "asset_id": asset.pk,
                     "details": {"status": [previous, status], "reason_code": reason_code, "note": note}},
           push=_asset_push(asset, "asset.status", {"status": status, "from": previous, "reason_code": reason_code,
                                                    "at": at.isoformat()}))
    return change


def _person(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# --- Meters ----------------------------------------------------------------------------------


@transaction.atomic
def create_meter(*, actor, initial_value=0, **fields) -> Meter:
    unknown = set(fields) - set(METER_FIELDS)
    if unknown:
        raise ValueError(f"not meter fields: {sorted(unknown)}")
    meter = Meter(current_value=_decimal(initial_value, "initial_value"), **fields)
    if meter.current_value < 0:
        raise ValidationError({"initial_value": "A meter cannot start below zero."})
    meter.full_clean()
    meter.save()
    record(actor, "meter.create", meter, changes={k: _jsonable(v) for k, v in fields.items()})
    return meter


@transaction.atomic
def update_meter(meter: Meter, *, actor, **fields) -> Meter:
    """Name, unit and roll-down of a meter; its value changes only through readings."""
    unknown = set(fields) - set(METER_FIELDS)
    if unknown:
        raise ValueError(f"not meter fields: {sorted(unknown)}")
    meter = Meter.objects.select_for_update().get(pk=meter.pk)
    if "asset" in fields and _jsonable(fields["asset"]) != meter.asset_id:
        raise ValidationError({"asset": "A meter stays on its asset."})
    changes = _changes(meter, fields)
    for name, value in fields.items():
        setattr(meter, name, value)
    meter.full_clean()
    meter.save()
    record(actor, "meter.update", meter, changes=changes)
    return meter


@transaction.atomic
def delete_meter(meter: Meter, *, actor) -> None:
    record(actor, "meter.delete", meter)
    meter.delete()


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"{value!r} is not a number."}) from None
    if not number.is_finite():
        raise ValidationError({field: "The value must be a finite number."})
    if abs(number) >= Decimal("1e13"):
        raise ValidationError({field: "The value is too large for a meter."})
    return number.quantize(Decimal("0.001"))


@transaction.atomic
def record_meter_reading(meter: Meter, value, *, at: datetime | None = None, actor=None,
                         source: str = ReadingSource.MANUAL) -> MeterReading:
    """Record a reading. Meters only count up: a reading lower than the one before it (or higher
    than one recorded after it) is refused, naming that value. The latest reading sets
    ``current_value``; on a running-hours meter, the hours gained roll down to the running-hours
    meters of the child assets that follow their parent (``rolls_down``), and on down the tree."""
    if source not in ReadingSource.values:
        raise ValidationError({"source": f"{source!r} is not a reading source."})
    number = _decimal(value, "value")
    if number < 0:
        raise ValidationError({"value": "A meter reading cannot be negative."})
    at = at or timezone.now()
    _check_not_future(at)
    meter = Meter.objects.select_related("asset").select_for_update(of=("self",)).get(pk=meter.pk)
    unit = f" {meter.unit}" if meter.unit else ""
    before = meter.readings.filter(at__lte=at).order_by("-at", "-pk").first()
    after = meter.readings.filter(at__gt=at).order_by("at", "pk").first()
    if before is not None and number < before.value:
        raise ValidationError({"value": f"{_fmt(number)}{unit} is lower than the last reading, {_fmt(before.value)}"
                                        f"{unit} at {before.at:%Y-%m-%d %H:%M} UTC. A meter only counts up; if it "
                                        f"was replaced or reset, add a new meter."})
    if before is None and after is None and number < meter.current_value:
        raise ValidationError({"value": f"{_fmt(number)}{unit} is lower than the meter's current value, "
                                        f"{_fmt(meter.current_value)}{unit}. A meter only counts up."})
    if after is not None and number > after.value:
        raise ValidationError({"value": f"{_fmt(number)}{unit} is higher than the later reading "
                                        f"{_fmt(after.value)}{unit} at {after.at:%Y-%m-%d %H:%M} UTC."})
    reading = MeterReading.objects.create(meter=meter, value=number, at=at, source=source, user=_person(actor))
    if after is None:
        gained = number - meter.current_value
        meter.current_value, meter.last_reading_at = number, at
        meter.save(update_fields=["current_value", "last_reading_at"])
        if gained > 0 and meter.kind == MeterKind.RUNNING_HOURS:
            _roll_down(meter, gained, at, actor)
    if source == ReadingSource.MANUAL:
        record(actor, "meter.reading", meter,
               changes={"value": str(number), "at": at.isoformat(), "reading": reading.pk})
    live = {"meter": meter.pk, "value": float(meter.current_value), "at": at.isoformat()}
    broadcast_on_commit(**_asset_push(meter.asset, "asset.meter", live))  # readings of devices too
    return reading


def _roll_down(meter: Meter, gained: Decimal, at: datetime, user) -> None:
    followers = (Meter.objects.filter(asset__parent_id=meter.asset_id, kind=MeterKind.RUNNING_HOURS, rolls_down=True)
                 .order_by("pk"))
    for child in followers:
        child_at = max(at, child.last_reading_at) if child.last_reading_at else at
        record_meter_reading(child, child.current_value + gained, at=child_at, actor=user,
                             source=ReadingSource.ROLLDOWN)


def _fmt(number: Decimal) -> str:
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@transaction.atomic
def rotate_qr_token(asset: Asset, *, actor) -> Asset:
    """Give the asset a new label address: the printed labels stop working (a lost or misused
    label, a machine sold on) and new ones must be printed. Audited, without the tokens: a label
    address is as good as a key to the public report form."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    asset.qr_token = uuid.uuid4()
    asset.save(update_fields=["qr_token"])
    record(actor, "asset.qr_rotate", asset, changes={"qr_code": "replaced; labels printed before no longer open"})
    return asset


# --- Documents and photos -------------------------------------------------------------------


def check_upload(uploaded) -> tuple[str, str]:
    """(kind, content type) of an upload, or ValidationError({"file": reason}) for a file that is
    too large, of a type not accepted, or an image that is not one."""
    name = PurePath(uploaded.name or "").name
    ext = PurePath(name).suffix.lower().lstrip(".")
    limit = settings.ASSET_DOCUMENT_MAX_BYTES
    if uploaded.size is None or uploaded.size == 0:
        raise ValidationError({"file": "The file is empty."})
    if uploaded.size > limit:
        raise ValidationError({"file": f"The file is {_mb(uploaded.size)}; the limit is {_mb(limit)}."})
    allowed = [e.lower() for e in settings.ASSET_DOCUMENT_EXTENSIONS]
    if ext not in allowed:
        raise ValidationError({"file": f"Files of type “.{ext or '?'}” are not accepted. Allowed: "
                                       f"{', '.join('.' + e for e in allowed)}."})
    head = uploaded.read(8)
    uploaded.seek(0)
    if ext in IMAGE_EXTENSIONS:
        from PIL import Image

        check_image_pixels(uploaded, "file")
        try:
            with Image.open(uploaded) as img:
                img.verify()
        except Exception:
            raise ValidationError({"file": f"“{name}” is not a readable {ext.upper()} image."}) from None
        finally:
            uploaded.seek(0)
        return DocumentKind.PHOTO, mimetypes.guess_type(name)[0] or f"image/{ext}"
    if ext == "pdf" and not head.startswith(b"%PDF"):
        raise ValidationError({"file": f"“{name}” is not a PDF file."})
    return DocumentKind.DOCUMENT, mimetypes.guess_type(name)[0] or "application/octet-stream"


def _mb(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _thumbnail(uploaded) -> bytes | None:
    from PIL import Image, ImageOps

    try:
        with Image.open(uploaded) as img:
            img = ImageOps.exif_transpose(img)
            img.thumbnail(THUMBNAIL_SIZE)
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            out = io.BytesIO()
            img.save(out, "JPEG", quality=82)
            return out.getvalue()
    except Exception:  # a preview is a convenience; the original is kept either way
        logger.warning("thumbnail not made", exc_info=True)
        return None
    finally:
        uploaded.seek(0)


def upload_document(asset: Asset, uploaded, *, actor, title: str = "") -> AssetDocument:
    """Store an uploaded manual, drawing or photo of an asset (with a preview for images)."""
    kind, content_type = check_upload(uploaded)
    name = PurePath(uploaded.name).name
    title = (title or "").strip() or PurePath(name).stem.replace("_", " ")[:160]
    doc = AssetDocument(asset=asset, kind=kind, title=title[:160], original_name=name[:255],
                        content_type=content_type, size=uploaded.size, uploaded_by=_person(actor))
    thumb = _thumbnail(uploaded) if kind == DocumentKind.PHOTO else None
    stored = []
    try:
        with transaction.atomic():
            doc.file.save(name, uploaded, save=False)
            stored.append(doc.file.name)
            if thumb:
                doc.thumbnail.save(f"thumb-{PurePath(name).stem}.jpg", ContentFile(thumb), save=False)
                stored.append(doc.thumbnail.name)
            doc.full_clean()
            doc.save()
            record(actor, "document.upload", doc,
                   changes={"asset": asset.pk, "file": name, "size": uploaded.size, "kind": kind},
                   push=_asset_push(asset, "asset.document", {"document": doc.pk, "title": doc.title}))
    except Exception:
        for path in stored:  # nothing half-kept: the row was not written, so neither are the files
            doc.file.storage.delete(path)
        raise
    return doc


@transaction.atomic
def delete_document(doc: AssetDocument, *, actor) -> None:
    paths = [f.name for f in (doc.file, doc.thumbnail) if f]
    storage = doc.file.storage
    record(actor, "document.delete", doc, changes={"asset": doc.asset_id, "file": doc.original_name})
    doc.delete()
    transaction.on_commit(lambda: [storage.delete(p) for p in paths])
