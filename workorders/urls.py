"""Pages of the work-order app: list, board, calendar, my work, order pages and planning."""

from django.urls import path

from workorders import views, views_planning

app_name = "workorders"
urlpatterns = [
    path("", views.WorkOrderListView.as_view(), name="list"),
    path("<int:pk>/", views.WorkOrderDetailView.as_view(), name="detail"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("new/", views.create_work_order, name="create"),
    path("board/", views.board, name="board"),
    path("calendar/", views.calendar, name="calendar"),
    path("my/", views.my_work, name="my-work"),
    path("scan/", views.scan, name="scan"),
    path("time/", views.time_report, name="time"),
    path("views/save/", views.save_view, name="save-view"),
    path("views/<int:pk>/delete/", views.delete_view, name="delete-view"),
    path("<int:pk>/edit/", views.edit_work_order, name="edit"),
    path("<int:pk>/dependencies/", views.add_dependency, name="add-dependency"),
    path("<int:pk>/dependencies/<int:blocker_pk>/remove/", views.remove_dependency, name="remove-dependency"),
    path("<int:pk>/checklist/", views.attach_checklist, name="attach-checklist"),
    path("<int:pk>/checklist/<int:item_pk>/", views.record_check, name="record-check"),
    path("<int:pk>/checklist/<int:item_pk>/follow-up/", views.create_follow_up, name="follow-up"),
    path("<int:pk>/comments/", views.add_comment, name="add-comment"),
    path("<int:pk>/attachments/", views.add_attachment, name="add-attachment"),
    path("<int:pk>/timer/start/", views.start_timer, name="timer-start"),
    path("<int:pk>/timer/stop/", views.stop_timer, name="timer-stop"),
    path("<int:pk>/time/", views.log_time, name="log-time"),
    path("<int:pk>/parts/", views.issue_part, name="issue-part"),
    path("<int:pk>/parts/<int:usage_pk>/return/", views.return_part, name="return-part"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment-file"),
    path("checklist-photos/<int:pk>/", views.checklist_photo, name="checklist-photo"),
    # Requests, preventive maintenance, projects (views_planning).
    path("requests/", views_planning.WorkRequestListView.as_view(), name="requests"),
    path("requests/new/", views_planning.request_new, name="request-new"),
    path("requests/<int:pk>/", views_planning.WorkRequestDetailView.as_view(), name="request-detail"),
    path("requests/<int:pk>/approve/", views_planning.request_approve, name="request-approve"),
    path("requests/<int:pk>/reject/", views_planning.request_reject, name="request-reject"),
    path("report/<uuid:token>/", views_planning.public_report, name="report"),
    path("preventive/", views_planning.PreventiveScheduleListView.as_view(), name="pm-list"),
    path("preventive/new/", views_planning.pm_edit, name="pm-new"),
    path("preventive/<int:pk>/", views_planning.PreventiveScheduleDetailView.as_view(), name="pm-detail"),
    path("preventive/<int:pk>/edit/", views_planning.pm_edit, name="pm-edit"),
    path("preventive/<int:pk>/generate/", views_planning.pm_generate, name="pm-generate"),
    path("projects/", views_planning.ProjectListView.as_view(), name="projects"),
    path("projects/new/", views_planning.project_edit, name="project-new"),
    path("projects/<int:pk>/", views_planning.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<int:pk>/edit/", views_planning.project_edit, name="project-edit"),
    path("projects/<int:pk>/orders/", views_planning.project_add_orders, name="project-add-orders"),
    path("projects/<int:pk>/orders/<int:wo_pk>/remove/", views_planning.project_remove_order,
         name="project-remove-order"),
]
