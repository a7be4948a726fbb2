from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    """Exports too big to answer within a request: a job per export, run by the background worker
    (huey, like imports), its file downloaded by its owner from 我的导出 and deleted after a while."""

    name = "fangguan.exports"
    label = "exports"
    verbose_name = _("Exports")
    api_prefix = "/exports"
    url_prefix = "exports/"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from . import scopes

        scopes.register_all()
        # each app's exports.py registers its lists (sources.register): the worker runs a job
        # without loading the URLs, so the lists must be known as soon as the apps are
        autodiscover_modules("exports")

    def nav_section(self, user):
        from django.urls import reverse

        from fangguan.accounts.roles import is_business

        # staff, who export lists of a size that goes to the background (a resident's lists are small)
        if not is_business(user, owners=False):
            return None
        return {"label": _("Exports"), "items": [
            {"name": "exports", "label": _("My exports"), "url": reverse("exports:list")},
        ]}
