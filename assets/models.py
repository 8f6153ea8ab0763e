"""Sites, locations, asset categories and the asset tree; status history, downtime, meters and
documents of assets."""

import uuid
import zoneinfo

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone

from assets.attributes import clean_values, validate_schema
from assets.calendar import format_operating_hours, validate_operating_hours, weekly_hours
from assets.choices import (
    AssetStatus,
    Criticality,
    DocumentKind,
    LocationKind,
    MeterKind,
    ReadingSource,
    StatusReason,
)
from prosync.core.permissions import SiteScopedManager, SiteScopedQuerySet


class Site(models.Model):
    site_field = ""  # a site is its own scope

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=255, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    operating_hours = models.JSONField(
        default=dict, blank=True,
        help_text="When the equipment is meant to run, by weekday in the site's time zone; empty: 24/7. "
                  "Availability is measured over these hours.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            validate_operating_hours(self.operating_hours)
        except ValidationError as exc:
            raise ValidationError({"operating_hours": exc.messages}) from exc
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError({"timezone": f"“{self.timezone}” is not a time zone, e.g. Europe/Paris."}) from exc

    @property
    def operating_hours_text(self) -> str:
        return format_operating_hours(self.operating_hours) or "24/7"

    @property
    def weekly_operating_hours(self) -> float:
        return weekly_hours(self.operating_hours)


class Location(models.Model):
    """A place on a site (area, building, line, room, ...), in a tree of any depth. ``path`` holds
    the ids from the root down to this location ("/3/8/21/"), kept by the services, so that a
    subtree is one indexed prefix match."""

    site_field = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="locations")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    kind = models.CharField(max_length=20, choices=LocationKind.choices, default=LocationKind.AREA)
    code = models.CharField(max_length=40, help_text="Short code, unique within the site, e.g. B1-R3.")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    path = models.CharField(max_length=1000, editable=False, default="", db_index=True)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    search_document = models.GeneratedField(  # the global search's document, kept by PostgreSQL
        expression=SearchVector("code", "name", weight="A", config="english")
        + SearchVector("description", weight="C", config="english"),
        output_field=SearchVectorField(), db_persist=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["site", "path"]
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="unique_location_code_per_site")]
        indexes = [models.Index(fields=["path"], name="assets_location_path_like",
                                opclasses=["varchar_pattern_ops"]),
                   GinIndex(fields=["search_document"], name="location_search_document"),
                   GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="location_name_trgm")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:location-detail", args=[self.pk])

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p][:-1]

    def ancestors(self) -> list["Location"]:
        """From the root down to the parent, in one query."""
        ids = self.ancestor_ids()
        found = Location.objects.in_bulk(ids)
        return [found[i] for i in ids if i in found]

    def clean(self) -> None:
        if self.parent_id is None:
            return
        if self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": "A location cannot be its own parent."})
        parent = Location.objects.filter(pk=self.parent_id).only("site_id", "path").first()
        if parent is None:
            return
        if self.site_id and parent.site_id != self.site_id:
            raise ValidationError({"parent": "The parent location must be on the same site."})
        if self.pk and f"/{self.pk}/" in parent.path:
            raise ValidationError({"parent": "This would put the location inside its own subtree (a cycle)."})


class AssetCategory(models.Model):
    """Kind of equipment; prediction models are trained and activated per category. The
    attribute schema lists the fields assets of this category carry (e.g. a pump's rated flow)."""

    site_field = None

    name = models.CharField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    attribute_schema = models.JSONField(
        default=list, blank=True,
        help_text='List of attributes: [{"key": "rated_flow", "label": "Rated flow", "type": "number", '
                  '"unit": "m³/h", "required": true}]; types: text, number, integer, boolean, date, choice '
                  '(with "choices": [...]).')

    objects = SiteScopedManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "asset categories"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            self.attribute_schema = validate_schema(self.attribute_schema)
        except ValidationError as exc:
            raise ValidationError({"attribute_schema": exc.messages}) from exc


# The columns the register's search looks in (pages and API alike).
SEARCH_COLUMNS = ("tag", "name", "serial_number", "manufacturer")


class Asset(models.Model):
    site_field = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="assets")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="assets")
    category = models.ForeignKey(AssetCategory, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="assets")
    tag = models.CharField(max_length=40, help_text="Plant tag, unique within the site, e.g. P-101.")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=AssetStatus.choices, default=AssetStatus.OPERATIONAL,
                              help_text="Changed through a status change (with a reason code), which records "
                                        "downtime.")
    criticality = models.CharField(max_length=1, choices=Criticality.choices, default=Criticality.B)
    manufacturer = models.CharField(max_length=100, blank=True)
    model_number = models.CharField(max_length=100, blank=True)
    serial_number = models.CharField(max_length=100, blank=True)
    install_date = models.DateField(null=True, blank=True)
    warranty_end = models.DateField(null=True, blank=True)
    purchase_cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    qr_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The global search's document, kept by PostgreSQL: ranking reads it instead of parsing every row.
    search_document = models.GeneratedField(
        expression=SearchVector("tag", "name", weight="A", config="english")
        + SearchVector("manufacturer", "model_number", "serial_number", weight="B", config="english")
        + SearchVector("description", weight="C", config="english"),
        output_field=SearchVectorField(), db_persist=True)

    objects = SiteScopedManager()

    class Meta:
        # The order of the (site, tag) unique index; "site" would sort by name through a join.
        ordering = ["site_id", "tag"]
        constraints = [models.UniqueConstraint(fields=["site", "tag"], name="unique_asset_tag_per_site")]
        indexes = [models.Index(fields=["site", "status"]), models.Index(fields=["warranty_end"]),
                   models.Index(fields=["name"]),  # the register sorted by name
                   # The register's search (icontains: UPPER(column) LIKE '%…%') on any of its columns,
                   # found through trigrams instead of reading every asset.
                   *(GinIndex(OpClass(Upper(column), name="gin_trgm_ops"), name=f"asset_{column}_trgm")
                     for column in SEARCH_COLUMNS),
                   GinIndex(fields=["search_document"], name="asset_search_document")]

    def __str__(self) -> str:
        return f"{self.tag} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:detail", args=[self.pk])

    @property
    def category_name(self) -> str | None:
        """The category's name: as the query read it with the row (``category_label``, as the
        API's lists do, without making a category of every row), else from the category."""
        if "category_label" in self.__dict__:
            return self.__dict__["category_label"]
        return self.category.name if self.category_id else None

    def ancestors(self) -> list["Asset"]:
        """From the root down to the parent, in one query (a recursive CTE), or none when the
        parents up to the top came with the asset (select_related("parent__parent"))."""
        chain, node = [], self
        while node.parent_id is not None and Asset.parent.is_cached(node):
            node = node.parent
            chain.append(node)
        if node.parent_id is None:
            return chain[::-1]
        return list(Asset.objects.raw(
            """WITH RECURSIVE up(id, parent_id, depth) AS (
                   SELECT id, parent_id, 1 FROM assets_asset WHERE id = %s
                   UNION ALL
                   SELECT a.id, a.parent_id, up.depth + 1 FROM assets_asset a JOIN up ON a.id = up.parent_id
                   WHERE up.depth < 100)
               SELECT a.* FROM assets_asset a JOIN up ON a.id = up.id ORDER BY up.depth DESC""",
            [self.parent_id]))

    def ancestor_ids(self, start_id: int | None = None) -> list[int]:
        """Ids from ``start_id`` (default: the parent) up to the root, in one query."""
        start_id = self.parent_id if start_id is None else start_id
        if start_id is None:
            return []
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(
                """WITH RECURSIVE up(id, parent_id, depth) AS (
                       SELECT id, parent_id, 1 FROM assets_asset WHERE id = %s
                       UNION ALL
                       SELECT a.id, a.parent_id, up.depth + 1 FROM assets_asset a JOIN up ON a.id = up.parent_id
                       WHERE up.depth < 1000)
                   SELECT id FROM up ORDER BY depth""", [start_id])
            return [row[0] for row in cur.fetchall()]

    def clean(self) -> None:
        errors = {}
        if self.category_id:
            schema = (self.category if self.category and self.category.pk == self.category_id
                      else AssetCategory.objects.get(pk=self.category_id)).attribute_schema
        else:
            schema = []
        try:
            self.attributes = clean_values(validate_schema(schema), self.attributes)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if self.location_id and self.site_id:
            loc_site = Location.objects.filter(pk=self.location_id).values_list("site_id", flat=True).first()
            if loc_site is not None and loc_site != self.site_id:
                errors["location"] = ["The location must be on the asset's site."]
        if self.parent_id is not None:
            if self.parent_id == self.pk:
                errors["parent"] = ["An asset cannot be its own parent."]
            else:
                parent_site = Asset.objects.filter(pk=self.parent_id).values_list("site_id", flat=True).first()
                if parent_site is not None and self.site_id and parent_site != self.site_id:
                    errors["parent"] = ["The parent asset must be on the same site."]
                elif self.pk and self.pk in self.ancestor_ids():
                    errors["parent"] = ["This would put the asset inside its own subtree (a cycle)."]
        if self.warranty_end and self.install_date and self.warranty_end < self.install_date:
            errors["warranty_end"] = ["The warranty cannot end before the install date."]
        if self.purchase_cost is not None and self.purchase_cost < 0:
            errors["purchase_cost"] = ["The purchase cost cannot be negative."]
        if errors:
            raise ValidationError(errors)

    def attribute_rows(self) -> list[tuple[dict, object]]:
        """(definition, value) for each attribute of the category, for display."""
        schema = self.category.attribute_schema if self.category_id else []
        return [(d, self.attributes.get(d["key"])) for d in validate_schema(schema)]


class AssetStatusChange(models.Model):
    """Every change of an asset's status: who, when, from, to, and why."""

    site_field = "asset__site"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=AssetStatus.choices)
    to_status = models.CharField(max_length=20, choices=AssetStatus.choices)
    reason_code = models.CharField(max_length=30, choices=StatusReason.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="asset_status_changes")

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["asset", "-at"])]

    def __str__(self) -> str:
        return f"{self.asset.tag}: {self.from_status} → {self.to_status}"


class Downtime(models.Model):
    """A period an asset was down: opened when it goes to "down", closed when it leaves it.
    Work orders link to it from their side."""

    site_field = "asset__site"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="downtimes")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason_code = models.CharField(max_length=30, choices=StatusReason.choices)
    note = models.TextField(blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["asset", "started_at"])]
        constraints = [
            models.UniqueConstraint(fields=["asset"], condition=models.Q(ended_at__isnull=True),
                                    name="one_open_downtime_per_asset"),
            models.CheckConstraint(condition=models.Q(ended_at__isnull=True)
                                   | models.Q(ended_at__gte=models.F("started_at")),
                                   name="downtime_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.asset.tag} down from {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def duration(self):
        return (self.ended_at or timezone.now()) - self.started_at


class Meter(models.Model):
    """A counter on an asset (running hours, cycles, ...). A running-hours meter with
    ``rolls_down`` follows the running-hours meter of its asset's parent: what the parent runs,
    it runs."""

    site_field = "asset__site"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="meters")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=MeterKind.choices, default=MeterKind.RUNNING_HOURS)
    unit = models.CharField(max_length=20, default="h", blank=True)
    current_value = models.DecimalField(max_digits=16, decimal_places=3, default=0)
    last_reading_at = models.DateTimeField(null=True, blank=True, editable=False)
    rolls_down = models.BooleanField(
        default=False, help_text="Follow the parent asset's running-hours meter (readings roll down to this one).")

    objects = SiteScopedManager()

    class Meta:
        ordering = ["asset", "name"]
        constraints = [models.UniqueConstraint(fields=["asset", "name"], name="unique_meter_name_per_asset")]

    def __str__(self) -> str:
        return f"{self.asset.tag} · {self.name}"

    def clean(self) -> None:
        if self.rolls_down and self.kind != MeterKind.RUNNING_HOURS:
            raise ValidationError({"rolls_down": "Only running-hours meters can follow their parent's hours."})


class MeterReading(models.Model):
    site_field = "meter__asset__site"

    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="readings")
    value = models.DecimalField(max_digits=16, decimal_places=3)
    at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, choices=ReadingSource.choices, default=ReadingSource.MANUAL)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="meter_readings")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["meter", "-at"])]

    def __str__(self) -> str:
        return f"{self.meter}: {self.value} at {self.at:%Y-%m-%d %H:%M}"


def document_upload_path(instance, filename: str) -> str:
    return f"asset-documents/{instance.asset_id}/{uuid.uuid4().hex[:12]}/{filename}"


class AssetDocument(models.Model):
    """A manual, drawing or photo of an asset, kept through Django's storage API and served only
    through a permission-checked view."""

    site_field = "asset__site"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices, default=DocumentKind.DOCUMENT)
    title = models.CharField(max_length=160)
    file = models.FileField(upload_to=document_upload_path, max_length=300)
    thumbnail = models.FileField(upload_to=document_upload_path, max_length=300, blank=True, editable=False)
    original_name = models.CharField(max_length=255, editable=False)
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveBigIntegerField(editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    search_document = models.GeneratedField(  # the global search's document, kept by PostgreSQL
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("original_name", weight="B", config="english"),
        output_field=SearchVectorField(), db_persist=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [GinIndex(fields=["search_document"], name="assetdocument_search_document"),
                   GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="assetdocument_title_trgm")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("assets:document-download", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.kind == DocumentKind.PHOTO


# --- Spare parts and stock ---------------------------------------------------------------------
# The catalogue is shared by every site; stock lives in storerooms, each on one site. The ledger
# (StockMovement) is the truth: StockLevel.on_hand is a cache of its sum per part and storeroom,
# written in the same transaction as the movement, under a row lock.

from assets.choices import MovementKind  # noqa: E402 (kept with the section it serves)

QUANTITY = {"max_digits": 14, "decimal_places": 3}


def part_photo_path(instance, filename: str) -> str:
    return f"parts/{instance.part_number}/{filename}"


class Part(models.Model):
    site_field = None  # one catalogue for every site

    part_number = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=16, default="pcs", help_text="Unit of issue: pcs, m, l, kg, set...")
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    manufacturer = models.CharField(max_length=100, blank=True)
    manufacturer_part_number = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=80, blank=True, help_text="Bearings, seals, filters, belts...")
    photo = models.ImageField(upload_to=part_photo_path, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_document = models.GeneratedField(  # the global search's document, kept by PostgreSQL
        expression=SearchVector("part_number", "name", weight="A", config="english")
        + SearchVector("manufacturer", "manufacturer_part_number", "category", weight="B", config="english")
        + SearchVector("description", weight="C", config="english"),
        output_field=SearchVectorField(), db_persist=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["part_number"]
        indexes = [GinIndex(fields=["search_document"], name="part_search_document"),
                   GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="part_name_trgm")]

    def __str__(self) -> str:
        return f"{self.part_number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:part-detail", args=[self.pk])

    def clean(self) -> None:
        if self.unit_cost is not None and self.unit_cost < 0:
            raise ValidationError({"unit_cost": "The unit cost cannot be negative."})


class Storeroom(models.Model):
    site_field = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="storerooms")
    code = models.SlugField(max_length=32)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["site__name", "code"]
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="unique_storeroom_code_per_site")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StockLevelQuerySet(SiteScopedQuerySet):
    def low(self):
        """At or below the reorder point (only where a reorder point is set)."""
        return self.filter(reorder_point__gt=0, on_hand__lte=models.F("reorder_point"))


class StockLevel(models.Model):
    """Stock of one part in one storeroom. ``on_hand`` is only ever written by the stock services,
    together with the ledger row that explains it."""

    site_field = "storeroom__site"

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock_levels")
    storeroom = models.ForeignKey(Storeroom, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.DecimalField(default=0, editable=False, **QUANTITY)
    reorder_point = models.DecimalField(default=0, help_text="Low-stock alert when on hand falls to this.", **QUANTITY)
    reorder_quantity = models.DecimalField(default=0, help_text="How much to order when low.", **QUANTITY)
    bin_location = models.CharField(max_length=40, blank=True, help_text="Shelf or bin, e.g. A-03-2.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        ordering = ["part__part_number", "storeroom__code"]
        constraints = [
            models.UniqueConstraint(fields=["part", "storeroom"], name="unique_stock_level"),
            models.CheckConstraint(condition=models.Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=models.Q(reorder_point__gte=0, reorder_quantity__gte=0),
                                   name="stock_reorder_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.part.part_number} @ {self.storeroom.code}: {self.on_hand}"

    @property
    def is_low(self) -> bool:
        return self.reorder_point > 0 and self.on_hand <= self.reorder_point

    def clean(self) -> None:
        errors = {}
        if self.reorder_point is not None and self.reorder_point < 0:
            errors["reorder_point"] = "The reorder point cannot be negative."
        if self.reorder_quantity is not None and self.reorder_quantity < 0:
            errors["reorder_quantity"] = "The reorder quantity cannot be negative."
        if errors:
            raise ValidationError(errors)


class StockMovement(models.Model):
    """One row of the stock ledger; never updated or deleted. ``quantity`` is signed: positive
    into the storeroom, negative out of it. A transfer is two rows sharing ``transfer_id``."""

    site_field = "storeroom__site"

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements")
    storeroom = models.ForeignKey(Storeroom, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=16, choices=MovementKind.choices)
    quantity = models.DecimalField(**QUANTITY)
    balance_after = models.DecimalField(help_text="On hand in this storeroom right after the movement.", **QUANTITY)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    reference = models.CharField(max_length=60, blank=True, db_index=True,
                                 help_text="Work order, purchase order or delivery note, e.g. WO-00042.")
    note = models.CharField(max_length=255, blank=True)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="stock_movements")
    transfer_id = models.UUIDField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["part", "storeroom", "created_at"])]
        constraints = [models.CheckConstraint(condition=~models.Q(quantity=0), name="stock_movement_not_zero")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} {self.part.part_number} @ {self.storeroom.code}"


class BomLine(models.Model):
    """Bill of materials: a part that fits an asset, and how many the asset holds."""

    site_field = "asset__site"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="bom_lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="bom_lines")
    quantity = models.DecimalField(default=1, **QUANTITY)
    note = models.CharField(max_length=200, blank=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["asset", "part__part_number"]
        verbose_name = "bill of materials line"
        constraints = [models.UniqueConstraint(fields=["asset", "part"], name="unique_bom_line")]

    def __str__(self) -> str:
        return f"{self.asset.tag}: {self.quantity} × {self.part.part_number}"

    def clean(self) -> None:
        if self.quantity is not None and self.quantity <= 0:
            raise ValidationError({"quantity": "The quantity must be greater than zero."})
