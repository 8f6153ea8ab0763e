"""Trained model versions and the health assessments they produce."""

from django.conf import settings
from django.db import models

from predictions.choices import ModelStatus, TrainingStatus
from prosync.core.permissions import SiteScopedManager, SiteScopedQuerySet


class ModelVersionQuerySet(SiteScopedQuerySet):
    def active_for(self, category_id):
        return self.filter(category_id=category_id, status=ModelStatus.ACTIVE).order_by("-version").first()


class ModelVersion(models.Model):
    """A trained LightGBM model pair (RUL regressor + failure classifier) for one asset category."""

    site_field = None  # models serve every site

    name = models.CharField(max_length=100)
    category = models.ForeignKey("assets.AssetCategory", on_delete=models.PROTECT, related_name="model_versions")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=ModelStatus.choices, default=ModelStatus.CANDIDATE)
    created_at = models.DateTimeField(auto_now_add=True)
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    training_source = models.CharField(max_length=200, help_text="Where the training data came from.")
    feature_names = models.JSONField(default=list)
    params = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    artifact = models.BinaryField(help_text="The models, serialised.", editable=False)

    objects = ModelVersionQuerySet.as_manager()

    class Meta:
        ordering = ["category", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["category", "version"], name="unique_model_version"),
            models.UniqueConstraint(fields=["category"], condition=models.Q(status=ModelStatus.ACTIVE),
                                    name="one_active_model_per_category"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.get_status_display()})"


class HealthAssessment(models.Model):
    site_field = "asset__site"

    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="health_assessments")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="assessments")
    assessed_at = models.DateTimeField()
    health_score = models.FloatField(help_text="0 (failing) to 100 (healthy).")
    failure_probability = models.FloatField(help_text="Probability of failure within the model's horizon.")
    rul = models.FloatField(help_text="Remaining useful life, in the model's time unit.")
    rul_lower = models.FloatField(null=True, blank=True)
    rul_upper = models.FloatField(null=True, blank=True)
    contributions = models.JSONField(default=list, blank=True,
                                     help_text="Top features with their contribution to the RUL estimate.")

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-assessed_at"]
        constraints = [models.UniqueConstraint(fields=["asset", "model_version", "assessed_at"],
                                               name="one_assessment_per_asset_model_instant")]
        indexes = [models.Index(fields=["asset", "-assessed_at"])]

    def __str__(self) -> str:
        return f"{self.asset_id} health {self.health_score:.0f} at {self.assessed_at:%Y-%m-%d %H:%M}"


class FeedbackLabel(models.Model):
    """What the technician found when a predicted failure was inspected: a label for retraining
    and the measure of how often the model's alerts are right."""

    site_field = "asset__site"

    work_order = models.OneToOneField("workorders.WorkOrder", on_delete=models.CASCADE, related_name="feedback")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="feedback_labels")
    alert = models.ForeignKey("telemetry.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="feedback_labels")
    assessment = models.ForeignKey(HealthAssessment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    fault_confirmed = models.BooleanField()
    labelled_at = models.DateTimeField()
    labelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-labelled_at"]

    def __str__(self) -> str:
        return f"{self.asset_id}: {'fault confirmed' if self.fault_confirmed else 'no fault found'}"


class TrainingRun(models.Model):
    """One request to train a category's models, with the progress the page shows."""

    site_field = None

    category = models.ForeignKey("assets.AssetCategory", on_delete=models.CASCADE, related_name="training_runs")
    status = models.CharField(max_length=10, choices=TrainingStatus.choices, default=TrainingStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    activate = models.BooleanField(default=False, help_text="Make the new version active when it is trained.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Renewed by every progress report of the worker: a run silent for longer than its lease has
    # lost its worker (killed, restarted) and is marked failed, so the category can train again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Training {self.category} ({self.get_status_display()}, {self.progress}%)"

    @property
    def is_active(self) -> bool:
        return self.status in (TrainingStatus.QUEUED, TrainingStatus.RUNNING)
