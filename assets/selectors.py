"""Reads of the asset register that need care: subtrees (recursive CTEs), availability from
downtime, and the location tree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from assets.models import Asset, Downtime, Location


def latest_health(asset: str = "pk"):
    """The health score of the asset's latest assessment (None before the first), for the asset
    being read (or the one its ``asset`` field points at). The assessments belong to the predictions
    app, reached through the relation it declares, so that assets imports nothing of it."""
    assessment = Asset._meta.get_field("health_assessments").related_model
    return Subquery(assessment.objects.filter(asset=OuterRef(asset)).order_by("-assessed_at")
                    .values("health_score")[:1], output_field=FloatField())


def count_of(model, fk: str = "asset", outer=None):
    """How many ``model`` rows point through ``fk`` at the row of ``outer`` (an asset unless
    said) being read: a correlated count, worked out for the rows fetched only (a join with GROUP
    BY would aggregate the whole table first). Written as SQL, as the ORM's nested subquery cost a
    millisecond to compile on every request; it names the outer table, so it annotates a query of
    that table itself, not a subquery."""
    outer = outer or Asset
    q = connection.ops.quote_name
    # The counted table under its own alias: it may be the outer one (an asset's children).
    sql = (f"SELECT COUNT(*) FROM {q(model._meta.db_table)} counted WHERE counted.{q(model._meta.get_field(fk).column)}"
           f" = {q(outer._meta.db_table)}.{q(outer._meta.pk.column)}")
    return RawSQL(sql, (), output_field=IntegerField())  # noqa: S611 - quoted table and column names only


AVAILABILITY_PERIODS = (("7 days", timedelta(days=7)), ("30 days", timedelta(days=30)),
                        ("90 days", timedelta(days=90)))


def descendant_ids(asset_ids: list[int]) -> list[int]:
    """Ids of every asset below the given ones (not including them), in one query."""
    if not asset_ids:
        return []
    with connection.cursor() as cur:
        cur.execute(
            """WITH RECURSIVE down(id, depth) AS (
                   SELECT id, 1 FROM assets_asset WHERE parent_id = ANY(%s)
                   UNION ALL
                   SELECT a.id, down.depth + 1 FROM assets_asset a JOIN down ON a.parent_id = down.id
                   WHERE down.depth < 1000)
               SELECT DISTINCT id FROM down""", [list(asset_ids)])
        return [row[0] for row in cur.fetchall()]


@dataclass(frozen=True)
class Availability:
    start: datetime
    end: datetime
    downtime_seconds: float
    downtime_count: int

    @property
    def period_seconds(self) -> float:
        return max((self.end - self.start).total_seconds(), 0.0)

    @property
    def ratio(self) -> float | None:
        """Share of the period the asset was not down (None for an empty period)."""
        if self.period_seconds <= 0:
            return None
        return max(0.0, 1.0 - self.downtime_seconds / self.period_seconds)

    @property
    def percent(self) -> float | None:
        return None if self.ratio is None else round(100 * self.ratio, 2)

    @property
    def downtime_hours(self) -> float:
        return round(self.downtime_seconds / 3600, 2)

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "period_hours": round(self.period_seconds / 3600, 2),
                "downtime_hours": self.downtime_hours, "downtime_count": self.downtime_count,
                "availability_percent": self.percent}


def availability(asset_ids: list[int], start: datetime, end: datetime) -> dict[int, Availability]:
    """Availability of each asset over [start, end): the period minus the overlap of its downtime
    records (an open downtime counts up to now). A period reaching into the future ends now.
    One query for any number of assets."""
    now = timezone.now()
    end = min(end, now)
    start = min(start, end)
    overlap = ExpressionWrapper(
        Greatest(Least(Coalesce(F("ended_at"), Value(now)), Value(end)) - Greatest(F("started_at"), Value(start)),
                 Value(timedelta(0))),
        output_field=DurationField())
    rows = (Downtime.objects.filter(asset_id__in=asset_ids, started_at__lt=end)
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
            .values("asset_id").annotate(down=Sum(overlap), n=Count("pk")))
    found = {r["asset_id"]: (r["down"].total_seconds(), r["n"]) for r in rows}
    return {pk: Availability(start, end, *found.get(pk, (0.0, 0))) for pk in asset_ids}


def asset_availability(asset, start: datetime, end: datetime) -> Availability:
    return availability([asset.pk], start, end)[asset.pk]


def availability_periods(asset, *, ever_down: bool = True) -> list[tuple[str, Availability]]:
    """The asset page's figures: the last 7, 30 and 90 days, from one query (none for an asset
    known never to have been down)."""
    now = timezone.now()
    longest = max(d for _, d in AVAILABILITY_PERIODS)
    downtimes = list(Downtime.objects.filter(asset=asset).filter(Q(ended_at__isnull=True)
                                                                 | Q(ended_at__gt=now - longest))
                     .values_list("started_at", "ended_at")) if ever_down else []
    out = []
    for label, delta in AVAILABILITY_PERIODS:
        start = now - delta
        seconds, count = 0.0, 0
        for began, ended in downtimes:
            overlap = (min(ended or now, now) - max(began, start)).total_seconds()
            if overlap > 0:
                seconds += overlap
                count += 1
        out.append((label, Availability(start, now, seconds, count)))
    return out


@dataclass
class LocationNode:
    location: Location
    children: list[LocationNode]
    asset_count: int = 0


def location_tree(locations) -> list[LocationNode]:
    """Nest a flat queryset of locations (each row with ``asset_count`` annotated or not) into
    trees, children sorted by code. Locations whose parent is not in the set become roots."""
    nodes = {loc.pk: LocationNode(loc, [], getattr(loc, "asset_count", 0)) for loc in locations}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.location.parent_id)
        (parent.children if parent else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: n.location.code)
    roots.sort(key=lambda n: (n.location.site_id, n.location.code))
    return roots


def location_chain(location: Location | None) -> list[Location]:
    """A location and the ones above it, root first (one recursive query)."""
    if location is None:
        return []
    return [*location.ancestors(), location]
