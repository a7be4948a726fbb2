from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fangguan.registry"
    label = "registry"
    verbose_name = _("Housing registry")

    def ready(self) -> None:
        from fangguan.accounts.roles import register_person_model
        from fangguan.core.resources import register_resources

        from . import scopes
        from .models import Person
        from .resources import RESOURCES

        scopes.register_all()
        register_person_model(Person)
        register_resources("r", RESOURCES)  # pages at /r/<name>/
