"""The tables of the alert and alarm-rule lists."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html

from prosync.core.tables import Column, Table, link, pill


class AlertTable(Table):
    opened = Column("Opened", "opened_at", sort="opened_at", css="num")
    asset = Column("Asset", "asset__tag", sort=True, css="id",
                   cell=lambda a: link(a.asset.get_absolute_url(), a.asset.tag))
    title = Column("Alert", "title", css="title-cell", template="telemetry/cells/alert.html")
    message = Column("Details", "message", show=False)
    severity = Column("Severity", "severity", sort=True,
                      cell=lambda a: pill(f"sev-{a.severity}", a.get_severity_display()))
    status = Column("Status", "status", sort=True, cell=lambda a: format_html(
        "{}{}", a.get_status_display(),
        format_html(' <small class="muted">by {}</small>', a.acknowledged_by) if a.acknowledged_by_id else ""))
    closed = Column("Cleared", "closed_at", show=False)
    actions = Column("", css="hide-empty", template="telemetry/cells/alert_actions.html", csv=False)

    def row_class(self, alert) -> str:
        return f"sev-{alert.severity}"


class AlarmRuleTable(Table):
    name = Column("Rule", "name", sort=True, css="title-cell",
                  cell=lambda r: link(reverse("telemetry:rule-edit", args=[r.pk]), r.name))
    watches = Column("Watches", lambda r: f"{r.sensor.asset.tag} · {r.sensor.name}" if r.sensor_id
                     else f"every {r.category} at {r.site.code} · {r.metric}",
                     template="telemetry/cells/rule_watches.html")
    condition = Column("Condition", "describe", sort="condition")
    severity = Column("Severity", "severity", sort=True,
                      cell=lambda r: pill(f"sev-{r.severity}", r.get_severity_display()))
    state = Column("State", lambda r: "enabled" if r.is_enabled else "disabled", cell=lambda r: format_html(
        "{}{}", "Enabled" if r.is_enabled else format_html('<span class="muted">Disabled</span>'),
        format_html(' <small class="muted">· opens a work order</small>') if r.create_work_order else ""))
    updated = Column("Updated", "updated_at", sort="updated_at", show=False)

    def row_class(self, rule) -> str:
        return f"sev-{rule.severity}"
