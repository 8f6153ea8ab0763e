"""Admin for spare parts and stock. Writes go through the parts services (validation, audit); the
ledger is read-only here: stock moves through the part page or the API's movement endpoints."""

from django.contrib import admin

from assets import services_parts as stock
from assets.models import BomLine, Part, StockLevel, StockMovement, Storeroom


class ServiceAdmin(admin.ModelAdmin):
    save_service = None

    def save_model(self, request, obj, form, change):
        type(self).save_service(obj, actor=request.user, changes={f: str(form.cleaned_data.get(f))
                                                                  for f in form.changed_data})

    def delete_model(self, request, obj):
        stock.delete_object(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            stock.delete_object(obj, actor=request.user)


class StockLevelInline(admin.TabularInline):
    model = StockLevel
    fields = ["storeroom", "on_hand", "reorder_point", "reorder_quantity", "bin_location"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class BomLineInline(admin.TabularInline):
    model = BomLine
    autocomplete_fields = ["asset"]
    extra = 0


@admin.register(Part)
class PartAdmin(ServiceAdmin):
    list_display = ["part_number", "name", "category", "manufacturer", "unit", "unit_cost"]
    list_filter = ["category", "manufacturer"]
    search_fields = ["part_number", "name", "manufacturer_part_number"]
    inlines = [StockLevelInline, BomLineInline]
    save_service = stock.save_part

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            stock.delete_object(obj, actor=request.user)
        for obj in instances:
            stock.save_bom_line(obj, actor=request.user)


@admin.register(Storeroom)
class StoreroomAdmin(ServiceAdmin):
    list_display = ["code", "name", "site"]
    list_filter = ["site"]
    search_fields = ["code", "name"]
    save_service = stock.save_storeroom


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = ["part", "storeroom", "on_hand", "reorder_point", "reorder_quantity", "bin_location"]
    list_filter = ["storeroom__site", "storeroom"]
    search_fields = ["part__part_number", "part__name", "bin_location"]
    list_select_related = ["part", "storeroom"]
    autocomplete_fields = ["part", "storeroom"]
    readonly_fields = ["on_hand"]

    def get_readonly_fields(self, request, obj=None):
        return ["part", "storeroom", "on_hand"] if obj else ["on_hand"]

    def save_model(self, request, obj, form, change):
        saved = stock.set_reorder_levels(obj.part, obj.storeroom, actor=request.user,
                                         reorder_point=obj.reorder_point, reorder_quantity=obj.reorder_quantity,
                                         bin_location=obj.bin_location)
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False  # a stock row carries ledger history


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "part", "storeroom", "quantity", "balance_after", "reference", "created_by"]
    list_filter = ["kind", "storeroom__site", "storeroom"]
    search_fields = ["part__part_number", "reference", "note"]
    list_select_related = ["part", "storeroom", "created_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BomLine)
class BomLineAdmin(ServiceAdmin):
    list_display = ["asset", "part", "quantity", "note"]
    list_filter = ["asset__site"]
    search_fields = ["asset__tag", "part__part_number"]
    autocomplete_fields = ["asset", "part"]
    list_select_related = ["asset", "part"]
    save_service = stock.save_bom_line
