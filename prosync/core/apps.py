from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The kernel as an app: its template tags (sortable headers, search selects) load from here."""

    name = "prosync.core"
    label = "core"
    verbose_name = "ProSyncHub kernel"
