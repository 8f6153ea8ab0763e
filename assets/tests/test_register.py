"""The asset register's rules, through its services: the location tree, moving subtrees,
category attributes, status changes with downtime and availability, meters, documents."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import AuditLog
from assets import services
from assets.choices import AssetStatus, MeterKind, ReadingSource
from assets.models import Asset, AssetCategory, AssetDocument, Downtime, Location, MeterReading
from assets.selectors import asset_availability, availability, descendant_ids
from assets.tests.helpers import png_bytes


@pytest.fixture
def tree(plant):
    """Building B1 > Line L1 > Room R1 on site A; building B9 on site B."""
    u = plant.manager_a
    b1 = services.create_location(actor=u, site=plant.site_a, code="B1", name="Building 1", kind="building")
    l1 = services.create_location(actor=u, site=plant.site_a, parent=b1, code="L1", name="Line 1", kind="line")
    r1 = services.create_location(actor=u, site=plant.site_a, parent=l1, code="R1", name="Room 1", kind="room")
    b9 = services.create_location(actor=u, site=plant.site_b, code="B9", name="Building 9", kind="building")
    return b1, l1, r1, b9


# --- Locations ------------------------------------------------------------------------------


def test_location_paths_follow_a_moved_subtree(plant, tree):
    b1, l1, r1, _ = tree
    b2 = services.create_location(actor=plant.manager_a, site=plant.site_a, code="B2", name="Building 2")
    services.update_location(l1, actor=plant.manager_a, parent=b2)
    r1.refresh_from_db()
    assert r1.path == f"/{b2.pk}/{l1.pk}/{r1.pk}/" and r1.depth == 2
    assert [loc.code for loc in r1.ancestors()] == ["B2", "L1"]
    services.update_location(l1, actor=plant.manager_a, parent=None)
    r1.refresh_from_db()
    assert r1.path == f"/{l1.pk}/{r1.pk}/" and r1.depth == 1
    assert AuditLog.objects.filter(action="location.move", object_id=str(l1.pk)).count() == 2


def test_location_cycle_and_other_site_parent_are_refused_and_change_nothing(plant, tree):
    b1, l1, r1, b9 = tree
    with pytest.raises(ValidationError) as exc:
        services.update_location(b1, actor=plant.manager_a, parent=r1)
    assert "cycle" in str(exc.value.message_dict["parent"])
    with pytest.raises(ValidationError) as exc:
        services.update_location(l1, actor=plant.manager_a, parent=b9)
    assert "same site" in str(exc.value.message_dict["parent"])
    with pytest.raises(ValidationError):
        services.update_location(b1, actor=plant.manager_a, parent=b1)
    b1.refresh_from_db(), l1.refresh_from_db()
    assert b1.parent_id is None and l1.parent_id == b1.pk and b1.path == f"/{b1.pk}/"


def test_duplicate_location_code_on_a_site_is_refused(plant, tree):
    with pytest.raises(ValidationError) as exc:
        services.create_location(actor=plant.manager_a, site=plant.site_a, code="B1", name="Again")
    assert "__all__" in exc.value.message_dict or "code" in exc.value.message_dict
    services.create_location(actor=plant.manager_a, site=plant.site_b, code="B1", name="Same code, other site")


def test_location_with_assets_cannot_be_deleted(plant, tree):
    _, l1, r1, _ = tree
    services.update_asset(plant.asset_a, actor=plant.manager_a, location=r1)
    with pytest.raises(ValidationError, match="move them first"):
        services.delete_location(r1, actor=plant.manager_a)
    with pytest.raises(ValidationError, match="sub-locations"):
        services.delete_location(l1, actor=plant.manager_a)


# --- Asset tree ------------------------------------------------------------------------------


def test_moving_an_asset_moves_its_subtree_and_location_followers(plant, tree):
    b1, l1, r1, _ = tree
    grandchild = services.create_asset(actor=plant.manager_a, site=plant.site_a, parent=plant.child_a, tag="P-100-M-B",
                                       name="Bearing", location=b1)
    services.update_asset(plant.asset_a, actor=plant.manager_a, location=b1)
    Asset.objects.filter(pk=plant.child_a.pk).update(location=b1)
    new_parent = services.create_asset(actor=plant.manager_a, site=plant.site_a, tag="SKID-1", name="Skid")
    services.move_asset(plant.asset_a, actor=plant.manager_a, parent=new_parent, location=r1)
    plant.asset_a.refresh_from_db(), plant.child_a.refresh_from_db(), grandchild.refresh_from_db()
    assert plant.asset_a.parent_id == new_parent.pk and plant.asset_a.location_id == r1.pk
    assert plant.child_a.parent_id == plant.asset_a.pk and plant.child_a.location_id == r1.pk
    assert grandchild.parent_id == plant.child_a.pk and grandchild.location_id == r1.pk
    assert [a.tag for a in grandchild.ancestors()] == ["SKID-1", "P-100", "P-100-M"]
    assert set(descendant_ids([new_parent.pk])) == {plant.asset_a.pk, plant.child_a.pk, grandchild.pk}
    log = AuditLog.objects.filter(action="asset.move", object_id=str(plant.asset_a.pk)).latest("pk")
    assert log.changes["descendants_moved"] == 2


def test_asset_cycle_and_cross_site_moves_are_refused_and_change_nothing(plant, tree):
    grandchild = services.create_asset(actor=plant.manager_a, site=plant.site_a, parent=plant.child_a, tag="G",
                                       name="Grandchild")
    with pytest.raises(ValidationError) as exc:
        services.move_asset(plant.asset_a, actor=plant.manager_a, parent=grandchild)
    assert "cycle" in exc.value.message_dict["parent"][0]
    with pytest.raises(ValidationError) as exc:
        services.move_asset(plant.asset_a, actor=plant.manager_a, parent=plant.asset_b)
    assert "same site" in exc.value.message_dict["parent"][0]
    with pytest.raises(ValidationError) as exc:
        services.move_asset(plant.asset_a, actor=plant.manager_a, location=tree[3])
    assert "site" in exc.value.message_dict["location"][0]
    plant.asset_a.refresh_from_db()
    assert plant.asset_a.parent_id is None and plant.asset_a.location_id is None
    assert not AuditLog.objects.filter(action="asset.move").exists()


def test_status_is_not_changed_by_a_plain_edit(plant):
    with pytest.raises(ValidationError, match="status change"):
        services.update_asset(plant.asset_a, actor=plant.manager_a, status=AssetStatus.DOWN)


# --- Category attributes ---------------------------------------------------------------------


def test_category_attributes_are_validated_by_type_required_and_choice(plant):
    cat = AssetCategory(name="Pump with data", attribute_schema=[
        {"key": "rated_flow", "label": "Rated flow", "type": "number", "unit": "m³/h", "required": True},
        {"key": "seal", "type": "choice", "choices": ["packing", "mechanical"]},
        {"key": "atex", "type": "boolean"}])
    cat.full_clean()
    cat.save()
    with pytest.raises(ValidationError) as exc:
        services.create_asset(actor=plant.manager_a, site=plant.site_a, category=cat, tag="P-300", name="Pump",
                              attributes={"rated_flow": "fast", "seal": "glue", "colour": "red"})
    errors = " ".join(exc.value.message_dict["attributes"])
    assert "Rated flow: 'fast' is not a number" in errors
    assert "not one of packing, mechanical" in errors and "colour: not an attribute" in errors
    with pytest.raises(ValidationError, match="required"):
        services.create_asset(actor=plant.manager_a, site=plant.site_a, category=cat, tag="P-300", name="Pump")
    asset = services.create_asset(actor=plant.manager_a, site=plant.site_a, category=cat, tag="P-300", name="Pump",
                                  attributes={"rated_flow": "42.5", "seal": "mechanical", "atex": "yes"})
    assert asset.attributes == {"rated_flow": 42.5, "seal": "mechanical", "atex": True}
    assert [(d["label"], v) for d, v in asset.attribute_rows()][0] == ("Rated flow", 42.5)


def test_a_bad_attribute_schema_is_refused(plant):
    cat = AssetCategory(name="Bad", attribute_schema=[{"key": "x", "type": "choice"}])
    with pytest.raises(ValidationError, match="non-empty list of choices"):
        cat.full_clean()


# --- Status, downtime, availability ----------------------------------------------------------


def test_going_down_opens_downtime_and_coming_back_closes_it(plant):
    t0 = timezone.now() - timedelta(hours=10)
    services.change_asset_status(plant.asset_a, AssetStatus.DOWN, actor=plant.tech_a, reason_code="breakdown",
                                 note="Seal leak", at=t0)
    plant.asset_a.refresh_from_db()
    assert plant.asset_a.status == AssetStatus.DOWN
    open_dt = Downtime.objects.get(asset=plant.asset_a)
    assert open_dt.ended_at is None and open_dt.started_by == plant.tech_a and open_dt.reason_code == "breakdown"
    services.change_asset_status(plant.asset_a, AssetStatus.DEGRADED, actor=plant.tech_a, reason_code="repaired",
                                 at=t0 + timedelta(hours=2))
    open_dt.refresh_from_db()
    assert open_dt.ended_at == t0 + timedelta(hours=2) and open_dt.ended_by == plant.tech_a
    changes = list(plant.asset_a.status_changes.order_by("at").values_list("from_status", "to_status", "user"))
    assert changes == [("operational", "down", plant.tech_a.pk), ("down", "degraded", plant.tech_a.pk)]
    assert AuditLog.objects.filter(action="asset.status", object_id=str(plant.asset_a.pk)).count() == 2


def test_status_changes_refuse_bad_input_and_change_nothing(plant):
    with pytest.raises(ValidationError) as exc:
        services.change_asset_status(plant.asset_a, "exploded", actor=plant.tech_a, reason_code="nope")
    assert set(exc.value.message_dict) == {"status", "reason_code"}
    with pytest.raises(ValidationError, match="already operational"):
        services.change_asset_status(plant.asset_a, "operational", actor=plant.tech_a, reason_code="other")
    with pytest.raises(ValidationError, match="future"):
        services.change_asset_status(plant.asset_a, "down", actor=plant.tech_a, reason_code="breakdown",
                                     at=timezone.now() + timedelta(hours=1))
    services.change_asset_status(plant.asset_a, "down", actor=plant.tech_a, reason_code="breakdown")
    with pytest.raises(ValidationError, match="cannot be dated before"):
        services.change_asset_status(plant.asset_a, "operational", actor=plant.tech_a, reason_code="repaired",
                                     at=timezone.now() - timedelta(days=1))
    assert plant.asset_a.status_changes.count() == 1 and Downtime.objects.filter(ended_at__isnull=True).count() == 1


def test_availability_counts_downtime_overlapping_the_period(plant):
    now = timezone.now()
    start = now - timedelta(hours=100)
    # 10 h down inside the period, 5 h of a stop that began before it, and an open stop of 2 h
    Downtime.objects.create(asset=plant.asset_a, started_at=now - timedelta(hours=50),
                            ended_at=now - timedelta(hours=40), reason_code="breakdown")
    Downtime.objects.create(asset=plant.asset_a, started_at=now - timedelta(hours=103),
                            ended_at=now - timedelta(hours=95), reason_code="planned_maintenance")
    Downtime.objects.create(asset=plant.asset_a, started_at=now - timedelta(hours=2), reason_code="breakdown")
    Downtime.objects.create(asset=plant.asset_b, started_at=now - timedelta(hours=300),
                            ended_at=now - timedelta(hours=200), reason_code="breakdown")  # outside the period
    result = availability([plant.asset_a.pk, plant.asset_b.pk, plant.child_a.pk], start, now)
    a = result[plant.asset_a.pk]
    assert a.downtime_count == 3
    assert a.downtime_hours == pytest.approx(17, abs=0.01)
    assert a.percent == pytest.approx(83, abs=0.01)
    assert result[plant.asset_b.pk].percent == 100 and result[plant.child_a.pk].downtime_count == 0
    # a period reaching into the future ends now
    future = asset_availability(plant.asset_a, start, now + timedelta(days=10))
    assert future.period_seconds == pytest.approx(100 * 3600, abs=5)


# --- Meters ----------------------------------------------------------------------------------


def test_meter_readings_are_monotonic_with_a_message_naming_the_last_value(plant):
    meter = services.create_meter(actor=plant.manager_a, asset=plant.asset_a, name="Hours",
                                  kind=MeterKind.RUNNING_HOURS, unit="h", initial_value=100)
    services.record_meter_reading(meter, 150, actor=plant.tech_a)
    with pytest.raises(ValidationError) as exc:
        services.record_meter_reading(meter, "149.5", actor=plant.tech_a)
    assert "lower than the last reading, 150 h" in exc.value.message_dict["value"][0]
    meter.refresh_from_db()
    assert meter.current_value == Decimal("150") and meter.readings.count() == 1
    with pytest.raises(ValidationError, match="lower than the meter's current value"):
        fresh = services.create_meter(actor=plant.manager_a, asset=plant.asset_a, name="Starts", kind="cycles",
                                      unit="", initial_value=10)
        services.record_meter_reading(fresh, 5)
    for bad in ("abc", "NaN", -1):
        with pytest.raises(ValidationError):
            services.record_meter_reading(meter, bad)
    # a late reading must fit between its neighbours in time
    with pytest.raises(ValidationError, match="higher than the later reading"):
        services.record_meter_reading(meter, 500, at=timezone.now() - timedelta(days=1))
    services.record_meter_reading(meter, 120, at=timezone.now() - timedelta(days=1))
    meter.refresh_from_db()
    assert meter.current_value == Decimal("150")  # a back-dated reading does not rewind the meter


def test_running_hours_roll_down_to_children_that_follow(plant):
    grandchild = services.create_asset(actor=plant.manager_a, site=plant.site_a, parent=plant.child_a, tag="G",
                                       name="Coupling")
    parent_m = services.create_meter(actor=plant.manager_a, asset=plant.asset_a, name="Hours", initial_value=1000)
    child_m = services.create_meter(actor=plant.manager_a, asset=plant.child_a, name="Hours", initial_value=40,
                                    rolls_down=True)
    grand_m = services.create_meter(actor=plant.manager_a, asset=grandchild, name="Hours", initial_value=7,
                                    rolls_down=True)
    independent = services.create_meter(actor=plant.manager_a, asset=plant.child_a, name="Own hours", initial_value=5)
    services.record_meter_reading(parent_m, 1012.5, actor=plant.tech_a)
    for m in (child_m, grand_m, independent):
        m.refresh_from_db()
    assert child_m.current_value == Decimal("52.5") and grand_m.current_value == Decimal("19.5")
    assert independent.current_value == Decimal("5")
    assert child_m.readings.get().source == ReadingSource.ROLLDOWN
    with pytest.raises(ValidationError, match="Only running-hours"):
        services.create_meter(actor=plant.manager_a, asset=plant.child_a, name="Cycles", kind="cycles",
                              rolls_down=True)


# --- Documents -------------------------------------------------------------------------------


def test_photo_upload_keeps_file_and_preview_through_storage(plant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    doc = services.upload_document(plant.asset_a, SimpleUploadedFile("pump.png", png_bytes(800, 600)),
                                   actor=plant.tech_a, title="Nameplate")
    assert doc.kind == "photo" and doc.thumbnail and doc.size > 0 and doc.content_type == "image/png"
    assert doc.file.storage.exists(doc.file.name) and doc.thumbnail.storage.exists(doc.thumbnail.name)
    from PIL import Image

    with doc.thumbnail.open("rb") as f, Image.open(f) as img:
        assert max(img.size) <= 360
    services.delete_document(doc, actor=plant.manager_a)
    assert not AssetDocument.objects.exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("big.pdf", b"%PDF-1.4 " + b"x" * 2048, "the limit is"),
    ("virus.exe", b"MZ....", "not accepted"),
    ("fake.png", b"this is not an image", "not a readable PNG image"),
    ("fake.pdf", b"hello", "not a PDF"),
    ("empty.pdf", b"", "empty"),
])
def test_bad_uploads_are_refused_and_store_nothing(plant, settings, tmp_path, name, content, message):
    settings.MEDIA_ROOT = tmp_path
    settings.ASSET_DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        services.upload_document(plant.asset_a, SimpleUploadedFile(name, content), actor=plant.tech_a)
    assert message in exc.value.message_dict["file"][0]
    assert not AssetDocument.objects.exists() and not any(tmp_path.rglob("*.*"))


def test_every_asset_has_its_own_qr_token(plant):
    tokens = set(Asset.objects.values_list("qr_token", flat=True))
    assert len(tokens) == Asset.objects.count() and None not in tokens


def test_meter_readings_other_engineers_rely_on(plant):
    """The signature telemetry-derived meters and meter-based PM call."""
    meter = services.create_meter(actor=None, asset=plant.asset_a, name="Cycles", kind="cycles", unit="")
    reading = services.record_meter_reading(meter, 3, source="telemetry")
    assert isinstance(reading, MeterReading) and reading.source == "telemetry" and reading.user is None
    assert Location.objects.count() == 0


def test_demo_plant_has_locations_attributes_meters_and_downtime(db):
    from assets.models import AssetStatusChange, Meter
    from prosync.demo import load_demo_plant, load_demo_register

    load_demo_plant()
    counts = (Location.objects.count(), Meter.objects.count(), Downtime.objects.count(),
              AssetStatusChange.objects.count())
    assert counts[0] >= 10 and counts[1] >= 12 and counts[2] >= 4
    assert Downtime.objects.filter(ended_at__isnull=True).exists()  # one machine is down right now
    pump = Asset.objects.get(site__code="north", tag="NP-101")
    assert pump.location.code == "N-L1-PR" and pump.children.get().location_id == pump.location_id
    assert pump.attributes["rated_flow"] == 120
    motor_hours = Meter.objects.get(asset=pump.children.get(), name="Running hours")
    assert motor_hours.rolls_down and motor_hours.readings.filter(source=ReadingSource.ROLLDOWN).count() == 4
    load_demo_register()  # a second run changes nothing
    assert (Location.objects.count(), Meter.objects.count(), Downtime.objects.count(),
            AssetStatusChange.objects.count()) == counts


def test_a_newly_required_attribute_does_not_block_a_move(plant, tree):
    plant.category.attribute_schema = [{"key": "rated_flow", "type": "number", "required": True}]
    plant.category.save()
    services.move_asset(plant.asset_a, actor=plant.manager_a, location=tree[0])  # no attributes yet: still moves
    with pytest.raises(ValidationError, match="required"):
        services.update_asset(plant.asset_a, actor=plant.manager_a, attributes={"other": 1})


def test_s3_compatible_storage_is_configured_from_the_environment():
    """No S3 server runs here: this checks that the settings switch uploads to django-storages'
    S3 backend when a bucket is given (and that the backend imports), not an upload to S3."""
    import json
    import os
    import subprocess
    import sys

    code = ("import django, json; django.setup(); from django.conf import settings; "
            "from django.core.files.storage import storages; "
            "print(json.dumps([settings.STORAGES['default'], type(storages['default']).__name__]))")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="prosync.settings", S3_BUCKET="plant-docs",
               S3_ENDPOINT_URL="http://minio.local:9000", S3_ACCESS_KEY_ID="key", S3_SECRET_ACCESS_KEY="secret")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60)
    config, backend = json.loads(out.stdout.strip().splitlines()[-1])
    assert config["BACKEND"] == "storages.backends.s3.S3Storage" and backend == "S3Storage"
    assert config["OPTIONS"]["bucket_name"] == "plant-docs" and config["OPTIONS"]["default_acl"] is None
    assert config["OPTIONS"]["endpoint_url"] == "http://minio.local:9000"
