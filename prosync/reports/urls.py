"""The report pages: /reports/ and /reports/<family>/ (the exports live beside them)."""

from django.urls import path

from prosync.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("trends/", views.trends, name="trends"),  # the dashboard's charts, loaded after the page
    path("<slug:family>/", views.family, name="family"),
]
