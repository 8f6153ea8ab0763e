from django.contrib import admin

from workorders.models import WorkOrder


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "site", "asset", "kind", "priority", "status", "assignee", "due_at", "created_at"]
    list_filter = ["status", "priority", "kind", "site"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["asset", "assignee", "site"]
    list_select_related = ["site", "asset", "assignee"]
    readonly_fields = ["version", "created_by", "created_at", "updated_at", "completed_at"]


from workorders import admin_planning  # noqa: E402, F401  requests, preventive schedules, projects
