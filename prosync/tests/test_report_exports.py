"""Report exports: a report as PDF (charts drawn as SVG, a first page that is not blank), XLSX
(figures and tables as typed cells) and CSV, refused filters, and each user's sites only."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from PIL import Image, ImageStat

from conftest import session_client
from prosync.reports.exports.charts import chart_svg
from prosync.reports.kpis import CATALOGUE, Chart
from workorders import services as wo_services
from workorders.models import LabourRate


@pytest.fixture
def history(plant):
    LabourRate.objects.create(user=plant.tech_a, hourly_rate=Decimal("40.00"))
    LabourRate.objects.create(user=plant.tech_b, hourly_rate=Decimal("55.00"))
    for i in range(3):
        wo = wo_services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title=f"Alpha order {i}",
                                           kind="corrective")
        wo_services.log_time(wo, actor=plant.manager_a, hours=Decimal("2"), user=plant.tech_a)
    wo_b = wo_services.create_work_order(actor=None, asset=plant.asset_b, title="Bravo order", kind="corrective")
    wo_services.log_time(wo_b, actor=plant.admin, hours=Decimal("3"), user=plant.tech_b)
    return plant


def test_report_pdf_has_a_drawn_first_page_and_its_charts(history, tmp_path):
    response = session_client(history.manager_a).get("/reports/work/export.pdf?period=30d")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="work-report-' in response["Content-Disposition"]
    pdf = tmp_path / "work.pdf"
    pdf.write_bytes(response.content)
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is installed by .ci/run"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    stat = ImageStat.Stat(page)
    assert stat.stddev[0] > 15, "the first page is blank"
    # Ink covers a real share of the page (text, figures, a chart), not a lone header line.
    dark = sum(page.histogram()[:200]) / (page.width * page.height)
    assert dark > 0.01
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Work report" in text and "Backlog" in text
    assert "Orders opened and completed" in text  # a chart's title and its table


def test_report_xlsx_has_the_figures_and_each_table_as_typed_cells(history):
    response = session_client(history.manager_a).get("/reports/cost/export.xlsx?period=30d")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "Summary" and "Cost by asset" in book.sheetnames
    summary = book["Summary"]
    figures = {row[0]: row for row in summary.iter_rows(values_only=True) if row[0]}
    total = figures[CATALOGUE["total_cost"].label]
    assert total[1] == pytest.approx(240.0)  # 3 × 2 h × 40/h at site A; site B's 165 is not counted
    assert total[2] == "EUR"
    by_asset = list(book["Cost by asset"].iter_rows(values_only=True))
    assert by_asset[0][0] == "Asset" or isinstance(by_asset[0][0], str)
    names = [row[0] for row in by_asset[1:]]
    assert any("P-100" in str(n) for n in names) and not any("P-200" in str(n) for n in names)
    money_cell = book["Cost by asset"].cell(row=2, column=2)
    assert isinstance(money_cell.value, (int, float)) and "€" in money_cell.number_format
    trend = book["Maintenance cost"]
    assert trend.cell(row=2, column=1).is_date  # the bucket is a real date cell
    assert book["Cost by asset"].freeze_panes == "A2"


def test_report_export_of_another_site_is_refused_and_admin_sees_both(history):
    refused = session_client(history.manager_a).get(f"/reports/cost/export.csv?site={history.site_b.pk}")
    assert refused.status_code == 400 and "Site" in refused.content.decode()
    mine = session_client(history.manager_a).get("/reports/cost/export.csv?period=30d").content.decode("utf-8-sig")
    everyone = session_client(history.admin).get("/reports/cost/export.csv?period=30d").content.decode("utf-8-sig")
    assert "P-100" in mine and "P-200" not in mine
    assert "P-200" in everyone  # the test can tell: site B's rows exist and show to who may see them
    rows = list(csv.reader(io.StringIO(mine)))
    assert any(cell.startswith("€") for row in rows for cell in row)  # money in words with its currency


def test_report_exports_follow_the_currency_an_admin_sets(history, django_capture_on_commit_callbacks):
    from accounts.services import update_instance_settings

    with django_capture_on_commit_callbacks(execute=True):
        update_instance_settings(actor=history.admin, currency="USD")
    body = session_client(history.manager_a).get("/reports/cost/export.csv?period=30d").content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    assert any(cell.startswith("$") for cell in cells) and not any(cell.startswith("€") for cell in cells)
    xlsx = session_client(history.manager_a).get("/reports/cost/export.xlsx?period=30d")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert "$" in book["Cost by asset"].cell(row=2, column=2).number_format


def test_report_export_with_a_bad_period_names_the_field(history):
    response = session_client(history.manager_a).get("/reports/work/export.xlsx?period=fortnight")
    assert response.status_code == 400 and "Period" in response.content.decode()
    assert session_client(history.manager_a).get("/reports/work/export.docx").status_code == 404
    assert session_client(history.manager_a).get("/reports/nope/export.pdf").status_code == 404


def test_report_chart_svg_draws_bars_stacks_lines_and_pareto():
    bars = chart_svg(Chart(key="k", title="Orders", kind="bar", labels=["2026-03-01", "2026-03-02"],
                           series=[("Opened", [3, 5]), ("Completed", [1, None])], unit="count"))
    assert bars.count("<rect") == 3 + 2  # three bars and two legend keys
    assert "01 Mar" in bars and "Opened" in bars
    line = chart_svg(Chart(key="k", title="Backlog", kind="line", labels=["a", "b", "c"],
                           series=[("Open orders", [4, 2, 6])], unit="count"))
    assert line.count("<polyline") == 1 and "<rect x" in line
    pareto = chart_svg(Chart(key="k", title="Downtime", kind="pareto", labels=["Jam", "Leak"],
                             series=[("Hours down", [6, 2]), ("Cumulative %", [75, 100])], unit="h"))
    assert pareto.count("<polyline") == 1 and "Cumulative share" in pareto
    empty = chart_svg(Chart(key="k", title="Nothing", kind="bar", labels=[], series=[], unit="count"))
    assert "No data in this period" in empty
