"""Authentication and authorisation of the whole REST API under /api/v1/.

One table lists every list/detail endpoint with a way to make one object on site A and one on
site B; the same checks run against each: anonymous -> 401, another site's user -> not listed
and 404, a user of the site -> 200 and paginated, data shared by every site -> visible to any
role, no role -> 403, a Viewer may not write, and a user of site B cannot write to site A.
Then JWT (obtain, expiry, rotation, revocation), the work-order transition conflicts, and the
OpenAPI schema and its self-hosted Swagger page."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from conftest import PASSWORD, Plant, jwt_client, register_active_model

API = "/api/v1"


# --- Object factories: (plant, "a" | "b") -> one saved object on that site ----------------------


def _site(p: Plant, s: str):
    return p.site_a if s == "a" else p.site_b


def _asset(p: Plant, s: str):
    return p.asset_a if s == "a" else p.asset_b


def _sensors(p: Plant, s: str) -> dict:
    return p.sensors_a if s == "a" else p.sensors_b


def make_site(p, s):
    return _site(p, s)


def make_category(p, s):
    from assets.models import AssetCategory

    return AssetCategory.objects.create(name=f"Category of test {s}")


def make_asset(p, s):
    from assets.models import Asset

    return Asset.objects.create(site=_site(p, s), category=p.category, tag=f"T-{s.upper()}-1", name=f"Test asset {s}")


def make_work_order(p, s):
    from workorders.services import create_work_order

    return create_work_order(asset=_asset(p, s), title=f"Check seal on site {s}")


def make_sensor(p, s):
    return _sensors(p, s)["vibration"]


def make_alert(p, s):
    from telemetry.services import raise_alert

    alert, created = raise_alert(asset=_asset(p, s), cause="high_vibration", source="rule", title=f"Vibration {s}")
    assert created
    return alert


def _active_model(p):
    from predictions.models import ModelVersion

    return ModelVersion.objects.active_for(p.category.pk) or register_active_model(p.category)


def make_model_version(p, s):
    # Model versions serve every site: the "site A" and "site B" object is the same one.
    return _active_model(p)


def make_assessment(p, s):
    from predictions.models import HealthAssessment

    return HealthAssessment.objects.create(
        asset=_asset(p, s), model_version=_active_model(p), assessed_at=timezone.now(), health_score=71.0,
        failure_probability=0.12, rul=140.0, rul_lower=100.0, rul_upper=180.0)


@dataclass(frozen=True)
class Endpoint:
    path: str
    make: Callable
    shared: bool = False  # shared by every site (no site scope)
    # What identifies the object in a list row (the readings list has no id column).
    row_key: Callable = staticmethod(lambda row: row["id"])
    obj_key: Callable = staticmethod(lambda obj: obj.pk)
    # A valid-looking body for POST (the Viewer must be refused before validation matters).
    post_body: Callable = staticmethod(lambda p: {})
    patch_body: dict | None = None

    def __str__(self) -> str:
        return self.path


ENDPOINTS = [
    Endpoint("sites", make_site, post_body=lambda p: {"code": "charlie", "name": "Charlie"},
             patch_body={"name": "Renamed"}),
    Endpoint("asset-categories", make_category, shared=True, post_body=lambda p: {"name": "Fan"},
             patch_body={"name": "Renamed"}),
    Endpoint("assets", make_asset, post_body=lambda p: {"site": p.site_a.pk, "tag": "N-1", "name": "New"},
             patch_body={"name": "Renamed"}),
    Endpoint("work-orders", make_work_order, post_body=lambda p: {"asset": p.asset_a.pk, "title": "New"},
             patch_body={"title": "Renamed"}),
    Endpoint("sensors", make_sensor,
             post_body=lambda p: {"asset": p.asset_a.pk, "name": "Flow", "metric": "flow", "key": "x.flow"},
             patch_body={"name": "Renamed"}),
    Endpoint("alerts", make_alert),
    Endpoint("model-versions", make_model_version, shared=True),
    Endpoint("health-assessments", make_assessment),
]
SITE_SCOPED = [e for e in ENDPOINTS if not e.shared]
SHARED = [e for e in ENDPOINTS if e.shared]
WRITABLE = [e for e in ENDPOINTS if e.patch_body is not None]

# What the technician of site B gets writing to a site-A object, as (PATCH, DELETE): 404 where
# the role may do that to this kind of object (the row is simply not there for them), 403 where
# the role may not, 405 where the role may but the endpoint has no such method.
TECH_B_WRITE_ON_A = {
    "sites": (403, 403), "asset-categories": (403, 403), "assets": (403, 403), "work-orders": (404, 403),
    "sensors": (403, 403), "alerts": (405, 403), "model-versions": (403, 403),
    "health-assessments": (403, 403),
}
assert set(TECH_B_WRITE_ON_A) == {e.path for e in ENDPOINTS}


def list_url(ep: Endpoint) -> str:
    return f"{API}/{ep.path}/"


def detail_url(ep: Endpoint, obj) -> str:
    return f"{API}/{ep.path}/{obj.pk}/"


def listed(ep: Endpoint, response) -> set:
    return {ep.row_key(row) for row in response.json()["results"]}


@pytest.fixture
def objects(plant):
    """Call ``objects(endpoint)`` for (object on site A, object on site B)."""
    return lambda ep: (ep.make(plant, "a"), ep.make(plant, "b"))


def assert_paginated(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert {"count", "next", "previous", "results"} <= set(body), body
    assert isinstance(body["results"], list)
    assert body["count"] >= len(body["results"])
    return body


# --- Reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("ep", ENDPOINTS, ids=str)
def test_anonymous_gets_401_on_list_and_detail(plant, objects, ep):
    obj_a, _ = objects(ep)
    client = APIClient()
    for url in (list_url(ep), detail_url(ep, obj_a)):
        response = client.get(url)
        assert response.status_code == 401, (url, response.status_code)
        assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")


@pytest.mark.parametrize("ep", SITE_SCOPED, ids=str)
def test_other_site_technician_neither_lists_nor_reads_site_a_objects(plant, objects, ep):
    obj_a, obj_b = objects(ep)
    client = jwt_client(plant.tech_b)
    response = client.get(list_url(ep))
    assert_paginated(response)
    keys = listed(ep, response)
    assert ep.obj_key(obj_b) in keys  # their own site's object is there...
    assert ep.obj_key(obj_a) not in keys  # ...site A's is not
    assert client.get(detail_url(ep, obj_a)).status_code == 404
    assert client.get(detail_url(ep, obj_b)).status_code == 200


@pytest.mark.parametrize("who", ["tech_a", "viewer_a", "manager_a"])
@pytest.mark.parametrize("ep", SITE_SCOPED, ids=str)
def test_user_of_the_site_lists_and_reads_its_objects_only(plant, objects, ep, who):
    obj_a, obj_b = objects(ep)
    client = jwt_client(getattr(plant, who))
    response = client.get(list_url(ep))
    body = assert_paginated(response)
    keys = listed(ep, response)
    assert ep.obj_key(obj_a) in keys and ep.obj_key(obj_b) not in keys
    assert body["count"] == len(body["results"])  # small data: one page
    detail = client.get(detail_url(ep, obj_a))
    assert detail.status_code == 200
    assert ep.row_key(detail.json()) == ep.obj_key(obj_a)
    assert client.get(detail_url(ep, obj_b)).status_code == 404


@pytest.mark.parametrize("ep", ENDPOINTS, ids=str)
def test_admin_sees_every_site(plant, objects, ep):
    obj_a, obj_b = objects(ep)
    client = jwt_client(plant.admin)
    response = client.get(list_url(ep))
    assert_paginated(response)
    assert {ep.obj_key(obj_a), ep.obj_key(obj_b)} <= listed(ep, response)
    assert client.get(detail_url(ep, obj_a)).status_code == 200
    assert client.get(detail_url(ep, obj_b)).status_code == 200


@pytest.mark.parametrize("who", ["tech_a", "tech_b", "viewer_a", "manager_a", "admin"])
@pytest.mark.parametrize("ep", SHARED, ids=str)
def test_shared_objects_are_visible_to_any_role(plant, objects, ep, who):
    obj, _ = objects(ep)
    client = jwt_client(getattr(plant, who))
    response = client.get(list_url(ep))
    assert_paginated(response)
    assert ep.obj_key(obj) in listed(ep, response)
    assert client.get(detail_url(ep, obj)).status_code == 200


@pytest.mark.parametrize("ep", ENDPOINTS, ids=str)
def test_user_without_role_gets_403_even_on_own_site(plant, objects, ep):
    obj_a, _ = objects(ep)
    client = jwt_client(plant.norole)  # member of site A, but no role
    assert client.get(list_url(ep)).status_code == 403
    assert client.get(detail_url(ep, obj_a)).status_code == 403


def test_pagination_pages_through_the_list(plant):
    from assets.models import Asset

    for i in range(5):
        Asset.objects.create(site=plant.site_a, tag=f"PG-{i}", name=f"Paged {i}")
    client = jwt_client(plant.tech_a)
    first = client.get(f"{API}/assets/", {"page_size": 3}).json()
    assert first["count"] == 7 and len(first["results"]) == 3 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 3 and second["previous"]
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


# --- Writing --------------------------------------------------------------------------------


@pytest.mark.parametrize("ep", ENDPOINTS, ids=str)
def test_viewer_cannot_post_patch_or_delete(plant, objects, ep):
    obj_a, _ = objects(ep)
    model = type(obj_a)
    before = model.objects.count()
    client = jwt_client(plant.viewer_a)
    assert client.post(list_url(ep), ep.post_body(plant), format="json").status_code == 403
    assert client.patch(detail_url(ep, obj_a), ep.patch_body or {}, format="json").status_code == 403
    assert client.delete(detail_url(ep, obj_a)).status_code == 403
    assert model.objects.count() == before
    assert model.objects.filter(pk=obj_a.pk).exists()


@pytest.mark.parametrize("ep", ENDPOINTS, ids=str)
def test_other_site_technician_cannot_patch_or_delete_site_a_objects(plant, objects, ep):
    obj_a, _ = objects(ep)
    model = type(obj_a)
    snapshot = model.objects.filter(pk=obj_a.pk).values().get()
    client = jwt_client(plant.tech_b)
    patch_code, delete_code = TECH_B_WRITE_ON_A[ep.path]
    assert client.patch(detail_url(ep, obj_a), ep.patch_body or {}, format="json").status_code == patch_code
    assert client.delete(detail_url(ep, obj_a)).status_code == delete_code
    assert model.objects.filter(pk=obj_a.pk).values().get() == snapshot


@pytest.fixture
def manager_b(plant):
    from accounts.roles import Role
    from accounts.services import create_user

    return create_user(username="manager_b", password=PASSWORD, role=Role.MANAGER, site_ids=[plant.site_b.pk])


# Sites are written by Admins only, who see every site (tests/test_permissions.py).
@pytest.mark.parametrize("ep", [e for e in WRITABLE if not e.shared and e.path != "sites"], ids=str)
def test_other_site_manager_gets_404_writing_site_a_objects(plant, objects, manager_b, ep):
    """A role that may change this kind of object still finds no site-A row to change."""
    obj_a, obj_b = objects(ep)
    model = type(obj_a)
    snapshot = model.objects.filter(pk=obj_a.pk).values().get()
    client = jwt_client(manager_b)
    assert client.patch(detail_url(ep, obj_a), ep.patch_body, format="json").status_code == 404
    assert client.put(detail_url(ep, obj_a), ep.patch_body, format="json").status_code == 404
    assert client.delete(detail_url(ep, obj_a)).status_code == 404
    assert model.objects.filter(pk=obj_a.pk).values().get() == snapshot
    # The same request on their own site works, so the 404 is about scope, not the body.
    assert client.patch(detail_url(ep, obj_b), ep.patch_body, format="json").status_code == 200


def test_other_site_technician_cannot_create_work_order_on_site_a(plant):
    from workorders.models import WorkOrder

    client = jwt_client(plant.tech_b)
    by_asset = client.post(f"{API}/work-orders/", {"asset": plant.asset_a.pk, "title": "Sneaky"}, format="json")
    assert by_asset.status_code == 400
    assert "does not exist" in str(by_asset.json()["asset"])
    by_site = client.post(f"{API}/work-orders/", {"site": plant.site_a.pk, "title": "Sneaky"}, format="json")
    assert by_site.status_code == 400
    assert "does not exist" in str(by_site.json()["site"])
    assert not WorkOrder.objects.filter(title="Sneaky").exists()
    # Neither site nor asset: the site is required.
    neither = client.post(f"{API}/work-orders/", {"title": "Nowhere"}, format="json")
    assert neither.status_code == 400 and "site" in neither.json()
    # On their own site the same request is accepted (the site is the asset's).
    own = client.post(f"{API}/work-orders/", {"asset": plant.asset_b.pk, "title": "Fine"}, format="json")
    assert own.status_code == 201, own.json()
    assert own.json()["site"] == plant.site_b.pk


def test_other_site_user_cannot_create_asset_on_site_a(plant, manager_b):
    from assets.models import Asset

    body = {"site": plant.site_a.pk, "tag": "X-1", "name": "Sneaky"}
    # A technician may not create assets at all.
    assert jwt_client(plant.tech_b).post(f"{API}/assets/", body, format="json").status_code == 403
    # A manager may, but site A "does not exist" for the manager of site B.
    client = jwt_client(manager_b)
    response = client.post(f"{API}/assets/", body, format="json")
    assert response.status_code == 400
    assert "does not exist" in str(response.json()["site"])
    # Nor can a site-A asset be named as parent of a site-B asset.
    response = client.post(f"{API}/assets/", {"site": plant.site_b.pk, "parent": plant.asset_a.pk, "tag": "X-2",
                                              "name": "Sneaky child"}, format="json")
    assert response.status_code == 400
    assert "does not exist" in str(response.json()["parent"])
    assert not Asset.objects.filter(name__startswith="Sneaky").exists()
    ok = client.post(f"{API}/assets/", {"site": plant.site_b.pk, "tag": "X-3", "name": "Fine"}, format="json")
    assert ok.status_code == 201, ok.json()


def test_readings_list_is_scoped_through_the_sensor(plant):
    """The store's lists (readings, rollups) name one sensor; it must be one the caller may see."""
    from telemetry.services import ingest_readings

    sensor_a = _sensors(plant, "a")["temperature"]
    assert ingest_readings([{"sensor": sensor_a.pk, "ts": timezone.now().isoformat(), "value": 42.5}]).stored == 1
    for path in ("readings", "reading-rollups-1m", "reading-rollups-1h"):
        url = f"{API}/{path}/?sensor={sensor_a.pk}"
        anonymous = APIClient().get(url)
        assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
        mine = jwt_client(plant.viewer_a).get(url)
        assert mine.status_code == 200 and mine.json()["count"] == 1, (path, mine.content)
        assert jwt_client(plant.admin).get(url).json()["count"] == 1
        other = jwt_client(plant.tech_b).get(url)
        assert other.status_code == 400 and "among those you may see" in other.json()["sensor"]
        assert jwt_client(plant.norole).get(url).status_code == 403


@pytest.mark.parametrize("path", ["alerts", "model-versions", "readings", "health-assessments"])
def test_read_only_endpoints_refuse_create_even_for_admin(plant, path):
    response = jwt_client(plant.admin).post(f"{API}/{path}/", {}, format="json")
    assert response.status_code == 405, (response.status_code, response.content)


def test_custom_actions_are_scoped_to_the_site(plant):
    wo = make_work_order(plant, "a")
    alert = make_alert(plant, "a")
    client = jwt_client(plant.tech_b)
    assert client.post(f"{API}/work-orders/{wo.pk}/transition/", {"status": "in_progress"},
                       format="json").status_code == 404
    assert client.post(f"{API}/alerts/{alert.pk}/acknowledge/").status_code == 404
    alert.refresh_from_db()
    wo.refresh_from_db()
    assert wo.status == "open" and alert.status == "open"
    # A technician may not promote a model, a manager may.
    mv = make_model_version(plant, "a")
    assert client.post(f"{API}/model-versions/{mv.pk}/promote/").status_code == 403
    assert jwt_client(plant.manager_a).post(f"{API}/model-versions/{mv.pk}/promote/").status_code == 200


# --- JWT ------------------------------------------------------------------------------------


def obtain(username, password=PASSWORD):
    return APIClient().post(f"{API}/auth/token/", {"username": username, "password": password}, format="json")


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_token_pair_is_obtained_with_the_password_and_works(plant):
    response = obtain("tech_a")
    assert response.status_code == 200
    pair = response.json()
    assert {"access", "refresh"} <= set(pair)
    me = bearer(pair["access"]).get(f"{API}/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "tech_a" and me.json()["role"] == "Technician"
    assert me.json()["sites"] == [plant.site_a.pk]


def test_bad_password_or_unknown_user_gets_401(plant):
    assert obtain("tech_a", "wrong-password").status_code == 401
    assert obtain("nobody-here").status_code == 401
    assert "access" not in obtain("tech_a", "wrong-password").json()


def test_expired_access_token_is_refused(plant):
    expired = AccessToken.for_user(plant.tech_a)
    expired.set_exp(lifetime=-timedelta(seconds=1))
    response = bearer(str(expired)).get(f"{API}/assets/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"

    # Same with a token made as if issued an hour ago (its 15-minute lifetime long gone).
    old = AccessToken.for_user(plant.tech_a)
    old.set_exp(from_time=timezone.now() - timedelta(hours=1))
    assert bearer(str(old)).get(f"{API}/assets/").status_code == 401

    # A fresh one is fine.
    assert bearer(str(AccessToken.for_user(plant.tech_a))).get(f"{API}/assets/").status_code == 200


def test_garbage_and_refresh_tokens_are_not_access_tokens(plant):
    assert bearer("not.a.jwt").get(f"{API}/assets/").status_code == 401
    refresh = RefreshToken.for_user(plant.tech_a)
    assert bearer(str(refresh)).get(f"{API}/assets/").status_code == 401
    forged = str(AccessToken.for_user(plant.tech_a))[:-4] + "AAAA"
    assert bearer(forged).get(f"{API}/assets/").status_code == 401


def test_refresh_rotates_and_the_used_refresh_token_is_refused(plant):
    pair = obtain("tech_a").json()
    client = APIClient()
    rotated = client.post(f"{API}/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh"] != pair["refresh"] and new["access"] != pair["access"]
    assert bearer(new["access"]).get(f"{API}/me/").status_code == 200
    # The used one is blacklisted on rotation.
    replay = client.post(f"{API}/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert replay.status_code == 401
    # The new one still works once.
    assert client.post(f"{API}/auth/token/refresh/", {"refresh": new["refresh"]}, format="json").status_code == 200


def test_revoked_refresh_token_cannot_be_refreshed(plant):
    pair = obtain("tech_a").json()
    client = APIClient()
    assert client.post(f"{API}/auth/token/revoke/", {"refresh": pair["refresh"]}, format="json").status_code == 200
    response = client.post(f"{API}/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 401
    # Revoking it again is refused too (it is already blacklisted).
    assert client.post(f"{API}/auth/token/revoke/", {"refresh": pair["refresh"]},
                       format="json").status_code == 401


# --- Work-order transitions ---------------------------------------------------------------


def test_illegal_transition_answers_409_naming_both_statuses(plant):
    wo = make_work_order(plant, "a")
    client = jwt_client(plant.tech_a)
    response = client.post(f"{API}/work-orders/{wo.pk}/transition/", {"status": "closed"}, format="json")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "Open" in detail and "Closed" in detail  # both statuses, in their labels
    wo.refresh_from_db()
    assert wo.status == "open" and wo.version == 1


def test_stale_version_answers_409(plant):
    wo = make_work_order(plant, "a")
    client = jwt_client(plant.tech_a)
    url = f"{API}/work-orders/{wo.pk}/transition/"
    ok = client.post(url, {"status": "in_progress", "version": 1}, format="json")
    assert ok.status_code == 200, ok.json()
    assert ok.json()["status"] == "in_progress" and ok.json()["version"] == 2
    stale = client.post(url, {"status": "on_hold", "version": 1}, format="json")
    assert stale.status_code == 409
    assert "version" in stale.json()["detail"]
    wo.refresh_from_db()
    assert wo.status == "in_progress" and wo.version == 2
    # With the current version the same move goes through.
    assert client.post(url, {"status": "on_hold", "version": 2}, format="json").status_code == 200


def test_viewer_cannot_transition(plant):
    wo = make_work_order(plant, "a")
    response = jwt_client(plant.viewer_a).post(f"{API}/work-orders/{wo.pk}/transition/", {"status": "in_progress"},
                                              format="json")
    assert response.status_code == 403


# --- Schema and docs ------------------------------------------------------------------------


def test_openapi_schema_is_served(plant):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "ProSyncHub API"
    for ep in ENDPOINTS:
        assert f"/api/v1/{ep.path}/" in schema["paths"]
        assert f"/api/v1/{ep.path}/{{id}}/" in schema["paths"]
    assert "/api/v1/work-orders/{id}/transition/" in schema["paths"]


def test_swagger_page_uses_the_self_hosted_bundle(plant):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/swagger-ui/" in html
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com"):
        assert cdn not in html
    bundle = APIClient().get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200


def test_filtering_by_another_sites_object_is_invalid_not_a_probe(plant):
    """``?asset=`` with another site's asset is answered like an id that does not exist."""
    client = jwt_client(plant.tech_b)
    for url in (f"/api/v1/work-orders/?asset={plant.asset_a.pk}", f"/api/v1/sensors/?asset={plant.asset_a.pk}",
                f"/api/v1/alerts/?site={plant.site_a.pk}"):
        r = client.get(url)
        assert r.status_code == 400, url
        assert "valid choice" in json.dumps(r.json())
    assert client.get(f"/api/v1/sensors/?asset={plant.asset_b.pk}").json()["count"] == 4
