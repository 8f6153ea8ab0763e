"""The shared permission tests (tests/permission_cases.py) applied to work requests, preventive
schedules, their occurrences and projects, through the API and the pages; plus the request's
own rule (anyone with an account may submit, only a site's manager or an admin decides)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import jwt_client
from tests.permission_cases import APIPermissionTests, PagePermissionTests, PermissionCase
from workorders.choices import RequestStatus
from workorders.models import WorkOrder, WorkRequest


def _asset(p, s):
    return p.asset_a if s == "a" else p.asset_b


def _site(p, s):
    return p.site_a if s == "a" else p.site_b


def make_request(p, s):
    from workorders.services_planning import submit_request

    return submit_request(asset=_asset(p, s), title=f"Leak on {s}", description="Drips under the flange",
                          actor=p.admin)


def make_schedule(p, s):
    from workorders import services_planning as preventive
    from workorders.models import PreventiveSchedule

    return preventive.save_schedule(PreventiveSchedule(asset=_asset(p, s), title=f"Grease {s}", interval=2,
                                                       interval_unit="weeks", starts_at=timezone.now()),
                                    actor=None)


def make_occurrence(p, s):
    from workorders import services_planning as preventive

    schedule = make_schedule(p, s)
    preventive.generate_for_schedule(schedule.pk)
    return schedule.occurrences.get()


def make_project(p, s):
    from workorders.models import Project
    from workorders.services_planning import save_project

    return save_project(Project(site=_site(p, s), name=f"Shutdown {s}", starts_on=date(2026, 12, 1),
                                ends_on=date(2026, 12, 14)), actor=None)


REQUEST = PermissionCase(
    "work request", make=make_request, api="workrequest", html_list="workorders:requests",
    html_detail="workorders:request-detail", update=None, delete_status=405,
    create=lambda p: {"asset": p.asset_a.pk, "title": "Pump hums", "description": "Loud humming since Monday"})
SCHEDULE = PermissionCase(
    "preventive schedule", make=make_schedule, api="preventiveschedule", html_list="workorders:pm-list",
    html_detail="workorders:pm-detail", update={"title": "Grease and inspect"},
    create=lambda p: {"asset": p.asset_a.pk, "title": "Check belts", "interval": 1, "interval_unit": "months",
                      "starts_at": (timezone.now() + timedelta(days=30)).isoformat()})
OCCURRENCE = PermissionCase("preventive occurrence", make=make_occurrence, api="pmoccurrence", delete_status=None)
PROJECT = PermissionCase(
    "project", make=make_project, api="project", html_list="workorders:projects",
    html_detail="workorders:project-detail", update={"name": "Winter shutdown"},
    create=lambda p: {"site": p.site_a.pk, "name": "Turnaround", "starts_on": "2027-01-04",
                      "ends_on": "2027-01-15"})


class TestWorkRequestAPI(APIPermissionTests):
    case = REQUEST

    def test_viewer_cannot_write(self, plant, objs):
        """Overridden on purpose: reporting a problem is open to every role, the Viewer included;
        what a Viewer cannot do is change, delete or decide a request."""
        obj = objs[0]
        client = jwt_client(plant.viewer_a)
        created = client.post(self.case.api_list(), self.case.create(plant), format="json")
        assert created.status_code == 201 and created.json()["requested_by"] == plant.viewer_a.pk
        assert client.patch(self.case.api_detail(obj), {"title": "x"}, format="json").status_code in (403, 405)
        assert client.delete(self.case.api_detail(obj)).status_code in (403, 405)
        assert client.post(reverse("api:workrequest-approve", args=[obj.pk]), {}, format="json").status_code == 403
        obj.refresh_from_db()
        assert obj.status == RequestStatus.PENDING


class TestWorkRequestPages(PagePermissionTests):
    case = REQUEST


class TestScheduleAPI(APIPermissionTests):
    case = SCHEDULE


class TestSchedulePages(PagePermissionTests):
    case = SCHEDULE


class TestOccurrenceAPI(APIPermissionTests):
    case = OCCURRENCE


class TestProjectAPI(APIPermissionTests):
    case = PROJECT


class TestProjectPages(PagePermissionTests):
    case = PROJECT


# --- Deciding requests through the API -----------------------------------------------------------


@pytest.mark.parametrize("who,expected", [("tech_a", 403), ("viewer_a", 403), ("tech_b", 403), ("norole", 403),
                                          ("manager_b", 404)])
def test_only_managers_approve_through_the_api(plant, who, expected):
    from accounts.roles import Role
    from accounts.services import create_user

    wr = make_request(plant, "a")
    if who == "manager_b":  # a manager, but of the other site: the request does not exist for them
        user = create_user(username="manager_b", password="Pw-manager-b-1", role=Role.MANAGER,
                           site_ids=[plant.site_b.pk])
    else:
        user = getattr(plant, who)
    client = jwt_client(user)
    assert client.post(reverse("api:workrequest-approve", args=[wr.pk]), {}, format="json").status_code == expected
    assert client.post(reverse("api:workrequest-reject", args=[wr.pk]), {"reason": "no"},
                       format="json").status_code == expected
    wr.refresh_from_db()
    assert wr.status == RequestStatus.PENDING and not WorkOrder.objects.exists()


def test_manager_approves_and_rejects_through_the_api(plant):
    client = jwt_client(plant.manager_a)
    wr = make_request(plant, "a")
    r = client.post(reverse("api:workrequest-approve", args=[wr.pk]),
                    {"kind": "inspection", "assignee": plant.tech_a.pk}, format="json")
    assert r.status_code == 201, r.content
    wo = WorkOrder.objects.get(pk=r.json()["work_order"])
    assert (wo.kind, wo.assignee, r.json()["status"]) == ("inspection", plant.tech_a, "approved")
    again = client.post(reverse("api:workrequest-approve", args=[wr.pk]), {}, format="json")
    assert again.status_code == 409 and "already approved" in again.json()["detail"]
    other = make_request(plant, "a")
    r = client.post(reverse("api:workrequest-reject", args=[other.pk]), {"reason": ""}, format="json")
    assert r.status_code == 400 and "reason" in r.json()
    r = client.post(reverse("api:workrequest-reject", args=[other.pk]), {"reason": "Not our equipment"},
                    format="json")
    assert r.status_code == 200 and r.json()["reason"] == "Not our equipment"
    assert WorkRequest.objects.get(pk=other.pk).status == RequestStatus.REJECTED


def test_api_validation_names_the_field(plant):
    client = jwt_client(plant.manager_a)
    r = client.post(reverse("api:workrequest-list"), {"title": "x", "description": "y"}, format="json")
    assert r.status_code == 400 and "site" in r.json()
    r = client.post(reverse("api:preventiveschedule-list"),
                    {"asset": plant.asset_a.pk, "title": "Meter PM", "trigger": "meter"}, format="json")
    assert r.status_code == 400 and "meter" in r.json()
    r = client.post(reverse("api:project-list"), {"site": plant.site_a.pk, "name": "Backwards",
                                                  "starts_on": "2027-02-01", "ends_on": "2027-01-01"}, format="json")
    assert r.status_code == 400 and "ends_on" in r.json()
