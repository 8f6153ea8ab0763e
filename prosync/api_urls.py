"""The REST API under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api.views import MeView, TokenObtainView, TokenRevokeView, TokenRotateView
from assets.api.imports import ImportView
from assets.api.parts import (
    BomLineViewSet,
    PartViewSet,
    StockLevelViewSet,
    StockMovementViewSet,
    StoreroomViewSet,
)
from assets.api.views import (
    AssetCategoryViewSet,
    AssetDocumentViewSet,
    AssetStatusChangeViewSet,
    AssetViewSet,
    DowntimeViewSet,
    LocationViewSet,
    MeterReadingViewSet,
    MeterViewSet,
    SiteViewSet,
)
from predictions.api.views import FeedbackLabelViewSet, HealthAssessmentViewSet, ModelVersionViewSet, TrainingRunViewSet
from prosync.api_search import SearchView
from prosync.core.ws_auth import WebSocketTicketView
from prosync.reports.api import ReportKpiView, ReportListView
from telemetry.api.alarms import AlarmRuleViewSet, AlarmStateViewSet, DerivedMeterViewSet, EventListView
from telemetry.api.store import (
    CsvImportViewSet,
    GatewayViewSet,
    ReadingViewSet,
    RollupHourViewSet,
    RollupMinuteViewSet,
    SeriesView,
)
from telemetry.api.views import AlertViewSet, BulkReadingsView, SensorViewSet
from workorders.api.views import (
    ChecklistTemplateViewSet,
    FailureCodeViewSet,
    LabourRateViewSet,
    SavedViewViewSet,
    SlaPolicyViewSet,
    StatusChangeViewSet,
    TeamViewSet,
    WorkOrderViewSet,
)

router = DefaultRouter()
router.register("sites", SiteViewSet)
router.register("asset-categories", AssetCategoryViewSet)
router.register("assets", AssetViewSet)
router.register("locations", LocationViewSet)
router.register("asset-status-changes", AssetStatusChangeViewSet)
router.register("downtime", DowntimeViewSet)
router.register("meters", MeterViewSet)
router.register("meter-readings", MeterReadingViewSet)
router.register("asset-documents", AssetDocumentViewSet)
router.register("parts", PartViewSet)
router.register("storerooms", StoreroomViewSet)
router.register("stock-levels", StockLevelViewSet)
router.register("stock-movements", StockMovementViewSet)
router.register("bom-lines", BomLineViewSet)
router.register("work-orders", WorkOrderViewSet)
router.register("teams", TeamViewSet)
router.register("sla-policies", SlaPolicyViewSet)
router.register("failure-codes", FailureCodeViewSet)
router.register("checklist-templates", ChecklistTemplateViewSet)
router.register("labour-rates", LabourRateViewSet)
router.register("saved-views", SavedViewViewSet, basename="savedview")
router.register("status-changes", StatusChangeViewSet)
router.register("sensors", SensorViewSet)
router.register("readings", ReadingViewSet, basename="reading")
router.register("reading-rollups-1m", RollupMinuteViewSet, basename="readingrollupminute")
router.register("reading-rollups-1h", RollupHourViewSet, basename="readingrolluphour")
router.register("gateways", GatewayViewSet)
router.register("csv-imports", CsvImportViewSet)
router.register("alerts", AlertViewSet)
router.register("alarm-rules", AlarmRuleViewSet)
router.register("alarm-states", AlarmStateViewSet)
router.register("derived-meters", DerivedMeterViewSet)
router.register("model-versions", ModelVersionViewSet)
router.register("health-assessments", HealthAssessmentViewSet)
router.register("feedback-labels", FeedbackLabelViewSet)
router.register("training-runs", TrainingRunViewSet)

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", TokenRotateView.as_view(), name="token-refresh"),
    path("auth/token/revoke/", TokenRevokeView.as_view(), name="token-revoke"),
    path("me/", MeView.as_view(), name="me"),
    path("ws-ticket/", WebSocketTicketView.as_view(), name="ws-ticket"),
    path("", include("accounts.api.urls")),  # notifications
    path("", include("workorders.api.planning_urls")),  # requests, preventive schedules, projects
    path("imports/<slug:kind>/", ImportView.as_view(), name="import"),
    path("readings/bulk/", BulkReadingsView.as_view(), name="readings-bulk"),
    path("sensors/<int:pk>/series/", SeriesView.as_view(), name="sensor-series"),
    path("events/", EventListView.as_view(), name="events"),
    path("reports/", ReportListView.as_view(), name="report-list"),
    path("reports/<slug:kpi>/", ReportKpiView.as_view(), name="report-kpi"),
    path("search/", SearchView.as_view(), name="search"),
    path("", include("workorders.api.urls")),
    path("", include(router.urls)),
]
