"""Users, their role (a Django group) and the sites they belong to; the audit trail."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.functional import cached_property

from accounts.roles import Role


class UserQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view"):
        """People a user may see: those who share one of their sites (everyone, for an Admin)."""
        from prosync.permissions import can

        if not can(user, action, self.model):
            return self.none()
        if user.sees_all_sites:
            return self
        return self.filter(memberships__site_id__in=user.site_ids).distinct()


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    job_title = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    objects = ScopedUserManager()

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def role(self) -> str | None:
        names = {g.name for g in self.groups.all()}
        for role in Role.values:
            if role in names:
                return role
        return Role.ADMIN if self.is_superuser else None

    @property
    def sees_all_sites(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @cached_property
    def site_ids(self) -> list[int]:
        return list(self.memberships.values_list("site_id", flat=True))


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
