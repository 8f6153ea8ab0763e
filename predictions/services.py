"""Prediction writes: registering trained models, promoting them, and assessing the fleet
(health assessments, low-health alerts and predictive work orders)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from psycopg.types.json import Jsonb

from assets.choices import AssetStatus
from assets.models import Asset, AssetCategory
from predictions import constants, training
from predictions.choices import ModelStatus, TrainingStatus
from predictions.features import FeatureLayout, asset_extras
from predictions.models import FeedbackLabel, HealthAssessment, ModelVersion, TrainingRun
from prosync.core.events import broadcast_fleet_on_commit
from prosync.core.humanize import duration, feature_text, health_text
from prosync.core.recording import record
from telemetry import services as telemetry_services
from telemetry.choices import ACTIVE_ALERT_STATUSES, AlertSeverity, AlertSource
from telemetry.models import Alert, Sensor
from telemetry.simulation import METRICS
from workorders import services as workorder_services
from workorders.choices import PredictionOutcome, WorkOrderPriority, WorkOrderType

logger = logging.getLogger(__name__)


def record_feedback(*, work_order, actor=None) -> FeedbackLabel | None:
    """Turn a completed predictive work order's finding into a label (once per order)."""
    if work_order.source != "prediction" or work_order.outcome not in PredictionOutcome.values:
        return None
    alert = Alert.objects.filter(pk=work_order.source_ref).first() if work_order.source_ref.isdecimal() else None
    details = alert.details if alert else {}
    label, created = FeedbackLabel.objects.get_or_create(work_order=work_order, defaults={
        "asset_id": work_order.asset_id, "alert": alert,
        "model_version_id": details.get("model_version"), "assessment_id": details.get("assessment"),
        "fault_confirmed": work_order.outcome == PredictionOutcome.FAULT_CONFIRMED,
        "labelled_at": work_order.completed_at or timezone.now(), "labelled_by": actor})
    if created:
        record(actor, "feedback.label", label, changes={"work_order": work_order.pk,
                                                        "fault_confirmed": label.fault_confirmed})
    return label


@transaction.atomic
def register_model(*, category: AssetCategory, trained: training.TrainedModels, source: str, actor=None,
                   activate: bool = False) -> ModelVersion:
    last = ModelVersion.objects.select_for_update().filter(category=category).aggregate(v=Max("version"))["v"]
    mv = ModelVersion.objects.create(
        name=f"{category.name} health", category=category, version=(last or 0) + 1, trained_by=actor,
        training_source=source, feature_names=trained.feature_names, params=trained.params,
        metrics=trained.metrics, artifact=trained.serialise())
    record(actor, "model.register", mv, changes={"metrics": trained.metrics})
    if activate:
        promote_model(mv, actor=actor)
    return mv


@transaction.atomic
def promote_model(mv: ModelVersion, *, actor=None) -> ModelVersion:
    """Make this version the active one of its category; the previous active one retires."""
    ModelVersion.objects.select_for_update().filter(category_id=mv.category_id)
    ModelVersion.objects.filter(category_id=mv.category_id, status=ModelStatus.ACTIVE).exclude(pk=mv.pk).update(
        status=ModelStatus.RETIRED)
    mv.status = ModelStatus.ACTIVE
    mv.save(update_fields=["status"])
    record(actor, "model.promote", mv)
    return mv


class NotEnoughHistory(ValueError):
    """Training from recorded history alone was asked for, but too few failures are recorded."""


TRAINING_SOURCES = ("auto", "history", "simulator")
MIN_RECORDED_FAILURES = 2


def training_dataset(category: AssetCategory, *, source: str = "auto", runs: int = 160,
                     now: datetime | None = None, on_progress=None) -> training.Dataset:
    """The rows to train on. ``history``: recorded failures, confirmed and rejected predictions
    and machines that kept running; ``simulator``: simulated run-to-failure machines of the
    category; ``auto``: both when anything is recorded (the simulator is the prior that the
    plant's own history corrects), else the simulator alone."""
    if source not in TRAINING_SOURCES:
        raise ValueError(f"unknown training source {source!r}; use one of {', '.join(TRAINING_SOURCES)}")
    report = on_progress or (lambda *_: None)
    from predictions import history

    recorded = None
    if source in ("auto", "history"):
        report(5, "reading recorded failures, inspections and readings")
        layout = FeatureLayout.default(METRICS)
        recorded = history.history_dataset(category, layout, rul_cap=constants.RUL_CAP,
                                           horizon=constants.FAILURE_HORIZON, now=now)
        failures = recorded.label_counts["failures"] if recorded else 0
        if source == "history" and failures < MIN_RECORDED_FAILURES:
            raise NotEnoughHistory(
                f"{category} has {failures} recorded failure(s) with readings before them; at least "
                f"{MIN_RECORDED_FAILURES} are needed to train on history alone (complete corrective work orders "
                "with a problem code, or confirm predicted faults).")
        if source == "history":
            return recorded
    report(10, f"simulating {runs} machines of the category to failure")
    simulated = training.simulate_history(category.name, runs=runs)
    has_labels = recorded is not None and (recorded.label_counts["failures"] or
                                           recorded.label_counts["no_fault_inspections"])
    return simulated.combined_with(recorded) if has_labels else simulated


def train_for_category(category: AssetCategory, *, runs: int = 160, rounds: int = 200, actor=None,
                       activate: bool = True, on_progress=None, source: str = "auto") -> ModelVersion:
    report = on_progress or (lambda *_: None)
    ds = training_dataset(category, source=source, runs=runs, on_progress=report)
    trained = training.train(ds, rounds=rounds, on_progress=report)
    report(95, "registering the new version")
    return register_model(category=category, trained=trained, source=ds.source[:200], actor=actor,
                          activate=activate)


@transaction.atomic
def start_training(*, category: AssetCategory, actor=None, runs: int = 100, rounds: int = 150,
                   activate: bool = False, source: str = "auto") -> TrainingRun:
    """Queue a training run for a category; the worker runs it and reports progress on the run."""
    busy = [TrainingStatus.QUEUED, TrainingStatus.RUNNING]
    expire_lost_runs()
    if TrainingRun.objects.filter(category=category, status__in=busy).exists():
        raise TrainingInProgress(f"{category} is already being trained; wait for that run to finish.")
    if source not in TRAINING_SOURCES:
        raise ValueError(f"unknown training source {source!r}; use one of {', '.join(TRAINING_SOURCES)}")
    if source == "history":
        from predictions.history import failure_events

        events = failure_events(category)[0]
        failures = sum(len(v) for v in events.values())
        if failures < MIN_RECORDED_FAILURES:
            raise NotEnoughHistory(
                f"{category} has {failures} recorded failure(s); at least {MIN_RECORDED_FAILURES} are needed to train "
                "on history alone (complete corrective work orders with a problem code, or confirm predicted faults).")
    run = TrainingRun.objects.create(category=category, requested_by=actor, activate=activate,
                                     params={"runs": runs, "rounds": rounds, "source": source})
    record(actor, "model.train", run, changes=run.params)
    # By name: tasks import the services, not the other way round.
    transaction.on_commit(lambda: current_app.send_task("predictions.train_models", args=[run.pk]))
    return run


class TrainingInProgress(Exception):
    pass


def expire_lost_runs(now: datetime | None = None) -> int:
    """Mark failed the runs whose worker is gone: running without a progress report for longer
    than ``TRAINING_LEASE_SECONDS``, or queued and never started for a day. Returns how many."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.TRAINING_LEASE_SECONDS)
    silent = Q(status=TrainingStatus.RUNNING) & (Q(heartbeat_at__lt=now - lease)
                                                 | Q(heartbeat_at__isnull=True, started_at__lt=now - lease))
    lost = TrainingRun.objects.filter(silent).update(
        status=TrainingStatus.FAILED, finished_at=now,
        message=f"failed: no progress for {settings.TRAINING_LEASE_SECONDS // 60} minutes (its worker stopped)")
    lost += TrainingRun.objects.filter(status=TrainingStatus.QUEUED, created_at__lt=now - timedelta(days=1)).update(
        status=TrainingStatus.FAILED, finished_at=now, message="failed: never started (no worker took it)")
    if lost:
        logger.warning("training runs marked failed: their worker was lost", extra={"runs": lost})
    return lost


def new_labels_since(category: AssetCategory, since: datetime) -> int:
    """What the plant has learnt about a category's machines since ``since``: inspections of
    predicted faults (either answer) and failures repaired under a problem code."""
    from predictions.history import failure_orders

    inspections = FeedbackLabel.objects.filter(asset__category=category, labelled_at__gt=since).count()
    return inspections + failure_orders(category).filter(completed_at__gt=since).count()


def retrain_where_labels_arrived(*, min_new: int | None = None) -> list[TrainingRun]:
    """Close the loop: a category whose active model is older than ``min_new`` new labels gets a
    training run on recorded history plus the simulator. The new version is a candidate: its
    held-out figures sit beside the active one's on the registry page, and a manager promotes it."""
    min_new = settings.RETRAIN_MIN_NEW_LABELS if min_new is None else min_new
    started = []
    for mv in ModelVersion.objects.filter(status=ModelStatus.ACTIVE).select_related("category").defer("artifact"):
        fresh = new_labels_since(mv.category, mv.created_at)
        if fresh < min_new:
            continue
        try:
            run = start_training(category=mv.category, source="auto", activate=False)
        except TrainingInProgress:
            continue
        TrainingRun.objects.filter(pk=run.pk).update(message=f"queued: {fresh} new labels since v{mv.version}")
        started.append(run)
    return started


def run_training(run_id: int) -> TrainingRun:
    """Carry out a queued run (a second delivery of the same task finds it taken and stops)."""
    claimed = TrainingRun.objects.filter(pk=run_id, status=TrainingStatus.QUEUED).update(
        status=TrainingStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now(), message="starting")
    run = TrainingRun.objects.get(pk=run_id)
    if not claimed:
        return run

    def report(percent: int, message: str) -> None:
        TrainingRun.objects.filter(pk=run_id).update(progress=percent, message=message[:200],
                                                     heartbeat_at=timezone.now())

    try:
        mv = train_for_category(run.category, runs=run.params.get("runs", 100), rounds=run.params.get("rounds", 150),
                                actor=run.requested_by, activate=run.activate, on_progress=report,
                                source=run.params.get("source", "auto"))
    except Exception as exc:
        logger.exception("training failed", extra={"run": run_id})
        TrainingRun.objects.filter(pk=run_id).update(status=TrainingStatus.FAILED, finished_at=timezone.now(),
                                                     message=f"failed: {exc}"[:200])
    else:
        TrainingRun.objects.filter(pk=run_id).update(status=TrainingStatus.SUCCEEDED, progress=100,
                                                     finished_at=timezone.now(), model_version=mv,
                                                     message=f"trained {mv}")
    run.refresh_from_db()
    return run


_loaded: dict[int, training.TrainedModels] = {}


def load_models(mv: ModelVersion) -> training.TrainedModels:
    if mv.pk not in _loaded:
        _loaded[mv.pk] = training.TrainedModels.load(mv.artifact, mv.feature_names, mv.params)
    return _loaded[mv.pk]


@dataclass
class FleetAssessment:
    assessed: int = 0
    skipped_no_data: int = 0
    skipped_no_model: int = 0
    alerts_opened: int = 0
    alerts_closed: int = 0
    work_orders_created: int = 0


def _bucket(now: datetime) -> datetime:
    """Assessments are stamped with the start of their interval, so a second run in the same
    interval (beat firing twice, a retried task) writes nothing new."""
    step = max(1, settings.ASSESSMENT_INTERVAL_SECONDS)
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % step, tz=now.tzinfo)


def assess_fleet(*, now: datetime | None = None, asset_ids: list[int] | None = None) -> FleetAssessment:
    now = now or timezone.now()
    stamp = _bucket(now)
    report = FleetAssessment()
    assets = Asset.objects.exclude(status=AssetStatus.DECOMMISSIONED).select_related("category")
    if asset_ids is not None:
        assets = assets.filter(pk__in=asset_ids)
    by_category: dict[int | None, list[Asset]] = {}
    for asset in assets:
        by_category.setdefault(asset.category_id, []).append(asset)
    for category_id, members in by_category.items():
        mv = ModelVersion.objects.active_for(category_id) if category_id else None
        if mv is None:
            report.skipped_no_model += len(members)
            continue
        _assess_category(mv, members, now, stamp, report)
    logger.info("fleet assessed", extra=report.__dict__)
    return report


def _assess_category(mv: ModelVersion, assets: list[Asset], now, stamp, report: FleetAssessment) -> None:
    models = load_models(mv)
    layout = FeatureLayout.from_params(models.params)
    row_of = {a.pk: i for i, a in enumerate(assets)}
    sensors = [(sensor_id, row_of[asset_id], metric) for sensor_id, asset_id, metric in
               Sensor.objects.filter(asset__in=assets, metric__in=layout.metrics, is_active=True)
               .values_list("id", "asset_id", "metric")]
    extras = asset_extras(assets, now) if layout.asset_features else None
    # NaN where a sensor is missing or silent; assets with no reading in any window are skipped.
    X, has_data = layout.fleet_matrix(sensors, len(assets), now, extras)
    with_data = [a for a, ok in zip(assets, has_data, strict=True) if ok]
    report.skipped_no_data += len(assets) - len(with_data)
    if not with_data:
        return
    X = X[has_data]
    out = training.predict(models, X)
    names = models.feature_names
    rows = []
    for i, asset in enumerate(with_data):
        order = np.argsort(-np.abs(out["contributions"][i]))[: constants.TOP_CONTRIBUTIONS]
        contributions = [{"feature": names[j], "value": None if np.isnan(X[i, j]) else round(float(X[i, j]), 3),
                          "contribution": round(float(out["contributions"][i, j]), 3)} for j in order]
        rows.append(HealthAssessment(
            asset=asset, model_version=mv, assessed_at=stamp, health_score=round(float(out["health"][i]), 1),
            failure_probability=round(float(out["p_fail"][i]), 4), rul=round(float(out["rul"][i]), 2),
            rul_lower=round(float(out["rul_lower"][i]), 2), rul_upper=round(float(out["rul_upper"][i]), 2),
            contributions=contributions))
    _record(mv, stamp, rows, report)


_INSERT_ASSESSMENTS = f"""
    INSERT INTO {HealthAssessment._meta.db_table}
        (asset_id, model_version_id, assessed_at, health_score, failure_probability, rul, rul_lower, rul_upper,
         contributions)
    SELECT a, %(mv)s, %(at)s, h, p, r, lo, hi, c
    FROM unnest(%(assets)s::bigint[], %(health)s::float8[], %(pfail)s::float8[], %(rul)s::float8[],
                %(lower)s::float8[], %(upper)s::float8[], %(contrib)s::jsonb[]) AS t(a, h, p, r, lo, hi, c)
    ON CONFLICT (asset_id, model_version_id, assessed_at) DO NOTHING
    RETURNING asset_id, id"""


@transaction.atomic
def _record(mv: ModelVersion, stamp: datetime, rows: list[HealthAssessment], report: FleetAssessment) -> None:
    """Write a category's assessments in one statement whatever the number of assets (arrays
    unnested by PostgreSQL); an asset already assessed in this interval, by an earlier or a
    concurrent run, is skipped by the unique constraint. Then alerts for the few that cross a
    threshold, and one live message per site and block of assets."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_ASSESSMENTS, {
            "mv": mv.pk, "at": stamp, "assets": [r.asset_id for r in rows],
            "health": [r.health_score for r in rows], "pfail": [r.failure_probability for r in rows],
            "rul": [r.rul for r in rows], "lower": [r.rul_lower for r in rows], "upper": [r.rul_upper for r in rows],
            "contrib": [Jsonb(r.contributions) for r in rows]})
        ids = dict(cursor.fetchall())
    fresh = [r for r in rows if r.asset_id in ids]
    for r in fresh:
        r.pk = ids[r.asset_id]
    report.assessed += len(fresh)
    by_site: dict[int, list[dict]] = {}
    for r in fresh:
        by_site.setdefault(r.asset.site_id, []).append({
            "asset": r.asset_id, "health": r.health_score, "rul": r.rul, "rul_lower": r.rul_lower,
            "rul_upper": r.rul_upper, "failure_probability": r.failure_probability,
            "assessed_at": stamp.isoformat(), "contributions": r.contributions})
    broadcast_fleet_on_commit("predictions.assessment", by_site)
    low = [r for r in fresh if r.health_score < settings.HEALTH_ALERT_BELOW]
    high = {r.asset_id: r for r in fresh if r.health_score > settings.HEALTH_ALERT_CLEAR_ABOVE}
    for row in low:
        _open_low_health_alert(row.asset, row, report)
    if high:
        for alert in Alert.objects.filter(asset_id__in=list(high), cause=constants.LOW_HEALTH_CAUSE,
                                          status__in=ACTIVE_ALERT_STATUSES):
            telemetry_services.close_alert(alert, reason=f"health recovered to {high[alert.asset_id].health_score:.0f}")
            report.alerts_closed += 1


def _open_low_health_alert(asset: Asset, assessment: HealthAssessment, report: FleetAssessment) -> None:
    """Below HEALTH_ALERT_BELOW: an alert (one per asset while active; it closes only above
    HEALTH_ALERT_CLEAR_ABOVE, the hysteresis) and a predictive work order (one open per asset)."""
    health = assessment.health_score
    top = "; ".join(feature_text(c["feature"], c.get("value")) for c in assessment.contributions[:3])
    unit = assessment.model_version.params.get("rul_unit", "")
    alert, created = telemetry_services.raise_alert(
        asset=asset, cause=constants.LOW_HEALTH_CAUSE, source=AlertSource.PREDICTION,
        severity=AlertSeverity.CRITICAL if health < settings.HEALTH_ALERT_BELOW / 2 else AlertSeverity.WARNING,
        title=f"{asset.tag}: " + health_text(health, assessment.rul, assessment.rul_lower, assessment.rul_upper, unit),
        message=f"{asset.name}: the health model expects a failure in about "
                f"{duration(max(assessment.rul, 0), unit)}. What drives it: {top}.",
        details={"assessment": assessment.pk, "health": health, "model_version": assessment.model_version_id})
    if not created:
        return
    report.alerts_opened += 1
    if not workorder_services.open_work_order_exists(asset=asset, kind=WorkOrderType.PREDICTIVE):
        workorder_services.create_work_order(
            asset=asset, title=f"Inspect {asset.tag} {asset.name}: predicted failure",
            description=alert.message, kind=WorkOrderType.PREDICTIVE,
            priority=WorkOrderPriority.URGENT if alert.severity == AlertSeverity.CRITICAL else WorkOrderPriority.HIGH,
            source="prediction", source_ref=str(alert.pk))
        report.work_orders_created += 1
