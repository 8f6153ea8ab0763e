"""Work settings pages under administration: response times, failure codes, checklist templates."""

from django.urls import path

from workorders import views_settings

app_name = "work-settings"
urlpatterns = [
    path("response-times/", views_settings.resolution_times, name="sla"),
    path("codes/", views_settings.FailureCodeListView.as_view(), name="codes"),
    path("codes/new/", views_settings.code_edit, name="code-new"),
    path("codes/<int:pk>/", views_settings.code_edit, name="code-edit"),
    path("codes/<int:pk>/active/", views_settings.code_active, name="code-active"),
    path("checklists/", views_settings.checklists, name="checklists"),
    path("checklists/<int:pk>/", views_settings.checklist, name="checklist"),
    path("checklists/<int:pk>/items/", views_settings.checklist_item, name="checklist-item-new"),
    path("checklists/<int:pk>/items/<int:item_pk>/", views_settings.checklist_item, name="checklist-item"),
    path("checklists/<int:pk>/items/<int:item_pk>/move/", views_settings.checklist_item_move,
         name="checklist-item-move"),
    path("checklists/<int:pk>/items/<int:item_pk>/delete/", views_settings.checklist_item_delete,
         name="checklist-item-delete"),
]
