from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "workorders"
    default_auto_field = "django.db.models.BigAutoField"
