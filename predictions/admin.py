"""Django admin of model versions, assessments and training runs."""

from django.contrib import admin

from predictions import services
from predictions.models import FeedbackLabel, HealthAssessment, ModelVersion, TrainingRun


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "version", "status", "created_at", "training_source"]
    list_filter = ["status", "category"]
    readonly_fields = ["feature_names", "params", "metrics", "created_at", "trained_by"]
    actions = ["promote"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("artifact")

    @admin.action(description="Promote to the active model of its category")
    def promote(self, request, queryset):
        for mv in queryset:
            services.promote_model(mv, actor=request.user)
        self.message_user(request, f"{queryset.count()} model version(s) promoted.")


@admin.register(HealthAssessment)
class HealthAssessmentAdmin(admin.ModelAdmin):
    list_display = ["asset", "assessed_at", "health_score", "failure_probability", "rul", "model_version"]
    list_filter = ["model_version"]
    raw_id_fields = ["asset"]
    list_select_related = ["asset", "model_version"]
    date_hierarchy = "assessed_at"


@admin.register(FeedbackLabel)
class FeedbackLabelAdmin(admin.ModelAdmin):
    list_display = ["work_order", "asset", "fault_confirmed", "model_version", "labelled_at", "labelled_by"]
    list_filter = ["fault_confirmed", "model_version"]
    raw_id_fields = ["work_order", "asset", "alert", "assessment"]
    list_select_related = ["work_order", "asset", "model_version", "labelled_by"]


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ["category", "status", "progress", "message", "requested_by", "created_at", "model_version"]
    list_filter = ["status", "category"]
    readonly_fields = ["progress", "message", "started_at", "finished_at", "model_version"]
