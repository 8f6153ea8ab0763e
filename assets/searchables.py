"""What the assets app offers to the header's global search: assets, locations, parts and documents."""

from django.db.models import Q

from prosync.core.search import Searchable, register


def _asset_context(asset) -> str:
    make = " ".join(x for x in (asset.manufacturer, asset.model_number) if x)
    place = asset.location.name if asset.location_id else ""
    return " · ".join(x for x in (asset.get_status_display(), asset.site.name, place, make,
                                  f"S/N {asset.serial_number}" if asset.serial_number else "") if x)


def _location_context(location) -> str:
    return " · ".join(x for x in (location.get_kind_display(), location.site.name) if x)


def _part_context(part) -> str:
    make = " ".join(x for x in (part.manufacturer, part.manufacturer_part_number) if x)
    return " · ".join(x for x in (part.category, make) if x)


def _document_context(document) -> str:
    return " · ".join(x for x in (document.get_kind_display(), document.original_name,
                                  f"{document.asset.tag} {document.asset.name}") if x)


def register_searchables() -> None:
    from assets.models import Asset, AssetDocument, Location, Part

    register(Searchable(
        "asset", "Assets", Asset, document="search_document", similar=("tag", "name", "manufacturer"),
        exact=lambda q: Q(tag__iexact=q) | Q(serial_number__iexact=q),
        context=_asset_context, select_related=("site", "location"), order=10))
    register(Searchable(
        "location", "Locations", Location, document="search_document", similar=("name",),
        exact=lambda q: Q(code__iexact=q), context=_location_context, select_related=("site",), order=20))
    register(Searchable(
        "part", "Parts", Part, document="search_document", similar=("name",),
        exact=lambda q: Q(part_number__iexact=q) | Q(manufacturer_part_number__iexact=q),
        context=_part_context, order=50))
    register(Searchable(
        "document", "Documents", AssetDocument, document="search_document", similar=("title",),
        context=_document_context, select_related=("asset",), order=60))
