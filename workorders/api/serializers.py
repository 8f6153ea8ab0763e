from rest_framework import serializers

from prosync.api import ScopedModelSerializer
from workorders.choices import PredictionOutcome, WorkOrderStatus
from workorders.models import WorkOrder


class WorkOrderSerializer(ScopedModelSerializer):
    number = serializers.CharField(read_only=True)

    class Meta:
        model = WorkOrder
        fields = ["id", "number", "site", "asset", "title", "description", "status", "priority", "kind", "assignee",
                  "created_by", "source", "source_ref", "due_at", "created_at", "updated_at", "completed_at",
                  "version", "outcome"]
        read_only_fields = ["status", "created_by", "source", "source_ref", "completed_at", "outcome"]
        extra_kwargs = {"version": {"required": False, "help_text": "On update: the version you edited; "
                                                                    "if the order changed since, 409."}}
        # The site may be left out when an asset is given: it is the asset's site.
        extra_kwargs = {"site": {"required": False}}

    def validate(self, attrs):
        asset = attrs.get("asset")
        if asset is not None and "site" not in attrs and self.instance is None:
            attrs["site"] = asset.site
        if self.instance is None and attrs.get("site") is None:
            raise serializers.ValidationError({"site": "Give the site, or an asset on it."})
        return super().validate(attrs)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WorkOrderStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    outcome = serializers.ChoiceField(choices=PredictionOutcome.choices, required=False, allow_blank=True,
                                      default="", help_text="Required to complete a predictive order.")
    version = serializers.IntegerField(required=False, min_value=1,
                                       help_text="The version you edited; a newer one on the server answers 409.")
