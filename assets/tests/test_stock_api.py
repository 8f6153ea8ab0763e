"""The stock API: movement endpoints answer 201 with the ledger rows, 400 naming the field, 409
with the quantity on hand; who may move stock; lists share the page's FilterSets and scope."""

from decimal import Decimal

import pytest

from assets import services_parts as parts
from assets.models import BomLine, Part, StockLevel, StockMovement, Storeroom
from conftest import jwt_client

API = "/api/v1"


@pytest.fixture
def store(plant):
    part = Part.objects.create(part_number="BRG-6205", name="Ball bearing 6205", unit_cost="12.50")
    main_a = Storeroom.objects.create(site=plant.site_a, code="main", name="Main store A")
    cage_a = Storeroom.objects.create(site=plant.site_a, code="cage", name="Line cage A")
    main_b = Storeroom.objects.create(site=plant.site_b, code="main", name="Main store B")
    parts.receive_stock(part, main_a, 5, actor=plant.admin)
    parts.receive_stock(part, main_b, 7, actor=plant.admin)
    return part, main_a, cage_a, main_b


def test_issue_writes_a_ledger_row_and_answers_201(plant, store):
    part, main_a, _, _ = store
    r = jwt_client(plant.tech_a).post(f"{API}/stock-movements/issue/", {
        "part": part.pk, "storeroom": main_a.pk, "quantity": "2", "reference": "WO-00042",
        "asset": plant.asset_a.pk}, format="json")
    assert r.status_code == 201, r.content
    row = r.json()["movements"][0]
    assert row["kind"] == "issue" and Decimal(row["quantity"]) == -2 and Decimal(row["balance_after"]) == 3
    assert row["reference"] == "WO-00042" and row["asset"] == plant.asset_a.pk
    assert StockLevel.objects.get(part=part, storeroom=main_a).on_hand == 3


def test_issue_more_than_on_hand_is_409_with_on_hand_and_changes_nothing(plant, store):
    part, main_a, _, _ = store
    r = jwt_client(plant.tech_a).post(f"{API}/stock-movements/issue/", {
        "part": part.pk, "storeroom": main_a.pk, "quantity": "6"}, format="json")
    assert r.status_code == 409
    body = r.json()
    assert Decimal(body["on_hand"]) == 5 and "Only 5 pcs" in body["quantity"][0]
    assert StockMovement.objects.filter(kind="issue").count() == 0


@pytest.mark.parametrize(("payload", "field"), [
    ({"quantity": "0"}, "quantity"),
    ({"quantity": "-1"}, "quantity"),
    ({"quantity": "abc"}, "quantity"),
    ({"quantity": None}, "quantity"),
    ({"part": 999999}, "part"),
    ({"storeroom": "x"}, "storeroom"),
])
def test_bad_movement_input_is_400_naming_the_field(plant, store, payload, field):
    part, main_a, _, _ = store
    body = {"part": part.pk, "storeroom": main_a.pk, "quantity": "1", **payload}
    r = jwt_client(plant.manager_a).post(f"{API}/stock-movements/receive/", body, format="json")
    assert r.status_code == 400 and field in r.json(), r.content
    assert StockMovement.objects.count() == 2


def test_movements_in_another_sites_storeroom_are_refused(plant, store):
    part, _, _, main_b = store
    r = jwt_client(plant.tech_a).post(f"{API}/stock-movements/issue/", {
        "part": part.pk, "storeroom": main_b.pk, "quantity": "1"}, format="json")
    assert r.status_code == 400 and "storeroom" in r.json()
    assert StockLevel.objects.get(storeroom=main_b).on_hand == 7


def test_transfer_adjust_and_return(plant, store):
    part, main_a, cage_a, _ = store
    client = jwt_client(plant.manager_a)
    r = client.post(f"{API}/stock-movements/transfer/", {"part": part.pk, "from_storeroom": main_a.pk,
                                                         "to_storeroom": cage_a.pk, "quantity": "2"}, format="json")
    assert r.status_code == 201 and [m["kind"] for m in r.json()["movements"]] == ["transfer_out", "transfer_in"]
    same = client.post(f"{API}/stock-movements/transfer/", {"part": part.pk, "from_storeroom": main_a.pk,
                                                            "to_storeroom": main_a.pk, "quantity": "1"}, format="json")
    assert same.status_code == 400 and "to_storeroom" in same.json()
    no_reason = client.post(f"{API}/stock-movements/adjust/", {"part": part.pk, "storeroom": main_a.pk,
                                                               "counted": "1"}, format="json")
    assert no_reason.status_code == 400 and "note" in no_reason.json()
    r = client.post(f"{API}/stock-movements/adjust/", {"part": part.pk, "storeroom": main_a.pk, "counted": "1",
                                                       "note": "cycle count"}, format="json")
    assert r.status_code == 201 and Decimal(r.json()["movements"][0]["quantity"]) == -2
    r = client.post(f"{API}/stock-movements/return/", {"part": part.pk, "storeroom": main_a.pk, "quantity": "1"},
                    format="json")
    assert r.status_code == 201
    assert StockLevel.objects.get(storeroom=main_a).on_hand == 2 and parts.ledger_mismatches() == []


def test_who_may_move_stock(plant, store):
    part, main_a, _, _ = store
    body = {"part": part.pk, "storeroom": main_a.pk, "quantity": "1"}
    assert jwt_client(plant.viewer_a).post(f"{API}/stock-movements/issue/", body, format="json").status_code == 403
    assert jwt_client(plant.norole).post(f"{API}/stock-movements/issue/", body, format="json").status_code == 403
    assert jwt_client(None).post(f"{API}/stock-movements/issue/", body, format="json").status_code == 401
    # technicians issue and return; receipts and counts are the storekeeper's
    assert jwt_client(plant.tech_a).post(f"{API}/stock-movements/receive/", body, format="json").status_code == 403
    assert jwt_client(plant.manager_a).post(f"{API}/stock-movements/receive/", body, format="json").status_code == 201
    assert StockLevel.objects.get(storeroom=main_a).on_hand == 6


def test_ledger_list_is_scoped_and_filtered(plant, store):
    part, main_a, _, main_b = store
    parts.issue_stock(part, main_a, 1, actor=plant.tech_a, reference="WO-00007")
    rows = jwt_client(plant.tech_a).get(f"{API}/stock-movements/").json()["results"]
    assert {r["storeroom"] for r in rows} == {main_a.pk}
    rows = jwt_client(plant.tech_a).get(f"{API}/stock-movements/", {"kind": "issue"}).json()["results"]
    assert [r["reference"] for r in rows] == ["WO-00007"]
    assert jwt_client(plant.tech_b).get(f"{API}/stock-movements/{rows[0]['id']}/").status_code == 404
    # the ledger itself cannot be written through CRUD
    assert jwt_client(plant.admin).delete(f"{API}/stock-movements/{rows[0]['id']}/").status_code == 405


def test_part_list_shows_on_hand_of_the_users_sites_and_low_stock_filter(plant, store):
    part, main_a, _, _ = store
    Part.objects.create(part_number="SEAL-1", name="Seal")
    parts.set_reorder_levels(part, main_a, actor=plant.admin, reorder_point=5)
    rows = {r["part_number"]: r for r in jwt_client(plant.tech_a).get(f"{API}/parts/").json()["results"]}
    assert Decimal(rows["BRG-6205"]["on_hand"]) == 5 and rows["BRG-6205"]["is_low"] is True
    assert Decimal(rows["SEAL-1"]["on_hand"]) == 0 and rows["SEAL-1"]["is_low"] is False
    rows = jwt_client(plant.tech_b).get(f"{API}/parts/", {"low_stock": "true"}).json()["results"]
    assert rows == []  # site B's stock of the bearing is not low
    rows = jwt_client(plant.tech_a).get(f"{API}/parts/", {"low_stock": "true"}).json()["results"]
    assert [r["part_number"] for r in rows] == ["BRG-6205"]


def test_stock_level_on_hand_is_read_only_and_reorder_levels_are_writable(plant, store):
    part, main_a, _, _ = store
    level = StockLevel.objects.get(part=part, storeroom=main_a)
    r = jwt_client(plant.manager_a).patch(f"{API}/stock-levels/{level.pk}/",
                                         {"on_hand": "999", "reorder_point": "2", "reorder_quantity": "10"},
                                         format="json")
    assert r.status_code == 200, r.content
    level.refresh_from_db()
    assert level.on_hand == 5 and level.reorder_point == 2 and level.reorder_quantity == 10
    r = jwt_client(plant.manager_a).patch(f"{API}/stock-levels/{level.pk}/", {"reorder_point": "-1"},
                                         format="json")
    assert r.status_code == 400 and "reorder_point" in r.json()
    assert jwt_client(plant.admin).delete(f"{API}/stock-levels/{level.pk}/").status_code == 405


def test_bom_lines_and_protected_deletes(plant, store):
    part, main_a, _, _ = store
    client = jwt_client(plant.manager_a)
    r = client.post(f"{API}/bom-lines/", {"asset": plant.asset_a.pk, "part": part.pk, "quantity": "2"}, format="json")
    assert r.status_code == 201, r.content
    dup = client.post(f"{API}/bom-lines/", {"asset": plant.asset_a.pk, "part": part.pk, "quantity": "1"},
                      format="json")
    assert dup.status_code == 400
    other = client.post(f"{API}/bom-lines/", {"asset": plant.asset_b.pk, "part": part.pk}, format="json")
    assert other.status_code == 400 and "asset" in other.json()
    assert BomLine.objects.count() == 1
    # a part with ledger history cannot be deleted
    assert client.delete(f"{API}/parts/{part.pk}/").status_code == 409
    assert Part.objects.filter(pk=part.pk).exists()


def test_api_lists_export_csv_with_filters_scope_and_no_paging(plant, store):
    import csv
    import io

    part, main_a, _, main_b = store
    Part.objects.bulk_create(Part(part_number=f"BULK-{i:03d}", name=f"Bulk {i}") for i in range(60))
    client = jwt_client(plant.tech_a)
    response = client.get(f"{API}/parts/", {"format": "csv", "q": "BULK"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="part.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 60 and {r["part_number"] for r in rows} == {f"BULK-{i:03d}" for i in range(60)}
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"{API}/stock-levels/", {"format": "csv"}).content.decode("utf-8-sig"))))
    assert {int(r["storeroom"]) for r in rows} == {main_a.pk}  # site B's stock is not exported
    assert jwt_client(None).get(f"{API}/parts/", {"format": "csv"}).status_code == 401


@pytest.mark.parametrize("extra", [10, 200])
def test_api_list_queries_do_not_grow_with_rows(plant, extra, django_assert_max_num_queries):
    room = Storeroom.objects.create(site=plant.site_a, code="bulk", name="Bulk")
    Part.objects.bulk_create(Part(part_number=f"Q-{i:04d}", name=f"Part {i}") for i in range(extra))
    bulk = list(Part.objects.filter(part_number__startswith="Q-"))
    # rows written in bulk (ledger and cache agree) to keep the test quick
    StockLevel.objects.bulk_create(StockLevel(part=p, storeroom=room, on_hand=3) for p in bulk)
    StockMovement.objects.bulk_create(StockMovement(part=p, storeroom=room, kind="receipt", quantity=3,
                                                    balance_after=3, created_by=plant.admin) for p in bulk)
    BomLine.objects.bulk_create(BomLine(asset=plant.asset_a, part=p) for p in bulk)
    client = jwt_client(plant.tech_a)
    for path in ("parts", "stock-levels", "stock-movements", "bom-lines", "storerooms"):
        with django_assert_max_num_queries(10):
            assert client.get(f"{API}/{path}/", {"page_size": 500}).status_code == 200, path


def test_ledger_check_command_reports_a_tampered_cache(plant, store):
    from django.core.management import CommandError, call_command

    call_command("check_stock_ledger")
    part, main_a, _, _ = store
    StockLevel.objects.filter(part=part, storeroom=main_a).update(on_hand=4)  # not through the ledger
    with pytest.raises(CommandError, match="1 stock row"):
        call_command("check_stock_ledger")


def test_a_return_brings_back_at_most_what_is_still_out_on_its_reference(plant, store):
    """tech.north "returned" 100,000 bearings that were never issued: 201, stock inflated."""
    part, main_a, cage_a, _ = store
    tech = jwt_client(plant.tech_a)
    url = f"{API}/stock-movements/return/"
    r = tech.post(url, {"part": part.pk, "storeroom": main_a.pk, "quantity": "100000", "reference": "WO-00042"},
                  format="json")
    assert r.status_code == 409 and Decimal(r.json()["out"]) == 0 and Decimal(r.json()["requested"]) == 100000
    assert "Cannot return 100000 pcs: nothing of BRG-6205 from main on WO-00042 is out" in r.json()["quantity"][0]
    r = tech.post(url, {"part": part.pk, "storeroom": main_a.pk, "quantity": "1"}, format="json")
    assert r.status_code == 400 and "reference" in r.json(), "a plain return is a receipt: the storekeeper's"
    parts.issue_stock(part, main_a, 3, actor=plant.tech_a, reference="WO-00042")
    body = {"part": part.pk, "storeroom": main_a.pk, "reference": "WO-00042"}
    assert tech.post(url, {**body, "quantity": "2"}, format="json").status_code == 201
    r = tech.post(url, {**body, "quantity": "2"}, format="json")
    assert r.status_code == 409 and Decimal(r.json()["out"]) == 1
    assert "only 1 pcs of BRG-6205 from main on WO-00042 are still out" in r.json()["quantity"][0]
    r = tech.post(url, {**body, "storeroom": cage_a.pk, "quantity": "1"}, format="json")
    assert r.status_code == 409, "issued from main: nothing of it is out of the cage"
    assert tech.post(url, {**body, "quantity": "1"}, format="json").status_code == 201
    assert StockLevel.objects.get(storeroom=main_a).on_hand == 5 and parts.ledger_mismatches() == []


def test_returning_more_than_is_out_on_the_part_page_is_refused(plant, store, client):
    part, main_a, _, _ = store
    client.force_login(plant.tech_a)
    from django.urls import reverse

    r = client.post(reverse("assets:part-move", args=[part.pk, "return"]),
                    {"return-storeroom": main_a.pk, "return-quantity": "100000", "return-reference": "WO-00042"})
    assert r.status_code == 409 and "nothing of BRG-6205 from main on WO-00042 is out" in r.content.decode()
    assert StockLevel.objects.get(storeroom=main_a).on_hand == 5
