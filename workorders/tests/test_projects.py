"""Projects: grouping orders, progress, a timeline in dependency order that flags an order
planned before its blocker ends, the weekly load per technician against capacity, and the
planning pages (filter, sort, HTMX partial, query counts, forms with inline errors)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from workorders import services
from workorders import services_planning as preventive
from workorders import services_planning as projects
from workorders.choices import WorkOrderStatus
from workorders.models import PreventiveSchedule, Project


def at(d: date, hour=8) -> datetime:
    return timezone.make_aware(datetime.combine(d, datetime.min.time()) + timedelta(hours=hour))


MON = date(2026, 12, 7)  # a Monday


@pytest.fixture
def shutdown(plant):
    p = projects.save_project(Project(site=plant.site_a, name="December shutdown", starts_on=MON,
                                      ends_on=MON + timedelta(days=13)), actor=plant.manager_a)

    def order(title, start_day, due_day, hours, who=plant.tech_a):
        return services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title=title,
                                          kind="inspection",
                                          assignee=who, scheduled_start=at(MON + timedelta(days=start_day)),
                                          due_at=at(MON + timedelta(days=due_day), 17),
                                          estimated_hours=Decimal(hours))

    drain = order("Drain the tank", 0, 1, "10")
    inspect = order("Inspect the tank", 1, 3, "30")  # starts while draining is still planned: conflict
    refill = order("Refill", 7, 8, "6")
    services.add_dependency(inspect, drain, actor=plant.manager_a)
    services.add_dependency(refill, inspect, actor=plant.manager_a)
    projects.add_orders(p, [refill, inspect, drain], actor=plant.manager_a)
    return p, drain, inspect, refill


def test_progress_counts_done_orders_and_hours(plant, shutdown):
    p, drain, inspect, refill = shutdown
    assert (projects.progress(p).total, projects.progress(p).done) == (3, 0)
    services.transition_work_order(drain, WorkOrderStatus.IN_PROGRESS, actor=plant.tech_a)
    services.transition_work_order(drain, WorkOrderStatus.COMPLETED, actor=plant.tech_a)
    prog = projects.progress(p)
    assert (prog.done, prog.total, prog.percent, prog.estimated_hours) == (1, 3, 33, Decimal("46"))


def test_timeline_follows_dependencies_and_flags_conflicts(shutdown):
    p, drain, inspect, refill = shutdown
    t = projects.timeline(p)
    assert [b.wo.pk for b in t.bars] == [drain.pk, inspect.pk, refill.pk]
    flags = {b.wo.pk: b.conflict for b in t.bars}
    assert flags == {drain.pk: False, inspect.pk: True, refill.pk: False}
    assert t.bars[0].left == 0 and 0 < t.bars[2].left < 100


def test_resource_view_sums_hours_per_week_against_capacity(plant, shutdown):
    p, *_ = shutdown
    weeks, load = projects.resource_load(p)
    assert weeks == [MON, MON + timedelta(days=7)]
    (tech,) = load
    assert tech.user == plant.tech_a and tech.hours == [Decimal("40"), Decimal("6")]
    assert [over for _, over in tech.cells] == [False, False]
    # Other open work of the same person in that week counts too, and tips them over capacity.
    services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Elsewhere",
                               assignee=plant.tech_a, scheduled_start=at(MON + timedelta(days=2)),
                               estimated_hours=Decimal("8"))
    _, (tech,) = projects.resource_load(p)
    assert tech.hours[0] == Decimal("48") and tech.cells[0][1] is True


def test_orders_of_another_site_or_project_are_refused(plant, shutdown):
    p, drain, *_ = shutdown
    other_site = services.create_work_order(actor=plant.admin, asset=plant.asset_b, title="B")
    with pytest.raises(ValidationError, match="another site"):
        projects.add_orders(p, [other_site], actor=plant.manager_a)
    second = projects.save_project(Project(site=plant.site_a, name="Other", starts_on=MON, ends_on=MON),
                                   actor=plant.manager_a)
    with pytest.raises(ValidationError, match="already in project"):
        projects.add_orders(second, [drain], actor=plant.manager_a)


def login(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def test_project_page_shows_progress_timeline_and_load(plant, shutdown, django_assert_max_num_queries):
    p, drain, inspect, refill = shutdown
    c = login(plant.manager_a)
    with django_assert_max_num_queries(30):
        html = c.get(p.get_absolute_url()).content.decode()
    assert "0 %" in html and "0 of 3 orders done" in html
    assert html.count('class="gantt-bar') == 3 and "conflict" in html
    assert ">40<" in html  # tech_a's first week
    r = c.post(reverse("workorders:project-add-orders", args=[p.pk]), {"work_orders": []})
    assert r.status_code == 400 and "This field is required." in r.content.decode()


def test_project_form_errors_inline_and_lists_filter(plant):
    c = login(plant.manager_a)
    r = c.post(reverse("workorders:project-new"), {"site": plant.site_a.pk, "name": "Backwards",
                                                    "starts_on": "2027-02-01", "ends_on": "2027-01-01",
                                                    "status": "planned"})
    assert r.status_code == 400 and "The project ends before it starts." in r.content.decode()
    r = c.post(reverse("workorders:project-new"), {"site": plant.site_a.pk, "name": "Spring campaign",
                                                    "starts_on": "2027-03-01", "ends_on": "2027-03-31",
                                                    "status": "planned"})
    project = Project.objects.get(name="Spring campaign")
    assert r.status_code == 302 and project.owner == plant.manager_a
    assert login(plant.tech_a).get(reverse("workorders:project-new")).status_code == 403
    page = c.get(reverse("workorders:projects"), {"q": "spring"}, HTTP_HX_REQUEST="true")
    body = page.content.decode()
    assert page.status_code == 200 and "<html" not in body and "Spring campaign" in body
    link = f'href="{project.get_absolute_url()}"'
    assert link in body
    assert link not in c.get(reverse("workorders:projects"), {"q": "autumn"}).content.decode()


def test_pm_list_shows_compliance_with_bounded_queries(plant, django_assert_max_num_queries):
    for i in range(12):
        s = preventive.save_schedule(PreventiveSchedule(asset=plant.asset_a, title=f"Round {i:02d}", interval=1,
                                                        interval_unit="days", lead_time_days=0,
                                                        starts_at=timezone.now() - timedelta(days=3)),
                                     actor=None)
        PreventiveSchedule.objects.filter(pk=s.pk).update(created_at=timezone.now() - timedelta(days=7))
        preventive.generate_for_schedule(s.pk)
    c = login(plant.manager_a)
    with django_assert_max_num_queries(20):
        html = c.get(reverse("workorders:pm-list"), {"sort": "title"}).content.decode()
    assert html.index("Round 00") < html.index("Round 11")
    assert "0 %" in html  # three occurrences missed already, one pending: compliance shown
    r = c.post(reverse("workorders:pm-new"), {"asset": plant.asset_a.pk, "title": "By meter", "trigger": "meter",
                                              "interval": 1, "interval_unit": "months", "anchor": "fixed",
                                              "starts_at": "2026-12-01T08:00", "lead_time_days": 0,
                                              "meter_start": 0, "meter_lead": 0, "priority": "medium"})
    assert r.status_code == 400 and "A meter schedule needs a meter." in r.content.decode()


def test_live_check_reports_errors_without_saving(plant):
    c = login(plant.manager_a)
    url = reverse("workorders:project-new") + "?validate=1"
    r = c.post(url, {"site": plant.site_a.pk, "name": "", "starts_on": "2027-02-01", "ends_on": "2027-01-01"},
               HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and "The project ends before it starts." in html
    assert "This field is required." not in html, "fields not filled in yet are not scolded"
    assert not Project.objects.exists()
    r = c.post(reverse("workorders:pm-new") + "?validate=1", {"asset": plant.asset_a.pk, "trigger": "meter",
                                                               "meter_interval": "250"}, HTTP_HX_REQUEST="true")
    assert "A meter schedule needs a meter." in r.content.decode() and not PreventiveSchedule.objects.exists()
