"""WebSocket routes of every app."""

from telemetry.routing import websocket_urlpatterns as telemetry_routes

websocket_urlpatterns = [*telemetry_routes]
