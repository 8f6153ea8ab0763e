"""Pages of the telemetry app: alerts, alarm rules, activity and CSV imports."""

from django.urls import path

from telemetry import alarm_views, import_views, views

app_name = "telemetry"
urlpatterns = [
    path("", views.AlertListView.as_view(), name="alerts"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("rules/", alarm_views.AlarmRuleListView.as_view(), name="rules"),
    path("rules/new/", alarm_views.rule_create, name="rule-create"),
    path("rules/<int:pk>/", alarm_views.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/delete/", alarm_views.rule_delete, name="rule-delete"),
    path("activity/", alarm_views.activity, name="activity"),
    path("imports/", import_views.csv_imports, name="csv-imports"),
    path("imports/<int:pk>/", import_views.csv_import, name="csv-import"),
]
