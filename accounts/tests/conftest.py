"""A small plant for the people tests: two sites, one person of each role (no sensors)."""

import pytest

from conftest import PASSWORD, Plant


@pytest.fixture
def people(db) -> Plant:
    from accounts.roles import Role
    from accounts.services import create_user
    from assets.models import Asset, AssetCategory, Site

    site_a = Site.objects.create(code="alpha", name="Alpha Plant")
    site_b = Site.objects.create(code="bravo", name="Bravo Plant")
    category = AssetCategory.objects.create(name="Centrifugal pump")
    asset_a = Asset.objects.create(site=site_a, category=category, tag="P-100", name="Feed pump A")
    asset_b = Asset.objects.create(site=site_b, category=category, tag="P-200", name="Feed pump B")

    def user(name, role, sites):
        return create_user(username=name, password=PASSWORD, role=role, site_ids=[s.pk for s in sites],
                           email=f"{name}@example.com")

    return Plant(site_a=site_a, site_b=site_b, category=category, asset_a=asset_a, child_a=None, asset_b=asset_b,
                 sensors_a={}, sensors_b={}, admin=user("admin1", Role.ADMIN, []),
                 manager_a=user("manager_a", Role.MANAGER, [site_a]), tech_a=user("tech_a", Role.TECHNICIAN, [site_a]),
                 tech_b=user("tech_b", Role.TECHNICIAN, [site_b]), viewer_a=user("viewer_a", Role.VIEWER, [site_a]),
                 norole=None)
