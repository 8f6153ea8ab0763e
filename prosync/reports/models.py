"""Export jobs (large exports written in the background) and report subscriptions (a report sent
by e-mail every week or month)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"
    PDF = "pdf", "PDF"


class OwnedQuerySet(models.QuerySet):
    """A job or a subscription is its owner's alone: nobody else sees it, not even an Admin."""

    def for_user(self, user, action: str = "view"):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        RUNNING = "running", "Writing"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    class Kind(models.TextChoices):
        LIST = "list", "List"
        REPORT = "report", "Report"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    target = models.CharField(max_length=200, help_text="The list's path or the report's family.")
    title = models.CharField(max_length=200)
    params = models.CharField(max_length=2000, blank=True, help_text="The filters, as a query string.")
    format = models.CharField(max_length=5, choices=ExportFormat.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    filename = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="exportjob_expiry")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_format_display()})"

    def get_absolute_url(self) -> str:
        return reverse("exports:job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Every week (Monday)"
    MONTHLY = "monthly", "Every month (the 1st)"


class ReportSubscription(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions")
    family = models.CharField(max_length=20)
    filters = models.CharField(max_length=1000, blank=True, help_text="The report's filters, as a query string.")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    format = models.CharField(max_length=5, choices=[(ExportFormat.PDF, "PDF"), (ExportFormat.XLSX, "Excel (XLSX)")],
                              default=ExportFormat.PDF)
    active = models.BooleanField(default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # The period ("2026-W49", "2026-12") last sent: beat firing twice in a period sends once.
    last_period = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["family", "created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "family", "filters", "frequency", "format"],
                                               name="one_subscription_per_report_and_rhythm")]

    def __str__(self) -> str:
        return f"{self.family} report, {self.get_frequency_display().lower()}"
