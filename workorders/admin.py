"""Admin of work orders and their parts; writes to orders go through the services (audit, events,
SLA, version), the ledgers (status changes, time, parts) are read-only here."""

from django.contrib import admin

from workorders import services
from workorders.models import (
    Attachment,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Comment,
    FailureCode,
    LabourRate,
    PartUsage,
    SavedView,
    SlaPolicy,
    StatusChange,
    Team,
    TimeEntry,
    WorkOrder,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ["at", "from_status", "to_status", "actor", "note"]


class ChecklistItemInline(ReadOnlyInline):
    model = ChecklistItem
    fk_name = "work_order"
    fields = ["position", "label", "kind", "passed", "number", "text", "done_by", "done_at", "follow_up"]


class TimeEntryInline(ReadOnlyInline):
    model = TimeEntry
    fields = ["user", "started_at", "ended_at", "hours", "hourly_rate", "note"]


class PartUsageInline(ReadOnlyInline):
    model = PartUsage
    fields = ["part", "storeroom", "quantity", "unit_cost", "movement", "issued_by", "issued_at"]


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "site", "asset", "kind", "priority", "status", "assignee", "due_at", "created_at"]
    list_filter = ["status", "priority", "kind", "site"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["asset", "assignee", "site", "assignees", "blocked_by", "follow_up_of"]
    list_select_related = ["site", "asset", "assignee"]
    readonly_fields = ["status", "version", "created_by", "created_at", "updated_at", "completed_at", "actual_hours",
                       "labour_cost", "parts_cost", "outcome"]
    inlines = [StatusChangeInline, ChecklistItemInline, TimeEntryInline, PartUsageInline]

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in services.EDITABLE_FIELDS if f in form.cleaned_data}
        if change:
            changed = {f: v for f, v in data.items() if f in form.changed_data}
            services.update_work_order(WorkOrder.objects.get(pk=obj.pk), actor=request.user, **changed)
            obj.refresh_from_db()
            return
        data = {k: v for k, v in data.items() if v is not None}
        asset = data.pop("asset", None)
        wo = services.create_work_order(actor=request.user, asset=asset, site=form.cleaned_data.get("site"),
                                        assignees=form.cleaned_data.get("assignees") or [], **data)
        obj.pk = wo.pk
        obj.refresh_from_db()


class ChecklistTemplateItemInline(admin.TabularInline):
    model = ChecklistTemplateItem
    extra = 1
    fields = ["position", "label", "kind", "unit", "min_value", "max_value", "required"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "created_at"]
    search_fields = ["name"]
    inlines = [ChecklistTemplateItemInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "site"]
    list_filter = ["site"]
    search_fields = ["name"]
    filter_horizontal = ["members"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["priority", "resolve_within"]


@admin.register(FailureCode)
class FailureCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "description", "category", "active"]
    list_filter = ["kind", "active", "category"]
    search_fields = ["code", "description"]


@admin.register(LabourRate)
class LabourRateAdmin(admin.ModelAdmin):
    list_display = ["user", "hourly_rate"]
    autocomplete_fields = ["user"]


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "query", "created_at"]
    search_fields = ["name", "user__username"]


class LedgerAdmin(admin.ModelAdmin):
    """Rows written by the services: shown, not edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(LedgerAdmin):
    list_display = ["work_order", "from_status", "to_status", "actor", "at"]
    list_filter = ["to_status"]
    list_select_related = ["work_order", "actor"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(LedgerAdmin):
    list_display = ["label", "work_order", "kind", "done_by", "done_at"]
    list_select_related = ["work_order", "done_by"]


@admin.register(Comment)
class CommentAdmin(LedgerAdmin):
    list_display = ["work_order", "author", "created_at"]
    search_fields = ["body"]
    list_select_related = ["work_order", "author"]


@admin.register(Attachment)
class AttachmentAdmin(LedgerAdmin):
    list_display = ["__str__", "work_order", "kind", "size", "uploaded_by", "created_at"]
    list_select_related = ["work_order", "uploaded_by"]


@admin.register(TimeEntry)
class TimeEntryAdmin(LedgerAdmin):
    list_display = ["work_order", "user", "started_at", "ended_at", "hours", "hourly_rate"]
    list_filter = ["user"]
    list_select_related = ["work_order", "user"]


@admin.register(PartUsage)
class PartUsageAdmin(LedgerAdmin):
    list_display = ["work_order", "part", "storeroom", "quantity", "unit_cost", "issued_at"]
    list_select_related = ["work_order", "part", "storeroom"]


from workorders import admin_planning  # noqa: E402, F401  requests, preventive schedules, projects
