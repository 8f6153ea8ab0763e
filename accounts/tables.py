"""Columns of the notification inbox."""

from __future__ import annotations

from prosync.core.tables import Column, Table


class NotificationTable(Table):
    """The inbox is drawn as a list (accounts/_inbox_list.html); these columns sort and export it."""

    created = Column("Received", "created_at", sort="created_at")
    kind = Column("Kind", "kind")
    title = Column("Title", "title")
    body = Column("Message", "body")
    read = Column("Read", "read_at")
