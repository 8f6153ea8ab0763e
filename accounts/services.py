"""Writes about users: roles, site membership, notifications, and the audit rows that the kernel's
``record`` writes for every service."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.access import forget
from accounts.models import AuditLog, SiteMembership, User
from accounts.roles import ADMIN_ONLY, ROLE_PERMISSIONS, Role
from prosync.core.events import send_now
from prosync.core.recording import record

logger = logging.getLogger(__name__)


def write_audit(*, actor: User | None, action: str, obj: Model, changes: dict | None = None) -> AuditLog:
    """The audit writer of ``prosync.core.recording`` (services call ``record``, not this)."""
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
            qs = Permission.objects.filter(content_type__app_label=app_label).select_related("content_type")
            if model != "*":
                qs = qs.filter(content_type__model=model)
            for action in actions:
                perms.extend(qs.filter(codename__startswith=f"{action}_"))
        if role != Role.ADMIN:
            reserved = {(app, f"{action}_{model}") for app, model, actions in ADMIN_ONLY for action in actions}
            perms = [p for p in perms if (p.content_type.app_label, p.codename) not in reserved]
        group.permissions.set(perms)


@transaction.atomic
def set_role(user: User, role: str, *, actor: User | None = None) -> None:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(Group.objects.get(name=role))
    forget(user)
    record(actor, "set_role", user, changes={"role": role})


@transaction.atomic
def create_user(*, username: str, password: str, role: str, site_ids: list[int] = (), actor: User | None = None,
                **fields) -> User:
    user = User(username=username, **fields)
    user.set_password(password)
    user.full_clean()
    user.save()
    set_role(user, role, actor=actor)
    for site_id in site_ids:
        SiteMembership.objects.get_or_create(user=user, site_id=site_id)
    record(actor, "create", user, changes={"role": role, "sites": list(site_ids)})
    return user


# --- Notifications ------------------------------------------------------------------------------


def user_group(user_id: int) -> str:
    """The channel-layer group of one person's live inbox (/ws/notifications/)."""
    return f"user.{user_id}"


def channels_for(user: User, kind: str) -> tuple[bool, bool]:
    """(in_app, email) the user wants for this kind of notification."""
    from accounts.models import DEFAULT_CHANNELS, NotificationPreference

    pref = NotificationPreference.objects.filter(user=user, kind=kind).first()
    if pref is not None:
        return pref.in_app, pref.email
    return DEFAULT_CHANNELS.get(kind, (True, False))


@transaction.atomic
def set_notification_preferences(user: User, choices: dict[str, tuple[bool, bool]], *,
                                 actor: User | None = None) -> None:
    """Store (in_app, email) per kind; kinds left out keep what they had."""
    from accounts.models import NotificationKind, NotificationPreference

    changed = {}
    for kind, (in_app, email) in choices.items():
        if kind not in NotificationKind.values:
            raise ValueError(f"unknown notification kind {kind!r}")
        NotificationPreference.objects.update_or_create(user=user, kind=kind,
                                                        defaults={"in_app": bool(in_app), "email": bool(email)})
        changed[kind] = {"in_app": bool(in_app), "email": bool(email)}
    record(actor or user, "notification.preferences", user, changes=changed)


def notify(user: User, *, kind: str, title: str, body: str = "", url: str = "", key: str = ""):
    """Tell one person something: an inbox row pushed live to their open pages, and an e-mail
    when they want one, both sent after the surrounding transaction commits.

    ``key`` makes it idempotent: a second call with the same (user, kind, key) does nothing and
    returns None (the database refuses the duplicate, so concurrent callers are safe too).
    Returns the Notification, or None when the user wants neither channel, is inactive, or
    already had it."""
    from accounts.models import Notification, NotificationKind

    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if user is None or not user.is_active:
        return None
    in_app, email = channels_for(user, kind)
    email = email and bool(user.email)
    if not (in_app or email):
        return None
    title, url = title[:200], url[:300]
    try:
        with transaction.atomic():  # a savepoint: a duplicate key leaves the caller's transaction usable
            note = Notification.objects.create(recipient=user, kind=kind, title=title, body=body, url=url,
                                               key=key[:100], emailed=email,
                                               read_at=None if in_app else timezone.now())
    except IntegrityError:
        if not key:
            raise
        return None  # this (user, kind, key) was already notified
    if in_app:
        payload = notification_payload(note)
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        payload["unread"] = unread
        transaction.on_commit(lambda: send_now([user_group(user.pk)], "notification.new", payload))
    if email:
        transaction.on_commit(lambda: _send_email(note, user.email))
    return note


def notification_payload(note) -> dict:
    return {"id": note.pk, "kind": note.kind, "title": note.title, "body": note.body, "url": note.url,
            "created_at": note.created_at.isoformat()}


def _send_email(note, address: str) -> None:
    body = note.body
    if note.url:
        base = getattr(settings, "SITE_URL", "").rstrip("/")
        body = f"{body}\n\n{base}{note.url}".strip()
    try:
        send_mail(subject=f"[ProSyncHub] {note.title}", message=body or note.title,
                  from_email=None, recipient_list=[address])
    except Exception:  # the inbox row is kept; a mail relay outage must not fail the work
        logger.warning("notification e-mail not sent", extra={"notification": note.pk}, exc_info=True)


@transaction.atomic
def mark_notifications_read(user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None); returns how many."""
    from accounts.models import Notification

    qs = Notification.objects.for_user(user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    count = qs.update(read_at=timezone.now())
    if count:
        unread = Notification.objects.for_user(user).unread().count()
        transaction.on_commit(lambda: send_now([user_group(user.pk)], "notification.read", {"unread": unread}))
    return count
