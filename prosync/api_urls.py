"""The REST API under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api.views import MeView, TokenObtainView, TokenRevokeView, TokenRotateView
from assets.api.views import AssetCategoryViewSet, AssetViewSet, SiteViewSet
from predictions.api.views import FeedbackLabelViewSet, HealthAssessmentViewSet, ModelVersionViewSet, TrainingRunViewSet
from telemetry.api.alarms import AlarmRuleViewSet, AlarmStateViewSet, EventListView
from telemetry.api.views import AlertViewSet, BulkReadingsView, ReadingViewSet, SensorViewSet
from workorders.api.views import WorkOrderViewSet

router = DefaultRouter()
router.register("sites", SiteViewSet)
router.register("asset-categories", AssetCategoryViewSet)
router.register("assets", AssetViewSet)
router.register("work-orders", WorkOrderViewSet)
router.register("sensors", SensorViewSet)
router.register("readings", ReadingViewSet)
router.register("alerts", AlertViewSet)
router.register("alarm-rules", AlarmRuleViewSet)
router.register("alarm-states", AlarmStateViewSet)
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
    path("readings/bulk/", BulkReadingsView.as_view(), name="readings-bulk"),
    path("events/", EventListView.as_view(), name="events"),
    path("", include(router.urls)),
]
