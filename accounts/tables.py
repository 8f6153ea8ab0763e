"""Columns of the notification inbox and of the people list."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html

from prosync.core.tables import EMPTY, Column, Table, link, pill


class NotificationTable(Table):
    """The inbox is drawn as a list (accounts/_inbox_list.html); these columns sort and export it."""

    created = Column("Received", "created_at", sort="created_at")
    kind = Column("Kind", "kind")
    title = Column("Title", "title")
    body = Column("Message", "body")
    read = Column("Read", "read_at")


def person_status(user) -> str:
    if not user.is_active:
        return "Deactivated"
    if not user.has_usable_password() and user.last_login is None:
        return "Invited"
    return "Active"


_STATUS_CSS = {"Active": "status-active", "Invited": "status-invited", "Deactivated": "status-deactivated"}


def role_of(user) -> str:
    """The role from the prefetched groups (``User.role`` reads each row's access profile)."""
    from accounts.roles import Role

    names = {g.name for g in user.groups.all()}
    found = next((role for role in Role.values if role in names), None)
    return found or (Role.ADMIN if user.is_superuser else "")


def _sites(user) -> str:
    return ", ".join(sorted(m.site.name for m in user.memberships.all()))


def hours(value) -> str:
    """40 rather than 40.0; 37.5 stays."""
    return f"{value.normalize():f}" if value is not None else ""


def _name(user) -> str:
    name = link(reverse("people:edit", args=[user.pk]), user.get_full_name() or user.username)
    sub = user.job_title
    return format_html('{}<br><span class="muted small">{}</span>', name, sub) if sub else name


class PersonTable(Table):
    name = Column("Name", lambda u: u.get_full_name() or u.username, sort="last_name", cell=_name)
    email = Column("E-mail", "email", sort="email")
    role = Column("Role", lambda u: role_of(u) or "No role")
    sites = Column("Sites", lambda u: "All sites" if role_of(u) == "Admin" else (_sites(u) or EMPTY))
    capacity = Column("Capacity (h/week)", "weekly_capacity_hours", sort="weekly_capacity_hours", css="num",
                      cell=lambda u: format_html("{} h/week", hours(u.weekly_capacity_hours)),
                      csv=lambda u: hours(u.weekly_capacity_hours))
    status = Column("Status", person_status, cell=lambda u: pill(_STATUS_CSS[person_status(u)], person_status(u)))
    last_login = Column("Last sign-in", "last_login", sort="last_login")
