"""Model registry page (versions, training with progress, promote and roll back), and the
health tab of the asset page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from assets.models import AssetCategory
from predictions import services
from predictions.models import ModelVersion, TrainingRun
from predictions.selectors import feedback_precision, health_trend, latest_assessments
from prosync.core.generic import ScopedMixin
from prosync.core.humanize import duration, feature_text, health_text
from prosync.core.permissions import can
from prosync.core.views import permission_required


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
        ctx["may_manage"] = can(self.request.user, "change", ModelVersion)
        ctx["categories"] = (AssetCategory.objects.annotate(sensor_count=Count("assets__sensors"))
                             .filter(sensor_count__gt=0))
        ctx.update(training_context())
        return ctx


class ModelDetailView(ScopedMixin, DetailView):
    """One version: held-out metrics, feature importance, calibration plot, feedback precision."""

    model = ModelVersion
    template_name = "predictions/model_detail.html"

    def base_queryset(self):
        return ModelVersion.objects.defer("artifact").select_related("category", "trained_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        m = self.object.metrics
        importance = m.get("feature_importance", [])[:12]
        top = max((g for _, g in importance), default=0) or 1
        ctx["importance"] = [{"feature": f, "gain": g, "width": round(g / top * 100)} for f, g in importance]
        # Calibration plot in a 100x100 box (y grows downwards in SVG).
        ctx["calibration"] = [dict(pt, cx=round(pt["predicted"] * 100, 1), cy=round(100 - pt["observed"] * 100, 1),
                                   r=round(min(6, 1.5 + pt["count"] ** 0.5 / 4), 1))
                              for pt in m.get("calibration_curve", [])]
        ctx["feedback"] = feedback_precision().get(self.object.pk)
        ctx["may_manage"] = can(self.request.user, "change", ModelVersion)
        return ctx


def training_context() -> dict:
    runs = list(TrainingRun.objects.select_related("category", "requested_by", "model_version")[:8])
    return {"runs": runs, "runs_active": any(r.is_active for r in runs)}


@login_required
def training_runs(request):
    """The runs table alone: polled by the page while a run is queued or running."""
    if not can(request.user, "view", TrainingRun):
        return render(request, "predictions/_training_runs.html", {"runs": [], "runs_active": False})
    return render(request, "predictions/_training_runs.html", training_context())


@permission_required("add", TrainingRun)
@require_POST
def train(request):
    category = get_object_or_404(AssetCategory, pk=request.POST.get("category") or 0)
    try:
        services.start_training(category=category, actor=request.user,
                                activate=request.POST.get("activate") == "on",
                                source=request.POST.get("source") or "auto")
        messages.success(request, f"Training of {category} queued; progress shows below.")
    except (services.TrainingInProgress, services.NotEnoughHistory, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect("predictions:models")


@login_required
@require_POST
def promote(request, pk):
    mv = get_object_or_404(ModelVersion.objects.for_user(request.user, "change").defer("artifact"), pk=pk)
    services.promote_model(mv, actor=request.user)
    messages.success(request, f"{mv.name} v{mv.version} is now the active model of {mv.category}.")
    return redirect("predictions:models")


def health_panel(request, asset):
    latest = latest_assessments([asset.pk]).get(asset.pk)
    contributions = latest.contributions if latest else []
    biggest = max((abs(c["contribution"]) for c in contributions), default=0) or 1
    params = latest.model_version.params if latest else {}
    unit = params.get("rul_unit", "minutes")
    bars = [dict(c, width=5 * round(abs(c["contribution"]) / biggest * 20),
                 text=feature_text(c["feature"], c.get("value")), effect=duration(abs(c["contribution"]), unit))
            for c in contributions]
    return {"latest": latest, "trend": health_trend(asset), "contributions": bars, "unit": unit,
            "horizon": params.get("horizon", 10),
            "health_text": health_text(latest.health_score, latest.rul, latest.rul_lower, latest.rul_upper, unit)
            if latest else health_text(None),
            "rul_text": duration(latest.rul, unit) if latest else "",
            "unit_one": duration(1, unit).partition(" ")[2]}
