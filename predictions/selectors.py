"""Reads of health data that need care: the latest assessment per asset in one query."""

from django.db.models import Count, Q

from predictions.models import FeedbackLabel, HealthAssessment


def latest_assessments(asset_ids) -> dict[int, HealthAssessment]:
    qs = (HealthAssessment.objects.filter(asset_id__in=list(asset_ids)).select_related("model_version")
          .defer("model_version__artifact")
          .order_by("asset_id", "-assessed_at").distinct("asset_id"))
    return {a.asset_id: a for a in qs}


def feedback_precision() -> dict[int, dict]:
    """Per model version: alerts inspected, faults confirmed, and the precision that makes."""
    rows = (FeedbackLabel.objects.exclude(model_version=None).values("model_version")
            .annotate(inspected=Count("pk"), confirmed=Count("pk", filter=Q(fault_confirmed=True))))
    return {r["model_version"]: {**r, "precision": r["confirmed"] / r["inspected"]} for r in rows}


def _latest_visible(user):
    latest = (HealthAssessment.objects.for_user(user).order_by("asset_id", "-assessed_at").distinct("asset_id")
              .values("pk"))
    return HealthAssessment.objects.filter(pk__in=latest)


def fleet_ranking(user, limit: int = 10) -> list[HealthAssessment]:
    """Assets most at risk first: each visible asset's latest assessment, lowest health first."""
    return list(_latest_visible(user).select_related("asset", "asset__site", "model_version")
                .defer("model_version__artifact").order_by("health_score")[:limit])


def health_bands(user) -> dict[str, int]:
    """How many visible assets are good (70+), to watch (40-70) or poor (<40), by latest assessment."""
    return _latest_visible(user).aggregate(
        good=Count("pk", filter=Q(health_score__gte=70)),
        watch=Count("pk", filter=Q(health_score__gte=40, health_score__lt=70)),
        poor=Count("pk", filter=Q(health_score__lt=40)))


def health_trend(asset, limit: int = 240) -> list[tuple[float, float]]:
    rows = (HealthAssessment.objects.filter(asset=asset).order_by("-assessed_at")
            .values_list("assessed_at", "health_score")[:limit])
    return [(ts.timestamp(), score) for ts, score in reversed(rows)]
