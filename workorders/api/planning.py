"""Work requests, preventive schedules (and their occurrences) and projects over DRF; writes go
through the same services as the pages."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.models import User
from assets.models import Part
from prosync.core.api import ScopedModelSerializer, ScopedQuerysetMixin, ScopedReadOnlyViewSet, ScopedViewSet
from prosync.core.files import CappedImageUpload
from prosync.core.idempotency import IdempotentCreateMixin
from workorders import services_planning
from workorders.choices import RequestChannel, WorkOrderPriority, WorkOrderType
from workorders.filters_planning import PreventiveScheduleFilterSet, ProjectFilterSet, WorkRequestFilterSet
from workorders.models import PMOccurrence, PreventiveSchedule, Project, WorkOrder, WorkRequest

# --- Requests ------------------------------------------------------------------------------------


class WorkRequestSerializer(ScopedModelSerializer):
    number = serializers.CharField(read_only=True)
    reporter = serializers.CharField(read_only=True)
    photos = serializers.SerializerMethodField()
    upload_photos = serializers.ListField(child=CappedImageUpload(), write_only=True, required=False,
                                          help_text="Multipart: up to 5 images.")

    class Meta:
        model = WorkRequest
        fields = ["id", "number", "site", "asset", "title", "description", "priority", "channel", "requested_by",
                  "reporter", "status", "decided_by", "decided_at", "reason", "work_order", "created_at", "photos",
                  "upload_photos"]
        read_only_fields = ["channel", "requested_by", "status", "decided_by", "decided_at", "reason", "work_order",
                            "created_at"]
        extra_kwargs = {"site": {"required": False}}

    def get_photos(self, obj) -> list[str]:
        """The photos' permission-checked addresses."""
        request = self.context.get("request")
        paths = [reverse("workorders:request-photo", args=[p.pk]) for p in obj.photos.all()]
        return [request.build_absolute_uri(path) for path in paths] if request else paths

    def validate(self, attrs):
        if attrs.get("site") is None and attrs.get("asset") is None:
            raise serializers.ValidationError({"site": "Give the site, or an asset on it."})
        if attrs.get("asset") is not None and attrs.get("site") is None:
            attrs["site"] = attrs["asset"].site
        photos = attrs.pop("upload_photos", [])
        attrs = super().validate(attrs)
        attrs["upload_photos"] = photos
        return attrs


class ApproveSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=WorkOrderType.choices, default=WorkOrderType.CORRECTIVE)
    priority = serializers.ChoiceField(choices=WorkOrderPriority.choices, required=False, allow_blank=True,
                                       default="")
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False,
                                                  allow_null=True, default=None)
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["assignee"].queryset = self.fields["assignee"].queryset.for_user(request.user)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class WorkRequestViewSet(IdempotentCreateMixin, ScopedQuerysetMixin, mixins.ListModelMixin,
                         mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Anyone with an account may submit; a manager or admin of the site approves or rejects."""

    queryset = WorkRequest.objects.select_related("site", "asset", "requested_by").prefetch_related("photos")
    serializer_class = WorkRequestSerializer
    filterset_class = WorkRequestFilterSet
    search_fields = ["title", "description", "reporter_name"]
    ordering_fields = ["created_at", "priority", "status"]
    action_permissions = {"approve": ["workorders.change_workrequest"], "reject": ["workorders.change_workrequest"]}
    action_scopes = {"approve": "view", "reject": "view"}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services_planning.submit_request(
            site=data["site"], asset=data.get("asset"), title=data["title"], description=data["description"],
            priority=data.get("priority", ""), actor=self.request.user, channel=RequestChannel.API,
            photos=data.get("upload_photos", []))

    def _decidable(self):
        wr = self.get_object()
        if not services_planning.may_decide(self.request.user, wr):
            raise PermissionDenied("Only a manager of the request's site may approve or reject it.")
        return wr

    @extend_schema(request=ApproveSerializer, responses={201: WorkRequestSerializer, 403: None, 409: None})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Turn the request into a work order (its photos go with it); 409 if already decided."""
        wr = self._decidable()
        params = ApproveSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        try:
            services_planning.approve_request(wr, actor=request.user, **params.validated_data)
        except services_planning.RequestAlreadyDecided as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        wr.refresh_from_db()
        return Response(self.get_serializer(wr).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RejectSerializer, responses={200: WorkRequestSerializer, 403: None, 409: None})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        wr = self._decidable()
        params = RejectSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            wr = services_planning.reject_request(wr, actor=request.user, reason=params.validated_data["reason"])
        except services_planning.RequestAlreadyDecided as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(wr).data)


# --- Preventive maintenance ----------------------------------------------------------------------


class PlannedPartSerializer(serializers.Serializer):
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal("0.001"))


class PreventiveScheduleSerializer(ScopedModelSerializer):
    rule = serializers.CharField(read_only=True)
    compliance = serializers.SerializerMethodField()
    parts = PlannedPartSerializer(many=True, required=False, help_text="Parts each order is planned to use; "
                                                                       "given on update, it replaces the list.")

    class Meta:
        model = PreventiveSchedule
        fields = ["id", "asset", "title", "description", "trigger", "interval", "interval_unit", "anchor",
                  "starts_at", "lead_time_days", "meter", "meter_interval", "meter_start", "meter_lead",
                  "checklist_template", "assignee", "team", "priority", "estimated_hours", "active", "parts",
                  "rule", "compliance", "created_at", "updated_at"]

    def get_compliance(self, obj) -> dict | None:
        summary = self.context.get("compliance")
        if summary is None:
            summary = services_planning.compliance_summary([obj.pk])
        return summary.get(obj.pk)


class PreventiveScheduleViewSet(ScopedViewSet):
    queryset = PreventiveSchedule.objects.select_related("asset", "meter")
    serializer_class = PreventiveScheduleSerializer
    filterset_class = PreventiveScheduleFilterSet
    search_fields = ["title", "asset__tag"]
    ordering_fields = ["title", "priority"]
    action_permissions = {"generate": ["workorders.change_preventiveschedule"]}
    action_scopes = {"generate": "change"}

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(queryset) if page is None else page  # None: a CSV export, the whole list
        compliance = services_planning.compliance_summary([s.pk for s in rows])
        context = self.get_serializer_context() | {"compliance": compliance}
        data = self.get_serializer_class()(rows, many=True, context=context).data
        return Response(data) if page is None else self.get_paginated_response(data)

    @staticmethod
    def _split(data: dict):
        parts = data.pop("parts", None)
        return data, None if parts is None else [(p["part"], p["quantity"]) for p in parts]

    def perform_create(self, serializer):
        data, parts = self._split(dict(serializer.validated_data))
        serializer.instance = services_planning.save_schedule(PreventiveSchedule(**data), actor=self.request.user,
                                                       parts=parts)

    def perform_update(self, serializer):
        data, parts = self._split(dict(serializer.validated_data))
        schedule = serializer.instance
        for key, value in data.items():
            setattr(schedule, key, value)
        serializer.instance = services_planning.save_schedule(schedule, actor=self.request.user, parts=parts)

    @extend_schema(request=None, responses={201: None, 200: None})
    @action(detail=True, methods=["post"])
    def generate(self, request, pk=None):
        """Create the schedule's due order now if it has none (the beat's own idempotent step)."""
        schedule = self.get_object()
        wo = services_planning.generate_for_schedule(schedule.pk)
        if wo is None:
            return Response({"created": None, "detail": "Nothing is due yet."})
        return Response({"created": wo.pk, "number": wo.number, "due_at": wo.due_at}, status=status.HTTP_201_CREATED)


class PMOccurrenceSerializer(ScopedModelSerializer):
    class Meta:
        model = PMOccurrence
        fields = ["id", "schedule", "seq", "due_at", "window_ends_at", "meter_due", "work_order", "compliance",
                  "completed_at", "created_at"]


class PMOccurrenceViewSet(ScopedReadOnlyViewSet):
    queryset = PMOccurrence.objects.select_related("schedule")
    serializer_class = PMOccurrenceSerializer
    filterset_fields = ["schedule", "compliance"]
    ordering_fields = ["due_at", "seq"]


# --- Projects ------------------------------------------------------------------------------------


class ProjectSerializer(ScopedModelSerializer):
    work_orders = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = ["id", "site", "name", "description", "starts_on", "ends_on", "status", "owner", "work_orders",
                  "progress", "created_at"]

    def get_progress(self, obj) -> dict:
        if "progress" in self.context:
            p = self.context["progress"].get(obj.pk)
        else:
            p = services_planning.progress(obj)
        if p is None:
            return {"total": 0, "done": 0, "open": 0, "percent": 0, "estimated_hours": "0", "actual_hours": "0"}
        return {"total": p.total, "done": p.done, "open": p.open, "percent": p.percent,
                "estimated_hours": str(p.estimated_hours), "actual_hours": str(p.actual_hours)}


class ProjectOrdersSerializer(serializers.Serializer):
    work_orders = serializers.PrimaryKeyRelatedField(many=True, queryset=WorkOrder.objects.all())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["work_orders"].child_relation.queryset = WorkOrder.objects.for_user(request.user, "change")


class ProjectViewSet(ScopedViewSet):
    queryset = Project.objects.select_related("site", "owner").prefetch_related("work_orders")
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["starts_on", "ends_on", "name"]
    action_permissions = {"add_orders": ["workorders.change_project"], "remove_orders": ["workorders.change_project"]}
    action_scopes = {"add_orders": "change", "remove_orders": "change", "resources": "view", "timeline": "view"}

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(queryset) if page is None else page  # None: a CSV export, the whole list
        context = self.get_serializer_context() | {"progress": services_planning.progress_many([p.pk for p in rows])}
        data = self.get_serializer_class()(rows, many=True, context=context).data
        return Response(data) if page is None else self.get_paginated_response(data)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.setdefault("owner", self.request.user)
        serializer.instance = services_planning.save_project(Project(**data), actor=self.request.user)

    def perform_update(self, serializer):
        project = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(project, key, value)
        serializer.instance = services_planning.save_project(project, actor=self.request.user)

    @extend_schema(request=ProjectOrdersSerializer, responses={200: ProjectSerializer})
    @action(detail=True, methods=["post"], url_path="add-orders")
    def add_orders(self, request, pk=None):
        """Put orders of the project's site into it; one in another project answers 400."""
        project = self.get_object()
        params = ProjectOrdersSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        services_planning.add_orders(project, params.validated_data["work_orders"], actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=project.pk)).data)

    @extend_schema(request=ProjectOrdersSerializer, responses={200: ProjectSerializer})
    @action(detail=True, methods=["post"], url_path="remove-orders")
    def remove_orders(self, request, pk=None):
        project = self.get_object()
        params = ProjectOrdersSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        for wo in params.validated_data["work_orders"]:
            services_planning.remove_order(project, wo, actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=project.pk)).data)

    @extend_schema(responses={200: None})
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        """Orders in dependency order with planned start and end; ``conflict`` when an order is
        planned to start before one that blocks it ends."""
        t = services_planning.timeline(self.get_object())
        return Response({"start": t.start, "end": t.end, "orders": [
            {"id": b.wo.pk, "number": b.wo.number, "title": b.wo.title, "status": b.wo.status, "start": b.start,
             "end": b.end, "blocked_by": b.blockers, "conflict": b.conflict} for b in t.bars]})

    @extend_schema(responses={200: None})
    @action(detail=True, methods=["get"])
    def resources(self, request, pk=None):
        """Hours planned per technician per week against their weekly capacity."""
        weeks, load = services_planning.resource_load(self.get_object())
        return Response({"weeks": weeks, "people": [
            {"user": p.user.pk, "name": str(p.user), "capacity": str(p.capacity),
             "hours": [str(h) for h in p.hours], "over": [h > p.capacity for h in p.hours]} for p in load]})
