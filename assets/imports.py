"""CSV import of sites, locations, assets and parts. One function, ``run_import``, serves the upload
page, the API and the management command. The whole file is checked first (encoding, columns,
every row: values, duplicates, unknown or cyclic parents, the model's own rules through the real
services); nothing is written unless every row is clean, and a dry run writes nothing at all.
Rows whose key already exists update that row; the others are created."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from assets.choices import AssetStatus, Criticality, LocationKind
from assets.models import Asset, AssetCategory, Location, Part, Site
from prosync.core.permissions import can
from prosync.core.recording import record

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


@dataclass
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return f"{where}{', column ' + self.column if self.column else ''}: {self.message}"


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    def as_dict(self) -> dict:
        return {"kind": self.kind, "dry_run": self.dry_run, "ok": self.ok, "applied": self.applied,
                "rows": self.rows, "created": self.created, "updated": self.updated,
                "errors": [asdict(e) for e in self.errors]}


class _Rollback(Exception):
    pass


@dataclass(frozen=True)
class Spec:
    model: type
    required: tuple[str, ...]
    optional: tuple[str, ...]
    key: str  # the column that identifies a row (within its site, where there is a site column)
    parent: str | None = None  # the column naming another row of the same kind (tree)
    apply: Callable | None = None


KINDS: dict[str, Spec] = {}


# --- Decoding and reading ----------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8, with or without a byte-order mark; anything else is refused with where it broke."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError("The file is UTF-16. Save it as 'CSV UTF-8 (comma delimited)' and upload it again.")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ValidationError(
            f"The file is not UTF-8: byte 0x{data[exc.start]:02x} on line {line} cannot be read (it looks like a "
            "Windows or Latin-1 export). Save it as 'CSV UTF-8' and upload it again.") from None


def read_rows(text: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """Header (lower-cased, trimmed) and the data rows numbered as in a spreadsheet (the header is
    row 1). Commas, semicolons and tabs are all accepted as the delimiter."""
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError("The file is empty.") from None
    header = [h.strip().lower().replace(" ", "_") for h in header]
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # blank lines are not rows
            if len(rows) >= MAX_ROWS:
                raise ValidationError(f"More than {MAX_ROWS} rows; split the file.")
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise ValidationError(f"Line {reader.line_num}: the CSV cannot be read ({exc}).") from None
    return header, rows


# --- Value parsing -----------------------------------------------------------------------------


def _choice(value: str, choices) -> str:
    for v, label in choices.choices:
        if value.lower() in (v.lower(), str(label).lower()):
            return v
    raise ValueError(f"{value!r} is not one of: {', '.join(choices.values)}.")


def _date(value: str):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD).") from None


def _decimal(value: str) -> Decimal:
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number (use a dot for decimals).") from None
    if not d.is_finite() or d < 0:
        raise ValueError("Must be a number of zero or more.")
    return d


# --- The import --------------------------------------------------------------------------------


def may_import(user, kind: str) -> bool:
    spec = KINDS[kind]
    return can(user, "add", spec.model) and can(user, "change", spec.model)


def run_import(kind: str, data: bytes, *, actor, dry_run: bool = True) -> ImportReport:
    """Check (and unless ``dry_run``, apply) a CSV file of ``kind`` ("sites", "locations",
    "assets", "parts"). Every problem is reported with its row and column; nothing is written
    unless the whole file is clean."""
    if kind not in KINDS:
        raise ValidationError({"kind": f"Unknown import {kind!r}; choose one of {', '.join(KINDS)}."})
    spec = KINDS[kind]
    if not may_import(actor, kind):
        raise PermissionDenied(f"Your role may not import {spec.model._meta.verbose_name_plural}.")
    report = ImportReport(kind=kind, dry_run=dry_run)
    if len(data) > MAX_BYTES:
        report.errors.append(RowError(0, "", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB."))
        return report
    try:
        header, raw_rows = read_rows(decode(data))
    except ValidationError as exc:
        report.errors.append(RowError(0, "", " ".join(exc.messages)))
        return report
    columns = set(spec.required) | set(spec.optional)
    missing = [c for c in spec.required if c not in header]
    unknown = [h for h in header if h and h not in columns]
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    for c in missing:
        report.errors.append(RowError(1, c, "This column is missing (required)."))
    known = ", ".join(spec.required + spec.optional)
    for c in unknown:
        report.errors.append(RowError(1, c, f"Unknown column; the columns are: {known}."))
    for c in dupes:
        report.errors.append(RowError(1, c, "This column appears twice."))
    if report.errors:
        return report
    rows = []
    for line, values in raw_rows:
        if len(values) > len(header):
            report.errors.append(RowError(line, "", f"{len(values)} values for {len(header)} columns."))
            continue
        row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header) if h}
        blank = [c for c in spec.required if not row.get(c)]
        for c in blank:
            report.errors.append(RowError(line, c, "Required; this cell is empty."))
        if not blank:
            rows.append((line, row))
    report.rows = len(raw_rows)
    _check_keys(spec, rows, report)
    order = _tree_order(spec, rows, report)
    try:
        with transaction.atomic():
            context = _Context(user=actor)
            for line, row in order:
                try:
                    created = spec.apply(row, context)
                except ValidationError as exc:
                    for col, messages in _by_column(exc, row).items():
                        report.errors.append(RowError(line, col, " ".join(messages)))
                    context.failed.add(_row_key(spec, row))
                except ValueError as exc:  # a value that cannot be parsed, raised with its column
                    col, message = exc.args if len(exc.args) == 2 else ("", str(exc))
                    report.errors.append(RowError(line, col, message))
                    context.failed.add(_row_key(spec, row))
                else:
                    report.created += created
                    report.updated += not created
            if dry_run or report.errors:
                raise _Rollback
            record(actor, f"import.{kind}", actor,
                   changes={"rows": report.rows, "created": report.created, "updated": report.updated})
    except _Rollback:
        pass
    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.errors:
        report.created = report.updated = 0
    return report


@dataclass
class _Context:
    user: object
    failed: set = field(default_factory=set)
    cache: dict = field(default_factory=dict)


def _row_key(spec: Spec, row: dict) -> tuple:
    return (row.get("site", "").lower(), row.get(spec.key, "").lower())


def _check_keys(spec: Spec, rows: list, report: ImportReport) -> None:
    seen: dict[tuple, int] = {}
    for line, row in list(rows):
        key = _row_key(spec, row)
        if key in seen:
            report.errors.append(RowError(line, spec.key, f"Duplicate {spec.key} {row[spec.key]!r}: already on row "
                                                         f"{seen[key]}."))
            rows.remove((line, row))
        else:
            seen[key] = line


def _tree_order(spec: Spec, rows: list, report: ImportReport) -> list:
    """Rows in an order where each parent named in the file comes before its children; rows in a
    parent cycle are reported (with the cycle) and left out."""
    if spec.parent is None:
        return rows
    by_key = {_row_key(spec, row): (line, row) for line, row in rows}
    state: dict[tuple, str] = {}
    ordered = []

    def visit(key, trail):
        if state.get(key) == "done":
            return True
        if state.get(key) == "visiting":
            cycle = trail[trail.index(key):] + [key]
            names = " → ".join(by_key[k][1][spec.key] for k in cycle)
            for k in cycle[:-1]:
                line = by_key[k][0]
                if state.get(k) != "cycle":
                    report.errors.append(RowError(line, spec.parent, f"The parent column makes a cycle: {names}."))
                    state[k] = "cycle"
            return False
        if state.get(key) in ("cycle", "blocked"):
            return False
        state[key] = "visiting"
        line, row = by_key[key]
        parent = row.get(spec.parent, "")
        ok = True
        if parent:
            pkey = (row.get("site", "").lower(), parent.lower())
            if pkey in by_key:
                ok = visit(pkey, [*trail, key])
        if state.get(key) == "cycle":
            return False
        state[key] = "done" if ok else "blocked"
        if ok:
            ordered.append((line, row))
        else:
            report.errors.append(RowError(line, spec.parent, f"Parent {parent!r} cannot be imported (see its row)."))
        return ok

    for key in list(by_key):
        if key not in state:
            visit(key, [])
    return ordered


def _by_column(exc: ValidationError, row: dict) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {(k if k in row else ("" if k == "__all__" else k)): v for k, v in exc.message_dict.items()}
    return {"": exc.messages}


def _value(row: dict, column: str, parse: Callable):
    try:
        return parse(row[column])
    except ValueError as exc:
        raise ValueError(column, str(exc)) from None


def _site(row: dict, ctx: _Context, action: str = "add") -> Site:
    code = row["site"]
    key = ("site", code.lower())
    if key not in ctx.cache:
        ctx.cache[key] = Site.objects.for_user(ctx.user, "view").filter(code__iexact=code).first()
    site = ctx.cache[key]
    if site is None:
        raise ValueError("site", f"Unknown site {code!r} (or not one of your sites).")
    if not ctx.user.sees_all_sites and site.pk not in ctx.user.site_ids:
        raise ValueError("site", f"Site {code!r} is not one of your sites.")
    return site


def _parent(model, row: dict, site: Site, column: str, key_field: str, ctx: _Context, spec_key: tuple | None):
    value = row.get(column, "")
    if not value:
        return None
    if spec_key is not None and (row.get("site", "").lower(), value.lower()) in ctx.failed:
        raise ValueError(column, f"{value!r} has errors on its own row.")
    found = model.objects.filter(site=site, **{f"{key_field}__iexact": value}).first()
    if found is None:
        raise ValueError(column, f"Unknown {column} {value!r} on site {site.code} (not in the file nor in ProSyncHub).")
    return found


def _set_fields(row: dict, parsers: dict[str, Callable]) -> dict:
    fields = {}
    for column, parse in parsers.items():
        if column in row and row[column] != "":
            fields[column] = _value(row, column, parse)
        elif column in row:
            fields[column] = None if parse in (_date, _decimal) else ""
    return fields


# --- Per kind ----------------------------------------------------------------------------------


def _apply_site(row: dict, ctx: _Context) -> bool:
    site = Site.objects.filter(code__iexact=row["code"]).first()
    created = site is None
    if created:
        site = Site(code=row["code"])
    elif not ctx.user.sees_all_sites and site.pk not in ctx.user.site_ids:
        raise ValueError("code", f"Site {row['code']!r} exists and is not one of your sites.")
    site.name = row["name"]
    for column in ("address", "timezone"):
        if row.get(column):
            setattr(site, column, row[column])
    site.full_clean()
    site.save()
    record(ctx.user, "site.create" if created else "site.update", site, changes=row)
    return created


def _apply_location(row: dict, ctx: _Context) -> bool:
    from assets.services import create_location, update_location

    site = _site(row, ctx)
    fields = {"name": row["name"], **_set_fields(row, {"description": str,
                                                       "kind": lambda v: _choice(v, LocationKind)})}
    if fields.get("kind") == "":
        fields.pop("kind")
    if "parent" in row:
        fields["parent"] = _parent(Location, row, site, "parent", "code", ctx, ())
    existing = Location.objects.filter(site=site, code__iexact=row["code"]).first()
    if existing is None:
        create_location(actor=ctx.user, site=site, code=row["code"], **fields)
        return True
    update_location(existing, actor=ctx.user, **fields)
    return False


def _apply_asset(row: dict, ctx: _Context) -> bool:
    from assets.services import create_asset, update_asset

    site = _site(row, ctx)
    fields = {"name": row["name"], **_set_fields(row, {
        "description": str, "criticality": lambda v: _choice(v, Criticality), "manufacturer": str,
        "model_number": str, "serial_number": str, "install_date": _date, "warranty_end": _date,
        "purchase_cost": _decimal})}
    if fields.get("criticality") == "":
        fields.pop("criticality")
    if "parent" in row:
        fields["parent"] = _parent(Asset, row, site, "parent", "tag", ctx, ())
    if "location" in row:
        fields["location"] = _parent(Location, row, site, "location", "code", ctx, None)
    if row.get("category"):
        category = AssetCategory.objects.filter(name__iexact=row["category"]).first()
        if category is None:
            raise ValueError("category", f"Unknown category {row['category']!r}.")
        fields["category"] = category
    status = _value(row, "status", lambda v: _choice(v, AssetStatus)) if row.get("status") else None
    existing = Asset.objects.filter(site=site, tag__iexact=row["tag"]).first()
    if existing is None:
        create_asset(actor=ctx.user, site=site, tag=row["tag"], **({"status": status} if status else {}), **fields)
        return True
    if status and status != existing.status:
        raise ValueError("status", f"The asset is {existing.status}; change a status on the asset page (it records "
                                   "the reason and the downtime), not by import.")
    update_asset(existing, actor=ctx.user, **fields)
    return False


def _apply_part(row: dict, ctx: _Context) -> bool:
    from assets.services_parts import save_part

    part = Part.objects.filter(part_number__iexact=row["part_number"]).first()
    created = part is None
    if created:
        part = Part(part_number=row["part_number"])
    fields = {"name": row["name"], **_set_fields(row, {
        "description": str, "unit": str, "unit_cost": _decimal, "manufacturer": str,
        "manufacturer_part_number": str, "category": str})}
    for name, value in fields.items():
        if value is None or (name == "unit" and value == ""):
            continue
        setattr(part, name, value)
    save_part(part, actor=ctx.user, changes={k: str(v) for k, v in fields.items()})
    return created


KINDS.update({
    "sites": Spec(Site, ("code", "name"), ("address", "timezone"), key="code", apply=_apply_site),
    "locations": Spec(Location, ("site", "code", "name"), ("parent", "kind", "description"), key="code",
                      parent="parent", apply=_apply_location),
    "assets": Spec(Asset, ("site", "tag", "name"),
                   ("parent", "location", "category", "description", "status", "criticality", "manufacturer",
                    "model_number", "serial_number", "install_date", "warranty_end", "purchase_cost"),
                   key="tag", parent="parent", apply=_apply_asset),
    "parts": Spec(Part, ("part_number", "name"),
                  ("description", "unit", "unit_cost", "manufacturer", "manufacturer_part_number", "category"),
                  key="part_number", apply=_apply_part),
})


def template_csv(kind: str) -> str:
    """An empty file with the right header, for the upload page's download link."""
    spec = KINDS[kind]
    return ",".join(spec.required + spec.optional) + "\n"
