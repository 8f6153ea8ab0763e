"""Django admin of users, roles, site membership and the audit log."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import AuditLog, Notification, NotificationPreference, SiteMembership, User
from accounts.sign_in import AdminSignInForm

# The admin's sign-in counts and refuses guesses like the site's own.
admin.site.login_form = AdminSignInForm


class MembershipInline(admin.TabularInline):
    model = SiteMembership
    extra = 1
    autocomplete_fields = ["site"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff", "memberships__site"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("Work", {"fields": ["job_title", "phone", "weekly_capacity_hours"]})]


@admin.register(SiteMembership)
class SiteMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "site", "created_at"]
    list_filter = ["site"]
    autocomplete_fields = ["user", "site"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "object_id"]
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None):
        return False  # the trail is append-only

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "emailed"]
    list_filter = ["kind", "emailed"]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]
    readonly_fields = ["recipient", "kind", "title", "body", "url", "key", "emailed", "created_at"]

    def has_add_permission(self, request):
        return False  # sent by accounts.services.notify only


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "in_app", "email"]
    list_filter = ["kind", "in_app", "email"]
    autocomplete_fields = ["user"]
