"""API serializers of work orders and their sub-resources."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from rest_framework import serializers

from prosync.core.api import ScopedModelSerializer
from prosync.core.files import ProtectedFileField
from workorders.choices import AttachmentKind, FailureCodeKind, PredictionOutcome, WorkOrderStatus
from workorders.models import (
    Attachment,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Comment,
    FailureCode,
    LabourRate,
    PartUsage,
    SavedView,
    SlaPolicy,
    StatusChange,
    Team,
    TimeEntry,
    WorkOrder,
)


class WorkOrderSerializer(ScopedModelSerializer):
    number = serializers.CharField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    # Blank until a predictive order is completed: the schema must allow "".
    outcome = serializers.ChoiceField(choices=PredictionOutcome.choices, read_only=True, allow_blank=True,
                                      help_text="Predictive orders: whether the predicted fault was found.")

    class Meta:
        model = WorkOrder
        fields = ["id", "number", "site", "asset", "title", "description", "status", "priority", "kind", "assignee",
                  "assignees", "team", "created_by", "source", "source_ref", "due_at", "scheduled_start",
                  "is_overdue", "estimated_hours", "actual_hours", "labour_cost", "parts_cost", "problem_code",
                  "cause_code", "remedy_code", "blocked_by", "follow_up_of", "created_at", "updated_at",
                  "completed_at", "version", "outcome"]
        read_only_fields = ["status", "created_by", "source", "source_ref", "completed_at", "outcome", "actual_hours",
                            "labour_cost", "parts_cost", "blocked_by", "follow_up_of"]
        extra_kwargs = {
            # The site may be left out when an asset is given: it is the asset's site.
            "site": {"required": False},
            "version": {"required": False, "help_text": "On update: the version you edited; if the order changed "
                                                        "since, 409."},
            "due_at": {"help_text": "Left out on creation: set from the priority's SLA."},
            "assignees": {"required": False},
        }

    def validate(self, attrs):
        asset = attrs.get("asset")
        if asset is not None and "site" not in attrs and self.instance is None:
            attrs["site"] = asset.site
        if self.instance is None and attrs.get("site") is None:
            raise serializers.ValidationError({"site": "Give the site, or an asset on it."})
        site = attrs.get("site") or getattr(self.instance, "site", None)
        people = list(attrs.get("assignees", [])) + ([attrs["assignee"]] if attrs.get("assignee") else [])
        for person in people:
            if site is not None and not person.sees_all_sites and site.pk not in person.site_ids:
                raise serializers.ValidationError({"assignees": f"{person.username} does not work on {site}."})
        return super().validate(attrs)


def _code_field(kind):
    return serializers.PrimaryKeyRelatedField(queryset=FailureCode.objects.filter(kind=kind, active=True),
                                              required=False, allow_null=True, default=None,
                                              help_text=f"The {kind} code (corrective orders need it to complete).")


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WorkOrderStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    outcome = serializers.ChoiceField(choices=PredictionOutcome.choices, required=False, allow_blank=True,
                                      default="", help_text="Required to complete a predictive order.")
    version = serializers.IntegerField(required=False, min_value=1,
                                       help_text="The version you edited; a newer one on the server answers 409.")
    problem_code = _code_field(FailureCodeKind.PROBLEM)
    cause_code = _code_field(FailureCodeKind.CAUSE)
    remedy_code = _code_field(FailureCodeKind.REMEDY)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True, default=None,
        help_text="With a move to assigned: who leads the order (someone of its site).")


class DependencySerializer(serializers.Serializer):
    blocked_by = serializers.PrimaryKeyRelatedField(queryset=WorkOrder.objects.all(),
                                                    help_text="The order that must be completed first.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["blocked_by"].queryset = WorkOrder.objects.for_user(request.user, "view")


class AttachChecklistSerializer(serializers.Serializer):
    template = serializers.PrimaryKeyRelatedField(queryset=ChecklistTemplate.objects.all())


class StopTimerSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class StatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatusChange
        fields = ["id", "from_status", "to_status", "actor", "note", "at"]


class ChecklistItemSerializer(ScopedModelSerializer):
    is_failed = serializers.BooleanField(read_only=True)
    photo = ProtectedFileField("workorders:checklist-photo", read_only=True,
                               help_text="The photo's address (permission-checked); record one with .../record/.")

    class Meta:
        model = ChecklistItem
        fields = ["id", "work_order", "position", "label", "kind", "unit", "min_value", "max_value", "required",
                  "passed", "number", "text", "photo", "done_by", "done_at", "is_failed", "follow_up", "template"]
        read_only_fields = ["work_order", "done_by", "done_at", "follow_up", "template"]


class ChecklistResultSerializer(serializers.Serializer):
    passed = serializers.BooleanField(required=False, allow_null=True, default=None)
    number = serializers.FloatField(required=False, allow_null=True, default=None)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    photo = serializers.ImageField(required=False, allow_null=True, default=None)


class CommentSerializer(ScopedModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "work_order", "author", "body", "mentions", "created_at"]
        read_only_fields = ["work_order", "author", "mentions", "created_at"]


class AttachmentSerializer(ScopedModelSerializer):
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, default=AttachmentKind.DOCUMENT)
    file = ProtectedFileField("workorders:attachment-file",
                              help_text="Multipart upload; answered with the file's permission-checked address.")

    class Meta:
        model = Attachment
        fields = ["id", "work_order", "file", "kind", "caption", "content_type", "size", "uploaded_by", "created_at"]
        read_only_fields = ["work_order", "content_type", "size", "uploaded_by", "created_at"]


class TimeEntrySerializer(ScopedModelSerializer):
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    user = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), required=False,
                                              help_text="Whose work (default: you). Managers log for others.")

    class Meta:
        model = TimeEntry
        fields = ["id", "work_order", "user", "started_at", "ended_at", "hours", "hourly_rate", "cost", "note"]
        read_only_fields = ["work_order", "ended_at", "hourly_rate"]
        validators = []  # the one-running-timer rule is the service's (a manual entry is never running)
        extra_kwargs = {"started_at": {"required": False}, "hours": {"required": True, "min_value": Decimal("0.01"),
                                                                     "max_value": Decimal("24")}}

    def to_representation(self, instance):
        """Rate and cost are null for someone whose pay the reader may not see."""
        data = super().to_representation(instance)
        paid = self.context.get("paid_entries")
        if paid is not None and instance.pk not in paid():
            data["hourly_rate"] = data["cost"] = None
        return data


class TeamSerializer(ScopedModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "site", "name", "members"]


class SlaPolicySerializer(ScopedModelSerializer):
    class Meta:
        model = SlaPolicy
        fields = ["id", "priority", "resolve_within"]


class FailureCodeSerializer(ScopedModelSerializer):
    class Meta:
        model = FailureCode
        fields = ["id", "kind", "code", "description", "category", "active"]


class ChecklistTemplateItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistTemplateItem
        fields = ["id", "position", "label", "kind", "unit", "min_value", "max_value", "required"]


class ChecklistTemplateSerializer(ScopedModelSerializer):
    items = ChecklistTemplateItemSerializer(many=True, required=False)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "name", "description", "category", "items"]

    def validate_items(self, items):
        for i, data in enumerate(items):
            item = ChecklistTemplateItem(**data)
            try:
                item.clean()
            except Exception as exc:
                raise serializers.ValidationError({i: getattr(exc, "message_dict", str(exc))}) from exc
        return items

    def create(self, validated_data):
        items = validated_data.pop("items", [])
        template = ChecklistTemplate.objects.create(**validated_data)
        ChecklistTemplateItem.objects.bulk_create(ChecklistTemplateItem(template=template, position=d.pop(
            "position", i + 1), **d) for i, d in enumerate(items))
        return template

    def update(self, instance, validated_data):
        items = validated_data.pop("items", None)
        instance = super().update(instance, validated_data)
        if items is not None:
            instance.items.all().delete()
            ChecklistTemplateItem.objects.bulk_create(ChecklistTemplateItem(template=instance, position=d.pop(
                "position", i + 1), **d) for i, d in enumerate(items))
        return instance


class LabourRateSerializer(ScopedModelSerializer):
    class Meta:
        model = LabourRate
        fields = ["id", "user", "hourly_rate"]


class SavedViewSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = SavedView
        fields = ["id", "name", "query", "url", "created_at"]


class PartReturnSerializer(serializers.Serializer):
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class PartUsageSerializer(ScopedModelSerializer):
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=255)

    class Meta:
        model = PartUsage
        fields = ["id", "work_order", "part", "storeroom", "quantity", "unit_cost", "cost", "movement", "issued_by",
                  "issued_at", "note"]
        read_only_fields = ["work_order", "unit_cost", "movement", "issued_by", "issued_at"]
        extra_kwargs = {"quantity": {"min_value": Decimal("0.001")}}

    def validate(self, attrs):
        attrs = dict(attrs)
        note = attrs.pop("note", "")
        attrs = super().validate(attrs)
        attrs["note"] = note
        return attrs
