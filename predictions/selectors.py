"""Reads of health data that need care: the latest assessment per asset in one query."""

from predictions.models import HealthAssessment


def latest_assessments(asset_ids) -> dict[int, HealthAssessment]:
    qs = (HealthAssessment.objects.filter(asset_id__in=list(asset_ids))
          .order_by("asset_id", "-assessed_at").distinct("asset_id"))
    return {a.asset_id: a for a in qs}


def fleet_ranking(user, limit: int = 10) -> list[HealthAssessment]:
    """Assets most at risk first: each visible asset's latest assessment, lowest health first."""
    latest = (HealthAssessment.objects.for_user(user).order_by("asset_id", "-assessed_at").distinct("asset_id")
              .values("pk"))
    return list(HealthAssessment.objects.filter(pk__in=latest).select_related("asset", "asset__site")
                .order_by("health_score")[:limit])


def health_trend(asset, limit: int = 240) -> list[tuple[float, float]]:
    rows = (HealthAssessment.objects.filter(asset=asset).order_by("-assessed_at")
            .values_list("assessed_at", "health_score")[:limit])
    return [(ts.timestamp(), score) for ts, score in reversed(rows)]
