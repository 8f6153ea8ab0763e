from django.urls import path

from workorders import views

app_name = "workorders"
urlpatterns = [
    path("", views.WorkOrderListView.as_view(), name="list"),
    path("<int:pk>/", views.WorkOrderDetailView.as_view(), name="detail"),
    path("<int:pk>/transition/", views.transition, name="transition"),
]
