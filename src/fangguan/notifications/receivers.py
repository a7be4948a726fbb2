"""Repair events into notifications: every event tells the people concerned
(``repairs.selectors.people_concerned``: reporter, assignee, the company's dispatchers, the
bodies it was escalated to …), in the inbox and through the configured channels."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .services import notify


def request_url(request) -> str:
    for name in ("repairs:detail", "repairs-detail"):
        try:
            return reverse(name, args=[request.pk])
        except NoReverseMatch:
            continue
    return ""


def on_repair_event(sender, *, request, event, **kwargs) -> None:
    from fangguan.repairs.selectors import people_concerned

    users = people_concerned(request, event)
    if not users:
        return
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the district's language
        title = _("Repair request #%(id)s: %(event)s") % {"id": request.pk, "event": event.get_kind_display()}
        lines = [_("%(category)s · %(estate)s") % {"category": request.category.name, "estate": request.estate.name},
                 _("Status: %(status)s") % {"status": request.get_status_display()}]
        if request.is_open and request.complete_due_at:
            due = timezone.localtime(request.complete_due_at).strftime("%Y-%m-%d %H:%M")
            lines.append(_("Completion due: %(due)s") % {"due": due})
        if event.note:
            lines.append(event.note[:200])
    notify(users, title=title, body="\n".join(lines), url=request_url(request), topic=f"repairs.{event.kind}")


def connect() -> None:
    from fangguan.repairs.signals import repair_event

    repair_event.connect(on_repair_event, dispatch_uid="notifications.repairs")
