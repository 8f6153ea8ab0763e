"""The one human formatting module: the health model's features in words and units, health in one
sentence, recorded changes with field and object names, money, dates and plurals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assets import services as asset_services
from assets.models import Asset, Location
from prosync.core import humanize


@pytest.mark.parametrize("name, value, text", [
    ("temperature__slope__30m", -0.163, "Temperature trend, 30 min: falling 9.8 °C/h"),
    ("temperature__slope__30m", 0.05, "Temperature trend, 30 min: rising 3 °C/h"),
    ("vibration__slope__10m", 0.0001, "Vibration trend, 10 min: steady"),
    ("vibration__slope__30m", 0.42, "Vibration trend, 30 min: rising 25.2 mm/s per hour"),
    ("vibration__max__1h", 7.14, "Vibration highest, 1 hour: 7.1 mm/s"),
    ("current__mean__2h", 38.0, "Current average, 2 hours: 38 A"),
    ("pressure__ewm__1d", 7.26, "Pressure recent average, 1 day: 7.3 bar"),
    ("pressure__std__30m", 0.12, "Pressure spread, 30 min: 0.1 bar"),
    ("temperature__last", 61.0, "Temperature latest: 61 °C"),  # a model trained before windows existed
    ("asset__age_days", 1.0, "Age: 1 day"),
    ("asset__age_days", 412.0, "Age: 412 days"),
    ("asset__running_hours", 12034.6, "Running hours: 12,035 h"),
    ("oil_level__min__10m", 3.0, "Oil level lowest, 10 min: 3"),  # a metric without a known unit
])
def test_every_feature_reads_as_words_with_its_unit(name, value, text):
    assert humanize.feature_text(name, value) == text
    assert "__" not in humanize.feature_label(name)


def test_a_feature_without_a_value_is_its_label():
    assert humanize.feature_text("temperature__slope__30m", None) == "Temperature trend, 30 min"


@pytest.mark.parametrize("args, text", [
    ((34.2, 3.4, 1.2, 6.4, "days"), "Health 34/100 · likely to fail in about 3 days (1–6)"),
    ((12, 1.0, 0.2, 2.0, "minutes"), "Health 12/100 · likely to fail in about 1 minute (0–2)"),
    ((55, 40.0, None, None, "h"), "Health 55/100 · likely to fail in about 40 hours"),
    ((92, 400.0, 300.0, 500.0, "days"), "Health 92/100"),  # nothing in sight: no failure talk
    ((None,), "Not assessed yet"),
])
def test_health_reads_as_one_sentence(args, text):
    assert humanize.health_text(*args) == text


def test_health_bands_match_the_colours():
    assert [humanize.health_band(s) for s in (95, 70, 69.9, 40, 39.9, 0, None)] == \
        ["good", "good", "watch", "watch", "poor", "poor", "none"]


def test_a_refused_move_names_the_statuses_by_their_labels():
    assert humanize.refusal("order", "In progress", "Closed", "complete it first") == \
        "An order that is In progress can't be Closed; complete it first"


@pytest.mark.django_db
def test_history_shows_field_names_and_object_names_not_ids(plant):
    hall_a = Location.objects.create(site=plant.site_a, code="HA", name="Hall A")
    hall_b = Location.objects.create(site=plant.site_a, code="HB", name="Hall B")
    changes = {"install_date": [None, "2024-02-16"], "location": [hall_a.pk, hall_b.pk],
               "status": ["operational", "down"], "criticality": [2, 3]}
    names = humanize.related_names(Asset, [changes])
    lines = humanize.change_lines(Asset, changes, names)
    assert {(x["field"], x["old"], x["new"]) for x in lines} >= {
        ("Install date", "—", "16 Feb 2024"),
        ("Location", "HA Hall A", "HB Hall B"),
        ("Status", "Operational", "Down"),
    }


@pytest.mark.django_db
def test_the_history_tab_renders_a_recorded_change_in_words(plant, client):
    hall_a = Location.objects.create(site=plant.site_a, code="HA", name="Hall A")
    hall_b = Location.objects.create(site=plant.site_a, code="HB", name="Hall B")
    asset = plant.asset_a
    asset_services.move_asset(asset, actor=plant.manager_a, location=hall_a)
    asset_services.update_asset(Asset.objects.get(pk=asset.pk), actor=plant.manager_a,
                                install_date=dt.date(2024, 2, 16))
    asset_services.move_asset(Asset.objects.get(pk=asset.pk), actor=plant.manager_a, location=hall_b)
    client.force_login(plant.manager_a)
    html = client.get(f"/assets/{asset.pk}/tabs/history/", HTTP_HX_REQUEST="true").content.decode()
    assert "Install date: <span class=\"old\">—</span> → 16 Feb 2024" in html
    assert "HA Hall A</span> → HB Hall B" in html
    assert f"[{hall_a.pk}, {hall_b.pk}]" not in html and "install_date" not in html


def test_money_carries_the_currency():
    assert humanize.money(1234.5, "EUR") == "€1,234.50"
    assert humanize.money("-3", "USD") == "-$3.00"
    assert humanize.money(10, "SEK") == "10.00 SEK"
    assert humanize.money(None, "EUR") == "—"


def test_one_format_per_context_in_the_current_time_zone():
    moment = dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC)
    with timezone.override("Europe/Paris"):
        assert humanize.when(moment) == "10 Mar 2026, 00:30"
        assert humanize.when(moment, "date") == "10 Mar 2026"
        assert humanize.when(moment, "time") == "00:30"
    assert humanize.when(dt.date(2024, 2, 16), "date") == "16 Feb 2024"
    assert humanize.when(None) == "—"


def test_plurals_are_right():
    assert humanize.duration(1, "minutes") == "1 minute"
    assert humanize.duration(2, "minutes") == "2 minutes"
    assert humanize.duration(1, "cycles") == "1 cycle"
