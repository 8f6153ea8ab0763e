"""Asset pages under /assets/, and the short label URL /a/<qr_token>/ that QR codes encode
(mounted at the site root so that the codes stay small)."""

from django.urls import include, path

from assets import views
from assets.urls_parts import part_patterns

app_name = "assets"

asset_patterns = [
    path("", views.AssetListView.as_view(), name="list"),
    *part_patterns,
    path("new/", views.asset_create, name="create"),
    path("labels/", views.label_sheet, name="labels"),
    path("downtime/", views.DowntimeListView.as_view(), name="downtime-list"),
    path("locations/", views.location_tree_view, name="locations"),
    path("locations/new/", views.location_create, name="location-create"),
    path("locations/<int:pk>/", views.location_detail, name="location-detail"),
    path("documents/<int:pk>/", views.document_download, name="document-download"),
    path("documents/<int:pk>/preview/", views.document_preview, name="document-preview"),
    path("documents/<int:pk>/delete/", views.document_delete, name="document-delete"),
    path("<int:pk>/", views.AssetDetailView.as_view(), name="detail"),
    path("<int:pk>/tabs/<slug:key>/", views.AssetPanelView.as_view(), name="panel"),
    path("<int:pk>/edit/", views.asset_edit, name="edit"),
    path("<int:pk>/move/", views.asset_move, name="move"),
    path("<int:pk>/status/", views.asset_status, name="status"),
    path("<int:pk>/meters/new/", views.meter_create, name="meter-create"),
    path("<int:pk>/meters/<int:meter_pk>/readings/", views.meter_reading, name="meter-reading"),
    path("<int:pk>/documents/", views.document_upload, name="document-upload"),
    path("<int:pk>/qr.svg", views.qr_svg, name="qr-svg"),
    path("<int:pk>/qr/rotate/", views.rotate_qr, name="qr-rotate"),
]

urlpatterns = [
    path("a/<uuid:token>/", views.qr_redirect, name="qr"),
    path("assets/", include(asset_patterns)),
]
