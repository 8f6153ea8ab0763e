"""Administration pages: people, invitations, instance settings, and the set-password link."""

from django.urls import path

from accounts import views_people

app_name = "people"
urlpatterns = [
    path("people/", views_people.PersonListView.as_view(), name="list"),
    path("people/invite/", views_people.invite, name="invite"),
    path("people/<int:pk>/", views_people.edit, name="edit"),
    path("people/<int:pk>/active/", views_people.set_active, name="set-active"),
    path("people/<int:pk>/password/", views_people.reset_password, name="reset-password"),
    path("settings/", views_people.settings_page, name="settings"),
    path("me/", views_people.own_preferences, name="my-preferences"),
    path("password/<str:token>/", views_people.set_password, name="set-password"),
]
