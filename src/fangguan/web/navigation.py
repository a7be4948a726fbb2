"""What the user is offered: the menu, their roles as the top bar names them, and "New" buttons.

Offering is not allowing: the scope rules (``registry.scopes``) decide every read and the
services re-check every write. This module only avoids showing links that would end in 404/403.
"""

from __future__ import annotations

from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from fangguan.accounts.choices import Role
from fangguan.accounts.roles import OWNER, grants, is_business

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
    """Registry lists, for business users only (IT administrators see no business data)."""
    if not is_business(user):
        return []
    menu = MENU if is_business(user, owners=False) else [(n, label) for n, label in MENU if n in RESIDENT_MENU]
    return [{"name": name, "label": label, "url": reverse("registry-list", args=[name])} for name, label in menu]


# A resident (an owner with no staff role) sees their own estate and homes; their work (repairs,
# votes) comes first in the menu.
RESIDENT_MENU = ("estates", "homes")


def is_resident(user) -> bool:
    return is_business(user) and not is_business(user, owners=False)


def app_sections(user) -> list[dict]:
    """Menu sections other apps add: an AppConfig with ``nav_section(user)`` returning
    ``{"label": …, "items": [{"name", "label", "url"}]}`` (or None when the user has none)."""
    sections = []
    for config in apps.get_app_configs():
        offer = getattr(config, "nav_section", None)
        section = offer(user) if offer else None
        if section and section.get("items"):
            sections.append(section)
    return sections


def role_labels(user) -> list[str]:
    """The user's roles in the words of the role table (业主 for an owner)."""
    labels = []
    for g in grants(user):
        label = pgettext("role", "owner") if g.role == OWNER else str(Role(g.role).label) if g.role in Role.values else g.role
        if label not in labels:
            labels.append(label)
    return labels

