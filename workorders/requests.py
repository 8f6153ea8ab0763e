"""Work requests: submitted by anyone with an account or through an asset's public QR form,
then approved into a work order (keeping the photos) or rejected with a reason by a manager."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import NotificationKind
from accounts.roles import Role
from accounts.services import notify
from prosync.core.permissions import can
from prosync.core.recording import record
from workorders.choices import AttachmentKind, RequestChannel, RequestStatus, WorkOrderType
from workorders.models import Attachment, WorkOrder, WorkRequest, WorkRequestPhoto

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}


class RequestAlreadyDecided(Exception):
    """Approving or rejecting a request that is no longer pending."""


def validate_photos(photos: list[UploadedFile]) -> None:
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"At most {MAX_PHOTOS} photos."})
    for photo in photos:
        if photo.size > MAX_PHOTO_BYTES:
            raise ValidationError({"photos": f"'{photo.name}' is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB."})
        if (getattr(photo, "content_type", "") or "") not in PHOTO_TYPES:
            raise ValidationError({"photos": f"'{photo.name}' is not a JPEG, PNG, WebP or GIF image."})


def may_decide(user, request: WorkRequest) -> bool:
    """Managers and admins of the request's site; everyone else may only look."""
    if not can(user, "change", WorkRequest) or user.role not in (Role.ADMIN, Role.MANAGER):
        return False
    return user.sees_all_sites or request.site_id in user.site_ids


@transaction.atomic
def submit_request(*, site=None, asset=None, title: str, description: str, actor=None,
                   reporter_name: str = "", reporter_contact: str = "", priority: str = "",
                   channel: str = RequestChannel.PORTAL, photos: list[UploadedFile] = ()) -> WorkRequest:
    """Record a request (from a signed-in user, the API, or the public QR form with
    ``actor=None``) and tell the site's managers."""
    photos = list(photos)
    validate_photos(photos)
    wr = WorkRequest(site=site or (asset.site if asset is not None else None), asset=asset, title=title.strip(),
                     description=description.strip(), channel=channel, reporter_name=reporter_name.strip(),
                     reporter_contact=reporter_contact.strip(),
                     requested_by=actor if actor is not None and actor.is_authenticated else None)
    if priority:
        wr.priority = priority
    wr.full_clean()
    wr.save()
    for photo in photos:
        WorkRequestPhoto.objects.create(request=wr, image=photo, content_type=photo.content_type or "",
                                        size=photo.size or 0)
    record(wr.requested_by, "workrequest.submit", wr,
           changes={"channel": channel, "asset": asset.pk if asset is not None else None, "photos": len(photos)})
    for manager in site_managers(wr.site_id):
        notify(manager, kind=NotificationKind.STATUS_CHANGE, title=f"New request: {wr.title}"[:200],
               body=f"{wr.reporter} reported: {wr.description[:300]}", url=wr.get_absolute_url(),
               key=f"request:{wr.pk}")
    return wr


def site_managers(site_id: int):
    from accounts.models import User

    return User.objects.filter(is_active=True, groups__name=Role.MANAGER, memberships__site_id=site_id).distinct()


def _lock_pending(wr: WorkRequest, user) -> WorkRequest:
    if not may_decide(user, wr):
        raise PermissionDenied("Only a manager of the request's site may approve or reject it.")
    wr = WorkRequest.objects.select_for_update().get(pk=wr.pk)
    if wr.status != RequestStatus.PENDING:
        raise RequestAlreadyDecided(f"{wr.number} was already {wr.get_status_display().lower()}.")
    return wr


@transaction.atomic
def approve_request(wr: WorkRequest, *, actor, kind: str = WorkOrderType.CORRECTIVE, priority: str = "",
                    assignee=None, due_at=None) -> WorkOrder:
    """Turn the request into a work order; its photos become the order's "before" photos."""
    from workorders.services import create_work_order

    wr = _lock_pending(wr, actor)
    fields = {"title": wr.title, "description": f"{wr.description}\n\nReported by {wr.reporter}.".strip(),
              "kind": kind, "priority": priority or wr.priority, "source": "request", "source_ref": str(wr.pk)}
    if assignee is not None:
        fields["assignee"] = assignee
    if due_at is not None:
        fields["due_at"] = due_at
    wo = create_work_order(actor=actor, asset=wr.asset, site=wr.site, **fields)
    for photo in wr.photos.all():
        # The same stored file: the order keeps the photo even if the request is deleted later.
        Attachment.objects.create(work_order=wo, file=photo.image.name, kind=AttachmentKind.BEFORE,
                                  caption=f"From {wr.number}", content_type=photo.content_type, size=photo.size,
                                  uploaded_by=wr.requested_by)
    wr.status, wr.decided_by, wr.decided_at, wr.work_order = RequestStatus.APPROVED, actor, timezone.now(), wo
    wr.save(update_fields=["status", "decided_by", "decided_at", "work_order"])
    record(actor, "workrequest.approve", wr, changes={"work_order": wo.pk})
    if wr.requested_by_id and wr.requested_by_id != actor.pk:
        notify(wr.requested_by, kind=NotificationKind.STATUS_CHANGE, title=f"Your request became {wo.number}",
               body=wr.title, url=wo.get_absolute_url())
    return wo


@transaction.atomic
def reject_request(wr: WorkRequest, *, actor, reason: str) -> WorkRequest:
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the request is rejected."})
    wr = _lock_pending(wr, actor)
    wr.status, wr.decided_by, wr.decided_at, wr.reason = (RequestStatus.REJECTED, actor, timezone.now(),
                                                          reason.strip())
    wr.full_clean()
    wr.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    record(actor, "workrequest.reject", wr, changes={"reason": wr.reason})
    if wr.requested_by_id and wr.requested_by_id != actor.pk:
        notify(wr.requested_by, kind=NotificationKind.STATUS_CHANGE, title=f"Your request was rejected: {wr.title}",
               body=wr.reason, url=wr.get_absolute_url())
    return wr
