"""Users, their role (a Django group) and the sites they belong to; the audit trail."""

from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


def validate_time_zone(value: str) -> None:
    if value and value not in available_timezones():
        raise ValidationError(_("“%(value)s” is not a time zone (e.g. Europe/Paris)."), params={"value": value})


def validate_language(value: str) -> None:
    if value and value not in dict(settings.LANGUAGES):
        raise ValidationError(_("“%(value)s” is not one of the available languages."), params={"value": value})


def validate_currency(value: str) -> None:
    if not (len(value) == 3 and value.isascii() and value.isalpha() and value.isupper()):
        raise ValidationError(_("A currency is three capital letters (ISO 4217), e.g. EUR, USD, GBP."))


class UserQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view"):
        """People a user may see: those who share one of their sites (everyone, for an Admin).
        Changing someone is narrower: a Manager changes the people of their sites, never an Admin."""
        from prosync.core.permissions import can

        if not can(user, action, self.model):
            return self.none()
        if user.sees_all_sites:
            return self
        qs = self.filter(memberships__site_id__in=user.site_ids)
        if action != "view":
            qs = qs.exclude(is_superuser=True).exclude(groups__name=Role.ADMIN)
        return qs.distinct()


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    job_title = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    weekly_capacity_hours = models.DecimalField(
        max_digits=5, decimal_places=1, default=40,
        help_text="Hours of work a week this person can be planned for (the project resource view).")
    # Blank means "as the instance": a person who never chose follows the instance settings.
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone],
                                 help_text="Dates and times are shown in this time zone.")
    language = models.CharField(max_length=16, blank=True, validators=[validate_language],
                                help_text="Language and date/number format of the pages.")

    objects = ScopedUserManager()

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def role(self) -> str | None:
        from accounts.access import profile

        names = set(profile(self)["groups"])
        for role in Role.values:
            if role in names:
                return role
        return Role.ADMIN if self.is_superuser else None

    @property
    def sees_all_sites(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @cached_property
    def site_ids(self) -> list[int]:
        from accounts.access import profile

        return profile(self)["sites"]


class SiteMembership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    site = models.ForeignKey("assets.Site", on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "site"], name="unique_site_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.site}"


class AuditLog(models.Model):
    """Append-only: who did what to which object, written by the services."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"


# --- Instance settings ---------------------------------------------------------------------------


class DateStyle(models.TextChoices):
    DAY_MONTH_NAME = "d M Y", "16 Feb 2024"
    ISO = "Y-m-d", "2024-02-16"
    DAY_FIRST = "d/m/Y", "16/02/2024"
    MONTH_FIRST = "m/d/Y", "02/16/2024"


def default_currency() -> str:
    return getattr(settings, "DEFAULT_CURRENCY", "EUR")


def default_time_zone() -> str:
    return settings.TIME_ZONE


class InstanceSettings(models.Model):
    """The one row of settings of this installation (``accounts.preferences`` reads it)."""

    site_field = None  # instance-wide, not site data

    currency = models.CharField(max_length=3, default=default_currency, validators=[validate_currency],
                                help_text="ISO 4217 code shown with every cost, e.g. EUR, USD, GBP.")
    time_zone = models.CharField(max_length=64, default=default_time_zone, validators=[validate_time_zone],
                                 help_text="Used for people who have not chosen their own.")
    date_style = models.CharField(max_length=8, choices=DateStyle.choices, default=DateStyle.DAY_MONTH_NAME,
                                  help_text="How dates are written on pages, exports and e-mails.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "instance settings"
        verbose_name_plural = "instance settings"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="instance_settings_singleton")]

    def __str__(self) -> str:
        return "Instance settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)


# --- Notifications ------------------------------------------------------------------------------


class NotificationKind(models.TextChoices):
    ASSIGNMENT = "assignment", "Assigned to me"
    MENTION = "mention", "Mentioned"
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    STATUS_CHANGE = "status_change", "Status change"
    STOCK_LOW = "stock_low", "Stock at reorder point"


# Which channels a user gets when they have not chosen: in-app always, e-mail for what needs action.
DEFAULT_CHANNELS: dict[str, tuple[bool, bool]] = {
    NotificationKind.ASSIGNMENT: (True, True),
    NotificationKind.MENTION: (True, True),
    NotificationKind.DUE_SOON: (True, False),
    NotificationKind.OVERDUE: (True, True),
    NotificationKind.STATUS_CHANGE: (True, False),
    NotificationKind.STOCK_LOW: (True, True),
}


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view"):
        """A person's own inbox, whatever their role: nobody reads another's notifications."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    site_field = None  # personal, not site data: for_user filters by recipient

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=100, blank=True,
                           help_text="Set for notifications that must never be sent twice (e.g. 'overdue:WO-12').")
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [models.UniqueConstraint(fields=["recipient", "kind", "key"], condition=~models.Q(key=""),
                                               name="unique_notification_key")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """One row per user and kind they have chosen for; missing rows mean DEFAULT_CHANNELS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="unique_notification_preference")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}: in-app={self.in_app} e-mail={self.email}"


class IdempotentRequest(models.Model):
    """The answer given to one API write sent with an ``Idempotency-Key`` (prosync.core.idempotency):
    a retry with the same key gets it again instead of writing twice. Kept IDEMPOTENCY_KEY_HOURS."""

    owner = models.CharField(max_length=64)  # "user:<id>" or "gateway:<id>": keys are per caller
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the parsed request
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="unique_idempotency_key_per_caller")]

    def __str__(self) -> str:
        return f"{self.owner} {self.method} {self.path} ({self.key})"
