from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    """The city's 12345 hotline: work orders in (``POST /api/v1/hotline/orders``, signed), their
    outcome back out (``hotline.outcome`` through the outbox)."""

    name = "fangguan.hotline"
    label = "hotline"
    verbose_name = _("12345 hotline")
    api_prefix = "/hotline"
