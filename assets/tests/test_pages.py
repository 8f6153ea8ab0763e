"""The asset register and asset page as a planner uses them: filters, sorting, HTMX partials,
scoping, and a query count that does not grow with the number of rows."""

import re

import pytest
from django.test import Client

from assets.models import Asset
from conftest import asset_page


@pytest.fixture
def tech_client(client, plant):
    client.force_login(plant.tech_a)
    return client


def test_list_shows_own_site_assets_only(tech_client, plant):
    html = tech_client.get("/assets/").content.decode()
    assert plant.asset_a.tag in html and plant.child_a.tag in html
    assert plant.asset_b.tag not in html


def test_search_and_sort_keep_state_in_the_url(tech_client, plant):
    Asset.objects.create(site=plant.site_a, tag="A-001", name="Air dryer")
    html = tech_client.get("/assets/?q=dryer").content.decode()
    assert "Air dryer" in html and f'href="/assets/{plant.asset_a.pk}/"' not in html
    html = tech_client.get("/assets/?sort=-tag").content.decode()
    rows = [f'href="/assets/{a.pk}/"' for a in (plant.child_a, plant.asset_a)]
    air = Asset.objects.get(tag="A-001")
    assert html.index(rows[0]) < html.index(rows[1]) < html.index(f'href="/assets/{air.pk}/"')
    assert "sort=tag" in html  # the header link toggles back


def test_htmx_request_gets_the_table_partial_only(tech_client, plant):
    r = tech_client.get("/assets/?q=P-100", HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and "<html" not in body and plant.asset_a.tag in body
    assert "HX-Request" in r["Vary"]


def test_empty_filter_result_says_so(tech_client):
    html = tech_client.get("/assets/?q=nothing-like-this").content.decode()
    assert "No asset matches these filters" in html


def test_asset_page_has_breadcrumbs_children_and_live_hooks(tech_client, plant):
    html = tech_client.get(f"/assets/{plant.child_a.pk}/").content.decode()
    assert f'href="/assets/{plant.asset_a.pk}/"' in html  # breadcrumb to the parent
    assert f'data-live-asset="{plant.child_a.pk}"' in html
    html = asset_page(tech_client, plant.asset_a)
    assert 'href="#children">Children (1)' in html and plant.child_a.tag in html  # children tab
    for sensor in plant.sensors_a.values():
        assert f'data-sensor-value="{sensor.pk}"' in html


def test_other_sites_asset_page_is_404(tech_client, plant):
    assert tech_client.get(f"/assets/{plant.asset_b.pk}/").status_code == 404
    assert tech_client.get(f"/assets/{plant.asset_b.pk}/tabs/documents/", HTTP_HX_REQUEST="true").status_code == 404


def test_asset_tabs_come_on_their_own(tech_client, plant):
    """The page carries each tab's place and address; the tab's body comes from that address, as
    a fragment to the page's script and as a page of its own without it."""
    page = tech_client.get(f"/assets/{plant.asset_a.pk}/").content.decode()
    assert f'hx-get="/assets/{plant.asset_a.pk}/tabs/children/" hx-trigger="intersect once"' in page
    assert plant.child_a.tag not in page.split('id="children"')[1]  # not rendered until asked for
    fragment = tech_client.get(f"/assets/{plant.asset_a.pk}/tabs/children/", HTTP_HX_REQUEST="true").content.decode()
    assert plant.child_a.tag in fragment and "<html" not in fragment
    whole = tech_client.get(f"/assets/{plant.asset_a.pk}/tabs/children/").content.decode()
    assert "<html" in whole and plant.child_a.tag in whole and "Whole asset page" in whole
    assert tech_client.get(f"/assets/{plant.asset_a.pk}/tabs/no-such-tab/").status_code == 404
    r = Client().get(f"/assets/{plant.asset_a.pk}/tabs/children/")  # nobody signed in
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_anonymous_is_sent_to_login(client, plant):
    r = client.get("/assets/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_user_without_role_is_refused(client, plant):
    client.force_login(plant.norole)
    assert client.get("/assets/").status_code == 403


@pytest.mark.parametrize("extra", [10, 60])
def test_list_and_detail_queries_do_not_grow_with_rows(tech_client, plant, extra, django_assert_max_num_queries):
    for i in range(extra):
        Asset.objects.create(site=plant.site_a, parent=plant.asset_a, category=plant.category, tag=f"X-{i:03d}",
                             name=f"Extra {i}")
    with django_assert_max_num_queries(12):
        assert tech_client.get("/assets/?page_size=100").status_code == 200
    with django_assert_max_num_queries(30):  # one or two per tab of the asset page, whatever the rows
        assert tech_client.get(f"/assets/{plant.asset_a.pk}/").status_code == 200
    with django_assert_max_num_queries(15):
        assert tech_client.get("/").status_code == 200


def test_asset_page_shows_the_location_chain_as_it_is_now(tech_client, plant):
    from assets import services

    hall = services.create_location(actor=None, site=plant.site_a, code="HALL-1", name="Hall")
    bay = services.create_location(actor=None, site=plant.site_a, code="BAY-2", name="Bay", parent=hall)
    Asset.objects.filter(pk=plant.child_a.pk).update(location=bay)
    page = tech_client.get(f"/assets/{plant.child_a.pk}/").content.decode()
    assert page.index(">HALL-1</a>") < page.index(">BAY-2</a>")
    hall.code = "HALL-9"  # the chain is cached: a renamed location must show at once
    hall.save()
    page = tech_client.get(f"/assets/{plant.child_a.pk}/").content.decode()
    assert ">HALL-9</a>" in page and ">HALL-1</a>" not in page


def test_register_counts_each_assets_sensors(tech_client, plant):
    html = tech_client.get("/assets/?sort=tag").content.decode()
    rows = dict(re.findall(r'data-label="Tag"><a href="/assets/\d+/">([^<]+)</a>(.*?)</tr>', html, re.S))
    sensors = re.compile(r'data-label="Sensors">(\d+)<')
    assert sensors.search(rows[plant.asset_a.tag]).group(1) == str(len(plant.sensors_a))
    assert sensors.search(rows[plant.child_a.tag]).group(1) == "0"


def test_register_rows_escape_every_text(tech_client, plant):
    from assets import services

    loc = services.create_location(actor=None, site=plant.site_a, code="L<1>", name='Hall "A" & <i>B</i>')
    Asset.objects.filter(pk=plant.asset_a.pk).update(name="<script>alert(1)</script>", location=loc,
                                                     manufacturer="x")
    html = tech_client.get("/assets/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'title="Hall &quot;A&quot; &amp; &lt;i&gt;B&lt;/i&gt;">L&lt;1&gt;</a>' in html


def test_asset_page_shows_availability_per_period(tech_client, plant):
    from datetime import timedelta

    from django.utils import timezone

    from assets.models import Downtime

    start = timezone.now() - timedelta(days=2)
    Downtime.objects.create(asset=plant.asset_a, started_at=start, ended_at=start + timedelta(hours=12),
                            reason_code="breakdown")
    page = tech_client.get(f"/assets/{plant.asset_a.pk}/").content.decode()
    week = page.split("Last 7 days</span>")[1].split("</div>")[0]
    assert '<span class="big watch">92.9<small>%</small></span>' in week and "12.0 h down · 1 stop<" in week
    quarter = page.split("Last 90 days</span>")[1].split("</div>")[0]
    assert '<span class="big watch">99.4<small>%</small></span>' not in quarter  # 12 h of 90 days: 99.4 %, good
    assert '<span class="big good">99.4<small>%</small></span>' in quarter
    never = tech_client.get(f"/assets/{plant.child_a.pk}/").content.decode()  # never down, no meters
    assert never.count('<span class="big good">100.0<small>%</small></span>') == 3 and "0.0 h down · 0 stops" in never
    assert "No meters on this asset." in never
