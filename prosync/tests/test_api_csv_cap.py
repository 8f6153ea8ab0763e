"""A list asked for as CSV over the API is built in memory, so it is capped: at the cap the whole
filtered list comes back; past it a 400 names the format, the cap and what to do instead."""

import pytest

from conftest import jwt_client
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_an_api_csv_over_the_cap_is_refused_naming_the_cap_and_a_narrower_one_is_whole(plant, settings):
    settings.API_CSV_MAX_ROWS = 5
    WorkOrder.objects.bulk_create([WorkOrder(site=plant.site_a, asset=plant.asset_a, title=f"Grease bearing {i}")
                                   for i in range(6)])
    api = jwt_client(plant.manager_a)
    refused = api.get("/api/v1/work-orders/", {"format": "csv"})
    assert refused.status_code == 400
    message = refused.content.decode()
    assert "6 rows" in message and "at most 5" in message and "filters" in message
    whole = api.get("/api/v1/work-orders/", {"format": "csv", "q": "Grease bearing 1"})
    assert whole.status_code == 200 and whole["Content-Type"].startswith("text/csv")
    assert "Grease bearing 1" in whole.content.decode()
    settings.API_CSV_MAX_ROWS = 6
    at_cap = api.get("/api/v1/work-orders/", {"format": "csv"}).content.decode()
    assert all(f"Grease bearing {i}" in at_cap for i in range(6)), "at the cap nothing is left out"
