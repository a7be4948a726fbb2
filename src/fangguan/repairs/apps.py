from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairsConfig(AppConfig):
    """Repair requests (issue #7): catalogue, working-day clocks, one state machine, escalation
    to the grid (neighbourhood committee, then town office), figures per company/estate/town."""

    name = "fangguan.repairs"
    label = "repairs"
    verbose_name = _("Repairs")
    api_prefix = "/repairs"
    url_prefix = "repairs/"
    demo_loader = "fangguan.repairs.demo.load"

    def ready(self) -> None:
        from . import scopes

        scopes.register_all()

    def nav_section(self, user):
        from .views import nav_section

        return nav_section(user)
