"""Spare-part pages as a storekeeper and a technician use them: the list with its low-stock filter
and HTMX partial, CSV export of what the filters show, the part page's movement forms with inline
errors, and the Parts tab of the asset page."""

import csv
import io

import pytest

from assets import services_parts as parts
from assets.models import BomLine, Part, StockLevel, StockMovement, Storeroom
from conftest import asset_page


@pytest.fixture
def store(plant):
    bearing = Part.objects.create(part_number="BRG-6205", name="Ball bearing 6205", category="Bearings",
                                  manufacturer="SKF", unit_cost="12.50")
    seal = Part.objects.create(part_number="SEAL-40", name="Mechanical seal 40 mm", category="Seals",
                               manufacturer="John Crane")
    main_a = Storeroom.objects.create(site=plant.site_a, code="main", name="Main store A")
    main_b = Storeroom.objects.create(site=plant.site_b, code="main-b", name="Main store B")
    parts.receive_stock(bearing, main_a, 3, actor=plant.admin)
    parts.set_reorder_levels(bearing, main_a, actor=plant.admin, reorder_point=4, reorder_quantity=10)
    parts.receive_stock(seal, main_a, 8, actor=plant.admin)
    parts.receive_stock(seal, main_b, 99, actor=plant.admin)
    return bearing, seal, main_a, main_b


def login(client, user):
    client.force_login(user)
    return client


def test_part_list_flags_low_stock_and_filters_to_it(client, plant, store):
    login(client, plant.tech_a)
    html = client.get("/assets/parts/").content.decode()
    assert "BRG-6205" in html and "SEAL-40" in html
    assert "1 stock line at or below the reorder point" in html
    assert "99" not in html  # site B's stock is not counted for a site A technician
    html = client.get("/assets/parts/?low_stock=true", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and "BRG-6205" in html and "SEAL-40" not in html
    html = client.get("/assets/parts/?q=seal&sort=-on_hand").content.decode()
    assert "SEAL-40" in html and "BRG-6205" not in html


def test_csv_export_carries_the_filters_and_the_scope(client, plant, store):
    login(client, plant.tech_a)
    html = client.get("/assets/parts/?category=Seals").content.decode()
    assert "category=Seals&amp;format=csv" in html  # the Export link keeps the filters
    response = client.get("/assets/parts/?category=Seals&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["Part number"] for r in rows] == ["SEAL-40"]
    assert rows[0]["On hand"] == "8.000"  # site A only, not site B's 99
    stock_rows = list(csv.DictReader(io.StringIO(b"".join(
        client.get("/assets/stock/?format=csv").streaming_content).decode("utf-8-sig"))))
    assert {r["Storeroom"] for r in stock_rows} == {"main"}  # site B's storeroom is not exported


def test_csv_export_of_the_asset_list_respects_scope(client, plant):
    login(client, plant.tech_b)
    body = b"".join(client.get("/assets/?format=csv").streaming_content).decode("utf-8-sig")
    assert plant.asset_b.tag in body and plant.asset_a.tag not in body


def test_export_neutralises_spreadsheet_formulas(client, plant):
    Part.objects.create(part_number="EVIL-1", name="=HYPERLINK(\"http://x\")")
    login(client, plant.manager_a)
    body = b"".join(client.get("/assets/parts/?format=csv").streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in body


def test_part_page_shows_stock_ledger_and_where_used(client, plant, store):
    bearing, _, main_a, _ = store
    BomLine.objects.create(asset=plant.asset_a, part=bearing, quantity=2)
    BomLine.objects.create(asset=plant.asset_b, part=bearing, quantity=2)
    login(client, plant.tech_a)
    html = client.get(f"/assets/parts/{bearing.pk}/").content.decode()
    assert "Low in main" in html and "Receipt" in html
    assert plant.asset_a.tag in html and plant.asset_b.tag not in html  # where used, own sites only
    assert 'id="move-issue"' in html and 'id="move-receive"' not in html  # technicians issue, not receive


def test_issue_form_success_and_inline_errors(client, plant, store):
    bearing, _, main_a, _ = store
    login(client, plant.tech_a)
    url = f"/assets/parts/{bearing.pk}/move/issue/"
    r = client.post(url, {"issue-storeroom": main_a.pk, "issue-quantity": "5", "issue-reference": "WO-00042"})
    assert r.status_code == 409
    html = r.content.decode()
    assert "Only 3 pcs of BRG-6205 on hand in main" in html and 'id="move-issue" open' in html
    r = client.post(url, {"issue-storeroom": main_a.pk, "issue-quantity": "-1"})
    assert r.status_code == 400 and "field-error" in r.content.decode()
    r = client.post(url, {"issue-storeroom": main_a.pk, "issue-quantity": "1", "issue-asset": plant.asset_b.tag})
    assert r.status_code == 400 and f"No asset tagged {plant.asset_b.tag} on Alpha Plant" in r.content.decode()
    assert StockMovement.objects.filter(kind="issue").count() == 0
    r = client.post(url, {"issue-storeroom": main_a.pk, "issue-quantity": "2", "issue-reference": "WO-00042",
                          "issue-asset": plant.asset_a.tag})
    assert r.status_code == 302 and r["Location"].endswith("#stock")
    assert StockLevel.objects.get(part=bearing, storeroom=main_a).on_hand == 1
    html = client.get(r["Location"]).content.decode()
    assert "recorded in the stock ledger" in html and "WO-00042" in html


def test_forms_refuse_other_sites_storerooms_and_viewers(client, plant, store):
    bearing, _, _, main_b = store
    login(client, plant.tech_a)
    r = client.post(f"/assets/parts/{bearing.pk}/move/issue/", {"issue-storeroom": main_b.pk, "issue-quantity": "1"})
    assert r.status_code == 400 and "Select a valid choice" in r.content.decode()
    assert client.post(f"/assets/parts/{bearing.pk}/move/receive/",
                       {"receive-storeroom": 1, "receive-quantity": "1"}).status_code == 403
    login(client, plant.viewer_a)
    assert client.post(f"/assets/parts/{bearing.pk}/move/issue/", {}).status_code == 403
    assert 'id="move-issue"' not in client.get(f"/assets/parts/{bearing.pk}/").content.decode()
    assert StockLevel.objects.get(storeroom=main_b).on_hand == 99


def test_storekeeper_counts_and_transfers(client, plant, store):
    bearing, _, main_a, _ = store
    cage = Storeroom.objects.create(site=plant.site_a, code="cage", name="Line cage")
    login(client, plant.manager_a)
    base = f"/assets/parts/{bearing.pk}/move"
    r = client.post(f"{base}/adjust/", {"adjust-storeroom": main_a.pk, "adjust-counted": "2"})
    assert r.status_code == 400 and "This field is required" in r.content.decode()  # the reason
    assert client.post(f"{base}/adjust/", {"adjust-storeroom": main_a.pk, "adjust-counted": "2",
                                           "adjust-note": "cycle count"}).status_code == 302
    assert client.post(f"{base}/transfer/", {"transfer-storeroom": main_a.pk, "transfer-to_storeroom": cage.pk,
                                             "transfer-quantity": "1"}).status_code == 302
    assert StockLevel.objects.get(storeroom=main_a, part=bearing).on_hand == 1
    assert StockLevel.objects.get(storeroom=cage, part=bearing).on_hand == 1
    assert parts.ledger_mismatches() == []


def test_asset_parts_tab_shows_bom_with_site_stock(client, plant, store):
    bearing, seal, _, _ = store
    BomLine.objects.create(asset=plant.asset_a, part=bearing, quantity=2, note="drive end")
    login(client, plant.manager_a)
    html = asset_page(client, plant.asset_a)
    assert 'id="parts"' in html and "BRG-6205" in html and "drive end" in html and "Low" in html
    # The part is typed by its number (the page never lists the whole catalogue in a select).
    tab = client.get(f"/assets/{plant.asset_a.pk}/tabs/parts/", HTTP_HX_REQUEST="true").content.decode()
    assert "<select" not in tab
    r = client.post(f"/assets/{plant.asset_a.pk}/parts/", {"part": "seal-40", "quantity": "1"})
    assert r.status_code == 302 and BomLine.objects.filter(asset=plant.asset_a, part=seal).exists()
    r = client.post(f"/assets/{plant.asset_a.pk}/parts/", {"part": "SEAL-40", "quantity": "1"})
    assert BomLine.objects.filter(asset=plant.asset_a).count() == 2  # a duplicate is refused
    r = client.post(f"/assets/{plant.asset_a.pk}/parts/", {"part": "NOPE-1", "quantity": "1"}, follow=True)
    assert "No part numbered “NOPE-1”" in r.content.decode()
    assert BomLine.objects.filter(asset=plant.asset_a).count() == 2
    login(client, plant.tech_a)
    assert client.post(f"/assets/{plant.asset_a.pk}/parts/", {"part": "SEAL-40", "quantity": "1"}).status_code == 403


def test_empty_states(client, plant):
    login(client, plant.tech_a)
    assert "No spare parts yet" in client.get("/assets/parts/").content.decode()
    assert "No part matches these filters" in client.get("/assets/parts/?q=zzz").content.decode()
    assert "No bill of materials for this asset yet" in asset_page(client, plant.asset_a)


@pytest.mark.parametrize("extra", [10, 200])
def test_part_list_queries_do_not_grow_with_rows(client, plant, extra, django_assert_max_num_queries):
    room = Storeroom.objects.create(site=plant.site_a, code="main", name="Main")
    Part.objects.bulk_create(Part(part_number=f"P-{i:04d}", name=f"Part {i}") for i in range(extra))
    StockLevel.objects.bulk_create(StockLevel(part=p, storeroom=room, reorder_point=1) for p in Part.objects.all())
    login(client, plant.tech_a)
    with django_assert_max_num_queries(12):
        assert client.get("/assets/parts/?page_size=100").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/assets/stock/").status_code == 200


def test_manager_creates_and_edits_a_part_with_inline_errors(client, plant, store):
    login(client, plant.manager_a)
    assert client.get("/assets/parts/new/").status_code == 200
    r = client.post("/assets/parts/new/", {"part_number": "BRG-6205", "name": "Again", "unit": "pcs",
                                           "unit_cost": "-1"})
    html = r.content.decode()
    assert r.status_code == 422 and "Part with this Part number already exists" in html
    assert "field-error" in html and Part.objects.count() == 2
    r = client.post("/assets/parts/new/", {"part_number": "BELT-1", "name": "V-belt", "unit": "pcs",
                                           "unit_cost": "9.90", "category": "Belts"})
    belt = Part.objects.get(part_number="BELT-1")
    assert r.status_code == 302 and r["Location"] == f"/assets/parts/{belt.pk}/"
    r = client.post(f"/assets/parts/{belt.pk}/edit/", {"part_number": "BELT-1", "name": "V-belt SPB", "unit": "pcs",
                                                       "unit_cost": "10.50"})
    belt.refresh_from_db()
    assert r.status_code == 302 and belt.name == "V-belt SPB" and str(belt.unit_cost) == "10.50"
    login(client, plant.tech_a)
    assert client.get("/assets/parts/new/").status_code == 403
    assert client.post(f"/assets/parts/{belt.pk}/edit/", {"name": "x"}).status_code == 403


def test_storekeeper_sets_reorder_levels_from_the_part_page(client, plant, store):
    _, seal, main_a, _ = store
    login(client, plant.manager_a)
    url = f"/assets/parts/{seal.pk}/move/levels/"
    r = client.post(url, {"levels-storeroom": main_a.pk, "levels-reorder_point": "-2"})
    assert r.status_code == 400 and "field-error" in r.content.decode()
    r = client.post(url, {"levels-storeroom": main_a.pk, "levels-reorder_point": "8", "levels-reorder_quantity": "20",
                          "levels-bin_location": "B-07"})
    assert r.status_code == 302
    level = StockLevel.objects.get(part=seal, storeroom=main_a)
    assert level.reorder_point == 8 and level.reorder_quantity == 20 and level.bin_location == "B-07"
    assert level.is_low and level.on_hand == 8  # the levels never move stock
    login(client, plant.tech_a)
    assert client.post(url, {"levels-storeroom": main_a.pk, "levels-reorder_point": "1"}).status_code == 403


def test_admin_pages_of_every_stock_model(client, plant, store):
    bearing, _, main_a, _ = store
    plant.admin.is_staff = True
    plant.admin.save()
    client.force_login(plant.admin)
    for model in ("part", "storeroom", "stocklevel", "stockmovement", "bomline"):
        assert client.get(f"/admin/assets/{model}/").status_code == 200, model
    assert client.get(f"/admin/assets/part/{bearing.pk}/change/").status_code == 200
    assert client.get("/admin/assets/stockmovement/add/").status_code == 403  # the ledger is written by services
    level = StockLevel.objects.get(part=bearing, storeroom=main_a)
    r = client.post(f"/admin/assets/stocklevel/{level.pk}/change/", {"reorder_point": "1", "reorder_quantity": "5",
                                                                      "bin_location": "Z-1"})
    assert r.status_code == 302
    level.refresh_from_db()
    assert level.reorder_point == 1 and level.on_hand == 3 and level.bin_location == "Z-1"
