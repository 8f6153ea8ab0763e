"""Admin of requests, preventive schedules and projects; writes go through the services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from workorders import services_planning
from workorders.models import (
    PMOccurrence,
    PreventiveSchedule,
    PreventiveSchedulePart,
    Project,
    ProjectOrder,
    WorkRequest,
    WorkRequestPhoto,
)


class WorkRequestPhotoInline(admin.TabularInline):
    model = WorkRequestPhoto
    extra = 0
    readonly_fields = ["image", "content_type", "size", "created_at"]
    can_delete = False


@admin.register(WorkRequest)
class WorkRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "site", "asset", "channel", "status", "priority", "created_at"]
    list_filter = ["status", "channel", "priority", "site"]
    search_fields = ["title", "description", "reporter_name", "reporter_contact"]
    autocomplete_fields = ["site", "asset", "requested_by"]
    list_select_related = ["site", "asset"]
    readonly_fields = ["status", "decided_by", "decided_at", "reason", "work_order", "channel", "created_at"]
    inlines = [WorkRequestPhotoInline]
    actions = ["approve_selected"]

    @admin.action(description="Approve selected pending requests into corrective work orders")
    def approve_selected(self, request, queryset):
        done = 0
        for wr in queryset.filter(status="pending"):
            try:
                services_planning.approve_request(wr, actor=request.user)
                done += 1
            except (PermissionDenied, services_planning.RequestAlreadyDecided) as exc:
                self.message_user(request, f"{wr}: {exc}", messages.WARNING)
        self.message_user(request, f"{done} request(s) approved.")


class PreventiveSchedulePartInline(admin.TabularInline):
    model = PreventiveSchedulePart
    extra = 0
    autocomplete_fields = ["part"]


@admin.register(PreventiveSchedule)
class PreventiveScheduleAdmin(admin.ModelAdmin):
    list_display = ["title", "asset", "trigger", "rule", "assignee", "priority", "active"]
    list_filter = ["trigger", "active", "priority", "asset__site"]
    search_fields = ["title", "asset__tag"]
    autocomplete_fields = ["asset", "meter", "assignee"]
    list_select_related = ["asset", "meter", "assignee"]
    inlines = [PreventiveSchedulePartInline]
    actions = ["generate_now"]

    def save_model(self, request, obj, form, change):
        services_planning.save_schedule(obj, actor=request.user)

    @admin.action(description="Generate the due order now (if not generated yet)")
    def generate_now(self, request, queryset):
        created = [wo for wo in (services_planning.generate_for_schedule(s.pk) for s in queryset) if wo is not None]
        self.message_user(request, f"{len(created)} order(s) created.")


@admin.register(PMOccurrence)
class PMOccurrenceAdmin(admin.ModelAdmin):
    list_display = ["schedule", "seq", "due_at", "work_order", "compliance", "completed_at"]
    list_filter = ["compliance"]
    search_fields = ["schedule__title"]
    list_select_related = ["schedule", "work_order"]
    readonly_fields = [f.name for f in PMOccurrence._meta.fields]

    def has_add_permission(self, request):
        return False  # occurrences are made by the generation only


class ProjectOrderInline(admin.TabularInline):
    model = ProjectOrder
    extra = 0
    autocomplete_fields = ["work_order"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "starts_on", "ends_on", "status", "owner"]
    list_filter = ["status", "site"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["site", "owner"]
    inlines = [ProjectOrderInline]

    def save_model(self, request, obj, form, change):
        services_planning.save_project(obj, actor=request.user)
