"""WebSocket routes of every app."""

from accounts.routing import websocket_urlpatterns as accounts_routes
from telemetry.routing import websocket_urlpatterns as telemetry_routes

websocket_urlpatterns = [*telemetry_routes, *accounts_routes]
