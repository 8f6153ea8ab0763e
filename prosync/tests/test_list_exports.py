"""List exports in people's words: XLSX with typed cells and names, PDF, formulas neutralised in
CSV, and each user's sites only."""

from __future__ import annotations

import csv
import io
import zoneinfo
from datetime import datetime

import openpyxl
import pytest

from conftest import session_client
from workorders import services as wo_services
from workorders.models import WorkOrder


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def orders(plant):
    plant.site_a.timezone = "Europe/Paris"
    plant.site_a.save()
    a = wo_services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Replace seal on feed pump",
                                      kind="corrective", assignee=plant.tech_a)
    b = wo_services.create_work_order(actor=None, asset=plant.asset_b, title="Bravo only: bearing noise",
                                      kind="corrective")
    # 23:30 UTC on 14 March is already the 15th in Paris: the export must say the 15th.
    WorkOrder.objects.filter(pk=a.pk).update(created_at=datetime(2026, 3, 14, 23, 30, 12, 345678,
                                                                 tzinfo=zoneinfo.ZoneInfo("UTC")))
    return a, b


def test_list_export_xlsx_holds_names_and_local_dates(plant, orders):
    a, _ = orders
    response = session_client(plant.manager_a).get("/work-orders/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="work-orders-' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(_body(response)))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["ID", "Number", "Title"] and "Assignee" in header and "Site" in header
    assert sheet.freeze_panes == "A2"  # the header stays in view while scrolling
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert [r["Title"] for r in rows] == ["Replace seal on feed pump"]  # site B's order is not there
    row = rows[0]
    assert row["ID"] == a.pk and isinstance(row["ID"], int)
    assert row["Asset"] == "P-100" and row["Site"] == "Alpha Plant"
    assert row["Assignee"] == str(plant.tech_a) and row["Type"] == "Corrective" and row["Status"] == "Assigned"
    # A real date cell, in Paris time, to the minute as written by the export (no UTC, no microseconds).
    assert row["Created"] == datetime(2026, 3, 15, 0, 30)
    created_cell = sheet.cell(row=2, column=header.index("Created") + 1)
    assert created_cell.is_date and "mmm" in created_cell.number_format
    assert sheet.column_dimensions["C"].width >= len("Replace seal on feed pump")


def test_list_export_csv_neutralises_formulas_even_after_spaces(plant):
    wo_services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title='  =HYPERLINK("http://x")',
                                  kind="corrective")
    wo_services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="\t@SUM(A1)", kind="corrective")
    wo_services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="-10 degrees at the seal",
                                  kind="corrective")
    body = _body(session_client(plant.manager_a).get("/work-orders/?format=csv")).decode("utf-8-sig")
    titles = {r["Title"] for r in csv.DictReader(io.StringIO(body))}
    assert "'  =HYPERLINK(\"http://x\")" in titles and "'\t@SUM(A1)" in titles
    assert "-10 degrees at the seal" in titles  # a negative number is no formula


def test_list_export_pdf_of_a_list_is_a_pdf_scoped_to_the_user(plant, orders):
    from pypdf import PdfReader

    response = session_client(plant.tech_b).get("/work-orders/?format=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(_body(response))).pages)
    text = " ".join(text.split())  # a long title wraps inside its cell
    assert "Bravo only: bearing noise" in text and "Replace seal" not in text


def test_list_export_pdf_over_the_limit_points_to_excel(plant, orders, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 0
    response = session_client(plant.manager_a).get("/work-orders/?format=pdf")
    assert response.status_code == 422
    assert "format=xlsx" in response.content.decode() and "Too many rows" in response.content.decode()


def test_list_page_offers_excel_and_pdf_exports_with_the_filters(plant, orders):
    html = session_client(plant.manager_a).get("/work-orders/?status=assigned").content.decode()
    assert "status=assigned&amp;format=xlsx" in html and "status=assigned&amp;format=pdf" in html


def test_export_of_another_sites_list_is_empty(plant, orders):
    """Site A's technician asking for site B by its id gets none of site B's rows."""
    response = session_client(plant.tech_a).get(f"/work-orders/?format=xlsx&site={plant.site_b.pk}")
    titles = [row[2] for row in openpyxl.load_workbook(io.BytesIO(_body(response))).active
              .iter_rows(min_row=2, values_only=True)]
    assert "Bravo only: bearing noise" not in titles


def _list_paths() -> list[str]:
    """Every list page with a table, by its URL (those without an id in their path)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from prosync.core.generic import FilteredListView

    found = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                view = getattr(p.callback, "view_class", None)
                route = prefix + str(p.pattern)
                if view and issubclass(view, FilteredListView) and getattr(view, "table_class", None) \
                        and "<" not in route and "(" not in route:
                    found.append("/" + route.lstrip("^").rstrip("$"))
    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def test_every_list_exports_the_same_cells_read_as_tuples_as_read_as_instances(plant, orders):
    from django.http import QueryDict

    from prosync.reports.exports import lists
    from prosync.reports.exports import sheets as sh

    paths = _list_paths()
    assert "/work-orders/" in paths and "/assets/" in paths
    for path in paths:
        view = lists.view_for(path, "", plant.manager_a)
        queryset = view.get_queryset()
        columns = view.table_class.export_columns()
        fast = list(sh.list_sheet("t", queryset, columns, site=plant.site_a).rows)
        slow = list(sh.list_sheet("t", queryset, columns, site=plant.site_a, as_tuples=False).rows)
        assert fast == slow, path
    view = lists.view_for("/work-orders/", "", plant.manager_a)
    # The big list is read as tuples: names, labels and local times come out as the page shows them.
    assert sh.read_plans(view.get_queryset(), view.table_class.export_columns()) is not None
    rows = list(lists.list_sheet(view, view.get_queryset(), user=plant.manager_a, params=QueryDict()).rows)
    a, _ = orders
    (row,) = [r for r in rows if r[0] == a.pk]
    due = a.due_at.astimezone(zoneinfo.ZoneInfo("Europe/Paris")).replace(tzinfo=None, second=0, microsecond=0)
    assert row == [a.pk, a.number, "Replace seal on feed pump", "P-100", "Corrective",
                   a.get_priority_display(), "Assigned", str(plant.tech_a), due, datetime(2026, 3, 15, 0, 30),
                   "Alpha Plant", plant.asset_a.name]
