"""Pages of the accounts app: the notifications inbox and preferences."""

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("read/", views.mark_read, name="mark-all-read"),
    path("<int:pk>/read/", views.mark_read, name="mark-read"),
    path("preferences/", views.preferences, name="notification-preferences"),
]
