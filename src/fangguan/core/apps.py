from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fangguan.core"
    label = "core"
    verbose_name = "Core"
