from django.contrib import admin

from assets.models import Asset, AssetCategory, Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "timezone", "created_at"]
    search_fields = ["code", "name"]


@admin.register(AssetCategory)
class AssetCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["tag", "name", "site", "category", "status", "criticality", "parent"]
    list_filter = ["site", "category", "status", "criticality"]
    search_fields = ["tag", "name", "serial_number"]
    autocomplete_fields = ["parent", "category", "site"]
    list_select_related = ["site", "category", "parent"]
