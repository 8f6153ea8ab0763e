"""Admin for the asset register. Writes go through assets.services like everywhere else; the
status history and downtime are read-only here (they are written by status changes)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from assets import services
from assets.calendar import format_operating_hours, parse_operating_hours
from assets.models import (
    Asset,
    AssetCategory,
    AssetDocument,
    AssetStatusChange,
    Downtime,
    Location,
    Meter,
    MeterReading,
    Site,
)


class SiteForm(forms.ModelForm):
    """The operating calendar as lines a planner writes ("Mon-Fri 06:00-22:00"), not JSON."""

    operating_hours = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One line per group of days, e.g. “Mon-Fri 06:00-14:00, 14:00-22:00” and “Sat 06:00-12:00”, "
                  "in the site's time zone. Days not listed: closed. Empty: runs 24/7. Availability is measured "
                  "over these hours.")

    class Meta:
        model = Site
        fields = ["code", "name", "address", "timezone", "operating_hours"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["operating_hours"] = format_operating_hours(self.instance.operating_hours)

    def clean_operating_hours(self):
        return parse_operating_hours(self.cleaned_data.get("operating_hours") or "")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    form = SiteForm
    list_display = ["code", "name", "timezone", "operating_hours_text", "created_at"]
    search_fields = ["code", "name"]


@admin.register(AssetCategory)
class AssetCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


class ServiceAdmin(admin.ModelAdmin):
    """Saves and deletes through the app's services (audit trail, events, tree upkeep)."""

    service_fields: tuple[str, ...] = ()

    def _fields(self, obj, form, change):
        names = form.changed_data if change else self.service_fields
        return {f: getattr(obj, f) for f in names if f in self.service_fields}

    def _adopt(self, obj, saved):
        obj.pk = saved.pk
        obj._state.adding = False
        for f in saved._meta.concrete_fields:
            setattr(obj, f.attname, getattr(saved, f.attname))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def _refused(self, request, exc: ValidationError):
        self.message_user(request, "; ".join(exc.messages), level=messages.ERROR)


class StatusChangeInline(admin.TabularInline):
    model = AssetStatusChange
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "reason_code", "note", "user"]
    readonly_fields = fields
    ordering = ["-at"]

    def has_add_permission(self, request, obj=None):
        return False


class MeterInline(admin.TabularInline):
    model = Meter
    extra = 0
    fields = ["name", "kind", "unit", "current_value", "last_reading_at", "rolls_down"]
    readonly_fields = ["current_value", "last_reading_at"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Asset)
class AssetAdmin(ServiceAdmin):
    list_display = ["tag", "name", "site", "location", "category", "status", "criticality", "parent", "warranty_end"]
    list_filter = ["site", "category", "status", "criticality"]
    search_fields = ["tag", "name", "serial_number"]
    autocomplete_fields = ["parent", "category", "site", "location"]
    list_select_related = ["site", "category", "parent", "location"]
    readonly_fields = ["qr_token", "created_at", "updated_at"]
    inlines = [MeterInline, StatusChangeInline]
    service_fields = services.ASSET_FIELDS

    def get_readonly_fields(self, request, obj=None):
        # once created, the status changes through a status change (reason code, downtime)
        return [*self.readonly_fields, "status", "site"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            services.update_asset(obj, actor=request.user, **self._fields(obj, form, change))
        else:
            self._adopt(obj, services.create_asset(actor=request.user, status=obj.status,
                                                   **self._fields(obj, form, change)))

    def delete_model(self, request, obj):
        try:
            services.delete_asset(obj, actor=request.user)
        except ValidationError as exc:
            self._refused(request, exc)


@admin.register(Location)
class LocationAdmin(ServiceAdmin):
    list_display = ["code", "name", "kind", "site", "parent", "depth"]
    list_filter = ["site", "kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["site", "parent"]
    readonly_fields = ["path", "depth"]
    list_select_related = ["site", "parent"]
    service_fields = services.LOCATION_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "site"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            services.update_location(obj, actor=request.user, **self._fields(obj, form, change))
        else:
            self._adopt(obj, services.create_location(actor=request.user, **self._fields(obj, form, change)))

    def delete_model(self, request, obj):
        try:
            services.delete_location(obj, actor=request.user)
        except ValidationError as exc:
            self._refused(request, exc)


@admin.register(AssetStatusChange)
class AssetStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["asset", "at", "from_status", "to_status", "reason_code", "user"]
    list_filter = ["to_status", "reason_code"]
    search_fields = ["asset__tag", "note"]
    list_select_related = ["asset", "user"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Downtime)
class DowntimeAdmin(admin.ModelAdmin):
    list_display = ["asset", "started_at", "ended_at", "reason_code", "started_by"]
    list_filter = ["reason_code", ("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["asset__tag", "note"]
    list_select_related = ["asset", "started_by"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Meter)
class MeterAdmin(ServiceAdmin):
    list_display = ["asset", "name", "kind", "current_value", "unit", "last_reading_at", "rolls_down"]
    list_filter = ["kind", "rolls_down"]
    search_fields = ["asset__tag", "name"]
    autocomplete_fields = ["asset"]
    list_select_related = ["asset"]
    readonly_fields = ["last_reading_at"]
    service_fields = services.METER_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "current_value", "asset"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            services.update_meter(obj, actor=request.user, **self._fields(obj, form, change))
        else:
            self._adopt(obj, services.create_meter(actor=request.user, initial_value=obj.current_value,
                                                   **self._fields(obj, form, change)))

    def delete_model(self, request, obj):
        services.delete_meter(obj, actor=request.user)


@admin.register(MeterReading)
class MeterReadingAdmin(admin.ModelAdmin):
    list_display = ["meter", "value", "at", "source", "user"]
    list_filter = ["source"]
    search_fields = ["meter__asset__tag", "meter__name"]
    autocomplete_fields = ["meter"]
    list_select_related = ["meter__asset", "user"]
    fields = ["meter", "value", "at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.record_meter_reading(obj.meter, obj.value, at=obj.at, actor=request.user)
        obj.pk = saved.pk
        obj._state.adding = False


class AssetDocumentAdminForm(forms.ModelForm):
    class Meta:
        model = AssetDocument
        fields = ["asset", "title", "file"]

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded and self.instance.pk is None:
            try:
                services.check_upload(uploaded)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict.get("file", exc.messages)) from exc
        return uploaded


@admin.register(AssetDocument)
class AssetDocumentAdmin(admin.ModelAdmin):
    form = AssetDocumentAdminForm
    list_display = ["title", "asset", "kind", "original_name", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["title", "original_name", "asset__tag"]
    autocomplete_fields = ["asset"]
    list_select_related = ["asset", "uploaded_by"]
    readonly_fields = ["kind", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "asset", "file"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)  # the title only
            return
        saved = services.upload_document(obj.asset, form.cleaned_data["file"], actor=request.user, title=obj.title)
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.delete_document(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


import assets.admin_parts  # noqa: E402,F401  (spare parts and stock)
