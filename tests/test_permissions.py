"""The shared permission tests (tests/permission_cases.py) applied to every model with pages or an
API: anonymous, no role, wrong site, Viewer cannot write, permitted create/read/update/delete."""

import pytest
from django.utils import timezone

from conftest import Plant, register_active_model
from tests.permission_cases import APIPermissionTests, PagePermissionTests, PermissionCase


def _site(p: Plant, s: str):
    return p.site_a if s == "a" else p.site_b


def _asset(p: Plant, s: str):
    return p.asset_a if s == "a" else p.asset_b


# --- Factories: (plant, "a" | "b") -> one saved object on that site ------------------------------


def make_asset(p, s):
    from assets.models import Asset

    return Asset.objects.create(site=_site(p, s), category=p.category, tag=f"T-{s.upper()}-1", name=f"Test asset {s}")


def make_category(p, s):
    from assets.models import AssetCategory

    return AssetCategory.objects.create(name=f"Category of test {s}")


def make_location(p, s):
    from assets.services import create_location

    return create_location(actor=None, site=_site(p, s), code=f"LOC-{s.upper()}", name=f"Location {s}")


def make_part(p, s):
    from assets.models import Part

    return Part.objects.create(part_number=f"PN-{s.upper()}", name=f"Part {s}")


def make_storeroom(p, s):
    from assets.models import Storeroom

    return Storeroom.objects.get_or_create(site=_site(p, s), code=f"store-{s}", defaults={"name": f"Store {s}"})[0]


def make_stock_level(p, s):
    from assets import services_parts as parts
    from assets.models import Part, StockLevel

    part = Part.objects.get_or_create(part_number="STOCKED", defaults={"name": "Stocked part"})[0]
    room = make_storeroom(p, s)
    parts.receive_stock(part, room, 5, actor=p.admin)
    return StockLevel.objects.get(part=part, storeroom=room)


def make_movement(p, s):
    return make_stock_level(p, s).storeroom.movements.get()


def make_bom_line(p, s):
    from assets.models import BomLine

    return BomLine.objects.create(asset=_asset(p, s), part=make_part(p, s), quantity=2)


def make_work_order(p, s):
    from workorders.services import create_work_order

    return create_work_order(asset=_asset(p, s), title=f"Check seal on site {s}")


def make_sensor(p, s):
    return (p.sensors_a if s == "a" else p.sensors_b)["vibration"]


def make_alert(p, s):
    from telemetry.services import raise_alert

    return raise_alert(asset=_asset(p, s), cause="high_vibration", source="rule", title=f"Vibration on {s}")[0]


def make_model_version(p, s):
    from predictions.models import ModelVersion

    return ModelVersion.objects.active_for(p.category.pk) or register_active_model(p.category)


def make_assessment(p, s):
    from predictions.models import HealthAssessment

    return HealthAssessment.objects.create(
        asset=_asset(p, s), model_version=make_model_version(p, s), assessed_at=timezone.now(), health_score=71.0,
        failure_probability=0.12, rul=140.0, rul_lower=100.0, rul_upper=180.0)


def _new_part(p):
    from assets.models import Part

    return Part.objects.get_or_create(part_number="NEW-PART", defaults={"name": "New part"})[0].pk


# --- The cases ------------------------------------------------------------------------------------

SITE = PermissionCase("site", make=lambda p, s: _site(p, s), api="site", writer="admin",
                      create=lambda p: {"code": "charlie", "name": "Charlie"}, update={"name": "Renamed"})
CATEGORY = PermissionCase("category", make=make_category, api="assetcategory", shared=True,
                          create=lambda p: {"name": "Fan"}, update={"name": "Renamed"})
ASSET = PermissionCase("asset", make=make_asset, api="asset", html_list="assets:list", html_detail="assets:detail",
                       create=lambda p: {"site": p.site_a.pk, "tag": "N-1", "name": "New"}, update={"name": "Renamed"})
LOCATION = PermissionCase("location", make=make_location, api="location", html_detail="assets:location-detail",
                          create=lambda p: {"site": p.site_a.pk, "code": "N-1", "name": "New"},
                          update={"name": "Renamed"})
PART = PermissionCase("part", make=make_part, api="part", html_list="assets:part-list",
                      html_detail="assets:part-detail", shared=True,
                      create=lambda p: {"part_number": "N-1", "name": "New"}, update={"name": "Renamed"})
STOREROOM = PermissionCase("storeroom", make=make_storeroom, api="storeroom", html_list="assets:storeroom-list",
                           marker=lambda room: room.code,
                           create=lambda p: {"site": p.site_a.pk, "code": "new", "name": "New"},
                           update={"name": "Renamed"})
STOCK_LEVEL = PermissionCase("stock level", make=make_stock_level, api="stocklevel", html_list="assets:stock-list",
                             marker=lambda level: level.storeroom.code,
                             create=lambda p: {"part": _new_part(p), "storeroom": make_storeroom(p, "a").pk,
                                               "reorder_point": "2.000"},
                             update={"reorder_point": "3.000"}, delete_status=405)
STOCK_MOVEMENT = PermissionCase("stock movement", make=make_movement, api="stockmovement")
BOM_LINE = PermissionCase("bom line", make=make_bom_line, api="bomline",
                          create=lambda p: {"asset": p.asset_a.pk, "part": _new_part(p), "quantity": "2.000"},
                          update={"quantity": "3.000"})
WORK_ORDER = PermissionCase("work order", make=make_work_order, api="workorder", html_list="workorders:list",
                            html_detail="workorders:detail",
                            create=lambda p: {"asset": p.asset_a.pk, "title": "New"}, update={"title": "Renamed"},
                            delete_status=None)
SENSOR = PermissionCase("sensor", make=make_sensor, api="sensor",
                        create=lambda p: {"asset": p.asset_a.pk, "name": "Flow", "metric": "flow", "key": "x.flow"},
                        update={"name": "Renamed"})
ALERT = PermissionCase("alert", make=make_alert, api="alert", html_list="telemetry:alerts",
                       marker=lambda alert: alert.title)
MODEL_VERSION = PermissionCase("model version", make=make_model_version, api="modelversion", shared=True,
                               html_list="predictions:models", html_detail="predictions:model")
ASSESSMENT = PermissionCase("health assessment", make=make_assessment, api="healthassessment")


class TestSiteAPI(APIPermissionTests):
    case = SITE


def test_sites_are_created_changed_and_deleted_by_admins_only(plant):
    """Managers could create and delete Sites (the API, the CSV import, the admin)."""
    from django.core.exceptions import PermissionDenied
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assets.imports import run_import
    from assets.models import Site
    from conftest import jwt_client

    manager = jwt_client(plant.manager_a)
    assert manager.get(f"/api/v1/sites/{plant.site_a.pk}/").status_code == 200
    assert manager.post("/api/v1/sites/", {"code": "charlie", "name": "Charlie"}, format="json").status_code == 403
    assert manager.patch(f"/api/v1/sites/{plant.site_a.pk}/", {"name": "Renamed"}, format="json").status_code == 403
    assert manager.delete(f"/api/v1/sites/{plant.site_a.pk}/").status_code == 403
    csv = b"code,name\ncharlie,Charlie\nalpha,Renamed\n"
    r = manager.post("/api/v1/imports/sites/", {"file": SimpleUploadedFile("sites.csv", csv), "dry_run": "false"},
                     format="multipart")
    assert r.status_code == 403
    with pytest.raises(PermissionDenied):
        run_import("sites", csv, actor=plant.manager_a, dry_run=False)
    assert not plant.manager_a.has_perm("assets.delete_site") and plant.manager_a.has_perm("assets.delete_asset")
    assert set(Site.objects.values_list("code", "name")) == {("alpha", "Alpha Plant"), ("bravo", "Bravo Plant")}
    admin = jwt_client(plant.admin)
    assert admin.post("/api/v1/sites/", {"code": "charlie", "name": "Charlie"}, format="json").status_code == 201
    assert run_import("sites", csv, actor=plant.admin, dry_run=False).applied


class TestCategoryAPI(APIPermissionTests):
    case = CATEGORY


class TestAssetAPI(APIPermissionTests):
    case = ASSET


class TestAssetPages(PagePermissionTests):
    case = ASSET


class TestLocationAPI(APIPermissionTests):
    case = LOCATION


class TestLocationPages(PagePermissionTests):
    case = LOCATION


class TestPartAPI(APIPermissionTests):
    case = PART


class TestPartPages(PagePermissionTests):
    case = PART


class TestStoreroomAPI(APIPermissionTests):
    case = STOREROOM


class TestStoreroomPages(PagePermissionTests):
    case = STOREROOM


class TestStockLevelAPI(APIPermissionTests):
    case = STOCK_LEVEL


class TestStockLevelPages(PagePermissionTests):
    case = STOCK_LEVEL


class TestStockMovementAPI(APIPermissionTests):
    case = STOCK_MOVEMENT


class TestBomLineAPI(APIPermissionTests):
    case = BOM_LINE


class TestWorkOrderAPI(APIPermissionTests):
    case = WORK_ORDER


class TestWorkOrderPages(PagePermissionTests):
    case = WORK_ORDER


class TestSensorAPI(APIPermissionTests):
    case = SENSOR


class TestAlertAPI(APIPermissionTests):
    case = ALERT


class TestAlertPages(PagePermissionTests):
    case = ALERT


class TestModelVersionAPI(APIPermissionTests):
    case = MODEL_VERSION


class TestModelVersionPages(PagePermissionTests):
    case = MODEL_VERSION


class TestHealthAssessmentAPI(APIPermissionTests):
    case = ASSESSMENT
