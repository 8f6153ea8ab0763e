"""ProSyncHub project package: settings, URLs, ASGI, Celery app and shared base classes."""

from prosync.celery import app as celery_app

__all__ = ["celery_app"]
