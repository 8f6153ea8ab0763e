"""The KPI API: the list with definitions, one KPI with its series and rows, 400 on bad filters,
404 on an unknown KPI, the OpenAPI schema, and query counts that do not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import jwt_client
from prosync.reports.kpis import CATALOGUE, FAMILIES, overview
from prosync.tests.test_report_kpis import WEEK, at, down, make_codes, order, reliability_history, scope_for


@pytest.fixture
def codes(db):
    return make_codes()


@pytest.mark.django_db
def test_report_api_lists_every_kpi_with_its_definition(plant):
    r = jwt_client(plant.tech_a).get("/api/v1/reports/")
    assert r.status_code == 200
    by_key = {k["kpi"]: k for k in r.json()}
    assert set(by_key) == set(CATALOGUE) and {"mtbf", "mttr_repair", "backlog_count", "pm_compliance"} <= set(by_key)
    assert by_key["mtbf"]["unit"] == "h" and "failures" in by_key["mtbf"]["definition"]
    assert by_key["mtbf"]["url"].endswith("/api/v1/reports/mtbf/")


@pytest.mark.django_db
def test_report_api_kpi_mtbf_with_series_and_scope(plant, codes):
    reliability_history(plant, codes)
    r = jwt_client(plant.tech_a).get("/api/v1/reports/mtbf/", WEEK)
    assert r.status_code == 200, r.content
    body = r.json()
    # 71 operating hours / 4 failures (worked out in test_report_kpis).
    assert body["kpi"] == "mtbf" and body["value"] == pytest.approx(17.75) and body["unit"] == "h"
    assert [p["label"] for p in body["series"]] == [f"2026-03-0{d}" for d in range(2, 9)]
    # Monday: 16 scheduled hours less 6 down, one failure -> 10 h.
    assert body["series"][0]["value"] == pytest.approx(10)
    assert body["scope"]["start"].startswith("2026-03-02") and body["scope"]["bucket"] == "day"
    failures = jwt_client(plant.tech_a).get("/api/v1/reports/failures/", WEEK).json()
    assert {row["code"]: row["failures"] for row in failures["rows"]} == {"LEAK": 1, "VIB": 2}


@pytest.mark.django_db
@pytest.mark.parametrize("params, field", [
    ({"period": "fortnight"}, "period"),
    ({"period": "custom", "end": "2026-03-08"}, "start"),
    ({"period": "custom", "start": "2026-03-08", "end": "2026-03-01"}, "end"),
    ({"repeat_days": "0"}, "repeat_days"),
    ({"asset": "abc"}, "asset"),
])
def test_report_api_bad_filter_is_400_naming_the_field(plant, params, field):
    r = jwt_client(plant.tech_a).get("/api/v1/reports/backlog_count/", params)
    assert r.status_code == 400
    assert field in r.json()


@pytest.mark.django_db
def test_report_api_scoped_another_sites_filter_is_400_and_unknown_kpi_404(plant):
    client = jwt_client(plant.tech_a)
    r = client.get("/api/v1/reports/backlog_count/", {"site": plant.site_b.pk})
    assert r.status_code == 400 and "site" in r.json()
    r = client.get("/api/v1/reports/uptime_magic/")
    assert r.status_code == 404 and "/api/v1/reports/" in r.json()["detail"]
    assert jwt_client(plant.norole).get("/api/v1/reports/mtbf/").status_code == 403


@pytest.mark.django_db
def test_report_api_in_openapi_schema(plant):
    r = jwt_client(plant.admin).get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/reports/{kpi}/" in paths and "/api/v1/reports/" in paths
    op = paths["/api/v1/reports/{kpi}/"]["get"]
    assert op["tags"] == ["reports"]
    assert {p["name"] for p in op["parameters"]} >= {"period", "site", "location", "category", "asset", "team"}
    schema = r.json()["components"]["schemas"]["KpiResult"]["properties"]
    assert {"value", "previous", "series", "rows", "scope", "definition"} <= set(schema)


def _more_history(plant, codes, n):
    """n more weeks' worth of rows: orders, stoppages (overlapping pairs), all inside the week."""
    for i in range(n):
        hour = i % 20
        down(plant.asset_a, at(3, hour), at(3, hour + 2))
        down(plant.asset_a, at(3, hour, 30), at(3, hour + 3))
        order(plant.site_a, plant.child_a, created=at(4, hour), started=at(4, hour, 10), completed=at(4, hour + 1),
              code=codes[i % 2])


@pytest.mark.django_db
def test_report_kpi_query_counts_do_not_grow_with_rows(plant, codes, django_assert_max_num_queries):
    reliability_history(plant, codes)
    scope = scope_for(plant.tech_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            for family in FAMILIES.values():
                family(scope, plant.tech_a)
            overview(scope, plant.tech_a)
        return len(ctx.captured_queries)

    few = count()
    _more_history(plant, codes, 60)
    with django_assert_max_num_queries(few):
        for family in FAMILIES.values():
            family(scope, plant.tech_a)
        overview(scope, plant.tech_a)
    assert count() == few
