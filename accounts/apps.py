"""The accounts app; it plugs the audit writer and the people search into the kernel."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    from django.apps import apps

    # post_migrate is sent once per app; by the last one every model's permissions exist.
    if sender is list(apps.get_app_configs())[-1]:
        from accounts.services import sync_role_groups

        sync_role_groups()


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts import access, sign_in
        from accounts.models import IdempotentRequest, User
        from accounts.services import write_audit
        from prosync.core import idempotency, recording, selects

        access.connect_signals()
        sign_in.connect_signals()
        recording.register("audit", write_audit)
        idempotency.register(IdempotentRequest)
        selects.register("people", User, search=("username", "first_name", "last_name"), order_by=("username",))
        # After every migrate, so permissions of models added later reach the roles too.
        post_migrate.connect(_sync_roles, dispatch_uid="accounts.sync_roles")
