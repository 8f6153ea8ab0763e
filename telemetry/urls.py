from django.urls import path

from telemetry import views

app_name = "telemetry"
urlpatterns = [
    path("", views.AlertListView.as_view(), name="alerts"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
]
