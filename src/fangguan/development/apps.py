from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevelopmentConfig(AppConfig):
    """Housing development records (issue #8): parcels, projects, permits, 配建, renovations."""

    name = "fangguan.development"
    label = "development"
    verbose_name = _("Housing development")
    api_prefix = ""
    url_prefix = "development/"
    demo_loader = "fangguan.development.demo.load"

    def ready(self) -> None:
        from . import scopes

        scopes.register_all()

    def nav_section(self, user):
        from django.urls import reverse

        from .scopes import sees_development

        if not sees_development(user):
            return None
        return {"label": _("Housing development"), "items": [
            {"name": f"dev-{name}", "label": label, "url": reverse("development:list", args=[name])}
            for name, label in (
                ("parcels", _("Land parcels")), ("projects", _("Development projects")), ("permits", _("Permits")),
                ("affordable", _("配建 affordable homes")), ("renovations", _("Renovation projects")),
            )
        ]}
