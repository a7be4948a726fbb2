from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    """Maintenance fund and public revenue (issue 16): household ledgers in integer fen, the use of
    the fund decided by the owners' votes, re-collection, disclosure, proxy bookkeeping."""

    name = "fangguan.funds"
    label = "funds"
    verbose_name = _("Maintenance fund")
    api_prefix = "/funds"
    url_prefix = "funds/"
    demo_loader = "fangguan.funds.demo.load"

    def ready(self) -> None:
        from . import scopes

        scopes.register_all()

    def nav_section(self, user):
        from .views import nav_section

        return nav_section(user)
