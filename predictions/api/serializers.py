"""API serializers of model versions, health assessments and training runs."""

from rest_framework import serializers

from predictions.models import FeedbackLabel, HealthAssessment, ModelVersion, TrainingRun


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


class TrainingRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingRun
        fields = ["id", "category", "status", "progress", "message", "params", "activate", "requested_by",
                  "created_at", "started_at", "finished_at", "model_version", "runs", "rounds", "source"]
        read_only_fields = ["params", "status", "progress", "message", "requested_by", "created_at", "started_at",
                            "finished_at", "model_version"]

    runs = serializers.IntegerField(write_only=True, required=False, min_value=10, max_value=2000, default=100,
                                    help_text="Simulated machines to learn from.")
    rounds = serializers.IntegerField(write_only=True, required=False, min_value=10, max_value=2000, default=150)
    source = serializers.ChoiceField(write_only=True, required=False, default="auto",
                                     choices=["auto", "history", "simulator"],
                                     help_text="history: recorded failures and inspections only; simulator: simulated "
                                               "machines only; auto: both when anything is recorded.")

    def create(self, validated_data):
        from predictions import services

        return services.start_training(
            category=validated_data["category"], actor=self.context["request"].user,
            runs=validated_data.get("runs", 100), rounds=validated_data.get("rounds", 150),
            activate=validated_data.get("activate", False), source=validated_data.get("source", "auto"))
