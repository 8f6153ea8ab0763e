from rest_framework import serializers

from predictions.models import FeedbackLabel, HealthAssessment, ModelVersion


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = ["id", "name", "category", "version", "status", "created_at", "trained_by", "training_source",
                  "feature_names", "params", "metrics"]
        read_only_fields = fields


class HealthAssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = HealthAssessment
        fields = ["id", "asset", "model_version", "assessed_at", "health_score", "failure_probability", "rul",
                  "rul_lower", "rul_upper", "contributions"]
        read_only_fields = fields


class FeedbackLabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeedbackLabel
        fields = ["id", "work_order", "asset", "alert", "model_version", "assessment", "fault_confirmed",
                  "labelled_at", "labelled_by"]
        read_only_fields = fields
