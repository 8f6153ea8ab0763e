"""The project's URLs: every app's pages, the API, its schema and the health checks."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.sign_in import SignInForm
from prosync import views, views_search
from prosync.core import selects
from workorders.views_planning import public_report, track_request

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("start/", views.start, name="start"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=SignInForm),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("assets.urls")),  # /assets/... and the QR label URLs /a/<token>/
    path("work-orders/", include("workorders.urls")),
    # The short public address of an asset's problem-report form (also at workorders:report).
    path("report/<uuid:token>/", public_report, name="public-report"),
    # A requester's tracking link (signed: the request's number alone does not open it).
    path("track/<str:token>/", track_request, name="track-request"),
    path("notifications/", include("accounts.urls")),
    path("manage/", include("accounts.urls_people")),  # people, invitations, instance settings
    path("manage/work/", include("workorders.urls_settings")),  # response times, codes, checklists
    path("choices/<slug:kind>/", selects.choices, name="choices"),
    path("search/", views_search.search_page, name="search"),
    path("alerts/", include("telemetry.urls")),
    path("predictions/", include("predictions.urls")),
    path("", include("prosync.reports.export_urls")),  # report files, print, export jobs, shared links
    path("reports/", include("prosync.reports.urls")),
    path("api/v1/", include("prosync.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up code as a script of its own, which the CSP allows.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler500 = "prosync.views.server_error"
