"""The report pages as a planner and a viewer use them: every family page opens for a Viewer,
a site-A reader never meets a site-B name, bad filters come back as form errors on the page,
and the number of queries does not grow with the history behind the figures."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import session_client

pytestmark = pytest.mark.django_db

FAMILIES = ("reliability", "work", "cost", "predictive")
SITE_B_NAMES = ("Feed pump B", "P-200", "Bravo Plant", "tech_b")


def history(plant, orders_per_site: int, *, days: int = 20):
    """Closed corrective orders with a problem code, open overdue ones and downtime, on both
    sites, spread over the last ``days`` days (the default report period is 30 days)."""
    from assets.models import Downtime
    from workorders.models import FailureCode, WorkOrder

    codes = [FailureCode.objects.get_or_create(kind="problem", code=code, defaults={"description": text})[0]
             for code, text in (("VIB", "Excessive vibration"), ("LEAK", "Seal leak"))]
    reasons = ("breakdown", "breakdown", "utility_failure", "material_shortage")
    now = timezone.now()
    orders, downtimes = [], []
    for site, asset, tech in ((plant.site_a, plant.asset_a, plant.tech_a), (plant.site_b, plant.asset_b, plant.tech_b)):
        for i in range(orders_per_site):
            start = now - timedelta(days=days) + timedelta(hours=i * days * 24 / max(orders_per_site, 1))
            orders.append(WorkOrder(site=site, asset=asset, title=f"Vibration on {asset.tag} #{i}", kind="corrective",
                                    status="completed", priority="high", assignee=tech, problem_code=codes[i % 3 == 2],
                                    estimated_hours=Decimal("2.0"), actual_hours=Decimal("3.0"),
                                    labour_cost=Decimal("150.00"), parts_cost=Decimal("40.00"),
                                    scheduled_start=start, due_at=start + timedelta(hours=8),
                                    completed_at=start + timedelta(hours=3)))
            downtimes.append(Downtime(asset=asset, started_at=start, ended_at=start + timedelta(hours=2),
                                      reason_code=reasons[i % len(reasons)]))
        orders.append(WorkOrder(site=site, asset=asset, title=f"Overdue check on {asset.tag}", kind="preventive",
                                status="open", priority="medium", due_at=now - timedelta(days=2)))
    created = WorkOrder.objects.bulk_create(orders)
    # created_at is set on insert; the history needs it in the past, where the orders began.
    for wo in created:
        WorkOrder.objects.filter(pk=wo.pk).update(
            created_at=(wo.scheduled_start or now - timedelta(days=5)) - timedelta(hours=1))
    Downtime.objects.bulk_create(downtimes)
    return created


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("family", FAMILIES)
def test_each_report_page_opens_for_a_viewer_with_its_exports(plant, family):
    history(plant, 3)
    html = page(session_client(plant.viewer_a), f"/reports/{family}/?period=90d")
    assert "How it&#x27;s counted" in html or "How it's counted" in html
    for fmt in ("csv", "xlsx", "pdf"):
        assert f'href="/reports/{family}/export.{fmt}?period=90d"' in html
    csv = session_client(plant.viewer_a).get(f"/reports/{family}/export.csv?period=90d")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert 'id="report-charts"' in html
    assert "<script>" not in html.split("<main")[1]  # data, never code, inside the page


def test_reports_overview_groups_figures_by_family_with_links(plant):
    history(plant, 3)
    html = page(session_client(plant.viewer_a), "/reports/?period=90d")
    for family in FAMILIES:
        assert f'href="/reports/{family}/?period=90d"' in html
    assert 'class="rtile' in html


def test_report_pages_never_show_another_sites_names(plant):
    history(plant, 4)
    viewer, admin = session_client(plant.viewer_a), session_client(plant.admin)
    seen_by_admin = ""
    for family in ("", *FAMILIES):
        url = report_url(family)
        html = page(viewer, url)
        for name in SITE_B_NAMES:
            assert name not in html, (url, name)
        seen_by_admin += page(admin, url)
    # The same pages name assets and people to someone who may see both sites: the check above
    # looks where names are printed, not at pages that print none.
    assert "P-200" in seen_by_admin or "Feed pump B" in seen_by_admin


def test_report_filter_on_another_sites_asset_is_a_form_error(plant):
    history(plant, 2)
    html = page(session_client(plant.viewer_a), f"/reports/reliability/?asset={plant.asset_b.pk}", status=400)
    assert 'class="field-error"' in html and "Asset:" in html
    assert "Feed pump B" not in html and "P-200" not in html


@pytest.mark.parametrize("query, field", [
    ("period=custom&start=2026-05-10&end=2026-05-01", "To"),
    ("period=custom&start=not-a-date&end=2026-05-01", "From"),
    ("period=forever", "Period"),
    ("site=abc", "Site"),
    ("repeat_days=0", "Repeat window (days)"),
    ("technician=999999", "Technician"),
])
def test_bad_report_filters_are_form_errors_not_server_errors(plant, query, field):
    client = session_client(plant.manager_a)
    for url in (f"/reports/?{query}", f"/reports/work/?{query}"):
        html = page(client, url, status=400)
        assert f'<p class="field-error">{field}:' in html, url
        assert "Correct the filters above" in html


def test_report_pages_need_a_role_and_a_known_family(plant):
    assert session_client(plant.norole).get("/reports/").status_code == 403
    assert session_client(plant.norole).get("/reports/work/").status_code == 403
    assert session_client(plant.viewer_a).get("/reports/uptime/").status_code == 404
    anonymous = session_client(plant.viewer_a)
    anonymous.logout()
    assert anonymous.get("/reports/").status_code == 302


def test_reports_entry_in_the_navigation_for_viewers_up(plant):
    assert '>Reports</a>' in page(session_client(plant.viewer_a), "/")
    assert '>Reports</a>' not in page(session_client(plant.norole), "/")


def test_report_filters_stay_in_links_once_each(plant):
    from assets.models import Location

    hall = Location.objects.create(site=plant.site_a, code="H1", name="Pump hall")
    html = page(session_client(plant.manager_a),
                f"/reports/cost/?period=last_month&site={plant.site_a.pk}&location={hall.pk}&team=&asset=")
    query = f"period=last_month&amp;site={plant.site_a.pk}&amp;location={hall.pk}"
    assert f'href="/reports/work/?{query}"' in html
    assert f'href="/reports/cost/export.xlsx?{query}"' in html
    assert "H1 Pump hall" in html  # the chosen location is shown in its searchable select


def report_url(family: str) -> str:
    return f"/reports/{family}/?period=90d" if family else "/reports/?period=90d"


def _queries(client, url) -> int:
    client.get(url)  # the session and the role's permissions are read once per client, not per page
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_report_page_queries_do_not_grow_with_the_history(plant):
    client = session_client(plant.manager_a)
    history(plant, 2)
    few = {family: _queries(client, report_url(family)) for family in ("", *FAMILIES)}
    history(plant, 40)
    many = {family: _queries(client, report_url(family)) for family in ("", *FAMILIES)}
    assert many == few


def test_dashboard_report_charts_and_overdue_tile(plant):
    history(plant, 5)
    client = session_client(plant.viewer_a)
    html = page(client, "/")
    assert 'href="/work-orders/?overdue=true"' in html
    tile = html.split('href="/work-orders/?overdue=true"')[1].split("</a>")[0]
    assert ">1<" in tile and "overdue" in tile  # site A's one overdue order, not site B's
    assert 'hx-get="/reports/trends/"' in html
    trends = page(client, "/reports/trends/")
    for key in ("opened_closed", "backlog_trend", "availability_trend"):
        assert f'data-chart="{key}"' in trends
    assert 'id="dashboard-charts"' in trends
    assert 'href="/reports/work/?period=90d#chart-opened_closed"' in trends
    assert "P-200" not in trends and "Bravo" not in trends
    assert session_client(plant.norole).get("/reports/trends/").status_code == 403


def test_dashboard_and_its_report_trends_queries_do_not_grow_with_the_history(plant):
    client = session_client(plant.manager_a)
    history(plant, 2)
    few = _queries(client, "/"), _queries(client, "/reports/trends/")
    history(plant, 40)
    assert (_queries(client, "/"), _queries(client, "/reports/trends/")) == few
