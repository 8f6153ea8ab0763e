from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from prosync.api import ScopedViewSet
from workorders import services
from workorders.api.serializers import TransitionSerializer, WorkOrderSerializer
from workorders.filters import WorkOrderFilterSet
from workorders.models import IllegalTransition, WorkOrder


class WorkOrderViewSet(ScopedViewSet):
    queryset = WorkOrder.objects.select_related("asset", "site")
    serializer_class = WorkOrderSerializer
    filterset_class = WorkOrderFilterSet
    search_fields = ["title", "description"]
    ordering_fields = ["created_at", "due_at", "priority", "status"]
    action_permissions = {"transition": ["workorders.change_workorder"]}
    action_scopes = {"transition": "change"}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_work_order(acting_user=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        expected = data.pop("version", None)
        serializer.instance = services.update_work_order(
            serializer.instance, acting_user=self.request.user, expected_version=expected, **data)

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except services.StaleVersion as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)

    @extend_schema(request=TransitionSerializer, responses={200: WorkOrderSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the order along its lifecycle; an illegal move or a stale version answers 409."""
        wo = self.get_object()
        params = TransitionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            wo = services.transition_work_order(
                wo, params.validated_data["status"], acting_user=request.user, note=params.validated_data["note"],
                expected_version=params.validated_data.get("version"), outcome=params.validated_data["outcome"])
        except (IllegalTransition, services.StaleVersion) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except services.OutcomeRequired as exc:
            return Response({"outcome": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(WorkOrderSerializer(wo, context=self.get_serializer_context()).data)
