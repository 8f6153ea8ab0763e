"""What a requester may follow of their request without an account: a signed tracking link per
request, the e-mail that carries it, and the request's progress in plain words. Nothing internal
(people, costs, comments not marked for the requester) reaches this page; only the request
itself, its order's status and the notes maintenance chose to show."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from workorders.choices import RequestStatus, WorkOrderStatus
from workorders.models import WorkRequest

logger = logging.getLogger(__name__)
_SALT = "workorders.request-tracking"

# The order's lifecycle as a requester reads it.
STEPS = ("Received", "Planned", "Being worked on", "Done")
_STEP_OF_ORDER = {WorkOrderStatus.OPEN: 1, WorkOrderStatus.ASSIGNED: 1, WorkOrderStatus.ON_HOLD: 1,
                  WorkOrderStatus.IN_PROGRESS: 2, WorkOrderStatus.COMPLETED: 3, WorkOrderStatus.CLOSED: 3}
_EVENT_OF_ORDER = {WorkOrderStatus.ASSIGNED: "A technician was assigned.",
                   WorkOrderStatus.IN_PROGRESS: "Work started.",
                   WorkOrderStatus.ON_HOLD: "Work is paused (waiting for parts or access).",
                   WorkOrderStatus.COMPLETED: "The work is done.",
                   WorkOrderStatus.CLOSED: "The work is done and checked.",
                   WorkOrderStatus.CANCELLED: "The work was cancelled."}


def tracking_token(wr: WorkRequest) -> str:
    """Unguessable without the server's secret, the same each time it is asked for; no lifetime:
    a requester may look weeks later."""
    return signing.Signer(salt=_SALT).sign(str(wr.pk))


def tracking_path(wr: WorkRequest) -> str:
    return reverse("track-request", args=[tracking_token(wr)])


def request_for_token(token: str) -> WorkRequest | None:
    try:
        pk = signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
    if not pk.isdecimal():
        return None
    return WorkRequest.objects.select_related("asset", "site", "work_order").filter(pk=pk).first()


def email_of(contact: str) -> str:
    """The contact left on the public form, if it is an e-mail address ("" for a phone number)."""
    contact = contact.strip()
    try:
        validate_email(contact)
    except ValidationError:
        return ""
    return contact


def send_tracking_email(wr: WorkRequest, *, link_base: str) -> bool:
    """E-mail a reporter without an account their tracking link after commit, when they left an
    address (people with an account follow theirs under "My requests" and in their inbox)."""
    address = email_of(wr.reporter_contact)
    if not address:
        return False
    url = link_base.rstrip("/") + tracking_path(wr)
    what = f"{wr.asset.tag} {wr.asset.name}" if wr.asset_id else wr.site.name
    body = (f"Thank you for your report about {what}.\n\n"
            f"It was received as {wr.number}: “{wr.title}”.\n"
            f"Follow what becomes of it here:\n\n{url}\n")

    def send():
        try:
            send_mail(subject=f"{wr.number} received: {wr.title}"[:150], message=body, from_email=None,
                      recipient_list=[address])
        except Exception:  # the request is saved either way; a relay outage must not lose it
            logger.warning("tracking e-mail not sent", extra={"request": wr.pk}, exc_info=True)

    transaction.on_commit(send)
    return True


@dataclass
class Progress:
    headline: str
    explanation: str
    step: int  # index in STEPS; -1 when the request was declined or the work cancelled
    events: list[tuple[datetime, str]]


def progress(wr: WorkRequest) -> Progress:
    """The request's status in plain words, the step reached, and a dated list of what happened."""
    events = [(wr.created_at, "Your report was received.")]
    if wr.status == RequestStatus.PENDING:
        return Progress("Received", "A maintenance planner will look at it soon.", 0, events)
    if wr.status == RequestStatus.REJECTED:
        events.append((wr.decided_at or wr.created_at, f"Not taken up: {wr.reason}"))
        return Progress("Not taken up", wr.reason, -1, events)
    events.append((wr.decided_at or wr.created_at, "Accepted: maintenance work was planned."))
    wo = wr.work_order
    if wo is None:  # the order was deleted since
        return Progress("Accepted", "Maintenance work was planned.", 1, events)
    for change in wo.status_changes.all().order_by("at", "pk"):
        text = _EVENT_OF_ORDER.get(change.to_status)
        if text:
            events.append((change.at, text))
    # Only the notes maintenance chose to show; the order's other comments stay internal.
    for note in wo.comments.filter(public=True).order_by("created_at", "pk"):
        events.append((note.created_at, f"Note from maintenance: {note.body}"))
    events.sort(key=lambda event: event[0])
    if wo.status == WorkOrderStatus.CANCELLED:
        return Progress("Cancelled", "The planned work was cancelled.", -1, events)
    step = _STEP_OF_ORDER.get(wo.status, 1)
    explanation = {1: "The work is planned; a technician will come to it.",
                   2: "A technician is working on it.",
                   3: "The work is done. If the problem is still there, report it again."}[step]
    return Progress(STEPS[step], explanation, step, events)
