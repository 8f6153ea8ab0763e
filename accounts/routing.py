"""WebSocket routes of the accounts app: the live notifications inbox."""

from django.urls import path

from accounts.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
