"""Training from the page and the API: a queued run, its progress, the new version in the
registry, and promote / roll back."""

import pytest

from conftest import jwt_client
from predictions import services
from predictions.models import ModelVersion, TrainingRun


def train_now(plant, **kwargs):
    run = services.start_training(category=plant.category, runs=20, rounds=20, **kwargs)
    return services.run_training(run.pk)


def test_a_run_reports_progress_and_registers_a_candidate(plant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        run = services.start_training(category=plant.category, actor=plant.manager_a, runs=20, rounds=20)
    # The Celery task is sent after commit (the other callbacks renew cache generations).
    assert len([c for c in queued if "start_training" in c.__qualname__]) == 1
    assert run.status == "queued" and run.progress == 0
    with pytest.raises(services.TrainingInProgress):
        services.start_training(category=plant.category, runs=20, rounds=20)
    done = services.run_training(run.pk)
    assert done.status == "succeeded" and done.progress == 100 and done.finished_at
    mv = done.model_version
    assert mv.status == "candidate" and mv.metrics["rul_rmse"] > 0 and mv.trained_by == plant.manager_a
    again = services.run_training(run.pk)  # a redelivered task does nothing
    assert again.model_version == mv and ModelVersion.objects.count() == 1


def test_a_failing_run_is_marked_failed_with_the_reason(plant, monkeypatch):
    run = services.start_training(category=plant.category, runs=20, rounds=20)

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(services.training, "simulate_history", broken)
    done = services.run_training(run.pk)
    assert done.status == "failed" and "out of memory" in done.message
    assert not ModelVersion.objects.exists()


def test_page_queues_training_and_polls_progress_until_done(plant, client):
    client.force_login(plant.manager_a)
    r = client.post("/predictions/training/start/", {"category": plant.category.pk}, follow=True)
    html = r.content.decode()
    assert "Training of Centrifugal pump queued" in html
    assert 'hx-trigger="every 2s"' in html and "<progress" in html
    services.run_training(TrainingRun.objects.get().pk)
    partial = client.get("/predictions/training/").content.decode()
    assert "Succeeded" in partial and 'hx-trigger' not in partial  # polling stops
    assert "Centrifugal pump health v1" in partial


def test_promote_and_roll_back_from_the_page(plant, client):
    first = train_now(plant, activate=True).model_version
    second = train_now(plant).model_version
    client.force_login(plant.manager_a)
    client.post(f"/predictions/models/{second.pk}/promote/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == "active" and first.status == "retired"
    html = client.get("/predictions/models/").content.decode()
    assert "Roll back to this" in html
    client.post(f"/predictions/models/{first.pk}/promote/")
    assert ModelVersion.objects.active_for(plant.category.pk) == first


def test_technician_can_neither_train_nor_promote(plant, client):
    mv = train_now(plant).model_version
    client.force_login(plant.tech_a)
    html = client.get("/predictions/models/").content.decode()
    assert "Train a new version" not in html and "Promote" not in html
    assert client.post(f"/predictions/models/{mv.pk}/promote/").status_code == 404
    client.post("/predictions/training/start/", {"category": plant.category.pk})
    assert TrainingRun.objects.count() == 1  # only the one above


def test_api_queues_a_run_with_202_and_refuses_a_second_with_409(plant):
    client = jwt_client(plant.manager_a)
    r = client.post("/api/v1/training-runs/", {"category": plant.category.pk, "runs": 20, "rounds": 20},
                    format="json")
    assert r.status_code == 202 and r.json()["status"] == "queued" and r.json()["params"] == {"runs": 20,
                                                                                              "rounds": 20,
                                                                                              "source": "auto"}
    again = client.post("/api/v1/training-runs/", {"category": plant.category.pk}, format="json")
    assert again.status_code == 409
    bad = client.post("/api/v1/training-runs/", {"category": plant.category.pk, "runs": 1}, format="json")
    assert bad.status_code == 400 and "runs" in bad.json()
    assert jwt_client(plant.tech_a).post("/api/v1/training-runs/", {"category": plant.category.pk},
                                         format="json").status_code == 403


def test_model_page_shows_calibration_and_feature_importance(plant, client):
    mv = train_now(plant).model_version
    curve = mv.metrics["calibration_curve"]
    assert curve and all(0 <= pt["predicted"] <= 1 and 0 <= pt["observed"] <= 1 for pt in curve)
    client.force_login(plant.viewer_a)
    html = client.get(f"/predictions/models/{mv.pk}/").content.decode()
    page = html[html.index('<main class="container">'):]  # the header's icons are not the chart's points
    assert page.count("<circle") == len(curve)
    top_feature = mv.metrics["feature_importance"][0][0]
    assert top_feature in html and "Alert precision" in html


def test_calibrated_probabilities_are_used_and_old_artifacts_still_load(plant):
    import json

    import numpy as np

    from predictions.training import TrainedModels

    mv = train_now(plant).model_version
    models = services.load_models(mv)
    assert models.calibration and models.calibration["x"] == sorted(models.calibration["x"])
    X = np.random.default_rng(1).normal(size=(5, len(mv.feature_names)))
    p = models.failure_probability(X)
    assert ((p >= 0) & (p <= 1)).all()
    boosters_only = json.dumps(json.loads(bytes(mv.artifact))["boosters"]).encode()
    legacy = TrainedModels.load(boosters_only, mv.feature_names, mv.params)
    assert legacy.calibration is None and set(legacy.boosters) == set(models.boosters)


def test_a_run_whose_worker_was_killed_is_failed_and_the_category_trains_again(plant):
    """A worker killed mid-training leaves its run "running"; once silent past its lease it is
    marked failed with the reason, and a new run can start instead of being refused forever."""
    from datetime import timedelta

    from django.utils import timezone

    from prosync.celery import app

    lost = services.start_training(category=plant.category, runs=20, rounds=20)
    long_ago = timezone.now() - timedelta(hours=2)
    TrainingRun.objects.filter(pk=lost.pk).update(status="running", started_at=long_ago, heartbeat_at=long_ago)
    fresh = services.start_training(category=plant.category, runs=20, rounds=20)
    lost.refresh_from_db()
    assert lost.status == "failed" and "no progress" in lost.message and fresh.status == "queued"
    with pytest.raises(services.TrainingInProgress):  # a live run still holds its category
        services.start_training(category=plant.category, runs=20, rounds=20)
    # The task itself goes back to the queue when its worker dies, before Redis hands it out again.
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit
