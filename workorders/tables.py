"""The tables of the work lists: work orders, requests, preventive schedules and projects."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from prosync.core import humanize
from prosync.core.tables import EMPTY, Column, Table, link, pill
from workorders.models import WorkOrder


def _asset(obj) -> str:
    return link(obj.asset.get_absolute_url(), obj.asset.tag) if obj.asset_id else EMPTY


def _due(wo: WorkOrder) -> str:
    if not wo.due_at:
        return EMPTY
    overdue = WorkOrder.overdue(wo.status, wo.due_at, timezone.now())
    return format_html("{}{}", humanize.when(wo.due_at, "date"),
                       format_html(' <span class="pill late">{}</span>', _("Overdue")) if overdue else "")


class WorkOrderTable(Table):
    number = Column("Number", "number", css="id", cell=lambda wo: link(wo.get_absolute_url(), wo.number),
                    read=("pk", WorkOrder.number_of))
    title = Column("Title", "title", css="title-cell")
    asset = Column("Asset", "asset__tag", sort=True, css="id", cell=_asset)
    kind = Column("Type", "kind")
    priority = Column("Priority", "priority", sort=True,
                      cell=lambda wo: pill(f"prio-{wo.priority}", wo.get_priority_display()))
    status = Column("Status", "status", sort=True, cell=lambda wo: pill(f"st-{wo.status}", wo.get_status_display()))
    assignee = Column("Assignee", "assignee")
    due = Column("Due", "due_at", sort="due_at", css="num", cell=_due)
    created = Column("Created", "created_at", sort="created_at", css="num")
    site = Column("Site", "site__name", show=False)
    asset_name = Column("Asset name", "asset__name", show=False)

    def row_class(self, wo) -> str:
        return "overdue" if WorkOrder.overdue(wo.status, wo.due_at, timezone.now()) else ""


class WorkRequestTable(Table):
    number = Column("Number", "number", css="id", cell=lambda wr: link(wr.get_absolute_url(), wr.number))
    title = Column("Request", "title", sort=True, css="title-cell")
    asset = Column("Asset", lambda wr: wr.asset.tag if wr.asset_id else str(wr.site), sort="asset__tag", css="id",
                   cell=lambda wr: _asset(wr) if wr.asset_id else str(wr.site))
    reporter = Column("From", "reporter", cell=lambda wr: format_html(
        "{}{}", wr.reporter, pill("", "QR") if wr.channel == "qr" else ""))
    priority = Column("Priority", "priority", sort=True,
                      cell=lambda wr: pill(f"prio-{wr.priority}", wr.get_priority_display()))
    status = Column("Status", "status", sort=True, cell=lambda wr: format_html(
        "{}{}", pill(f"rq-{wr.status}", wr.get_status_display()),
        format_html(" → {}", link(wr.work_order.get_absolute_url(), wr.work_order.number))
        if wr.work_order_id else ""))
    created = Column("Submitted", "created_at", sort="created_at", css="num")


class PreventiveScheduleTable(Table):
    title = Column("Schedule", "title", sort=True, css="title-cell",
                   cell=lambda pm: link(pm.get_absolute_url(), pm.title))
    asset = Column("Asset", "asset__tag", sort=True, css="id", cell=_asset)
    trigger = Column("Rule", "rule", sort="trigger")
    assignee = Column("Assignee", "assignee")
    # Worked out for the page's rows (the view sets them), so not exported.
    last_due = Column("Last due", lambda pm: pm.last_occurrence.due_at.date() if pm.last_occurrence else None,
                      css="num", csv=False)
    compliance = Column("Compliance", css="num", template="workorders/cells/pm_compliance.html")
    active = Column("Active", lambda pm: "yes" if pm.active else "paused")


class ProjectTable(Table):
    name = Column("Project", "name", sort=True, css="title-cell", cell=lambda p: link(p.get_absolute_url(), p.name))
    site = Column("Site", "site")
    starts = Column("Starts", "starts_on", sort="starts_on", css="num")
    ends = Column("Ends", "ends_on", sort="ends_on", css="num")
    status = Column("Status", "status", sort=True, cell=lambda p: pill(f"pj-{p.status}", p.get_status_display()))
    progress = Column("Progress", template="workorders/cells/project_progress.html")  # set by the view for a page


class FailureCodeTable(Table):
    """The catalogue on the settings page; deactivated codes stay listed, greyed."""

    code = Column("Code", "code", sort=True, css="id", cell=lambda c: link(reverse("work-settings:code-edit",
                                                                                  args=[c.pk]), c.code))
    kind = Column("Type", "kind", sort=True)
    description = Column("Description", "description", sort=True)
    category = Column("For", lambda c: c.category.name if c.category_id else "Every category",
                      sort="category__name")
    active = Column("Offered on orders", lambda c: "Yes" if c.active else "No (deactivated)", sort=True)

    def row_class(self, obj) -> str:
        return "" if obj.active else "code-inactive"
