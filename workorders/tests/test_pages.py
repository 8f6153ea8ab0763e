"""The work-order pages a planner and a technician use: the list and its filters, the board, the
calendar, my work, the order page and the create/edit form; scoped to the user's sites, with
bounded query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import asset_page
from workorders import services
from workorders.models import ChecklistTemplate, ChecklistTemplateItem, WorkOrder


@pytest.fixture
def plant(wo_plant):
    return wo_plant


def order(plant, asset=None, **fields):
    fields.setdefault("title", "Pump vibration")
    fields.setdefault("kind", "inspection")
    return services.create_work_order(actor=plant.manager_a, asset=asset or plant.asset_a, **fields)


def test_board_has_a_column_per_status_with_counts_and_only_the_users_sites(plant, client,
                                                                             django_assert_max_num_queries):
    for i in range(5):
        order(plant, title=f"Alpha job {i}", assignee=plant.tech_a)
    moving = order(plant, title="Alpha running")
    services.transition_work_order(moving, "in_progress", actor=plant.tech_a)
    order(plant, asset=plant.asset_b, title="Bravo job")
    client.force_login(plant.tech_a)
    with django_assert_max_num_queries(24):
        html = client.get("/work-orders/board/").content.decode()
    for label in ("Open", "Assigned", "In progress", "On hold", "Completed", "Closed", "Cancelled"):
        assert f'aria-label="{label}"' in html
    assert "Alpha job 4" in html and "Bravo job" not in html
    assert '<span class="count" data-count>5</span>' in html and '<span class="count" data-count>1</span>' in html
    assert f'data-id="{moving.pk}"' in html and 'data-allowed="cancelled completed on_hold"' in html
    client.force_login(plant.viewer_a)
    html = client.get("/work-orders/board/").content.decode()
    assert 'draggable="false"' in html and "data-move" not in html and "may look at the board" in html


def test_board_counts_a_long_column_up_to_its_cap(plant, client, monkeypatch):
    from workorders import views

    monkeypatch.setattr(views, "BOARD_COUNT_CAP", 3)
    for i in range(3):
        order(plant, title=f"Assigned {i}", assignee=plant.tech_a)
    for i in range(5):
        order(plant, title=f"Waiting {i}")
    client.force_login(plant.manager_a)
    html = client.get("/work-orders/board/").content.decode()
    assert '<span class="count" title="More than 3">3+</span>' in html  # five open: past the cap
    assert '<span class="count" data-count>3</span>' in html  # three assigned: exactly the cap, exact
    assert "Waiting 4" in html and "Assigned 2" in html


def test_board_card_escapes_what_people_typed(plant, client):
    order(plant, title="<script>alert(1)</script> & co", assignee=plant.tech_a)
    client.force_login(plant.manager_a)
    html = client.get("/work-orders/board/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html and "<script>alert(1)" not in html


def test_board_filters_like_the_list(plant, client):
    order(plant, title="Urgent one", priority="urgent")
    order(plant, title="Low one", priority="low")
    client.force_login(plant.manager_a)
    html = client.get("/work-orders/board/", {"priority": "urgent"}).content.decode()
    assert "Urgent one" in html and "Low one" not in html


def test_calendar_places_orders_on_their_due_day_and_pages_by_month(plant, client):
    due = timezone.now().replace(day=14, hour=12) + timedelta(days=40)
    wo = order(plant, title="Gearbox oil change", due_at=due)
    order(plant, asset=plant.asset_b, title="Bravo oil change", due_at=due)
    client.force_login(plant.tech_a)
    html = client.get("/work-orders/calendar/", {"month": due.strftime("%Y-%m")}).content.decode()
    cell = html.split(f'data-date="{due:%Y-%m-%d}"', 1)[1].split('role="gridcell"', 1)[0]
    assert wo.number in cell and "Gearbox oil change" in cell
    assert "Bravo oil change" not in html
    assert due.strftime("%B %Y") in html
    this_month = client.get("/work-orders/calendar/").content.decode()
    assert "Gearbox oil change" not in this_month
    assert client.get("/work-orders/calendar/", {"month": "junk"}).status_code == 200


def test_my_work_sorts_a_technicians_orders_into_overdue_today_and_later(plant, client):
    now = timezone.now()
    late = order(plant, title="Late job", assignee=plant.tech_a, due_at=now - timedelta(hours=2))
    order(plant, title="Later job", assignees=[plant.tech_a], due_at=now + timedelta(days=5))
    order(plant, title="Not mine", assignee=plant.manager_a)
    client.force_login(plant.tech_a)
    html = client.get("/work-orders/my/").content.decode()
    overdue, rest = html.split('id="today"', 1)
    assert "Late job" in overdue and "Later job" in rest.split('id="later"', 1)[1] and "Not mine" not in html
    html = client.post(f"/work-orders/{late.pk}/timer/start/", {"next": "/work-orders/my/"}, follow=True)
    assert "Timer running on" in html.content.decode() and html.redirect_chain[-1][0] == "/work-orders/my/"


def test_list_filters_search_by_number_and_bounded_queries(plant, client, django_assert_max_num_queries):
    orders = [order(plant, title=f"Job {i}", assignee=plant.tech_a) for i in range(30)]
    client.force_login(plant.tech_a)
    with django_assert_max_num_queries(15):
        html = client.get("/work-orders/", {"mine": "true", "sort": "due"}).content.decode()
    assert html.count('data-label="Number"') == 25
    html = client.get("/work-orders/", {"q": orders[3].number}).content.decode()
    assert f">{orders[3].number}<" in html and f">{orders[4].number}<" not in html


def test_order_page_shows_everything_in_bounded_queries(plant, client, django_assert_max_num_queries):
    t = ChecklistTemplate.objects.create(name="Round")
    ChecklistTemplateItem.objects.create(template=t, label="Guard in place", kind="pass_fail")
    wo = order(plant, assignees=[plant.tech_a, plant.manager_a])
    services.attach_checklist(wo, t, actor=plant.tech_a)
    for i in range(5):
        services.add_comment(wo, f"Note {i} for @tech_a", actor=plant.manager_a)
    services.start_timer(wo, actor=plant.tech_a)
    client.force_login(plant.tech_a)
    with django_assert_max_num_queries(40):
        html = client.get(wo.get_absolute_url()).content.decode()
    for text in ("Guard in place", "Note 4 for @tech_a", "Stop timer", "started the timer", "Crew", "Timeline"):
        assert text in html


def test_create_and_edit_forms(plant, client):
    client.force_login(plant.manager_a)
    r = client.post("/work-orders/new/", {"title": "", "asset": plant.asset_b.pk, "kind": "corrective",
                                          "priority": "high"})
    html = r.content.decode()
    assert r.status_code == 200 and "This field is required" in html and "Select a valid choice" in html
    r = client.post("/work-orders/new/", {"title": "Replace seal", "asset": plant.asset_a.pk, "kind": "corrective",
                                          "priority": "high", "assignees": [plant.tech_a.pk]})
    wo = WorkOrder.objects.get(title="Replace seal")
    assert r.status_code == 302 and r["Location"] == wo.get_absolute_url()
    assert wo.site == plant.site_a and wo.status == "assigned" and wo.assignee == plant.tech_a and wo.due_at
    edit = f"/work-orders/{wo.pk}/edit/"
    r = client.post(edit, {"title": "Replace seal and bearing", "asset": plant.asset_a.pk, "kind": "corrective",
                           "priority": "urgent", "version": wo.version, "assignees": [plant.tech_a.pk]})
    assert r.status_code == 302
    r = client.post(edit, {"title": "Stale edit", "asset": plant.asset_a.pk, "kind": "corrective",
                           "priority": "low", "version": wo.version})
    assert "changed by someone else" in r.content.decode()
    wo.refresh_from_db()
    assert (wo.title, wo.priority) == ("Replace seal and bearing", "urgent")
    client.force_login(plant.viewer_a)
    assert client.get("/work-orders/new/").status_code == 403
    assert client.get(edit).status_code == 404


def test_asset_page_rolls_up_hours_and_cost(plant, client):
    from decimal import Decimal

    wo = order(plant)
    services.log_time(wo, actor=plant.tech_a, hours=Decimal("2"))
    client.force_login(plant.tech_a)
    html = asset_page(client, plant.asset_a)
    assert "2.00 h of labour" in html and "cost €90.00" in html  # with the currency


def test_demo_plant_has_orders_in_every_status_with_checklists_time_and_parts(db):
    from prosync.demo import load_demo_plant
    from workorders.choices import WorkOrderStatus
    from workorders.demo import load_demo_work
    from workorders.models import ChecklistItem, PartUsage, TimeEntry

    load_demo_plant()
    assert set(WorkOrder.objects.values_list("status", flat=True)) == set(WorkOrderStatus.values)
    assert ChecklistItem.objects.filter(done_at__isnull=False).exists()
    assert WorkOrder.objects.filter(follow_up_of__isnull=False).exists()
    assert TimeEntry.objects.filter(ended_at__isnull=True).count() == 1 and PartUsage.objects.exists()
    assert WorkOrder.objects.filter(status="completed", problem_code__isnull=False).exists()
    count = WorkOrder.objects.count()
    assert load_demo_work() == 0 and WorkOrder.objects.count() == count, "a second load adds nothing"
