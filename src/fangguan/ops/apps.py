from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running the platform: backups and restore, their nightly schedule and retention, the
    database-down answer, the operations page and /metrics. It knows the database and the files,
    and reads the gauges of the modules it watches (the outbox, imports), so it sits above them:
    a layer of its own under the web app."""

    name = "fangguan.ops"
    label = "ops"
    verbose_name = _("Operations")
    url_prefix = "ops/"

    def nav_section(self, user):
        from django.urls import reverse

        from .gauges import may_read

        if not may_read(user):
            return None
        return {"label": _("Operations"), "items": [
            {"name": "ops-overview", "label": _("Operations"), "url": reverse("ops:overview")},
        ]}
