"""With Redis unreachable (cache, channel layer and throttle counters all point at a closed port),
the register and the work orders keep working: writes commit, pages render, only the live push
and the cached access profiles are lost until Redis is back."""

from __future__ import annotations

import socket

import pytest
from django.conf import settings
from django.test import override_settings

from assets import services as asset_services
from assets.models import Asset
from workorders import services as workorder_services
from workorders.choices import WorkOrderStatus
from workorders.models import WorkOrder


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_down():
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    caches = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    layers = {"default": {**settings.CHANNEL_LAYERS["default"],
                          "CONFIG": {**settings.CHANNEL_LAYERS["default"]["CONFIG"], "hosts": [url]}}}
    with override_settings(CACHES=caches, CHANNEL_LAYERS=layers):
        from django.core.cache import cache

        with pytest.raises(Exception):  # noqa: B017  (whatever redis-py raises: the point is that it is down)
            cache.get("anything")
        yield


def test_saving_an_asset_and_completing_an_order_succeed_with_redis_down(plant, client, redis_down,
                                                                        django_capture_on_commit_callbacks):
    asset = plant.asset_a
    with django_capture_on_commit_callbacks(execute=True):
        asset.name = "Feed pump (saved by the ORM)"
        asset.save()
        asset_services.update_asset(asset, actor=plant.manager_a, name="Feed pump A")
        wo = workorder_services.create_work_order(actor=plant.manager_a, asset=asset, title="Check seal",
                                                  kind="inspection")
        workorder_services.transition_work_order(wo, WorkOrderStatus.IN_PROGRESS, actor=plant.tech_a)
        workorder_services.transition_work_order(wo, WorkOrderStatus.COMPLETED, actor=plant.tech_a)
    assert Asset.objects.get(pk=asset.pk).name == "Feed pump A"
    assert WorkOrder.objects.get(pk=wo.pk).status == WorkOrderStatus.COMPLETED

    client.force_login(plant.tech_a)
    page = client.get(f"/assets/{asset.pk}/")
    assert page.status_code == 200 and b"Feed pump A" in page.content
    page = client.get(f"/work-orders/{wo.pk}/")
    assert page.status_code == 200 and b"Check seal" in page.content
