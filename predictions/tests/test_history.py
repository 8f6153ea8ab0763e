"""Training labels from recorded history: failures recorded as corrective work orders with a
problem code, confirmed and rejected predictions, and machines that kept running."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from conftest import degrading_readings, jwt_client

pytestmark = pytest.mark.django_db


def _failed(plant, asset, sensors, at, *, code):
    """A machine that wore out over the half hour before ``at`` and was repaired then."""
    from telemetry.services import ingest_readings
    from workorders.models import WorkOrder

    ingest_readings(degrading_readings(sensors, wear_from=0.2, wear_to=0.97, minutes=30, interval=10.0, end=at))
    return WorkOrder.objects.create(site=asset.site, asset=asset, title="Bearing seized", kind="corrective",
                                    status="completed", completed_at=at, problem_code=code)


@pytest.fixture
def problem(db):
    from workorders.models import FailureCode

    return FailureCode.objects.create(kind="problem", code="BRG", description="Bearing failure")


def test_a_repaired_failure_labels_the_life_before_it(plant, problem):
    from predictions import constants
    from predictions.history import label_history

    failed_at = timezone.now() - timedelta(hours=2)
    _failed(plant, plant.asset_a, plant.sensors_a, failed_at, code=problem)
    found = label_history(plant.category, rul_cap=constants.RUL_CAP, horizon=constants.FAILURE_HORIZON)
    assert found.failures == 1 and found.failures_from_work_orders == 1
    before = [label for label in found.labels if label.group.endswith(":0")]
    assert len(before) > 10 and all(label.at <= failed_at for label in before)
    for label in before:
        minutes_left = (failed_at - label.at).total_seconds() / 60
        assert label.rul == pytest.approx(min(constants.RUL_CAP, minutes_left))
        assert label.failed_within_horizon == int(minutes_left <= constants.FAILURE_HORIZON)
    # The other machines of the category ran on for more than the cap: healthy instants only.
    others = [label for label in found.labels if label.asset_id != plant.asset_a.pk]
    assert others and all(label.rul == constants.RUL_CAP and not label.failed_within_horizon for label in others)


def test_an_order_without_a_problem_code_or_of_another_category_is_not_a_failure(plant, problem):
    from assets.models import Asset, AssetCategory
    from predictions.history import failure_events
    from workorders.models import WorkOrder

    at = timezone.now() - timedelta(hours=1)
    WorkOrder.objects.create(site=plant.site_a, asset=plant.asset_a, title="Adjusted", kind="corrective",
                             status="completed", completed_at=at)
    fan = Asset.objects.create(site=plant.site_a, category=AssetCategory.objects.create(name="Fan"), tag="F-1",
                               name="Fan")
    WorkOrder.objects.create(site=plant.site_a, asset=fan, title="Fan broke", kind="corrective",
                             status="closed", completed_at=at, problem_code=problem)
    assert failure_events(plant.category)[0] == {}


def test_inspections_become_labels_and_history_trains_a_model(plant, problem):
    from predictions import services
    from predictions.features import FeatureLayout
    from predictions.history import history_dataset
    from predictions.models import FeedbackLabel
    from telemetry.simulation import METRICS
    from workorders.models import WorkOrder

    now = timezone.now()
    _failed(plant, plant.asset_a, plant.sensors_a, now - timedelta(hours=3), code=problem)
    _failed(plant, plant.asset_b, plant.sensors_b, now - timedelta(hours=2), code=problem)
    checked = WorkOrder.objects.create(site=plant.site_a, asset=plant.child_a, title="Inspect", kind="predictive",
                                       status="completed", completed_at=now - timedelta(hours=1),
                                       outcome="no_fault_found", source="prediction")
    FeedbackLabel.objects.create(work_order=checked, asset=plant.child_a, fault_confirmed=False,
                                 labelled_at=now - timedelta(hours=1))

    ds = history_dataset(plant.category, FeatureLayout.default(METRICS), rul_cap=30.0, horizon=10.0)
    assert ds.label_counts["failures"] == 2 and ds.label_counts["no_fault_inspections"] == 1
    assert "2 failures" in ds.source and ds.training_window is not None
    # Instants close to a failure show the wear the model has to learn.
    vib = ds.feature_names.index("vibration__mean__10m")
    near, far = ds.X[ds.failed_within_horizon == 1, vib], ds.X[ds.rul >= 25, vib]
    far = far[~np.isnan(far)]
    assert len(near) and len(far) and np.nanmean(near) > np.nanmean(far)

    mv = services.train_for_category(plant.category, source="history", rounds=20)
    assert mv.training_source.startswith("recorded history: 2 failures")
    assert mv.params["labels"]["failures"] == 2 and mv.params["training_window"]
    mixed = services.train_for_category(plant.category, source="auto", runs=12, rounds=20, activate=False)
    assert "recorded history" in mixed.training_source and "simulator" in mixed.training_source


def test_history_alone_needs_recorded_failures(plant):
    from predictions import services

    with pytest.raises(services.NotEnoughHistory, match="0 recorded failure"):
        services.start_training(category=plant.category, source="history")
    r = jwt_client(plant.manager_a).post("/api/v1/training-runs/", {"category": plant.category.pk,
                                                                    "source": "history"}, format="json")
    assert r.status_code == 422 and "recorded failure" in r.json()["source"][0]
    r = jwt_client(plant.manager_a).post("/api/v1/training-runs/", {"category": plant.category.pk,
                                                                    "source": "guesswork"}, format="json")
    assert r.status_code == 400 and "source" in r.json()


def test_new_labels_queue_a_candidate_model_once_enough_have_arrived(plant, problem):
    from conftest import register_active_model
    from predictions import services
    from predictions.models import FeedbackLabel, TrainingRun
    from workorders.models import WorkOrder

    register_active_model(plant.category)
    later = timezone.now() + timedelta(minutes=5)
    checked = WorkOrder.objects.create(site=plant.site_a, asset=plant.asset_a, title="Inspect", kind="predictive",
                                       status="completed", completed_at=later, outcome="fault_confirmed",
                                       source="prediction")
    FeedbackLabel.objects.create(work_order=checked, asset=plant.asset_a, fault_confirmed=True, labelled_at=later)
    assert services.retrain_where_labels_arrived(min_new=2) == []  # one label is not enough
    WorkOrder.objects.create(site=plant.site_b, asset=plant.asset_b, title="Seized", kind="corrective",
                             status="closed", completed_at=later, problem_code=problem)
    [run] = services.retrain_where_labels_arrived(min_new=2)
    run.refresh_from_db()
    assert run.params["source"] == "auto" and not run.activate and "2 new labels" in run.message
    assert services.retrain_where_labels_arrived(min_new=2) == []  # already queued: not twice
    assert TrainingRun.objects.count() == 1
