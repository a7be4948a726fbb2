from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running the platform: backups and restore, their nightly schedule and retention, the
    database-down answer. Infrastructure: it knows the database and the files, no domain."""

    name = "fangguan.ops"
    label = "ops"
    verbose_name = _("Operations")
