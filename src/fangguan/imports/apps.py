from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Importing registry lists from Excel and CSV (and, later, any kind another app registers)."""

    name = "fangguan.imports"
    label = "imports"
    verbose_name = _("Imports")
    api_prefix = "/imports"
    url_prefix = "imports/"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from . import scopes

        scopes.register_all()
        autodiscover_modules("imports")  # each app's imports.py registers its kinds

    def nav_section(self, user):
        from django.urls import reverse

        from .specs import kinds_for

        if not kinds_for(user):
            return None
        return {"label": _("Import and export"), "items": [
            {"name": "imports", "label": _("Imports"), "url": reverse("imports:list")},
            {"name": "import-new", "label": _("New import"), "url": reverse("imports:new")},
        ]}
