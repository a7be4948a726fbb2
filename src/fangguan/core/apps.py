from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fangguan.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from .maps import check_settings

        check_settings()  # a wrong map tile setting stops start-up instead of drawing a shifted map
