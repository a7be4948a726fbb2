from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """Supervising property companies (issue 17): inspections, complaints, credit files, the
    evaluation, the district pre-selection pool and handover inspections of new estates."""

    name = "fangguan.supervision"
    label = "supervision"
    verbose_name = _("Supervision of property companies")
    api_prefix = "/supervision"
    url_prefix = "supervision/"
    # the credit files hang from the registry's companies; handovers from new estates
    api_routers = {"": "fangguan.supervision.api.root_router"}
    demo_loader = "fangguan.supervision.demo.load"

    def ready(self) -> None:
        from . import scopes

        scopes.register_all()

    def nav_section(self, user):
        from .views import nav_section

        return nav_section(user)
