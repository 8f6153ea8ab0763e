"""The shared permission tests (anonymous, no role, wrong site, Viewer read-only, permitted CRUD)
applied to the work-order catalogue and ledger models; work orders themselves are covered in
tests/test_permissions.py, the sub-resources of an order in test_work.py."""

from datetime import timedelta
from decimal import Decimal

from tests.permission_cases import APIPermissionTests, PermissionCase


def make_team(p, s):
    from workorders.models import Team

    return Team.objects.create(site=p.site_a if s == "a" else p.site_b, name=f"Crew {s}")


def make_sla(p, s):
    from workorders.models import SlaPolicy

    return SlaPolicy.objects.create(priority="urgent" if s == "a" else "high", resolve_within=timedelta(hours=4))


def make_code(p, s):
    from workorders.models import FailureCode

    return FailureCode.objects.create(kind="problem", code=f"P-{s}", description=f"Problem {s}")


def make_template(p, s):
    from workorders.models import ChecklistTemplate

    return ChecklistTemplate.objects.create(name=f"Round {s}")


def make_rate(p, s):
    from workorders.models import LabourRate

    # A rate is personal: site a's is the reading Viewer's own, site b's a technician's there.
    return LabourRate.objects.create(user=p.viewer_a if s == "a" else p.tech_b, hourly_rate=Decimal("40"))


def make_status_change(p, s):
    from workorders import services

    wo = services.create_work_order(asset=p.asset_a if s == "a" else p.asset_b, title="Seal", kind="inspection")
    services.transition_work_order(wo, "in_progress", actor=None)
    return wo.status_changes.get()


TEAM = PermissionCase("team", make=make_team, api="team",
                      create=lambda p: {"site": p.site_a.pk, "name": "New crew", "members": [p.tech_a.pk]},
                      update={"name": "Renamed crew"})
SLA = PermissionCase("sla policy", make=make_sla, api="slapolicy", shared=True,
                     create=lambda p: {"priority": "low", "resolve_within": "7 00:00:00"},
                     update={"resolve_within": "3 00:00:00"})
FAILURE_CODE = PermissionCase("failure code", make=make_code, api="failurecode", shared=True,
                              create=lambda p: {"kind": "cause", "code": "NEW", "description": "New cause"},
                              update={"description": "Renamed"})
TEMPLATE = PermissionCase("checklist template", make=make_template, api="checklisttemplate", shared=True,
                          create=lambda p: {"name": "New round", "items": [{"label": "Guard", "kind": "pass_fail"}]},
                          update={"name": "Renamed round"})
RATE = PermissionCase("labour rate", make=make_rate, api="labourrate",
                      create=lambda p: {"user": p.manager_a.pk, "hourly_rate": "60.00"},
                      update={"hourly_rate": "55.00"})
STATUS_CHANGE = PermissionCase("status change", make=make_status_change, api="statuschange")


class TestTeamAPI(APIPermissionTests):
    case = TEAM


class TestSlaPolicyAPI(APIPermissionTests):
    case = SLA


class TestFailureCodeAPI(APIPermissionTests):
    case = FAILURE_CODE


class TestChecklistTemplateAPI(APIPermissionTests):
    case = TEMPLATE


class TestLabourRateAPI(APIPermissionTests):
    case = RATE


class TestStatusChangeAPI(APIPermissionTests):
    case = STATUS_CHANGE


def test_pay_rates_are_seen_by_the_person_and_the_managers_of_their_sites(plant):
    """tech.south read every pay rate of every site at /labour-rates/."""
    from conftest import jwt_client
    from workorders.models import LabourRate

    rates = {u.username: LabourRate.objects.create(user=u, hourly_rate=Decimal("40")).pk
             for u in (plant.tech_a, plant.tech_b, plant.manager_a, plant.viewer_a)}

    def seen(user):
        response = jwt_client(user).get("/api/v1/labour-rates/", {"page_size": 500})
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert seen(plant.tech_b) == {rates["tech_b"]}
    assert seen(plant.tech_a) == {rates["tech_a"]}
    assert seen(plant.manager_a) == {rates["tech_a"], rates["manager_a"], rates["viewer_a"]}
    assert seen(plant.admin) == set(rates.values())
    assert jwt_client(plant.tech_a).get(f"/api/v1/labour-rates/{rates['manager_a']}/").status_code == 404
