"""Model registry page, and the health tab of the asset page."""

from django.views.generic import ListView

from predictions.models import ModelVersion
from predictions.selectors import feedback_precision, health_trend, latest_assessments
from prosync.generic import ScopedMixin


class ModelRegistryView(ScopedMixin, ListView):
    model = ModelVersion
    template_name = "predictions/model_list.html"

    def base_queryset(self):
        return ModelVersion.objects.defer("artifact").select_related("category")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        precision = feedback_precision()
        for mv in ctx["object_list"]:
            mv.feedback = precision.get(mv.pk)
        return ctx


def health_panel(request, asset):
    latest = latest_assessments([asset.pk]).get(asset.pk)
    contributions = latest.contributions if latest else []
    biggest = max((abs(c["contribution"]) for c in contributions), default=0) or 1
    bars = [dict(c, width=round(abs(c["contribution"]) / biggest * 100)) for c in contributions]
    return {"latest": latest, "trend": health_trend(asset), "contributions": bars}
