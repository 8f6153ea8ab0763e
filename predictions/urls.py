"""Pages of the predictions app: models and their training."""

from django.urls import path

from predictions import views

app_name = "predictions"
urlpatterns = [
    path("models/", views.ModelRegistryView.as_view(), name="models"),
    path("models/<int:pk>/", views.ModelDetailView.as_view(), name="model"),
    path("models/<int:pk>/promote/", views.promote, name="promote"),
    path("training/", views.training_runs, name="training-runs"),
    path("training/start/", views.train, name="train"),
]
