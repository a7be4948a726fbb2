"""The menu: registry lists the user can open, in the order staff think of them."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangguan.accounts.roles import grants
from fangguan.registry.scopes import BUSINESS

MENU = [
    ("estates", _("Estates")),
    ("areas", _("Management areas")),
    ("buildings", _("Buildings")),
    ("homes", _("Homes")),
    ("people", _("People")),
    ("companies", _("Property companies")),
    ("contracts", _("Service contracts")),
    ("committees", _("Owners' committees")),
    ("facilities", _("Facilities")),
    ("assessments", _("Assessments")),
    ("neighbourhoods", _("Neighbourhood committees")),
    ("towns", _("Towns")),
]


def menu_for(user) -> list[dict]:
    if not any(g.kind in BUSINESS for g in grants(user)):
        return []
    return [{"name": name, "label": label, "url": reverse("registry-list", args=[name])} for name, label in MENU]
