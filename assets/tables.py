"""The register's tables: the asset list, spare parts, stock levels and storerooms."""

from __future__ import annotations

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import format_html

from prosync.core import humanize
from prosync.core.tables import EMPTY, Column, Table, as_text, link, pill


def health_badge(score) -> str:
    """The latest health score in its band's colour, with the band in words for screen readers."""
    if score is None:
        return format_html('<span class="health none" title="{}">–</span>', humanize.health_band_label(None))
    return format_html('<span class="health {}">{}<span class="sr-only"> / 100, {}</span></span>',
                       humanize.health_band(score), humanize.number(score, 0), humanize.health_band_label(score))


def _quantity(value, unit: str = "") -> str:
    return f"{floatformat(value, '-3')} {unit}".strip()


class AssetTable(Table):
    tag = Column("Tag", "tag", sort=True, css="id", cell=lambda a: format_html(
        '<a href="{}">{}</a> <input type="checkbox" class="pick" name="ids" value="{}" form="label-form" '
        'aria-label="Print a label for {}" title="Print a label">', a.get_absolute_url(), a.tag, a.pk, a.tag))
    name = Column("Name", "name", sort=True)
    site = Column("Site", "site__name", sort=True)
    location = Column("Location", "location__code", sort="location__code",
                      cell=lambda a: link(f"?location={a.location_id}", a.location.code, a.location.name)
                      if a.location_id else EMPTY)
    location_name = Column("Location name", "location__name", show=False)
    category = Column("Category", "category__name", sort=True)
    status = Column("Status", "status", sort=True, cell=lambda a: pill(f"st-{a.status}", a.get_status_display()))
    health = Column("Health", "health", sort=True, css="num", cell=lambda a: health_badge(a.health),
                    csv=lambda a: "" if a.health is None else f"{a.health:.0f}")
    criticality = Column("Criticality", "criticality", sort=True)
    warranty = Column("Warranty", "warranty_end", sort=True, css="id")
    parent = Column("Parent", "parent__tag", css="id",
                    cell=lambda a: link(reverse("assets:detail", args=[a.parent_id]), a.parent.tag)
                    if a.parent_id else EMPTY)
    sensors = Column("Sensors", "sensor_count", css="num")


class PartTable(Table):
    part_number = Column("Part number", "part_number", sort=True, css="id",
                         cell=lambda p: link(p.get_absolute_url(), p.part_number))
    name = Column("Name", "name", sort=True)
    category = Column("Category", "category", sort=True)
    manufacturer = Column("Manufacturer", "manufacturer", sort=True)
    manufacturer_part_number = Column("Manufacturer part number", "manufacturer_part_number")
    unit_cost = Column("Unit cost", "unit_cost", sort=True, css="num", kind="currency")
    on_hand = Column("On hand", "on_hand", sort=True, css="num", cell=lambda p: format_html(
        "{}{}", _quantity(p.on_hand, p.unit), pill("low-pill", "Low") if p.is_low else ""))
    unit = Column("Unit", "unit", show=False)
    low = Column("Low stock", "is_low", show=False)

    def row_class(self, obj) -> str:
        return "low" if obj.is_low else ""


class StockLevelTable(Table):
    part = Column("Part number", "part__part_number", sort=True, css="id", cell=lambda s: format_html(
        '{} <span class="muted">{}</span>', link(s.part.get_absolute_url(), s.part.part_number), s.part.name))
    part_name = Column("Part", "part__name", show=False)
    site = Column("Site", "storeroom__site__name", sort=True)
    storeroom = Column("Storeroom", "storeroom__code", sort=True)
    bin = Column("Bin", "bin_location")
    on_hand = Column("On hand", "on_hand", sort=True, css="num", cell=lambda s: format_html(
        "{}{}", _quantity(s.on_hand, s.part.unit), pill("low-pill", "Low") if s.is_low else ""))
    reorder_point = Column("Reorder at", "reorder_point", sort=True, css="num",
                           cell=lambda s: _quantity(s.reorder_point))
    reorder_quantity = Column("Reorder quantity", "reorder_quantity", css="num",
                              cell=lambda s: _quantity(s.reorder_quantity))

    def row_class(self, obj) -> str:
        return "low" if obj.is_low else ""


class StoreroomTable(Table):
    code = Column("Code", "code", sort=True, css="id",
                  cell=lambda r: link(f"{reverse('assets:stock-list')}?storeroom={r.pk}", r.code))
    name = Column("Name", "name", sort=True)
    site = Column("Site", "site__name", sort=True)
    description = Column("Description", "description", show=False)
    part_count = Column("Parts in stock", "part_count", css="num")
    low_count = Column("Low", "low_count", css="num", cell=lambda r: link(
        f"{reverse('assets:stock-list')}?storeroom={r.pk}&low=true", pill("low-pill", r.low_count))
        if r.low_count else "0")



def _hours_down(d) -> str:
    hours = d.duration.total_seconds() / 3600
    return f"{hours:.1f} h" + (" so far" if d.ended_at is None else "")


class DowntimeTable(Table):
    """Stoppages: the list the reports' downtime figures and bars lead to."""

    asset = Column("Asset", "asset__tag", sort=True, css="id",
                   cell=lambda d: link(d.asset.get_absolute_url(), d.asset.tag, d.asset.name))
    asset_name = Column("Name", "asset__name")
    site = Column("Site", "asset__site__name", sort=True)
    reason = Column("Reason", lambda d: d.get_reason_code_display(), sort="reason_code")
    started_at = Column("Down from", "started_at", sort=True)
    ended_at = Column("Back in service", "ended_at", sort=True,
                      cell=lambda d: pill("st-down", "Still down") if d.ended_at is None else as_text(d.ended_at))
    hours = Column("Hours down", _hours_down, css="num", kind="hours",
                   csv=lambda d: round(d.duration.total_seconds() / 3600, 2))
    note = Column("Note", "note")
