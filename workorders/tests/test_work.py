"""The work on an order: SLA due dates, assignees and teams, checklists and their follow-ups,
comments with mentions, attachments, timers and labour, parts from the stock ledger, saved
views; through the services, the API sub-resources and the order page."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from conftest import jwt_client
from workorders import services
from workorders.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    LabourRate,
    SlaPolicy,
    Team,
    TimeEntry,
    WorkOrder,
)


@pytest.fixture
def plant(wo_plant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # uploads go to a throw-away local storage
    return wo_plant


def png(name="photo.png", size=(8, 8)) -> SimpleUploadedFile:
    buf = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def order(plant, **fields):
    fields.setdefault("title", "Pump vibration")
    fields.setdefault("kind", "inspection")
    return services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, **fields)


@pytest.fixture
def template(db):
    t = ChecklistTemplate.objects.create(name="Pump round")
    ChecklistTemplateItem.objects.bulk_create([
        ChecklistTemplateItem(template=t, position=1, label="Guard in place", kind="pass_fail"),
        ChecklistTemplateItem(template=t, position=2, label="Bearing temperature", kind="number", unit="°C",
                              min_value=10, max_value=70),
        ChecklistTemplateItem(template=t, position=3, label="Remarks", kind="text", required=False),
        ChecklistTemplateItem(template=t, position=4, label="Photo of the seal", kind="photo"),
    ])
    return t


# --- Creation: SLA, people, teams ---------------------------------------------------------------


def test_due_date_follows_the_priority_sla_and_the_settings_table_overrides_it(plant):
    before = timezone.now()
    urgent = order(plant, priority="urgent")
    assert timedelta(hours=4) <= urgent.due_at - before < timedelta(hours=4, minutes=1)
    low = order(plant, priority="low")
    assert timedelta(days=7) <= low.due_at - before < timedelta(days=7, minutes=1)
    SlaPolicy.objects.create(priority="high", resolve_within=timedelta(hours=8))
    high = order(plant, priority="high")
    assert timedelta(hours=8) <= high.due_at - before < timedelta(hours=8, minutes=1)
    given = timezone.now() + timedelta(days=20)
    assert order(plant, priority="urgent", due_at=given).due_at == given


def test_overdue_shows_in_the_filter_and_on_the_list(plant, client):
    late = order(plant, title="Late job", due_at=timezone.now() - timedelta(hours=1))
    order(plant, title="Fine job")
    done = order(plant, title="Done late", due_at=timezone.now() - timedelta(hours=1))
    WorkOrder.objects.filter(pk=done.pk).update(status="closed")
    assert list(WorkOrder.objects.overdue()) == [late]
    client.force_login(plant.tech_a)
    html = client.get("/work-orders/", {"overdue": "true"}).content.decode()
    assert "Late job" in html and "Fine job" not in html and "Done late" not in html and "Overdue</span>" in html


def test_several_assignees_and_a_team(plant):
    team = Team.objects.create(site=plant.site_a, name="Mechanics")
    team.members.add(plant.tech_a)
    wo = order(plant, assignees=[plant.tech_a, plant.manager_a], team=team)
    assert wo.status == "assigned" and wo.assignee == plant.tech_a
    assert set(wo.assignees.all()) == {plant.tech_a, plant.manager_a}
    team_only = order(plant, team=team)
    assert team_only.status == "assigned"
    assert set(WorkOrder.objects.of_person(plant.tech_a)) == {wo, team_only}
    other_team = Team.objects.create(site=plant.site_b, name="Bravo crew")
    with pytest.raises(ValidationError, match="another site"):
        order(plant, team=other_team)


def test_api_refuses_an_assignee_of_another_site(plant):
    r = jwt_client(plant.manager_a).post("/api/v1/work-orders/", {"asset": plant.asset_a.pk, "title": "X",
                                                                  "assignees": [plant.tech_b.pk]}, format="json")
    assert r.status_code == 400 and "assignees" in r.json()


def test_assigning_signals_the_new_people_once(plant, django_capture_on_commit_callbacks):
    from workorders.signals import work_order_assigned

    got = []

    def receiver(sender, work_order, users, **kw):
        got.append((work_order.pk, sorted(u.username for u in users)))

    work_order_assigned.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            wo = order(plant, assignees=[plant.tech_a])
        with django_capture_on_commit_callbacks(execute=True):
            services.update_work_order(wo, actor=plant.manager_a, assignees=[plant.tech_a, plant.manager_a])
    finally:
        work_order_assigned.disconnect(receiver)
    assert got == [(wo.pk, ["tech_a"]), (wo.pk, ["manager_a"])]


# --- Checklists ---------------------------------------------------------------------------------


def test_attaching_copies_the_template_and_results_are_checked_by_kind(plant, template):
    wo = order(plant)
    items = services.attach_checklist(wo, template, actor=plant.tech_a)
    assert [i.label for i in items] == ["Guard in place", "Bearing temperature", "Remarks", "Photo of the seal"]
    template.items.filter(position=1).update(label="Changed later")
    guard, temp, remarks, photo = ChecklistItem.objects.filter(work_order=wo)
    assert guard.label == "Guard in place", "the order keeps its copy"
    with pytest.raises(ValidationError, match="pass or fail"):
        services.record_checklist_result(guard, actor=plant.tech_a)
    with pytest.raises(ValidationError, match="measured value in °C"):
        services.record_checklist_result(temp, actor=plant.tech_a, text="hot")
    with pytest.raises(ValidationError, match="readable image"):
        services.record_checklist_result(photo, actor=plant.tech_a,
                                         photo=SimpleUploadedFile("x.png", b"not a png", content_type="image/png"))
    assert not services.record_checklist_result(guard, actor=plant.tech_a, passed=True).is_failed
    hot = services.record_checklist_result(temp, actor=plant.tech_a, number=82.5)
    assert hot.is_failed and hot.done_by == plant.tech_a and hot.result_display == "82.5 °C"
    assert services.record_checklist_result(photo, actor=plant.tech_a, photo=png()).photo.name


def test_a_failed_check_creates_one_linked_follow_up_with_the_finding(plant, template):
    wo = order(plant, priority="high")
    services.attach_checklist(wo, template, actor=plant.tech_a)
    guard, temp = ChecklistItem.objects.filter(work_order=wo)[:2]
    services.record_checklist_result(guard, actor=plant.tech_a, passed=True)
    with pytest.raises(services.Conflict, match="Only a failed check"):
        services.create_follow_up(guard, actor=plant.tech_a)
    services.record_checklist_result(temp, actor=plant.tech_a, number=82.5)
    follow_up = services.create_follow_up(temp, actor=plant.tech_a)
    assert follow_up.follow_up_of == wo and follow_up.asset == wo.asset and follow_up.priority == "high"
    assert follow_up.kind == "corrective" and follow_up.title == "Fix: Bearing temperature at 82.5 °C (limits 10–70 °C)"
    assert all(text in follow_up.description for text in (wo.number, "82.5 °C", "10–70 °C"))
    temp.refresh_from_db()
    assert temp.follow_up == follow_up
    with pytest.raises(services.Conflict, match="already has its follow-up"):
        services.create_follow_up(temp, actor=plant.tech_a)
    assert WorkOrder.objects.filter(follow_up_of=wo).count() == 1


def test_checklist_through_the_api(plant, template):
    wo = order(plant)
    api = jwt_client(plant.tech_a)
    r = api.post(f"/api/v1/work-orders/{wo.pk}/attach-checklist/", {"template": template.pk}, format="json")
    assert r.status_code == 201 and len(r.json()) == 4
    temp_id = r.json()[1]["id"]
    base = f"/api/v1/work-orders/{wo.pk}/checklist-items/"
    r = api.patch(f"{base}{temp_id}/", {"number": None}, format="json")
    assert r.status_code == 400 and "number" in r.json()
    r = api.patch(f"{base}{temp_id}/", {"number": 95}, format="json")
    assert r.status_code == 200 and r.json()["is_failed"] is True
    r = api.post(f"{base}{temp_id}/follow-up/", format="json")
    assert r.status_code == 201 and r.json()["follow_up_of"] == wo.pk
    assert api.post(f"{base}{temp_id}/follow-up/", format="json").status_code == 409
    r = api.post(base, {"label": "Extra: oil level", "kind": "pass_fail"}, format="json")
    assert r.status_code == 201 and api.get(base).json()["count"] == 5
    r = api.post(base, {"label": "Bad limits", "kind": "number", "min_value": 5, "max_value": 1}, format="json")
    assert r.status_code == 400 and "max_value" in r.json()
    assert jwt_client(plant.tech_b).get(base).status_code == 404, "another site's order is not found"
    assert jwt_client(plant.viewer_a).patch(f"{base}{temp_id}/", {"number": 1}, format="json").status_code == 403


def test_checklist_on_the_page_with_htmx(plant, template, client):
    wo = order(plant)
    services.attach_checklist(wo, template, actor=plant.tech_a)
    temp = ChecklistItem.objects.get(work_order=wo, label="Bearing temperature")
    client.force_login(plant.tech_a)
    url = f"/work-orders/{wo.pk}/checklist/{temp.pk}/"
    html = client.post(url, {"number": "abc"}, HTTP_HX_REQUEST="true").content.decode()
    assert "“abc” is not a number." in html and 'id="check-' in html and "<html" not in html
    html = client.post(url, {"number": "81,5"}, HTTP_HX_REQUEST="true").content.decode()
    assert "81.5 °C" in html and "Create follow-up order" in html
    r = client.post(f"/work-orders/{wo.pk}/checklist/{temp.pk}/follow-up/", follow=True)
    follow_up = WorkOrder.objects.get(follow_up_of=wo)
    # The technician stays on the order; its check links the follow-up, named after the finding.
    assert r.redirect_chain[-1][0] == f"{wo.get_absolute_url()}#check-{temp.pk}"
    html = r.content.decode()
    assert f'href="{follow_up.get_absolute_url()}"' in html and follow_up.title in html
    assert follow_up.title.startswith("Fix: Bearing temperature at")
    page = client.get(follow_up.get_absolute_url()).content.decode()
    assert f"Follow-up of</dt><dd><a href=\"{wo.get_absolute_url()}\"" in page


# --- Comments and attachments -------------------------------------------------------------------


def test_mentions_are_linked_and_notified(plant, django_capture_on_commit_callbacks):
    from accounts.models import Notification

    wo = order(plant)
    with django_capture_on_commit_callbacks(execute=True):
        c = services.add_comment(wo, "@tech_a please check, and @tech_b (other site) and @nobody.",
                                 actor=plant.manager_a)
    assert list(c.mentions.all()) == [plant.tech_a], "only people who may see the order are mentioned"
    note = Notification.objects.get(recipient=plant.tech_a, kind="mention")
    assert wo.number in note.title and note.url == wo.get_absolute_url()
    assert not Notification.objects.filter(recipient=plant.tech_b).exists()
    with pytest.raises(ValidationError):
        services.add_comment(wo, "   ", actor=plant.manager_a)


def test_comments_through_the_api_and_the_page(plant, client):
    wo = order(plant)
    r = jwt_client(plant.tech_a).post(f"/api/v1/work-orders/{wo.pk}/comments/", {"body": "Seal replaced"},
                                      format="json")
    assert r.status_code == 201 and r.json()["author"] == plant.tech_a.pk
    assert jwt_client(plant.viewer_a).post(f"/api/v1/work-orders/{wo.pk}/comments/", {"body": "x"},
                                           format="json").status_code == 403
    client.force_login(plant.manager_a)
    html = client.post(f"/work-orders/{wo.pk}/comments/", {"body": "Thanks @tech_a"}, follow=True).content.decode()
    assert "Seal replaced" in html and "Thanks @tech_a" in html and "commented" in html


def test_attachments_are_limited_by_size_and_type_and_served_only_within_scope(plant, client, settings):
    wo = order(plant)
    att = services.add_attachment(wo, png("before.png"), actor=plant.tech_a, kind="before")
    assert att.content_type == "image/png" and att.size > 0
    with pytest.raises(ValidationError, match="not accepted"):
        services.add_attachment(wo, SimpleUploadedFile("run.exe", b"MZ...."), actor=plant.tech_a)
    with pytest.raises(ValidationError, match="not a readable image"):
        services.add_attachment(wo, SimpleUploadedFile("fake.jpg", b"<script>"), actor=plant.tech_a)
    with pytest.raises(ValidationError, match="at most 10 MB"):
        services.add_attachment(wo, SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
                                actor=plant.tech_a)
    client.force_login(plant.tech_a)
    r = client.get(f"/work-orders/attachments/{att.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    client.force_login(plant.tech_b)
    assert client.get(f"/work-orders/attachments/{att.pk}/").status_code == 404
    r = jwt_client(plant.tech_a).post(f"/api/v1/work-orders/{wo.pk}/attachments/",
                                      {"file": png("after.png"), "kind": "after"}, format="multipart")
    assert r.status_code == 201 and r.json()["kind"] == "after"
    r = jwt_client(plant.tech_a).post(f"/api/v1/work-orders/{wo.pk}/attachments/",
                                      {"file": SimpleUploadedFile("x.html", b"<html>")}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()


# --- Time -----------------------------------------------------------------------------------------


def test_one_running_timer_per_person_and_totals_with_cost(plant):
    LabourRate.objects.create(user=plant.tech_a, hourly_rate=Decimal("60"))
    a, b = order(plant), order(plant)
    entry = services.start_timer(a, actor=plant.tech_a)
    with pytest.raises(services.Conflict, match=f"already running on {a.number}"):
        services.start_timer(b, actor=plant.tech_a)
    TimeEntry.objects.filter(pk=entry.pk).update(started_at=timezone.now() - timedelta(minutes=90))
    stopped = services.stop_timer(actor=plant.tech_a, work_order=a)
    assert stopped.hours == Decimal("1.50") and stopped.cost == Decimal("90.00")
    services.log_time(a, actor=plant.manager_a, user=plant.manager_a, hours=Decimal("2"))
    a.refresh_from_db()
    assert a.actual_hours == Decimal("3.50") and a.labour_cost == Decimal("180.00")  # 90 + 2 h at the default 45
    with pytest.raises(services.Conflict, match="No timer"):
        services.stop_timer(actor=plant.tech_a)
    with pytest.raises(ValidationError, match="Between 0 and 24"):
        services.log_time(a, actor=plant.tech_a, hours=Decimal("30"))


def test_putting_an_order_on_hold_stops_its_timers(plant):
    wo = order(plant)
    services.transition_work_order(wo, "in_progress", actor=plant.tech_a)
    entry = services.start_timer(wo, actor=plant.tech_a)
    services.transition_work_order(wo, "on_hold", actor=plant.tech_a, note="waiting for parts")
    entry.refresh_from_db()
    assert entry.ended_at is not None


def test_timer_through_the_api_and_the_page(plant, client):
    wo = order(plant)
    api = jwt_client(plant.tech_a)
    assert api.post(f"/api/v1/work-orders/{wo.pk}/timer/start/").status_code == 201
    r = api.post(f"/api/v1/work-orders/{wo.pk}/timer/start/")
    assert r.status_code == 409 and "already running" in r.json()["detail"]
    assert api.post(f"/api/v1/work-orders/{wo.pk}/timer/stop/", {"note": "done"}, format="json").status_code == 200
    r = api.post(f"/api/v1/work-orders/{wo.pk}/time-entries/", {"hours": "1.25", "note": "by hand"}, format="json")
    assert r.status_code == 201 and r.json()["hours"] == "1.25"
    r = api.post(f"/api/v1/work-orders/{wo.pk}/time-entries/", {"hours": "1", "user": plant.manager_a.pk},
                 format="json")
    assert r.status_code == 403, "a technician logs their own time only"
    client.force_login(plant.tech_a)
    html = client.post(f"/work-orders/{wo.pk}/timer/start/", follow=True).content.decode()
    assert "Timer started" in html and "Stop timer" in html
    html = client.post(f"/work-orders/{wo.pk}/timer/stop/", follow=True).content.decode()
    assert "Timer stopped" in html and "Start timer" in html


def test_time_report_totals_per_person_and_asset(plant, client):
    wo = order(plant)
    services.log_time(wo, actor=plant.tech_a, hours=Decimal("2"))
    services.log_time(wo, actor=plant.manager_a, user=plant.manager_a, hours=Decimal("1"))
    client.force_login(plant.manager_a)
    html = client.get("/work-orders/time/").content.decode()
    assert "tech_a" in html and "2.00" in html and "90.00" in html
    assert plant.asset_a.tag in html and "3.00" in html and "135.00" in html
    client.force_login(plant.tech_b)
    assert "tech_a" not in client.get("/work-orders/time/").content.decode()


def test_the_cost_of_someone_elses_hours_shows_only_to_their_managers(plant, client):
    """Cost per person is hours times their pay rate: a colleague must not read it off a page."""
    wo = order(plant)
    LabourRate.objects.create(user=plant.manager_a, hourly_rate=Decimal("77"))
    services.log_time(wo, actor=plant.tech_a, hours=Decimal("2"))
    services.log_time(wo, actor=plant.manager_a, user=plant.manager_a, hours=Decimal("1"))
    client.force_login(plant.tech_a)
    html = client.get("/work-orders/time/").content.decode()
    assert "90.00" in html and "77.00" not in html  # their own 2 h at 45, not the manager's hour
    html = client.get(f"/work-orders/{wo.pk}/").content.decode()
    assert "90.00" in html and "<td class=\"num\">77.00</td>" not in html
    rows = jwt_client(plant.tech_a).get(f"/api/v1/work-orders/{wo.pk}/time-entries/").json()["results"]
    assert {r["user"]: (r["hourly_rate"], r["cost"]) for r in rows} == {
        plant.tech_a.pk: ("45.00", "90.00"), plant.manager_a.pk: (None, None)}
    rows = jwt_client(plant.manager_a).get(f"/api/v1/work-orders/{wo.pk}/time-entries/").json()["results"]
    assert {r["user"]: r["cost"] for r in rows} == {plant.tech_a.pk: "90.00", plant.manager_a.pk: "77.00"}


# --- Parts ----------------------------------------------------------------------------------------


@pytest.fixture
def stock(plant):
    from assets.models import Part, Storeroom
    from assets.services import receive_stock

    part = Part.objects.create(part_number="BRG-6205", name="Bearing 6205", unit_cost=Decimal("12.50"))
    store = Storeroom.objects.create(site=plant.site_a, code="main", name="Main store")
    receive_stock(part, store, 5, actor=plant.manager_a)
    return part, store


def test_parts_go_through_the_stock_ledger_and_roll_up_into_the_cost(plant, stock):
    from assets.models import StockLevel

    part, store = stock
    wo = order(plant)
    usage = services.issue_part(wo, part=part, storeroom=store, quantity=Decimal("2"), actor=plant.tech_a)
    assert usage.movement.reference == wo.number and usage.movement.quantity == Decimal("-2")
    assert StockLevel.objects.get(part=part, storeroom=store).on_hand == Decimal("3")
    wo.refresh_from_db()
    assert wo.parts_cost == Decimal("25.00") and wo.total_cost == Decimal("25.00")
    with pytest.raises(ValidationError, match="Only 3 pcs of BRG-6205 on hand"):
        services.issue_part(wo, part=part, storeroom=store, quantity=Decimal("4"), actor=plant.tech_a)
    assert StockLevel.objects.get(part=part, storeroom=store).on_hand == Decimal("3"), "nothing taken"


def test_parts_through_the_api(plant, stock):
    part, store = stock
    wo = order(plant)
    api = jwt_client(plant.tech_a)
    url = f"/api/v1/work-orders/{wo.pk}/parts/"
    r = api.post(url, {"part": part.pk, "storeroom": store.pk, "quantity": "1"}, format="json")
    assert r.status_code == 201 and r.json()["cost"] == "12.50"
    r = api.post(url, {"part": part.pk, "storeroom": store.pk, "quantity": "9"}, format="json")
    assert r.status_code == 409 and "on hand" in r.json()["quantity"][0]
    r = api.post(url, {"part": part.pk, "storeroom": store.pk, "quantity": "0"}, format="json")
    assert r.status_code == 400 and "quantity" in r.json()
    assert api.get(url).json()["count"] == 1


def test_unused_parts_go_back_to_the_storeroom_and_off_the_cost(plant, stock):
    from assets.models import StockLevel, StockMovement

    part, store = stock
    wo = order(plant)
    usage = services.issue_part(wo, part=part, storeroom=store, quantity=Decimal("3"), actor=plant.tech_a)
    back = services.return_part(usage, quantity="2", actor=plant.tech_a)
    assert back.quantity == Decimal("-2") and back.movement.kind == "return" and back.movement.reference == wo.number
    assert StockLevel.objects.get(part=part, storeroom=store).on_hand == Decimal("4")
    wo.refresh_from_db()
    assert wo.parts_cost == Decimal("12.50"), "one bearing of three stays on the order"
    with pytest.raises(ValidationError, match="Only 1 pcs of BRG-6205 from main are still out"):
        services.return_part(usage, quantity="2", actor=plant.tech_a)
    with pytest.raises(ValidationError, match="itself a return"):
        services.return_part(back, quantity="1", actor=plant.tech_a)
    with pytest.raises(ValidationError, match="greater than zero"):
        services.return_part(usage, quantity="0", actor=plant.tech_a)
    for absurd in ("1e999", "99999999999", "NaN", "abc"):
        with pytest.raises(ValidationError):
            services.return_part(usage, quantity=absurd, actor=plant.tech_a)
    assert StockLevel.objects.get(part=part, storeroom=store).on_hand == Decimal("4"), "refusals moved nothing"
    assert StockMovement.objects.filter(part=part, kind="return").count() == 1
    services.transition_work_order(wo, "cancelled", actor=plant.manager_a, note="not needed")
    with pytest.raises(services.Conflict, match="can no longer change"):
        services.return_part(usage, quantity="1", actor=plant.tech_a)


def test_returning_parts_through_the_api_and_the_page(plant, stock, client):
    part, store = stock
    wo = order(plant)
    usage = services.issue_part(wo, part=part, storeroom=store, quantity=Decimal("2"), actor=plant.tech_a)
    api = jwt_client(plant.tech_a)
    url = f"/api/v1/work-orders/{wo.pk}/parts/{usage.pk}/return/"
    r = api.post(url, {"quantity": "5"}, format="json")
    assert r.status_code == 400 and "still out" in r.json()["quantity"][0]
    assert api.post(url, {"quantity": "99999999999"}, format="json").status_code == 400
    r = api.post(url, {"quantity": "1"}, format="json")
    assert r.status_code == 201 and r.json()["quantity"] == "-1.000" and r.json()["cost"] == "-12.50"
    assert jwt_client(plant.viewer_a).post(url, {"quantity": "1"}, format="json").status_code == 403
    other = jwt_client(plant.tech_b)  # another site's technician: the order does not exist for them
    assert other.post(url, {"quantity": "1"}, format="json").status_code == 404
    client.force_login(plant.tech_a)
    page = client.get(wo.get_absolute_url()).content.decode()
    assert f"/parts/{usage.pk}/return/" in page and "returned to main" in page
    r = client.post(f"/work-orders/{wo.pk}/parts/{usage.pk}/return/", {"quantity": "1e999"}, follow=True)
    assert r.status_code == 200 and "too large" in r.content.decode()
    r = client.post(f"/work-orders/{wo.pk}/parts/{usage.pk}/return/", {"quantity": "1"}, follow=True)
    assert "Returned 1 × " in r.content.decode()
    assert f"/parts/{usage.pk}/return/" not in r.content.decode(), "nothing left out: no Return form"
    r = client.post(f"/work-orders/{wo.pk}/parts/{usage.pk}/return/", {"quantity": "1"}, follow=True)
    assert "Nothing of BRG-6205 from main is still out" in r.content.decode()
    wo.refresh_from_db()
    assert wo.parts_cost == Decimal("0.00")


# --- Saved views ----------------------------------------------------------------------------------


def test_saved_views_are_personal_and_keep_the_query_string(plant, client):
    order(plant, title="Urgent pump job", priority="urgent")
    order(plant, title="Slow fan job", priority="low")
    client.force_login(plant.tech_a)
    r = client.post("/work-orders/views/save/", {"name": "Urgent", "query": "priority=urgent&sort=-due"})
    assert r.status_code == 302 and r["Location"] == "/work-orders/?priority=urgent&sort=-due"
    html = client.get(r["Location"]).content.decode()
    assert "Urgent pump job" in html and "Slow fan job" not in html and ">Urgent</a>" in html
    client.force_login(plant.manager_a)
    assert ">Urgent</a>" not in client.get("/work-orders/").content.decode()
    assert jwt_client(plant.manager_a).get("/api/v1/saved-views/").json()["count"] == 0
    mine = jwt_client(plant.tech_a).get("/api/v1/saved-views/").json()["results"]
    assert [v["url"] for v in mine] == ["/work-orders/?priority=urgent&sort=-due"]


def test_parts_from_the_order_page_by_part_number(plant, stock, client):
    part, store = stock
    wo = order(plant)
    client.force_login(plant.tech_a)
    html = client.post(f"/work-orders/{wo.pk}/parts/", {"part": "brg-6205", "storeroom": store.pk, "quantity": "2"},
                       follow=True).content.decode()
    assert "Issued 2 × BRG-6205" in html and "25.00" in html
    html = client.post(f"/work-orders/{wo.pk}/parts/", {"part": "NOPE-1", "storeroom": store.pk, "quantity": "1"},
                       follow=True).content.decode()
    assert "No part numbered “NOPE-1”" in html
    html = client.post(f"/work-orders/{wo.pk}/parts/", {"part": "BRG-6205", "storeroom": store.pk, "quantity": "7"},
                       follow=True).content.decode()
    assert "Only 3 pcs of BRG-6205 on hand" in html
