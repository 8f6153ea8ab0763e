"""Writes about users: roles, site membership, notifications, and the audit rows that the kernel's
``record`` writes for every service."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
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


# --- People administration ------------------------------------------------------------------------
# Admins manage everyone; Managers manage the people of their own sites, never an Admin, and
# never grant Admin. Invitations and password resets are signed links that stop working once
# used (they carry a digest of the password they replace) or when they expire.

INVITE_MAX_AGE_S = 7 * 24 * 3600
RESET_MAX_AGE_S = 24 * 3600
_LINK_SALT = "accounts.set-password"


class LinkRefused(Exception):
    """A set-password link that cannot be used; ``reason`` is "expired", "used" or "invalid"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def may_manage_people(user) -> bool:
    from prosync.core.permissions import can

    return can(user, "change", User)


def grantable_roles(actor: User) -> list[str]:
    return list(Role.values) if actor.sees_all_sites else [r for r in Role.values if r != Role.ADMIN]


def manageable_site_ids(actor: User) -> list[int] | None:
    """The sites whose membership the actor may give or take; None: every site."""
    return None if actor.sees_all_sites else list(actor.site_ids)


def managed_people(actor: User):
    """The people the actor may change: for a Manager those of their sites, never an Admin."""
    return User.objects.for_user(actor, "change")


def _check_may_manage(actor: User, person: User | None = None, *, role: str | None = None,
                      site_ids: list[int] | None = None) -> None:
    if not may_manage_people(actor):
        raise PermissionDenied("Your role may not manage people.")
    if person is not None and person.pk and not managed_people(actor).filter(pk=person.pk).exists():
        raise PermissionDenied("You may only manage people of your own sites.")
    if role is not None and role not in grantable_roles(actor):
        raise ValidationError({"role": "Only an Admin may make someone an Admin."})
    allowed = manageable_site_ids(actor)
    if allowed is not None and site_ids is not None and not set(site_ids) <= set(allowed):
        raise ValidationError({"sites": "You may only give access to your own sites."})


def _works_elsewhere(actor: User, person: User) -> bool:
    """Whether the person also belongs to sites the actor does not manage: then what applies to
    all their sites (role, whether they may sign in) is an Admin's to change."""
    allowed = manageable_site_ids(actor)
    return allowed is not None and person.memberships.exclude(site_id__in=allowed).exists()


def _set_sites(person: User, site_ids: list[int], actor: User) -> tuple[list[int], list[int]]:
    """Make the person's memberships among the sites the actor manages exactly ``site_ids``;
    memberships of other sites are left as they are. Returns (added, removed)."""
    allowed = manageable_site_ids(actor)
    current = set(person.memberships.values_list("site_id", flat=True))
    in_reach = current if allowed is None else current & set(allowed)
    wanted = set(site_ids)
    added, removed = sorted(wanted - current), sorted(in_reach - wanted)
    SiteMembership.objects.filter(user=person, site_id__in=removed).delete()
    for site_id in added:
        SiteMembership.objects.create(user=person, site_id=site_id)
    return added, removed


def _password_marker(user: User) -> str:
    from django.utils.crypto import salted_hmac

    # Changes as soon as a password is set (or the invitation is sent again), so a link works once.
    return salted_hmac(_LINK_SALT, f"{user.pk}:{user.password}:{user.is_active}").hexdigest()[:16]


def password_link_token(user: User, purpose: str) -> str:
    """A signed token for ``purpose`` ("invite" or "reset") of this user."""
    from django.core import signing

    return signing.dumps({"u": user.pk, "p": purpose, "m": _password_marker(user)}, salt=_LINK_SALT, compress=True)


def read_password_link(token: str) -> tuple[User, str]:
    """The user and purpose of a set-password token, or LinkRefused."""
    from django.core import signing

    try:
        data = signing.loads(token, salt=_LINK_SALT)
    except signing.BadSignature:
        raise LinkRefused("invalid") from None
    if not isinstance(data, dict) or data.get("p") not in ("invite", "reset"):
        raise LinkRefused("invalid")
    max_age = INVITE_MAX_AGE_S if data["p"] == "invite" else RESET_MAX_AGE_S
    try:
        signing.loads(token, salt=_LINK_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkRefused("expired") from None
    user = User.objects.filter(pk=data.get("u")).first()
    if user is None or not user.is_active:
        raise LinkRefused("invalid")
    if data.get("m") != _password_marker(user):
        raise LinkRefused("used")
    return user, data["p"]


def _send_password_link(user: User, purpose: str, link_base: str, actor: User | None) -> None:
    from django.urls import reverse

    url = link_base.rstrip("/") + reverse("people:set-password", args=[password_link_token(user, purpose)])
    if purpose == "invite":
        subject = "You are invited to ProSyncHub"
        body = (f"Hello {user.first_name or user.username},\n\n"
                f"{actor or 'An administrator'} invited you to ProSyncHub, the maintenance system of your plant.\n"
                f"Choose your password here (the link works once, for {INVITE_MAX_AGE_S // 86400} days):\n\n{url}\n\n"
                f"Your user name is {user.username}.")
    else:
        subject = "Reset your ProSyncHub password"
        body = (f"Hello {user.first_name or user.username},\n\n"
                f"Choose a new password here (the link works once, for {RESET_MAX_AGE_S // 3600} hours):\n\n{url}\n\n"
                f"Your user name is {user.username}. If you did not expect this, ignore this e-mail.")
    def send():
        try:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
        except Exception:  # a mail relay outage: the account stands; "send again" is on their page
            logger.warning("set-password link not e-mailed", extra={"user": user.pk, "purpose": purpose},
                           exc_info=True)

    # Sent after commit: a rolled-back invitation must not reach anyone's mailbox.
    transaction.on_commit(send)


@transaction.atomic
def invite_user(*, actor: User, email: str, role: str, site_ids: list[int], link_base: str,
                first_name: str = "", last_name: str = "", job_title: str = "",
                weekly_capacity_hours=None) -> User:
    """Create an account without a password and e-mail its owner a link to choose one."""
    _check_may_manage(actor, role=role, site_ids=site_ids)
    email = email.strip()
    if not email:
        raise ValidationError({"email": "Enter the e-mail address the invitation goes to."})
    if User.objects.filter(email__iexact=email).exists() or User.objects.filter(username__iexact=email).exists():
        raise ValidationError({"email": "Someone already has an account with this e-mail address."})
    if not actor.sees_all_sites and not site_ids:
        raise ValidationError({"sites": "Choose at least one of your sites."})
    fields = {"first_name": first_name.strip(), "last_name": last_name.strip(), "job_title": job_title.strip()}
    if weekly_capacity_hours is not None:
        fields["weekly_capacity_hours"] = weekly_capacity_hours
    user = User(username=email, email=email, **fields)
    user.set_unusable_password()
    user.full_clean()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same address invited twice at the same moment
        raise ValidationError({"email": "Someone already has an account with this e-mail address."}) from None
    set_role(user, role, actor=actor)
    for site_id in site_ids:
        SiteMembership.objects.create(user=user, site_id=site_id)
    record(actor, "user.invite", user, changes={"email": email, "role": role, "sites": sorted(site_ids)})
    _send_password_link(user, "invite", link_base, actor)
    return user


@transaction.atomic
def resend_invitation(person: User, *, actor: User, link_base: str) -> None:
    """A new invitation link; the earlier one stops working."""
    _check_may_manage(actor, person)
    person.set_unusable_password()
    person.save(update_fields=["password"])
    record(actor, "user.invite_again", person)
    _send_password_link(person, "invite", link_base, actor)


@transaction.atomic
def update_person(person: User, *, actor: User, role: str, site_ids: list[int], **fields) -> User:
    """Change someone's name, job, capacity, role and (among the actor's sites) site membership."""
    _check_may_manage(actor, person, role=role, site_ids=site_ids)
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.pk == actor.pk and role != person.role:
        # Nobody takes their own rights away by mistake (or locks the last Admin out).
        raise ValidationError({"role": "You cannot change your own role; ask another Admin."})
    if role != person.role and _works_elsewhere(actor, person):
        raise ValidationError({"role": "This person also works at sites you do not manage: an Admin changes "
                                       "their role."})
    editable = ("first_name", "last_name", "email", "job_title", "phone", "weekly_capacity_hours")
    changes = {}
    for name, value in fields.items():
        if name not in editable:
            raise ValueError(f"{name} is not editable here")
        old = getattr(person, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(person, name, value)
    person.full_clean()
    person.save()
    if role != person.role:
        changes["role"] = [person.role, role]
        set_role(person, role, actor=actor)
    added, removed = _set_sites(person, site_ids, actor)
    if added or removed:
        changes["sites"] = {"added": added, "removed": removed}
    forget(person)
    record(actor, "user.update", person, changes=changes)
    return person


@transaction.atomic
def set_active(person: User, active: bool, *, actor: User) -> None:
    """Deactivate (the person can no longer sign in; their history stays) or reactivate."""
    _check_may_manage(actor, person)
    if person.pk == actor.pk and not active:
        raise ValidationError("You cannot deactivate your own account.")
    if _works_elsewhere(actor, person):
        raise ValidationError("This person also works at sites you do not manage: an Admin deactivates them.")
    if person.is_active == active:
        return
    person.is_active = active
    person.save(update_fields=["is_active"])
    record(actor, "user.activate" if active else "user.deactivate", person, changes={"active": active})


@transaction.atomic
def send_password_reset(person: User, *, actor: User, link_base: str) -> None:
    """E-mail the person a link to choose a new password (their current one keeps working until then)."""
    _check_may_manage(actor, person)
    if not person.email:
        raise ValidationError({"email": "This person has no e-mail address to send the link to."})
    if not person.is_active:
        raise ValidationError("Reactivate the account first.")
    record(actor, "user.password_reset_sent", person)
    _send_password_link(person, "reset", link_base, actor)


@transaction.atomic
def set_password_from_link(token: str, password: str) -> User:
    """Set the password of the link's owner; the link stops working. LinkRefused if it cannot be used."""
    from django.contrib.auth.password_validation import validate_password

    user, purpose = read_password_link(token)
    user = User.objects.select_for_update().get(pk=user.pk)
    read_password_link(token)  # again under the lock: two tabs submitting at once set it once
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record(user, "user.invite_accepted" if purpose == "invite" else "user.password_reset", user)
    return user


# --- Instance settings --------------------------------------------------------------------------


@transaction.atomic
def update_instance_settings(*, actor: User, **fields):
    """Change the instance's currency, default time zone or date style."""
    from accounts.models import InstanceSettings
    from accounts.preferences import forget_instance_settings
    from prosync.core.permissions import can

    if not can(actor, "change", InstanceSettings):
        raise PermissionDenied("Only an Admin may change the instance settings.")
    row = InstanceSettings.objects.select_for_update().filter(pk=1).first() or InstanceSettings()
    changes = {}
    for name, value in fields.items():
        if getattr(row, name) != value:
            changes[name] = [getattr(row, name), value]
            setattr(row, name, value)
    row.full_clean()
    row.save()
    forget_instance_settings()
    record(actor, "settings.update", row, changes=changes)
    return row


@transaction.atomic
def set_own_preferences(user: User, *, time_zone: str, language: str) -> None:
    """A person's own time zone and language (blank: as the instance)."""
    user.time_zone, user.language = time_zone, language
    user.full_clean()
    user.save(update_fields=["time_zone", "language"])
    record(user, "user.preferences", user, changes={"time_zone": time_zone, "language": language})
