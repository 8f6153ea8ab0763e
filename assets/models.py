"""Sites, asset categories and the asset tree."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from assets.choices import AssetStatus, Criticality
from prosync.permissions import SiteScopedManager


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
