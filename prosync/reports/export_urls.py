"""Export URLs: report files beside the report pages, the printable work order, export jobs,
subscriptions and shared links."""

from django.urls import path

from prosync.reports import export_views as views

app_name = "exports"

urlpatterns = [
    path("reports/subscriptions/", views.subscriptions, name="subscriptions"),
    path("reports/subscriptions/<int:pk>/toggle/", views.subscription_toggle, name="subscription-toggle"),
    path("reports/subscriptions/<int:pk>/delete/", views.subscription_delete, name="subscription-delete"),
    path("reports/shared/<str:token>/", views.shared_report, name="shared"),
    path("reports/<slug:family>/export.<slug:fmt>", views.report_export, name="report"),
    path("reports/<slug:family>/share/", views.report_share, name="share"),
    path("work-orders/<int:pk>/print.pdf", views.workorder_pdf, name="workorder-pdf"),
    path("exports/", views.export_jobs, name="jobs"),
    path("exports/<int:pk>/", views.export_job, name="job"),
    path("exports/<int:pk>/download/", views.export_download, name="download"),
]
