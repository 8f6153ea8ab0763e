"""API routes of requests, preventive schedules and projects, included by prosync/api_urls.py."""

from rest_framework.routers import SimpleRouter

from workorders.api import planning

router = SimpleRouter()
router.register("work-requests", planning.WorkRequestViewSet)
router.register("pm-schedules", planning.PreventiveScheduleViewSet)
router.register("pm-occurrences", planning.PMOccurrenceViewSet)
router.register("projects", planning.ProjectViewSet)

urlpatterns = router.urls
