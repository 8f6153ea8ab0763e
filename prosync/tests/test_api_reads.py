"""API rows are read by a plan made once per serializer and their URLs built from one reversed
template: what an integrator receives must be exactly what DRF itself would have written."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from django.apps import apps
from django.urls import get_resolver
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from assets import services as asset_services
from assets.api.serializers import AssetSerializer
from conftest import jwt_client
from prosync.api import ScopedModelSerializer, _converter
from workorders import services as wo_services

pytestmark = pytest.mark.django_db


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


@pytest.fixture
def busy_plant(plant):
    """Rows of many kinds: meters, readings, downtime, documents' neighbours, orders with time."""
    meter = asset_services.create_meter(user=None, asset=plant.asset_a, name="Hours", initial_value=10)
    asset_services.record_meter_reading(meter, Decimal("12.5"))
    asset_services.change_asset_status(plant.asset_a, "down", user=plant.tech_a, reason_code="breakdown")
    wo = wo_services.create_work_order(acting_user=plant.manager_a, asset=plant.asset_a, title="Seal",
                                       kind="corrective")
    wo_services.log_time(wo, acting_user=plant.tech_a, hours=Decimal("1.5"))
    return plant


@pytest.mark.parametrize(("zone", "fmt"), [("UTC", None), ("Asia/Kolkata", None), ("America/Chicago", "json")])
def test_every_serializer_reads_rows_as_drf_does(busy_plant, settings, zone, fmt):
    """In UTC ("Z"), in a zone with an offset, and with a format asked for in the URL (whose row
    URLs DRF builds itself)."""
    settings.ALLOWED_HOSTS = ["plant.example"]
    get_resolver().url_patterns  # noqa: B018 - imports every app's API serializers
    request = APIRequestFactory().get("/api/v1/", HTTP_HOST="plant.example")
    force_authenticate(request, busy_plant.manager_a)
    request.user = busy_plant.manager_a
    context = {"request": request, "format": fmt}
    compared = set()
    with timezone.override(zone):
        for cls in all_subclasses(ScopedModelSerializer):
            meta = getattr(cls, "Meta", None)
            model = getattr(meta, "model", None)
            if model is None or not apps.is_installed(model._meta.app_label):
                continue
            for obj in model._default_manager.all()[:3]:
                try:
                    ser = cls(context=context)
                    expected = serializers.Serializer.to_representation(cls(context=context), obj)
                except (KeyError, TypeError, AttributeError):  # needs context a list view gives it
                    continue
                assert ser.to_representation(obj) == expected, cls.__name__
                assert ser.to_representation(obj) == expected, cls.__name__  # the plan, once made, again
                compared.add(cls.__name__)
        row = AssetSerializer(context=context).to_representation(busy_plant.asset_a)
    # The time is written in the zone of the request: "Z" in UTC, its offset elsewhere.
    assert row["created_at"].endswith("Z") == (zone == "UTC")
    assert datetime.fromisoformat(row["created_at"].replace("Z", "+00:00")) == busy_plant.asset_a.created_at
    # The fixture gives rows to the register's, the meters', the downtime and the orders' serializers.
    assert {"AssetSerializer", "MeterSerializer", "DowntimeSerializer"} <= compared, compared
    assert len(compared) >= 8, compared


def test_row_urls_follow_the_host_of_each_request(plant, settings):
    settings.ALLOWED_HOSTS = ["plant.example", "depot.example"]
    api = jwt_client(plant.manager_a)
    first = api.get("/api/v1/assets/", HTTP_HOST="plant.example").json()["results"]
    second = api.get("/api/v1/assets/", HTTP_HOST="depot.example").json()["results"]
    assert {r["url"] for r in first} == {f"http://plant.example/api/v1/assets/{r['id']}/" for r in first}
    assert {r["url"] for r in second} == {f"http://depot.example/api/v1/assets/{r['id']}/" for r in second}
    token = str(plant.asset_a.qr_token)
    assert next(r for r in second if r["id"] == plant.asset_a.pk)["qr_url"] == f"http://depot.example/a/{token}/"


def test_api_filters_apply_only_when_set_and_still_refuse_bad_values(plant):
    """The filter set is skipped on a plain page, and only there: a set filter filters, a bad
    value is still a 400 naming the field, and an unknown parameter changes nothing."""
    from assets.models import Asset

    api = jwt_client(plant.manager_a)
    everything = api.get("/api/v1/assets/").json()["count"]
    assert everything == Asset.objects.filter(site=plant.site_a).count() > 1
    assert api.get("/api/v1/assets/", {"colour": "red"}).json()["count"] == everything
    Asset.objects.filter(pk=plant.child_a.pk).update(status="down")
    down = api.get("/api/v1/assets/", {"status": "down"}).json()
    assert [r["id"] for r in down["results"]] == [plant.child_a.pk]
    bad = api.get("/api/v1/assets/", {"status": "exploded"})
    assert bad.status_code == 400 and "status" in bad.json()


def test_asset_rows_name_their_category_in_lists_details_and_writes(plant):
    """The list reads the category's name with each row (no category object per row); a single
    asset and a write's answer name it as well, and an asset without a category says null."""
    from assets.models import Asset

    Asset.objects.filter(pk=plant.child_a.pk).update(category=None)
    api = jwt_client(plant.manager_a)
    rows = {r["id"]: r["category_name"] for r in api.get("/api/v1/assets/").json()["results"]}
    assert rows == {plant.asset_a.pk: "Centrifugal pump", plant.child_a.pk: None}
    assert api.get(f"/api/v1/assets/{plant.asset_a.pk}/").json()["category_name"] == "Centrifugal pump"
    created = api.post("/api/v1/assets/", {"site": plant.site_a.pk, "tag": "P-101", "name": "Spare pump",
                                           "category": plant.category.pk}, format="json")
    assert created.status_code == 201 and created.json()["category_name"] == "Centrifugal pump"


@pytest.mark.parametrize(("field", "value"), [
    (serializers.DateField(), date(2024, 1, 2)),
    (serializers.DateField(), "2024-01-02"),  # a value set as text: DRF hands it on
    (serializers.DateField(format=None), date(2024, 1, 2)),
    (serializers.DateField(format="%d/%m/%Y"), date(2024, 1, 2)),
    (serializers.DateTimeField(), datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    (serializers.DateTimeField(), datetime(2024, 1, 2, 3, 4, 5)),  # naive: made aware, as DRF does
    (serializers.DateTimeField(format=None), datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    (serializers.ChoiceField(choices=[("a", "A"), ("b", "B")]), "b"),
    (serializers.CharField(), 12),
    (serializers.FloatField(), Decimal("1.5")),
    (serializers.UUIDField(format="hex"), UUID("5f0c1c1e-8a53-4d8e-9d1a-3b7e2c1f0a99")),
])
def test_fast_column_conversions_write_what_drf_writes(field, value):
    with timezone.override("Asia/Kolkata"):
        convert = _converter(field) or field.to_representation
        assert convert(value) == field.to_representation(value)
