"""A home page for each role's working day (issue 18).

- a resident (an owner with no staff role): big buttons — report a repair, my requests, my votes —
  with what is still open, phone first;
- property company staff: the repair queue (nearest deadline first) and its counts;
- a town office or neighbourhood committee: what is overdue in its area, the escalations waiting
  for it, and its own area's figures (titled with the area's name, not the district's);
- the bureau: the district dashboard;
- auditors: the audit pages and the registry counts; owners' committees: their votes and repairs.

Every list comes from the modules' own selectors through ``visible_to``: a home page shows nothing
its user could not open.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import OWNER, kinds
from fangguan.registry.areas import area_name

HOME_ITEMS = 8

# The first kind the user holds decides the page (a user with several roles works mostly as the first).
ORDER = [OrgKind.BUREAU, OrgKind.TOWN_OFFICE, OrgKind.NEIGHBOURHOOD, OrgKind.COMPANY, OrgKind.OWNERS_COMMITTEE,
         OrgKind.AUDIT, OWNER]


def home_kind(user) -> str | None:
    held = kinds(user)
    return next((str(k) for k in ORDER if k in held), None)


def registry_counts(user) -> list[dict]:
    """The user's registry at a glance, each card saying what it counts (issue 18: the home page
    said 295 estates and the dashboard 294). Estates are counted as the dashboard counts them —
    in the registry today (delivered, not removed: ``registry.selectors.Counted``) — and link to
    the list filtered the same way; the note gives the records of every date (those removed or
    not yet delivered too). Buildings and homes are the records the user may see."""
    from fangguan.registry.selectors import Counted

    from .tables import pages

    today = timezone.localdate()
    estates = pages()["estates"].model.objects.visible_to(user).count()
    counted = Counted(user, today).estates.count()
    cards = [{"label": capfirst(_("estates in the registry today")), "count": counted,
              "url": reverse("registry-list", args=["estates"]) + f"?as_of={today.isoformat()}",
              "note": _("as the overview counts them; %(n)s records in all, with those removed or not yet delivered")
              % {"n": estates}}]
    for name in ("buildings", "homes"):
        cards.append({"label": capfirst(pages()[name].model._meta.verbose_name_plural),
                      "url": reverse("registry-list", args=[name]),
                      "count": pages()[name].model.objects.visible_to(user).count(), "note": _("records")})
    return cards


def _mark(items):
    from fangguan.repairs import deadlines

    now = timezone.now()
    for r in items:
        r.missed = deadlines.missed(r, now)
    return items


def resident(user) -> dict:
    from fangguan.repairs.choices import FINAL
    from fangguan.repairs.selectors import requests_for
    from fangguan.votes.choices import Status as VoteStatus
    from fangguan.votes.selectors import votes_for

    mine = requests_for(user).filter(reporter=user).exclude(status__in=FINAL)
    votes = votes_for(user, status=VoteStatus.OPEN)
    return {"my_open": _mark(list(mine[:HOME_ITEMS])), "my_open_count": mine.count(),
            "open_votes": list(votes[:HOME_ITEMS]), "open_votes_count": votes.count()}


def queue(user) -> dict:
    from fangguan.repairs.choices import WORKING, Status
    from fangguan.repairs.selectors import requests_for

    working = requests_for(user, status=WORKING, ordering="deadline")
    return {"queue": _mark(list(working[:HOME_ITEMS])), "queue_count": working.count(),
            "waiting_count": working.filter(status=Status.SUBMITTED).count(),
            "overdue_count": requests_for(user, status=WORKING, overdue=True).count()}


def area(user) -> dict:
    from fangguan.repairs.models import Escalation
    from fangguan.repairs.selectors import requests_for

    late = requests_for(user, overdue=True, ordering="deadline")
    held = kinds(user)
    levels = [lv for lv, kind in (("committee", OrgKind.NEIGHBOURHOOD), ("town", OrgKind.TOWN_OFFICE)) if kind in held]
    waiting = (Escalation.objects.visible_to(user).filter(level__in=levels, state="sent")
               .select_related("request", "request__estate", "request__category").order_by("sent_at"))
    return {"late": _mark(list(late[:HOME_ITEMS])), "late_count": late.count(),
            "waiting": list(waiting[:HOME_ITEMS]), "waiting_count": waiting.count(),
            "counts": registry_counts(user), "area_name": area_name(user)}


def committee(user) -> dict:
    from fangguan.votes.selectors import votes_for

    votes = votes_for(user)
    return {"votes": list(votes[:HOME_ITEMS]), "counts": registry_counts(user), "area_name": area_name(user),
            **queue(user)}


def audit(user) -> dict:
    from .audit import menu_items

    return {"audit_links": menu_items(user), "counts": registry_counts(user)}


BUILDERS = {str(OrgKind.TOWN_OFFICE): area, str(OrgKind.NEIGHBOURHOOD): area, str(OrgKind.COMPANY): queue,
            str(OrgKind.OWNERS_COMMITTEE): committee, str(OrgKind.AUDIT): audit, OWNER: resident}


def context_for(user, kind: str) -> dict:
    return {"home_kind": kind, **BUILDERS[kind](user)}


__all__ = ["home_kind", "context_for", "area_name", "registry_counts"]
