"""Sub-resources of one work order (/work-orders/<id>/comments/ and so on), included by
prosync/api_urls.py under /api/v1/; the top-level work-order viewsets are registered there."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from workorders.api import views

children = SimpleRouter()
children.register("checklist-items", views.ChecklistItemViewSet, basename="workorder-checklistitem")
children.register("comments", views.CommentViewSet, basename="workorder-comment")
children.register("attachments", views.AttachmentViewSet, basename="workorder-attachment")
children.register("time-entries", views.TimeEntryViewSet, basename="workorder-timeentry")
children.register("parts", views.PartUsageViewSet, basename="workorder-partusage")

urlpatterns = [path("work-orders/<int:work_order_pk>/", include(children.urls))]
