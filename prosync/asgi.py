"""ASGI entry point: HTTP through Django, WebSockets through Channels (origin-checked, authenticated)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prosync.settings")
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402

if settings.PRODUCTION:
    from prosync.checks import refuse_to_start_with_a_published_key

    refuse_to_start_with_a_published_key()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from prosync.core.body_limit import BodySizeLimit  # noqa: E402
from prosync.core.ws_auth import AuthStack  # noqa: E402
from prosync.heap import freeze_startup_objects  # noqa: E402
from prosync.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter({
    "http": BodySizeLimit(django_asgi_app),
    "websocket": AllowedHostsOriginValidator(AuthStack(URLRouter(websocket_urlpatterns))),
})

freeze_startup_objects()
