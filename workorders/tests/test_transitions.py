"""The work-order lifecycle: every allowed and every refused move (the full status x status
matrix) through the service, the order page and the API; each move recorded; the version check
against concurrent edits; failure codes to complete a corrective order; dependencies that hold
an order back from starting."""

import pytest

from conftest import jwt_client
from workorders import services
from workorders.choices import WorkOrderStatus
from workorders.models import ALLOWED_TRANSITIONS, FailureCode, IllegalTransition, StatusChange, WorkOrder

ALL = list(WorkOrderStatus.values)
PAIRS = [(a, b) for a in ALL for b in ALL if a != b]
LABELS = dict(WorkOrderStatus.choices)


@pytest.fixture
def plant(wo_plant):
    return wo_plant


def order_in(plant, status, kind="inspection", **fields):
    wo = services.create_work_order(asset=plant.asset_a, title="Check seal", kind=kind, **fields)
    WorkOrder.objects.filter(pk=wo.pk).update(status=status)  # the test is about the move out of this status
    wo.refresh_from_db()
    return wo


def test_the_lifecycle_table_is_the_one_the_product_promises():
    promised = {
        "open": {"assigned", "in_progress", "cancelled"},
        "assigned": {"open", "in_progress", "cancelled"},
        "in_progress": {"on_hold", "completed", "cancelled"},
        "on_hold": {"in_progress", "cancelled"},
        "completed": {"closed", "in_progress"},
        "closed": set(),
        "cancelled": set(),
    }
    assert promised == ALLOWED_TRANSITIONS


@pytest.mark.parametrize("start, target", PAIRS)
def test_service(plant, start, target):
    wo = order_in(plant, start)
    if target in ALLOWED_TRANSITIONS[start]:
        moved = services.transition_work_order(wo, target, actor=plant.tech_a, note="why")
        assert moved.status == target and moved.version == wo.version + 1
        change = StatusChange.objects.get(work_order=wo)
        assert (change.from_status, change.to_status, change.actor, change.note) == (start, target, plant.tech_a, "why")
    else:
        with pytest.raises(IllegalTransition, match=f"that is {LABELS[start]} can't be {LABELS[target]}"):
            services.transition_work_order(wo, target, actor=plant.tech_a)
        wo.refresh_from_db()
        assert wo.status == start and wo.version == 1
        assert not StatusChange.objects.filter(work_order=wo).exists()


@pytest.mark.parametrize("start, target", PAIRS)
def test_api(plant, start, target):
    wo = order_in(plant, start)
    r = jwt_client(plant.tech_a).post(f"/api/v1/work-orders/{wo.pk}/transition/",
                                      {"status": target, "version": wo.version, "note": "api"}, format="json")
    wo.refresh_from_db()
    if target in ALLOWED_TRANSITIONS[start]:
        assert r.status_code == 200, r.content
        assert r.json()["status"] == target and wo.status == target and r.json()["version"] == 2
        assert StatusChange.objects.filter(work_order=wo, from_status=start, to_status=target).exists()
    else:
        assert r.status_code == 409
        assert f"that is {LABELS[start]} can't be {LABELS[target]}" in r.json()["detail"]
        assert wo.status == start


@pytest.mark.parametrize("start, target", PAIRS)
def test_page(plant, client, start, target):
    wo = order_in(plant, start)
    client.force_login(plant.tech_a)
    page = client.post(f"/work-orders/{wo.pk}/transition/",
                       {"status": target, "version": wo.version, "note": "Duplicate of another order",
                        "assignee": plant.tech_a.pk},  # a move to assigned names its lead
                       follow=True).content.decode()
    wo.refresh_from_db()
    if target in ALLOWED_TRANSITIONS[start]:
        assert wo.status == target
        assert f"is now {LABELS[target]}." in page
        assert f"moved it from {LABELS[start]} to {LABELS[target]}" in page  # the timeline
    else:
        assert wo.status == start
        assert f"that is {LABELS[start]} can&#x27;t be {LABELS[target]}" in page


@pytest.mark.parametrize("start", ALL)
def test_the_page_offers_exactly_the_allowed_moves(plant, client, start):
    wo = order_in(plant, start)
    client.force_login(plant.tech_a)
    html = client.get(f"/work-orders/{wo.pk}/").content.decode()
    offered = {s for s in ALL if f'name="status" value="{s}"' in html}
    assert offered == ALLOWED_TRANSITIONS[start]


def test_cancelling_from_the_page_needs_a_reason_kept_with_the_move(plant, client):
    wo = order_in(plant, "in_progress")
    client.force_login(plant.tech_a)
    page = client.post(f"/work-orders/{wo.pk}/transition/", {"status": "cancelled", "version": wo.version},
                       follow=True).content.decode()
    wo.refresh_from_db()
    assert wo.status == "in_progress" and "Say why the order is cancelled" in page
    client.post(f"/work-orders/{wo.pk}/transition/",
                {"status": "cancelled", "version": wo.version, "note": "Machine is being scrapped"})
    wo.refresh_from_db()
    assert wo.status == "cancelled"
    assert wo.status_changes.last().note == "Machine is being scrapped"


def test_the_highlighted_move_is_the_next_step_of_the_lifecycle(plant, client):
    client.force_login(plant.tech_a)
    for start, step in (("open", "Start work"), ("in_progress", "Complete"), ("on_hold", "Resume work"),
                        ("completed", "Close")):
        html = client.get(f"/work-orders/{order_in(plant, start).pk}/").content.decode()
        primary = html.split('class="btn primary" name="status"', 1)[1].split("</button>", 1)[0]
        assert primary.endswith(step), (start, primary)


def test_starting_an_order_without_a_lead_makes_the_starter_its_lead(plant):
    wo = order_in(plant, "open")
    assert wo.assignee is None
    services.transition_work_order(wo, "in_progress", actor=plant.tech_a)
    wo.refresh_from_db()
    assert wo.assignee == plant.tech_a and plant.tech_a in wo.assignees.all()


def test_unknown_status_is_refused_with_the_reason(plant):
    wo = order_in(plant, "open")
    r = jwt_client(plant.tech_a).post(f"/api/v1/work-orders/{wo.pk}/transition/", {"status": "done"}, format="json")
    assert r.status_code == 400 and "status" in r.json()


def test_stale_version_from_the_page_is_refused_and_nothing_changes(plant, client):
    wo = order_in(plant, "open")
    services.transition_work_order(wo, "assigned", actor=plant.manager_a)  # someone else, meanwhile
    client.force_login(plant.tech_a)
    page = client.post(f"/work-orders/{wo.pk}/transition/", {"status": "in_progress", "version": 1},
                       follow=True).content.decode()
    assert "changed by someone else" in page
    wo.refresh_from_db()
    assert wo.status == "assigned"


def test_stale_version_in_the_api_is_409_for_moves_and_edits(plant):
    wo = order_in(plant, "open")
    api = jwt_client(plant.manager_a)
    assert api.patch(f"/api/v1/work-orders/{wo.pk}/", {"title": "New title", "version": 1},
                     format="json").status_code == 200
    r = api.patch(f"/api/v1/work-orders/{wo.pk}/", {"title": "Lost edit", "version": 1}, format="json")
    assert r.status_code == 409 and "changed by someone else" in r.json()["detail"]
    r = api.post(f"/api/v1/work-orders/{wo.pk}/transition/", {"status": "cancelled", "version": 1}, format="json")
    assert r.status_code == 409
    wo.refresh_from_db()
    assert (wo.title, wo.status, wo.version) == ("New title", "open", 2)


def test_viewer_sees_no_buttons_and_cannot_post(plant, client):
    wo = order_in(plant, "open")
    client.force_login(plant.viewer_a)
    assert "Move this order" not in client.get(f"/work-orders/{wo.pk}/").content.decode()
    assert client.post(f"/work-orders/{wo.pk}/transition/", {"status": "in_progress"}).status_code == 404
    assert jwt_client(plant.viewer_a).post(f"/api/v1/work-orders/{wo.pk}/transition/", {"status": "in_progress"},
                                           format="json").status_code == 403
    wo.refresh_from_db()
    assert wo.status == "open"


def test_another_sites_order_cannot_be_moved(plant, client):
    wo = services.create_work_order(asset=plant.asset_b, title="Bravo job", kind="inspection")
    assert jwt_client(plant.tech_a).post(f"/api/v1/work-orders/{wo.pk}/transition/", {"status": "in_progress"},
                                         format="json").status_code == 404
    client.force_login(plant.tech_a)
    assert client.post(f"/work-orders/{wo.pk}/transition/", {"status": "in_progress"}).status_code == 404


# --- Failure codes ------------------------------------------------------------------------------


@pytest.fixture
def codes(db):
    return {kind: FailureCode.objects.create(kind=kind, code=f"{kind[:2].upper()}-1", description=kind.title())
            for kind in ("problem", "cause", "remedy")}


def test_a_corrective_order_is_completed_only_with_all_three_codes(plant, codes):
    wo = order_in(plant, "in_progress", kind="corrective")
    with pytest.raises(services.FailureCodesRequired, match="problem, cause, remedy missing"):
        services.transition_work_order(wo, "completed", actor=plant.tech_a)
    with pytest.raises(services.FailureCodesRequired, match="remedy missing") as exc:
        services.transition_work_order(wo, "completed", actor=plant.tech_a, problem_code=codes["problem"],
                                       cause_code=codes["cause"])
    assert exc.value.missing == ["remedy_code"]
    wo.refresh_from_db()
    assert wo.status == "in_progress" and wo.problem_code is None, "a refused completion keeps nothing half-done"
    done = services.transition_work_order(wo, "completed", actor=plant.tech_a, problem_code=codes["problem"],
                                          cause_code=codes["cause"], remedy_code=codes["remedy"])
    assert done.status == "completed" and done.remedy_code == codes["remedy"] and done.completed_at


def test_the_api_names_the_missing_codes_and_refuses_a_code_of_the_wrong_kind(plant, codes):
    wo = order_in(plant, "in_progress", kind="corrective")
    api = jwt_client(plant.tech_a)
    r = api.post(f"/api/v1/work-orders/{wo.pk}/transition/", {"status": "completed",
                                                              "problem_code": codes["problem"].pk}, format="json")
    assert r.status_code == 400 and set(r.json()) == {"cause_code", "remedy_code"}
    assert "cause, remedy missing" in r.json()["cause_code"][0]
    r = api.post(f"/api/v1/work-orders/{wo.pk}/transition/", {"status": "completed", "problem_code": codes["cause"].pk,
                                                              "cause_code": codes["cause"].pk,
                                                              "remedy_code": codes["remedy"].pk}, format="json")
    assert r.status_code == 400 and "problem_code" in r.json()
    all_codes = {f"{k}_code": c.pk for k, c in codes.items()}
    r = api.post(f"/api/v1/work-orders/{wo.pk}/transition/", {"status": "completed", **all_codes}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "completed"


def test_the_page_shows_the_code_fields_and_the_missing_codes(plant, client, codes):
    wo = order_in(plant, "in_progress", kind="corrective")
    client.force_login(plant.tech_a)
    html = client.get(f"/work-orders/{wo.pk}/").content.decode()
    assert "Failure codes" in html and 'name="problem_code"' in html
    page = client.post(f"/work-orders/{wo.pk}/transition/", {"status": "completed", "version": wo.version,
                                                             "problem_code": codes["problem"].pk},
                       follow=True).content.decode()
    assert "cause, remedy missing" in page
    client.post(f"/work-orders/{wo.pk}/transition/", {"status": "completed", "version": wo.version,
                                                      **{f"{k}_code": c.pk for k, c in codes.items()}})
    wo.refresh_from_db()
    assert wo.status == "completed"


def test_codes_of_another_category_are_refused(plant, codes):
    from assets.models import AssetCategory

    fans = AssetCategory.objects.create(name="Fan")
    fan_problem = FailureCode.objects.create(kind="problem", code="FAN-1", description="Blade crack", category=fans)
    wo = order_in(plant, "in_progress", kind="corrective")
    with pytest.raises(Exception, match="not this asset's category"):
        services.transition_work_order(wo, "completed", actor=plant.tech_a, problem_code=fan_problem,
                                       cause_code=codes["cause"], remedy_code=codes["remedy"])


# --- Dependencies --------------------------------------------------------------------------------


def test_an_order_cannot_start_before_the_orders_it_waits_for_are_completed(plant):
    first = order_in(plant, "in_progress")
    second = order_in(plant, "assigned")
    services.add_dependency(second, first, actor=plant.manager_a)
    with pytest.raises(IllegalTransition, match=f"waits for {first.number}"):
        services.transition_work_order(second, "in_progress", actor=plant.tech_a)
    r = jwt_client(plant.tech_a).post(f"/api/v1/work-orders/{second.pk}/transition/", {"status": "in_progress"},
                                      format="json")
    assert r.status_code == 409 and first.number in r.json()["detail"]
    services.transition_work_order(second, "cancelled", actor=plant.tech_a)  # other moves stay open
    third = order_in(plant, "assigned")
    services.add_dependency(third, first, actor=plant.manager_a)
    services.transition_work_order(first, "completed", actor=plant.tech_a)
    assert services.transition_work_order(third, "in_progress", actor=plant.tech_a).status == "in_progress"


def test_cycles_are_refused_naming_the_chain(plant):
    a, b, c = (order_in(plant, "open") for _ in range(3))
    services.add_dependency(b, a, actor=plant.manager_a)  # b waits for a
    services.add_dependency(c, b, actor=plant.manager_a)  # c waits for b
    with pytest.raises(Exception, match=f"{a.number} → {c.number} → {b.number} → {a.number}"):
        services.add_dependency(a, c, actor=plant.manager_a)
    r = jwt_client(plant.manager_a).post(f"/api/v1/work-orders/{a.pk}/dependencies/", {"blocked_by": c.pk},
                                         format="json")
    assert r.status_code == 400 and "cycle" in r.json()["blocked_by"][0]
    r = jwt_client(plant.manager_a).post(f"/api/v1/work-orders/{a.pk}/dependencies/", {"blocked_by": a.pk},
                                         format="json")
    assert r.status_code == 400 and "itself" in r.json()["blocked_by"][0]
    assert list(a.blocked_by.all()) == []


def test_dependencies_from_the_page(plant, client):
    a, b = order_in(plant, "open"), order_in(plant, "open")
    client.force_login(plant.manager_a)
    page = client.post(f"/work-orders/{b.pk}/dependencies/", {"blocked_by": a.number}, follow=True).content.decode()
    assert f"now waits for {a.number}" in page and list(b.blocked_by.all()) == [a]
    page = client.post(f"/work-orders/{a.pk}/dependencies/", {"blocked_by": str(b.pk)}, follow=True).content.decode()
    assert "cycle" in page
    page = client.post(f"/work-orders/{a.pk}/dependencies/", {"blocked_by": "WO-99999"}, follow=True).content.decode()
    assert "no order WO-99999" in page


def test_a_move_to_assigned_names_its_lead_who_must_work_on_the_site(plant):
    wo = order_in(plant, "open")
    api = jwt_client(plant.manager_a)
    r = api.post(f"/api/v1/work-orders/{wo.pk}/transition/",
                 {"status": "assigned", "version": wo.version, "assignee": plant.tech_b.pk}, format="json")
    assert r.status_code == 400 and "does not work on" in r.json()["assignee"][0]
    r = api.post(f"/api/v1/work-orders/{wo.pk}/transition/",
                 {"status": "assigned", "version": wo.version, "assignee": plant.tech_a.pk}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "assigned" and r.json()["assignee"] == plant.tech_a.pk
    wo.refresh_from_db()
    assert wo.assignee == plant.tech_a and wo.status_changes.last().to_status == "assigned"
