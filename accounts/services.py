"""Writes about users: roles, site membership, and the audit trail every other service uses."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Model

from accounts.models import AuditLog, SiteMembership, User
from accounts.roles import ROLE_PERMISSIONS, Role


def write_audit(*, actor: User | None, action: str, obj: Model, changes: dict | None = None) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
    )


def sync_role_groups() -> None:
    """Create the four role groups and give each exactly its permissions (idempotent)."""
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for app_label, model, actions in grants:
            qs = Permission.objects.filter(content_type__app_label=app_label)
            if model != "*":
                qs = qs.filter(content_type__model=model)
            for action in actions:
                perms.extend(qs.filter(codename__startswith=f"{action}_"))
        group.permissions.set(perms)


@transaction.atomic
def set_role(user: User, role: str, *, acting_user: User | None = None) -> None:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(Group.objects.get(name=role))
    user.__dict__.pop("role", None)
    write_audit(actor=acting_user, action="set_role", obj=user, changes={"role": role})


@transaction.atomic
def create_user(*, username: str, password: str, role: str, site_ids: list[int] = (), acting_user: User | None = None,
                **fields) -> User:
    user = User(username=username, **fields)
    user.set_password(password)
    user.full_clean()
    user.save()
    set_role(user, role, acting_user=acting_user)
    for site_id in site_ids:
        SiteMembership.objects.get_or_create(user=user, site_id=site_id)
    write_audit(actor=acting_user, action="create", obj=user, changes={"role": role, "sites": list(site_ids)})
    return user
