from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """Search across every record type from the top bar (issue 18): each type read through its own
    module's scope rule (``visible_to``), one indexed query per type with a LIMIT."""

    name = "fangguan.search"
    label = "search"
    verbose_name = _("Search")
    api_prefix = "/search"
    api_routers = {"": "fangguan.search.api.root_router"}  # /api/v1/committees/{id}/candidates
    url_prefix = "search/"
