from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """The transactional outbox: events written with the change that caused them, delivered to
    subscribers (一网统管, the 12345 hotline …) as signed JSON by a background worker."""

    name = "fangguan.outbox"
    label = "outbox"
    verbose_name = _("Event outbox")
    url_prefix = "outbox/"

    def ready(self) -> None:
        from . import scopes

        scopes.register_all()

    def nav_section(self, user):
        from django.urls import reverse

        from fangguan.accounts.roles import is_bureau

        if not is_bureau(user):
            return None
        return {"label": _("Data exchange"), "items": [
            {"name": "outbox-subscribers", "label": _("Subscribers"), "url": reverse("outbox:subscribers")},
        ]}
