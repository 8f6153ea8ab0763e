"""Exports in a real browser (Debian's Chromium against the real ASGI app on the test database):
a list downloads as Excel from its export control, a report as PDF from its page, a large list
goes through its job page whose progress bar fills by itself, and a report is subscribed to and
shared. Screenshots at 390x844 and 1366x900 land in test-output/<test name>/."""

from __future__ import annotations

import io
import re
import subprocess

import openpyxl
import pytest
from PIL import Image, ImageStat

from prosync.tests.test_report_pages import history
from tests.browser import PHONE, log_in, needs_chromium, new_page, off_the_loop, shot

WIDE = {"width": 1366, "height": 900}


def _workbook(download):
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    with open(download.path(), "rb") as f:
        return openpyxl.load_workbook(io.BytesIO(f.read()))


@pytest.fixture
def small_export_limit(monkeypatch, settings, tmp_path_factory):
    """The server reads the limit and the media folder at start: set before it starts (listed
    before asgi_server); the job, run here, writes where the server reads."""
    media = tmp_path_factory.mktemp("media")
    monkeypatch.setenv("EXPORT_SYNC_MAX_ROWS", "3")
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    settings.MEDIA_ROOT = media


@pytest.mark.browser
@needs_chromium
def test_export_list_xlsx_report_pdf_job_subscribe_and_share(browser, small_export_limit, live_plant, asgi_server,
                                                             output_dir, tmp_path):
    from playwright.sync_api import expect

    from prosync.reports import jobs
    from prosync.reports.models import ExportJob

    expect.set_options(timeout=10_000)
    plant = live_plant
    off_the_loop(lambda: history(plant, 3, days=20))
    page = new_page(browser, WIDE)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, asgi_server, "manager_a")

    # A short list (3 rows, at the limit): Excel downloads at once, with site A's orders only.
    page.goto(f"{asgi_server}/work-orders/?status=completed")
    control = page.locator(".export-link")
    expect(control).to_contain_text("CSV")
    shot(page, output_dir, "1-list-export-control-desktop")
    with page.expect_download() as info:
        control.get_by_role("link", name="Excel").click()
    book = _workbook(info.value)
    titles = [row[2] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == [f"Vibration on P-100 #{i}" for i in range(3)]

    # A report's PDF from its page: a drawn first page.
    page.goto(f"{asgi_server}/reports/work/?period=30d")
    with page.expect_download() as info:
        page.locator("[data-export=PDF]").click()
    pdf = tmp_path / "work.pdf"
    info.value.save_as(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    first = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    assert ImageStat.Stat(first).stddev[0] > 15
    first.save(output_dir / "2-report-pdf-page1.png")

    # Subscribe from the report page, then see it listed.
    delivery = page.locator("#report-delivery")
    expect(delivery).to_be_visible()
    delivery.get_by_label("on the 1st of each month").check()
    delivery.get_by_role("button", name="Subscribe").click()
    expect(page.locator("h1")).to_have_text("My report subscriptions")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("Every month")
    shot(page, output_dir, "3-subscriptions-desktop")

    # Share the report: the link opens without an account, read-only, site A only.
    page.goto(f"{asgi_server}/reports/reliability/?period=30d")
    page.locator("#report-delivery").get_by_role("button", name="Make a share link").click()
    url = page.locator("#share-url").input_value()
    shot(page, output_dir, "4-share-made-desktop")
    stranger = new_page(browser, PHONE)
    stranger.goto(url)
    expect(stranger.locator("h1")).to_have_text("Reliability report")
    expect(stranger.locator("body")).to_contain_text("P-100")
    expect(stranger.locator("body")).not_to_contain_text("P-200")
    assert stranger.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shot(stranger, output_dir, "5-shared-report-phone")

    # The whole list (4 rows) is over the limit: the job page, its bar filling once the worker writes the file.
    page.goto(f"{asgi_server}/work-orders/")
    page.locator(".export-link").get_by_role("link", name="Excel").click()
    expect(page).to_have_url(re.compile(r"/exports/\d+/$"))
    expect(page.locator("#export-job")).to_have_attribute("data-status", "queued")
    shot(page, output_dir, "6-job-queued-desktop")
    job = off_the_loop(lambda: ExportJob.objects.get())
    off_the_loop(lambda: jobs.run_export_job(job.pk))
    expect(page.locator("#export-job")).to_have_attribute("data-status", "done")  # the page polled by itself
    expect(page.locator("progress")).to_have_attribute("value", "100")
    shot(page, output_dir, "7-job-done-desktop")
    with page.expect_download() as info:
        page.locator("[data-download]").click()
    rows = list(_workbook(info.value).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4 and all("P-200" not in r[2] for r in rows)

    phone = new_page(browser, PHONE, storage_state=page.context.storage_state())
    for name, path in (("8-job-phone", f"/exports/{job.pk}/"), ("9-subscriptions-phone", "/reports/subscriptions/"),
                       ("10-report-delivery-phone", "/reports/work/?period=30d")):
        phone.goto(f"{asgi_server}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1, name
        shot(phone, output_dir, name)
    assert errors == []
