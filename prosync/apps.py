"""The project package as an app: the commands that span every app."""

from django.apps import AppConfig


class ProsyncConfig(AppConfig):
    """The project package as an app: it holds the commands that span every app (the demo plant)."""

    name = "prosync"
    verbose_name = "ProSyncHub"

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from prosync import checks  # noqa: F401  (registers the deployment checks)

        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
