"""The reports package as an app: its export jobs and report subscriptions, and the list export
formats it plugs into the kernel's list pages."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "prosync.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from prosync.core.generic import LIST_EXPORTERS
        from prosync.reports import export_views

        LIST_EXPORTERS.update(xlsx=export_views.export_list_xlsx, pdf=export_views.export_list_pdf)
