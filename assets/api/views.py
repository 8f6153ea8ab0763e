"""The asset register over DRF: the same FilterSets as the pages, every write through
assets.services (domain operations as explicit POST actions: move, status)."""

from __future__ import annotations

from django.db.models import F
from django.http import FileResponse
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from assets import services
from assets.api.serializers import (
    AssetCategorySerializer,
    AssetDocumentSerializer,
    AssetMoveSerializer,
    AssetSerializer,
    AssetStatusChangeSerializer,
    AssetStatusSerializer,
    AvailabilitySerializer,
    DowntimeSerializer,
    LocationSerializer,
    MeterReadingSerializer,
    MeterSerializer,
    SiteSerializer,
)
from assets.filters import (
    AssetCategoryFilterSet,
    AssetDocumentFilterSet,
    AssetFilterSet,
    AssetStatusChangeFilterSet,
    DowntimeFilterSet,
    LocationFilterSet,
    MeterFilterSet,
    MeterReadingFilterSet,
    SiteFilterSet,
)
from assets.models import (
    SEARCH_COLUMNS,
    Asset,
    AssetCategory,
    AssetDocument,
    AssetStatusChange,
    Downtime,
    Location,
    Meter,
    MeterReading,
    Site,
)
from assets.selectors import asset_availability
from prosync.core.api import ScopedReadOnlyViewSet, ScopedViewSet


class SiteViewSet(ScopedViewSet):
    queryset = Site.objects.all()
    serializer_class = SiteSerializer
    filterset_class = SiteFilterSet
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "created_at"]


class AssetCategoryViewSet(ScopedViewSet):
    queryset = AssetCategory.objects.all()
    serializer_class = AssetCategorySerializer
    filterset_class = AssetCategoryFilterSet
    ordering_fields = ["name"]


class LocationViewSet(ScopedViewSet):
    """The location tree; a new ``parent`` moves the location with everything inside it."""

    queryset = Location.objects.all()
    serializer_class = LocationSerializer
    filterset_class = LocationFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "path", "depth"]

    def perform_create(self, serializer):
        serializer.instance = services.create_location(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_location(serializer.instance, actor=self.request.user,
                                                       **serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_location(instance, actor=self.request.user)


class AssetViewSet(ScopedViewSet):
    """Assets. The status changes through ``POST status/`` (with a reason code; it records the
    downtime), the place in the tree through ``POST move/`` (with the subtree)."""

    # The category for its name only, read with the row (Asset.category_name): no category object
    # (and no attribute schema decoded) for every row.
    queryset = Asset.objects.annotate(category_label=F("category__name"))
    serializer_class = AssetSerializer
    filterset_class = AssetFilterSet
    search_fields = list(SEARCH_COLUMNS)  # as the register's page searches
    ordering_fields = ["tag", "name", "status", "criticality", "warranty_end", "created_at", "updated_at"]
    action_permissions = {"move": ["assets.change_asset"], "status": ["assets.add_assetstatuschange"],
                          "availability": ["assets.view_asset"]}
    action_scopes = {"move": "change", "status": "view", "availability": "view"}

    def perform_create(self, serializer):
        serializer.instance = services.create_asset(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_asset(serializer.instance, actor=self.request.user,
                                                    **serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_asset(instance, actor=self.request.user)

    @action(detail=True, methods=["post"], serializer_class=AssetMoveSerializer)
    def move(self, request, pk=None):
        asset = self.get_object()
        serializer = AssetMoveSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        asset = services.move_asset(asset, actor=request.user, **serializer.validated_data)
        return Response(AssetSerializer(asset, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"], serializer_class=AssetStatusSerializer)
    def status(self, request, pk=None):
        asset = self.get_object()
        serializer = AssetStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = services.change_asset_status(asset, actor=request.user, **serializer.validated_data)
        return Response(AssetStatusChangeSerializer(change, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"], serializer_class=AvailabilitySerializer, filterset_class=None)
    def availability(self, request, pk=None):
        """Availability over ``?start=&end=`` (ISO 8601; default: the last 30 days)."""
        asset = self.get_object()
        query = AvailabilitySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = asset_availability(asset, query.validated_data["start"], query.validated_data["end"])
        return Response({"asset": asset.pk, **result.as_dict()})


class AssetStatusChangeViewSet(ScopedReadOnlyViewSet):
    queryset = AssetStatusChange.objects.all()
    serializer_class = AssetStatusChangeSerializer
    filterset_class = AssetStatusChangeFilterSet
    ordering_fields = ["at"]

    def get_queryset(self):
        return super().get_queryset().select_related("user")


class DowntimeViewSet(ScopedReadOnlyViewSet):
    """Downtime records, opened and closed by status changes."""

    queryset = Downtime.objects.all()
    serializer_class = DowntimeSerializer
    filterset_class = DowntimeFilterSet
    ordering_fields = ["started_at", "ended_at"]


class MeterViewSet(ScopedViewSet):
    queryset = Meter.objects.all()
    serializer_class = MeterSerializer
    filterset_class = MeterFilterSet
    search_fields = ["name"]
    ordering_fields = ["name", "current_value", "last_reading_at"]

    def perform_create(self, serializer):
        serializer.instance = services.create_meter(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_meter(serializer.instance, actor=self.request.user,
                                                    **serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_meter(instance, actor=self.request.user)


class MeterReadingViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Readings are recorded, never edited: a wrong one is corrected by the next."""

    http_method_names = ["get", "head", "options", "post"]
    queryset = MeterReading.objects.all()
    serializer_class = MeterReadingSerializer
    filterset_class = MeterReadingFilterSet
    ordering_fields = ["at", "value"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.record_meter_reading(data["meter"], data["value"], at=data.get("at"),
                                                            actor=self.request.user, source=data["source"])


class AssetDocumentViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, ScopedReadOnlyViewSet):
    """Documents and photos: upload as multipart (``asset``, ``file``, optional ``title``);
    the file is fetched from ``download_url`` (permission-checked)."""

    http_method_names = ["get", "head", "options", "post", "delete"]
    queryset = AssetDocument.objects.all()
    serializer_class = AssetDocumentSerializer
    filterset_class = AssetDocumentFilterSet
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    search_fields = ["title", "original_name"]
    ordering_fields = ["uploaded_at", "title", "size"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.upload_document(data["asset"], data["file"], actor=self.request.user,
                                                       title=data.get("title", ""))

    def perform_destroy(self, instance):
        services.delete_document(instance, actor=self.request.user)

    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file itself (JWT or session), for whoever may see the document."""
        doc = self.get_object()
        response = FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.original_name,
                                 content_type=doc.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        return response
