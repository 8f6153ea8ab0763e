"""The storekeeper's path in a real browser (Chromium + Playwright against uvicorn): find the
parts to reorder, open one, try to issue more than is on hand (inline error), issue to a work
order, see the ledger, and the asset's Parts tab; desktop and phone screenshots."""

from __future__ import annotations

import pytest

from tests.browser import PHONE, log_in, needs_chromium, new_page, off_the_loop, shot


@pytest.mark.browser
@needs_chromium
def test_storekeeper_finds_low_stock_issues_parts_and_sees_the_ledger(browser, live_plant, asgi_server,
                                                                       output_dir):
    from playwright.sync_api import expect

    from assets import services_parts as parts
    from assets.models import BomLine, Part, StockLevel, Storeroom

    plant = live_plant

    def setup():
        seal = Part.objects.create(part_number="SEAL-MG1-40", name="Mechanical seal MG1, 40 mm", category="Seals",
                                   manufacturer="EagleBurgmann", unit_cost="145.00")
        bearing = Part.objects.create(part_number="BRG-6309", name="Ball bearing 6309-2Z", category="Bearings",
                                      manufacturer="SKF", unit_cost="18.40")
        room = Storeroom.objects.create(site=plant.site_a, code="main", name="Main stores")
        parts.receive_stock(seal, room, 3, actor=plant.admin, reference="PO-7")
        parts.set_reorder_levels(seal, room, actor=plant.admin, reorder_point=4, reorder_quantity=10)
        parts.receive_stock(bearing, room, 12, actor=plant.admin, reference="PO-8")
        BomLine.objects.create(asset=plant.asset_a, part=seal, quantity=1, note="drive end")
        return seal, room

    seal, room = off_the_loop(setup)
    page = new_page(browser)
    log_in(page, asgi_server, "manager_a")
    page.goto(f"{asgi_server}/assets/parts/")
    expect(page.locator(".low-banner")).to_contain_text("1 stock line at or below the reorder point")
    shot(page, output_dir, "parts-desktop")
    page.locator(".low-banner a").first.click()
    expect(page).to_have_url(f"{asgi_server}/assets/parts/?low_stock=true")
    expect(page.locator("#results")).to_contain_text("SEAL-MG1-40")
    expect(page.locator("#results")).not_to_contain_text("BRG-6309")

    page.get_by_role("link", name="SEAL-MG1-40").click()
    expect(page.locator("h1")).to_contain_text("SEAL-MG1-40")
    page.locator("#move-issue summary").click()
    page.select_option("#id_issue-storeroom", str(room.pk))
    page.fill("#id_issue-quantity", "5")
    page.fill("#id_issue-reference", "WO-00042")
    page.locator("#move-issue button[type=submit]").click()
    expect(page.locator("#move-issue .field-error")).to_contain_text("Only 3 pcs of SEAL-MG1-40 on hand in main")
    expect(page.locator("#id_issue-reference")).to_have_value("WO-00042")  # nothing typed is lost
    shot(page, output_dir, "part-issue-error-desktop")
    page.fill("#id_issue-quantity", "2")
    page.fill("#id_issue-asset", plant.asset_a.tag)
    page.locator("#move-issue button[type=submit]").click()
    expect(page.locator(".msg-success")).to_contain_text("recorded in the stock ledger")
    expect(page.locator("#ledger")).to_contain_text("WO-00042")
    expect(page.locator("#ledger")).to_contain_text("-2")
    shot(page, output_dir, "part-desktop")
    assert off_the_loop(lambda: StockLevel.objects.get(part=seal, storeroom=room).on_hand) == 1

    page.goto(f"{asgi_server}/assets/{plant.asset_a.pk}/#parts")
    expect(page.locator("#parts")).to_contain_text("SEAL-MG1-40")
    expect(page.locator("#parts")).to_contain_text("Low")
    page.locator("#parts").screenshot(path=str(output_dir / "asset-parts-tab-desktop.png"))

    page.goto(f"{asgi_server}/assets/import/")
    page.select_option("#id_kind", "assets")
    page.set_input_files("#id_file", files=[{"name": "assets.csv", "mimeType": "text/csv", "buffer": (
        b"site,tag,name,parent\nalpha,L-9,Line 9,\nalpha,P-9,Pump 9,L-9\nalpha,P-9,Pump again,\n"
        b"alpha,X-1,Loop one,X-2\nalpha,X-2,Loop two,X-1\n")}])
    page.get_by_role("button", name="Check only (dry run)").click()
    errors = page.locator("table.import-errors tbody tr")
    expect(errors).to_have_count(3)  # the duplicate tag and both rows of the cycle
    expect(page.locator(".import-report")).to_contain_text("Nothing was imported")
    shot(page, output_dir, "import-errors-desktop")

    phone = new_page(browser, PHONE, storage_state=page.context.storage_state())
    for name, path in [("parts", "/assets/parts/"), ("part", f"/assets/parts/{seal.pk}/"),
                       ("stock", "/assets/stock/"), ("import", "/assets/import/")]:
        phone.goto(f"{asgi_server}{path}")
        if name == "part":
            phone.locator("#move-issue summary").click()
        shot(phone, output_dir, f"{name}-phone")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
