"""WebSocket routes of the live asset, site and activity feeds."""

from django.urls import path

from telemetry.consumers import AssetConsumer, SiteConsumer

websocket_urlpatterns = [
    path("ws/assets/<int:pk>/", AssetConsumer.as_asgi()),
    path("ws/sites/<int:pk>/", SiteConsumer.as_asgi()),
]
