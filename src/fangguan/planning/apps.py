from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    """Plans as data (issue #8): indicators, measures, progress, the final evaluation report."""

    name = "fangguan.planning"
    label = "planning"
    verbose_name = _("Planning")
    api_prefix = ""
    url_prefix = "plans/"
    demo_loader = "fangguan.planning.demo.load"

    def ready(self) -> None:
        from . import scopes

        scopes.register_all()

    def nav_section(self, user):
        from django.urls import reverse

        from .scopes import sees_plans

        if not sees_plans(user):
            return None
        return {"label": _("Plan"), "items": [
            {"name": "plans", "label": _("Plans and progress"), "url": reverse("planning:plans")},
        ]}
