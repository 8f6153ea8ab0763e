"""The instance settings page: what an Admin saves there shows on the pages (currency on costs)."""

from decimal import Decimal

import pytest

from accounts.models import AuditLog, InstanceSettings
from conftest import session_client
from workorders.models import WorkOrder
from workorders.services import create_work_order

pytestmark = pytest.mark.django_db


def test_currency_saved_on_the_settings_page_shows_on_an_order_cost(wo_plant):
    wo = create_work_order(actor=wo_plant.admin, asset=wo_plant.asset_a, title="Replace seal")
    WorkOrder.objects.filter(pk=wo.pk).update(labour_cost=Decimal("1234.50"), parts_cost=Decimal("100"))
    admin = session_client(wo_plant.admin)
    assert "€1,334.50" in admin.get(wo.get_absolute_url()).content.decode()  # the default, EUR

    response = admin.post("/manage/settings/", {"currency": "sek", "time_zone": "Europe/Stockholm",
                                                "date_style": "Y-m-d"})
    assert response.status_code == 302
    page = admin.get("/manage/settings/").content.decode()
    assert 'value="SEK"' in page and '<option value="Europe/Stockholm" selected>' in page
    assert "1,334.50 SEK" in session_client(wo_plant.tech_a).get(wo.get_absolute_url()).content.decode()
    assert InstanceSettings.objects.get().time_zone == "Europe/Stockholm"
    assert AuditLog.objects.filter(action="settings.update", actor=wo_plant.admin).exists()


def test_bad_currency_is_refused_on_the_field(wo_plant):
    page = session_client(wo_plant.admin).post("/manage/settings/", {"currency": "E1", "time_zone": "UTC",
                                                                     "date_style": "d M Y"})
    assert page.status_code == 422 and "three capital letters" in page.content.decode()
    assert not InstanceSettings.objects.exists()


def test_managers_may_not_change_instance_settings(wo_plant):
    assert session_client(wo_plant.manager_a).post("/manage/settings/", {"currency": "USD", "time_zone": "UTC",
                                                                         "date_style": "d M Y"}).status_code == 403
