"""Spare-part pages, mounted inside the assets URL namespace (/assets/parts/, /assets/stock/...)."""

from django.urls import path

from assets import views_imports, views_parts

part_patterns = [
    path("parts/", views_parts.PartListView.as_view(), name="part-list"),
    path("parts/new/", views_parts.part_create, name="part-create"),
    path("parts/<int:pk>/", views_parts.PartDetailView.as_view(), name="part-detail"),
    path("parts/<int:pk>/edit/", views_parts.part_edit, name="part-edit"),
    path("parts/<int:pk>/photo/", views_parts.part_photo, name="part-photo"),
    path("parts/<int:pk>/move/<slug:kind>/", views_parts.part_movement, name="part-move"),
    path("stock/", views_parts.StockLevelListView.as_view(), name="stock-list"),
    path("storerooms/", views_parts.StoreroomListView.as_view(), name="storeroom-list"),
    path("import/", views_imports.import_page, name="import"),
    path("<int:pk>/parts/", views_parts.asset_bom_add, name="bom-add"),
    path("<int:pk>/parts/<int:line_pk>/remove/", views_parts.asset_bom_remove, name="bom-remove"),
]
