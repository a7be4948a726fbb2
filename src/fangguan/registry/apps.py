from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fangguan.registry"
    label = "registry"
    verbose_name = _("Housing registry")

    def ready(self) -> None:
        from . import scopes

        scopes.register_all()
