"""Work orders over DRF: the orders with their lifecycle as explicit POST endpoints, and the
checklist, comments, attachments, time entries and dependencies of an order as sub-resources."""

import functools

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from prosync.core.api import ScopedQuerysetMixin, ScopedReadOnlyViewSet, ScopedViewSet
from prosync.core.idempotency import IdempotentCreateMixin
from prosync.core.permissions import SiteScopedPermission, can
from workorders import services
from workorders.api import serializers as s
from workorders.filters import WorkOrderFilterSet
from workorders.models import (
    Attachment,
    ChecklistItem,
    ChecklistTemplate,
    Comment,
    FailureCode,
    IllegalTransition,
    LabourRate,
    PartUsage,
    SavedView,
    SlaPolicy,
    StatusChange,
    Team,
    TimeEntry,
    WorkOrder,
    pay_visible_to,
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class DomainErrorsMixin:
    """The services' refusals as HTTP answers: a move the state forbids is 409, missing input 400
    naming the field."""

    def handle_exception(self, exc):
        from assets.services import InsufficientStock

        if isinstance(exc, (IllegalTransition, services.StaleVersion, services.Conflict)):
            exc = Conflict(str(exc))
        elif isinstance(exc, InsufficientStock):
            response = Response(exc.message_dict, status=status.HTTP_409_CONFLICT)
            return response
        elif isinstance(exc, services.FailureCodesRequired):
            exc = exceptions.ValidationError({m: [str(exc)] for m in exc.missing})
        elif isinstance(exc, services.OutcomeRequired):
            exc = exceptions.ValidationError({"outcome": [str(exc)]})
        return super().handle_exception(exc)


class WorkOrderViewSet(IdempotentCreateMixin, DomainErrorsMixin, ScopedViewSet):
    queryset = WorkOrder.objects.select_related("asset", "site").prefetch_related("assignees", "blocked_by")
    serializer_class = s.WorkOrderSerializer
    filterset_class = WorkOrderFilterSet
    search_fields = ["title", "description"]
    ordering_fields = ["created_at", "due_at", "priority", "status"]
    change_actions = ("transition", "dependencies", "remove_dependency", "attach_checklist", "start_timer",
                      "stop_timer")
    action_permissions = {a: ["workorders.change_workorder"] for a in change_actions} | {
        "start_timer": ["workorders.add_timeentry"], "stop_timer": ["workorders.change_timeentry"],
        "history": ["workorders.view_workorder"]}
    action_scopes = dict.fromkeys(change_actions, "change") | {"start_timer": "view", "stop_timer": "view",
                                                             "history": "view"}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_work_order(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        expected = data.pop("version", None)
        serializer.instance = services.update_work_order(
            serializer.instance, actor=self.request.user, expected_version=expected, **data)

    @extend_schema(request=s.TransitionSerializer, responses={200: s.WorkOrderSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the order along its lifecycle; an illegal move (or one blocked by unfinished orders)
        or a stale version answers 409; a missing outcome or failure code 400 naming it."""
        wo = self.get_object()
        params = s.TransitionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        lead = data.get("assignee")
        if lead is not None and not lead.memberships.filter(site_id=wo.site_id).exists():
            raise serializers.ValidationError({"assignee": [f"{lead} does not work on {wo.site}."]})
        wo = services.transition_work_order(
            wo, data["status"], actor=request.user, note=data["note"], expected_version=data.get("version"),
            outcome=data["outcome"], problem_code=data["problem_code"], cause_code=data["cause_code"],
            remedy_code=data["remedy_code"], assignee=lead)
        return Response(s.WorkOrderSerializer(wo, context=self.get_serializer_context()).data)

    @extend_schema(responses=s.StatusChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # the whole history, as the schema says
    def history(self, request, pk=None):
        """Every move of the order: who, when, from, to, note."""
        wo = self.get_object()
        return Response(s.StatusChangeSerializer(StatusChange.objects.filter(work_order=wo), many=True).data)

    @extend_schema(request=s.DependencySerializer, responses={201: s.WorkOrderSerializer})
    @action(detail=True, methods=["post"])
    def dependencies(self, request, pk=None):
        """This order waits for ``blocked_by``; a cycle is refused (400)."""
        wo = self.get_object()
        params = s.DependencySerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        services.add_dependency(wo, params.validated_data["blocked_by"], actor=request.user)
        return Response(s.WorkOrderSerializer(wo, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"dependencies/(?P<blocker_pk>\d+)")
    def remove_dependency(self, request, pk=None, blocker_pk=None):
        wo = self.get_object()
        blocker = get_object_or_404(wo.blocked_by.all(), pk=blocker_pk)
        services.remove_dependency(wo, blocker, actor=request.user)
        return Response(status=204)

    @extend_schema(request=s.AttachChecklistSerializer, responses={201: s.ChecklistItemSerializer(many=True)})
    @action(detail=True, methods=["post"], url_path="attach-checklist")
    def attach_checklist(self, request, pk=None):
        """Copy a checklist template's checks onto the order."""
        wo = self.get_object()
        params = s.AttachChecklistSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        items = services.attach_checklist(wo, params.validated_data["template"], actor=request.user)
        return Response(s.ChecklistItemSerializer(items, many=True).data, status=201)

    @extend_schema(request=None, responses={201: s.TimeEntrySerializer, 409: None})
    @action(detail=True, methods=["post"], url_path="timer/start")
    def start_timer(self, request, pk=None):
        """Start your timer on this order (409 if yours already runs elsewhere)."""
        entry = services.start_timer(self.get_object(), actor=request.user)
        return Response(s.TimeEntrySerializer(entry).data, status=201)

    @extend_schema(request=s.StopTimerSerializer, responses={200: s.TimeEntrySerializer, 409: None})
    @action(detail=True, methods=["post"], url_path="timer/stop")
    def stop_timer(self, request, pk=None):
        params = s.StopTimerSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        entry = services.stop_timer(actor=request.user, work_order=self.get_object(),
                                    note=params.validated_data["note"])
        return Response(s.TimeEntrySerializer(entry).data)


class OrderChildViewSet(DomainErrorsMixin, ScopedQuerysetMixin, viewsets.GenericViewSet):
    """Base of /work-orders/<id>/<children>/: the order must be one the user may see (else 404);
    the children are scoped like everything else."""

    permission_classes = [SiteScopedPermission]
    parent_action = "view"

    def get_queryset(self):
        return super().get_queryset().filter(work_order_id=self.kwargs["work_order_pk"])

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.get_parent()  # another site's order (or none): 404 on every route below it

    def get_parent(self) -> WorkOrder:
        return get_object_or_404(WorkOrder.objects.for_user(self.request.user, self.parent_action),
                                 pk=self.kwargs["work_order_pk"])


class ChecklistItemViewSet(OrderChildViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           mixins.CreateModelMixin):
    """The order's checks. PATCH an item with its result (passed / number / text / photo);
    POST .../follow-up/ on a failed one creates the follow-up order."""

    queryset = ChecklistItem.objects.order_by("position", "pk")
    serializer_class = s.ChecklistItemSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {"follow_up": ["workorders.add_workorder"]}
    action_scopes = {"follow_up": "view"}

    def perform_create(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items()
                if k in ("label", "kind", "position", "unit", "min_value", "max_value", "required")}
        serializer.instance = services.add_checklist_item(self.get_parent(), actor=self.request.user, **data)

    @extend_schema(request=s.ChecklistResultSerializer, responses=s.ChecklistItemSerializer)
    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        params = s.ChecklistResultSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        item = services.record_checklist_result(item, actor=request.user, **params.validated_data)
        return Response(s.ChecklistItemSerializer(item, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={201: s.WorkOrderSerializer, 409: None})
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, *args, **kwargs):
        """A corrective order for this failed check (409 if it passed or already has one)."""
        item = self.get_object()
        if not can(request.user, "add", WorkOrder):
            raise exceptions.PermissionDenied("Your role may not create work orders.")
        wo = services.create_follow_up(item, actor=request.user)
        return Response(s.WorkOrderSerializer(wo, context=self.get_serializer_context()).data, status=201)


class CommentViewSet(OrderChildViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin):
    """Comments of the order; ``@username`` mentions notify the person."""

    queryset = Comment.objects.select_related("author").prefetch_related("mentions")
    serializer_class = s.CommentSerializer

    def perform_create(self, serializer):
        serializer.instance = services.add_comment(self.get_parent(), serializer.validated_data["body"],
                                                   actor=self.request.user)


class AttachmentViewSet(OrderChildViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin):
    """Photos (before / after) and documents of the order (multipart upload, size and type limited)."""

    queryset = Attachment.objects.all()
    serializer_class = s.AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.add_attachment(self.get_parent(), data["file"], actor=self.request.user,
                                                      kind=data.get("kind", "document"),
                                                      caption=data.get("caption", ""))


class TimeEntryViewSet(OrderChildViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, mixins.DestroyModelMixin):
    """Labour on the order. POST logs work done without the timer; the timer itself is
    /work-orders/<id>/timer/start/ and /timer/stop/."""

    queryset = TimeEntry.objects.select_related("user")
    serializer_class = s.TimeEntrySerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False) or self.request is None:
            return context
        # One query for the order's entries, made when the first row is drawn (after a create).
        entries = TimeEntry.objects.filter(pay_visible_to(self.request.user),
                                           work_order_id=self.kwargs.get("work_order_pk"))
        context["paid_entries"] = functools.cache(lambda: set(entries.values_list("pk", flat=True)))
        return context

    def perform_create(self, serializer):
        data = serializer.validated_data
        person = data.get("user") or self.request.user
        if person != self.request.user and not can(self.request.user, "change", LabourRate):
            raise exceptions.PermissionDenied("You log your own time; a planner logs time for others.")
        serializer.instance = services.log_time(self.get_parent(), actor=self.request.user, user=person,
                                                hours=data["hours"], started_at=data.get("started_at"),
                                                note=data.get("note", ""))

    def perform_destroy(self, instance):
        if instance.user_id != self.request.user.pk and not can(self.request.user, "change", LabourRate):
            raise exceptions.PermissionDenied("You delete your own time entries only.")
        services.delete_time_entry(instance, actor=self.request.user)


class PartUsageViewSet(OrderChildViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin):
    """Parts issued to the order, each through the stock ledger (409 when the storeroom has not
    enough, naming what is on hand)."""

    queryset = PartUsage.objects.select_related("part", "storeroom", "work_order")
    serializer_class = s.PartUsageSerializer
    action_permissions = {"return_": ["workorders.add_partusage"]}

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.issue_part(self.get_parent(), part=data["part"], storeroom=data["storeroom"],
                                                  quantity=data["quantity"], actor=self.request.user,
                                                  note=data.get("note", ""))

    @extend_schema(request=s.PartReturnSerializer, responses={201: s.PartUsageSerializer, 409: None})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, *args, **kwargs):
        """Unused parts of this issue back to its storeroom: a return row (negative quantity) and
        a ledger movement; 400 when more than is still out would come back."""
        params = s.PartReturnSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        back = services.return_part(self.get_object(), actor=request.user, **params.validated_data)
        return Response(s.PartUsageSerializer(back, context=self.get_serializer_context()).data, status=201)


class TeamViewSet(ScopedViewSet):
    queryset = Team.objects.select_related("site").prefetch_related("members")
    serializer_class = s.TeamSerializer
    filterset_fields = ["site"]


class SlaPolicyViewSet(ScopedViewSet):
    """The SLA table: resolution time per priority (orders created without a due date use it)."""

    queryset = SlaPolicy.objects.all()
    serializer_class = s.SlaPolicySerializer


class FailureCodeViewSet(ScopedViewSet):
    queryset = FailureCode.objects.select_related("category")
    serializer_class = s.FailureCodeSerializer
    filterset_fields = ["kind", "category", "active"]
    search_fields = ["code", "description"]


class ChecklistTemplateViewSet(ScopedViewSet):
    queryset = ChecklistTemplate.objects.prefetch_related("items")
    serializer_class = s.ChecklistTemplateSerializer

    def perform_create(self, serializer):
        with transaction.atomic():
            super().perform_create(serializer)

    def perform_update(self, serializer):
        with transaction.atomic():
            super().perform_update(serializer)


class LabourRateViewSet(ScopedViewSet):
    queryset = LabourRate.objects.select_related("user").order_by("user__username", "pk")
    serializer_class = s.LabourRateSerializer


class SavedViewViewSet(viewsets.ModelViewSet):
    """Your named filters of the work-order list (each has a shareable ``url``)."""

    serializer_class = s.SavedViewSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return SavedView.objects.for_user(self.request.user, "view")

    def perform_create(self, serializer):
        if not can(self.request.user, "add", SavedView):
            raise exceptions.PermissionDenied("Your role may not save views.")
        data = serializer.validated_data
        serializer.instance = services.save_view(actor=self.request.user, name=data["name"],
                                                 query=data.get("query", ""))

    def perform_update(self, serializer):
        data = serializer.validated_data
        view = serializer.instance
        if "name" in data and data["name"] != view.name and \
                SavedView.objects.filter(user=self.request.user, name=data["name"]).exists():
            raise serializers.ValidationError({"name": "You already have a view of that name."})
        serializer.save()

    def perform_destroy(self, instance):
        services.delete_saved_view(instance, actor=self.request.user)


class StatusChangeViewSet(ScopedReadOnlyViewSet):
    """Every status change of the orders you may see (the lifecycle log)."""

    queryset = StatusChange.objects.select_related("actor")
    serializer_class = s.StatusChangeSerializer
    filterset_fields = ["work_order", "to_status", "actor"]
