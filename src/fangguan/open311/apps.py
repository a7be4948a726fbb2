from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    """Open311 GeoReport v2 (JSON) over the repair requests, for other systems."""

    name = "fangguan.open311"
    label = "open311"
    verbose_name = _("Open311")
    url_prefix = "open311/"
