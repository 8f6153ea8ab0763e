"""The sites' operating calendar the reports measure availability over: written by a planner as
lines of days and times, validated, and applied in the site's own time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from assets.calendar import format_operating_hours, parse_operating_hours, weekly_hours
from assets.models import Downtime, Site
from conftest import jwt_client
from prosync.reports.kpis import FAMILIES
from prosync.reports.scope import scope_from_params


def test_report_operating_calendar_reads_as_a_planner_writes_it():
    text = "Mon-Fri 06:00-14:00, 14:00-22:00\nsat 06:00-12:00"
    hours = parse_operating_hours(text)
    assert hours["mon"] == hours["fri"] == [["06:00", "14:00"], ["14:00", "22:00"]]
    assert hours["sat"] == [["06:00", "12:00"]] and "sun" not in hours
    # 5 days x 16 h + 6 h on Saturday.
    assert weekly_hours(hours) == 86
    assert format_operating_hours(hours) == "Mon-Fri 06:00-14:00, 14:00-22:00\nSat 06:00-12:00"
    assert parse_operating_hours("") == {} and weekly_hours({}) == 168
    assert parse_operating_hours("Mon-Sun 00:00-24:00")["sun"] == [["00:00", "24:00"]]


@pytest.mark.parametrize("text, says", [
    ("Mon-Fri 22:00-06:00", "ends before it starts"),
    ("Mon 06:00-12:00, 11:00-13:00", "overlap"),
    ("Funday 06:00-12:00", "write days then times"),
    ("Mon 25:00-26:00", "two times like"),
    ("Mon-Fri 08:00-16:00\nFri 08:00-12:00", "Fri is given twice"),
    ("Fri-Mon 08:00-16:00", "in order"),
])
def test_report_operating_calendar_refuses_what_cannot_be_meant(text, says):
    with pytest.raises(ValidationError) as exc:
        parse_operating_hours(text)
    assert says in " ".join(exc.value.messages)


@pytest.mark.django_db
def test_report_operating_calendar_on_the_site_admin_form_and_api(plant, client):
    plant.admin.is_staff = True
    plant.admin.save()
    client.force_login(plant.admin)
    site = plant.site_a
    url = f"/admin/assets/site/{site.pk}/change/"
    form = {"code": site.code, "name": site.name, "address": "", "timezone": "Europe/Paris",
            "operating_hours": "Mon-Fri 06:00-22:00"}
    r = client.post(url, form)
    assert r.status_code == 302, r.content.decode()[:2000]
    site.refresh_from_db()
    assert site.operating_hours["wed"] == [["06:00", "22:00"]] and "sat" not in site.operating_hours
    assert "Mon-Fri 06:00-22:00" in client.get(url).content.decode()
    r = client.post(url, {**form, "operating_hours": "Mon 22:00-06:00"})
    assert r.status_code == 200 and "ends before it starts" in r.content.decode()
    api = jwt_client(plant.admin)
    r = api.patch(f"/api/v1/sites/{site.pk}/", {"operating_hours": {"mon": [["09:00", "08:00"]]}}, format="json")
    assert r.status_code == 400 and "operating_hours" in r.json()
    r = api.patch(f"/api/v1/sites/{site.pk}/", {"timezone": "Mars/Olympus"}, format="json")
    assert r.status_code == 400 and "timezone" in r.json()


@pytest.mark.django_db
def test_report_availability_follows_the_sites_time_zone(plant):
    paris, utc = ZoneInfo("Europe/Paris"), ZoneInfo("UTC")
    Site.objects.filter(pk=plant.site_a.pk).update(timezone="Europe/Paris",
                                                   operating_hours={"mon": [["08:00", "16:00"]]})
    # Monday 2 March 2026: Paris is UTC+1, so the hours are 07:00-15:00 UTC. The pump is down 06:00-08:00 UTC:
    # 1 h of it inside the hours.
    Downtime.objects.create(asset=plant.asset_a, started_at=datetime(2026, 3, 2, 6, tzinfo=utc),
                            ended_at=datetime(2026, 3, 2, 8, tzinfo=utc), reason_code="breakdown")
    scope, form = scope_from_params({"period": "custom", "start": "2026-03-02", "end": "2026-03-02",
                                     "site": plant.site_a.pk}, plant.tech_a)
    assert scope.start == datetime(2026, 3, 2, tzinfo=paris)
    f = {x.key: x.value for x in FAMILIES["reliability"](scope, plant.tech_a, detail=False).figures}
    # 2 assets x 8 h = 16 h scheduled, 1 h down inside: 15 / 16 = 93.75 %. 24/7: 48 h, 2 h down: 95.83 %.
    assert f["availability"] == pytest.approx(93.75)
    assert f["availability_247"] == pytest.approx(95.83)
    # One failure over 15 operating hours.
    assert f["mtbf"] == pytest.approx(15)
