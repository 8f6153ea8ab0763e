"""The access profile (role, sites, permissions) is cached between requests; a change of role,
of a group's permissions or of a site membership must show on the very next request."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import SiteMembership
from accounts.roles import Role
from accounts.services import set_role
from conftest import session_client

pytestmark = pytest.mark.django_db


def test_page_reads_no_access_tables_once_cached(plant):
    client = session_client(plant.manager_a)
    assert client.get("/assets/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/assets/").status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "auth_permission" not in tables and "accounts_sitemembership" not in tables and "auth_group" not in tables


def test_role_change_applies_on_next_request(plant):
    client = session_client(plant.tech_a)
    assert client.get(f"/assets/{plant.asset_a.pk}/edit/").status_code == 403  # a Technician may not edit assets
    set_role(plant.tech_a, Role.MANAGER)
    assert client.get(f"/assets/{plant.asset_a.pk}/edit/").status_code == 200
    set_role(plant.tech_a, Role.VIEWER)
    assert client.get(f"/assets/{plant.asset_a.pk}/edit/").status_code == 403


def test_group_permission_change_applies_on_next_request(plant):
    client = session_client(plant.viewer_a)
    assert client.get("/api/v1/assets/").status_code == 200
    Group.objects.get(name=Role.VIEWER).permissions.remove(Permission.objects.get(codename="view_asset"))
    assert client.get("/api/v1/assets/").status_code == 403


def test_membership_change_applies_on_next_request(plant):
    client = session_client(plant.manager_a)
    assert plant.asset_b.tag not in client.get("/assets/").content.decode()
    SiteMembership.objects.create(user=plant.manager_a, site=plant.site_b)
    assert plant.asset_b.tag in client.get("/assets/").content.decode()
    SiteMembership.objects.filter(user=plant.manager_a, site=plant.site_b).delete()
    assert client.get(f"/assets/{plant.asset_b.pk}/").status_code == 404


def test_superuser_flag_applies_on_next_request(plant):
    manager = plant.manager_a
    manager.is_superuser = True
    manager.save()
    client = session_client(manager)
    assert client.get(f"/assets/{plant.asset_b.pk}/").status_code == 200  # every site, every permission
    manager.is_superuser = False
    manager.save()
    assert client.get(f"/assets/{plant.asset_b.pk}/").status_code == 404
    # A fresh instance reads its permissions from the cache: none left over from the superuser days.
    assert not type(manager).objects.get(pk=manager.pk).has_perm("accounts.delete_user")


def test_role_change_in_the_same_request_reads_afresh(plant):
    user = plant.tech_a
    assert user.role == Role.TECHNICIAN and not user.has_perm("assets.change_asset")
    set_role(user, Role.MANAGER)
    assert user.role == Role.MANAGER and user.has_perm("assets.change_asset")
