from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotesConfig(AppConfig):
    """Owners' joint decisions (issue 15): votes by area and headcount under Civil Code Art. 278,
    on the phone and on paper; the one place the platform asks "did the owners decide?"."""

    name = "fangguan.votes"
    label = "votes"
    verbose_name = _("Owners' votes")
    api_prefix = "/votes"
    url_prefix = "votes/"
    demo_loader = "fangguan.votes.demo.load"

    def ready(self) -> None:
        from . import scopes

        scopes.register_all()

    def nav_section(self, user):
        from .views import nav_section

        return nav_section(user)
