"""The four roles and what each may do, by app label and model, kept as data so that the
accounts app needs no import of the apps above it."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "Admin", "Admin"
    MANAGER = "Manager", "Manager (planner)"
    TECHNICIAN = "Technician", "Technician"
    VIEWER = "Viewer", "Viewer"


DOMAIN_APPS = ("accounts", "assets", "workorders", "telemetry", "predictions")

# (app_label, model_name or "*", actions). Roles sync after every migrate.
ROLE_PERMISSIONS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    Role.ADMIN: [(app, "*", ("view", "add", "change", "delete")) for app in DOMAIN_APPS],
    Role.MANAGER: [
        *[(app, "*", ("view", "add", "change", "delete")) for app in ("assets", "workorders", "telemetry")],
        ("predictions", "*", ("view", "add", "change")),
        # The people of their own sites (accounts.services keeps them off Admins and other sites).
        ("accounts", "user", ("view", "add", "change")),
    ],
    Role.TECHNICIAN: [
        *[(app, "*", ("view",)) for app in ("assets", "workorders", "telemetry", "predictions")],
        ("workorders", "workorder", ("add", "change")),
        ("workorders", "workrequest", ("add",)),
        # On the floor: report a breakdown (status change), read meters, photograph equipment.
        ("assets", "assetstatuschange", ("add",)),
        ("assets", "meterreading", ("add",)),
        ("assets", "assetdocument", ("add",)),
        ("assets", "stockmovement", ("add",)),  # issue and return spare parts for their work
        # The technician's own work on an order: checks, comments, photos, time.
        *[("workorders", m, ("add", "change")) for m in ("checklistitem", "comment", "attachment", "partusage")],
        *[("workorders", m, ("add", "change", "delete")) for m in ("timeentry", "savedview")],
        ("telemetry", "reading", ("add",)),
        ("telemetry", "alert", ("change",)),
        ("accounts", "user", ("view",)),
    ],
    Role.VIEWER: [*[(app, "*", ("view",)) for app in ("assets", "workorders", "telemetry", "predictions")],
                  ("workorders", "savedview", ("add", "change", "delete")),  # personal list filters
                  ("workorders", "workrequest", ("add",))],  # anyone with an account may report a problem
}

# Taken back from every other role whatever its grants above say: the sites themselves (and so
# which plants exist at all) are the Admins' (``sync_role_groups`` applies this).
ADMIN_ONLY: list[tuple[str, str, tuple[str, ...]]] = [("assets", "site", ("add", "change", "delete"))]

# Everyone's own inbox (``Notification.objects.for_user`` keeps it to the recipient).
PERSONAL_PERMISSIONS = [("accounts", "notification", ("view", "change"))]
for _grants in ROLE_PERMISSIONS.values():
    _grants.extend(PERSONAL_PERMISSIONS)
