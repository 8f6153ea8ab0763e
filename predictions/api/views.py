"""API of model versions, health assessments and training runs."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from predictions import services
from predictions.api.serializers import (
    FeedbackLabelSerializer,
    HealthAssessmentSerializer,
    ModelVersionSerializer,
    TrainingRunSerializer,
)
from predictions.filters import FeedbackLabelFilterSet, HealthAssessmentFilterSet, ModelVersionFilterSet
from predictions.models import FeedbackLabel, HealthAssessment, ModelVersion, TrainingRun
from prosync.core.api import ScopedReadOnlyViewSet, ScopedViewSet


class ModelVersionViewSet(ScopedReadOnlyViewSet):
    queryset = ModelVersion.objects.defer("artifact")
    serializer_class = ModelVersionSerializer
    filterset_class = ModelVersionFilterSet
    ordering_fields = ["created_at", "version"]
    http_method_names = ["get", "head", "options", "post"]
    action_permissions = {"promote": ["predictions.change_modelversion"]}
    action_scopes = {"promote": "change"}

    @extend_schema(request=None, responses={200: ModelVersionSerializer})
    @action(detail=True, methods=["post"])
    def promote(self, request, pk=None):
        """Make this version the active model of its category (the previous one retires)."""
        mv = services.promote_model(self.get_object(), actor=request.user)
        return Response(ModelVersionSerializer(mv, context=self.get_serializer_context()).data)


class HealthAssessmentViewSet(ScopedReadOnlyViewSet):
    queryset = HealthAssessment.objects.all()
    serializer_class = HealthAssessmentSerializer
    filterset_class = HealthAssessmentFilterSet
    ordering_fields = ["assessed_at", "health_score"]


class FeedbackLabelViewSet(ScopedReadOnlyViewSet):
    """Findings of inspected predictions: fault confirmed or not (labels for retraining)."""

    queryset = FeedbackLabel.objects.all()
    serializer_class = FeedbackLabelSerializer
    filterset_class = FeedbackLabelFilterSet
    ordering_fields = ["labelled_at"]


class TrainingRunViewSet(ScopedViewSet):
    """POST queues a training run (202); GET shows its progress."""

    queryset = TrainingRun.objects.select_related("category")
    serializer_class = TrainingRunSerializer
    http_method_names = ["get", "head", "options", "post"]
    filterset_fields = ["category", "status"]
    ordering_fields = ["created_at"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            run = serializer.save()
        except services.TrainingInProgress as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except services.NotEnoughHistory as exc:
            return Response({"source": [str(exc)]}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)
