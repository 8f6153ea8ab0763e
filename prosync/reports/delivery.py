"""Reports delivered: subscriptions sent by e-mail every week or month (once per period however
often beat fires), and signed links that open a report read-only with its sharer's scope."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.http import QueryDict
from django.utils import timezone

from prosync.core.permissions import can
from prosync.reports.exports.sheets import scope_notes
from prosync.reports.models import Frequency, ReportSubscription
from workorders.models import WorkOrder

logger = logging.getLogger(__name__)
SHARE_SALT = "prosync.reports.share"


def period_key(frequency: str, now: datetime) -> str:
    """The delivery period ``now`` falls in, in the instance's clock: "2026-W49" or "2026-12"."""
    local = timezone.localtime(now)
    if frequency == Frequency.MONTHLY:
        return f"{local:%Y-%m}"
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def _render(sub: ReportSubscription):
    from prosync.reports.exports import reports
    from prosync.reports.scope import scope_from_params

    scope, form = scope_from_params(QueryDict(sub.filters), sub.user)
    if scope is None:
        raise ValueError("; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    result = reports.compute(sub.family, scope, sub.user)
    return result, scope, reports.render(result, scope, sub.format), reports.filename(result, scope, sub.format)


def send_subscription(sub: ReportSubscription, now: datetime) -> bool:
    """Send ``sub`` for the period ``now`` is in, unless it went already. The period is claimed
    before sending (one UPDATE), so two beats firing together send once; a failed send gives the
    claim back for the next run."""
    from prosync.reports.exports.reports import CONTENT_TYPES
    from prosync.reports.kpis import FAMILIES

    period = period_key(sub.frequency, now)
    previous = sub.last_period
    claimed = ReportSubscription.objects.filter(pk=sub.pk, active=True).exclude(last_period=period) \
        .update(last_period=period)
    if not claimed:
        return False
    try:
        if sub.family not in FAMILIES or not sub.user.is_active or not sub.user.email:
            raise ValueError("no such report, or nobody to send it to")
        if not can(sub.user, "view", WorkOrder):  # the role no longer reads reports
            raise ValueError("the subscriber may no longer see reports")
        result, scope, content, name = _render(sub)
        period_text = dict(scope_notes(scope))["Period"]
        body = (f"Hello {sub.user.get_full_name() or sub.user.username},\n\n"
                f"attached is the {result.title} report for {period_text} "
                f"({sub.get_frequency_display().lower()}).\n\n"
                f"Open it on line: {settings.SITE_URL}/reports/{sub.family}/?{sub.filters}\n"
                f"Change or stop this e-mail: {settings.SITE_URL}/reports/subscriptions/\n")
        message = EmailMessage(subject=f"{result.title} report — {period}", body=body, to=[sub.user.email])
        message.attach(name, content, CONTENT_TYPES[sub.format].split(";")[0])
        message.send()
    except Exception:
        logger.exception("report subscription %s not sent", sub.pk)
        ReportSubscription.objects.filter(pk=sub.pk, last_period=period).update(last_period=previous)
        return False
    ReportSubscription.objects.filter(pk=sub.pk).update(last_sent_at=now)
    return True


def send_due_subscriptions(now: datetime | None = None) -> int:
    now = now or timezone.now()
    sent = 0
    for sub in ReportSubscription.objects.filter(active=True).select_related("user"):
        if sub.last_period != period_key(sub.frequency, now) and send_subscription(sub, now):
            sent += 1
    return sent


# --- Shared links -----------------------------------------------------------------------------

class ShareLinkExpired(Exception):
    pass


class ShareLinkInvalid(Exception):
    pass


def _frozen_sites(user) -> list[int] | str:
    return "all" if user.sees_all_sites else sorted(user.site_ids)


def make_share_token(user, family: str, querystring: str) -> str:
    """A signed token naming the report, its filters and its sharer with the sites the sharer sees
    today: whoever opens it sees what the sharer saw, not more, until it expires."""
    return signing.dumps({"f": family, "q": querystring, "u": user.pk, "s": _frozen_sites(user)}, salt=SHARE_SALT,
                         compress=True)


def read_share_token(token: str):
    """(sharer, family, filters) of a valid token; ShareLinkExpired or ShareLinkInvalid otherwise.
    A sharer since removed from one of the frozen sites, or deactivated, ends the link."""
    try:
        data = signing.loads(token, salt=SHARE_SALT, max_age=settings.REPORT_LINK_MAX_AGE * 86400)
    except signing.SignatureExpired as exc:
        raise ShareLinkExpired from exc
    except signing.BadSignature as exc:
        raise ShareLinkInvalid from exc
    user = get_user_model().objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or _frozen_sites(user) != data.get("s") or not can(user, "view", WorkOrder):
        raise ShareLinkExpired
    return user, data.get("f", ""), QueryDict(data.get("q", ""))
