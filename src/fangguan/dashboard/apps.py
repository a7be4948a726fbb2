from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The district at a glance (issue #3): registry figures for any date, by town, charts and map."""

    name = "fangguan.dashboard"
    label = "dashboard"
    verbose_name = _("Dashboard")
    api_prefix = "/dashboard"
    url_prefix = "dashboard/"

    def nav_section(self, user):
        from django.urls import reverse

        from fangguan.accounts.roles import is_business

        if not is_business(user, owners=False):
            return None  # residents: their own homes, not the district's figures
        from fangguan.registry.areas import area_name

        area = area_name(user)
        label = _("%(area)s at a glance") % {"area": area} if area else _("District at a glance")
        return {"label": _("Overview"), "items": [
            {"name": "dashboard", "label": label, "url": reverse("dashboard")},
        ]}
