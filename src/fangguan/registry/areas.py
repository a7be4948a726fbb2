"""Whose figures a page shows: the name of the area a user works in (a town, a neighbourhood
committee, a company, an owners' committee), or "" for the district (the bureau, auditors) — so
a town office's dashboard is titled 朱泾镇, not 全区."""

from __future__ import annotations

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import OWNER, grants, reads_everything

from . import models as m


def area_name(user) -> str:
    if reads_everything(user):
        return ""
    for g in grants(user):
        if g.kind == OrgKind.TOWN_OFFICE and g.town_id:
            return m.Town.objects.filter(pk=g.town_id).values_list("name", flat=True).first() or ""
        if g.kind == OrgKind.NEIGHBOURHOOD and g.neighbourhood_id:
            return m.Neighbourhood.objects.filter(pk=g.neighbourhood_id).values_list("name", flat=True).first() or ""
        if g.kind == OrgKind.COMPANY and g.company_id:
            return m.Company.objects.filter(pk=g.company_id).values_list("name", flat=True).first() or ""
        if g.kind == OrgKind.OWNERS_COMMITTEE and g.committee_id:
            return str(m.OwnersCommittee.objects.filter(pk=g.committee_id).first() or "")
    if any(g.kind == OWNER for g in grants(user)):
        from django.utils.translation import gettext as _

        return _("My homes")
    return ""
