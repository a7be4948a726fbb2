"""What a user keeps of the generic lists for themselves: the columns they chose (and their order)
and filters saved under a name. Personal screen settings, not records of the office: they are
nobody else's to read, and not in the change log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ListLayout(models.Model):
    """The columns one user shows on one list, in their order (the list's own when there is none)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_layouts",
                             verbose_name=_("user"))
    resource = models.CharField(_("list"), max_length=50)
    columns = models.JSONField(_("columns"), default=list)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("list layout")
        verbose_name_plural = _("list layouts")
        constraints = [models.UniqueConstraint(fields=["user", "resource"], name="web_listlayout_one_per_list")]

    def __str__(self) -> str:
        return f"{self.user} · {self.resource}"


class SavedFilter(models.Model):
    """A list's filters and sort, kept under a name to come back to with one click."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters",
                             verbose_name=_("user"))
    resource = models.CharField(_("list"), max_length=50)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=2000)  # the list's query string, cleaned
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "resource", "name"], name="web_savedfilter_unique_name")]

    def __str__(self) -> str:
        return self.name
