"""The predictions app; it plugs the health tab and the feedback labels in."""

from django.apps import AppConfig

from workorders.choices import WorkOrderStatus
from workorders.signals import work_order_transitioned


def _label_from_work_order(sender, work_order, actor=None, **kwargs):
    from predictions.services import record_feedback

    if work_order.status == WorkOrderStatus.COMPLETED:
        record_feedback(work_order=work_order, actor=actor)


class PredictionsConfig(AppConfig):
    name = "predictions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from assets.panels import AssetPanel, register
        from predictions.views import health_panel

        register(AssetPanel("health", "Health", "predictions/_asset_panel.html", health_panel, order=20))
        work_order_transitioned.connect(_label_from_work_order, dispatch_uid="predictions.feedback")
