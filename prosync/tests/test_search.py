"""The global search: ranking (a tag typed in full first), misspellings, every kind found, the
scoping of every role to its sites (page and API), the dropdown, and the refusal of a bad query."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile

from conftest import jwt_client, session_client


@pytest.fixture
def found(plant):
    """Compressors on both sites, and one row of every other kind on site A."""
    from assets.models import Asset, AssetDocument, Location, Part
    from assets.services import create_location
    from workorders import services
    from workorders.services_planning import submit_request

    a, b = plant.site_a, plant.site_b
    rows = {
        "c301": Asset.objects.create(site=a, tag="C-301", name="Air compressor", manufacturer="Atlas Copco",
                                     model_number="GA 37", serial_number="AIF095112"),
        "c302": Asset.objects.create(site=a, tag="C-302", name="Compressor skid 2"),
        # Mentions C-301 twice, in its tag and name: the text scores it well, the exact tag still wins.
        "c301a": Asset.objects.create(site=a, tag="C-301-A", name="C-301 aftercooler of compressor C-301"),
        "c900": Asset.objects.create(site=b, tag="C-900", name="Bravo compressor"),
        "house": create_location(actor=plant.admin, site=a, code="CH", name="Compressor house"),
        "part": Part.objects.create(part_number="CF-100", name="Oil separator element", manufacturer="Atlas Copco"),
    }
    rows["order"] = services.create_work_order(actor=plant.manager_a, asset=rows["c301"],
                                               title="Replace the drive belt", kind="corrective")
    services.add_comment(rows["order"], "Heard a grinding noise from the motor bearing", actor=plant.manager_a)
    rows["order_b"] = services.create_work_order(actor=plant.admin, asset=rows["c900"],
                                                 title="Replace the drive belt on Bravo", kind="corrective")
    rows["request"] = submit_request(asset=plant.asset_a, title="Puddle under the pump",
                                     description="Oil is leaking from the gearbox", actor=plant.tech_a)
    rows["document"] = AssetDocument.objects.create(
        asset=rows["c301"], title="Operator manual GA 37", file=ContentFile(b"%PDF-1.4", name="ga37.pdf"),
        original_name="ga37-operator-manual.pdf", content_type="application/pdf", size=8)
    assert Location.objects.filter(pk=rows["house"].pk).exists()
    return rows


def _api(user, **params):
    return jwt_client(user).get("/api/v1/search/", params)


def _titles(response, kind=None) -> list[str]:
    return [r["title"] for r in response.json()["results"] if kind in (None, r["kind"])]


def test_search_ranks_the_exact_tag_first(plant, found):
    titles = _titles(_api(plant.manager_a, q="C-301", kind="asset"))
    assert titles[0] == "C-301 Air compressor"
    assert "C-301-A C-301 aftercooler of compressor C-301" in titles[1:]
    # The number of an order, as typed or as printed, finds that order first.
    number = found["order"].number
    for q in (number, number.lower(), f"#{found['order'].pk}"):
        assert _titles(_api(plant.manager_a, q=q, kind="work_order"))[0] == str(found["order"]), q


def test_search_forgives_misspelling_compresor(plant, found):
    response = _api(plant.manager_a, q="compresor")
    assert response.status_code == 200
    assets = _titles(response, "asset")
    assert {"C-301 Air compressor", "C-302 Compressor skid 2"} <= set(assets)
    assert "CH Compressor house" in _titles(response, "location")
    assert all(r["score"] > 0 for r in response.json()["results"])


@pytest.mark.parametrize(("q", "kind", "title"), [
    ("Atlas Copco", "asset", "C-301 Air compressor"),  # manufacturer
    ("GA 37", "asset", "C-301 Air compressor"),  # model
    ("AIF095112", "asset", "C-301 Air compressor"),  # serial number
    ("compressor house", "location", "CH Compressor house"),
    ("drive belt", "work_order", "order"),  # title
    ("grinding bearing", "work_order", "order"),  # a comment
    ("gearbox leaking", "request", "request"),  # a request's description
    ("CF-100", "part", "CF-100 Oil separator element"),  # part number
    ("separator", "part", "CF-100 Oil separator element"),  # part name
    ("operator manual", "document", "Operator manual GA 37"),  # document name
])
def test_search_finds_each_kind(plant, found, q, kind, title):
    title = str(found[title]) if title in found else title
    response = _api(plant.manager_a, q=q)
    assert response.status_code == 200
    assert title in _titles(response, kind), (q, response.json())
    group = next(g for g in response.json()["groups"] if g["kind"] == kind)
    assert group["count"] >= 1 and group["label"]
    hit = next(r for r in response.json()["results"] if r["title"] == title)
    assert hit["url"].startswith("http://testserver/")
    assert session_client(plant.manager_a).get(hit["url"]).status_code == 200  # the result's page opens


def test_search_never_shows_another_sites_rows_on_the_page_or_api(plant, found):
    for user in (plant.manager_a, plant.tech_a, plant.viewer_a):
        page = session_client(user).get("/search/", {"q": "compressor"})
        html = page.content.decode()
        assert page.status_code == 200
        assert "C-301" in html and "skid 2" in html
        assert "C-900" not in html and "Bravo" not in html, user
        response = _api(user, q="compressor")
        assert "C-301 Air compressor" in _titles(response)
        assert not [r for r in response.json()["results"] if "Bravo" in r["title"] or "C-900" in r["title"]], user
        assert not [t for t in _titles(_api(user, q="drive belt")) if "Bravo" in t], user
    # Site B's technician finds site B's compressor and nothing of site A; the admin sees both.
    assert _titles(_api(plant.tech_b, q="compresor", kind="asset")) == ["C-900 Bravo compressor"]
    assert {"C-900 Bravo compressor", "C-301 Air compressor"} <= set(_titles(_api(plant.admin, q="compressor")))
    # A user without a role finds nothing at all.
    assert _api(plant.norole, q="compressor").json()["results"] == []


def test_search_page_groups_by_kind_with_counts_and_highlights(plant, found):
    html = session_client(plant.manager_a).get("/search/", {"q": "compresor"}).content.decode()
    groups = re.findall(r'data-search-kind="(\w+)"', html)
    assert groups[:2] == ["asset", "location"]
    asset_group = html.split('data-search-kind="asset"')[1].split("</section>")[0]
    assert re.search(r'Assets <span class="search-count">3</span>', asset_group)
    assert "<mark>compressor</mark>" in asset_group.lower()
    assert f'href="{found["c301"].get_absolute_url()}"' in asset_group
    assert "Atlas Copco" in asset_group  # the context line says which one it is
    # "More" of one kind lists that kind only.
    html = session_client(plant.manager_a).get("/search/", {"q": "compresor", "kind": "asset"}).content.decode()
    assert re.findall(r'data-search-kind="(\w+)"', html) == ["asset"]


def test_search_page_empty_states_and_short_query(plant, found):
    client = session_client(plant.manager_a)
    page = client.get("/search/")
    assert page.status_code == 200 and b"Spelling mistakes are forgiven" in page.content
    page = client.get("/search/", {"q": "zzyzx qwv"})
    assert page.status_code == 200 and "Nothing found for “zzyzx qwv”" in page.content.decode()
    page = client.get("/search/", {"q": "c"})
    assert page.status_code == 400 and b"Type at least 2 characters to search." in page.content
    for odd in ("!!", "the", "'\"", "a & b | c", "-pump", "p%_", "(:*"):  # syntax the engine must not choke on
        assert client.get("/search/", {"q": odd}).status_code == 200, odd
        assert _api(plant.manager_a, q=odd).status_code == 200, odd
    page = client.get("/search/", {"q": "pump", "kind": "sensor"})
    assert page.status_code == 400 and b"Kind of result: Select a valid choice." in page.content


def test_search_query_count_does_not_grow_with_the_results(plant, found, django_assert_max_num_queries):
    """Two queries per kind (candidates, then the ranked rows with what their context line names) and one
    for the comments, however many rows match: no query per result."""
    from assets.models import Asset, AssetDocument

    for i in range(12):
        asset = Asset.objects.create(site=plant.site_a, tag=f"C-4{i:02d}", name=f"Booster compressor {i}")
        AssetDocument.objects.create(asset=asset, title=f"Compressor datasheet {i}", file=f"x/{i}.pdf",
                                     original_name=f"{i}.pdf", content_type="application/pdf", size=1)
    client = jwt_client(plant.manager_a)
    client.get("/api/v1/search/", {"q": "pump"})  # the instance's settings, read once and kept
    with django_assert_max_num_queries(2 * 6 + 1 + 1):  # + the signed-in user
        response = client.get("/api/v1/search/", {"q": "compressor", "limit": 20})
    counts = {g["kind"]: g["count"] for g in response.json()["groups"]}
    assert counts["asset"] == 15 and counts["document"] == 12
    assert len([r for r in response.json()["results"] if r["kind"] == "asset"]) == 15
    # The page shows the best of each kind and links to the rest of that kind.
    page = session_client(plant.manager_a).get("/search/", {"q": "compressor"}).content.decode()
    assets = page.split('data-search-kind="asset"')[1].split("</section>")[0]
    assert assets.count("<li>") == 8 and "More assets (15)" in assets
    page = session_client(plant.manager_a).get("/search/", {"q": "compressor", "kind": "asset"}).content.decode()
    assert page.count('<li><a href="/assets/') == 15 and "More assets" not in page


def test_search_box_in_every_pages_header_and_its_dropdown(plant, found):
    client = session_client(plant.tech_a)
    for url in ("/", "/assets/", "/work-orders/", found["c301"].get_absolute_url()):
        html = client.get(url).content.decode()
        assert re.search(r'<form class="global-search" role="search" method="get" action="/search/"', html), url
        assert 'src="/static/js/search.js"' in html
    dropdown = client.get("/search/", {"q": "compresor"}, HTTP_HX_REQUEST="true")
    html = dropdown.content.decode()
    assert dropdown.status_code == 200 and "<html" not in html
    assert "C-301" in html and "C-900" not in html and "All results for “compresor”" in html
    # One letter while typing: an empty dropdown, not an error.
    short = client.get("/search/", {"q": "c"}, HTTP_HX_REQUEST="true")
    assert short.status_code == 200 and not short.content.strip()


@pytest.mark.parametrize(("params", "field"), [
    ({}, "q"), ({"q": "c"}, "q"), ({"q": "  "}, "q"), ({"q": "x" * 101}, "q"),
    ({"q": "pump", "kind": "sensor"}, "kind"), ({"q": "pump", "limit": "0"}, "limit"),
])
def test_search_api_refuses_a_bad_query_naming_the_field(plant, params, field):
    response = _api(plant.manager_a, **params)
    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_search_api_needs_a_sign_in_and_is_in_the_schema(plant, found):
    assert jwt_client(None).get("/api/v1/search/", {"q": "pump"}).status_code == 401
    schema = session_client(plant.admin).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/search/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "kind", "limit"} <= names
    kind = next(p for p in operation["parameters"] if p["name"] == "kind")
    assert set(kind["schema"]["enum"]) == {"asset", "location", "work_order", "request", "part", "document"}
    assert "200" in operation["responses"]
