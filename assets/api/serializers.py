"""API serializers of the asset register."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from assets.choices import AssetStatus, ReadingSource, StatusReason
from assets.models import (
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
from prosync.core.api import RowUrlField, RowUrls, ScopedModelSerializer


class SiteSerializer(ScopedModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "code", "name", "address", "timezone", "operating_hours", "created_at"]


class AssetCategorySerializer(ScopedModelSerializer):
    class Meta:
        model = AssetCategory
        fields = ["id", "name", "description", "attribute_schema"]


class LocationSerializer(ScopedModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "site", "parent", "kind", "code", "name", "description", "path", "depth"]
        read_only_fields = ["path", "depth"]


class AssetSerializer(ScopedModelSerializer):
    url = RowUrlField(view_name="api:asset-detail")
    category_name = serializers.CharField(read_only=True, allow_null=True)  # Asset.category_name
    qr_url = serializers.SerializerMethodField(help_text="What the asset's QR label encodes.")

    class Meta:
        model = Asset
        fields = ["id", "url", "site", "parent", "location", "category", "category_name", "tag", "name",
                  "description", "status", "criticality", "manufacturer", "model_number", "serial_number",
                  "install_date", "warranty_end", "purchase_cost", "attributes", "qr_token", "qr_url", "created_at",
                  "updated_at"]
        read_only_fields = ["qr_token"]

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail) if isinstance(exc.detail, dict) else {}
            if self.instance is not None and errors.keys() == {"attributes"} and not {"attributes", "category"} & set(
                    attrs):
                return attrs  # a newly required attribute does not block an unrelated edit (as in the service)
            raise

    qr_urls = RowUrls("assets:qr", RowUrls.UUID)

    def get_qr_url(self, obj) -> str:
        return self.qr_urls(self.context.get("request"), obj.qr_token)


class AssetMoveSerializer(serializers.Serializer):
    """Leave a key out to keep that value; ``null`` makes the asset top-level / unplaced."""

    parent = serializers.PrimaryKeyRelatedField(queryset=Asset.objects.all(), allow_null=True, required=False)
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all(), allow_null=True, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.context["request"].user
        self.fields["parent"].queryset = Asset.objects.for_user(user, "view")
        self.fields["location"].queryset = Location.objects.for_user(user, "view")

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError({"parent": "Give a new parent and/or a new location."})
        return attrs


class AssetStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AssetStatus.choices)
    reason_code = serializers.ChoiceField(choices=StatusReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AvailabilitySerializer(serializers.Serializer):
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        end = attrs.get("end") or timezone.now()
        start = attrs.get("start") or end - timedelta(days=30)
        if start >= end:
            raise serializers.ValidationError({"start": "The start must be before the end."})
        return {"start": start, "end": end}


class AssetStatusChangeSerializer(ScopedModelSerializer):
    user_name = serializers.CharField(source="user.username", read_only=True, default=None)

    class Meta:
        model = AssetStatusChange
        fields = ["id", "asset", "from_status", "to_status", "reason_code", "note", "at", "user", "user_name"]
        read_only_fields = fields


class DowntimeSerializer(ScopedModelSerializer):
    duration_hours = serializers.SerializerMethodField()

    class Meta:
        model = Downtime
        fields = ["id", "asset", "started_at", "ended_at", "duration_hours", "reason_code", "note", "started_by",
                  "ended_by"]
        read_only_fields = fields

    def get_duration_hours(self, obj) -> float:
        return round(obj.duration.total_seconds() / 3600, 3)


class MeterSerializer(ScopedModelSerializer):
    initial_value = serializers.DecimalField(max_digits=16, decimal_places=3, min_value=Decimal(0), write_only=True,
                                             required=False, default=0,
                                             help_text="The reading when the meter is added (create only).")

    class Meta:
        model = Meter
        fields = ["id", "asset", "name", "kind", "unit", "current_value", "last_reading_at", "rolls_down",
                  "initial_value"]
        read_only_fields = ["current_value", "last_reading_at"]

    def validate(self, attrs):
        initial = attrs.pop("initial_value", None)
        attrs = super().validate(attrs)
        if initial is not None and self.instance is None:
            attrs["initial_value"] = initial
        return attrs


class MeterReadingSerializer(ScopedModelSerializer):
    source = serializers.ChoiceField(choices=[ReadingSource.MANUAL, ReadingSource.TELEMETRY],
                                     default=ReadingSource.MANUAL)
    at = serializers.DateTimeField(required=False, default=None)

    class Meta:
        model = MeterReading
        fields = ["id", "meter", "value", "at", "source", "user", "created_at"]
        read_only_fields = ["user", "created_at"]

    def validate(self, attrs):
        return attrs  # the service checks the reading against the meter's history


class AssetDocumentSerializer(ScopedModelSerializer):
    file = serializers.FileField(write_only=True, help_text="Multipart upload; size and type limits apply.")
    download_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()

    class Meta:
        model = AssetDocument
        fields = ["id", "asset", "kind", "title", "file", "original_name", "content_type", "size", "uploaded_by",
                  "uploaded_at", "download_url", "preview_url"]
        read_only_fields = ["kind", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
        extra_kwargs = {"title": {"required": False, "allow_blank": True}}

    def validate(self, attrs):
        return attrs  # checked by the service (size, type, image content)

    download_urls = RowUrls("api:assetdocument-download")
    preview_urls = RowUrls("assets:document-preview")

    def get_download_url(self, obj) -> str:
        return self.download_urls(self.context.get("request"), obj.pk)

    def get_preview_url(self, obj) -> str | None:
        return self.preview_urls(self.context.get("request"), obj.pk) if obj.thumbnail else None
