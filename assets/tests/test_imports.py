"""CSV import: a dry run reports every bad row (row, column, reason) and writes nothing; wrong
encodings, missing columns, duplicate codes, unknown parents and parent cycles are refused with
clear errors and change nothing; a clean file imports through the page, the API and the command."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from assets.imports import run_import
from assets.models import Asset, Location, Part, Site
from conftest import jwt_client

ASSETS = """site,tag,name,parent,category,criticality,install_date,purchase_cost
alpha,L-1,Line 1,,,A,2020-01-15,
alpha,P-1,Pump 1,L-1,Centrifugal pump,B,,1200.50
alpha,M-1,Motor 1,P-1,,c,,
"""


def errors(report):
    return [(e.row, e.column) for e in report.errors]


def test_clean_asset_file_dry_run_writes_nothing_then_imports_the_tree(plant):
    before = Asset.objects.count()
    report = run_import("assets", ASSETS.encode(), actor=plant.manager_a, dry_run=True)
    assert report.ok and report.rows == 3 and report.created == 3 and not report.applied
    assert Asset.objects.count() == before
    report = run_import("assets", ASSETS.encode(), actor=plant.manager_a, dry_run=False)
    assert report.applied and report.created == 3
    motor = Asset.objects.get(site=plant.site_a, tag="M-1")
    assert motor.parent.tag == "P-1" and motor.parent.parent.tag == "L-1" and motor.criticality == "C"
    assert str(Asset.objects.get(tag="P-1").purchase_cost) == "1200.50"
    # importing the same file again updates, it does not duplicate
    report = run_import("assets", ASSETS.replace("Pump 1", "Pump one").encode(), actor=plant.manager_a,
                        dry_run=False)
    assert report.ok and report.created == 0 and report.updated == 3
    assert Asset.objects.get(tag="P-1").name == "Pump one"


def test_every_bad_row_is_reported_and_nothing_is_imported(plant):
    bad = ASSETS + (
        "alpha,P-1,Duplicate pump,,,,,\n"            # row 5: duplicate tag
        "alpha,X-1,Orphan,NOPE,,,,\n"               # row 6: unknown parent
        "bravo,X-2,Wrong site,,,,,\n"                # row 7: not the manager's site
        "alpha,X-3,Bad values,,Turbine,Z,15/01/2020,-3\n"  # row 8: category, criticality, date, cost
        "alpha,,No tag,,,,,\n"                       # row 9: required cell empty
    )
    report = run_import("assets", bad.encode(), actor=plant.manager_a, dry_run=False)
    assert not report.ok and not report.applied
    assert (5, "tag") in errors(report) and (6, "parent") in errors(report) and (7, "site") in errors(report)
    assert (9, "tag") in errors(report)
    row8 = {e.column for e in report.errors if e.row == 8}
    assert row8 & {"category", "criticality", "install_date", "purchase_cost"}
    assert not Asset.objects.filter(tag__in=["L-1", "P-1", "M-1", "X-1"]).exists()  # the good rows neither
    messages = " ".join(e.message for e in report.errors)
    assert "already on row 3" in messages and "Unknown parent 'NOPE'" in messages


def test_parent_cycles_are_refused(plant):
    data = "site,tag,name,parent\nalpha,A-1,A,A-2\nalpha,A-2,B,A-3\nalpha,A-3,C,A-1\nalpha,A-4,Child,A-3\n" \
           "alpha,A-5,Self,A-5\n"
    report = run_import("assets", data.encode(), actor=plant.manager_a, dry_run=True)
    assert {(2, "parent"), (3, "parent"), (4, "parent"), (5, "parent"), (6, "parent")} <= set(errors(report))
    assert "cycle" in report.errors[0].message and "A-1 → A-2 → A-3 → A-1" in " ".join(
        e.message for e in report.errors)
    assert not Asset.objects.filter(tag__startswith="A-").exists()


def test_cycle_through_existing_rows_is_refused(plant):
    # P-100 is the parent of P-100-M in the plant; making P-100 a child of P-100-M closes a loop.
    report = run_import("assets", b"site,tag,name,parent\nalpha,P-100,Feed pump A,P-100-M\n", actor=plant.manager_a,
                        dry_run=False)
    assert errors(report) == [(2, "parent")] and "cycle" in report.errors[0].message
    assert Asset.objects.get(pk=plant.asset_a.pk).parent_id is None


@pytest.mark.parametrize(("data", "needle"), [
    ("code,name\nnörd,Nörd Plant\n".encode("cp1252"), "not UTF-8: byte 0xf6 on line 2"),
    ("code,name\nx,y\n".encode("utf-16"), "UTF-16"),
    (b"", "empty"),
])
def test_wrong_encodings_are_refused(plant, data, needle):
    report = run_import("sites", data, actor=plant.admin, dry_run=False)
    assert not report.ok and needle in report.errors[0].message and report.errors[0].row == 0
    assert Site.objects.count() == 2


def test_utf8_with_bom_and_semicolons_are_accepted(plant):
    data = "\ufeffcode;name;timezone\ncharlie;Usine Chère;Europe/Paris\n".encode()
    report = run_import("sites", data, actor=plant.admin, dry_run=False)
    assert report.applied, report.errors
    assert Site.objects.get(code="charlie").name == "Usine Chère"


def test_missing_and_unknown_columns(plant):
    report = run_import("parts", b"part_no,name\nX,Y\n", actor=plant.manager_a, dry_run=True)
    assert set(errors(report)) == {(1, "part_number"), (1, "part_no")}
    assert "missing" in report.errors[0].message or "missing" in report.errors[1].message


def test_locations_tree_with_unknown_parent_and_duplicates(plant):
    data = ("site,code,name,parent,kind\nalpha,B1,Building 1,,building\nalpha,B1-R1,Room 1,B1,room\n"
            "alpha,B1-R2,Room 2,B9,room\nalpha,B1,Again,,building\n")
    report = run_import("locations", data.encode(), actor=plant.manager_a, dry_run=False)
    assert set(errors(report)) == {(4, "parent"), (5, "code")}
    assert not Location.objects.exists()
    report = run_import("locations", "\n".join(data.splitlines()[:3]).encode(), actor=plant.manager_a, dry_run=False)
    assert report.applied
    room = Location.objects.get(code="B1-R1")
    assert room.parent.code == "B1" and room.kind == "room" and room.depth == 1


def test_parts_import_and_permissions(plant):
    data = b"part_number,name,unit,unit_cost,category\nBRG-1,Bearing,pcs,12.5,Bearings\nFLT-2,Filter,,x,\n"
    report = run_import("parts", data, actor=plant.manager_a, dry_run=False)
    assert errors(report) == [(3, "unit_cost")] and not Part.objects.exists()
    with pytest.raises(Exception, match="may not import"):
        run_import("parts", data, actor=plant.tech_a, dry_run=True)


def test_upload_page_reports_rows_and_imports_when_clean(client, plant):
    client.force_login(plant.manager_a)
    assert client.get("/assets/import/").status_code == 200
    bad = SimpleUploadedFile("parts.csv", b"part_number,name\nA,\n", content_type="text/csv")
    r = client.post("/assets/import/", {"kind": "parts", "file": bad, "check": "1"})
    html = r.content.decode()
    assert r.status_code == 400 and "Nothing was imported" in html and "Required; this cell is empty" in html
    good = SimpleUploadedFile("parts.csv", b"part_number,name\nA-1,Alpha part\n", content_type="text/csv")
    r = client.post("/assets/import/", {"kind": "parts", "file": good, "check": "1"})
    assert r.status_code == 200 and "would be imported" in r.content.decode() and not Part.objects.exists()
    good.seek(0)
    r = client.post("/assets/import/", {"kind": "parts", "file": good, "apply": "1"})
    assert r.status_code == 200 and "Imported 1 row" in r.content.decode()
    assert Part.objects.filter(part_number="A-1").exists()
    client.force_login(plant.viewer_a)
    assert client.get("/assets/import/").status_code == 403


def test_api_import_dry_run_by_default(plant):
    client = jwt_client(plant.manager_a)
    upload = SimpleUploadedFile("s.csv", b"site,code,name\nalpha,AREA-1,Area 1\n", content_type="text/csv")
    r = client.post("/api/v1/imports/locations/", {"file": upload}, format="multipart")
    assert r.status_code == 200 and r.json()["dry_run"] and not Location.objects.exists()
    upload.seek(0)
    r = client.post("/api/v1/imports/locations/", {"file": upload, "dry_run": "false"}, format="multipart")
    assert r.status_code == 200 and r.json()["applied"] and Location.objects.filter(code="AREA-1").exists()
    upload = SimpleUploadedFile("s.csv", b"site,code,name\nbravo,AREA-2,Area 2\n", content_type="text/csv")
    r = client.post("/api/v1/imports/locations/", {"file": upload, "dry_run": "false"}, format="multipart")
    assert r.status_code == 400 and r.json()["errors"][0] == {
        "row": 2, "column": "site", "message": "Unknown site 'bravo' (or not one of your sites)."}
    assert jwt_client(plant.viewer_a).post("/api/v1/imports/locations/", {"file": upload},
                                           format="multipart").status_code == 403


def test_management_command(plant, tmp_path, capsys):
    path = tmp_path / "parts.csv"
    path.write_bytes(b"part_number,name\nB-1,Belt\nB-1,Belt again\n")
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_csv", "parts", str(path), "--user", plant.admin.username)
    assert "row 3, column part_number: Duplicate" in capsys.readouterr().err
    path.write_bytes(b"part_number,name\nB-1,Belt\n")
    call_command("import_csv", "parts", str(path), "--user", plant.admin.username)
    assert Part.objects.filter(part_number="B-1").exists()
