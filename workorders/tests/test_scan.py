"""My work's scan: a label's address (or an asset's tag) opens the asset's one open order, the list
of its open orders when there are several, or the asset; another site's label opens nothing."""

from __future__ import annotations

from workorders import services


def test_a_label_opens_the_one_open_order_then_the_list_then_the_asset(plant, client):
    client.force_login(plant.tech_a)
    label = f"http://plant.example/a/{plant.asset_a.qr_token}/"
    r = client.get("/work-orders/scan/", {"code": label})
    assert r.status_code == 302 and r["Location"] == plant.asset_a.get_absolute_url()  # nothing open: the asset
    first = services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Seal", kind="inspection")
    r = client.get("/work-orders/scan/", {"code": label})
    assert r["Location"] == first.get_absolute_url()
    services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Belt", kind="inspection")
    r = client.get("/work-orders/scan/", {"code": plant.asset_a.tag.lower()})  # a typed tag works too
    assert r["Location"] == f"/work-orders/?asset={plant.asset_a.pk}&is_open=true"


def test_another_sites_label_or_nonsense_says_so_on_my_work(plant, client):
    client.force_login(plant.tech_a)
    for code in (f"/a/{plant.asset_b.qr_token}/", "no-such-tag"):
        r = client.get("/work-orders/scan/", {"code": code}, follow=True)
        assert r.redirect_chain[-1][0] == "/work-orders/my/"
        assert "No asset you can see carries the label" in r.content.decode()
    r = client.get("/work-orders/scan/", follow=True)
    assert "Scan a label, or type its address" in r.content.decode()


def test_technicians_land_on_my_work_and_planners_on_the_dashboard(plant, client):
    from conftest import PASSWORD

    r = client.post("/login/", {"username": "tech_a", "password": PASSWORD}, follow=True)
    assert r.redirect_chain[-1][0] == "/work-orders/my/"
    html = r.content.decode()
    assert html.index(">My work</a>") < html.index(">Dashboard</a>")  # first in the menu
    client.logout()
    r = client.post("/login/", {"username": "manager_a", "password": PASSWORD}, follow=True)
    assert r.redirect_chain[-1][0] == "/" and ">My work</a>" not in r.content.decode().split("<main")[0]
