"""The shared permission tests (tests/permission_cases.py) applied to the asset register's own
records: meters, meter readings, downtime, status changes and documents (assets and locations
are covered in tests/test_permissions.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assets import services
from assets.tests.helpers import png_bytes
from conftest import Plant
from tests.permission_cases import APIPermissionTests, PagePermissionTests, PermissionCase


def _asset(p: Plant, s: str):
    return p.asset_a if s == "a" else p.asset_b


def make_meter(p, s):
    from assets.models import Meter

    return Meter.objects.filter(asset=_asset(p, s), name="Hours").first() or services.create_meter(
        actor=None, asset=_asset(p, s), name="Hours", initial_value=10)


def make_reading(p, s):
    return services.record_meter_reading(make_meter(p, s), 12)


def make_status_change(p, s):
    return services.change_asset_status(_asset(p, s), "down", actor=p.admin, reason_code="breakdown")


def make_downtime(p, s):
    return make_status_change(p, s).asset.downtimes.get()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def make_document(p, s):
    return services.upload_document(_asset(p, s), SimpleUploadedFile(f"photo-{s}.png", png_bytes()), actor=p.admin)


METER = PermissionCase("meter", make=make_meter, api="meter",
                       create=lambda p: {"asset": p.child_a.pk, "name": "Starts", "kind": "cycles", "unit": ""},
                       update={"name": "Renamed"})
READING = PermissionCase("meter reading", make=make_reading, api="meterreading",
                         create=lambda p: {"meter": make_meter(p, "a").pk, "value": "20.000"}, delete_status=405)
STATUS_CHANGE = PermissionCase("asset status change", make=make_status_change, api="assetstatuschange")
DOWNTIME = PermissionCase("downtime", make=make_downtime, api="downtime")
DOCUMENT = PermissionCase("document", make=make_document, api="assetdocument",
                          html_detail="assets:document-download")


class TestMeterAPI(APIPermissionTests):
    case = METER


class TestMeterReadingAPI(APIPermissionTests):
    case = READING


class TestStatusChangeAPI(APIPermissionTests):
    case = STATUS_CHANGE


class TestDowntimeAPI(APIPermissionTests):
    case = DOWNTIME


class TestDocumentAPI(APIPermissionTests):
    case = DOCUMENT


class TestDocumentDownload(PagePermissionTests):
    case = DOCUMENT
