"""The scheduled assessment: health from readings, one alert and one predictive work order per
problem however often it runs, and models applied only to their own category."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import degrading_readings, register_active_model
from predictions import services
from predictions.constants import LOW_HEALTH_CAUSE
from predictions.models import HealthAssessment
from predictions.tasks import assess_fleet
from telemetry.models import Alert
from telemetry.services import ingest_readings
from workorders.models import WorkOrder


@pytest.fixture
def failing_pump(plant):
    register_active_model(plant.category)
    ingest_readings(degrading_readings(plant.sensors_a, wear_from=0.6, wear_to=0.93))
    ingest_readings(degrading_readings(plant.sensors_b, wear_from=0.02, wear_to=0.02))
    return plant


def test_failing_machine_gets_low_health_alert_and_work_order_healthy_one_does_not(failing_pump):
    p = failing_pump
    report = services.assess_fleet()
    assert report.assessed == 2
    bad = HealthAssessment.objects.get(asset=p.asset_a)
    good = HealthAssessment.objects.get(asset=p.asset_b)
    assert bad.health_score < 40 < 80 < good.health_score
    assert bad.rul < good.rul
    assert bad.rul_lower <= bad.rul <= bad.rul_upper
    assert len(bad.contributions) == 5 and {"feature", "contribution", "value"} <= set(bad.contributions[0])
    alert = Alert.objects.get(asset=p.asset_a, cause=LOW_HEALTH_CAUSE)
    assert alert.is_active and str(round(bad.health_score)) in alert.title
    assert not Alert.objects.filter(asset=p.asset_b).exists()
    wo = WorkOrder.objects.get(asset=p.asset_a)
    assert wo.kind == "predictive" and wo.is_open and wo.source_ref == str(alert.pk)
    assert "What drives it: " in wo.description and "__" not in wo.description  # features in words


def test_running_the_task_twice_writes_one_assessment_one_alert_one_work_order(failing_pump):
    first = assess_fleet.apply().get()
    second = assess_fleet.apply().get()
    assert first["assessed"] == 2 and first["alerts_opened"] == 1 and first["work_orders_created"] == 1
    assert second["assessed"] == 0 and second["alerts_opened"] == 0
    assert HealthAssessment.objects.filter(asset=failing_pump.asset_a).count() == 1
    assert Alert.objects.filter(asset=failing_pump.asset_a).count() == 1
    assert WorkOrder.objects.filter(asset=failing_pump.asset_a).count() == 1


def test_next_interval_assesses_again_but_keeps_the_single_open_alert(failing_pump):
    now = timezone.now()
    services.assess_fleet(now=now)
    later = now + timedelta(minutes=2)
    # The same machine two minutes on, wearing at the same rate.
    ingest_readings(degrading_readings(failing_pump.sensors_a, wear_from=0.93, wear_to=0.99, end=later, minutes=2))
    ingest_readings(degrading_readings(failing_pump.sensors_b, wear_from=0.02, wear_to=0.02, end=later, minutes=2))
    report = services.assess_fleet(now=later)
    assert report.assessed == 2 and report.alerts_opened == 0
    assert HealthAssessment.objects.filter(asset=failing_pump.asset_a).count() == 2
    assert Alert.objects.filter(asset=failing_pump.asset_a, status__in=["open", "acknowledged"]).count() == 1
    assert WorkOrder.objects.filter(asset=failing_pump.asset_a).count() == 1


def test_alert_closes_only_when_health_recovers_past_the_upper_threshold(plant):
    register_active_model(plant.category)
    now = timezone.now()
    before = now - timedelta(minutes=15)
    ingest_readings(degrading_readings(plant.sensors_a, wear_from=0.6, wear_to=0.93, end=before))
    assert services.assess_fleet(now=before).alerts_opened == 1
    # Repaired: the last ten minutes look like a new machine, the failing window has slid out.
    result = ingest_readings(degrading_readings(plant.sensors_a, wear_from=0.01, wear_to=0.01, end=now))
    assert not result.errors
    report = services.assess_fleet(now=now)
    assert report.alerts_closed == 1
    assert Alert.objects.get(asset=plant.asset_a).status == "closed"
    assert HealthAssessment.objects.filter(asset=plant.asset_a).latest("assessed_at").health_score > 60


def test_a_model_of_one_category_is_not_applied_to_another(plant):
    from assets.models import AssetCategory

    fans = AssetCategory.objects.create(name="Cooling fan")
    plant.asset_b.category = fans
    plant.asset_b.save()
    register_active_model(plant.category)  # pumps only
    ingest_readings(degrading_readings(plant.sensors_a, wear_from=0.1, wear_to=0.1))
    ingest_readings(degrading_readings(plant.sensors_b, wear_from=0.6, wear_to=0.93))
    report = services.assess_fleet()
    assert HealthAssessment.objects.filter(asset=plant.asset_a).exists()
    assert not HealthAssessment.objects.filter(asset=plant.asset_b).exists()
    assert report.skipped_no_model >= 1


def test_assets_without_recent_readings_are_skipped_not_scored(plant):
    register_active_model(plant.category)
    old = timezone.now() - timedelta(hours=2)
    ingest_readings(degrading_readings(plant.sensors_a, wear_from=0.6, wear_to=0.93, end=old))
    report = services.assess_fleet()
    assert report.assessed == 0 and report.skipped_no_data >= 1
    assert not HealthAssessment.objects.exists()
