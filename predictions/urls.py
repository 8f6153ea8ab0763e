from django.urls import path

from predictions import views

app_name = "predictions"
urlpatterns = [path("models/", views.ModelRegistryView.as_view(), name="models")]
