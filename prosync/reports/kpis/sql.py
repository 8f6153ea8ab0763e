"""The SQL side of the reports: the scope as WHERE fragments with named parameters (the user's
sites always among them), bucket series, and the drill-down links to the lists behind a figure.
Every figure is a handful of statements whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db import connection
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assets.models import Asset, Downtime, Location, Site
from prosync.core.permissions import can
from prosync.reports.scope import ReportScope
from workorders.models import WorkOrder

# Downtime that is a failure (the rest is planned, idle or waiting), and downtime that is not
# lost availability (no demand: the asset could have run).
UNPLANNED_REASONS = ("breakdown", "utility_failure")
NOT_UNAVAILABLE_REASONS = ("no_demand", "decommissioned")
CORRECTIVE_KINDS = ("corrective", "emergency")
PLANNED_KINDS = ("preventive", "predictive", "inspection")
DONE_STATUSES = ("completed", "closed")
OPEN_STATUSES = ("open", "assigned", "in_progress", "on_hold")

T = {
    "site": Site._meta.db_table,
    "asset": Asset._meta.db_table,
    "location": Location._meta.db_table,
    "downtime": Downtime._meta.db_table,
    "wo": WorkOrder._meta.db_table,
    "wo_assignees": WorkOrder.assignees.through._meta.db_table,
}


def rows(sql: str, params: dict) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def one(sql: str, params: dict) -> dict:
    found = rows(sql, params)
    return found[0] if found else {}


def num(value, places: int = 1):
    """A figure's value rounded for people; None stays None (not enough data)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    return round(value, places)


def ratio(part, whole, places: int = 1):
    """A percentage, None when there is nothing to divide by."""
    if not whole:
        return None
    return round(100.0 * float(part or 0) / float(whole), places)


@dataclass(frozen=True)
class Cut:
    """The scope and the user's sites as SQL. ``allowed`` is False when the user's role may not
    read the model a family is built on: every figure is then empty."""

    scope: ReportScope
    user: object

    @property
    def now(self) -> datetime:
        return timezone.now()

    @property
    def observed_end(self) -> datetime:
        """Time-based figures stop at now: the rest of today has not happened yet."""
        return max(self.scope.start, min(self.scope.end, self.now))

    def allowed(self, model=WorkOrder) -> bool:
        return can(self.user, "view", model)

    def params(self, **extra) -> dict:
        s = self.scope
        p = {
            "start": s.start, "end": s.end, "obs_end": self.observed_end, "now": self.now, "tz": s.tzname,
            "bucket": s.bucket(), "step": f"1 {s.bucket()}", "repeat_days": s.repeat_days,
            "site_ids": list(self.user.site_ids) if not self.user.sees_all_sites else None,
            "site": s.site.pk if s.site else None,
            "location_path": (s.location.path + "%") if s.location else None,
            "category": s.category.pk if s.category else None,
            "asset": s.asset.pk if s.asset else None,
            "team": s.team.pk if s.team else None,
            "technician": s.technician.pk if s.technician else None,
            "unplanned": list(UNPLANNED_REASONS), "not_unavailable": list(NOT_UNAVAILABLE_REASONS),
            "corrective": list(CORRECTIVE_KINDS), "planned": list(PLANNED_KINDS),
            "done": list(DONE_STATUSES), "open": list(OPEN_STATUSES),
        }
        p.update(extra)
        return p

    def sites(self, column: str) -> str:
        """The user's sites and the chosen site."""
        parts = []
        if not self.user.sees_all_sites:
            parts.append(f"{column} = ANY(%(site_ids)s)")
        if self.scope.site:
            parts.append(f"{column} = %(site)s")
        return " AND ".join(parts) or "TRUE"

    def assets(self, a: str = "a") -> str:
        """Asset-level filters on an asset row (its site included)."""
        s = self.scope
        parts = [self.sites(f"{a}.site_id")]
        if s.location:
            parts.append(f"{a}.location_id IN (SELECT id FROM {T['location']} WHERE path LIKE %(location_path)s)")
        if s.category:
            parts.append(f"{a}.category_id = %(category)s")
        if s.asset:
            parts.append(f"{a}.id = %(asset)s")
        return " AND ".join(parts)

    def people(self, wo: str = "wo") -> str:
        s = self.scope
        parts = []
        if s.team:
            parts.append(f"{wo}.team_id = %(team)s")
        if s.technician:
            parts.append(f"({wo}.assignee_id = %(technician)s OR EXISTS (SELECT 1 FROM {T['wo_assignees']} x "
                         f"WHERE x.workorder_id = {wo}.id AND x.user_id = %(technician)s))")
        return " AND ".join(parts) or "TRUE"

    def orders(self, wo: str = "wo", a: str = "a") -> str:
        """Filters on an order row left-joined to its asset ``a``."""
        s = self.scope
        parts = [self.sites(f"{wo}.site_id"), self.people(wo)]
        if s.location or s.category or s.asset:
            parts.append(f"{a}.id IS NOT NULL AND {self.assets(a)}")
        return " AND ".join(parts)

    def downtime(self, d: str = "d", a: str = "a") -> str:
        """Filters on a downtime row joined to its asset; with a team or technician chosen, only the
        stoppages one of their orders is about."""
        parts = [self.assets(a)]
        if self.scope.team or self.scope.technician:
            parts.append(f"EXISTS (SELECT 1 FROM {T['wo']} wo WHERE wo.downtime_id = {d}.id AND {self.people('wo')})")
        return " AND ".join(parts)

    # -- buckets ---------------------------------------------------------------------------------
    BUCKETS = """
        SELECT b AS bucket, to_char(b, 'YYYY-MM-DD') AS label,
               tstzrange(b AT TIME ZONE %(tz)s, (b + %(step)s::interval) AT TIME ZONE %(tz)s)
                 * tstzrange(%(start)s, %(end)s) AS r
        FROM generate_series(date_trunc(%(bucket)s, %(start)s AT TIME ZONE %(tz)s),
                             (%(end)s AT TIME ZONE %(tz)s) - interval '1 second', %(step)s::interval) b
    """

    def local_bucket(self, column: str) -> str:
        return f"date_trunc(%(bucket)s, {column} AT TIME ZONE %(tz)s)"

    # -- drill-down ------------------------------------------------------------------------------
    def _common(self) -> dict:
        s = self.scope
        out = {}
        for name in ("site", "location", "category", "asset", "team"):
            obj = getattr(s, name)
            if obj is not None:
                out[name] = obj.pk
        if s.technician:
            out["assignee"] = s.technician.pk
        return out

    def date_range(self, prefix: str) -> dict:
        """``<prefix>_after`` / ``<prefix>_before`` as the period's first and last local days."""
        tz = timezone.get_current_timezone()
        return {f"{prefix}_after": self.scope.start.astimezone(tz).date().isoformat(),
                f"{prefix}_before": (self.scope.end.astimezone(tz) - timedelta(seconds=1)).date().isoformat()}

    def local_minute(self, when: datetime) -> str:
        """A time as the downtime list's inputs show it: the instance's zone, to the minute."""
        return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")

    def downtime_window(self) -> dict:
        return {"since": self.local_minute(self.scope.start), "until": self.local_minute(self.observed_end)}

    def orders_url(self, **params) -> str:
        query = {**self._common(), **{k: v for k, v in params.items() if v is not None}}
        return reverse("workorders:list") + "?" + urlencode(query, doseq=True)

    def downtime_url(self, **params) -> str | None:
        try:
            base = reverse("assets:downtime-list")
        except NoReverseMatch:
            return None
        query = {k: v for k, v in self._common().items() if k not in ("team", "assignee")}
        query.update({k: v for k, v in params.items() if v is not None})
        return base + "?" + urlencode(query, doseq=True)
