"""Sites, asset categories and the asset tree."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from assets.choices import AssetStatus, Criticality
from prosync.permissions import SiteScopedManager, SiteScopedQuerySet


class Site(models.Model):
    site_field = ""  # a site is its own scope

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=255, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AssetCategory(models.Model):
    """Kind of equipment; prediction models are trained and activated per category."""

    site_field = None

    name = models.CharField(max_length=80, unique=True)
    description = models.TextField(blank=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "asset categories"

    def __str__(self) -> str:
        return self.name


class Asset(models.Model):
    site_field = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="assets")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    category = models.ForeignKey(AssetCategory, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="assets")
    tag = models.CharField(max_length=40, help_text="Plant tag, unique within the site, e.g. P-101.")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=AssetStatus.choices, default=AssetStatus.OPERATIONAL)
    criticality = models.CharField(max_length=1, choices=Criticality.choices, default=Criticality.B)
    manufacturer = models.CharField(max_length=100, blank=True)
    model_number = models.CharField(max_length=100, blank=True)
    serial_number = models.CharField(max_length=100, blank=True)
    install_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["site", "tag"]
        constraints = [models.UniqueConstraint(fields=["site", "tag"], name="unique_asset_tag_per_site")]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return f"{self.tag} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:detail", args=[self.pk])

    def ancestors(self) -> list["Asset"]:
        """From the root down to the parent; one query per level (trees are shallow)."""
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return chain[::-1]

    def clean(self) -> None:
        if self.parent_id is None:
            return
        if self.parent_id == self.pk:
            raise ValidationError({"parent": "An asset cannot be its own parent."})
        parent = Asset.objects.filter(pk=self.parent_id).only("site_id", "parent_id").first()
        if parent is None:
            return
        if self.site_id and parent.site_id != self.site_id:
            raise ValidationError({"parent": "The parent asset must be on the same site."})
        if self.pk:
            node, seen = parent, set()
            while node is not None and node.pk not in seen:
                if node.pk == self.pk:
                    raise ValidationError({"parent": "This would make the asset its own ancestor (a cycle)."})
                seen.add(node.pk)
                node = node.parent


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

    objects = SiteScopedManager()

    class Meta:
        ordering = ["part_number"]

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
